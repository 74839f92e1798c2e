// Transfers between the blocks of a compiled region (jit/compile.ts): a member's last Jcc or JMP goes straight to
// the member it reaches, forward, backward or to itself, or leaves the region; an indirect JMP (a jump table in
// memory, a computed target in a register) finds its target among the members. Loops of several blocks with
// branches both ways (a bubble sort, Collatz walks with if/else arms, a loop exited from its middle, a switch) run tiered
// at low thresholds, so regions hold several members, and their registers, memory and instruction count must
// be the interpreter's, with budgets that end inside the loops too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Exit } from "../web/machine/core.ts";
import { flatTestCore } from "./util/machines.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000, DATA = 0x180000, WORDS = 200;

const program = `
bits 32
org ${BASE}
    ; fill DATA with a pseudo-random sequence
    mov edi, ${DATA}
    mov ecx, ${WORDS}
    mov eax, 12345
fill:
    imul eax, eax, 1103515245
    add eax, 12345
    mov [edi], eax
    add edi, 4
    dec ecx
    jnz fill
    ; bubble sort (unsigned), outer loop until no swap
sort:
    xor edx, edx                ; swapped
    mov esi, ${DATA}
    mov ecx, ${WORDS - 1}
inner:
    mov eax, [esi]
    mov ebx, [esi + 4]
    cmp eax, ebx
    jbe noswap                  ; forward, to a member
    mov [esi], ebx
    mov [esi + 4], eax
    inc edx
noswap:
    add esi, 4
    dec ecx
    jnz inner                   ; backward
    test edx, edx
    jnz sort                    ; backward, further
    ; Collatz walks from 1..300: if/else arms that both go on in the region
    xor ebp, ebp                ; total steps
    mov ebx, 1
walk:
    mov eax, ebx
steps:
    cmp eax, 1
    je walked                   ; leaves the inner loop from its top
    inc ebp
    test eax, 1
    jz even
    lea eax, [eax + eax*2 + 1]
    jmp steps                   ; JMP backward
even:
    shr eax, 1
    jmp steps
walked:
    inc ebx
    cmp ebx, 300
    jbe walk
    ; checksum of the sorted words, and a loop left from its middle
    mov esi, ${DATA}
    mov ecx, ${WORDS}
    xor edi, edi
sum:
    mov eax, [esi]
    rol edi, 5
    xor edi, eax
    cmp eax, 0xF0000000
    ja done                     ; out of the loop from its middle
    add esi, 4
    dec ecx
    jnz sum
done:
    ; a switch: a jump table (JMP r/m32 from memory) and a computed jump (JMP r32), cases joining again
    mov ecx, 3000
swloop:
    mov eax, ecx
    and eax, 3
    jmp [jtab + eax*4]
case0:
    add edi, ecx
    jmp swnext
case1:
    xor edi, 0x5A5A
    mov edx, swnext
    jmp edx
case2:
    rol edi, 3
    jmp swnext
case3:
    sub edi, ecx
swnext:
    dec ecx
    jnz swloop
    mov al, 0
    out 0xF4, al
jtab:
    dd case0, case1, case2, case3
`;

async function run(jit: JitSetting, code: Uint8Array, slice: number) {
  const c = await flatTestCore(jit, code, BASE);
  for (let i = 0; ; i++) {
    assert.ok(i < 10_000_000 / slice, `the program ends (EIP ${c.eip.toString(16)})`);
    const exit = c.run(slice);
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT, `exit reason at EIP ${c.eip.toString(16)}`);
    break;
  }
  const regs = Object.fromEntries(["ebx", "ecx", "edx", "esi", "edi", "ebp"].map((r) => [r, c.reg(r as any)]));
  return { regs, eflags: c.eflags, icount: c.icount, data: c.readPhys(DATA, WORDS * 4), counters: c.counters(), failures: c.jit.stats.failures };
}

for (const jit of [3, 50, "force"] as JitSetting[]) {
  test(`JIT regions [${jit === "force" ? "force" : `threshold ${jit}`}]: loops of several blocks transfer between members as the interpreter runs them`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(program);
    const off = await run("off", code, 100_000);
    // the sort really sorted, and the walks took the steps they take
    const dv = new DataView(off.data.buffer, off.data.byteOffset);
    for (let i = 1; i < WORDS; i++) assert.ok(dv.getUint32(i * 4 - 4, true) <= dv.getUint32(i * 4, true), `sorted at ${i}`);
    let steps = 0;
    for (let n = 1; n <= 300; n++) for (let x = n; x !== 1; x = x % 2 ? 3 * x + 1 : x / 2) steps++;
    assert.equal(off.regs.ebp, steps, "Collatz steps");
    for (const slice of [100_000, 97, 13]) {
      const r = await run(jit, code, slice);
      assert.equal(r.failures, 0, "no compiled module was refused");
      assert.ok(r.counters.jit_insns * 2n > r.icount, `most instructions ran compiled (${r.counters.jit_insns} of ${r.icount})`);
      assert.deepEqual(r.regs, off.regs, `registers as the interpreter's (slices of ${slice})`);
      assert.equal(r.eflags, off.eflags, "EFLAGS");
      assert.deepEqual(r.data, off.data, "memory");
      assert.equal(r.icount, off.icount, "instruction count");
    }
  });
}

// A handler in a member other than the region's root must see that member as the running block: RDTSC counts
// the instructions already run in it (cpu/msr.ts retiredBefore), and a store into its own block ahead of the
// store stops it so that the rewritten instruction runs (translate/blocks.ts invalidateCodeRange). The store
// writes a scratch dword until pass 100, when CMOVE points it at the next instruction's immediate, so its block
// has long been compiled into the region then.
const nonRoot = `
bits 32
org ${BASE}
    mov ecx, 300
    xor esi, esi
    xor edi, edi
    jmp top                     ; the loop's blocks are translated root first
top:
    dec ecx
    jz done                     ; the root member ends here
    test ecx, 1
    jz even
    rdtsc                       ; odd passes: a handler in a later member
    add edi, eax
    jmp top
even:
    mov ebx, ${DATA}
    mov edx, patch + 1
    cmp ecx, 100
    cmove ebx, edx
    mov [ebx], cl               ; pass 100: rewrite the next instruction's immediate, in this block
patch:
    mov eax, 0x11111111
    add esi, eax
    jmp top
done:
    mov al, 0
    out 0xF4, al
`;

for (const jit of [3, 20] as JitSetting[]) {
  test(`JIT regions [threshold ${jit}]: RDTSC and a store into its own block in a member that is not the root`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(nonRoot);
    const off = await run("off", code, 100_000);
    let esi = 0;
    for (let c = 299; c > 0; c--) if (c % 2 === 0) esi = (esi + (c > 100 ? 0x11111111 : 0x11111164)) >>> 0;
    assert.equal(off.regs.esi, esi, "the interpreter ran the rewritten immediate from pass 100 on");
    const r = await run(jit, code, 100_000);
    assert.equal(r.failures, 0);
    assert.ok(r.counters.jit_insns * 2n > r.icount, `most instructions ran compiled (${r.counters.jit_insns} of ${r.icount})`);
    assert.deepEqual(r.regs, off.regs, "registers (ESI: the rewritten code ran; EDI: the time stamps) as the interpreter's");
    assert.equal(r.icount, off.icount, "instruction count");
  });
}
