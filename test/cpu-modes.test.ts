// Real-mode details the SingleStepTests do not cover (they run with A20 on and 64 KiB segments), external
// interrupts and NMI through the documented interface, and the block-cache counters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

async function realMode(src: string, at = 0x7C00): Promise<Core> {
  const c = await createCore(16 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(at, assemble(`bits 16\norg ${at}\n${src}\n`));
  for (const s of ["cs", "ds", "es", "ss", "fs", "gs"] as const) c.setSegReal(s, 0);
  c.eip = at;
  c.setReg("esp", 0x7000);
  c.exports.stateChanged();
  return c;
}
const out = (c: Core) => new TextDecoder().decode(c.drain(Channel.DEBUGCON));

test("A20 gate: FFFF:0010 wraps to 0 when closed, reaches 1 MiB when open", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0], 'L'          ; physical 0
    mov byte [es:0x10], 'H'    ; physical 0x100000, or 0 with A20 closed
    mov al, [0]
    out 0xE9, al
    mov al, 0
    out 0xF4, al`);
  c.exports.setA20(0);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(c), "H", "with A20 closed the write wrapped onto address 0");
  assert.equal(c.readByte(0x100000), 0);

  const d = await realMode(`
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0], 'L'
    mov byte [es:0x10], 'H'
    mov al, [0]
    out 0xE9, al
    mov al, [es:0x10]
    out 0xE9, al
    mov al, 0
    out 0xF4, al`);
  d.exports.setA20(1);
  assert.equal(d.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(d), "LH");
  assert.equal(d.readByte(0x100000), "H".charCodeAt(0));
});

test("unreal mode: a 4 GiB limit loaded in protected mode stays usable back in real mode", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    lgdt [gdtr]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    mov bx, 0x08
    mov fs, bx                 ; 4 GiB data segment
    and al, 0xFE
    mov cr0, eax               ; back to real mode: FS keeps its limit
    xor ax, ax
    mov fs, ax                 ; base 0, limit still 4 GiB
    mov byte [fs:dword 0x200000], 'U'
    mov al, [fs:dword 0x200000]
    out 0xE9, al
    mov ax, 0
    mov ds, ax
    mov al, [dword 0x10000]    ; DS has a 64 KiB limit: #GP -> IVT[13]
    out 0xE9, al
    mov al, 0
    out 0xF4, al
gp: mov al, 'G'
    out 0xE9, al
    mov al, 1
    out 0xF4, al
align 8
gdt: dq 0
    dq 0x00CF92000000FFFF      ; flat data, 4 GiB
gdtr: dw 15
    dd gdt`);
  // IVT entry 13 -> the gp label (found by its bytes: mov al,'G'; out 0xE9,al)
  const code = c.readPhys(0x7C00, 256);
  const gpOff = findSeq(code, [0xB0, 0x47, 0xE6, 0xE9]);
  assert.ok(gpOff > 0);
  c.writePhys(13 * 4, new Uint8Array([(0x7C00 + gpOff) & 0xFF, (0x7C00 + gpOff) >> 8, 0, 0]));
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(c), "UG");
  assert.equal(c.readByte(0x200000), "U".charCodeAt(0));
});

function findSeq(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

test("external interrupts: exact order of delivery around STI", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    cli
    mov word [0x20*4], isr
    mov word [0x20*4+2], 0
    mov al, 'a'
    out 0xE9, al
    sti
    out 0xE9, al               ; the instruction after STI still runs before the interrupt
    mov al, 'c'
    out 0xE9, al
    mov al, 0
    out 0xF4, al
isr:
    mov al, 'I'
    out 0xE9, al
    iret`);
  c.exports.setIntr(0x20);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(c), "aaIc");
});

test("HLT with interrupts enabled exits to the host, an interrupt resumes it", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    mov word [0x21*4], isr
    mov word [0x21*4+2], 0
    sti
    hlt
    mov al, 'r'
    out 0xE9, al
    cli
    hlt
isr:
    mov al, 'I'
    out 0xE9, al
    iret`);
  assert.equal(c.run(1000), Exit.HLT);
  assert.equal(c.run(1000), Exit.HLT, "no interrupt: still halted");
  c.exports.setIntr(0x21);
  assert.equal(c.run(1000), Exit.HLT_CLI);
  assert.equal(out(c), "Ir");
});

test("NMI is delivered through vector 2 even with IF=0, and blocked until IRET", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    cli
    mov word [2*4], nmi
    mov word [2*4+2], 0
    mov cx, 50
spin:
    dec cx
    jnz spin
    mov al, 'e'
    out 0xE9, al
    mov al, 0
    out 0xF4, al
nmi:
    mov al, 'N'
    out 0xE9, al
    iret`);
  c.run(3);
  c.exports.raiseNmi();
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(c), "Ne");
});

const COUNTED_LOOP = `
    mov cx, 1000
l:  add ax, cx
    dec cx
    jnz l
    mov al, 0
    out 0xF4, al`;

test("block cache counters: a loop is translated once and then hits", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(COUNTED_LOOP);
  c.jit.set("off"); // the interpreter's block cache alone (the JIT would run the loop inside one function)
  assert.equal(c.run(100000), Exit.DEBUG_EXIT);
  const k = c.counters();
  assert.ok(k.blocks_translated <= 4n, `translated ${k.blocks_translated}`);
  assert.ok(k.block_hits >= 998n, `hits ${k.block_hits}`);
  assert.equal(k.instructions, 1n + 3000n + 2n);
});

test("JIT: the same 16-bit loop is compiled once hot, loops inside its function, and counts the same", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(COUNTED_LOOP);
  c.jit.set(60); // the 3-instruction loop block gains 5 heat per run: compiled on its 96th run
  assert.equal(c.run(100000), Exit.DEBUG_EXIT);
  const k = c.counters();
  assert.equal(k.jit_compiled, 1n, "one region compiled");
  assert.ok(k.jit_insns >= 3n * 890n, `compiled instructions ${k.jit_insns}`);
  assert.ok(k.jit_runs < 20n, `the loop stays inside its function (${k.jit_runs} entries)`);
  assert.equal(k.instructions, 1n + 3000n + 2n);
  assert.equal(c.reg("eax") & 0xFFFF, (1000 * 1001 / 2) & 0xFF00, "AX = the sum (AL then set to 0)");
});

test("single-step: TF traps after each instruction that starts with TF set", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    mov word [1*4], dbg
    mov word [1*4+2], 0
    pushf
    pop ax
    or ah, 1
    push ax
    popf                       ; sets TF: no trap after POPF itself
    mov al, 'x'                ; trap
    out 0xE9, al               ; prints x, trap
    int 0x30                   ; software interrupt: handler runs with TF=0, no trap after INT or IRET
    mov al, 0                  ; trap (TF is back from the IRET)
    out 0xF4, al
dbg:
    push ax
    mov al, 'T'
    out 0xE9, al
    pop ax
    iret
soft:
    push ax
    mov al, 'S'
    out 0xE9, al
    pop ax
    iret`);
  const code = c.readPhys(0x7C00, 256);
  const softOff = findSeq(code, [0x50, 0xB0, 0x53]);
  c.writePhys(0x30 * 4, new Uint8Array([(0x7C00 + softOff) & 0xFF, (0x7C00 + softOff) >> 8, 0, 0]));
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(out(c), "TxTST");
});
