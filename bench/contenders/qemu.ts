// QEMU's TCG (its JIT), when qemu-system-i386 is installed: the same kernel, initramfs, SeaBIOS and VGA BIOS
// (-L public/images), a Pentium III, 128 MiB, the serial console on stdout.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseCpubench, runExitStatus, tail } from "./cpubench-output.ts";
import { watchProcess, whyFailed } from "./process.ts";
import type { BootOptions, BootResult, Contender, CpuOptions, CpuResult, RunOptions } from "./types.ts";

const QEMU = "qemu-system-i386";
export const PROMPT_AFTER_BANNER = /WEBPC-GUEST-READY[\s\S]*webpc:\/# /;

function args(o: RunOptions, append: string): string[] {
  return ["-accel", "tcg", "-cpu", "pentium3", "-m", String(o.memoryMiB), "-display", "none", "-monitor", "none", "-serial", "stdio",
    "-no-reboot", "-L", o.imagesDir, "-bios", "bios.bin", "-kernel", join(o.imagesDir, "vmlinuz"), "-initrd", join(o.imagesDir, "initrd.gz"),
    "-append", append];
}

function version(): string | null {
  try { return execFileSync(QEMU, ["--version"], { encoding: "utf8" }).split("\n")[0].trim(); } catch { return null; }
}

const qemu: Contender = {
  name: "qemu",
  async available() { return version() ? null : `${QEMU} not found (Debian/Ubuntu: apt install qemu-system-x86)`; },
  async version() { return version(); },
  async cpu(opts: CpuOptions): Promise<CpuResult> {
    const w = await watchProcess(QEMU, args(opts, `${opts.cmdline} webpc.run=${opts.program}`), { until: /WEBPC-RUN-EXIT \d+/, timeoutMs: opts.timeoutMs, cwd: opts.imagesDir });
    if (!w.matched) return { ok: false, error: `${whyFailed(w, "qemu", opts.timeoutMs)}; serial ends: ${tail(w.output)}` };
    const status = runExitStatus(w.output);
    if (status !== 0) return { ok: false, error: `cpubench in the guest exited with status ${status}; serial ends: ${tail(w.output)}` };
    const r = parseCpubench(w.output);
    return r.ok ? { ok: true, kernels: r.kernels, totalMs: r.totalMs, peakRssMiB: w.peakRssMiB } : r;
  },
  async boot(opts: BootOptions): Promise<BootResult> {
    const w = await watchProcess(QEMU, args(opts, opts.cmdline), { until: PROMPT_AFTER_BANNER, timeoutMs: opts.timeoutMs, cwd: opts.imagesDir });
    if (!w.matched) return { ok: false, error: `${whyFailed(w, "qemu", opts.timeoutMs)} before the prompt; serial ends: ${tail(w.output)}` };
    return { ok: true, promptMs: w.ms, peakRssMiB: w.peakRssMiB };
  },
};
export default qemu;
