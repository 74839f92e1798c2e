// Acceptance 4 of the CPU issue: self-modifying code. Translated blocks must never run stale code: a store
// into the next instruction, into the running block, through another virtual mapping of the same page, or a
// DMA write from outside the CPU must all take effect before the modified bytes execute.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;

async function machine(): Promise<Core> {
  const c = await createCore(16 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  return c;
}

function runTo(c: Core, budget = 100_000): { exit: number; out: string } {
  const exit = c.run(budget);
  return { exit, out: new TextDecoder().decode(c.drain(Channel.DEBUGCON)) };
}

/** nasm lines that load CR3 with `pd` and turn paging on. */
const PAGING_ON = (pd: number) => `    mov eax, ${pd}\n    mov cr3, eax\n    mov eax, cr0\n    or eax, 0x80000000\n    mov cr0, eax`;

function start32(c: Core, code: Uint8Array, at = BASE): void {
  c.writePhys(at, code);
  c.enterFlatProtectedMode();
  c.eip = at;
  c.setReg("esp", 0x90000);
}

test("SMC: a store into the next instruction and into the running block", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble(`
bits 32
org ${BASE}
    mov byte [patch+1], 'B'   ; rewrite the immediate of the very next instruction
patch:
    mov al, 'x'
    out 0xE9, al
    mov ecx, 3
again:
    mov al, '0'               ; its immediate is incremented by the loop body below
    out 0xE9, al
    inc byte [again+1]        ; modifies the block that is executing
    dec ecx
    jnz again
    mov al, 0
    out 0xF4, al
`);
  const c = await machine();
  start32(c, code);
  const inv0 = c.counter("CNT_INVALIDATIONS");
  const r = runTo(c);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(r.out, "B012");
  assert.ok(c.counter("CNT_INVALIDATIONS") > inv0, "blocks were invalidated");
});

test("SMC: real mode, code modified through a different segment", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // code at 0000:7C00 is patched through ES = 07C0h (same bytes, other segment:offset)
  const code = assemble(`
bits 16
org 0x7C00
    mov ax, 0x07C0
    mov es, ax
    mov byte [es:patch-0x7C00+1], 'R'
patch:
    mov al, '?'
    out 0xE9, al
    mov al, 0
    out 0xF4, al
`);
  const c = await machine();
  c.writePhys(0x7C00, code);
  for (const s of ["cs", "ds", "es", "ss"] as const) c.setSegReal(s, 0);
  c.eip = 0x7C00;
  c.exports.stateChanged();
  const r = runTo(c);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(r.out, "R");
});

test("SMC: code written through a second virtual mapping of the same page", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // Paging: the first 4 MiB identity-mapped with a page table; virtual 0x800000 maps the physical page of
  // `func` as well. The program calls func, rewrites it through the alias, calls it again.
  const PD = 0x200000, PT0 = 0x201000, PT2 = 0x202000;
  const code = assemble(`
bits 32
org ${BASE}
${PAGING_ON(PD)}
    jmp short next
next:
    call func
    mov edi, func
    and edi, 0xFFF
    add edi, 0x800000          ; the alias of func's page
    mov byte [edi+1], 'y'      ; func: mov al, imm8 -> patch the immediate
    call func
    mov al, 0
    out 0xF4, al
align 4096
func:
    mov al, 'x'
    out 0xE9, al
    ret
`);
  const c = await machine();
  // page directory: entry 0 -> PT0 (identity 0-4 MiB), entry 2 -> PT2 (0x800000: one page -> func's page)
  const dv = c.dv, R = c.L.RAM;
  for (let i = 0; i < 1024; i++) dv.setUint32(R + PT0 + i * 4, (i << 12) | 3, true);
  const funcPhys = BASE + 0x1000;
  dv.setUint32(R + PT2, funcPhys | 3, true);
  dv.setUint32(R + PD, PT0 | 3, true);
  dv.setUint32(R + PD + 2 * 4, PT2 | 3, true);
  start32(c, code);
  const r = runTo(c);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(r.out, "xy");
});

