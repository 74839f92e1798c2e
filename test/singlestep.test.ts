// Acceptance 1 of the CPU issue: the hardware-recorded SingleStepTests 80286 real-mode subset. Run twice: with
// the core's default JIT setting, and with the JIT forced on and one instruction per block (issue 9), so each
// recorded instruction runs as a compiled block.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runSingleStep, formatSummary, DATA_DIR } from "./singlestep/run.ts";

test("SingleStepTests 80286 real mode", async (t) => {
  const s = await runSingleStep({ maxFailuresShown: 5 });
  if (!s) { t.skip(`test data not found at ${DATA_DIR}`); return; }
  const text = formatSummary(s, false);
  console.log(text);
  assert.equal(s.failed, 0, text);
  assert.ok(s.passed > 90000, `only ${s.passed} tests ran`);
});

// Every compile costs the host about half a millisecond (two blocks per test: the instruction and its HLT), so
// the forced run takes a deterministic subset: every 20th test of every file (about 4,900 tests, 8 s).
const SAMPLE = 20;

test(`SingleStepTests 80286 real mode with the JIT forced on, one instruction per block (every ${SAMPLE}th test)`, async (t) => {
  const s = await runSingleStep({ maxFailuresShown: 5, jit: "force", sample: SAMPLE });
  if (!s) { t.skip(`test data not found at ${DATA_DIR}`); return; }
  const text = formatSummary(s, false);
  console.log(text);
  assert.equal(s.failed, 0, text);
  assert.ok(s.passed > 90000 / SAMPLE, `only ${s.passed} tests ran`);
  assert.equal(s.jit.failures, 0, `the engine refused compiled modules: ${s.jit.lastError}`);
  // each test's instruction is a block of its own, compiled at its first run: at least one compiled run per test
  assert.ok(s.jit.runs >= BigInt(s.passed), `only ${s.jit.runs} runs of compiled blocks for ${s.passed} tests`);
});
