// Regions that span two pages (jit/compile.ts secondPageHost): a loop whose blocks straddle a page boundary runs
// in one compiled function instead of leaving one page's region for the other's on every pass (the Linux
// decompressor's BCJ filter did so 30 M times). What keeps it correct, each compared with the interpreter:
// - the loop runs inside one function (few region entries), with the interpreter's registers and count;
// - a store into the second page's block drops the region rooted on the first (jit/cache.ts jitDropSecondPage),
//   so the rewritten instruction runs on every later pass;
// - the second page remapped to other code (PTE + INVLPG) is never run from the old compilation: the function
//   checks at entry that the TLB maps that page where it was compiled.
// Tiered at 3 and 50 (heat units: jit/cache.ts), with slices that end budgets inside the loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModule } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000, DATA = 0x180000;
const PD = 0x200000, PT0 = 0x201000;
const N = 3000, K = 1200;

/** The loop: its first block ends exactly at the end of the page after BASE (falling through), its second starts
 *  the next page and jumps back. `rewrite`: at pass K the first block stores CL into the immediate of the second
 *  block's XOR. `remap`: at pass K the loop leaves for code that points the second page at a copy with ROL 5 for ROL 3. */
function program(opts: { rewrite?: boolean; remap?: boolean }): string {
  return `
bits 32
org ${BASE}
${opts.remap ? `    mov eax, ${PD}\n    mov cr3, eax\n    mov eax, cr0\n    or eax, 0x80000000\n    mov cr0, eax\n    jmp short $+2` : ""}
    mov ecx, ${N}
    xor esi, esi
    xor edi, edi
    jmp first
${opts.remap ? `remap:                          ; pass K, out of the loop: the second page now maps the copy
    mov dword [${PT0 + ((BASE + 0x1000) >>> 12) * 4}], ${BASE + 0x3000} | 3
    invlpg [${BASE + 0x1000}]
    jmp back` : ""}
    times 0x1000 - 96 - ($ - $$) nop
first:                          ; the last 96 bytes of the first page
    mov ebx, ${DATA}
    mov edx, ${opts.rewrite ? "imm" : DATA + 4}
    cmp ecx, ${K}
    cmove ebx, edx
    mov [ebx], cl               ; pass K: the rewrite (else a scratch dword)
${opts.remap ? `    cmp ecx, ${K}\n    je remap` : ""}
back:
    add esi, ecx
    times 0x1000 - ($ - $$) nop ; falls through into the next page
second:
    xor esi, 0x12345678
imm equ $ - 4
    rol esi, 3
    inc edi
    dec ecx
    jnz first
    mov al, 0
    out 0xF4, al
`;
}

async function run(jit: JitSetting, code: Uint8Array, slice: number, remap: boolean) {
  const c = await Core.create(loadModule("debug"), 4 << 20, 0, { jit });
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(BASE, code);
  if (remap) {
    // identity map, and a copy of the second page at BASE + 0x3000 with ROL ESI, 5 for ROL ESI, 3
    const dv = c.dv, R = c.L.RAM;
    for (let i = 0; i < 1024; i++) dv.setUint32(R + PT0 + i * 4, (i << 12) | 3, true);
    dv.setUint32(R + PD, PT0 | 3, true);
    c.exports.ramWritten(PD, 0x2000);
    const second = code.slice(0x1000, 0x2000);
    const at = second.findIndex((b, i) => b === 0xC1 && second[i + 1] === 0xC6 && second[i + 2] === 3);
    assert.ok(at >= 0, "ROL ESI, 3 in the second page");
    second[at + 2] = 5;
    c.writePhys(BASE + 0x3000, second);
  }
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  for (let i = 0; ; i++) {
    assert.ok(i < 20_000_000 / slice, `the program ends (EIP ${c.eip.toString(16)})`);
    const exit = c.run(slice);
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT, `exit reason at EIP ${c.eip.toString(16)}`);
    break;
  }
  return { esi: c.reg("esi"), edi: c.reg("edi"), icount: c.icount, counters: c.counters(), failures: c.jit.stats.failures };
}

/** ESI as the loop computes it: imm replaced by pass K's CL from pass K on, ROL 5 instead of 3 from pass K on. */
function expected(rewrite: boolean, remap: boolean): number {
  let esi = 0, imm = 0x12345678;
  for (let ecx = N; ecx >= 1; ecx--) {
    if (rewrite && ecx === K) imm = ((imm & ~0xFF) | (K & 0xFF)) >>> 0;
    esi = (esi + ecx) >>> 0;
    esi = (esi ^ imm) >>> 0;
    const r = remap && ecx <= K ? 5 : 3;
    esi = ((esi << r) | (esi >>> (32 - r))) >>> 0;
  }
  return esi;
}

for (const kind of ["plain", "rewrite", "remap"] as const) {
  for (const jit of [3, 50] as JitSetting[]) {
    test(`JIT two-page regions [threshold ${jit}]: a loop across a page boundary${kind === "rewrite" ? ", its second page's block rewritten from the first" : kind === "remap" ? ", its second page remapped to other code" : ""}`, async (t) => {
      if (!haveNasm()) { t.skip(NASM_MISSING); return; }
      const rewrite = kind === "rewrite", remap = kind === "remap";
      const code = assemble(program({ rewrite, remap }));
      const off = await run("off", code, 1_000_000, remap);
      assert.equal(off.esi, expected(rewrite, remap), "the interpreter computes the loop");
      for (const slice of [1_000_000, 997]) {
        const r = await run(jit, code, slice, remap);
        assert.equal(r.failures, 0);
        assert.deepEqual({ esi: r.esi, edi: r.edi, icount: r.icount }, { esi: off.esi, edi: off.edi, icount: off.icount }, `the interpreter's result (slices of ${slice})`);
        assert.ok(r.counters.jit_insns * 10n > r.icount * 8n, `most instructions ran compiled (${r.counters.jit_insns} of ${r.icount})`);
        if (kind === "plain" && slice > 1000) {
          // one region holds both pages' blocks: few entries rather than two per pass
          assert.ok(r.counters.jit_runs * 20n < BigInt(N), `the loop stays in its function (${r.counters.jit_runs} entries for ${N} passes)`);
        }
      }
    });
  }
}
