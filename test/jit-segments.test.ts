// Compiled code assumes flat segments (base 0, 4 GiB limits) when they are flat at compile time: its memory
// accesses then skip the segment base and limit (jit/emit.ts emitFastAddressIn). This test makes that assumption
// wrong in every way a program can: a segment load inside the compiled loop, right before an access in the same
// block; a loop compiled for flat DS entered after a called function gave DS a base; and one entered after DS got
// a 64 KiB limit, where the next access must raise #GP; and a compiled switch (JMP m32, jit/emit.ts emitJmpE) whose
// case lies past a 2 MiB CS limit, which must raise #GP at the JMP. The program runs with the JIT off (the reference), forced
// on every block, and tiered; registers, instruction count and output must be the interpreter's, and compiled
// code must have run and been dropped as unfit (counter jit_unfit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Exit } from "../web/machine/core.ts";
import { flatTestCore } from "./util/machines.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;
/** Passes of each loop (ECX counts down from N); DS gets base 1000h at pass K1 of the first, a 64 KiB limit at
 *  pass K2 of the second. */
const N = 2000, K1 = 1000, K2 = 1000, K3 = 1001;
/** The dword the loop adds, and the one 1000h above it (what DS with base 1000h reads instead). */
const A = 0x11, B = 0x2200;

const program = (loop: 1 | 2 | 3) => `
%define LOOP ${loop}
bits 32
org ${BASE}
    lgdt [gdtr]
    lidt [idtr]
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
    xor ebx, ebx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
%if LOOP == 1
    mov ecx, ${N}
again:                          ; loop 1: DS flat, then base 1000h from pass K1 on
    cmp ecx, ${K1}
    jne .go
    push dword 0x18
    pop ds                      ; base 1000h: DS stops being flat inside the compiled loop (POP DS does not end a
    add esi, [val]              ; block: MOV DS does), and the next access, in the same block, reads 1000h higher
.go:
    add ebx, [val]
    dec ecx
    jnz again
%endif
%if LOOP == 2
    mov ecx, ${N}
again2:                         ; loop 2: compiled for flat DS, entered with a 64 KiB DS from pass K2 on: #GP
    cmp ecx, ${K2}
    jne .go2
    call small_limit
.go2:
    add ebp, [val]
    dec ecx
    jnz again2
%endif
%if LOOP == 3
    jmp 0x28:.in_limited        ; CS with a 2 MiB limit
.in_limited:
    mov ecx, ${N}
again3:                         ; loop 3: a switch by JMP m32 whose case at pass K3 lies past the CS limit: #GP
    mov eax, ecx
    and eax, 1
    jmp [jtab + eax*4]
case_even:
    add ebx, 1
    jmp next3
case_odd:
    add ebx, 2
next3:
    cmp ecx, ${K3}
    jne .go3
    mov dword [jtab + 4], 0x300000  ; the next odd pass jumps past the limit (the handler puts case_odd back)
.go3:
    dec ecx
    jnz again3
%endif
    mov al, 0
    out 0xF4, al

align 4
jtab: dd case_even_addr, case_odd_addr
%if LOOP == 3
case_even_addr equ case_even
case_odd_addr equ case_odd
%else
case_even_addr equ 0
case_odd_addr equ 0
%endif

align 4096
flat_again:
    mov ax, 0x10
    mov ds, ax
    ret
small_limit:
    mov ax, 0x20
    mov ds, ax
    ret

align 4096
gp_handler:                     ; count, make DS flat (loop 2), put the switch's case back (loop 3), retry
    inc edi
    add esp, 4                  ; the error code
    push eax
    mov ax, 0x10
    mov ds, ax
%if LOOP == 3
    mov dword [jtab + 4], case_odd
%endif
    pop eax
    iret

align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF       ; 08h code, flat
    dq 0x00CF93000000FFFF       ; 10h data, flat
    dq 0x00CF93001000FFFF       ; 18h data, base 1000h, 4 GiB
    dq 0x000093000000FFFF       ; 20h data, base 0, 64 KiB (byte granular)
    dq 0x00C09B00000001FF       ; 28h code, base 0, 2 MiB (4 KiB granular)
gdtr:
    dw gdtr - gdt - 1
    dd gdt
idt:
    times 13 dq 0
    dw (gp_handler - $$ + ${BASE}) & 0xFFFF, 0x08, 0x8E00, (gp_handler - $$ + ${BASE}) >> 16
idtr:
    dw idtr - idt - 1
    dd idt

align 4096
val: dd ${A}
times 0x1000 - 4 db 0
    dd ${B}
`;

async function run(jit: JitSetting, code: Uint8Array) {
  const c = await flatTestCore(jit, code, BASE, { memoryMiB: 16 });
  for (let i = 0; ; i++) {
    assert.ok(i < 1000, `the program ends (EIP ${c.eip.toString(16)})`);
    const exit = c.run(20_000);
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT, `exit reason at EIP ${c.eip.toString(16)}`);
    break;
  }
  return { ebx: c.reg("ebx"), esi: c.reg("esi"), edi: c.reg("edi"), ebp: c.reg("ebp"), icount: c.icount, counters: c.counters(), failures: c.jit.stats.failures };
}

const expected = {
  1: { ebx: A * (N - K1) + B * K1, esi: B, edi: 0, ebp: 0 },
  2: { ebx: 0, esi: 0, edi: 1, ebp: A * N },
  3: { ebx: (N / 2) * 1 + (N / 2) * 2, esi: 0, edi: 1, ebp: 0 },
};

const LOOPS = { 1: "DS gets a base inside the compiled loop (POP DS)", 2: "the compiled loop is entered with a 64 KiB DS and must #GP", 3: "a compiled switch (JMP m32) to a case past a 2 MiB CS limit raises #GP at the JMP" };
for (const jit of ["force", 200] as JitSetting[]) {
  for (const loop of [1, 2, 3] as const) {
    test(`JIT flat segments [${jit === "force" ? "force" : `threshold ${jit}`}]: ${LOOPS[loop]}`, async (t) => {
      if (!haveNasm()) { t.skip(NASM_MISSING); return; }
      const code = assemble(program(loop));
      const off = await run("off", code);
      assert.deepEqual({ ebx: off.ebx, esi: off.esi, edi: off.edi, ebp: off.ebp }, expected[loop], "the interpreter gives the expected sums");
      assert.equal(off.counters.jit_runs, 0n);
      const r = await run(jit, code);
      assert.equal(r.failures, 0, "no compiled module was refused");
      assert.ok(r.counters.jit_insns > BigInt(N), `compiled code ran (${r.counters.jit_insns} instructions)`);
      // loop 2 with every block compiled: the loop's blocks, compiled for flat DS, are entered after the change
      // (loop 1 goes on in a region compiled after the POP DS stopped the old one; tiered, the dispatcher may
      // enter the loop where it compiles anew)
      if (jit === "force" && loop === 2) assert.ok(r.counters.jit_unfit >= 1n, "a region compiled for flat DS was entered with DS not flat and dropped");
      assert.deepEqual({ ebx: r.ebx, esi: r.esi, edi: r.edi, ebp: r.ebp }, expected[loop], "the interpreter's sums");
      assert.equal(r.icount, off.icount, "instruction count as the interpreter's");
    });
  }
}
