// Helpers for running a CPU suite with the JIT tier forced on (issue 9): make the core, keep its compile budget
// full, and sum up the proof that compiled code really ran.
import { loadModule, Flavour } from "../../web/machine/node.ts";
import { Core } from "../../web/machine/core.ts";
import type { JitSetting } from "../../web/machine/jit-host.ts";

/** A core from build/machine.<flavour>.wasm with the JIT tier set to `jit` (default: Core.defaultJit). */
export function createJitCore(ramSize: number, flavour: Flavour, jit: JitSetting = Core.defaultJit, extraBytes = 0): Promise<Core> {
  return Core.create(loadModule(flavour), ramSize, extraBytes, { jit });
}

/** What the JIT did in a core: instructions run inside compiled blocks, entries into them, blocks compiled,
 *  and the modules the engine refused (an emitter bug: must be 0). */
export interface JitWork { insns: bigint; runs: bigint; compiled: bigint; failures: number; lastError: string | null }

export function jitWork(c: Core): JitWork {
  const n = c.counters();
  return { insns: n.jit_insns ?? 0n, runs: n.jit_runs ?? 0n, compiled: n.jit_compiled ?? 0n, failures: c.jit.stats.failures, lastError: c.jit.stats.lastError };
}

export function addJitWork(a: JitWork, b: JitWork): JitWork {
  return { insns: a.insns + b.insns, runs: a.runs + b.runs, compiled: a.compiled + b.compiled, failures: a.failures + b.failures, lastError: b.lastError ?? a.lastError };
}

export const NO_JIT_WORK: JitWork = { insns: 0n, runs: 0n, compiled: 0n, failures: 0, lastError: null };

export function formatJitWork(w: JitWork): string {
  return `JIT: ${w.insns} instructions in ${w.runs} runs of ${w.compiled} compiled blocks, ${w.failures} compile failures${w.lastError ? ` (${w.lastError})` : ""}`;
}

/**
 * Compiled modules a core should make before a suite replaces it with a fresh one. Suites that compile every
 * block of many short tests make hundreds of thousands of modules; V8 frees the code of replaced ones only at
 * GC, and (while modules imported the core's table, before main's 172598b) each install got slower with every
 * module made before it (1 ms at 4,000, 6-16 ms past 10,000) and one process ran out of wasm code space. A
 * fresh core now and then keeps both bounded.
 */
export const MODULES_PER_CORE = 1000;

export function wornOut(c: Core): boolean { return c.jit.stats.modules >= MODULES_PER_CORE; }

/** At most `n` instructions per block (1..64; 0 = 64); flushes the block cache. */
export function setBlockLimit(c: Core, n: number): void {
  (c.exports.setBlockLimit as (n: number) => void)(n);
}
