// The pure parts of `npm run bench:web` (bench/web-stats.ts): medians, the worker's boot rate from its status
// samples, /proc/<pid>/stat parsing, browser process trees and CPU percentages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootRate, cpuPercent, launchedBrowsers, mean, median, parseProcStat, processTree, processTrees, ticksBetween, type ProcStat, type StatusSample } from "../bench/web-stats.ts";

test("median of odd and even counts, unsorted input left alone; mean", () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  assert.equal(mean([1, 2, 6]), 3);
  assert.ok(Number.isNaN(mean([])));
});

const sample = (t: number, instructions: number, state = "running"): StatusSample => ({ t, instructions, mips: 0, busy: 1, state });

test("boot rate: from ready to the last status before the prompt, extrapolated to the prompt", () => {
  // ready at 1000 ms; 100 M instructions per second
  const samples = [sample(500, 0, "loading"), sample(1500, 50e6), sample(2000, 100e6), sample(2500, 150e6), sample(3100, 500e6)];
  const r = bootRate(samples, 1000, 2700)!;
  assert.equal(r.how, "extrapolated");
  assert.equal(r.mips, 100);
  assert.equal(r.instructions, 150e6 + 0.2 * 100e6);
  assert.equal(r.seconds, 1.7);
  // the statuses after the prompt (an idle guest on the virtual clock runs flat out) do not count
  assert.equal(bootRate(samples, 1000, 3200)!.mips, (500e6 / 2100) / 1000);
});

test("boot rate: a machine paused at the prompt gives the exact count", () => {
  const samples = [sample(1500, 50e6), sample(2000, 100e6), sample(2600, 165e6), sample(2710, 171e6, "paused"), sample(2800, 172e6, "paused")];
  const r = bootRate(samples, 1000, 2700)!;
  assert.deepEqual(r, { how: "paused", instructions: 171e6, seconds: 1.7, mips: 171e6 / 1.7 / 1e6 });
  // a pause before the prompt (the user's, say) is not the prompt's
  assert.equal(bootRate([sample(1500, 50e6, "paused"), sample(2000, 100e6)], 1000, 2700)!.how, "extrapolated");
});

test("boot rate: none without a status between ready and the prompt", () => {
  assert.equal(bootRate([sample(500, 0), sample(4000, 9e9)], 1000, 3000), null);
  assert.equal(bootRate([], 0, 1000), null);
  assert.equal(bootRate([sample(1500, 0)], 1000, 3000), null, "a loading status with no instructions");
});

test("/proc/<pid>/stat: fields after a command name with spaces and parentheses", () => {
  // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const line = "4242 (Web Content (x) y) S 17 4242 17 0 -1 4194560 1234 0 5 0 321 45 0 0 20 0 12 0 99 1000 200";
  assert.deepEqual(parseProcStat(line), { pid: 4242, comm: "Web Content (x) y", ppid: 17, utime: 321, stime: 45 });
  const plain = parseProcStat("1 (init) S 0 1 1 0 -1 4194560 10 20 30 40 7 8 9 10 20 0 1 0 5 100 50\n");
  assert.deepEqual([plain.pid, plain.comm, plain.ppid, plain.utime, plain.stime], [1, "init", 0, 7, 8]);
});

test("/proc/<pid>/stat: malformed lines are refused with the line in the message", () => {
  assert.throws(() => parseProcStat("garbage"), /not a \/proc\/<pid>\/stat line: "garbage"/);
  assert.throws(() => parseProcStat("12 (x) S"), /malformed/);
});

const proc = (pid: number, ppid: number, comm = "chromium", utime = 0, stime = 0): ProcStat => ({ pid, ppid, comm, utime, stime });

test("process tree: the root and all its descendants, nothing else", () => {
  const all = [proc(1, 0, "init"), proc(10, 1, "node"), proc(20, 10), proc(21, 20), proc(22, 21), proc(23, 20, "exe"), proc(30, 10, "esbuild"), proc(40, 1, "other")];
  assert.deepEqual(processTree(20, all).map((p) => p.pid).sort(), [20, 21, 22, 23]);
  assert.deepEqual(processTree(99, all), []);
  assert.deepEqual(launchedBrowsers(10, all), [20]);
  assert.deepEqual(processTrees(launchedBrowsers(10, all), all).map((p) => p.pid).sort(), [20, 21, 22, 23]);
});

test("CPU ticks between snapshots: processes that start count from zero; percentage of one core", () => {
  const before = [proc(20, 10, "chromium", 100, 50), proc(21, 20, "chromium", 10, 5)];
  const after = [proc(20, 10, "chromium", 110, 55), proc(21, 20, "chromium", 30, 5), proc(24, 20, "chromium", 3, 1)];
  assert.equal(ticksBetween(before, after), 15 + 20 + 4);
  assert.equal(cpuPercent(39, 100, 20), 1.95);
  assert.equal(cpuPercent(200, 100, 1), 200, "two busy cores");
});
