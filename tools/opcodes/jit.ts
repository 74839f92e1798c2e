// Which rows of the opcode table the JIT compiles inline (assembly/jit/emit.ts), and the per-handler word the
// generator writes for it (assembly/cpu/generated/jit_tables.ts). Every other row is compiled as a call to its
// interpreter handler, so the JIT covers every instruction; a row gets an inline emitter only here.
import { Form, concreteImpl } from "./expand.ts";

/** Inline kinds: the impl function's name -> kind number (assembly/jit/emit.ts K_*). 0 = call the handler. */
export const JIT_KINDS: Record<string, number> = {
  mov_EG: 1, mov_GE: 2, mov_EI: 3, mov_ZI: 4, lea: 5,
  alu_EG: 6, alu_GE: 7, alu_AI: 8, alu_EI: 9,
  test_EG: 10, test_AI: 11, test_EI: 12,
  inc_Z: 13, dec_Z: 14,
  jcc: 15, jmp_J: 16,
  movzx: 17, movsx: 18,
  nop: 19,
  push_Z: 20, pop_Z: 21, push_I: 22, call_J: 23, ret_near: 24,
  shift_E: 25, imul_GEI: 26, imul_GE: 27,
  cmov: 28, setcc: 29, incdec_E: 30, not_E: 31,
  // x87 register forms (assembly/jit/x87.ts); their arguments are in the x87 word below
  fldReg: 32, fxch: 33, fstReg: 34, fArithReg: 35, fcomReg: 36, fldConst: 37,
  // x87 memory forms: FLD/FILD m, FST/FSTP m32/m64, arithmetic and FCOM(P) with m32/m64/m16int/m32int
  fldMem: 38, fild64: 38, fstMem: 39, fArithMem: 40,
  // MUL/IMUL/DIV/IDIV EDX:EAX forms (32-bit forms inline: jit/emit.ts emitMulDiv)
  mul_E: 41, div_E: 42, imul_E: 43, idiv_E: 44,
  // JMP r/m (an indirect jump: a switch's dispatch; jit/emit.ts emitJmpE)
  jmp_E: 45,
};
/** The x87 kinds (x87Word) */
const X87_FIRST = 32, X87_LAST = 40;

/** Memory operand types of x87 forms (x87Word bits 20-22) */
const X87_TYPES: Record<string, number> = { f32: 1, f64: 2, i16: 3, i32: 4, i64: 5 };

// Arithmetic flag bits in JIT words (letters of the table's fr=/fw=/fu=): CF PF AF ZF SF OF
const FLAG_LETTERS = "cpazso";
function flagBits(attrs: Set<string>, keys: string[]): number {
  let bits = 0;
  for (const a of attrs) {
    const eq = a.indexOf("=");
    if (eq < 0 || !keys.includes(a.slice(0, eq))) continue;
    for (const ch of a.slice(eq + 1)) { const i = FLAG_LETTERS.indexOf(ch); if (i >= 0) bits |= 1 << i; }
  }
  return bits;
}

/**
 * The JIT word of one handler: bits 0-7 kind, 8-9 operand size (0: 8, 1: 16, 2: 32 bits), 10-11 source size of
 * MOVZX/MOVSX, 12 memory form, 13-16 the impl's first numeric argument (ALU operation, condition code),
 * 17-22 arithmetic flags read, 23-28 arithmetic flags written (fw= and fu=), 29-30 the second numeric argument
 * (the count kind of shifts), 31 the row ends a block ("end": a control transfer or a mode change).
 */
export function jitWord(f: Form, osize: 16 | 32, mem: boolean): number {
  const call = concreteImpl(f, osize, mem);
  const m = /^(\w+)(?:<([^>]*)>)?\(p(?:,\s*([^)]*))?\)$/.exec(call);
  if (!m) return 0;
  const kind = JIT_KINDS[m[1]] ?? 0;
  const size = f.byteOp ? 0 : osize === 16 ? 1 : 2;
  const generics = (m[2] ?? "").split(",").map(s => s.trim());
  const src = generics[1] === "u8" ? 0 : generics[1] === "u16" ? 1 : 2;
  const nums = (m[3] ?? "").split(",").map(x => x.trim()).filter(x => /^\d+$/.test(x)).map(Number);
  // INC/DEC Ev say which by a boolean (incdec_E(p, true) is DEC): 1 for true
  const arg = (m[1] === "incdec_E" ? (/\btrue\b/.test(m[3] ?? "") ? 1 : 0) : (nums[0] ?? 0)) & 15, arg2 = (nums[1] ?? 0) & 3;
  const read = flagBits(f.attrs, ["fr"]);
  const written = flagBits(f.attrs, ["fw", "fu"]);
  return (kind | size << 8 | src << 10 | (mem ? 1 << 12 : 0) | arg << 13 | read << 17 | written << 23 | arg2 << 29 | (f.attrs.has("end") ? 1 << 31 : 0)) >>> 0;
}

/**
 * The x87 word of one handler (0 unless its kind is an x87 one): the arguments of its impl after `p`. Bits 0-10
 * the FOP it stores (fopHi, completed with 0xC0 | ModRM.rm, or the whole FOP of an exact row), bits 12-15 its
 * boolean arguments in order, bits 16-19 its first numeric argument after the FOP, bits 20-22 the type of its
 * memory operand (1 f32, 2 f64, 3 i16, 4 i32, 5 i64).
 */
export function x87Word(f: Form, osize: 16 | 32, mem: boolean): number {
  const call = concreteImpl(f, osize, mem);
  const m = /^(\w+)(?:<(\w+)>)?\(p,\s*(0x[0-9A-Fa-f]+)((?:,\s*\w+)*)\)$/.exec(call);
  const kind = m ? JIT_KINDS[m[1]] ?? 0 : 0;
  if (!m || kind < X87_FIRST || kind > X87_LAST) return 0;
  const type = m[1] === "fild64" ? X87_TYPES.i64 : X87_TYPES[m[2] ?? ""] ?? 0;
  const args = m[4].split(",").map(s => s.trim()).filter(s => s !== "");
  let bools = 0, nb = 0, num = -1;
  for (const a of args) {
    if (a === "true" || a === "false") { if (a === "true") bools |= 1 << nb; nb++; }
    else if (/^\d+$/.test(a) && num < 0) num = Number(a);
  }
  return (parseInt(m[3], 16) & 0x7FF) | (bools & 15) << 12 | (Math.max(num, 0) & 15) << 16 | type << 20;
}
