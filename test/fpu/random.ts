// Seeded random differential test of the x87 against the host CPU's x87 (acceptance test of the 64-bit
// significand work). Each case is (instruction template, control word, two 80-bit register operands, one
// memory operand). The same template code runs natively (a 32-bit static program built once per process with
// i686-linux-gnu-gcc, fed the cases as binary records) and in the emulator; the result is the FNSAVE image
// (control/status/tag words and the eight registers as full 80-bit images), a memory result area and EFLAGS.
// FNSAVE is a non-waiting instruction, so cases with unmasked exceptions end without #MF / SIGFPE (it also
// reinitialises the FPU). Expectations always come from the host; nothing is derived from the emulator.
//
// Library for test/x87.test.ts and CLI (test/fpu/random-run.ts, `npm run test:x87 -- --seed N --count M`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Core, Exit } from "../../web/machine/core.ts";
import { assemble } from "../util/nasm.ts";

// ---- templates ----------------------------------------------------------------------------------------------
// ESI = input record: a (m80) at +0, b (m80) at +16, control word at +32, memory operand at +40.
// EBX = output: FNSAVE image at +0 (108 bytes), memory result at +112 (10 bytes), EFLAGS at +124.
// Before the instruction: FNINIT, ST(1) = b, ST(0) = a, condition codes C0-C3 from +34, FLDCW.
export type MemKind = "none" | "m16i" | "m32i" | "m64i" | "m32" | "m64" | "m80" | "bcd";
export interface Template { name: string; asm: string; mem: MemKind; kind: "arith" | "int" | "trans"; eflags?: boolean; }

const T: Template[] = [];
const add = (name: string, asm: string, mem: MemKind = "none", kind: Template["kind"] = "arith", eflags = false) =>
  T.push({ name, asm, mem, kind, eflags });
for (const op of ["fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"]) {
  add(`${op} st0, st1`, `${op} st0, st1`);
  add(`${op} st1, st0`, `${op} st1, st0`);
  add(`${op}p st1, st0`, `${op}p st1, st0`);
  add(`${op} m32`, `${op} dword [esi+40]`, "m32");
  add(`${op} m64`, `${op} qword [esi+40]`, "m64");
  add(`fi${op.slice(1)} m16`, `fi${op.slice(1)} word [esi+40]`, "m16i");
  add(`fi${op.slice(1)} m32`, `fi${op.slice(1)} dword [esi+40]`, "m32i");
}
for (const op of ["fcom st1", "fcomp st1", "fcompp", "fucom st1", "fucomp st1", "fucompp", "ftst", "fxam", "fchs", "fabs"]) add(op, op);
add("fcom m32", "fcom dword [esi+40]", "m32"); add("fcomp m64", "fcomp qword [esi+40]", "m64");
add("ficom m16", "ficom word [esi+40]", "m16i"); add("ficomp m32", "ficomp dword [esi+40]", "m32i");
for (const op of ["fcomi st0, st1", "fucomi st0, st1", "fcomip st0, st1", "fucomip st0, st1"]) add(op, op, "none", "arith", true);
for (const op of ["fsqrt", "fscale", "fxtract", "fprem", "fprem1"]) add(op, op);
add("frndint", "frndint", "none", "int");
add("fld m32", "fld dword [esi+40]", "m32"); add("fld m64", "fld qword [esi+40]", "m64"); add("fld m80", "fld tword [esi+40]", "m80");
add("fild m16", "fild word [esi+40]", "m16i"); add("fild m32", "fild dword [esi+40]", "m32i"); add("fild m64", "fild qword [esi+40]", "m64i");
add("fbld", "fbld tword [esi+40]", "bcd");
add("fst m32", "fst dword [ebx+112]"); add("fstp m32", "fstp dword [ebx+112]");
add("fst m64", "fst qword [ebx+112]"); add("fstp m64", "fstp qword [ebx+112]"); add("fstp m80", "fstp tword [ebx+112]");
add("fist m16", "fist word [ebx+112]", "none", "int"); add("fist m32", "fist dword [ebx+112]", "none", "int");
add("fistp m16", "fistp word [ebx+112]", "none", "int"); add("fistp m32", "fistp dword [ebx+112]", "none", "int");
add("fistp m64", "fistp qword [ebx+112]", "none", "int"); add("fbstp", "fbstp tword [ebx+112]", "none", "int");
// stack faults: an empty operand (masked: the indefinite, C1 = 0) and a full stack (C1 = 1)
for (const op of ["fadd st0, st1", "fcom st1", "fsqrt", "fst dword [ebx+112]", "fistp word [ebx+112]", "fprem", "fscale"]) {
  add(`${op} (ST1 empty)`, `ffree st1\n  ${op}`);
  add(`${op} (ST0 empty)`, `ffree st0\n  ${op}`);
}
for (const op of ["fld dword [esi+40]", "fxtract", "fld st1", "fild word [esi+40]"]) {
  add(`${op} (stack full)`, `${Array(6).fill("fld st0").join("\n  ")}\n  ${op}`, op.includes("esi") ? (op.startsWith("fild") ? "m16i" : "m32") : "none");
}
// moves, constants and stack operations (condition codes and exact images)
for (const op of ["fxch st1", "fst st1", "fstp st1", "fld st1", "fld1", "fldz", "fldpi", "fldl2t", "fldl2e", "fldlg2", "fldln2",
  "fincstp", "fdecstp", "ffree st1", "fnop"]) add(op, op);
