// CPUID advertises exactly what is implemented; MSRs, TSC, SYSENTER/SYSEXIT, control-register checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;
const GDT = 0x8000, IDT = 0x9000;

/**
 * 32-bit protected mode at CPL 0 with a GDT (08 code0, 10 data0, 18 code3, 20 data3 - the SYSENTER layout)
 * and an IDT whose every vector jumps to `fault`: prints '#', the vector number as a byte, then stops.
 */
async function pm32(body: string): Promise<Core> {
  const c = await createCore(16 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  const stubs = Array.from({ length: 32 }, (_, v) => `v${v}: push dword ${v}\n jmp fault`).join("\n");
  const code = assemble(`bits 32
org ${BASE}
${body}
fault:
    mov al, '#'
    out 0xE9, al
    pop eax
    out 0xE9, al
    mov al, 0xEE
    out 0xF4, al
${stubs}
vectors: ${Array.from({ length: 32 }, (_, v) => `dd v${v}`).join("\n")}
`);
  c.writePhys(BASE, code);
  const dv = c.dv, R = c.L.RAM;
  const gdt = [[0, 0], [0x0000FFFF, 0x00CF9A00], [0x0000FFFF, 0x00CF9200], [0x0000FFFF, 0x00CFFA00], [0x0000FFFF, 0x00CFF200]];
  gdt.forEach(([lo, hi], i) => { dv.setUint32(R + GDT + i * 8, lo, true); dv.setUint32(R + GDT + i * 8 + 4, hi, true); });
  // IDT entries point at the vN stubs (their addresses are in the `vectors` table at the end of the code)
  const vecTable = BASE + code.length - 32 * 4;
  for (let v = 0; v < 32; v++) {
    const h = dv.getUint32(R + vecTable + v * 4, true);
    dv.setUint32(R + IDT + v * 8, (0x08 << 16) | (h & 0xFFFF), true);
    dv.setUint32(R + IDT + v * 8 + 4, (h & 0xFFFF0000) | 0x8E00, true);
  }
  c.exports.ramWritten(GDT, 0x2000);
  dv.setUint32(c.L.GDTR_BASE, GDT, true); dv.setUint32(c.L.GDTR_LIMIT, 0x27, true);
  dv.setUint32(c.L.IDTR_BASE, IDT, true); dv.setUint32(c.L.IDTR_LIMIT, 32 * 8 - 1, true);
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  return c;
}
const out = (c: Core) => Array.from(c.drain(Channel.DEBUGCON));
const text = (b: number[]) => String.fromCharCode(...b);

test("CPUID: GenuineIntel family 6, features = exactly what the core implements", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pm32(`
    xor eax, eax
    cpuid
    mov [0x500], ebx
    mov [0x504], edx
    mov [0x508], ecx
    mov [0x50C], eax
    mov eax, 1
    cpuid
    mov [0x510], eax
    mov [0x514], edx
    mov [0x518], ecx
    mov al, 0
    out 0xF4, al`);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  const d = c.readPhys(0x500, 0x20);
  const dv = new DataView(d.buffer);
  assert.equal(new TextDecoder().decode(d.slice(0, 12)), "GenuineIntel");
  assert.ok(dv.getUint32(12, true) >= 1, "max leaf");
  const sig = dv.getUint32(16, true);
  assert.equal((sig >> 8) & 0xF, 6, "family 6");
  const edx = dv.getUint32(20, true);
  const has = (bit: number) => (edx >>> bit) & 1;
  // implemented: FPU VME DE PSE TSC MSR CX8 APIC SEP PGE CMOV FXSR (bit positions: SDM Vol. 2 CPUID, table 3-11;
  // APIC: the platform's local APIC, globally enabled at reset, SDM Vol. 3A 10.4.2)
  for (const [bit, name] of [[0, "FPU"], [1, "VME"], [2, "DE"], [3, "PSE"], [4, "TSC"], [5, "MSR"], [8, "CX8"], [9, "APIC"], [11, "SEP"], [13, "PGE"], [15, "CMOV"], [24, "FXSR"]] as const)
    assert.equal(has(bit), 1, `${name} advertised`);
  // not implemented: PAE MCE MTRR MCA PAT PSE36 MMX SSE SSE2
  for (const [bit, name] of [[6, "PAE"], [7, "MCE"], [12, "MTRR"], [14, "MCA"], [16, "PAT"], [17, "PSE36"], [23, "MMX"], [25, "SSE"], [26, "SSE2"]] as const)
    assert.equal(has(bit), 0, `${name} not advertised`);
  assert.equal(dv.getUint32(24, true), 0, "no ECX features (SSE3 and later)");
});

