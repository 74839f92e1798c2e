// x87 FPU: results compared with the host CPU's own x87 (test/fpu/native.ts, cases in test/fpu/cases.ts),
// plus emulator-only checks of what a Linux process cannot observe natively: #MF / FERR#, #NM, precise
// faults, the FIP/FDP/FOP pointers, 16-bit and real-mode environment layouts, FXSAVE/FXRSTOR checks,
// and that no byte sequence traps the core.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadModule } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { CASES } from "./fpu/cases.ts";
import { native32Unavailable } from "./util/native32.ts";
import { emulatorSource, runNative, compareCase, OUT_SIZE } from "./fpu/native.ts";

const CODE = 0x100000, BUF = 0x80000, STACK = 0x90000;

/** "force": the JIT compiles every block (jit/x87.ts compiles the register forms inline). */
let jitMode: "force" | undefined;

async function machine(): Promise<Core> {
  // WEBPC_FPU_FLAVOUR=release checks that Binaryen's optimisations keep the float code exact
  const c = await Core.create(loadModule(process.env.WEBPC_FPU_FLAVOUR === "release" ? "release" : "debug"), 16 << 20, 0,
    jitMode ? { jit: jitMode } : {});
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  return c;
}

test("x87 results match the host CPU's x87", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const noNative = native32Unavailable();
  if (noNative) { t.skip(noNative); return; }
  const native = runNative(CASES);
  const image = assemble(emulatorSource(CASES, CODE, BUF));
  const c = await machine();
  c.writePhys(CODE, image);
  const failures: string[] = [];
  for (let i = 0; i < CASES.length; i++) {
    c.enterFlatProtectedMode();
    c.setReg("esp", STACK);
    c.writePhys(BUF, new Uint8Array(OUT_SIZE).fill(0xCC));
    c.eip = new DataView(image.buffer, image.byteOffset).getUint32(i * 4, true);
    const exit = c.run(1_000_000);
    if (exit !== Exit.DEBUG_EXIT) { failures.push(`${CASES[i].name}: exit ${exit} at eip ${c.eip.toString(16)}`); continue; }
    const d = compareCase(CASES[i], c.readPhys(BUF, OUT_SIZE), native[i]);
    if (d.length) failures.push(`${CASES[i].name}:\n    ${d.join("\n    ")}`);
  }
  assert.equal(failures.length, 0, `${failures.length} of ${CASES.length} cases differ:\n${failures.join("\n")}`);
});

// ---- emulator-only checks -------------------------------------------------------------------------------
// A guest with a GDT and an IDT whose handlers record (vector, error code or EIP) at 0x7000 and stop, except
// #MF, which records and clears the exception with FNCLEX and returns (the instruction is then retried).
const REC = 0x7000;
function guest(body: string, extra = ""): string {
  const handlers = [6, 7, 13, 14, 16].map(v => `
h${v}:
  mov dword [${REC}], ${v}
  ${[13, 14].includes(v) ? "mov eax, [esp+4]\n  mov [" + (REC + 4) + "], eax\n  mov eax, [esp]\n  mov [" + (REC + 8) + "], eax  ; EIP at +4, error code at +8" : "mov eax, [esp]\n  mov [" + (REC + 4) + "], eax"}
  ${v === 16 ? "inc dword [" + (REC + 12) + "]\n  fnclex\n  iret" : "mov al, 1\n  out 0xF4, al"}`).join("\n");
  return `bits 32
org ${CODE}
  lgdt [gdtr]
  lidt [idtr]
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov ss, ax
  jmp 0x08:start
start:
${body}
  mov al, 0
  out 0xF4, al
${handlers}
${extra}
align 8
gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF
gdtr: dw 23
  dd gdt
idtr: dw 256 * 8 - 1
  dd idt
align 8
idt:
%assign v 0
%rep 256
  %if v = 6
    dw h6 - $$ + ${CODE} & 0xFFFF, 0x08, 0x8E00, (h6 - $$ + ${CODE}) >> 16
  %elif v = 7
    dw h7 - $$ + ${CODE} & 0xFFFF, 0x08, 0x8E00, (h7 - $$ + ${CODE}) >> 16
  %elif v = 13
    dw h13 - $$ + ${CODE} & 0xFFFF, 0x08, 0x8E00, (h13 - $$ + ${CODE}) >> 16
  %elif v = 14
    dw h14 - $$ + ${CODE} & 0xFFFF, 0x08, 0x8E00, (h14 - $$ + ${CODE}) >> 16
  %elif v = 16
    dw h16 - $$ + ${CODE} & 0xFFFF, 0x08, 0x8E00, (h16 - $$ + ${CODE}) >> 16
  %else
    dq 0
  %endif
  %assign v v + 1
%endrep
`;
}