// FCMOVcc: EFLAGS (SF ZF AF PF CF) from the record byte at +36
for (const op of ["fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"]) add(`${op} st0, st1`, `mov ah, [esi+36]\n  sahf\n  ${op} st0, st1`);
for (const op of ["fsin", "fcos", "fsincos", "fptan", "fpatan", "f2xm1", "fyl2x", "fyl2xp1"]) add(op, op, "none", "trans");
export const TEMPLATES = T;

function templateBody(t: Template, i: number): string {
  const flags = t.eflags ? "\n  pushfd\n  pop eax\n  mov [ebx+124], eax" : "";
  // initial condition codes C0-C3 from the record (FNSTENV, OR, FLDENV), then the control word
  const cc = "  sub esp, 28\n  fnstenv [esp]\n  mov ax, [esi+34]\n  or [esp+4], ax\n  fldenv [esp]\n  add esp, 28\n";
  // the byte store first makes the output page writable in the TLB: stores to it then take compiled code's fast path
  return `t${i}:\n  fninit\n  mov byte [ebx+122], 0\n  fld tword [esi+16]\n  fld tword [esi]\n${cc}  fldcw [esi+32]\n  ${t.asm}${flags}\n  fnsave [ebx]\n  ret\n`;
}
const templatesAsm = () => T.map(templateBody).join("");

// ---- cases ----------------------------------------------------------------------------------------------------
export const REC = 64, OUT = 128;
export interface XCase { t: number; cw: number; a: bigint; b: bigint; mem: bigint; cc: number; flags: number; }

/** xorshift128+ on BigInt-free 32-bit halves: reproducible across platforms. */
export class Rng {
  private s: Uint32Array;
  constructor(seed: number) {
    this.s = new Uint32Array([seed ^ 0x9E3779B9, (seed * 0x85EBCA6B) ^ 0xC2B2AE35, 0x27D4EB2F ^ (seed >>> 3), 0x165667B1 + seed]);
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const s = this.s;
    let t = s[3];
    const x = s[0];
    s[3] = s[2]; s[2] = s[1]; s[1] = x;
    t ^= t << 11; t ^= t >>> 8;
    s[0] = (t ^ x ^ (x >>> 19)) >>> 0;
    return s[0];
  }
  int(n: number): number { return this.u32() % n; }
  u64(): bigint { return (BigInt(this.u32()) << 32n) | BigInt(this.u32()); }
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
}

const TOP = 1n << 63n, M64 = (1n << 64n) - 1n;
const img = (se: number, m: bigint) => (BigInt(se & 0xFFFF) << 64n) | (m & M64);

/** A significand with interesting bit patterns (ties and carries at the 24/53/64-bit rounding points). */
function sig(r: Rng): bigint {
  switch (r.int(8)) {
    case 0: return TOP | ((M64 >> BigInt(r.int(64))) & M64); // runs of ones
    case 1: return TOP | (r.u64() & ~((1n << BigInt(11 + r.int(30))) - 1n)); // short significands
    case 2: { const p = [40, 11, 0][r.int(3)]; return TOP | (r.u64() & ~((1n << BigInt(p)) - 1n)) | (1n << BigInt(Math.max(p - 1, 0))); } // ties
    case 3: return TOP | (1n << BigInt(r.int(63)));
    default: return TOP | r.u64();
  }
}

