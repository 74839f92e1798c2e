// Acceptance 2 of the CPU issue: differential tests of 32-bit user-mode code against the host CPU
// (generated from a fixed seed; expected results from running the same bytes natively, see test/diff/).
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
