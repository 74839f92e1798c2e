// Acceptance 2 of the CPU issue: differential tests of 32-bit user-mode code against the host CPU
// (generated from a fixed seed; expected results from running the same bytes natively, see test/diff/). Run
// with the core's default JIT setting and again with the JIT forced on (issue 9).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runDiff, formatDiff } from "./diff/run.ts";

const SEED = 20240601, COUNT = 25000;

test(`differential 32-bit tests against the host CPU (seed ${SEED}, ${COUNT} tests)`, async (t) => {
  if (process.arch !== "x64" && process.arch !== "ia32") { t.skip(`the host CPU is ${process.arch}, not x86`); return; }
  const s = await runDiff({ seed: SEED, count: COUNT, show: 5 });
  if ("missing" in s) { t.skip(s.missing); return; }
  const text = formatDiff(s);
  console.log(text);
  assert.equal(s.invalid, 0, text);
  assert.equal(s.failed, 0, text);
  assert.ok(s.passed >= 20000, `only ${s.passed} tests passed`);
});

// Every test is new code, so with "force" each one costs a compile (about half a millisecond of host time):
// the forced run takes a deterministic subset, every 4th test of the same stream (6,250 tests).
const JIT_SAMPLE = 4;

test(`differential 32-bit tests against the host CPU with the JIT forced on (seed ${SEED}, every ${JIT_SAMPLE}th of ${COUNT} tests)`, async (t) => {
  if (process.arch !== "x64" && process.arch !== "ia32") { t.skip(`the host CPU is ${process.arch}, not x86`); return; }
  const s = await runDiff({ seed: SEED, count: COUNT, show: 5, jit: "force", sample: JIT_SAMPLE });
  if ("missing" in s) { t.skip(s.missing); return; }
  const text = formatDiff(s);
  console.log(text);
  assert.equal(s.invalid, 0, text);
  assert.equal(s.failed, 0, text);
  assert.equal(s.count, COUNT / JIT_SAMPLE);
  assert.equal(s.jit.failures, 0, `the engine refused compiled modules: ${s.jit.lastError}`);
  // nearly every test's instruction is a compiled block of its own (a few fault before a block exists)
  assert.ok(s.jit.runs >= BigInt(Math.floor(s.count * 0.9)), `only ${s.jit.runs} runs of compiled blocks for ${s.count} tests`);
});

// The host-dependent forms (run.ts HOST_DEPENDENT) must get one expectation whatever the host did: each host
// behaviour seen in the field is fed in, and the corrected expectation must be the SDM's, on which the emulator agrees.
test("host-dependent forms: one expectation from the SDM whatever the host's kernel or vendor reported", async () => {
  const { generate } = await import("./diff/generate.ts");
  const { expectedOutcome, createEmulator, runEmulator } = await import("./diff/run.ts");
  const find = (pred: (t: ReturnType<typeof generate>) => boolean) => {
    for (let i = 0; i < 200000; i++) { const t = generate(SEED, i); if (pred(t)) return t; }
    throw new Error("no such test in the stream");
  };
  const c = await createEmulator("debug");
  const fault = (t: ReturnType<typeof generate>, vector: number, eip: number) => ({
    kind: "fault" as const, exit: vector, regs: t.regs.slice(), eflags: t.eflags, faultEip: eip, err: 0, data: t.data,
  });
  // INT1: a trap (EIP after F1) on bare metal; a fault-like EIP at F1 under some hypervisors
  const int1 = find((t) => t.name === "INT1" && t.code.length === 1);
  const start = 0x600800, end = start + 1;
  for (const hostEip of [start, end]) {
    const want = expectedOutcome(int1, fault(int1, 1, hostEip));
    assert.equal(want.faultEip, end, `host EIP ${hostEip.toString(16)}`);
    const got = runEmulator(c, int1);
    assert.equal(got.kind, "fault"); assert.equal(got.exit, 1); assert.equal(got.faultEip, end);
  }
  // LOCK MOV CRn: #UD on Intel (and the P6), #GP(0) on AMD (MOV CR8 alias)
  const lockCr = find((t) => t.name.startsWith("MOV") && t.name.includes("Cd") && t.code.length <= 15 && t.code.subarray(0, t.code.indexOf(0x0F)).includes(0xF0));
  for (const vector of [6, 13]) {
    const want = expectedOutcome(lockCr, fault(lockCr, vector, start));
    assert.equal(want.exit, 6, `host vector ${vector}`);
    assert.equal(runEmulator(c, lockCr).exit, 6);
  }
});

// A host that cannot run 32-bit programs (a kernel without IA-32 emulation) makes the native oracles skip with
// the reason instead of failing: the probe tells a program that runs from one that cannot be executed.
test("native oracle probe: a program that cannot run gives a reason, one that runs gives none", async () => {
  const { cannotRun32 } = await import("./util/native32.ts");
  const { mkdtempSync, writeFileSync, chmodSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "webpc-probe-"));
  const bad = join(dir, "not-a-program");
  writeFileSync(bad, Buffer.from([0x7F, 0x45, 0x4C, 0x46, 9, 9, 9, 9])); // an ELF header no kernel accepts
  chmodSync(bad, 0o755);
  const reason = cannotRun32(bad);
  assert.ok(reason && reason.length > 0, "a reason"); // (Node's spawn hands an ENOEXEC file to /bin/sh, which fails too)
  const ok = join(dir, "ok.sh");
  writeFileSync(ok, "#!/bin/sh\nexit 0\n");
  chmodSync(ok, 0o755);
  assert.equal(cannotRun32(ok), null);
});