/** A random 80-bit image of any class. */
export function gen80(r: Rng, near?: bigint): bigint {
  const s = r.chance(0.5) ? 0x8000 : 0;
  if (near !== undefined && r.chance(0.3)) {
    // close to the other operand: cancellation and carries
    const se = Number(near >> 64n) & 0x7FFF;
    const m = near & M64;
    const d = r.int(4) === 0 ? r.int(130) - 65 : r.int(5) - 2;
    const e = Math.min(0x7FFE, Math.max(1, se + d));
    const delta = BigInt(r.int(5) - 2) << BigInt(r.int(4) === 0 ? r.int(64) : r.int(12));
    return img((r.chance(0.5) ? 0x8000 : 0) | e, (m + delta) | TOP);
  }
  const k = r.int(100);
  if (k < 40) return img(s | (0x3FFF + r.int(141) - 70), sig(r));
  if (k < 50) return img(s | (1 + r.int(0x7FFE)), sig(r));
  if (k < 58) return img(s | (r.chance(0.5) ? 1 + r.int(80) : 0x7FFE - r.int(80)), sig(r));
  if (k < 64) return img(s, 0n);
  if (k < 70) return img(s, sig(r) >> BigInt(1 + r.int(63))); // denormal
  if (k < 73) return img(s, sig(r)); // pseudo-denormal
  if (k < 77) return img(s | 0x7FFF, TOP); // infinity
  if (k < 82) return img(s | 0x7FFF, TOP | (1n << 62n) | (r.u64() >> BigInt(2 + r.int(62)))); // QNaN
  if (k < 87) { const p = (r.u64() >> BigInt(2 + r.int(62))) || 1n; return img(s | 0x7FFF, TOP | p); } // SNaN
  if (k < 91) return img(s | (1 + r.int(0x7FFE)), r.u64() >> BigInt(1 + r.int(63))); // unnormal
  if (k < 94) return img(s | 0x7FFF, r.u64() >> BigInt(1 + r.int(63))); // pseudo-NaN / pseudo-infinity
  if (k < 97) return img(s | (0x3FFF + r.int(64)), sig(r)); // integer range
  return img(s | 0x3FFF, TOP | BigInt(r.int(16)));
}

function genInt80(r: Rng): bigint {
  // values around integers: x.5 ties, large integers, out of range for m16/m32/m64/BCD
  const s = r.chance(0.5) ? 0x8000 : 0;
  const k = r.int(10);
  if (k < 3) return img(s | (0x3FFF + r.int(16)), sig(r));
  if (k < 6) return img(s | (0x3FFF + r.int(66)), sig(r));
  if (k < 7) return img(s | (0x3FFF - 1 - r.int(3)), sig(r));
  if (k < 8) return img(s | (0x3FFF + [15, 31, 63, 59][r.int(4)]), r.chance(0.5) ? TOP : sig(r));
  return gen80(r);
}

function genMem(r: Rng, kind: MemKind): bigint {
  const k = r.int(10);
  switch (kind) {
    case "m16i": return BigInt(k < 3 ? [0, 1, 0xFFFF, 0x8000, 0x7FFF][r.int(5)] : r.u32() & 0xFFFF);
    case "m32i": return BigInt(k < 3 ? [0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF][r.int(5)] : r.u32() >>> (r.int(32)));
    case "m64i": return k < 3 ? [0n, 1n, M64, TOP, TOP - 1n][r.int(5)] : r.u64() >> BigInt(r.int(64));
    case "m32": {
      const s = r.chance(0.5) ? 0x80000000 : 0;
      const f = r.u32() & 0x7FFFFF;
      const e = k < 5 ? 127 + r.int(40) - 20 : k < 6 ? 0 : k < 7 ? 0xFF : k < 8 ? [0, 1, 0xFE][r.int(3)] : r.int(256);
      return BigInt((s | (e << 23) | (k === 8 ? 0 : f)) >>> 0);
    }
    case "m64": {
      const s = r.chance(0.5) ? TOP : 0n;
      const f = r.u64() & ((1n << 52n) - 1n);
      const e = BigInt(k < 5 ? 1023 + r.int(80) - 40 : k < 6 ? 0 : k < 7 ? 0x7FF : k < 8 ? [0, 1, 0x7FE][r.int(3)] : r.int(2048));
      return s | (e << 52n) | (k === 8 ? 0n : f);
    }
    case "m80": return gen80(r);
    case "bcd": {
      let v = 0n;
      const digits = 1 + r.int(18);
      for (let i = 0; i < digits; i++) v |= BigInt(k === 0 ? r.int(16) : r.int(10)) << BigInt(4 * i);
      return v | (r.chance(0.5) ? 0x80n << 72n : 0n);
    }
    default: return 0n;
  }
}