/** The test as it is, and again with every block compiled. */
function bothModes(name: string, fn: (t: TestContext) => Promise<void>): void {
  test(name, fn);
  test(`${name} (JIT forced)`, async (t) => {
    jitMode = "force";
    try { await fn(t); } finally { jitMode = undefined; }
  });
}

interface Run { c: Core; exit: number; rec: number[]; label: (n: string) => number; }
async function runGuest(body: string, opts: { cr0Set?: number; cr0Clear?: number; extra?: string } = {}): Promise<Run> {
  const src = guest(body, opts.extra);
  const bin = assemble(src);
  // label addresses: assemble again with a map file is costly; labels used by tests are found by a marker
  const c = await machine();
  c.writePhys(CODE, bin);
  c.writePhys(REC, new Uint8Array(64));
  c.enterFlatProtectedMode();
  c.setCr(0, (c.cr(0) | 0x20 | (opts.cr0Set ?? 0)) & ~(opts.cr0Clear ?? 0));
  c.setReg("esp", STACK);
  c.eip = CODE;
  const exit = c.run(1_000_000);
  const dv = new DataView(c.readPhys(REC, 64).buffer);
  const rec = Array.from({ length: 16 }, (_, i) => dv.getUint32(i * 4, true));
  return { c, exit, rec, label: () => 0 };
}
const u16 = (c: Core, a: number) => c.readByte(a) | (c.readByte(a + 1) << 8);
const u32 = (c: Core, a: number) => (u16(c, a) | (u16(c, a + 2) << 16)) >>> 0;
const fpu = (c: Core, name: string) => c.dv.getUint32(c.L[name], true);

bothModes("unmasked exception: reported as #MF at the next waiting instruction (CR0.NE = 1), not by control instructions", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await runGuest(`
  fninit
  mov word [0x7100], 0x037B      ; unmask ZE
  fldcw [0x7100]
  fld1
  fldz
  fdivp st1, st0                ; 1/0: ZE unmasked, ES set, ST(0) not written
  fnstsw ax                     ; control instruction: no #MF
  mov [0x7104], ax
  fnstcw [0x7108]
  mov dword [0x7110], 0x1234
mark:
  fld1                          ; #MF here; the handler clears with FNCLEX and IRETs; then it runs
  fnstsw [0x710C]
  mov dword [0x7114], mark
  wait`);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  const c = r.c;
  assert.equal(r.rec[0], 16, "vector 16");
  assert.equal(r.rec[1], u32(c, 0x7114), "#MF EIP is the waiting instruction after the faulting one");
  assert.equal(r.rec[3], 1, "one #MF");
  const swAfterDiv = u16(c, 0x7104);
  assert.equal(swAfterDiv & 0x80FF, 0x8084, "ZE + ES + B after the unmasked divide");
  assert.equal(u16(c, 0x710C) & 0x80FF, 0, "FNCLEX in the handler cleared the flags");
  assert.equal((u16(c, 0x710C) >> 11) & 7, 5, "FDIVP with an unmasked ZE did not pop: two loads, then the retried FLD1");
});

