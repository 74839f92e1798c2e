// Inline code for the x87 register forms (rows tools/opcodes/jit.ts names): FLD ST(i), FLD1/FLDZ/FLDPI/...,
// FXCH, FST/FSTP ST(i), FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR (ST,ST(i) / ST(i),ST / pop), FCOM/FUCOM(P)(P) and
// FCOMI/FUCOMI(P). Each does what its handler in cpu/fpu/ops.ts does, in the common case only:
//   - the FPU usable and nothing pending (CR0.EM = TS = 0, SW.ES = 0), every operand register non-empty and,
//     for a push, ST(7) empty; arithmetic and compares also need every exception masked, arithmetic the
//     FNINIT precision and rounding (64 bits, nearest). Otherwise the handler runs (stack faults, #NM, #MF,
//     unusual control words), so those cases are the interpreter's by construction.
//   - the values stay in memory (FPU_RAW, physical order); TOP, the tag word and the status word live in locals
//     (L_FTOP, L_FTAG, L_FSW) from a member's first x87 instruction to its end or the next handler call, and
//     so do the last instruction pointer and opcode (FIP/FCS/FOP: stored once, for the last x87 instruction).
//   - ADD, SUB, SUBR and MUL of normal numbers are computed inline (emitArith: the emitted twin of ext80.ts
//     fastArith, 20% faster on the Mandelbrot kernel than calling it); anything else, DIV and compares call
//     cpu/fpu/fast.ts.
// Handler calls see memory: jit/emit.ts stores the locals before every handler (x87Spill) and forgets them after.
import {
  FPU_RAW, FPU_TOP, FPU_TAG, FPU_SW, FPU_CW, FPU_FIP, FPU_FCS, FPU_FOP, FPU_FDP, FPU_FDS, FPU_SCRATCH, CR0, SEG_SEL, EFLAGS,
  LF_MASK, I_RM, I_SIB,
} from "../layout";
import { CS, CR0_EM, CR0_TS, F_ARITH } from "../cpu/state";
import * as w from "./wasm";
import { FN_X87_ARITH, FN_X87_COMPARE } from "./module";
import {
  open, close, emitEipValue, emitX87SlowPath as emitSlowPath, flagsKnownEflags, memFormBegin, memFormEnd, L_T, L_V, L_W, L_R,
  L_EA, L_HOST,
} from "./emit";
import { modrmLowBits } from "../cpu/fpu/fpu";

// Inline kinds (tools/opcodes/jit.ts JIT_KINDS)
export const K_FLD_STI: u32 = 32, K_FXCH: u32 = 33, K_FST_STI: u32 = 34, K_FARITH: u32 = 35, K_FCOM: u32 = 36,
  K_FLD_CONST: u32 = 37, K_FLD_MEM: u32 = 38, K_FST_MEM: u32 = 39, K_FARITH_MEM: u32 = 40;
// memory operand types (x87 word bits 20-22)
const T_F32: u32 = 1, T_F64: u32 = 2, T_I16: u32 = 3, T_I32: u32 = 4, T_I64: u32 = 5;
const TOP_BIT: i64 = <i64>0x8000_0000_0000_0000;

// Locals (module.ts: i32 locals 26-31, i64 local 34)
const L_FTOP: u32 = 26; // TOP (0-7)
const L_FTAG: u32 = 27; // the tag word, 2 bits per physical register (3 empty)
const L_FSW: u32 = 28; // the status word without TOP
const L_FOK: u32 = 29; // what the inline code may do now: OK_USABLE | OK_MASKED | OK_ROUNDING
const L_FA: u32 = 30; // byte offsets of operand registers in FPU_RAW
const L_FB: u32 = 31;
const L_M: u32 = 34; // i64 scratch
// the inline arithmetic's (emitArith; module.ts declares them)
const X_PA: u32 = 35, X_PB: u32 = 36, X_PD: u32 = 37; // addresses of the operands' and the result's images
const X_EA: u32 = 38, X_EB: u32 = 39, X_E: u32 = 40, X_SA: u32 = 41, X_SB: u32 = 42; // exponents, signs
const X_A: u32 = 43, X_B: u32 = 44, X_H: u32 = 45, X_L: u32 = 46, X_T1: u32 = 47, X_T2: u32 = 48; // i64

const OK_USABLE: u32 = 1; // CR0.EM = TS = 0 and no unmasked exception pending (ES = 0)
const OK_MASKED: u32 = 2; // every exception masked (CW bits 0-5)
const OK_ROUNDING: u32 = 4; // 64-bit precision, round to nearest (CW bits 8-11 = 0011b)

const SW_ES: u32 = 0x80;
const SW_C0: u32 = 0x100, SW_C1: u32 = 0x200, SW_C2: u32 = 0x400, SW_C3: u32 = 0x4000;
const SW_COND: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;

/** The handler's x87 word (the FOP and the impl's arguments: tools/opcodes/jit.ts x87Word). */
let xWord: u32 = 0;

// ---- what the emitted code holds, at compile time ------------------------------------------------------------
let loaded = false; // L_FTOP, L_FTAG, L_FSW, L_FOK hold TOP, the tag word, the status word and the guard
let dirty = false; // the locals may be newer than memory
let fipPending = false; // FIP/FCS/FOP of the last x87 instruction are still to be stored
let fipOff: u32 = 0;
let fipMask: u32 = 0;
let fipFop: u32 = 0;

/** At the start of a member: nothing loaded (it may be entered from anywhere). */
export function x87Reset(): void { loaded = false; dirty = false; fipPending = false; }

