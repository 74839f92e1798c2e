// Web app benchmark (issue 8; a benchmark, not a test): in Debian's Chromium, for the page with no fragment
// (the default machine, Linux booted directly):
//   1. time from navigation to the first frame on the canvas (and the first with a lit pixel: the firmware's
//      first picture) and to the Linux shell prompt on COM1 after the guest's ready banner, on the real-time clock
//      a user gets;
//   2. guest MIPS in the worker versus web/machine/pc.ts in Node on the same guest and the same (virtual) clock:
//      the page is opened with `?clock=virtual` (web/app/main.ts, for benchmarks and tests only) and pauses the
//      machine at the prompt for an exact instruction count; bench/web-node-boot.ts boots the same machine from
//      the same server's files in a fresh Node process; runs alternate page, Node, page, Node...;
//   3. the main thread's longest task from page start to the prompt, and the number over 50 ms;
//   4. CPU use of the idle guest: the browser's whole process tree over ~20 s after the prompt (/proc), as a
//      percentage of one core, and the worker's own busy fraction from its status messages.
// Prints a table, writes bench/results/web-<date>.json. Absolute figures depend on the host and its load (the
// load average is recorded); compare within one run.
//   npm run bench:web [-- --runs N] [--quick] [--idle SECONDS]
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { browserSkipReason } from "../e2e/util/browser.ts";
import { imagesSkipReason } from "../e2e/util/images.ts";
import { serveApp } from "../e2e/util/server.ts";
import { hostInfo } from "./host-info.ts";
import { runPage, type PageRun } from "./web-page.ts";
import { median } from "./web-stats.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const quick = process.argv.includes("--quick");
const runs = Number(arg("--runs") ?? (quick ? 1 : 3));
const idleSeconds = Number(arg("--idle") ?? 20);
if (!Number.isInteger(runs) || runs < 1 || !(idleSeconds >= 0)) {
  console.error("bench:web: --runs takes a whole number from 1, --idle a number of seconds");
  process.exit(2);
}
const skip = browserSkipReason() ?? imagesSkipReason();
if (skip) { console.error(`bench:web: ${skip}`); process.exit(2); }

interface NodeRun { profile: string; initrdBytes: number; instructions: number; seconds: number; mips: number }