bothModes("unmasked exception with CR0.NE = 0: FERR# asserted (IRQ13 path), no #MF; FNCLEX deasserts", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await runGuest(`
  fninit
  mov word [0x7100], 0x037E      ; unmask IE
  fldcw [0x7100]
  fld1
  fchs
  fsqrt                         ; invalid, unmasked: ST(0) keeps -1
  fst qword [0x7120]            ; waiting: asserts FERR#, then runs (as with IGNNE#)
  fnstsw [0x7104]`, { cr0Clear: 0x20 });
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  assert.equal(r.rec[0], 0, "no exception");
  assert.equal(fpu(r.c, "FPU_FERR"), 1, "FERR# asserted");
  assert.equal(new DataView(r.c.readPhys(0x7120, 8).buffer).getFloat64(0, true), -1, "destination unchanged by the unmasked IE");
  assert.equal(u16(r.c, 0x7104) & 0x80FF, 0x8081);
  const r2 = await runGuest(`
  fninit
  fldcw [0x7100]
  fld1
  fchs
  fsqrt
  fld1
  fnclex
  fld1`, { cr0Clear: 0x20 });
  assert.equal(fpu(r2.c, "FPU_FERR"), 0, "FNCLEX deasserts FERR#");
});

bothModes("CR0.EM = 1 gives #NM for escapes; CR0.TS = 1 gives #NM; WAIT with TS and MP = 0 does not", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  for (const [ins, set] of [["fnstsw ax", 4], ["fninit", 4], ["fld1", 8], ["fadd dword [0x7100]", 8]] as const) {
    const r = await runGuest(`mark:\n  ${ins}\n  mov dword [0x7110], mark`, { cr0Set: set });
    assert.equal(r.rec[0], 7, `${ins} with CR0 bit ${set}: #NM`);
    assert.equal(r.rec[1], CODE + 0x1F, `${ins}: EIP of the escape`); // code after the 0x1F-byte prologue
  }
  const w = await runGuest(`  wait\n  mov dword [0x7110], 1`, { cr0Set: 8, cr0Clear: 2 });
  assert.equal(w.rec[0], 0, "WAIT with TS = 1, MP = 0: no #NM");
  const w2 = await runGuest(`  wait`, { cr0Set: 10 });
  assert.equal(w2.rec[0], 7, "WAIT with TS = MP = 1: #NM");
});

bothModes("memory faults are precise: FSTP m80 / FNSAVE / FLD m64 across a segment limit change no FPU state", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // a GDT entry 0x18 with a 64 KiB limit: build the guest with it
  for (const ins of ["fstp tword [es:0xFFFA]", "fnsave [es:0xFFC0]", "fld qword [es:0xFFFC]", "fistp qword [es:0xFFFC]", "fbstp [es:0xFFF8]", "fxsave [es:0xFF00]"]) {
    const body = `
  fninit
  fld1
  fldpi
  mov word [0x7100], 0x1111
  fldcw [0x7100]
  fnclex
  mov eax, 0x18
  mov es, ax
  ${ins}`;
    const src = guest(body).replace("gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF", "gdt: dq 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF, 0x000093000000FFFF").replace("gdtr: dw 23", "gdtr: dw 31");
    const c = await machine();
    c.writePhys(CODE, assemble(src));
    c.writePhys(REC, new Uint8Array(64));
    c.writePhys(0xFF00, new Uint8Array(256).fill(0x5A));
    c.enterFlatProtectedMode();
    c.setCr(0, c.cr(0) | 0x20);
    c.setReg("esp", STACK);
    c.eip = CODE;
    c.run(100_000);
    const rec = u32(c, REC);
    assert.equal(rec, 13, `${ins}: #GP`);
    assert.equal(fpu(c, "FPU_TOP"), 6, `${ins}: TOP unchanged`);
    assert.equal(fpu(c, "FPU_CW"), 0x1151, `${ins}: CW unchanged (FNSAVE would reinitialise)`);
    assert.equal(fpu(c, "FPU_SW") & 0xFFFF, 0, `${ins}: status unchanged`);
    assert.ok(c.readPhys(0xFF00, 256).every(b => b === 0x5A), `${ins}: memory unchanged`);
  }
});