/** Before a handler or leaving the member: memory up to date (the locals stay valid). */
export function x87Spill(): void {
  if (dirty) {
    w.i32c(0); w.get(L_FTOP); w.memOp(w.OP_I32_STORE, 2, FPU_TOP);
    w.i32c(0); w.get(L_FTAG); w.memOp(w.OP_I32_STORE, 2, FPU_TAG);
    w.i32c(0); w.get(L_FSW); w.memOp(w.OP_I32_STORE, 2, FPU_SW);
    dirty = false;
  }
  if (fipPending) {
    w.i32c(0); emitEipValue(fipOff, fipMask); w.memOp(w.OP_I32_STORE, 2, FPU_FIP);
    w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_SEL + (<u32>CS << 2)); w.memOp(w.OP_I32_STORE, 2, FPU_FCS);
    w.i32c(0); w.i32c(fipFop); w.memOp(w.OP_I32_STORE, 2, FPU_FOP);
    fipPending = false;
  }
}

/** After a handler ran: it may have changed anything, the locals are read again when next needed. */
export function x87Forget(): void { loaded = false; dirty = false; fipPending = false; }

/** The compile-time state, to restore after a slow path (which stores, runs the handler, and reloads). */
export function x87State(): u32 { return (loaded ? 1 : 0) | (dirty ? 2 : 0) | (fipPending ? 4 : 0); }
export function x87AfterSlowPath(s: u32): void {
  if ((s & 1) != 0) emitLoad();
  loaded = (s & 1) != 0; dirty = (s & 2) != 0; fipPending = (s & 4) != 0;
}

/** The locals from memory, and the guard. */
function emitLoad(): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, FPU_TOP); w.i32c(7); w.op(w.OP_I32_AND); w.set(L_FTOP);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, FPU_TAG); w.set(L_FTAG);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, FPU_SW); w.set(L_FSW);
  // L_FOK = usable ? OK_USABLE | masked << 1 | rounding << 2 : 0
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, FPU_CW); w.set(L_T);
  w.get(L_T); w.i32c(0x3F); w.op(w.OP_I32_AND); w.i32c(0x3F); w.op(w.OP_I32_EQ); w.i32c(1); w.op(w.OP_I32_SHL);
  w.get(L_T); w.i32c(0xF00); w.op(w.OP_I32_AND); w.i32c(0x300); w.op(w.OP_I32_EQ); w.i32c(2); w.op(w.OP_I32_SHL);
  w.op(w.OP_I32_OR); w.i32c(OK_USABLE); w.op(w.OP_I32_OR);
  w.i32c(0);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, CR0); w.i32c(CR0_EM | CR0_TS); w.op(w.OP_I32_AND);
  w.get(L_FSW); w.i32c(SW_ES); w.op(w.OP_I32_AND); w.op(w.OP_I32_OR);
  w.op(w.OP_I32_EQZ); w.op(w.OP_I32_SUB); // 0 - usable: all ones or zero
  w.op(w.OP_I32_AND); w.set(L_FOK);
}

// ---- pieces --------------------------------------------------------------------------------------------------
/** The physical register of ST(i), on the stack. */
function phys(i: u32): void {
  w.get(L_FTOP);
  if (i != 0) { w.i32c(i); w.op(w.OP_I32_ADD); w.i32c(7); w.op(w.OP_I32_AND); }
}
/** The address of ST(i)'s image, on the stack. */
function addr(i: u32): void { phys(i); w.i32c(4); w.op(w.OP_I32_SHL); w.i32c(FPU_RAW); w.op(w.OP_I32_ADD); }
/** Its byte offset in FPU_RAW into local `l`. */
function slotOf(i: u32, l: u32): void { phys(i); w.i32c(4); w.op(w.OP_I32_SHL); w.set(l); }
/** 1 if ST(i) is empty (tag 3; RESET leaves 1, "zero", in every tag), on the stack. */
function empty(i: u32): void {
  w.get(L_FTAG); phys(i); w.i32c(1); w.op(w.OP_I32_SHL); w.op(w.OP_I32_SHR_U); w.i32c(3); w.op(w.OP_I32_AND);
  w.i32c(3); w.op(w.OP_I32_EQ);
}
/** The guard `need` (OK_* bits) holds, on the stack. */
function guard(need: u32): void {
  w.get(L_FOK); w.i32c(need); w.op(w.OP_I32_AND); w.i32c(need); w.op(w.OP_I32_EQ);
}
/** Copy the register at offset local `from` to the one at `to`. */
function copy(from: u32, to: u32): void {
  w.get(to); w.get(from); w.memOp(w.OP_I64_LOAD, 3, FPU_RAW); w.memOp(w.OP_I64_STORE, 3, FPU_RAW);
  w.get(to); w.get(from); w.memOp(w.OP_I32_LOAD16_U, 1, FPU_RAW + 8); w.memOp(w.OP_I32_STORE16, 1, FPU_RAW + 8);
}
/** The tag of physical register TOP: valid (0), or empty (3). */
function tagTop(setEmpty: bool): void {
  w.get(L_FTAG);
  w.i32c(3); w.get(L_FTOP); w.i32c(1); w.op(w.OP_I32_SHL); w.op(w.OP_I32_SHL);
  if (setEmpty) w.op(w.OP_I32_OR);
  else { w.i32c(-1); w.op(w.OP_I32_XOR); w.op(w.OP_I32_AND); }
  w.set(L_FTAG);
}
/** ST(i)'s tag: valid (as fpu.ts stSetRaw sets it). */
function tagValid(i: u32): void {
  w.get(L_FTAG); w.i32c(3); phys(i); w.i32c(1); w.op(w.OP_I32_SHL); w.op(w.OP_I32_SHL);
  w.i32c(-1); w.op(w.OP_I32_XOR); w.op(w.OP_I32_AND); w.set(L_FTAG);
}
/** TOP - 1 (a push) or TOP + 1 (a pop, marking the old top empty first). */
function push(): void { w.get(L_FTOP); w.i32c(7); w.op(w.OP_I32_ADD); w.i32c(7); w.op(w.OP_I32_AND); w.set(L_FTOP); }
function pop(): void {
  tagTop(true);
  w.get(L_FTOP); w.i32c(1); w.op(w.OP_I32_ADD); w.i32c(7); w.op(w.OP_I32_AND); w.set(L_FTOP);
}
/** L_FSW = L_FSW without C1 | local `l` (the exception flags and C1 an instruction sets: fast.ts, emitStoreReal) */
function swMerge(l: u32 = L_V): void { w.get(L_FSW); w.i32c(~SW_C1); w.op(w.OP_I32_AND); w.get(l); w.op(w.OP_I32_OR); w.set(L_FSW); }
/** L_FSW &= ~bits */
function swClear(bits: u32): void { w.get(L_FSW); w.i32c(~bits); w.op(w.OP_I32_AND); w.set(L_FSW); }

