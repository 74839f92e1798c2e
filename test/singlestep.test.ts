// Acceptance 1 of the CPU issue: the hardware-recorded SingleStepTests 80286 real-mode subset.
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
