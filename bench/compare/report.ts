// The terminal tables and the JSON record of `npm run bench:compare`.
import type { BootResult, CpuResult } from "../contenders/types.ts";
import { aggregateBoot, aggregateCpu, type BootAggregate, type CpuAggregate } from "./aggregate.ts";
import type { Summary } from "./stats.ts";

/** JIT counters the core does not have yet: columns kept so later records line up. */
export const COUNTER_COLUMNS = ["instructions", "blocksTranslated", "regionsCompiled", "wasmBytes", "compileMs", "evictions"];

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const cell = (s: Summary | null, r: number | null | undefined) =>
  s ? `${fmt(s.median)} [${fmt(s.min)}-${fmt(s.max)}]${r != null ? ` ${r < 1 ? r.toFixed(2) : r.toFixed(1)}x` : ""}` : "failed";
const row = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [row(header, widths), ...rows.map((r) => row(r, widths))].join("\n");
}

function notes(aggs: Record<string, { failures: string[] }>, unavailable: Record<string, string>): string[] {
  const lines: string[] = [];
  for (const [name, why] of Object.entries(unavailable)) lines.push(`  ${name}: not run: ${why}`);
  for (const [name, a] of Object.entries(aggs)) for (const f of a.failures) lines.push(`  ${name}: failed ${f}`);
  return lines;
}

export function cpuTable(aggs: Record<string, CpuAggregate>, kernels: string[], unavailable: Record<string, string>, baseline: string): string {
  const names = Object.keys(aggs);
  const rows = [...kernels, "total"].map((k) => [k, ...names.map((n) => {
    const a = aggs[n], s = k === "total" ? a.total : a.kernels[k];
    return cell(s, a.ratios[k]) + (a.badChecksums.includes(k) ? " !checksum" : "");
  })]);
  const out = [`Guest CPU program: ms, median [min-max], ratio to ${baseline}`, table(["kernel", ...names], rows)];
  const bad = names.filter((n) => aggs[n].badChecksums.length);
  for (const n of bad) out.push(`  ${n}: checksum differs from ${baseline} (a CPU bug) in: ${aggs[n].badChecksums.join(", ")}`);
  return [...out, ...notes(aggs, unavailable)].join("\n");
}

export function bootTable(aggs: Record<string, BootAggregate>, unavailable: Record<string, string>, baseline: string): string {
  const rows = Object.entries(aggs).map(([n, a]) => [n, a.promptMs ? cell({ ...a.promptMs, median: a.promptMs.median / 1000, min: a.promptMs.min / 1000, max: a.promptMs.max / 1000 }, a.ratio) : "failed"]);
  return [`Boot to prompt (Linux, direct kernel boot, 128 MiB): s from process start, median [min-max], ratio to ${baseline}`,
    table(["contender", "prompt"], rows), ...notes(aggs, unavailable)].join("\n");
}

/** Guest MIPS, peak memory and the core's counters, per contender (blank where a contender cannot tell). */
export function ratesTable(cpu: Record<string, CpuAggregate>, boot: Record<string, BootAggregate>): string {
  const names = [...new Set([...Object.keys(cpu), ...Object.keys(boot)])];
  const num = (v: number | null | undefined) => (v == null ? "-" : fmt(v));
  const rows = names.map((n) => [n, num(cpu[n]?.mips?.median), num(boot[n]?.mips?.median), num(cpu[n]?.peakRssMiB), num(boot[n]?.peakRssMiB),
    ...COUNTER_COLUMNS.map((c) => { const v = (cpu[n]?.counters ?? boot[n]?.counters)?.[c]; return v == null ? "-" : String(Math.round(v)); })]);
  return ["Instruction rate, memory, counters (counters: of the CPU program's run, boot included; else of the boot)",
    table(["contender", "MIPS cpu", "MIPS boot", "RSS MiB cpu", "RSS MiB boot", ...COUNTER_COLUMNS], rows)].join("\n");
}

export interface CompareRecord {
  kind: "webpc-bench-compare"; version: 1; date: string; command: string;
  host: { cpuModel: string; cores: number; loadAverage: number[]; node: string; platform: string };
  peers: Record<string, string | null>;
  options: { runs: number; scale: number; quick: boolean; timeoutMs: number; order: string[] };
  unavailable: Record<string, string>;
  cpu: { baseline: string; runs: Record<string, CpuResult[]>; summary: Record<string, CpuAggregate> };
  boot: { baseline: string; runs: Record<string, BootResult[]>; summary: Record<string, BootAggregate> };
}

/** The JSON record of one comparison: what ran where, every run's result (failures included) and the summaries. */
export function buildRecord(r: {
  date: Date; argv: string[]; host: { cpuModel: string; cores: number; loadAverage: number[] }; peers: Record<string, string | null>;
  runs: number; scale: number; quick: boolean; timeoutMs: number; order: string[]; unavailable: Record<string, string>;
  cpuRuns: Record<string, CpuResult[]>; bootRuns: Record<string, BootResult[]>;
}): CompareRecord {
  return {
    kind: "webpc-bench-compare", version: 1, date: r.date.toISOString(), command: `npm run bench:compare -- ${r.argv.join(" ")}`.trim(),
    host: { ...r.host, node: process.version, platform: `${process.platform}/${process.arch}` }, peers: r.peers,
    options: { runs: r.runs, scale: r.scale, quick: r.quick, timeoutMs: r.timeoutMs, order: r.order }, unavailable: r.unavailable,
    cpu: { baseline: "native", runs: r.cpuRuns, summary: aggregateCpu(r.cpuRuns, "native") },
    boot: { baseline: "webpc", runs: r.bootRuns, summary: aggregateBoot(r.bootRuns, "webpc") },
  };
}