/** Control word: precision 24/53/64 bits, any rounding, usually all exceptions masked. */
function genCW(r: Rng): number {
  const pc = [0, 2, 3, 3][r.int(4)];
  const rc = r.int(4);
  const masks = r.chance(0.6) ? 0x3F : r.int(64);
  return 0x40 | masks | (pc << 8) | (rc << 10);
}

/** Operands of the transcendentals: mostly inside the domain where the result is defined. */
function genTrans(r: Rng, name: string): [bigint, bigint] {
  const s = () => (r.chance(0.5) ? 0x8000 : 0);
  const special = r.chance(0.1);
  const any = () => gen80(r);
  // specials that leave no finite operand outside the domain (results there are undefined)
  const odd = () => { for (;;) { const v = gen80(r); const e = Number(v >> 64n) & 0x7FFF; if (e === 0 || e === 0x7FFF || (v & TOP) === 0n) return v; } };
  switch (name) {
    case "fsin": case "fcos": case "fsincos": case "fptan": {
      if (special) return [any(), any()];
      const e = r.chance(0.7) ? r.int(12) - 8 : r.chance(0.8) ? r.int(70) - 3 : -r.int(80);
      return [img(s() | (0x3FFF + e), sig(r)), any()];
    }
    case "f2xm1": { // -1 <= x <= 1
      if (special) return [r.chance(0.5) ? odd() : img(s() | 0x3FFF, TOP), any()];
      return [img(s() | (0x3FFE - (r.chance(0.8) ? r.int(8) : r.int(70))), sig(r)), any()];
    }
    case "fyl2x": {
      if (special) return [any(), any()];
      const x = r.chance(0.3) ? img(0x3FFE + r.int(2), r.chance(0.5) ? M64 - BigInt(r.int(1000)) : TOP + BigInt(r.int(1000))) : img(0x3FFF + r.int(200) - 100, sig(r));
      return [x, img(s() | (0x3FFF + r.int(40) - 20), sig(r))];
    }
    case "fyl2xp1": { // |x| < 1 - sqrt(2)/2
      if (special) return [odd(), any()];
      return [img(s() | (0x3FFC - (r.chance(0.8) ? r.int(10) : r.int(70))), sig(r)), img(s() | (0x3FFF + r.int(40) - 20), sig(r))];
    }
    default: { // fpatan: any quadrant, any ratio
      if (special) return [any(), any()];
      return [img(s() | (0x3FFF + r.int(60) - 30), sig(r)), img(s() | (0x3FFF + r.int(60) - 30), sig(r))];
    }
  }
}

export function generate(seed: number, count: number, kinds: Template["kind"][] = ["arith", "int"]): XCase[] {
  const r = new Rng(seed);
  const ids = T.map((_, i) => i).filter(i => kinds.includes(T[i].kind));
  const out: XCase[] = [];
  for (let n = 0; n < count; n++) {
    const t = ids[r.int(ids.length)];
    const tp = T[t];
    let a: bigint, b: bigint;
    if (tp.kind === "trans") [a, b] = genTrans(r, tp.name);
    else if (tp.kind === "arith" && r.chance(0.2)) {
      // both operands near the ends of the exponent range: overflow and underflow of products and quotients
      const ext = () => img((r.chance(0.5) ? 0x8000 : 0) | (r.chance(0.5) ? 1 + r.int(40) : 0x7FFE - r.int(40)), sig(r));
      a = ext(); b = r.chance(0.8) ? ext() : img(r.chance(0.5) ? 0x3FFF + r.int(80) : 0x3FFF - r.int(80), sig(r));
    } else { a = tp.kind === "int" ? genInt80(r) : gen80(r); b = gen80(r, a); }
    const cc = r.chance(0.5) ? 0 : [0x0100, 0x0200, 0x0400, 0x4000][r.int(4)] | (r.chance(0.5) ? 0x4700 & (r.u32() & 0xFFFF) : 0);
    out.push({ t, cw: genCW(r), a, b, mem: tp.mem === "m80" ? gen80(r, a) : genMem(r, tp.mem), cc, flags: r.u32() & 0xD5 });
  }
  return out;
}