// 64-bit significands and exponents of FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ rounded to nearest
// (ops.ts loadConstant)
const CONST_M: StaticArray<u64> = [0x8000_0000_0000_0000, 0xD49A_784B_CD1B_8AFE, 0xB8AA_3B29_5C17_F0BC,
  0xC90F_DAA2_2168_C235, 0x9A20_9A84_FBCF_F799, 0xB172_17F7_D1CF_79AC, 0];
const CONST_E: StaticArray<u32> = [0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0];

// ---- the emitter -----------------------------------------------------------------------------------------------
/** Is this an x87 kind? */
export function isX87Kind(kind: u32): bool { return kind >= K_FLD_STI && kind <= K_FARITH_MEM; }

/**
 * Emit x87 instruction `i` (record `p`, inline kind `kind`, its handler's x87 word) at block offset `off`:
 * the common case inline, else its handler. False if it must simply be a handler call.
 */
export function emitX87(p: u32, kind: u32, x87word: u32, i: u32, off: u32, next: u32, ipMask: u32): bool {
  xWord = x87word;
  if (kind >= K_FLD_MEM) return emitX87Mem(p, kind, i, off, next, ipMask);
  const st = <u32>load<u8>(p, I_RM) >> 2; // ModRM.rm: ST(st)
  const bools = (xWord >> 12) & 15, num = (xWord >> 16) & 15;
  const fop = kind == K_FLD_CONST ? xWord & 0x7FF : (xWord & 0x7F8) | 0xC0 | st;
  if (!loaded) { emitLoad(); loaded = true; }
  const saved = x87State();
  open(); // $done
  open(); // $slow
  // the fast path's conditions; any false: the handler
  let need = OK_USABLE;
  if (kind == K_FARITH) need = OK_USABLE | OK_MASKED | OK_ROUNDING;
  else if (kind == K_FCOM) need = OK_USABLE | OK_MASKED;
  else if (kind == K_FLD_CONST && num >= 1 && num <= 5) need = OK_USABLE | OK_ROUNDING; // their last bit follows RC
  guard(need);
  if (kind != K_FLD_CONST) { empty(kind == K_FLD_STI ? st : 0); w.op(w.OP_I32_EQZ); w.op(w.OP_I32_AND); }
  if (kind == K_FXCH || kind == K_FARITH || kind == K_FCOM) { empty(st); w.op(w.OP_I32_EQZ); w.op(w.OP_I32_AND); }
  if (kind == K_FLD_STI || kind == K_FLD_CONST) { empty(7); w.op(w.OP_I32_AND); }
  w.op(w.OP_I32_EQZ); w.brIf(0);
  let setsFlags = false;
  switch (kind) {
    case K_FLD_STI:
      slotOf(st, L_FA); push(); slotOf(0, L_FB); copy(L_FA, L_FB); tagTop(false); swClear(SW_C1);
      break;
    case K_FLD_CONST: {
      const k = num < 7 ? num : 6;
      push(); slotOf(0, L_FB);
      w.get(L_FB); w.i64c(<i64>unchecked(CONST_M[k])); w.memOp(w.OP_I64_STORE, 3, FPU_RAW);
      w.get(L_FB); w.i32c(unchecked(CONST_E[k])); w.memOp(w.OP_I32_STORE16, 1, FPU_RAW + 8);
      tagTop(false); swClear(SW_C1);
      break;
    }
    case K_FXCH:
      slotOf(0, L_FA); slotOf(st, L_FB);
      w.get(L_FA); w.memOp(w.OP_I64_LOAD, 3, FPU_RAW); w.set(L_W);
      w.get(L_FA); w.memOp(w.OP_I32_LOAD16_U, 1, FPU_RAW + 8); w.set(L_T);
      copy(L_FB, L_FA);
      w.get(L_FB); w.get(L_W); w.memOp(w.OP_I64_STORE, 3, FPU_RAW);
      w.get(L_FB); w.get(L_T); w.memOp(w.OP_I32_STORE16, 1, FPU_RAW + 8);
      // the tags go with the values (non-empty, but not always "valid": RESET tags every register "zero")
      w.get(L_FA); w.i32c(3); w.op(w.OP_I32_SHR_U); w.set(L_FA); // bit positions of the two tags
      w.get(L_FB); w.i32c(3); w.op(w.OP_I32_SHR_U); w.set(L_FB);
      w.get(L_FTAG); w.get(L_FA); w.op(w.OP_I32_SHR_U); w.get(L_FTAG); w.get(L_FB); w.op(w.OP_I32_SHR_U);
      w.op(w.OP_I32_XOR); w.i32c(3); w.op(w.OP_I32_AND); w.set(L_T); // tagA ^ tagB
      w.get(L_FTAG);
      w.get(L_T); w.get(L_FA); w.op(w.OP_I32_SHL); w.get(L_T); w.get(L_FB); w.op(w.OP_I32_SHL); w.op(w.OP_I32_OR);
      w.op(w.OP_I32_XOR); w.set(L_FTAG);
      swClear(SW_C1);
      break;
    case K_FST_STI: {
      slotOf(0, L_FA); slotOf(st, L_FB); copy(L_FA, L_FB);
      tagValid(st);
      swClear(SW_C1);
      if ((bools & 1) != 0) pop();
      break;
    }
    case K_FARITH: {
      // ST(dest) = ST(0) op ST(i), dest = ST(i) for the DC/DE forms (toSti), then a pop for DE
      addr(0); w.set(X_PA); addr(st); w.set(X_PB); addr((bools & 1) != 0 ? st : 0); w.set(X_PD);
      emitArith(num, false);
      swMerge();
      tagValid((bools & 1) != 0 ? st : 0);
      if ((bools & 2) != 0) pop();
      break;
    }
    case K_FCOM: {
      // fcomReg(pops = num, unordered = bool 0, eflags = bool 1)
      addr(0); addr(st); w.i32c(bools & 1);
      w.op(w.OP_CALL); w.u32leb(FN_X87_COMPARE); w.set(L_V);
      if ((bools & 2) != 0) {
        // FCOMI: ZF PF CF from the result (> 000, < 001, = 100, unordered 111), OF SF AF clear (flags.ts
        // setArithFlags); C1 = 0
        w.i64c(0x45_40_01_00); w.get(L_V); w.i32c(3); w.op(w.OP_I32_AND); w.i32c(3); w.op(w.OP_I32_SHL);
        w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.i32c(0xFF); w.op(w.OP_I32_AND);
        w.set(L_R);
        w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(~F_ARITH); w.op(w.OP_I32_AND); w.get(L_R);
        w.op(w.OP_I32_OR); w.memOp(w.OP_I32_STORE, 2, EFLAGS);
        w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_MASK); w.i32c(~F_ARITH); w.op(w.OP_I32_AND);
        w.memOp(w.OP_I32_STORE, 2, LF_MASK);
        w.get(L_V); w.i32c(8); w.op(w.OP_I32_SHR_U); w.set(L_V); swMerge(); // C1 = 0, the exception flags
        setsFlags = true;
      } else {
        emitCondCodes();
      }
      for (let k: u32 = 0; k < num; k++) pop();
      break;
    }
    default:
      return false; // (not reached: isX87Kind)
  }
  w.br(1);
  close(); // $slow
  // the slow path starts from the state before the fast path (emitSlowPath stores it, runs the handler, reloads)
  loaded = (saved & 1) != 0; dirty = (saved & 2) != 0; fipPending = (saved & 4) != 0;
  emitSlowPath(p, i, off, next, ipMask, !setsFlags);
  // FCOMI's handler left the flags in EFLAGS (flags.ts setArithFlags), where the fast path left them in L_R too
  if (setsFlags) { w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(F_ARITH); w.op(w.OP_I32_AND); w.set(L_R); }
  close(); // $done
  dirty = true;
  fipPending = true; fipOff = off; fipMask = ipMask; fipFop = fop;
  if (setsFlags) flagsKnownEflags();
  return true;
}

