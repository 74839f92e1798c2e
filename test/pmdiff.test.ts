// Protected-mode differential tests against Bochs 2.7 (the oracle of test/kernels): random instructions from the
// opcode table at CPL 3 in 16-bit code, on 16-bit stacks, with 32-bit code on a 16-bit stack and with a GDT of
// assorted descriptors, compared case by case (test/pmdiff/). Skipped with the reason when nasm or Bochs is missing.
// Run with the core's default JIT setting, and on a subset with the JIT forced on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runPmDiff, formatPmDiff } from "./pmdiff/run.ts";

const SEED = 20261130, COUNT = 20000;

test(`protected-mode differential tests against Bochs (seed ${SEED}, ${COUNT} cases)`, { timeout: 900_000 }, async (t) => {
  const s = await runPmDiff({ seed: SEED, count: COUNT, show: 5 });
  if ("missing" in s) { t.skip(s.missing); return; }
  const text = formatPmDiff(s);
  console.log(text);
  assert.equal(s.failed, 0, text);
  assert.equal(s.passed, COUNT);
});

// With the JIT forced on (issue 9): the first kernel image of the same stream (2,000 cases: one Bochs run),
// compared with Bochs as above; compiled code must have run.
const JIT_COUNT = 2000;

test(`protected-mode differential tests against Bochs with the JIT forced on (seed ${SEED}, first ${JIT_COUNT} cases)`, { timeout: 900_000 }, async (t) => {
  const s = await runPmDiff({ seed: SEED, count: JIT_COUNT, show: 5, jit: "force" });
  if ("missing" in s) { t.skip(s.missing); return; }
  const text = formatPmDiff(s);
  console.log(text);
  assert.equal(s.failed, 0, text);
  assert.equal(s.passed, JIT_COUNT);
  assert.equal(s.jit.failures, 0, `the engine refused compiled modules: ${s.jit.lastError}`);
  assert.ok(s.jit.insns > 0n, "no instruction ran in compiled code");
});
