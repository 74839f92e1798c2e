// Boot benchmark: host time from creating the machine to the Linux shell prompt on COM1, for the direct kernel
// boot, the CD (ISOLINUX, ATAPI) and the hard disk (SYSLINUX, ATA), on the release build with the virtual clock
// (idle time is skipped, so the figure is the emulator's work, not the guest's timeouts). Prints guest
// instructions, host seconds, guest MIPS over the boot and CPU seconds of this process (which stays meaningful
// when other work shares the machine). Absolute figures move between machines by up to 2x: compare in one run.
//   npm run bench:boot [-- --only direct,cd,hd] [--runs N] [--jit off|force|THRESHOLD]
import { cpuUsage } from "node:process";
import { bootPC, bootSkipReason, image, memoryDisk, runUntil } from "../test/util/pc-boot.ts";

const PROMPT = "webpc:/# ";
const CMDLINE = "console=tty0 console=ttyS0,115200 cryptomgr.notests";
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const only = (arg("--only") ?? "direct,cd,hd").split(",");
const runs = Number(arg("--runs") ?? 1);
const jitArg = arg("--jit");
const jit = jitArg === undefined ? undefined : /^\d+$/.test(jitArg) ? Number(jitArg) : jitArg as "off" | "force";

const missing = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linuxboot.bin", "vmlinuz", "initrd.gz", "linux.iso", "linux-hd.img"]);
if (missing) { console.error(`bench:boot: ${missing}`); process.exit(2); }

const disks = () => [
  { drive: "hda" as const, media: "hd" as const, backend: memoryDisk(image("linux-hd.img")) },
  { drive: "hdc" as const, media: "cdrom" as const, backend: memoryDisk(image("linux.iso"), true) },
];
const configs: Record<string, () => Parameters<typeof bootPC>[0]> = {
  direct: () => ({ memoryMiB: 128, kernel: image("vmlinuz"), initrd: image("initrd.gz"), append: CMDLINE, linuxBootRom: image("linuxboot.bin") }),
  cd: () => ({ memoryMiB: 128, boot: "d", disks: disks() }),
  hd: () => ({ memoryMiB: 128, boot: "c", disks: disks() }),
};

console.log("boot     run  instructions  host s  cpu s   MIPS (host)  blocks translated  JIT regions  wasm KiB  compile ms  unfit");
for (const name of only) {
  if (!configs[name]) { console.error(`bench:boot: unknown boot "${name}" (direct, cd, hd)`); process.exit(2); }
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now(), c0 = cpuUsage();
    const b = await bootPC({ ...configs[name](), ...(jit !== undefined ? { jit } : {}) });
    try {
      await runUntil(b, () => b.serial().includes(PROMPT), 20_000_000_000n, `${name}: the shell prompt`);
    } catch (e) {
      console.log(`${name.padEnd(8)} ${String(r + 1).padStart(3)}  failed: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    const host = (performance.now() - t0) / 1000, cu = cpuUsage(c0), cpu = (cu.user + cu.system) / 1e6;
    const st = b.pc.stats(), k = b.pc.core.counters();
    console.log(`${name.padEnd(8)} ${String(r + 1).padStart(3)}  ${String(st.instructions).padStart(12)}  ${host.toFixed(1).padStart(6)}  ${cpu.toFixed(1).padStart(5)}  ${(Number(st.instructions) / host / 1e6).toFixed(1).padStart(11)}  ${String(st.blocks).padStart(17)}  ${String(k.jit_compiled).padStart(11)}  ${String(k.jit_bytes / 1024n).padStart(8)}  ${b.pc.core.jit.stats.compileMs.toFixed(0).padStart(10)}  ${String(k.jit_unfit).padStart(5)}`);
  }
}