// ---- memory forms ------------------------------------------------------------------------------------------------
/**
 * FLD/FILD m, FST/FSTP m32/m64, FADD..FDIVR and FCOM/FCOMP with m32/m64/m16int/m32int: the TLB fast path of the
 * access (as emit.ts memory forms), the conversion inline for ordinary values (normal or zero floats, any
 * integer; denormals, infinities and NaNs take the handler), arithmetic and compares through cpu/fpu/fast.ts
 * with the operand converted into FPU_SCRATCH. FDP/FDS are stored at once, FIP/FCS/FOP later (x87Spill).
 */
function emitX87Mem(p: u32, kind: u32, i: u32, off: u32, next: u32, ipMask: u32): bool {
  const type = (xWord >> 20) & 7, num = (xWord >> 16) & 15, popAfter = ((xWord >> 12) & 1) != 0;
  if (type == 0 || (kind == K_FST_MEM && type != T_F32 && type != T_F64)) return false;
  const size: u32 = type == T_F32 || type == T_I32 ? 4 : type == T_I16 ? 2 : 8;
  const fop = (xWord & 0x7F8) | modrmLowBits(p);
  if (!loaded) { emitLoad(); loaded = true; }
  const saved = x87State();
  const before = memFormBegin(p, size, kind == K_FST_MEM); // $done, $slow; L_HOST or a branch to $slow
  let need = OK_USABLE;
  if (kind == K_FST_MEM || (kind == K_FARITH_MEM && num != 2 && num != 3)) need = OK_USABLE | OK_MASKED | OK_ROUNDING;
  else if (kind == K_FARITH_MEM) need = OK_USABLE | OK_MASKED;
  guard(need);
  if (kind == K_FLD_MEM) { empty(7); w.op(w.OP_I32_AND); }
  else { empty(0); w.op(w.OP_I32_EQZ); w.op(w.OP_I32_AND); }
  w.op(w.OP_I32_EQZ); w.brIf(0);
  if (kind == K_FST_MEM) { emitStoreReal(type == T_F64); if (popAfter) pop(); }
  else {
    emitLoadOperand(type); // L_W:L_T = the operand's 80-bit image (or to $slow)
    if (kind == K_FLD_MEM) {
      push(); slotOf(0, L_FB);
      w.get(L_FB); w.get(L_W); w.memOp(w.OP_I64_STORE, 3, FPU_RAW);
      w.get(L_FB); w.get(L_T); w.memOp(w.OP_I32_STORE16, 1, FPU_RAW + 8);
      tagTop(false); swClear(SW_C1);
    } else {
      if (num == 2 || num == 3) {
        storeScratch();
        addr(0); w.i32c(FPU_SCRATCH); w.i32c(0);
        w.op(w.OP_CALL); w.u32leb(FN_X87_COMPARE); w.set(L_V);
        emitCondCodes();
        if (num == 3) pop();
      } else {
        addr(0); w.tee(X_PA); w.set(X_PD); w.i32c(FPU_SCRATCH); w.set(X_PB);
        emitArith(num, true);
        swMerge();
        tagValid(0);
      }
    }
  }
  // the data pointer now (it is the operand's), the instruction pointer later
  const seg = (<u32>load<u8>(p, I_SIB) >> 4) & 7;
  w.i32c(0); w.get(L_EA); w.memOp(w.OP_I32_STORE, 2, FPU_FDP);
  w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_SEL + (seg << 2)); w.memOp(w.OP_I32_STORE, 2, FPU_FDS);
  loaded = (saved & 1) != 0; dirty = (saved & 2) != 0; fipPending = (saved & 4) != 0;
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  dirty = true;
  fipPending = true; fipOff = off; fipMask = ipMask; fipFop = fop;
  return true;
}

