// The host itself: images/guest's cpubench is a static i386 ELF, which an x86-64 Linux kernel runs directly. The
// baseline of the CPU table. It cannot boot the guest, so its boot result says so.
import { copyFileSync, chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCpubench } from "./cpubench-output.ts";
import { watchProcess, whyFailed } from "./process.ts";
import type { BootResult, Contender, CpuOptions, CpuResult, RunOptions } from "./types.ts";

const native: Contender = {
  name: "native",
  async available() {
    if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "ia32")) return `the host is ${process.platform}/${process.arch}, not x86 Linux`;
    return null;
  },
  async cpu(opts: CpuOptions): Promise<CpuResult> {
    const src = join(opts.imagesDir, "cpubench");
    if (!existsSync(src)) return { ok: false, error: `${src} is missing: run \`npm run images\`` };
    // the images build writes files without the execute bit: run a private executable copy
    const dir = mkdtempSync(join(tmpdir(), "webpc-native-")), exe = join(dir, "cpubench");
    copyFileSync(src, exe);
    chmodSync(exe, 0o755);
    const w = await watchProcess(exe, [String(opts.scale)], { timeoutMs: opts.timeoutMs, waitExit: true }).finally(() => rmSync(dir, { recursive: true, force: true }));
    if (w.exitCode !== 0) return { ok: false, error: whyFailed(w, "cpubench", opts.timeoutMs) };
    const r = parseCpubench(w.output);
    return r.ok ? { ok: true, kernels: r.kernels, totalMs: r.totalMs, peakRssMiB: w.peakRssMiB } : r;
  },
  async boot(_opts: RunOptions): Promise<BootResult> {
    return { ok: false, error: "not applicable (the host does not boot the guest)" };
  },
};
export default native;