bothModes("FIP/FCS/FOP/FDP/FDS in the 32- and 16-bit protected-mode environments; FSAVE/FRSTOR 16-bit", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await runGuest(`
  fninit
  mov esi, 0x7200
  mov dword [0x7208], 0x40000000  ; 2.0f
  fld1
m1:
  fadd dword [esi+8]
  fnstenv [0x7300]
  mov dword [0x7110], m1
m2:
  fmul st0, st0
  o16 fnstenv [0x7340]
  mov dword [0x7114], m2
  fldpi
  o16 fnsave [0x7400]
  fld1
  o16 frstor [0x7400]
  fstp tword [0x7500]
  fstp tword [0x750A]
  fnstsw [0x7514]`);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  const c = r.c;
  const m1 = u32(c, 0x7110), m2 = u32(c, 0x7114);
  assert.equal(u32(c, 0x7300 + 12), m1, "FIP");
  assert.equal(u32(c, 0x7300 + 16), (0x046 << 16) | 0x08, "FOP D8 /0 with ModRM 46h, FCS 08h");
  assert.equal(u32(c, 0x7300 + 20), 0x7208, "FDP");
  assert.equal(u32(c, 0x7300 + 24), 0xFFFF0010, "FDS, reserved word FFFFh");
  assert.equal(u32(c, 0x7300 + 8), 0xFFFF3FFF, "tag word: ST(0) valid");
  // 16-bit protected: CW SW TW FIP FCS FDP FDS (FDP keeps the last memory operand)
  const w = Array.from({ length: 7 }, (_, i) => u16(c, 0x7340 + 2 * i));
  assert.deepEqual(w.slice(3), [m2 & 0xFFFF, 0x08, 0x7208, 0x10]);
  assert.equal(w[0], 0x037F | 0x3F);
  // FSAVE 16-bit: 14-byte environment then ST(0) = pi, ST(1) = 9; FRSTOR brings them back
  assert.equal(u16(c, 0x7400 + 14 + 8), 0x4000, "pi exponent in the 16-bit FSAVE image");
  assert.deepEqual(Array.from(c.readPhys(0x7500, 10)), Array.from(c.readPhys(0x7400 + 14, 10)), "FRSTOR restored ST(0)");
  assert.equal(new DataView(c.readPhys(0x750A, 10).buffer).getUint16(8, true), 0x4002, "ST(1) = 9.0 (exponent 3)");
});

bothModes("real-mode environment formats (16- and 32-bit) hold linear instruction and data pointers", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble(`bits 16
org 0
  fninit
  fld1
m1:
  fadd dword [0x20]
  fnstenv [0x40]
  o32 fnstenv [0x60]
  mov al, 0
  out 0xF4, al
  dw m1
`);
  const c = await machine();
  c.writePhys(0x1000, code);
  c.setSegReal("cs", 0x100); c.setSegReal("ds", 0x200); c.setSegReal("ss", 0x300);
  c.setReg("esp", 0x100);
  c.eip = 0;
  c.exports.stateChanged();
  assert.equal(c.run(10000), Exit.DEBUG_EXIT);
  const m1 = u16(c, 0x1000 + code.length - 2);
  const e16 = Array.from({ length: 7 }, (_, i) => u16(c, 0x2040 + 2 * i));
  const fip = 0x1000 + m1;
  assert.equal(e16[3], fip & 0xFFFF);
  assert.equal(e16[4], ((fip >> 16) << 12) | 0x000 | 0x006, "FIP[19:16] and FOP (D8 /0 [disp16]: ModRM 06h)");
  assert.equal(e16[5], 0x2020, "FDP linear");
  assert.equal(e16[6], 0);
  assert.equal(u32(c, 0x2060 + 12), (0xFFFF0000 | (fip & 0xFFFF)) >>> 0);
  assert.equal(u32(c, 0x2060 + 16), ((fip >>> 16) << 12) | 0x006);
  assert.equal(u32(c, 0x2060 + 20), (0xFFFF0000 | 0x2020) >>> 0);
});