// ---- arithmetic ---------------------------------------------------------------------------------------------
const M32: i64 = 0xFFFF_FFFF;
const SW_PE: u32 = 0x20;

/** The converted memory operand (L_W:L_T) where x87Arith and x87Compare find it. */
function storeScratch(): void {
  w.i32c(0); w.get(L_W); w.memOp(w.OP_I64_STORE, 3, FPU_SCRATCH);
  w.i32c(0); w.get(L_T); w.memOp(w.OP_I32_STORE16, 1, FPU_SCRATCH + 8);
}

/**
 * [X_PD] = [X_PA] op [X_PB] (80-bit images; 0 ADD, 1 MUL, 4 SUB, 5 SUBR, 6 DIV, 7 DIVR), L_V = the status bits it
 * sets, as fast.ts x87Arith. ADD, SUB, SUBR and MUL of normal numbers whose result needs no special case are
 * computed inline, exactly as ext80.ts fastArith does (the same conditions, a 128-bit result rounded to nearest
 * even at 64 bits); anything else, and DIV, calls x87Arith. `bConverted`: the other operand is a memory operand
 * converted into L_W:L_T, and X_PB is FPU_SCRATCH, where only the call needs it.
 */
function emitArith(op: u32, bConverted: bool): void {
  if (op != 0 && op != 1 && op != 4 && op != 5) { emitArithCall(op, bConverted); return; }
  w.blockVoid(); // $done
  w.blockVoid(); // $slow
  // SUBR is SUB with the operands the other way round
  loadImage(op == 5 ? X_B : X_A, op == 5 ? X_EB : X_EA, X_PA, false);
  loadImage(op == 5 ? X_A : X_B, op == 5 ? X_EA : X_EB, X_PB, bConverted);
  if (op == 1) {
    w.get(X_EA); w.get(X_EB); w.op(w.OP_I32_XOR); w.i32c(0x8000); w.op(w.OP_I32_AND); w.set(X_SA);
  } else {
    w.get(X_EA); w.i32c(0x8000); w.op(w.OP_I32_AND); w.set(X_SA);
    w.get(X_EB); w.i32c(0x8000); w.op(w.OP_I32_AND); if (op != 0) { w.i32c(0x8000); w.op(w.OP_I32_XOR); } w.set(X_SB);
  }
  w.get(X_EA); w.i32c(0x7FFF); w.op(w.OP_I32_AND); w.set(X_EA);
  w.get(X_EB); w.i32c(0x7FFF); w.op(w.OP_I32_AND); w.set(X_EB);
  // both normal, exponents 128..7F7Fh (no overflow or underflow below), integer bits set
  w.get(X_EA); w.i32c(128); w.op(w.OP_I32_SUB); w.i32c(0x7EFF); w.op(w.OP_I32_GT_U);
  w.get(X_EB); w.i32c(128); w.op(w.OP_I32_SUB); w.i32c(0x7EFF); w.op(w.OP_I32_GT_U); w.op(w.OP_I32_OR);
  w.get(X_A); w.get(X_B); w.op(w.OP_I64_AND); w.i64c(0); w.op(w.OP_I64_GE_S); w.op(w.OP_I32_OR);
  w.brIf(0);
  if (op == 1) emitMul(); else emitAdd();
  // round to nearest even at 64 bits: PE when bits were lost, C1 when rounded up
  w.i32c(SW_PE); w.i32c(0); w.get(X_L); w.i64c(0); w.op(w.OP_I64_NE); w.op(w.OP_SELECT); w.set(L_V);
  w.get(X_L); w.i64c(TOP_BIT); w.op(w.OP_I64_GT_U);
  w.get(X_L); w.i64c(TOP_BIT); w.op(w.OP_I64_EQ); w.get(X_H); w.op(w.OP_I32_WRAP_I64); w.op(w.OP_I32_AND);
  w.op(w.OP_I32_OR);
  w.ifVoid();
  w.get(L_V); w.i32c(SW_C1); w.op(w.OP_I32_OR); w.set(L_V);
  w.get(X_H); w.i64c(1); w.op(w.OP_I64_ADD); w.tee(X_H); w.op(w.OP_I64_EQZ);
  w.ifVoid(); w.i64c(TOP_BIT); w.set(X_H); w.get(X_E); w.i32c(1); w.op(w.OP_I32_ADD); w.set(X_E); w.end_();
  w.end_();
  w.get(X_PD); w.get(X_H); w.memOp(w.OP_I64_STORE, 3, 0);
  w.get(X_PD); w.get(X_SA); w.get(X_E); w.op(w.OP_I32_OR); w.memOp(w.OP_I32_STORE16, 1, 8);
  w.br(1); // $done
  w.end_(); // $slow
  emitArithCall(op, bConverted);
  w.end_(); // $done
}

