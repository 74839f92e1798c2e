// The side-by-side benchmark's harness (bench/compare.ts and its parts): reading cpubench output (the one parser
// of every contender, v86's included), statistics, the interleaved order, failing and hanging contenders
// reported, the JSON record. Fake contenders only: the benchmark itself is not a test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCpubench, runExitStatus } from "../bench/contenders/cpubench-output.ts";
import { median, ratio, summarize } from "../bench/compare/stats.ts";
import { interleave, runInterleaved, withTimeout } from "../bench/compare/schedule.ts";
import { aggregateBoot, aggregateCpu, kernelNames } from "../bench/compare/aggregate.ts";
import { bootTable, buildRecord, cpuTable, ratesTable } from "../bench/compare/report.ts";
import { contenderFrom } from "../bench/compare/contenders.ts";
import { watchProcess, whyFailed } from "../bench/contenders/process.ts";
import native from "../bench/contenders/native.ts";
import type { BootResult, Contender, CpuResult } from "../bench/contenders/types.ts";

const RUN = `cpubench scale 1
cpubench sieve        190.0 ms  checksum 7373e876
cpubench crc32        113.6 ms  checksum edf01fa5
cpubench memcpy        22.8 ms  checksum b30aa970
cpubench total        326.4 ms
`;

test("bench: cpubench output gives each kernel's time and checksum, and the total", () => {
  const r = parseCpubench(RUN);
  assert.ok(r.ok);
  assert.deepEqual(r.kernels, { sieve: { ms: 190, checksum: "7373e876" }, crc32: { ms: 113.6, checksum: "edf01fa5" }, memcpy: { ms: 22.8, checksum: "b30aa970" } });
  assert.equal(r.totalMs, 326.4);
});

test("bench: cpubench output read from a serial console (CR LF, kernel messages, the init's exit line)", () => {
  const serial = "[    3.1] random: crng init done\r\n" + RUN.replace(/\n/g, "\r\n").replace("cpubench crc32", "[    4.2] clocksource: tsc unstable\r\ncpubench crc32") + "WEBPC-RUN-EXIT 0\r\n";
  const r = parseCpubench(serial);
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.equal(Object.keys(r.kernels).join(","), "sieve,crc32,memcpy");
  assert.equal(runExitStatus(serial), 0);
  assert.equal(runExitStatus("no exit line"), undefined);
});

test("bench: garbage, truncated and repeated cpubench output are errors that say what is wrong", () => {
  const garbage = parseCpubench("Kernel panic - not syncing: VFS\n\x00\xff cpubench sieve lots ms checksum zz\n");
  assert.ok(!garbage.ok);
  assert.match(garbage.error, /no cpubench result lines.*Kernel panic/s);
  const truncated = parseCpubench(RUN.slice(0, RUN.indexOf("cpubench memcpy") + 20));
  assert.ok(!truncated.ok);
  assert.match(truncated.error, /truncated.*"crc32"/);
  const twice = parseCpubench(RUN.replace("cpubench crc32", "cpubench sieve"));
  assert.ok(!twice.ok);
  assert.match(twice.error, /"sieve" twice/);
  assert.ok(!parseCpubench("").ok);
});

// The same run as the v86 contender's console shows it: CRLF line ends, a kernel message between results,
// upper-case hex and a scale other than 1.
const CONSOLE = [
  "WEBPC-GUEST-READY Linux 6.1.0-50-686 (i686), BusyBox v1.35.0",
  "cpubench scale 2",
  "cpubench int         285.1 ms  checksum 105357e9",
  "[   13.401234] random: crng init done",
  "cpubench mem        1662.4 ms  checksum 30A33B8F",
  "cpubench fpu          17.0 ms  checksum 00000001",
  "cpubench total      1964.5 ms",
  "WEBPC-RUN-EXIT 0",
].join("\r\n") + "\r\n";

test("bench: cpubench output from a console gives kernels, checksums (lower case), total and scale", () => {
  const r = parseCpubench(CONSOLE);
  assert.ok(r.ok, !r.ok ? r.error : "");
  assert.deepEqual(r.kernels, {
    int: { ms: 285.1, checksum: "105357e9" },
    mem: { ms: 1662.4, checksum: "30a33b8f" },
    fpu: { ms: 17, checksum: "00000001" },
  });
  assert.equal(r.totalMs, 1964.5);
  assert.equal(r.scale, 2);
  const noScale = parseCpubench(RUN.replace("cpubench scale 1\n", ""));
  assert.equal(noScale.ok && noScale.scale, null);
});

