// The default Linux guest on the whole PC, through SeaBIOS: direct kernel boot (our linuxboot option ROM), and
// the same kernel from the ISOLINUX CD on the ATAPI drive and from the SYSLINUX hard disk on the ATA drive.
// The guest itself is the oracle: what it prints about the machine (uname, /proc/cpuinfo, /proc/interrupts,
// dmesg) and the file it reads back from the CD. Runs use the virtual clock, so they are bounded by guest
// instructions and two runs with the same inputs must match instruction for instruction. The first boot runs
// with the JIT tier on and the second with it off: they must match too (issue 9: compiled code changes nothing
// the guest can see, down to the instruction count).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bootPC, bootSkipReason, image, runUntil, screen, typeText, BootedPC } from "./util/pc-boot.ts";
import { Core } from "../web/machine/core.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";

const PROMPT = "webpc:/# ";
const BANNER = "WEBPC-GUEST-READY";
const CMDLINE = "console=tty0 console=ttyS0,115200 cryptomgr.notests";
const BOOT_LIMIT = 8_000_000_000n; // the direct boot needs about 3.1e9
const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linuxboot.bin", "vmlinuz", "initrd.gz"]);

/** The first boot's JIT setting: the default (WEBPC_JIT may force it), but never off, so there is something to
 *  compare the interpreted second boot with. */
const JIT_FIRST: JitSetting = Core.defaultJit === "off" ? "on" : Core.defaultJit;

async function bootDirect(jit: JitSetting): Promise<BootedPC> {
  const b = await bootPC({
    jit, memoryMiB: 128, kernel: image("vmlinuz"), initrd: image("initrd.gz"), append: CMDLINE, linuxBootRom: image("linuxboot.bin"),
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

let first: { icount: bigint; transcript: string; counters: Record<string, bigint>; failures: number } | undefined;

/** COM1 up to and including the first prompt. */
const toPrompt = (s: string) => s.slice(0, s.indexOf(PROMPT) + PROMPT.length);

test("Linux boots directly to the shell on COM1 and answers uname, /proc/cpuinfo, arithmetic and /proc/interrupts", { skip }, async () => {
  const b = await bootDirect(JIT_FIRST);
  first = { icount: b.seenAt.get(PROMPT)!, transcript: b.serial(), counters: b.pc.core.counters(), failures: b.pc.core.jit.stats.failures };
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

test(`determinism and the JIT: a second direct boot with the JIT off reaches the prompt at the same instruction with the same transcript as the first (JIT ${JIT_FIRST})`, { skip }, async () => {
  assert.ok(first, "the first boot ran");
  assert.equal(first.failures, 0, "no compiled module was refused in the first boot");
  assert.ok(first.counters.jit_runs > 0n && first.counters.jit_compiled > 0n,
    `the first boot ran compiled code (${first.counters.jit_compiled} blocks compiled, ${first.counters.jit_runs} runs)`);
  const b = await bootDirect("off");
  assert.equal(b.pc.core.counters().jit_runs, 0n, "the second boot was interpreted");
  assert.equal(b.seenAt.get(PROMPT), first.icount, "instruction count at the prompt");
  assert.equal(toPrompt(b.serial()), toPrompt(first.transcript), "serial transcript up to the prompt");
  const n = Math.min(b.serial().length, first.transcript.length);
  assert.equal(b.serial().slice(0, n), first.transcript.slice(0, n), "serial transcript");
});
