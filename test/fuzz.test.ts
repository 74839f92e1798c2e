// Acceptance 5 of the CPU issue: 100,000 seeded random byte sequences in real, 16-bit protected, 32-bit
// protected (with and without paging, ring 0 and ring 3) and virtual-8086 mode never cause a wasm trap or a host exception.
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

test("fuzz: the release build (unchecked, -O3) behaves exactly like the checked debug build", async () => {
  // same seed, same sequences: exit reason, EIP, registers, flags and instruction count must agree
  const digest = async (flavour: "debug" | "release") => {
    const out: string[] = [];
    await fuzz(777, 10_000, flavour, 400, (mode, exit, c) => {
      const regs = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"].map(r => c.reg(r as "eax").toString(16)).join(",");
      out.push(`${mode} ${exit} ${c.seg("cs").sel.toString(16)}:${c.eip.toString(16)} ${regs} ${c.eflags.toString(16)} ${c.icount}`);
    }, false);
    return out;
  };
  const a = await digest("debug"), b = await digest("release");
  assert.equal(a.length, 10_000);
  const first = a.findIndex((x, i) => x !== b[i]);
  assert.equal(first, -1, first < 0 ? "" : `sequence ${first}: debug ${a[first]} / release ${b[first]}`);
});