test("bench: console output cut before the total line is an error naming the truncation and the last kernel", () => {
  const cut = CONSOLE.slice(0, CONSOLE.indexOf("cpubench fpu") + 15); // mid-line, total missing
  const r = parseCpubench(cut);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : "", /truncated/);
  assert.match(!r.ok ? r.error : "", /"mem"/); // the last complete kernel
});

test("bench: garbage and empty console output are errors that give the expected form and quote the end", () => {
  for (const text of ["Kernel panic - not syncing: VFS\r\n", "", "cpubench int fast checksum zz\n"]) {
    const r = parseCpubench(text);
    assert.equal(r.ok, false, text);
    assert.match(!r.ok ? r.error : "", /no cpubench result lines \("cpubench NAME TIME ms checksum XXXXXXXX"\)/);
  }
  const panic = parseCpubench("Kernel panic - not syncing: VFS\r\n");
  assert.match(!panic.ok ? panic.error : "", /it ends: "Kernel panic - not syncing: VFS"$/);
  const empty = parseCpubench("");
  assert.match(!empty.ok ? empty.error : "", /\(no output at all\)/);
});

test("bench: a kernel named twice is refused rather than silently overwritten, whatever its name", () => {
  const r = parseCpubench("cpubench int 1.0 ms checksum 1\ncpubench int 2.0 ms checksum 2\ncpubench total 3.0 ms\n");
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : "", /"int" twice/);
  const members = parseCpubench("cpubench toString 1.0 ms checksum 1\ncpubench __proto__ 2.0 ms checksum 2\ncpubench total 3.0 ms\n");
  assert.ok(members.ok, !members.ok ? members.error : "");
  assert.deepEqual(members.kernels, Object.fromEntries([["toString", { ms: 1, checksum: "1" }], ["__proto__", { ms: 2, checksum: "2" }]]));
  assert.deepEqual(Object.keys(members.kernels), ["toString", "__proto__"]); // own members, not the prototype's
});

test("bench: a kernel after the total line is refused (the total is cpubench's last line)", () => {
  const r = parseCpubench(RUN + "cpubench late 1.0 ms  checksum 00000001\n");
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : "", /kernel "late" after its total line/);
});

test("bench: cpubench results are read in every form a console gives them", () => {
  const one = (line: string) => {
    const r = parseCpubench(`${line}\ncpubench total 1.0 ms\n`);
    assert.ok(r.ok, `${JSON.stringify(line)}: ${!r.ok ? r.error : ""}`);
    return Object.entries(r.kernels).map(([name, k]) => `${name} ${k.ms} ${k.checksum}`).join("; ");
  };
  assert.equal(one("cpubench\tint\t1.5\tms\tchecksum\t0000000a"), "int 1.5 0000000a"); // tabs
  assert.equal(one("  cpubench int 1 ms checksum 0000000A  "), "int 1 0000000a"); // blanks around, upper case
  assert.equal(one("cpubench int 1.0 ms checksum 1"), "int 1 1"); // fewer than 8 digits
  assert.equal(one("cpubench sse-2 1.0 ms checksum 00000001"), "sse-2 1 00000001"); // not only word characters
  // a kernel message printed over the line, before or after the result
  assert.equal(one("[    4.2] ata1: SATA link downcpubench int 1.0 ms  checksum 00000001"), "int 1 00000001");
  assert.equal(one("cpubench int 1.0 ms  checksum 00000001ata1: SATA link down"), "int 1 00000001");
  assert.equal(one("cpubench a 1.0 ms  checksum 00000001cpubench b 2.0 ms  checksum 00000002"), "a 1 00000001; b 2 00000002");
  // the first total line is the run's
  const twice = parseCpubench(RUN + "cpubench total 9.0 ms\n");
  assert.equal(twice.ok && twice.totalMs, 326.4);
});

