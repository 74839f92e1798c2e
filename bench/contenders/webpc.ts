// Our machine (web/machine/pc.ts, release build), each run in a fresh Node process (bench/contenders/webpc-child.ts)
// so that its peak memory is measured and no run reuses code the engine already optimised.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { wasmPath } from "../../web/machine/node.ts";
import { parseCpubench, runExitStatus, tail } from "./cpubench-output.ts";
import { watchProcess, whyFailed, type Watched } from "./process.ts";
import type { BootOptions, BootResult, Contender, Counters, CpuOptions, CpuResult } from "./types.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const CHILD = join(ROOT, "bench/contenders/webpc-child.ts");
const STATS = /WEBPC-BENCH-STATS (\{.*\})\n/;

interface ChildStats { promptMs?: number; mips?: number; peakRssMiB: number; counters: Counters }

function child(mode: "boot" | "cpu", o: BootOptions, append: string): Promise<Watched> {
  const arg = JSON.stringify({ imagesDir: o.imagesDir, memoryMiB: o.memoryMiB, append });
  return watchProcess(process.execPath, ["--import", "tsx", CHILD, mode, arg], { until: STATS, waitExit: true, timeoutMs: o.timeoutMs, cwd: ROOT });
}

const stats = (w: Watched): ChildStats | undefined => { const m = STATS.exec(w.output); return m ? JSON.parse(m[1]) as ChildStats : undefined; };

const webpc: Contender = {
  name: "webpc",
  async available() {
    const wasm = wasmPath("release");
    return existsSync(wasm) ? null : `${wasm} is missing: run \`node --import tsx tools/build-wasm.ts\``;
  },
  async cpu(opts: CpuOptions): Promise<CpuResult> {
    const w = await child("cpu", opts, `${opts.cmdline} webpc.run=${opts.program}`);
    const s = stats(w);
    if (!s) return { ok: false, error: `${whyFailed(w, "webpc", opts.timeoutMs)}; output ends: ${tail(w.output)}` };
    const status = runExitStatus(w.output);
    if (status !== 0) return { ok: false, error: `cpubench in the guest ${status === undefined ? "did not finish" : `exited with status ${status}`}; serial ends: ${tail(w.output)}` };
    const r = parseCpubench(w.output);
    return r.ok ? { ok: true, kernels: r.kernels, totalMs: r.totalMs, peakRssMiB: s.peakRssMiB, mips: s.mips, counters: s.counters } : r;
  },
  async boot(opts: BootOptions): Promise<BootResult> {
    const w = await child("boot", opts, opts.cmdline);
    const s = stats(w);
    if (!s || s.promptMs === undefined) return { ok: false, error: `${whyFailed(w, "webpc", opts.timeoutMs)} before the prompt; output ends: ${tail(w.output)}` };
    return { ok: true, promptMs: s.promptMs, peakRssMiB: s.peakRssMiB, mips: s.mips, counters: s.counters };
  },
};
export default webpc;
