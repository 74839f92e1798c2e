// Boots the generated images in QEMU (software emulation) and waits for their banner on the serial port:
// direct kernel boot, the ISOLINUX CD (our ISO 9660 + El Torito writer), the SYSLINUX hard disk (our MBR and
// FAT writers), the multiboot test kernel, and cpubench run inside the guest, whose checksums must equal
// the host's. Every boot uses our bios.bin and vgabios-stdvga.bin (-bios, -L). Skipped when
// qemu-system-i386 is missing. Each boot is bounded (240 s: a hang guard, far above what a slow host needs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "public/images");
const noQemu = spawnSync("qemu-system-i386", ["--version"], { stdio: "ignore" }).error !== undefined;
const skip = noQemu ? "qemu-system-i386 not found (apt-get install qemu-system-x86)" : !existsSync(join(OUT, "manifest.json")) ? "no images built (see the images-manifest tests)" : false;

/** Runs QEMU until `until` matches the serial output (then kills it) or the time limit passes. */
function bootQemu(args: string[], until: RegExp, limitMs = 240_000): Promise<{ output: string; ms: number; matched: boolean }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const q = spawn("qemu-system-i386", ["-m", "256", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-L", OUT, "-bios", "bios.bin", ...args], { cwd: OUT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let done = false;
    const finish = (matched: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      q.kill("SIGKILL");
      resolve({ output, ms: performance.now() - t0, matched });
    };
    const timer = setTimeout(() => finish(false), limitMs);
    q.stdout.on("data", (d) => { output += d.toString("latin1"); if (until.test(output)) finish(true); });
    q.stderr.on("data", (d) => { output += d.toString("latin1"); });
    q.on("exit", () => finish(until.test(output)));
  });
}

const tail = (s: string) => s.slice(-1500);

test("boot: Linux direct kernel boot reaches the banner on the serial port", { skip, timeout: 300_000 }, async (t) => {
  const r = await bootQemu(["-kernel", "vmlinuz", "-initrd", "initrd.gz", "-append", "console=ttyS0,115200"], /WEBPC-GUEST-READY/);
  assert.ok(r.matched, `no banner within 60 s:\n${tail(r.output)}`);
  assert.doesNotMatch(r.output, /init: could not load module/);
  t.diagnostic(`banner after ${(r.ms / 1000).toFixed(1)} s`);
});

test("boot: Linux CD (ISOLINUX, El Torito) reaches the banner", { skip, timeout: 300_000 }, async (t) => {
  const r = await bootQemu(["-cdrom", "linux.iso", "-boot", "d"], /WEBPC-GUEST-READY/);
  assert.match(r.output, /ISOLINUX 6/);
  assert.ok(r.matched, `no banner within 60 s:\n${tail(r.output)}`);
  t.diagnostic(`banner after ${(r.ms / 1000).toFixed(1)} s`);
});

test("boot: Linux hard disk (MBR, FAT16, SYSLINUX) reaches the banner", { skip, timeout: 300_000 }, async (t) => {
  const r = await bootQemu(["-drive", "file=linux-hd.img,format=raw,if=ide,snapshot=on", "-boot", "c"], /WEBPC-GUEST-READY/);
  assert.match(r.output, /SYSLINUX 6/);
  assert.ok(r.matched, `no banner within 60 s:\n${tail(r.output)}`);
  t.diagnostic(`banner after ${(r.ms / 1000).toFixed(1)} s`);
});

test("boot: multiboot test kernel prints its line on COM1", { skip, timeout: 300_000 }, async () => {
  const r = await bootQemu(["-kernel", "mbhello.elf"], /WEBPC-MBHELLO multiboot kernel OK/, 30_000);
  assert.ok(r.matched, tail(r.output));
});

test("boot: memtest86+ starts and reports on the serial port", { skip, timeout: 300_000 }, async () => {
  const r = await bootQemu(["-m", "64", "-kernel", "memtest86+ia32.bin", "-append", "console=ttyS0,115200"], /Memtest86\+ v\d/, 30_000);
  assert.ok(r.matched, tail(r.output));
});

test("boot: cpubench inside the guest prints the host's checksums (webpc.run)", { skip, timeout: 300_000 }, async (t) => {
  const r = await bootQemu(["-kernel", "vmlinuz", "-initrd", "initrd.gz", "-append", "console=ttyS0,115200 quiet webpc.run=cpubench"], /WEBPC-RUN-EXIT \d+/);
  assert.ok(r.matched, `cpubench did not finish within 60 s:\n${tail(r.output)}`);
  assert.match(r.output, /WEBPC-RUN-EXIT 0/);
  const guest = [...r.output.matchAll(/cpubench (\w+) .* checksum ([0-9a-f]{8})/g)].map((m) => `${m[1]}=${m[2]}`);
  assert.equal(guest.length, 9, tail(r.output));
  const host = spawnSync(join(OUT, "cpubench"), [], { encoding: "utf8" });
  if (!host.error && host.status === 0) {
    assert.deepEqual(guest, [...host.stdout.matchAll(/cpubench (\w+) .* checksum ([0-9a-f]{8})/g)].map((m) => `${m[1]}=${m[2]}`));
  }
  t.diagnostic(r.output.split("\n").filter((l) => l.startsWith("cpubench")).join(" | "));
});