/** Significand into i64 local `m`, sign and exponent into `e`: from the image at local `at`, or from L_W:L_T. */
function loadImage(m: u32, e: u32, at: u32, converted: bool): void {
  if (converted) { w.get(L_W); w.set(m); w.get(L_T); w.set(e); return; }
  w.get(at); w.memOp(w.OP_I64_LOAD, 3, 0); w.set(m);
  w.get(at); w.memOp(w.OP_I32_LOAD16_U, 1, 8); w.set(e);
}

function emitArithCall(op: u32, bConverted: bool): void {
  if (bConverted) storeScratch();
  w.i32c(op); w.get(X_PA); w.get(X_PB); w.get(X_PD);
  w.op(w.OP_CALL); w.u32leb(FN_X87_ARITH); w.set(L_V);
}

/** X_H:X_L = X_A * X_B normalized, X_E its exponent (inside $slow: branches there when out of range). */
function emitMul(): void {
  w.get(X_EA); w.get(X_EB); w.op(w.OP_I32_ADD); w.i32c(16382); w.op(w.OP_I32_SUB); w.tee(X_E);
  w.i32c(2); w.op(w.OP_I32_SUB); w.i32c(0x7FFB); w.op(w.OP_I32_GT_U); w.brIf(0);
  // four 32x32 products: L = a0 b0, T1 = a1 b0, T2 = a0 b1, H = a1 b1
  half(X_A, false); half(X_B, false); w.op(w.OP_I64_MUL); w.set(X_L);
  half(X_A, true); half(X_B, false); w.op(w.OP_I64_MUL); w.set(X_T1);
  half(X_A, false); half(X_B, true); w.op(w.OP_I64_MUL); w.set(X_T2);
  half(X_A, true); half(X_B, true); w.op(w.OP_I64_MUL); w.set(X_H);
  // the middle column (into X_A) and its carries
  half(X_L, true); half(X_T1, false); w.op(w.OP_I64_ADD); half(X_T2, false); w.op(w.OP_I64_ADD); w.set(X_A);
  w.get(X_H); half(X_T1, true); w.op(w.OP_I64_ADD); half(X_T2, true); w.op(w.OP_I64_ADD); half(X_A, true);
  w.op(w.OP_I64_ADD); w.set(X_H);
  w.get(X_A); w.i64c(32); w.op(w.OP_I64_SHL); half(X_L, false); w.op(w.OP_I64_OR); w.set(X_L);
  // a product of [1, 2) x [1, 2) is in [1, 4): one bit to the left when below 2
  w.get(X_H); w.i64c(0); w.op(w.OP_I64_GE_S);
  w.ifVoid();
  w.get(X_H); w.i64c(1); w.op(w.OP_I64_SHL); w.get(X_L); w.i64c(63); w.op(w.OP_I64_SHR_U); w.op(w.OP_I64_OR); w.set(X_H);
  w.get(X_L); w.i64c(1); w.op(w.OP_I64_SHL); w.set(X_L);
  w.get(X_E); w.i32c(1); w.op(w.OP_I32_SUB); w.set(X_E);
  w.end_();
}
/** The high (or low) 32 bits of i64 local `l`, on the stack. */
function half(l: u32, high: bool): void {
  w.get(l);
  if (high) { w.i64c(32); w.op(w.OP_I64_SHR_U); } else { w.i64c(M32); w.op(w.OP_I64_AND); }
}

/** X_H:X_L = X_A + X_B with signs X_SA, X_SB, normalized; X_E its exponent, X_SA its sign (inside $slow). */
function emitAdd(): void {
  // the larger magnitude first
  w.get(X_EB); w.get(X_EA); w.op(w.OP_I32_GT_U);
  w.get(X_EB); w.get(X_EA); w.op(w.OP_I32_EQ); w.get(X_B); w.get(X_A); w.op(w.OP_I64_GT_U); w.op(w.OP_I32_AND);
  w.op(w.OP_I32_OR);
  w.ifVoid();
  w.get(X_A); w.get(X_B); w.set(X_A); w.set(X_B);
  w.get(X_EA); w.get(X_EB); w.set(X_EA); w.set(X_EB);
  w.get(X_SA); w.get(X_SB); w.set(X_SA); w.set(X_SB);
  w.end_();
  // d = ea - eb < 64; the smaller one aligned: T1 its high part, T2 the bits shifted out
  w.get(X_EA); w.get(X_EB); w.op(w.OP_I32_SUB); w.tee(X_E); w.i32c(64); w.op(w.OP_I32_GE_U); w.brIf(0);
  w.get(X_B); w.get(X_E); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHR_U); w.set(X_T1);
  w.get(X_B); w.i32c(64); w.get(X_E); w.op(w.OP_I32_SUB); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHL);
  w.i64c(0); w.get(X_E); w.op(w.OP_SELECT); w.set(X_T2);
  w.get(X_EA); w.set(X_E);
  w.get(X_SA); w.get(X_SB); w.op(w.OP_I32_EQ);
  w.ifVoid();
  // same signs: add; a carry shifts one bit right (keeping the lowest as sticky)
  w.get(X_T2); w.set(X_L);
  w.get(X_A); w.get(X_T1); w.op(w.OP_I64_ADD); w.tee(X_H); w.get(X_A); w.op(w.OP_I64_LT_U);
  w.ifVoid();
  w.get(X_L); w.i64c(1); w.op(w.OP_I64_SHR_U); w.get(X_H); w.i64c(63); w.op(w.OP_I64_SHL); w.op(w.OP_I64_OR);
  w.get(X_L); w.i64c(1); w.op(w.OP_I64_AND); w.op(w.OP_I64_OR); w.set(X_L);
  w.get(X_H); w.i64c(1); w.op(w.OP_I64_SHR_U); w.i64c(TOP_BIT); w.op(w.OP_I64_OR); w.set(X_H);
  w.get(X_E); w.i32c(1); w.op(w.OP_I32_ADD); w.set(X_E);
  w.end_();
  w.op(w.OP_ELSE);
  // different signs: subtract (an exact zero takes the call: its sign follows the rounding mode), normalize
  w.i64c(0); w.get(X_T2); w.op(w.OP_I64_SUB); w.set(X_L);
  w.get(X_A); w.get(X_T1); w.op(w.OP_I64_SUB); w.get(X_T2); w.i64c(0); w.op(w.OP_I64_NE); w.op(w.OP_I64_EXTEND_I32_U);
  w.op(w.OP_I64_SUB); w.tee(X_H); w.op(w.OP_I64_EQZ); w.brIf(1); // $slow (out of this `if`)
  w.get(X_H); w.op(w.OP_I64_CLZ); w.set(X_T1);
  w.get(X_H); w.get(X_T1); w.op(w.OP_I64_SHL);
  w.get(X_L); w.i64c(1); w.op(w.OP_I64_SHR_U); w.i64c(63); w.get(X_T1); w.op(w.OP_I64_SUB); w.op(w.OP_I64_SHR_U);
  w.op(w.OP_I64_OR); w.set(X_H);
  w.get(X_L); w.get(X_T1); w.op(w.OP_I64_SHL); w.set(X_L);
  w.get(X_E); w.get(X_T1); w.op(w.OP_I32_WRAP_I64); w.op(w.OP_I32_SUB); w.set(X_E);
  w.end_();
}

