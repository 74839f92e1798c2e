// From each contender's runs to what the table and the JSON record show: medians and ranges per kernel, ratios to
// the baseline (native for the CPU program, webpc for the boot), checksums that disagree (a CPU bug somewhere),
// failures with their messages.
import type { BootResult, Counters, CpuResult } from "../contenders/types.ts";
import { ratio, summarize, type Summary } from "./stats.ts";

export interface CpuAggregate {
  runs: number;
  /** One message per failed run ("run 2: timed out after 600 s"). */
  failures: string[];
  kernels: Record<string, Summary | null>;
  total: Summary | null;
  /** Ratio of median times to the baseline's, per kernel and "total"; null where either is missing. */
  ratios: Record<string, number | null>;
  /** Kernels whose checksum differs from the baseline's or between this contender's runs. */
  badChecksums: string[];
  peakRssMiB: number | null;
  mips: Summary | null;
  counters: Counters | null;
}

export interface BootAggregate {
  runs: number; failures: string[]; promptMs: Summary | null; ratio: number | null;
  peakRssMiB: number | null; mips: Summary | null; counters: Counters | null;
}

const ok = <T extends { ok: boolean }>(rs: T[]) => rs.filter((r): r is T & { ok: true } => r.ok);
const failures = (rs: ({ ok: true } | { ok: false; error: string })[]) =>
  rs.flatMap((r, i) => (r.ok ? [] : [`run ${i + 1}: ${r.error}`]));
const maxOf = (xs: (number | undefined)[]) => { const v = xs.filter((x): x is number => x !== undefined); return v.length ? Math.max(...v) : null; };

/** The kernel names in first-seen order over all contenders' good runs. */
export function kernelNames(all: Record<string, CpuResult[]>): string[] {
  const names: string[] = [];
  for (const rs of Object.values(all)) for (const r of ok(rs)) for (const k of Object.keys(r.kernels)) if (!names.includes(k)) names.push(k);
  return names;
}

export function aggregateCpu(all: Record<string, CpuResult[]>, baseline: string): Record<string, CpuAggregate> {
  const names = kernelNames(all);
  const out: Record<string, CpuAggregate> = {};
  for (const [name, rs] of Object.entries(all)) {
    const good = ok(rs);
    const kernels: Record<string, Summary | null> = {};
    for (const k of names) kernels[k] = summarize(good.flatMap((r) => (r.kernels[k] ? [r.kernels[k].ms] : [])));
    out[name] = {
      runs: rs.length, failures: failures(rs), kernels, total: summarize(good.map((r) => r.totalMs)), ratios: {}, badChecksums: [],
      peakRssMiB: maxOf(good.map((r) => r.peakRssMiB)), mips: summarize(good.flatMap((r) => (r.mips !== undefined ? [r.mips] : []))),
      counters: good.length ? good[good.length - 1].counters ?? null : null,
    };
  }
  const base = out[baseline];
  const baseSums = ok(all[baseline] ?? [])[0]?.kernels;
  for (const [name, a] of Object.entries(out)) {
    for (const k of names) a.ratios[k] = ratio(a.kernels[k]?.median, base?.kernels[k]?.median);
    a.ratios.total = ratio(a.total?.median, base?.total?.median);
    for (const k of names) {
      const sums = new Set(ok(all[name]).flatMap((r) => (r.kernels[k] ? [r.kernels[k].checksum] : [])));
      if (baseSums?.[k]) sums.add(baseSums[k].checksum);
      if (sums.size > 1) a.badChecksums.push(k);
    }
  }
  return out;
}

export function aggregateBoot(all: Record<string, BootResult[]>, baseline: string): Record<string, BootAggregate> {
  const out: Record<string, BootAggregate> = {};
  for (const [name, rs] of Object.entries(all)) {
    const good = ok(rs);
    out[name] = {
      runs: rs.length, failures: failures(rs), promptMs: summarize(good.map((r) => r.promptMs)), ratio: null,
      peakRssMiB: maxOf(good.map((r) => r.peakRssMiB)), mips: summarize(good.flatMap((r) => (r.mips !== undefined ? [r.mips] : []))),
      counters: good.length ? good[good.length - 1].counters ?? null : null,
    };
  }
  for (const a of Object.values(out)) a.ratio = ratio(a.promptMs?.median, out[baseline]?.promptMs?.median);
  return out;
}
