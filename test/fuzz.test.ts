// Acceptance 5 of the CPU issue: 100,000 seeded random byte sequences in real, 16-bit protected, 32-bit
// protected (with and without paging, ring 0 and ring 3) and virtual-8086 mode never cause a wasm trap or a host exception.
// (`npm run fuzz` runs millions with the release build.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, MODES } from "./fuzz/run.ts";
import { formatJitWork } from "./jit/force.ts";
import type { Core } from "../web/machine/core.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";

test("fuzz: 100,000 random sequences in every mode never trap", async () => {
  const r = await fuzz(20261121, 100_000, "debug");
  console.log(`fuzz: ${r.sequences - r.failures.length} passed, ${r.failures.length} failed; ${r.instructions} instructions; by mode ${JSON.stringify(r.byMode)}`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.sequences, 100_000);
  for (const m of MODES) assert.ok(r.byMode[m], `mode ${m} was exercised`);
});

/** A recorder of where each sequence ended: exit reason, CS:EIP, registers, flags and the instructions it ran
 *  (counted per sequence: the fuzzer may replace its core between sequences). */
function endStates(): { out: string[]; explain: (mode: string, exit: number, c: Core) => void } {
  const out: string[] = [];
  let last: Core | null = null, lastCount = 0n;
  const explain = (mode: string, exit: number, c: Core) => {
    const regs = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"].map(r => c.reg(r as "eax").toString(16)).join(",");
    const ran = c.icount - (c === last ? lastCount : 0n);
    last = c; lastCount = c.icount;
    out.push(`${mode} ${exit} ${c.seg("cs").sel.toString(16)}:${c.eip.toString(16)} ${regs} ${c.eflags.toString(16)} ${ran}`);
  };
  return { out, explain };
}

test("fuzz: the release build (unchecked, -O3) behaves exactly like the checked debug build", async () => {
  // same seed, same sequences: exit reason, EIP, registers, flags and instruction count must agree
  const digest = async (flavour: "debug" | "release") => {
    const { out, explain } = endStates();
    await fuzz(777, 10_000, flavour, 400, explain, false);
    return out;
  };
  const a = await digest("debug"), b = await digest("release");
  assert.equal(a.length, 10_000);
  const first = a.findIndex((x, i) => x !== b[i]);
  assert.equal(first, -1, first < 0 ? "" : `sequence ${first}: debug ${a[first]} / release ${b[first]}`);
});

// Random bytes make new code for every sequence and the JIT compiles each of its blocks (about a dozen per
// sequence: the bytes and the exception handlers, rewritten each time), so the forced run takes the first
// 1,000 sequences of the stream above. (test/jit-fuzz.test.ts compares the JIT with the interpreter on 100,000
// generated instruction sequences.)
test("fuzz: with the JIT forced on, every sequence ends exactly as in the interpreter and nothing traps", async () => {
  const N = 1000;
  const run = async (jit: JitSetting) => {
    const { out, explain } = endStates();
    // a fresh core every 100 sequences in both runs (about 1,400 compiled modules per core: test/jit/force.ts)
    const r = await fuzz(777, N, "debug", 400, explain, false, jit, 100);
    return { out, r };
  };
  const off = await run("off"), forced = await run("force");
  console.log(`fuzz with the JIT forced on: ${formatJitWork(forced.r.jit)}`);
  assert.deepEqual(forced.r.failures, []);
  assert.equal(forced.out.length, N);
  const first = off.out.findIndex((x, i) => x !== forced.out[i]);
  assert.equal(first, -1, first < 0 ? "" : `sequence ${first}: interpreter ${off.out[first]} / JIT ${forced.out[first]}`);
  assert.equal(forced.r.jit.failures, 0, `the engine refused compiled modules: ${forced.r.jit.lastError}`);
  assert.ok(forced.r.jit.insns > 100_000n, `too few instructions ran in compiled code (${formatJitWork(forced.r.jit)})`);
  assert.equal(off.r.jit.runs, 0n, "the interpreter run ran compiled code");
});