/** C3 C2 C0 from a compare result in L_V (x87Compare), C1 = 0, and its exception flags, into L_FSW. */
function emitCondCodes(): void {
  w.i64c(0x4500_4000_0100_0000); w.get(L_V); w.i32c(3); w.op(w.OP_I32_AND); w.i32c(4); w.op(w.OP_I32_SHL);
  w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.i32c(0xFFFF); w.op(w.OP_I32_AND);
  w.get(L_FSW); w.i32c(~SW_COND); w.op(w.OP_I32_AND); w.op(w.OP_I32_OR);
  w.get(L_V); w.i32c(8); w.op(w.OP_I32_SHR_U); w.op(w.OP_I32_OR); w.set(L_FSW);
}

/** L_W (significand) and L_T (sign and exponent) = the memory operand at L_HOST of `type` as an 80-bit image
 *  (ext80.ts f32To80 / f64To80 / intTo80), or a branch to $slow (depth 0 here) for denormals, infinities, NaNs. */
function emitLoadOperand(type: u32): void {
  if (type == T_F64 || type == T_F32) {
    const f64 = type == T_F64;
    const fracBits: u32 = f64 ? 52 : 23, expMask: u32 = f64 ? 0x7FF : 0xFF;
    // L_W = the bits (as i64); L_T = the biased exponent; L_V = the sign (bit 15)
    w.get(L_HOST); w.memOp(f64 ? w.OP_I64_LOAD : w.OP_I64_LOAD32_U, f64 ? 3 : 2, 0); w.set(L_W);
    w.get(L_W); w.i64c(fracBits); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.i32c(expMask); w.op(w.OP_I32_AND); w.set(L_T);
    // infinity/NaN, or a denormal (exponent 0, fraction not): the handler
    w.get(L_T); w.i32c(expMask); w.op(w.OP_I32_EQ);
    w.get(L_T); w.op(w.OP_I32_EQZ);
    w.get(L_W); w.i64c(f64 ? 1 : 33); w.op(w.OP_I64_SHL); w.i64c(0); w.op(w.OP_I64_NE); w.op(w.OP_I32_AND);
    w.op(w.OP_I32_OR); w.brIf(0);
    w.get(L_W); w.i64c(f64 ? 48 : 16); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.i32c(0x8000); w.op(w.OP_I32_AND); w.set(L_V);
    // zero: significand 0, the sign alone; normal: the fraction under the integer bit, the exponent rebiased
    w.get(L_W); w.i64c(f64 ? 11 : 40); w.op(w.OP_I64_SHL); w.i64c(TOP_BIT); w.op(w.OP_I64_OR);
    if (!f64) { w.i64c(<i64>0xFFFF_FF00_0000_0000); w.op(w.OP_I64_AND); } // (the exponent's low bit shifted past 63 is gone; the sign and exponent above bit 31 are not there)
    w.i64c(0); w.get(L_T); w.op(w.OP_SELECT); // a select on L_T != 0
    w.set(L_W);
    w.get(L_V); w.get(L_T); w.i32c(f64 ? 16383 - 1023 : 16383 - 127); w.op(w.OP_I32_ADD); w.op(w.OP_I32_OR);
    w.get(L_V); w.get(L_T); w.op(w.OP_SELECT);
    w.set(L_T);
    return;
  }
  // integers: L_W = the value (sign-extended), then sign, magnitude, normalisation
  if (type == T_I64) { w.get(L_HOST); w.memOp(w.OP_I64_LOAD, 3, 0); }
  else if (type == T_I32) { w.get(L_HOST); w.memOp(w.OP_I64_LOAD32_S, 2, 0); }
  else { w.get(L_HOST); w.memOp(w.OP_I64_LOAD16_S, 1, 0); }
  w.set(L_W);
  w.get(L_W); w.i64c(0); w.op(w.OP_I64_LT_S); w.i32c(15); w.op(w.OP_I32_SHL); w.set(L_V); // sign bit 15
  // magnitude (-2^63 stays 2^63 as unsigned)
  w.i64c(0); w.get(L_W); w.op(w.OP_I64_SUB); w.get(L_W); w.get(L_V); w.op(w.OP_SELECT); w.set(L_W);
  // L_T = leading zeros (64 for 0)
  w.get(L_W); w.op(w.OP_I64_CLZ); w.op(w.OP_I32_WRAP_I64); w.set(L_T);
  w.get(L_W); w.get(L_T); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHL); w.set(L_W); // (shift by 64 mod 64 = 0: L_W stays 0)
  // sign and exponent: 16383 + 63 - lz, or 0 for zero (+0)
  w.get(L_V); w.i32c(16383 + 63); w.get(L_T); w.op(w.OP_I32_SUB); w.op(w.OP_I32_OR);
  w.i32c(0); w.get(L_T); w.i32c(64); w.op(w.OP_I32_NE); w.op(w.OP_SELECT);
  w.set(L_T);
}

