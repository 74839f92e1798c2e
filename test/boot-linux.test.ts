// The default Linux guest on the whole PC, through SeaBIOS: direct kernel boot (our linuxboot option ROM), and
// the same kernel from the ISOLINUX CD on the ATAPI drive and from the SYSLINUX hard disk on the ATA drive.
// The guest itself is the oracle: what it prints about the machine (uname, /proc/cpuinfo, /proc/interrupts,
// dmesg) and the file it reads back from the CD. Runs use the virtual clock, so they are bounded by guest
// instructions and two runs with the same inputs must match instruction for instruction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bootPC, bootSkipReason, image, runUntil, screen, typeText, BootedPC } from "./util/pc-boot.ts";

const PROMPT = "webpc:/# ";
const BANNER = "WEBPC-GUEST-READY";
const CMDLINE = "console=tty0 console=ttyS0,115200 cryptomgr.notests";
const BOOT_LIMIT = 8_000_000_000n; // the direct boot needs about 3.1e9
const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linuxboot.bin", "vmlinuz", "initrd.gz"]);

async function bootDirect(): Promise<BootedPC> {
  const b = await bootPC({
    memoryMiB: 128, kernel: image("vmlinuz"), initrd: image("initrd.gz"), append: CMDLINE, linuxBootRom: image("linuxboot.bin"),
  }, [BANNER, PROMPT]);
  await runUntil(b, () => b.serial().includes(PROMPT), BOOT_LIMIT, "the Linux shell prompt on COM1");
  return b;
}

/** Type a command line on COM1 and wait for the next prompt; returns what the guest printed in between. */
async function shell(b: BootedPC, command: string, limit = 2_000_000_000n): Promise<string> {
  b.clearSerial();
  b.pc.sendSerial(0, new TextEncoder().encode(command + "\n"));
  await runUntil(b, () => { const s = b.serial(); return s.indexOf(PROMPT, s.indexOf("\n")) > 0; }, limit, `the answer to ${JSON.stringify(command)}`);
  return b.serial().replace(/\r/g, "");
}

function interruptCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^\s*(\w+):\s+(\d+)\s+(.*)$/.exec(line);
    if (m) counts.set(`${m[1]} ${m[3].trim().split(/\s+/).pop()}`, Number(m[2]));
  }
  return counts;
}

let first: { icount: bigint; transcript: string } | undefined;

test("Linux boots directly to the shell on COM1 and answers uname, /proc/cpuinfo, arithmetic and /proc/interrupts", { skip }, async () => {
  const b = await bootDirect();
  first = { icount: b.seenAt.get(PROMPT)!, transcript: b.serial() };
  assert.match(b.serial(), /Linux version 6\.1\.\S+-686/);
  assert.match(b.debug(), /Booting from ROM/, "SeaBIOS ran our option ROM");
  const out = await shell(b, "uname -a; cat /proc/cpuinfo; echo $((6*7)); cat /proc/interrupts");
  assert.match(out, /^Linux webpc 6\.1\.\S+-686 #1 SMP .* i686 GNU\/Linux$/m);
  assert.match(out, /^vendor_id\s*: GenuineIntel$/m);
  assert.match(out, /^cpu family\s*: 6$/m);
  assert.match(out, /^flags\s*: .*\bfpu\b.*\btsc\b.*\bcx8\b.*\bcmov\b/m);
  assert.match(out, /^42$/m);
  const irq1 = interruptCounts(out);
  // the local APIC timer once Linux runs it (LOC), else the PIT on IRQ 0
  const timer = [...irq1.keys()].find((k) => k.startsWith("LOC ")) ?? [...irq1.keys()].find((k) => k.startsWith("0 "));
  const serialIrq = [...irq1.keys()].find((k) => k.startsWith("4 ") && /ttyS0/.test(k));
  assert.ok(timer, `a timer line in /proc/interrupts:\n${out}`);
  assert.ok(serialIrq, `the ttyS0 line (IRQ 4) in /proc/interrupts:\n${out}`);
  const again = interruptCounts(await shell(b, "sleep 1; cat /proc/interrupts"));
  assert.ok(again.get(timer)! > irq1.get(timer)!, `the timer interrupt counts upwards (${irq1.get(timer)} -> ${again.get(timer)})`);
  assert.ok(again.get(serialIrq)! > irq1.get(serialIrq)!, `the serial interrupt counts upwards (${irq1.get(serialIrq)} -> ${again.get(serialIrq)})`);

  // the keyboard: keys typed on the PS/2 keyboard reach the shell on the VGA console (tty1), which runs the command
  await typeText(b, "echo KEYS-$((6*7))\n");
  await runUntil(b, () => /^KEYS-42\s*$/m.test(screen(b.pc)), 2_000_000_000n, "the answer on the VGA console");
  assert.match(screen(b.pc), /^(webpc:\/# )?echo KEYS-\$\(\(6\*7\)\)\s*$/m, "the typed line echoed on the screen (kernel messages may come between prompt and line)");
  // the PS/2 mouse: Linux found it on the 8042's auxiliary port
  const input = await shell(b, "cat /proc/bus/input/devices");
  assert.match(input, /^N: Name="AT Translated Set 2 keyboard"$/m, input);
  assert.match(input, /^N: Name="(ImExPS\/2 Generic Explorer Mouse|ImPS\/2 Generic Wheel Mouse|PS\/2 Generic Mouse)"$/m, input);

  // power off: Linux enters ACPI S5 through the PIIX4 PM block and the machine stops
  b.pc.sendSerial(0, new TextEncoder().encode("poweroff -f\n"));
  let stopped = false;
  const limit = b.pc.core.icount + 2_000_000_000n;
  while (!stopped && b.pc.core.icount < limit) stopped = (await b.pc.runSlice(50)) === "poweroff";
  assert.ok(stopped, `the machine powered off:\n${b.serial().slice(-800)}`);
});

test("determinism: a second direct boot with the same inputs reaches the prompt at the same instruction with the same transcript", { skip }, async () => {
  assert.ok(first, "the first boot ran");
  const b = await bootDirect();
  assert.equal(b.seenAt.get(PROMPT), first.icount, "instruction count at the prompt");
  const n = Math.min(b.serial().length, first.transcript.length);
  assert.equal(b.serial().slice(0, n), first.transcript.slice(0, n), "serial transcript");
});