function record(c: XCase): Uint8Array {
  const b = new Uint8Array(REC);
  const dv = new DataView(b.buffer);
  const put80 = (off: number, v: bigint) => { dv.setBigUint64(off, v & M64, true); dv.setUint16(off + 8, Number(v >> 64n) & 0xFFFF, true); };
  put80(0, c.a); put80(16, c.b);
  dv.setUint16(32, c.cw, true);
  dv.setUint16(34, c.cc, true);
  dv.setUint8(36, c.flags);
  put80(40, c.mem);
  dv.setUint32(56, c.t, true);
  return b;
}

// ---- native side ------------------------------------------------------------------------------------------------
let nativeBin: { dir: string; exe: string } | undefined;
function buildNative(): string {
  if (nativeBin) return nativeBin.exe;
  const dir = mkdtempSync(join(tmpdir(), "webpc-x87-"));
  const asm = `bits 32\nsection .text\nglobal run_case\nrun_case:\n  push ebx\n  push esi\n  push edi\n  push ebp\n  mov eax, [esp+20]\n  mov esi, [esp+24]\n  mov ebx, [esp+28]\n  call [table + eax*4]\n  fninit\n  pop ebp\n  pop edi\n  pop esi\n  pop ebx\n  ret\n${templatesAsm()}\nsection .data\ntable:\n${T.map((_, i) => `  dd t${i}`).join("\n")}\n`;
  const c = `#include <stdio.h>\n#include <string.h>\nvoid run_case(int, const unsigned char *, unsigned char *);\n` +
    `int main(int argc, char **argv) { static unsigned char rec[${REC}], out[${OUT}];\n FILE *in = fopen(argv[1], "rb"), *o = fopen(argv[2], "wb");\n` +
    ` while (fread(rec, ${REC}, 1, in) == 1) { int t; memcpy(&t, rec + 56, 4); memset(out, 0xCC, sizeof out); run_case(t, rec, out); fwrite(out, ${OUT}, 1, o); }\n fclose(o); return 0; }\n`;
  writeFileSync(join(dir, "t.asm"), asm);
  writeFileSync(join(dir, "main.c"), c);
  execFileSync("nasm", ["-f", "elf32", "-o", join(dir, "t.o"), join(dir, "t.asm")], { stdio: ["ignore", "pipe", "pipe"] });
  execFileSync("i686-linux-gnu-gcc", ["-static", "-no-pie", "-O1", "-o", join(dir, "run"), join(dir, "main.c"), join(dir, "t.o")], { stdio: ["ignore", "pipe", "pipe"] });
  nativeBin = { dir, exe: join(dir, "run") };
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return nativeBin.exe;
}

export function runNativeCases(cases: XCase[]): Uint8Array[] {
  const exe = buildNative();
  const dir = nativeBin!.dir;
  const input = new Uint8Array(cases.length * REC);
  cases.forEach((c, i) => input.set(record(c), i * REC));
  writeFileSync(join(dir, "in.bin"), input);
  execFileSync(exe, [join(dir, "in.bin"), join(dir, "out.bin")]);
  const out = readFileSync(join(dir, "out.bin"));
  return cases.map((_, i) => new Uint8Array(out.subarray(i * OUT, (i + 1) * OUT)));
}

// ---- emulator side ----------------------------------------------------------------------------------------------
const CODE = 0x100000, IN = 0x80000, OUTA = 0x81000, STACK = 0x90000;
let image: Uint8Array | undefined;
function emuImage(): Uint8Array {
  if (!image) {
    const entries = T.map((_, i) => `e${i}:\n  call t${i}\n  mov al, 0\n  out 0xF4, al\n  hlt\n`).join("");
    image = assemble(`bits 32\norg ${CODE}\ntable:\n${T.map((_, i) => `  dd e${i}`).join("\n")}\n${entries}${templatesAsm()}`);
  }
  return image;
}

