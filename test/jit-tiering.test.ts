// When the JIT compiles a block (jit/cache.ts): a block's heat grows by its instruction count + 2 per interpreted
// run, and it is compiled on the run its heat reaches the threshold x 8. So a long loop body (an unrolled round,
// like the kernel's BLAKE2s, which counting runs alone left interpreted through a whole Linux boot) compiles after
// few runs, and a short one after many. The run that reaches the threshold already runs compiled, and the
// compiled loop runs the rest of the iterations: the JIT's instruction count says exactly which run it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Exit } from "../web/machine/core.ts";
import { flatTestCore } from "./util/machines.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;
const THRESHOLD = 100;
const HEAT_UNIT = 8; // jit/cache.ts
const heatOfRun = (n: number) => n + 2;

/** A loop of `iterations` passes over a block of `alu` ALU instructions + DEC ECX + JNZ. */
function loop(alu: number, iterations: number): string {
  const body = Array.from({ length: alu }, (_, i) => (i % 2 ? "    xor ebx, eax" : "    add eax, ebx")).join("\n");
  return `
bits 32
org ${BASE}
    mov eax, 1
    mov ebx, 7
    mov ecx, ${iterations}
    jmp body                    ; the loop's block starts at its label
body:
${body}
    dec ecx
    jnz body
    mov al, 0
    out 0xF4, al
`;
}

async function run(code: Uint8Array, jit: "off" | number) {
  const c = await flatTestCore(jit, code, BASE);
  assert.equal(c.run(10_000_000), Exit.DEBUG_EXIT);
  return { eax: c.reg("eax"), ebx: c.reg("ebx"), icount: c.icount, counters: c.counters() };
}

for (const [alu, iterations] of [[60, 20], [1, 200], [1, 100]] as const) {
  const n = alu + 2; // the loop's block
  const firstCompiled = Math.ceil(THRESHOLD * HEAT_UNIT / heatOfRun(n)); // the run whose heat reaches the threshold
  const compiledRuns = Math.max(0, iterations - firstCompiled + 1);
  test(`JIT tiering: a loop block of ${n} instructions run ${iterations} times at threshold ${THRESHOLD} compiles on run ${firstCompiled} (${compiledRuns} runs compiled)`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(loop(alu, iterations));
    const off = await run(code, "off");
    const r = await run(code, THRESHOLD);
    assert.deepEqual({ eax: r.eax, ebx: r.ebx, icount: r.icount }, { eax: off.eax, ebx: off.ebx, icount: off.icount }, "the interpreter's result");
    assert.equal(r.counters.jit_compiled, compiledRuns > 0 ? 1n : 0n, "regions compiled");
    assert.equal(r.counters.jit_insns, BigInt(compiledRuns * n), "instructions run compiled");
  });
}