test("FXSAVE/FXRSTOR: layout, round trip, #GP for misalignment and reserved MXCSR bits", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await runGuest(`
  fninit
  fld tword [v80]
  fldpi
  fxsave [0x7400]
  fninit
  fxrstor [0x7400]
  fstp tword [0x7700]
  fstp tword [0x770A]
  fnstsw [0x7714]`, { extra: "v80: dq 0xFFFFFFFFFFFFFFFF\n dw 0xC003" });
  const c = r.c;
  assert.equal(r.rec[0], 0, "no exception");
  assert.equal(u16(c, 0x7400), 0x037F);
  assert.equal((u16(c, 0x7402) >> 11) & 7, 6, "TOP in FSW");
  assert.equal(c.readByte(0x7404), 0xC0, "abridged tag: physical 6 and 7 valid");
  assert.equal(u32(c, 0x7418), 0x1F80, "MXCSR");
  assert.equal(u32(c, 0x741C), 0xFFBF, "MXCSR_MASK");
  assert.ok(c.readPhys(0x7400 + 160, 128).every(b => b === 0), "XMM area zero");
  assert.deepEqual(Array.from(c.readPhys(0x770A, 10)), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0xC0], "80-bit value exact through FXSAVE/FXRSTOR");
  assert.equal(u16(c, 0x7714) & 0x3800, 0, "stack empty again");
  const mis = await runGuest(`  fxsave [0x7408]`);
  assert.equal(mis.rec[0], 13, "misaligned FXSAVE: #GP");
  const bad = await runGuest(`  fxsave [0x7400]\n  or dword [0x7418], 0x10000\n  fxrstor [0x7400]`);
  assert.equal(bad.rec[0], 13, "reserved MXCSR bit: #GP");
  assert.equal(bad.rec[2], 0, "error code 0");
});

// (precision: the 64-bit significand is checked against the host in test/fpu/cases.ts and test/x87.test.ts)

test("no byte sequence of D8-DF escapes traps the core (random operands, control words, register images)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await machine();
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 8; };
  for (let iter = 0; iter < 400; iter++) {
    const data = new Uint8Array(256);
    for (let k = 0; k < 256; k++) data[k] = rnd() & 0xFF;
    // some special exponents: NaN/inf/denormal/huge
    for (let k = 0; k < 8; k++) { const e = [0x7FFF, 0xFFFF, 0, 0x8000, 0x43FE, 0x3BCD][rnd() % 6]; data[k * 10 + 8] = e & 0xFF; data[k * 10 + 9] = e >> 8; }
    data[0x90] = rnd() & 0x3F; data[0x91] = rnd() & 0x0F; // random masks, RC, PC
    c.writePhys(0x8000, data);
    const code: number[] = [0xB8, 0x00, 0x80, 0x00, 0x00, 0xDB, 0xE3, 0xD9, 0xA8, 0x90, 0x00, 0x00, 0x00]; // mov eax,0x8000; fninit; fldcw [eax+0x90]
    for (let k = 0; k < 8; k++) code.push(0xDB, 0x68, k * 10); // fld tword [eax+k*10]
    for (let k = 0; k < 24; k++) {
      const op = 0xD8 + (rnd() & 7), mod = rnd() % 4, reg = rnd() & 7;
      if (mod === 3) code.push(op, 0xC0 | (reg << 3) | (rnd() & 7));
      else code.push(op, 0x40 | (reg << 3), rnd() & 0x7F); // [eax+disp8]
    }
    code.push(0xB0, 0x00, 0xE6, 0xF4);
    c.writePhys(CODE, Uint8Array.from(code));
    c.enterFlatProtectedMode();
    c.setCr(0, c.cr(0) & ~0x2C); // EM, TS, NE off: unmasked exceptions only assert FERR#
    c.setReg("esp", STACK);
    c.eip = CODE;
    c.run(10_000); // exits, faults or triple faults are all fine; a wasm trap would throw
  }
});