test("bench: median, min-max and ratios", () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.deepEqual(summarize([30, 10, 20, 1000]), { median: 25, min: 10, max: 1000, n: 4 });
  assert.equal(summarize([]), null);
  assert.equal(ratio(50, 10), 5);
  assert.equal(ratio(50, 0), null);
  assert.equal(ratio(null, 10), null);
  assert.equal(ratio(50, undefined), null);
});

test("bench: contenders run interleaved, round by round", async () => {
  assert.deepEqual(interleave(["a", "b", "c"], 2).map((x) => `${x.round}${x.name}`), ["0a", "0b", "0c", "1a", "1b", "1c"]);
  const calls: string[] = [];
  const out = await runInterleaved(["a", "b"], 3, async (n) => { calls.push(n); return { ok: true as const }; }, 60_000);
  assert.deepEqual(calls, ["a", "b", "a", "b", "a", "b"]);
  assert.equal(out.a.length, 3);
});

test("bench: a contender that throws, fails or never finishes is reported, and the others still run", async () => {
  const calls: string[] = [];
  const task = (n: string): Promise<CpuResult> => {
    calls.push(n);
    if (n === "throws") return Promise.reject(new Error("boom"));
    if (n === "fails") return Promise.resolve({ ok: false, error: "cpubench exited with status 1" });
    if (n === "hangs") return new Promise(() => {});
    return Promise.resolve(parseCpubench(RUN));
  };
  const heard: string[] = [];
  const out = await runInterleaved(["native", "throws", "fails", "hangs"], 2, task, 20, (n, round, r) => heard.push(`${round}${n}:${r.ok}`));
  assert.deepEqual(calls, ["native", "throws", "fails", "hangs", "native", "throws", "fails", "hangs"]);
  assert.deepEqual(heard, ["0native:true", "0throws:false", "0fails:false", "0hangs:false", "1native:true", "1throws:false", "1fails:false", "1hangs:false"]);
  const err = (r: CpuResult) => (r.ok ? "" : r.error);
  assert.match(err(out.throws[0]), /throws: boom/);
  assert.match(err(out.hangs[1]), /hangs: timed out/);
  const agg = aggregateCpu(out, "native");
  assert.deepEqual(Object.keys(agg), ["native", "throws", "fails", "hangs"]);
  assert.equal(agg.hangs.total, null);
  assert.deepEqual(agg.fails.failures, ["run 1: cpubench exited with status 1", "run 2: cpubench exited with status 1"]);
  const table = cpuTable(agg, kernelNames(out), { qemu: "qemu-system-i386 not found" }, "native");
  assert.match(table, /hangs: failed run 1: hangs: timed out/);
  assert.match(table, /qemu: not run: qemu-system-i386 not found/);
  assert.match(table.split("\n").find((l) => l.startsWith("total"))!, /failed/);
  const r = await withTimeout(async () => ({ ok: true as const }), 1000, "quick");
  assert.deepEqual(r, { ok: true });
});

test("bench: ratios to native per kernel and in total; a checksum that differs is flagged", () => {
  const slow = (k: number, sum = "edf01fa5"): CpuResult => ({
    ok: true, totalMs: 326.4 * k, mips: 50, counters: { instructions: 7, blocksTranslated: 3, regionsCompiled: null },
    kernels: { sieve: { ms: 190 * k, checksum: "7373e876" }, crc32: { ms: 113.6 * k, checksum: sum }, memcpy: { ms: 22.8 * k, checksum: "b30aa970" } },
  });
  const agg = aggregateCpu({ native: [parseCpubench(RUN), parseCpubench(RUN)], webpc: [slow(10), slow(30), slow(20)], bad: [slow(2, "00000000")] }, "native");
  assert.equal(agg.webpc.ratios.sieve, 20);
  assert.ok(Math.abs(agg.webpc.ratios.total! - 20) < 1e-9);
  assert.deepEqual(agg.webpc.kernels.crc32, { median: 2272, min: 1136, max: 3408, n: 3 });
  assert.deepEqual(agg.webpc.badChecksums, []);
  assert.deepEqual(agg.bad.badChecksums, ["crc32"]);
  assert.match(cpuTable(agg, kernelNames({ native: [parseCpubench(RUN)] }), {}, "native"), /bad: checksum differs from native \(a CPU bug\) in: crc32/);
  assert.match(ratesTable(agg, {}), /webpc\s+50\.0\s+-\s+-\s+-\s+7\s+3\s+-/);
});

