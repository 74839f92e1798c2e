// Issue 9, acceptance 1: the JIT differential fuzzer. Generated instruction sequences (test/jit/gen.ts: ALU,
// MOV, LEA, INC/DEC, TEST/CMP, Jcc/JMP, MOVZX/MOVSX, PUSH/POP, CALL/RET, shifts, IMUL, SETcc, CMOVcc, XCHG,
// register and memory operands with segment overrides, 16- and 32-bit code and addressing, self-looping
// counted loops) run in real mode, 16-bit and 32-bit protected mode with segment limits, and 32-bit paged
// mode with a not-present and a read-only page, in two cores: one interpreting, one with every block compiled
// at its first run. After every run() chunk both must agree on registers, EIP, EFLAGS, instructions counted,
// exit reason, CR2, the exceptions delivered and the memory the code can touch (test/jit/pair.ts).
// WEBPC_JIT_FUZZ_N=<count> changes the number of sequences (soak runs); replay one with
//   node --import tsx test/jit/pair.ts --seed 20261201 --only <index>
import { test } from "node:test";
import assert from "node:assert/strict";
import { jitFuzz, formatJitFuzz, JIT_FUZZ_MODES } from "./jit/pair.ts";

const SEED = 20261201;
const COUNT = Number(process.env.WEBPC_JIT_FUZZ_N ?? 100_000);

test(`JIT differential fuzzer: ${COUNT} generated sequences, interpreter and forced JIT agree after every chunk (seed ${SEED})`, { timeout: 1_800_000 }, async () => {
  const t0 = performance.now();
  const r = await jitFuzz({ seed: SEED, count: COUNT, maxFailures: 5 });
  const text = formatJitFuzz(r, SEED, performance.now() - t0);
  console.log(text);
  assert.deepEqual(r.failures, [], text);
  assert.equal(r.sequences, COUNT);
  for (const m of JIT_FUZZ_MODES) assert.ok((r.byMode[m] ?? 0) > COUNT / 8, `mode ${m} was exercised`);
  assert.ok(r.faults > COUNT / 10, `only ${r.faults} sequences took an exception`);
  assert.equal(r.jit.failures, 0, `the engine refused compiled modules: ${r.jit.lastError}`);
  // most instructions must have run compiled (budgets ending inside blocks and faults run the interpreter)
  assert.ok(r.jit.insns * 2n > r.instructions, `only ${r.jit.insns} of ${r.instructions} instructions ran in compiled code`);
  assert.equal(r.interpreterJitRuns, 0n, "the interpreting core ran compiled code");
});

// Forced, every block is compiled before the blocks after it are decoded, so regions hold one block. Compiling
// after 2 runs gives loops their regions of several members, and the transfers between them run too.
const TIERED_COUNT = Math.max(1, Math.floor(COUNT / 5));
test(`JIT differential fuzzer, tiered at 2 runs: ${TIERED_COUNT} sequences (seed ${SEED + 1})`, { timeout: 1_800_000 }, async () => {
  const t0 = performance.now();
  const r = await jitFuzz({ seed: SEED + 1, count: TIERED_COUNT, maxFailures: 5, jit: 2 });
  const text = formatJitFuzz(r, SEED + 1, performance.now() - t0);
  console.log(text);
  assert.deepEqual(r.failures, [], text);
  assert.equal(r.sequences, TIERED_COUNT);
  assert.equal(r.jit.failures, 0, `the engine refused compiled modules: ${r.jit.lastError}`);
  assert.ok(r.jit.insns > 0n, "compiled code ran");
});