bothModes("register forms: FIP/FOP of the last one, TOP, tags, C1 and EFLAGS as each leaves them", async (t) => {
  // (the JIT compiles these register forms inline: jit/x87.ts)
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await runGuest(`
  mov ebp, 3                    ; three times: the JIT compiles a block the second time it runs
again:
  fninit
  fld1
  fldpi
m1:
  fxch st1                      ; D9 C9
  fnstenv [0x7300]
  mov dword [0x7110], m1
  fld st1                       ; ST: 1, pi, 1 -> pi, 1, pi
  fld1
m2:
  faddp st2, st0                ; DE C2: ST(2) = 1 + 1 = 2, pop
  mov eax, 5                    ; not an x87 instruction: FIP stays at m2
  add eax, 1
  fnstenv [0x7340]
  mov dword [0x7114], m2
m3:
  fcomip st0, st1               ; DF F1: ST pi, 2, pi: pi > 2, ZF PF CF = 0; pop
  mov eax, 0
  seta al
  mov [0x7118], eax
  fnstsw [0x711C]
  fstp tword [0x7500]           ; ST(0) = 2, ST(1) = pi
  fstp tword [0x750A]
  fnstenv [0x7380]
  mov dword [0x7120], m3
  fld1                          ; the state crosses a jump: a block (or region member) boundary
  fldz
m4:
  fxch st1
  jmp .j1
.j1:
  fnstenv [0x73C0]
  mov dword [0x7124], m4
  fninit
  fld1
m5:
  fld st0                       ; and a call
  call .f
  mov dword [0x7128], m5
  jmp .done
.f:
  fnstenv [0x7440]
  ret
.done:
  dec ebp
  jnz again`);
  assert.equal(r.exit, Exit.DEBUG_EXIT);
  const c = r.c;
  if (jitMode) assert.ok(c.counters().jit_insns > 50n, "compiled code ran");
  assert.equal(u32(c, 0x7300 + 12), u32(c, 0x7110), "FIP of FXCH");
  assert.equal(u32(c, 0x7300 + 16) & 0xFFFF, 0x08, "FCS");
  assert.equal(u32(c, 0x7300 + 16) >>> 16, 0x1C9, "FOP of FXCH ST(1)");
  assert.equal(u32(c, 0x7300 + 4) & 0xFFFF, 6 << 11, "SW after FXCH: TOP 6, C1 = 0");
  assert.equal(u32(c, 0x7300 + 8) & 0xFFFF, 0x0FFF, "tags: ST(0), ST(1) valid");
  assert.equal(u32(c, 0x7340 + 12), u32(c, 0x7114), "FIP of FADDP after integer instructions");
  assert.equal(u32(c, 0x7340 + 16) >>> 16, 0x6C2, "FOP of FADDP ST(2),ST(0)");
  assert.equal((u32(c, 0x7340 + 4) >> 11) & 7, 5, "TOP 5: four pushes, one pop");
  assert.equal(u32(c, 0x7340 + 8) & 0xFFFF, 0x03FF, "tags: physical 5, 6, 7 valid");
  assert.equal(u32(c, 0x7118), 1, "FCOMIP: pi > 2 (SETA)");
  assert.equal(u16(c, 0x711C), 6 << 11, "SW after FCOMIP: TOP 6, no flags (1 + 1 is exact), C1 = 0");
  const f80 = (a: number) => new DataView(c.readPhys(a, 10).buffer);
  assert.equal(f80(0x7500).getUint16(8, true), 0x4000, "ST(0) = 2");
  assert.equal(f80(0x7500).getBigUint64(0, true), 0x8000000000000000n);
  assert.equal(f80(0x750A).getBigUint64(0, true), 0xC90FDAA22168C235n, "ST(1) = pi");
  assert.equal(u32(c, 0x7380 + 8) & 0xFFFF, 0xFFFF, "all empty");
  assert.equal((u32(c, 0x73C0 + 4) >> 11) & 7, 6, "TOP after the jump");
  assert.equal(u32(c, 0x73C0 + 8) & 0xFFFF, 0x4FFF, "tags after the jump: 1.0 valid, 0.0 zero");
  assert.equal(u32(c, 0x73C0 + 12), u32(c, 0x7124), "FIP after the jump");
  assert.equal((u32(c, 0x7440 + 4) >> 11) & 7, 6, "TOP after the call");
  assert.equal(u32(c, 0x7440 + 8) & 0xFFFF, 0x0FFF, "tags after the call");
  assert.equal(u32(c, 0x7440 + 12), u32(c, 0x7128), "FIP after the call");
});
