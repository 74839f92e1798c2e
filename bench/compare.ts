// Side-by-side benchmark (issue 9): the guest CPU program (images/guest/cpubench) natively, in our machine, in QEMU
// TCG and in v86, then the Linux boot to the shell prompt in each emulator. Contenders run interleaved, round by
// round, so machine noise hits them alike; prints medians, ranges and ratios, and writes a JSON record to
// bench/results/compare-<date>.json. A contender that cannot run, fails or times out is reported, never dropped.
//   npm run bench:compare [-- --quick] [--runs N] [--only native,webpc,qemu,v86] [--no-cpu] [--no-boot]
//                         [--timeout SECONDS]
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hostInfo } from "./host-info.ts";
import { aggregateBoot, aggregateCpu, kernelNames } from "./compare/aggregate.ts";
import { loadContenders } from "./compare/contenders.ts";
import { bootTable, buildRecord, cpuTable, ratesTable } from "./compare/report.ts";
import { runInterleaved } from "./compare/schedule.ts";
import type { BootOptions, BootResult, CpuOptions, CpuResult } from "./contenders/types.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const flag = (n: string) => argv.includes(n);
const value = (n: string) => { const i = argv.indexOf(n); return i >= 0 ? argv[i + 1] : undefined; };
const quick = flag("--quick");
const runs = Number(value("--runs") ?? (quick ? 1 : 5));
const timeoutMs = Number(value("--timeout") ?? 900) * 1000;
const only = value("--only")?.split(",");
if (!(runs >= 1) || !(timeoutMs > 0)) { console.error("bench:compare: --runs and --timeout take positive numbers"); process.exit(2); }

const images = join(ROOT, "public/images");
const base = { imagesDir: images, images, memoryMiB: 128, cmdline: "console=tty0 console=ttyS0,115200 cryptomgr.notests", timeoutMs };
const cpuOpts: CpuOptions = { ...base, scale: 1, program: "/usr/bin/cpubench" };
const bootOpts: BootOptions = { ...base, timeoutMs: Math.min(timeoutMs, 300_000) };

const { contenders: all, problems } = await loadContenders();
const unavailable: Record<string, string> = { ...problems };
const chosen = all.filter((c) => !only || only.includes(c.name));
for (const n of only ?? []) if (!all.some((c) => c.name === n) && !unavailable[n]) unavailable[n] = "no such contender";
const contenders = [];
for (const c of chosen) {
  const why = await c.available().catch((e: Error) => e.message);
  if (why) unavailable[c.name] = why; else contenders.push(c);
}
const byName = new Map(contenders.map((c) => [c.name, c]));
const names = contenders.map((c) => c.name);
const peers: Record<string, string | null> = {};
for (const c of contenders) if (c.version) peers[c.name] = await c.version().catch(() => null);

const progress = (section: string) => (name: string, round: number, r: { ok: boolean; error?: string }) =>
  console.error(`bench:compare: ${section} round ${round + 1}/${runs} ${name}: ${r.ok ? "done" : `failed: ${r.error}`}`);

const cpuRuns: Record<string, CpuResult[]> = flag("--no-cpu") ? {} :
  await runInterleaved(names, runs, (n) => byName.get(n)!.cpu(cpuOpts), timeoutMs + 10_000, progress("cpu"));
const bootNames = names.filter((n) => n !== "native");
const bootRuns: Record<string, BootResult[]> = flag("--no-boot") ? {} :
  await runInterleaved(bootNames, runs, (n) => byName.get(n)!.boot(bootOpts), bootOpts.timeoutMs + 10_000, progress("boot"));

const cpu = aggregateCpu(cpuRuns, "native"), boot = aggregateBoot(bootRuns, "webpc");
const h = hostInfo();
console.log(`\nbench:compare ${new Date().toISOString()}  ${h.cpuModel}, ${h.cores} cores, load ${h.loadAverage.join(" ")}, Node ${process.version}`);
for (const [n, v] of Object.entries(peers)) console.log(`  ${n}: ${v ?? "version unknown"}`);
console.log(`  ${runs} run(s) each, interleaved${quick ? " (--quick)" : ""}\n`);
if (!flag("--no-cpu")) console.log(cpuTable(cpu, kernelNames(cpuRuns), unavailable, "native") + "\n");
if (!flag("--no-boot")) console.log(bootTable(boot, unavailable, "webpc") + "\n");
console.log(ratesTable(cpu, boot));

const record = buildRecord({
  date: new Date(), argv, host: h, peers, runs, scale: cpuOpts.scale, quick, timeoutMs, order: names, unavailable, cpuRuns, bootRuns,
});
const dir = join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
const out = join(dir, `compare-${record.date.slice(0, 16).replace(":", "-")}.json`);
writeFileSync(out, JSON.stringify(record, null, 2) + "\n");
console.log(`\nrecord: ${out}`);