test("advertised features execute; unadvertised ones fault", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pm32(`
    mov eax, 1
    mov ebx, 2
    cmp eax, ebx
    cmovb eax, ebx            ; CMOV
    mov [0x600], eax
    mov eax, 5
    mov edx, 0
    mov ebx, 7
    mov ecx, 8
    mov dword [0x610], 5
    mov dword [0x614], 0
    cmpxchg8b [0x610]         ; CX8: equal -> stores ECX:EBX
    rdtsc                     ; TSC
    mov ecx, 0x10
    rdmsr                     ; MSR (IA32_TIME_STAMP_COUNTER)
    mov eax, cr4
    or eax, 0x90              ; PSE | PGE accepted
    mov cr4, eax
    fxsave [0x1000]           ; FXSR
    mov al, 'k'
    out 0xE9, al
    movq mm0, [0x600]         ; MMX is not implemented: #UD (vector 6)
    mov al, 'X'
    out 0xE9, al`);
  assert.equal(c.run(10000), Exit.DEBUG_EXIT);
  assert.equal(text(out(c)), "k#\x06");
  assert.equal(c.dv.getUint32(c.L.RAM + 0x600, true), 2);
  assert.equal(c.dv.getUint32(c.L.RAM + 0x610, true), 7);
  assert.equal(c.dv.getUint32(c.L.RAM + 0x614, true), 8);
});

test("CR4.PAE (not advertised) and unknown MSRs raise #GP", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pm32(`
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax`);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(text(out(c)), "#\x0D");
  const d = await pm32(`
    mov ecx, 0xC0000080        ; EFER does not exist on this CPU
    rdmsr`);
  assert.equal(d.run(1000), Exit.DEBUG_EXIT);
  assert.equal(text(out(d)), "#\x0D");
});

test("SYSENTER/SYSEXIT switch between flat ring 3 and ring 0", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pm32(`
    mov ecx, 0x174
    xor edx, edx
    mov eax, 0x08
    wrmsr                      ; SYSENTER_CS = 08 (SS = 10, user CS = 1B, user SS = 23)
    mov ecx, 0x175
    mov eax, 0x80000
    wrmsr                      ; SYSENTER_ESP
    mov ecx, 0x176
    mov eax, kernel
    wrmsr                      ; SYSENTER_EIP
    mov edx, user
    mov ecx, 0x70000
    sysexit                    ; to ring 3 at user, ESP = 0x70000
user:
    mov ax, cs
    mov [0x700], ax            ; 1B
    mov ax, ss
    mov [0x702], ax            ; 23
    mov [0x704], esp
    sysenter
kernel:
    mov ax, cs
    mov [0x708], ax            ; 08
    mov ax, ss
    mov [0x70A], ax            ; 10
    mov [0x70C], esp           ; 80000
    mov al, 's'
    out 0xE9, al
    mov al, 0
    out 0xF4, al`);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.equal(text(out(c)), "s");
  const dv = c.dv, R = c.L.RAM;
  assert.equal(dv.getUint16(R + 0x700, true), 0x1B);
  assert.equal(dv.getUint16(R + 0x702, true), 0x23);
  assert.equal(dv.getUint32(R + 0x704, true), 0x70000);
  assert.equal(dv.getUint16(R + 0x708, true), 0x08);
  assert.equal(dv.getUint16(R + 0x70A, true), 0x10);
  assert.equal(dv.getUint32(R + 0x70C, true), 0x80000);
});

test("privileged instructions at CPL 3 raise #GP", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  for (const insn of ["hlt", "mov eax, cr0", "lgdt [0x500]", "wrmsr", "invlpg [0]", "clts", "mov dr7, eax"]) {
    const c = await pm32(`
    push dword 0x23
    push dword 0x70000
    push dword 0x3002          ; EFLAGS (IOPL 3)
    push dword 0x1B
    push dword user
    iret
user:
    ${insn}
    mov al, 'X'
    out 0xE9, al`);
    // ring-0 stack for the fault comes from a TSS
    const dv = c.dv, R = c.L.RAM;
    dv.setUint32(R + 0xA000 + 4, 0x80000, true);
    dv.setUint32(R + 0xA000 + 8, 0x10, true);
    dv.setUint32(c.L.TR_BASE, 0xA000, true); dv.setUint32(c.L.TR_LIMIT, 0x67, true); dv.setUint32(c.L.TR_ACCESS, 0x8B, true);
    assert.equal(c.run(1000), Exit.DEBUG_EXIT, insn);
    assert.equal(text(out(c)), "#\x0D", insn);
  }
});