test("SMC: code overwritten by a DMA write from outside the CPU", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // an endless loop calling func; between two runs the host rewrites func as a device would (DMA)
  const code = assemble(`
bits 32
org ${BASE}
loop:
    call func
    jmp loop
align 256
func:
    mov al, 'a'
    out 0xE9, al
    ret
`);
  const c = await machine();
  start32(c, code);
  const first = runTo(c, 300).out;
  assert.match(first, /^a+$/);
  // DMA: write new bytes through the core's documented hook (copy from a host scratch area)
  const funcPhys = BASE + 256;
  const scratch = c.L.ROM_BASE + c.L.ROM_BYTES - 16; // unused ROM area as the device's buffer
  c.u8.set([0xB0, "b".charCodeAt(0)], scratch);
  assert.equal(c.exports.dmaToRam(funcPhys, scratch, 2), 1);
  const second = runTo(c, 300).out;
  assert.match(second, /^b+$/, `after DMA the new code runs (got ${JSON.stringify(second)})`);
  // and the host's own RAM writes (image loading) take effect the same way
  c.writePhys(funcPhys + 1, new Uint8Array(["c".charCodeAt(0)]));
  assert.match(runTo(c, 300).out, /^c+$/);
});

test("linked blocks: remapping the page of a block's successor takes effect (INVLPG, CR3 reload)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // virtual 0x400000 maps physical page A ('a') or B ('b'); a loop calls it, and switches the mapping
  const PD = 0x200000, PT0 = 0x201000, PT1 = 0x202000, A = 0x300000, B = 0x301000;
  const code = assemble(`
bits 32
org ${BASE}
${PAGING_ON(PD)}
    mov ecx, 4
again:
    call 0x400000              ; prints its letter
    xor dword [${PT1}], ${A ^ B} ; switch the mapping between A and B
    invlpg [0x400000]
    dec ecx
    jnz again
    call 0x400000
    mov eax, cr3               ; the same through a CR3 reload
    xor dword [${PT1}], ${A ^ B}
    mov cr3, eax
    call 0x400000
    mov al, 0
    out 0xF4, al
`);
  const c = await machine();
  const dv = c.dv, R = c.L.RAM;
  for (let i = 0; i < 1024; i++) dv.setUint32(R + PT0 + i * 4, (i << 12) | 3, true);
  dv.setUint32(R + PT1, A | 3, true);
  dv.setUint32(R + PD, PT0 | 3, true);
  dv.setUint32(R + PD + 4, PT1 | 3, true);
  c.writePhys(A, new Uint8Array([0xB0, 0x61, 0xE6, 0xE9, 0xC3])); // mov al,'a'; out 0xE9,al; ret
  c.writePhys(B, new Uint8Array([0xB0, 0x62, 0xE6, 0xE9, 0xC3])); // mov al,'b'; ...
  start32(c, code);
  const r = runTo(c);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(r.out, "ababab");
});

test("block cache: filling the instruction arena flushes the cache and execution goes on correctly", async () => {
  // one-byte INC EAX instructions, more than the arena holds records (assembly/layout.ts INSNS_MAX), then OUT F4
  const c = await machine();
  const n = c.L.INSNS_MAX + 100_000;
  const code = new Uint8Array(n + 4);
  code.fill(0x40, 0, n);
  code.set([0xB0, 0x00, 0xE6, 0xF4], n); // mov al, 0; out 0xF4, al
  start32(c, code);
  c.setReg("eax", 0);
  const r = runTo(c, 2 * n);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(c.reg("eax") >>> 8, (n >>> 8) & 0xFFFFFF, "every INC ran once (AL was overwritten by the exit code)");
  assert.ok(c.counter("CNT_CACHE_FLUSHES") >= 1n, "the arena filled up at least once");
});