test("bench: boot times with ratios to webpc; the JSON record keeps every run, failures included", () => {
  const boots: Record<string, BootResult[]> = {
    webpc: [{ ok: true, promptMs: 20000, mips: 60 }, { ok: true, promptMs: 24000 }],
    qemu: [{ ok: true, promptMs: 5000 }, { ok: false, error: "qemu: timed out after 300 s before the prompt" }],
  };
  const agg = aggregateBoot(boots, "webpc");
  assert.equal(agg.qemu.ratio, 5000 / 22000);
  assert.match(bootTable(agg, {}, "webpc"), /qemu +5\.0 \[5\.0-5\.0\] 0\.23x/);
  const record = buildRecord({
    date: new Date("2026-01-02T03:04:05Z"), argv: ["--quick"], host: { cpuModel: "Test CPU", cores: 2, loadAverage: [1, 2, 3] },
    peers: { qemu: "QEMU emulator version 7.2" }, runs: 2, scale: 1, quick: true, timeoutMs: 1000, order: ["native", "webpc", "qemu"],
    unavailable: { v86: "not installed" }, cpuRuns: { native: [parseCpubench(RUN)], webpc: [{ ok: false, error: "timed out" }] }, bootRuns: boots,
  });
  const back = JSON.parse(JSON.stringify(record));
  assert.deepEqual(Object.keys(back), ["kind", "version", "date", "command", "host", "peers", "options", "unavailable", "cpu", "boot"]);
  assert.equal(back.kind, "webpc-bench-compare");
  assert.equal(back.command, "npm run bench:compare -- --quick");
  assert.equal(back.host.node, process.version);
  assert.equal(back.host.cpuModel, "Test CPU");
  assert.equal(back.unavailable.v86, "not installed");
  assert.deepEqual(back.cpu.runs.webpc, [{ ok: false, error: "timed out" }]);
  assert.deepEqual(back.cpu.summary.webpc.failures, ["run 1: timed out"]);
  assert.equal(back.cpu.summary.native.kernels.sieve.median, 190);
  assert.equal(back.boot.runs.qemu[1].ok, false);
  assert.equal(back.boot.summary.webpc.promptMs.median, 22000);
});

test("bench: a contender module is found by its default export, a `contender` export or its own members", () => {
  const c: Contender = { name: "v86", available: async () => null, cpu: async () => ({ ok: false, error: "x" }), boot: async () => ({ ok: false, error: "x" }) };
  assert.equal(contenderFrom({ default: c }), c);
  assert.equal(contenderFrom({ contender: c }), c);
  assert.equal(contenderFrom({ v86: c }), c);
  assert.equal(contenderFrom({ ...c })?.name, "v86");
  assert.equal(contenderFrom({ default: { name: "half", cpu: () => 0 } }), undefined);
});

test("bench: a contender's process that cannot start or runs too long is reported as such", async () => {
  const missing = await watchProcess("/nonexistent/webpc-no-such-program", [], { timeoutMs: 60_000 });
  assert.match(whyFailed(missing, "qemu", 60_000), /qemu: could not start: .*ENOENT/);
  const hang = await watchProcess(process.execPath, ["-e", "console.log('started'); setInterval(() => {}, 1000)"], { until: /never printed/, timeoutMs: 300 });
  assert.equal(hang.timedOut, true);
  assert.equal(hang.matched, false);
  assert.match(whyFailed(hang, "webpc", 300), /timed out after 0.3 s/);
  const seen = await watchProcess(process.execPath, ["-e", "console.log('WEBPC-RUN-EXIT 0'); setInterval(() => {}, 1000)"], { until: /WEBPC-RUN-EXIT \d+/, timeoutMs: 60_000 });
  assert.equal(seen.matched, true);
  assert.equal(seen.timedOut, false);
});

test("bench: the native contender says which file is missing", async () => {
  const r = await native.cpu({ imagesDir: "/nonexistent/images", images: "/nonexistent/images", memoryMiB: 128, cmdline: "", timeoutMs: 1000, scale: 1, program: "/usr/bin/cpubench" });
  assert.deepEqual(r, { ok: false, error: "/nonexistent/images/cpubench is missing: run `npm run images`" });
});