export function runEmuCases(c: Core, cases: XCase[]): Uint8Array[] {
  const img = emuImage();
  c.writePhys(CODE, img);
  const dv = new DataView(img.buffer, img.byteOffset);
  return cases.map(cs => {
    c.enterFlatProtectedMode();
    c.setReg("esp", STACK);
    c.setReg("esi", IN);
    c.setReg("ebx", OUTA);
    c.writePhys(IN, record(cs));
    c.writePhys(OUTA, new Uint8Array(OUT).fill(0xCC));
    c.eip = dv.getUint32(cs.t * 4, true);
    const exit = c.run(10_000);
    const r = c.readPhys(OUTA, OUT);
    if (exit !== Exit.DEBUG_EXIT) r.fill(0xEE);
    return r;
  });
}

// ---- comparison ---------------------------------------------------------------------------------------------------
const hex = (v: bigint | number, w: number) => v.toString(16).toUpperCase().padStart(w, "0");
function reg80(b: Uint8Array, off: number): bigint {
  const dv = new DataView(b.buffer, b.byteOffset);
  return (BigInt(dv.getUint16(off + 8, true)) << 64n) | dv.getBigUint64(off, true);
}
/** Distance in units of the last place of two finite 80-bit images of the same sign (large otherwise). */
export function ulpDistance(a: bigint, b: bigint): number {
  const sa = a >> 79n, sb = b >> 79n;
  const ea = (a >> 64n) & 0x7FFFn, eb = (b >> 64n) & 0x7FFFn;
  if (sa !== sb || ea === 0x7FFFn || eb === 0x7FFFn) return Infinity;
  // ordinal of a normal or denormal: exponent * 2^63 + (significand - 2^63 for normals)
  const ord = (e: bigint, m: bigint) => (e === 0n ? m : e * TOP + (m - TOP));
  const d = ord(ea, a & M64) - ord(eb, b & M64);
  return Number(d < 0n ? -d : d);
}
export const fmt80 = (v: bigint) => `${hex(v >> 64n, 4)}:${hex(v & M64, 16)}`;

/**
 * Differences between emulator and host results. Compared: control word, status word (all bits: C0-C3, TOP,
 * ES, SF, the exception flags), tag word, every non-empty register (full 80-bit image; an empty register's
 * contents are not architectural), the memory result area and, for FCOMI-type templates, ZF PF CF (and
 * OF SF AF, which they clear). Not compared: FIP/FCS/FOP/FDP/FDS (bytes 12-27 of the FNSAVE image: the host
 * zeroes FOP and AMD/Intel differ in when FIP/FDP are updated).
 * Vendor masks: FRNDINT's C1 (AMD leaves C1 = 0 when it rounds up; Intel documents C1 = "rounded up"); the
 * partial remainder of FPREM/FPREM1 (implementation-dependent reduction).
 */