test("alignment check: #AC for misaligned ring-3 data with CR0.AM and EFLAGS.AC", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const run = async (eflags: number, access: string) => {
    const c = await pm32(`
    mov eax, cr0
    or eax, 0x40000            ; CR0.AM
    mov cr0, eax
    push dword 0x23
    push dword 0x70000
    push dword ${eflags}
    push dword 0x1B
    push dword user
    iret
user:
    mov ax, 0x23               ; IRET to ring 3 nulled DS (DPL 0)
    mov ds, ax
    mov es, ax
    mov eax, [0x402]           ; aligned dword
    mov ax, [0x402]            ; aligned word
    mov al, [0x403]            ; bytes are always aligned
    ${access}
    mov al, 'X'
    out 0xE9, al
    hlt`);
    const dv = c.dv, R = c.L.RAM;
    dv.setUint32(R + 0xA000 + 4, 0x80000, true);
    dv.setUint32(R + 0xA000 + 8, 0x10, true);
    dv.setUint32(c.L.TR_BASE, 0xA000, true); dv.setUint32(c.L.TR_LIMIT, 0x67, true); dv.setUint32(c.L.TR_ACCESS, 0x8B, true);
    c.run(1000);
    return text(out(c));
  };
  assert.equal(await run(0x43002, "mov eax, [0x401]"), "#\x11", "misaligned dword read");
  assert.equal(await run(0x43002, "mov word [0x403], ax"), "#\x11", "misaligned word write");
  assert.equal(await run(0x43002, "push eax\n push eax\n pop eax\n mov esp, 0x6FFFE\n push eax"), "#\x11", "misaligned stack");
  assert.equal(await run(0x43002, "cmpxchg8b [0x404]"), "#\x11", "CMPXCHG8B needs 8-byte alignment");
  assert.equal(await run(0x03002, "mov eax, [0x401]"), "X#\x0D", "AC clear: no check (then HLT at ring 3 is #GP)");
});

// SDM Vol. 3B 18.17: the TSC increases monotonically; two reads never return the same value. Here it counts
// retired instructions (virtual time), also in the middle of a cached block and after WRMSR sets it.
test("RDTSC: advances between two reads in one block, in a loop, and after WRMSR sets it", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pm32(`
    rdtsc
    mov esi, eax
    mov edi, edx
    rdtsc                      ; the next instruction of the same block
    mov [0x600], esi
    mov [0x604], edi
    mov [0x608], eax
    mov [0x60C], edx
    mov ecx, 100               ; 100 reads in a loop: each greater than the last
    mov ebx, 0x700
.loop:
    rdtsc
    mov [ebx], eax
    mov [ebx + 4], edx
    add ebx, 8
    loop .loop
    mov ecx, 0x10              ; WRMSR TSC = 0000_0001_FFFF_FFF0, then read it back twice
    mov eax, 0xFFFFFFF0
    mov edx, 1
    wrmsr
    rdtsc
    mov [0x610], eax
    mov [0x614], edx
    mov ecx, 0x10
    rdmsr
    mov [0x618], eax
    mov [0x61C], edx
    mov al, 0
    out 0xF4, al
`);
  const r = c.run(100000);
  assert.equal(r, Exit.DEBUG_EXIT, text(out(c)));
  const q = (a: number) => c.dv.getBigUint64(c.L.RAM + a, true);
  assert.ok(q(0x608) > q(0x600), `back-to-back RDTSC: ${q(0x600)} then ${q(0x608)}`);
  for (let i = 1; i < 100; i++) assert.ok(q(0x700 + 8 * i) > q(0x700 + 8 * (i - 1)), `loop read ${i}`);
  const set = 0x1FFFFFFF0n;
  assert.ok(q(0x610) > set && q(0x610) < set + 16n, `after WRMSR: ${q(0x610).toString(16)}`);
  assert.ok(q(0x618) > q(0x610), `RDMSR after RDTSC: ${q(0x618).toString(16)}`);
});

test("debug registers: breakpoints set by the guest still fire after its state is copied into a new machine", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // a write breakpoint on [0x700] (DR0, 4 bytes) and an instruction breakpoint on `target` (DR1); the copy is
  // taken in the middle of the loop, and the new machine only gets stateChanged() to rebuild derived state
  const c = await pm32(`
    mov dword [0x600], target
    mov eax, 0x700
    mov dr0, eax
    mov eax, target
    mov dr1, eax
    mov eax, 0x000D000A       ; G0 G1, DR0 R/W 01 LEN 11, DR1 execution
    mov dr7, eax
    mov ecx, 2000
spin: dec ecx
    jnz spin
    mov [0x700], eax          ; data breakpoint: #DB after this instruction, B0
target:
    nop`);
  assert.equal(c.run(1500), Exit.BUDGET);
  const d = await createCore(16 << 20, "debug");
  d.exports.attachTestDevices(0xE9, 0xF4, 0);
  const S = c.L.STATE_BASE, size = 0x10000;
  d.u8.set(c.u8.subarray(S, S + size), S);
  d.u8.set(c.u8.subarray(c.L.RAM, c.L.RAM + (16 << 20)), d.L.RAM);
  d.exports.flushCaches();
  d.exports.stateChanged();
  assert.equal(d.run(10000), Exit.DEBUG_EXIT);
  assert.deepEqual(out(d), [0x23, 1], "#DB");
  const dv = d.dv;
  assert.equal(dv.getUint32(d.L.DR + 24, true) & 0xF, 3, "DR6: B0 (the data write) and B1 (the next instruction)");
  const frame = d.readPhys(d.reg("esp"), 4), target = d.readPhys(0x600, 4);
  assert.deepEqual(frame, target, "#DB pushed EIP = target");
});
