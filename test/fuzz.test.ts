// Acceptance 5 of the CPU issue: 100,000 seeded random byte sequences in real, 16-bit protected, 32-bit
// protected (with and without paging) and virtual-8086 mode never cause a wasm trap or a host exception.
// (`npm run fuzz` runs millions with the release build.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, MODES } from "./fuzz/run.ts";

test("fuzz: 100,000 random sequences in every mode never trap", async () => {
  const r = await fuzz(20261121, 100_000, "debug");
  console.log(`fuzz: ${r.sequences - r.failures.length} passed, ${r.failures.length} failed; ${r.instructions} instructions; by mode ${JSON.stringify(r.byMode)}`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.sequences, 100_000);
  for (const m of MODES) assert.ok(r.byMode[m], `mode ${m} was exercised`);
});