function runNode(appUrl: string): NodeRun {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(HERE, "web-node-boot.ts"), appUrl], { encoding: "utf8", cwd: join(HERE, "..") });
  if (r.status !== 0) throw new Error(`the Node boot failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as NodeRun;
}

const host = hostInfo();
console.log(`bench:web: ${runs} run(s) of each, idle window ${idleSeconds} s; ${host.cpuModel}, ${host.cores} cores, load average ${host.loadAverage.join(" ")}`);
const server = await serveApp();
const realtime: PageRun[] = [], virtual: PageRun[] = [], node: NodeRun[] = [];
const say = (s: string) => console.log(`  ${s}`);
try {
  // 1, 3, 4: what a user gets (real-time clock)
  for (let i = 0; i < runs; i++) {
    const r = await runPage(server.url, { clock: "realtime", idleSeconds });
    realtime.push(r);
    say(`page (real-time clock) ${i + 1}/${runs}: first frame ${sec(r.firstFrameMs)}, first picture ${sec(r.firstPictureMs)}, prompt ${sec(r.promptMs)}, longest task ${r.longestTaskMs.toFixed(0)} ms, idle CPU ${r.idle ? r.idle.cpuPercent.toFixed(1) + " %" : "-"}`);
  }
  // 2: the same work on the same clock, interleaved A-B-A-B so drifting host load hits both sides alike
  for (let i = 0; i < runs; i++) {
    const w = await runPage(server.url, { clock: "virtual", idleSeconds: 0 });
    virtual.push(w);
    say(`worker (virtual clock) ${i + 1}/${runs}: ${w.boot ? `${(w.boot.instructions / 1e9).toFixed(2)} G instructions in ${w.boot.seconds.toFixed(1)} s, ${w.boot.mips.toFixed(1)} MIPS` : "no status before the prompt"}`);
    const n = runNode(server.url);
    node.push(n);
    say(`Node   (virtual clock) ${i + 1}/${runs}: ${(n.instructions / 1e9).toFixed(2)} G instructions in ${n.seconds.toFixed(1)} s, ${n.mips.toFixed(1)} MIPS`);
  }
} finally {
  await server.stop();
}

// ---- summary --------------------------------------------------------------------------------------------------
const med = (xs: number[]) => median(xs.filter((x) => Number.isFinite(x)));
const workerMips = med(virtual.map((r) => r.boot?.mips ?? NaN));
const nodeMips = med(node.map((r) => r.mips));
const summary = {
  firstFrameS: med(realtime.map((r) => r.firstFrameMs)) / 1000,
  firstPictureS: med(realtime.map((r) => r.firstPictureMs)) / 1000,
  promptS: med(realtime.map((r) => r.promptMs)) / 1000,
  promptVirtualClockS: med(virtual.map((r) => r.promptMs)) / 1000,
  workerMips, nodeMips, workerOverNode: workerMips / nodeMips,
  /** Worker / Node for each interleaved pair (the spread says how noisy the host was). */
  pairRatios: virtual.map((v, i) => (v.boot?.mips ?? NaN) / node[i].mips),
  workerInstructionsToPrompt: med(virtual.map((r) => r.boot?.instructions ?? NaN)),
  nodeInstructionsToPrompt: med(node.map((r) => r.instructions)),
  workerSecondsToPrompt: med(virtual.map((r) => r.boot?.seconds ?? NaN)),
  nodeSecondsToPrompt: med(node.map((r) => r.seconds)),
  longestTaskMs: med(realtime.map((r) => r.longestTaskMs)),
  longTasksOver50ms: med(realtime.map((r) => r.longTasks)),
  idleCpuPercent: med(realtime.map((r) => r.idle?.cpuPercent ?? NaN)),
  idleWorkerBusyPercent: 100 * med(realtime.map((r) => r.idle?.workerBusy ?? NaN)),
};
const rows: [string, string][] = [
  ["navigation → first frame (real-time clock)", `${summary.firstFrameS.toFixed(2)} s`],
  ["navigation → first lit frame (firmware picture)", `${summary.firstPictureS.toFixed(2)} s`],
  ["navigation → Linux prompt (real-time clock)", `${summary.promptS.toFixed(1)} s`],
  ["navigation → Linux prompt (virtual clock)", `${summary.promptVirtualClockS.toFixed(1)} s`],
  ["guest MIPS to the prompt, worker (virtual clock)", `${workerMips.toFixed(1)} (${(summary.workerInstructionsToPrompt / 1e9).toFixed(2)} G instr. in ${summary.workerSecondsToPrompt.toFixed(1)} s)`],
  ["guest MIPS to the prompt, Node (virtual clock)", `${nodeMips.toFixed(1)} (${(summary.nodeInstructionsToPrompt / 1e9).toFixed(2)} G instr. in ${summary.nodeSecondsToPrompt.toFixed(1)} s)`],
  ["worker / Node", `${(100 * summary.workerOverNode).toFixed(0)} % (target ≥ 90 %; pairs ${summary.pairRatios.map((r) => (100 * r).toFixed(0)).join(", ")} %)`],
  ["main thread: longest task, page start → prompt", `${summary.longestTaskMs.toFixed(0)} ms`],
  ["main thread: tasks over 50 ms, page start → prompt", `${summary.longTasksOver50ms}`],
  [`idle guest: Chromium CPU over ${idleSeconds} s (one core = 100 %)`, `${summary.idleCpuPercent.toFixed(1)} %`],
  ["idle guest: worker busy (status bar)", `${summary.idleWorkerBusyPercent.toFixed(1)} %`],
];
const w = Math.max(...rows.map(([k]) => k.length));
console.log(`\nmedians of ${runs} run(s):`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);

const date = new Date().toISOString().slice(0, 10);
const record = {
  date, command: `npm run bench:web${quick ? " -- --quick" : runs !== 3 ? ` -- --runs ${runs}` : ""}`, runs, idleSeconds,
  host: { ...host, loadAverageAtEnd: hostInfo().loadAverage }, node: process.version, chromium: realtime[0]?.chromium ?? virtual[0]?.chromium,
  summary, realtime, virtual, nodeRuns: node,
};
mkdirSync(join(HERE, "results"), { recursive: true });
const out = join(HERE, "results", `web-${date}.json`);
writeFileSync(out, JSON.stringify(record, null, 2) + "\n");
console.log(`\nwrote ${out}`);

function sec(ms: number): string { return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "-"; }
