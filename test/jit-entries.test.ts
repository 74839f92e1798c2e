// Entries into a compiled region at a member that is not its root (jit/cache.ts B_JIT_ENTRY): block B, which the
// region rooted at A holds (with C, where B jumps), is later run on its own (called directly), and runs the
// region's code from B's member instead of waiting to get hot as a root of its own. The entry must stop working
// the moment the region does: when the region is evicted and its table slot holds another region's function,
// when a store into C drops the page's compiled code (the region's code for C is stale then), when the
// compiles' serial numbers come round again (the next regions may get the slot and number of the one B had an
// entry into), and when the region refuses to run because a segment it assumed flat is not. Each case runs with the JIT off (the reference) and tiered at two thresholds (forced, A's region would be
// compiled before B is decoded, so B would not be a member); registers, memory, output and the
// instruction count must be the interpreter's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Exit } from "../web/machine/core.ts";
import { flatTestCore } from "./util/machines.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;
/** Calls in each phase */
const N = 3000;

type Mode = "plain" | "evict" | "smc" | "unfit" | "wrap";

const program = (mode: Mode) => `
bits 32
org ${BASE}
    lgdt [gdtr]
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x90000
    xor esi, esi
    xor edi, edi
    ; phase 1: A, which jumps to B, which jumps to C: the region rooted at A holds B and C
    mov ecx, ${N}
p1: call entryA
    dec ecx
    jnz p1
%ifidn ${mode}, smc
    mov byte [entryC + 2], 7    ; C adds 7 from now on: its page's compiled code is dropped, A's region too
%endif
%ifidn ${mode}, unfit
    mov ax, 0x18                ; DS based at 1000h: A's region assumed it flat
    mov ds, ax
%endif
%ifidn ${mode}, evict
%define PHASE2
%endif
%ifidn ${mode}, wrap
%define PHASE2
%endif
%ifdef PHASE2
    ; phase 2: code on another page gets hot and takes the table slots (the test gives the JIT one)
    mov ecx, ${N}
p2: call other
    dec ecx
    jnz p2
%endif
%ifidn ${mode}, wrap
    mov al, 1
    out 0xF4, al                ; the test moves the compiles' serial numbers to the end of their range here
%endif
    ; phase 3: B (and C) alone (longer after the wrap: its regions take the numbers up to B's region's again)
    mov ecx, ${mode === "wrap" ? 4 * N : N}
p3: call entryB
    dec ecx
    jnz p3
    mov ax, 0x10
    mov ds, ax
    mov [result], esi
    mov [result + 4], edi
    mov al, 0
    out 0xF4, al

align 4096                      ; A and B on a page of their own: the callers' regions cannot hold them
entryA:                         ; longer than B and C, so that A gets hot first and they join its region
    add esi, 5
    xor esi, 0x5A
    rol esi, 1
    add esi, ecx
    sub esi, 1
    jmp entryB
entryB:
    imul esi, esi, 5
    add edi, [val]              ; through DS
    jmp entryC
entryC:
    add esi, 3                  ; 83 C6 03: the immediate is at entryC + 2
    ret

align 8
gdtr: dw gdt_end - gdt - 1
    dd gdt
gdt: dq 0
    dq 0x00CF9A000000FFFF       ; 08: code, flat
    dq 0x00CF92000000FFFF       ; 10: data, flat
    dq 0x00CF92001000FFFF       ; 18: data, base 1000h
gdt_end:
result: dd 0, 0
val: dd 0x11
    times 0x1000 - 4 db 0
    dd 0x2200                   ; val + 1000h: what DS based at 1000h reads

align 4096
other:                          ; another page
    xor edi, ecx
    rol edi, 3
    ret
`;

async function run(jit: JitSetting, code: Uint8Array, jitSlots?: number, wrapAt = false) {
  let wrapped = false;
  const c = await flatTestCore(jit, code, BASE, { jitSlots });
  for (let i = 0; ; i++) {
    assert.ok(i < 1000, `the program ends (EIP ${c.eip.toString(16)})`);
    const exit = c.run(100_000);
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT, `exit reason at EIP ${c.eip.toString(16)}`);
    if (wrapAt && !wrapped) {
      // as if 2^32 - a few regions had been compiled since phase 1, none of them B's: the next compiles take
      // numbers from 1 again, among them the one of the region B still holds an entry into
      wrapped = true;
      new DataView(c.memory.buffer).setUint32(c.L.JIT_SERIAL, 0xFFFFFFFF, true);
      continue;
    }
    break;
  }
  const regs = Object.fromEntries(["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp"].map((r) => [r, c.reg(r as any)]));
  return { regs, eflags: c.eflags, icount: c.icount, memory: c.readPhys(BASE, code.length), counters: c.counters(), failures: c.jit.stats.failures };
}

for (const mode of ["plain", "evict", "smc", "unfit", "wrap"] as Mode[]) {
  for (const jit of [3, 50] as JitSetting[]) {
    test(`JIT entries at a member [${mode}, threshold ${jit}]: as the interpreter`, async (t) => {
      if (!haveNasm()) { t.skip(NASM_MISSING); return; }
      const code = assemble(program(mode));
      const off = await run("off", code, undefined, mode === "wrap");
      // the reference did what the program says: B's sum of [val], 11h or (DS based at 1000h) 2200h per call
      if (mode === "plain" || mode === "smc") assert.notEqual(off.regs.edi, 0);
      if (mode === "unfit") assert.equal(off.regs.edi, (N * 0x11 + N * 0x2200) >>> 0, "EDI: [val] through flat DS, then based DS");
      assert.equal(off.counters.jit_insns, 0n);
      // one table slot where another region takes it over (evict, wrap), else room for all
      const r = await run(jit, code, mode === "evict" || mode === "wrap" ? 1 : undefined, mode === "wrap");
      assert.equal(r.failures, 0, "no compiled module was refused");
      assert.deepEqual(r.regs, off.regs, "registers");
      assert.equal(r.eflags, off.eflags, "EFLAGS");
      assert.deepEqual(r.memory, off.memory, "memory (the results, the rewritten immediate)");
      assert.equal(r.icount, off.icount, "instruction count");
      // (with one slot for the whole program, most of it runs interpreted)
      if (mode === "evict" || mode === "wrap") assert.ok(r.counters.jit_insns > 0n, "compiled code ran");
      else assert.ok(r.counters.jit_insns * 2n > r.icount, `most instructions ran compiled (${r.counters.jit_insns} of ${r.icount})`);
      if (mode === "plain") {
        // phase 3's calls run B in the region rooted at A
        assert.ok(r.counters.jit_member_runs >= BigInt(N - 100), `B entered A's region (${r.counters.jit_member_runs} times)`);
      }
      if (mode === "unfit") assert.ok(r.counters.jit_unfit >= 1n, "the region refused to run for based DS, and its member stopped entering it");
    });
  }
}