/** FST/FSTP m64 or m32 of ST(0) at L_HOST, rounded to nearest (ops.ts storeReal): zero and values that stay normal
 *  in the format inline (PE when inexact, C1 = rounded up), the rest (specials, overflow, underflow) through $slow. */
function emitStoreReal(f64: bool): void {
  const keepBits: u32 = f64 ? 53 : 24, drop: u32 = 64 - keepBits;
  const bias: u32 = f64 ? 16383 - 1023 : 16383 - 127, maxExp: u32 = f64 ? 2046 : 254;
  const signShift: i64 = f64 ? 48 : 16;
  slotOf(0, L_FA);
  w.get(L_FA); w.memOp(w.OP_I64_LOAD, 3, FPU_RAW); w.set(L_W);
  w.get(L_FA); w.memOp(w.OP_I32_LOAD16_U, 1, FPU_RAW + 8); w.set(L_T);
  w.get(L_T); w.i32c(0x7FFF); w.op(w.OP_I32_AND); w.set(L_FB); // exponent
  w.get(L_T); w.i32c(0x8000); w.op(w.OP_I32_AND); w.set(L_V); // sign
  w.get(L_FB); w.op(w.OP_I32_EQZ); w.get(L_W); w.op(w.OP_I64_EQZ); w.op(w.OP_I32_AND);
  w.ifVoid(); // zero: the signed zero, no flags ($slow is 1 label out)
  w.get(L_V); w.op(w.OP_I64_EXTEND_I32_U); w.i64c(signShift); w.op(w.OP_I64_SHL); w.set(L_W);
  w.i32c(0); w.set(L_T);
  w.op(w.OP_ELSE);
  // a normal value whose exponent fits the format (else the handler: denormal results, overflow, specials)
  w.get(L_FB); w.i32c(bias); w.op(w.OP_I32_SUB); w.tee(L_FB);
  w.i32c(1); w.op(w.OP_I32_SUB); w.i32c(maxExp); w.op(w.OP_I32_GE_U);
  w.get(L_W); w.i64c(0); w.op(w.OP_I64_LT_S); w.op(w.OP_I32_EQZ); // integer bit clear: unnormal
  w.op(w.OP_I32_OR); w.brIf(1);
  // L_M = the dropped bits, L_W = the kept ones; round to nearest even
  w.get(L_W); w.i64c((<i64>1 << <i64>drop) - 1); w.op(w.OP_I64_AND); w.set(L_M);
  w.get(L_W); w.i64c(<i64>drop); w.op(w.OP_I64_SHR_U); w.set(L_W);
  w.get(L_M); w.i64c(<i64>1 << <i64>(drop - 1)); w.op(w.OP_I64_GT_U);
  w.get(L_M); w.i64c(<i64>1 << <i64>(drop - 1)); w.op(w.OP_I64_EQ);
  w.get(L_W); w.op(w.OP_I32_WRAP_I64); w.i32c(1); w.op(w.OP_I32_AND); w.op(w.OP_I32_AND);
  w.op(w.OP_I32_OR); w.set(L_T); // rounded up
  w.get(L_W); w.get(L_T); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_ADD); w.set(L_W);
  // a carry out of the significand moves the exponent up; past the largest: overflow, the handler
  w.get(L_FB); w.get(L_W); w.i64c(<i64>keepBits); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.op(w.OP_I32_ADD); w.tee(L_FB);
  w.i32c(maxExp); w.op(w.OP_I32_GT_U); w.brIf(1);
  w.get(L_W); w.i64c((<i64>1 << <i64>(keepBits - 1)) - 1); w.op(w.OP_I64_AND);
  w.get(L_FB); w.op(w.OP_I64_EXTEND_I32_U); w.i64c(<i64>(keepBits - 1)); w.op(w.OP_I64_SHL); w.op(w.OP_I64_OR);
  w.get(L_V); w.op(w.OP_I64_EXTEND_I32_U); w.i64c(signShift); w.op(w.OP_I64_SHL); w.op(w.OP_I64_OR);
  w.set(L_W);
  // flags: C1 = rounded up, PE = inexact
  w.get(L_T); w.i32c(9); w.op(w.OP_I32_SHL);
  w.get(L_M); w.i64c(0); w.op(w.OP_I64_NE); w.i32c(5); w.op(w.OP_I32_SHL); w.op(w.OP_I32_OR); w.set(L_T);
  w.end_();
  w.get(L_HOST); w.get(L_W);
  if (f64) w.memOp(w.OP_I64_STORE, 3, 0); else w.memOp(w.OP_I64_STORE32, 2, 0);
  swMerge(L_T);
}