export function diffCase(c: XCase, emu: Uint8Array, nat: Uint8Array): string[] {
  const d: string[] = [];
  const dvE = new DataView(emu.buffer, emu.byteOffset), dvN = new DataView(nat.buffer, nat.byteOffset);
  if (emu[0] === 0xEE && emu[1] === 0xEE) return ["emulator did not reach the end of the case"];
  const tp = T[c.t];
  let swMask = 0xFFFF;
  if (tp.name === "frndint") swMask &= ~0x0200;
  // FCOMI/FUCOMI(P): the SDM says C1 = 0; the AMD host leaves C1 unchanged (the emulator follows the SDM)
  if (tp.eflags) swMask &= ~0x0200;
  // condition codes the SDM leaves undefined: FFREE all four, FCMOVcc all four unless a stack underflow
  if (tp.name === "ffree st1" || tp.name.startsWith("fcmov")) swMask &= ~0x4700;
  // transcendentals: results within 1 ulp of the host (the last bit is implementation-specific: AMD and Intel
  // differ, and neither is always correctly rounded), so C1 ("rounded up") is not compared either
  const trans = tp.kind === "trans";
  if (trans) swMask &= ~0x0200;
  // Unmasked exceptions (the host's SW has the flag and the CW leaves it unmasked): the SDM does not define
  // the condition codes of a suppressed instruction (the AMD host clears C1, and sets the compare result /
  // EFLAGS where Intel documents them as "not set"), so C0-C3 and EFLAGS are not compared then. Results the
  // SDM leaves to the implementation are not compared either: FLD m32/m64 of a denormal with DE unmasked
  // (AMD loads it) and FSCALE with unmasked overflow/underflow (AMD gives infinity/zero beyond the
  // 24576 bias adjustment).
  const natSW = dvN.getUint16(4, true);
  // FPREM/FPREM1 with an exponent difference of 64 or more compute a partial remainder (C2 = 1) reduced by an
  // "implementation-dependent number between 32 and 63" (SDM Vol. 2A FPREM): the value and C0/C1/C3 may differ
  // between vendors, so only C2 is compared then (the emulator reduces as the AMD host does)
  const partialRemainder = (tp.name === "fprem" || tp.name === "fprem1") && (natSW & 0x0400) !== 0;
  if (partialRemainder) swMask &= ~0x4300;
  const unmasked = natSW & ~c.cw & 0x3F;
  let skipRegs = false, skipFlags = false;
  if (unmasked & 0x07) { swMask &= ~0x4700; skipFlags = true; } // IE, DE, ZE
  if ((unmasked & 0x18) && (tp.asm.includes("[ebx+112]") || tp.name === "fscale")) swMask &= ~0x4700; // OE, UE on stores
  if ((tp.name === "fld m32" || tp.name === "fld m64") && (unmasked & 0x02)) { swMask &= ~0x3F00; skipRegs = true; }
  if (tp.name === "fscale" && (unmasked & 0x18)) skipRegs = true;
  const w = (name: string, off: number, mask: number) => {
    const e = dvE.getUint16(off, true) & mask, n = dvN.getUint16(off, true) & mask;
    if (e !== n) d.push(`${name}: emulator ${hex(e, 4)} host ${hex(n, 4)}`);
  };
  w("CW", 0, 0xFFFF); w("SW", 4, swMask);
  if (!skipRegs) w("TW", 8, 0xFFFF);
  const tw = dvN.getUint16(8, true), top = (dvN.getUint16(4, true) >> 11) & 7;
  for (let i = 0; i < 8 && !skipRegs; i++) {
    if (((tw >> (((top + i) & 7) * 2)) & 3) === 3) continue;
    if (partialRemainder && i === 0) continue;
    const e = reg80(emu, 28 + i * 10), n = reg80(nat, 28 + i * 10);
    if (e !== n && !(trans && ulpDistance(e, n) <= 1)) d.push(`ST(${i}): emulator ${fmt80(e)} host ${fmt80(n)}`);
  }
  for (let k = 112; k < 122; k++) if (emu[k] !== nat[k]) {
    d.push(`memory: emulator ${Array.from(emu.slice(112, 122), x => hex(x, 2)).join(" ")} host ${Array.from(nat.slice(112, 122), x => hex(x, 2)).join(" ")}`);
    break;
  }
  if (tp.eflags && !skipFlags) {
    const e = dvE.getUint32(124, true) & 0x8D5, n = dvN.getUint32(124, true) & 0x8D5;
    if (e !== n) d.push(`EFLAGS & 8D5h: emulator ${hex(e, 3)} host ${hex(n, 3)}`);
  }
  return d;
}

export function describe(c: XCase): string {
  const tp = T[c.t];
  const bytes = Array.from(assemble(`bits 32\n${tp.asm}\n`), x => hex(x, 2)).join(" ");
  const memW = { none: 0, m16i: 4, m32i: 8, m64i: 16, m32: 8, m64: 16, m80: 20, bcd: 20 }[tp.mem];
  return `${tp.name}  CW=${hex(c.cw, 4)} C=${hex(c.cc, 4)} AH=${hex(c.flags, 2)} ST0=${fmt80(c.a)} ST1=${fmt80(c.b)}` + (memW ? ` mem=${hex(c.mem, memW)}` : "") +
    `\n      instruction bytes: ${bytes}\n      record: ${Array.from(record(c), x => hex(x, 2)).join("")}`;
}
