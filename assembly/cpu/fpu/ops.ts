// Handlers of the x87 escapes D8-DF (rows in tools/opcodes/x87.ts). Every handler starts with the #NM
// check and, unless it is a control instruction, the pending-exception check (fpu.ts); memory operands
// are read (or the store area probed) before any FPU state changes, so #GP/#SS/#PF leave the FPU as it was.
//
// Arguments from the table: fopHi = (opcode & 7) << 8 | ModRM.reg << 3 (the FOP register without mod/rm),
// op = ModRM.reg of the arithmetic group (0 ADD, 1 MUL, 2 COM, 3 COMP, 4 SUB, 5 SUBR, 6 DIV, 7 DIVR: always
// "ST(0) op other", which is also what the DC/DE register forms compute with the SDM's swapped mnemonics).
import { I_RM, FPU_CW, FPU_SW, FPU_TAG, REGS, FPU_RAW as FPU_RAW_IMG } from "../../layout";
import { faulted } from "../fault";
import { readMem, writeMem } from "../memory";
import { ea, eaSeg } from "../ops/common";
import { F_CF, F_PF, F_ZF, F_OF, F_SF, F_AF } from "../state";
import { setArithFlags, testCC } from "../flags";
import {
  fpuEnter, fpuEnterControl, fpuSetIP, fpuSetIPMem, stEmpty, stSetIndef, stSetRaw, stGet80, stCopy, decTop,
  popStack, setTop, fpuTop, physOf, physEmpty, freePhys, fpuSignal, fpuSignalStore, stackUnderflow, stackOverflow,
  setCond, swGet, swSet, statusWord, recomputeES, fpuInit, rcOf, probeWrite, readM80, writeM80, readM64, writeM64,
  stMant, stSE,
} from "./fpu";
import {
  SW_IE, SW_DE, SW_ZE, SW_PE, SW_C0, SW_C1, SW_C2, SW_C3, SW_ES, SW_B, SW_UE, SW_OE,
  rFlags, rUp, pMant, pSE, pack80FromInt, unpack80, roundToIntMag, iOverflow, xNeg, xExp, xMant,
  unsupported80, M80_INDEFINITE_MANT, M80_INDEFINITE_SE, roundTo, f32Image,
} from "./float80";
import {
  fastArith, arith80, sqrt80, cmp80, f32To80, f64To80, intTo80, cls80, oM, oSE, oFlags, oUp, K_FIN, K_ZERO,
  K_INF, K_QNAN, K_SNAN, K_UNS,
} from "./ext80";
import { fsinOp, fcosOp, fsincosOp, fptanOp, fpatanOp, f2xm1Op, fyl2xOp, fyl2xp1Op } from "./transcendental";
import { fpremOp, fxtractOp, fscaleOp, frndintOp } from "./exact";
export * from "./env";

// @ts-ignore: decorator
@inline function rmIdx(p: u32): u32 { return <u32>load<u8>(p, I_RM) >> 2; }

/** Exception flags of the last memory-operand conversion. */
let memExc: u32 = 0;

/** The memory operand as an 80-bit image (exact). */
let opM: u64 = 0;
let opSE: u32 = 0;

/** Read a memory operand of type T (f32/f64 real, i16/i32 integer) into opM/opSE; memExc = DE for a denormal. */
// @ts-ignore: decorator
@inline function loadOperand<T>(seg: i32, a: u32): void {
  memExc = 0;
  if (isFloat<T>()) {
    if (sizeof<T>() == 4) {
      const b = readMem<u32>(seg, a);
      if (faulted) return;
      f32To80(b);
    } else {
      const b = readM64(seg, a);
      if (faulted) return;
      f64To80(b);
    }
    memExc = oFlags;
  } else {
    const v: i64 = sizeof<T>() == 2 ? <i64>readMem<i16>(seg, a) : <i64><i32>readMem<u32>(seg, a);
    if (faulted) return;
    intTo80(v);
  }
  opM = oM; opSE = oSE;
}

/** Condition codes of a compare result (0 >, 1 <, 2 =, 3 unordered). */
function condOf(r: u32): u32 {
  return r == 0 ? 0 : r == 1 ? SW_C0 : r == 2 ? SW_C3 : SW_C0 | SW_C2 | SW_C3;
}

/** ST(dest) = ST(0) op b, or a compare for op 2/3 (pop for 3). extra: DE of a denormal memory operand. */
function arithOp(op: u32, am: u64, ase: u32, bm: u64, bse: u32, dest: u32, extra: u32, pop: bool): void {
  if (op == 2 || op == 3) {
    // the condition codes are set even when an unmasked exception suppresses the pop (measured)
    const r = cmp80(am, ase, bm, bse, false);
    const ok = fpuSignal(oFlags | extraFor(oFlags, am, ase, bm, bse, extra));
    setCond(condOf(r));
    if (ok && (op == 3 || pop)) popStack();
    return;
  }
  const cw = load<u32>(FPU_CW);
  // the usual control word (64-bit precision, nearest, all masked) and ordinary operands: only PE can occur
  if ((cw & 0xF3F) == 0x33F && extra == 0 && (op <= 1 || op == 4 || op == 5) && fastArith(op, am, ase, bm, bse)) {
    stSetRaw(dest, oM, oSE);
    swSet((swGet() & ~SW_C1) | oFlags | (oUp ? SW_C1 : 0));
    if (pop) popStack();
    return;
  }
  arith80(op, am, ase, bm, bse, cw);
  if (fpuSignal(oFlags | extraFor(oFlags, am, ase, bm, bse, extra))) {
    stSetRaw(dest, oM, oSE);
    setC1(oUp);
    if (pop) popStack();
  }
}

/** The denormal flag of a memory operand, unless a NaN or unsupported operand takes precedence. */
// @ts-ignore: decorator
@inline function extraFor(flags: u32, am: u64, ase: u32, bm: u64, bse: u32, extra: u32): u32 {
  if (extra == 0) return 0;
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  if (ka >= K_QNAN || kb >= K_QNAN || (flags & (SW_IE | SW_ZE)) != 0) return 0;
  return extra;
}

/** Stack underflow on an arithmetic/compare operand: masked response. */
function arithUnderflow(op: u32, dest: u32, pop: bool): void {
  const ok = stackUnderflow();
  // compares: "unordered" even when the exception is unmasked (measured); C1 stays 0
  if (op == 2 || op == 3) { setCond(SW_C0 | SW_C2 | SW_C3); if (ok && (op == 3 || pop)) popStack(); return; }
  if (!ok) return;
  stSetIndef(dest);
  if (pop) popStack();
}

// ---- arithmetic ---------------------------------------------------------------------------------------------
/** D8/DC/DA/DE memory forms: ST(0) = ST(0) op m32real/m64real/m32int/m16int; FCOM/FICOM(P). */
// @ts-ignore: decorator
@inline export function fArithMem<T>(p: u32, fopHi: u32, op: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  loadOperand<T>(seg, a);
  if (faulted) return;
  fpuSetIPMem(p, fopHi, seg, a);
  if (stEmpty(0)) { arithUnderflow(op, 0, false); return; }
  arithOp(op, stMant(0), stSE(0), opM, opSE, 0, memExc, false);
}

/** D8 register forms: ST(0) = ST(0) op ST(i). DC/DE: ST(i) = ST(0) op ST(i) (pop for DE). */
// @ts-ignore: decorator
@inline export function fArithReg(p: u32, fopHi: u32, op: u32, toSti: bool, pop: bool): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  const dest = toSti ? i : 0;
  if (stEmpty(0) || stEmpty(i)) { arithUnderflow(op, dest, pop); return; }
  arithOp(op, stMant(0), stSE(0), stMant(i), stSE(i), dest, 0, pop);
}

/** FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP ST(i); FCOMI/FCOMIP/FUCOMI/FUCOMIP (eflags). */
// @ts-ignore: decorator
@inline export function fcomReg(p: u32, fopHi: u32, pops: u32, unordered: bool, eflags: bool): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  compareAndPop(stEmpty(0) || stEmpty(i), stMant(0), stSE(0), stMant(i), stSE(i), pops, unordered, eflags);
}

function compareAndPop(empty: bool, am: u64, ase: u32, bm: u64, bse: u32, pops: u32, unordered: bool, eflags: bool): void {
  let r: u32 = 3;
  let ok: bool;
  if (empty) ok = stackUnderflow();
  else { r = cmp80(am, ase, bm, bse, unordered); ok = fpuSignal(oFlags); }
  // the condition codes / EFLAGS are set even when an unmasked exception suppresses the pop (measured)
  if (eflags) {
    const f: u32 = r == 0 ? 0 : r == 1 ? F_CF : r == 2 ? F_ZF : F_ZF | F_PF | F_CF;
    setArithFlags(F_CF | F_PF | F_ZF | F_OF | F_SF | F_AF, f);
    if (!empty) swSet(swGet() & ~SW_C1);
  } else {
    setCond(condOf(r));
  }
  if (ok) for (let k: u32 = 0; k < pops; k++) popStack();
}

/** FTST: compare ST(0) with +0.0. */
// @ts-ignore: decorator
@inline export function ftst(p: u32, fop: u32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  compareAndPop(stEmpty(0), stMant(0), stSE(0), 0, 0, 0, false, false);
}

/** FXAM: classify ST(0) into C3 C2 C0, sign in C1 (SDM Vol. 1 table 8-7 / FXAM). */
// @ts-ignore: decorator
@inline export function fxam(p: u32, fop: u32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  stGet80(0);
  const sign = (pSE & 0x8000) != 0 ? SW_C1 : 0;
  let c: u32;
  if (stEmpty(0)) c = SW_C3 | SW_C0;
  else {
    const be = pSE & 0x7FFF;
    if (be == 0x7FFF) c = (pMant >> 63) == 0 ? 0 : (pMant << 1) == 0 ? SW_C2 | SW_C0 : SW_C0;
    else if (be == 0) c = pMant == 0 ? SW_C3 : SW_C3 | SW_C2;
    else c = (pMant >> 63) == 0 ? 0 : SW_C2;
  }
  setCond(c | sign);
}

// ---- loads ----------------------------------------------------------------------------------------------
/** Room for a push? Handles stack overflow (masked: push the indefinite). */
function pushOk(): bool {
  if (!physEmpty(physOf(7))) {
    if (stackOverflow()) { decTop(); stSetIndef(0); }
    return false;
  }
  swSet(swGet() & ~SW_C1); // loads clear C1 (set only by a stack overflow)
  return true;
}

/** FLD m32real/m64real (SNaN: IE, quieted; denormal: DE), FILD m16int/m32int. */
// @ts-ignore: decorator
@inline export function fldMem<T>(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  loadOperand<T>(seg, a);
  if (faulted) return;
  fpuSetIPMem(p, fopHi, seg, a);
  if (!pushOk()) return;
  let m = opM, exc = memExc;
  if (isFloat<T>() && cls80(m, opSE) == K_SNAN) { exc |= SW_IE; m |= 0x4000_0000_0000_0000; }
  // an unmasked denormal exception does not suppress the load (measured on the host)
  if (!fpuSignal(exc) && (exc & SW_IE) != 0) return;
  decTop();
  stSetRaw(0, m, opSE);
}

/** FILD m64int: exact through the 80-bit image. */
// @ts-ignore: decorator
@inline export function fild64(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  const v = <i64>readM64(seg, a);
  if (faulted) return;
  fpuSetIPMem(p, fopHi, seg, a);
  if (!pushOk()) return;
  const neg = v < 0;
  pack80FromInt(neg, neg ? <u64>(-v) : <u64>v);
  decTop();
  stSetRaw(0, pMant, pSE);
}

/** FLD m80real (no exception for SNaN or unsupported formats: the image is kept as is). */
// @ts-ignore: decorator
@inline export function fld80(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!readM80(seg, a)) return;
  const m = pMant, se = pSE;
  fpuSetIPMem(p, fopHi, seg, a);
  if (!pushOk()) return;
  decTop();
  stSetRaw(0, m, se);
}

/** FBLD m80bcd: 18 digits, sign in bit 79 (invalid digits give an undefined value, as on hardware). */
// @ts-ignore: decorator
@inline export function fbld(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!readM80(seg, a)) return;
  const lo = pMant, hi = pSE;
  fpuSetIPMem(p, fopHi, seg, a);
  if (!pushOk()) return;
  let mag: u64 = 0;
  for (let k: i32 = 8; k >= 0; k--) {
    const byte = <u32>(k == 8 ? (hi & 0xFF) : <u32>((lo >> (<u64>k << 3)) & 0xFF));
    mag = mag * 100 + <u64>((byte >> 4) * 10 + (byte & 15));
  }
  pack80FromInt((hi & 0x8000) != 0, mag);
  decTop();
  stSetRaw(0, pMant, pSE);
}

/** FLD ST(i). */
// @ts-ignore: decorator
@inline export function fldReg(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  if (stEmpty(i)) {
    if (!stackUnderflow()) return;
    if (!pushOk()) return;
    decTop(); stSetIndef(0);
    return;
  }
  if (!pushOk()) return;
  decTop();
  stCopy(0, i + 1);
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ (k = 0..6). */
// @ts-ignore: decorator
@inline export function fldConst(p: u32, fop: u32, k: u32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  if (!pushOk()) return;
  loadConstant(k);
}

// 64-bit significands of the constants (SDM Vol. 1 8.3.8); the x87 rounds them with RC, which changes
// the last bit of L2T (up), L2E, PI, LG2, LN2 (nearest/up vs down/zero).
function loadConstant(k: u32): void {
  let m: u64 = 0, e: u32 = 0;
  let roundDownLow = false; // the infinitely precise value lies below m (m was rounded up)
  let roundUpHigh = false; // it lies above m (m was rounded down)
  switch (k) {
    case 0: m = 0x8000_0000_0000_0000; e = 0x3FFF; break;
    case 1: m = 0xD49A_784B_CD1B_8AFE; e = 0x4000; roundUpHigh = true; break; // log2(10)
    case 2: m = 0xB8AA_3B29_5C17_F0BC; e = 0x3FFF; roundDownLow = true; break; // log2(e)
    case 3: m = 0xC90F_DAA2_2168_C235; e = 0x4000; roundDownLow = true; break; // pi
    case 4: m = 0x9A20_9A84_FBCF_F799; e = 0x3FFD; roundDownLow = true; break; // log10(2)
    case 5: m = 0xB172_17F7_D1CF_79AC; e = 0x3FFE; roundDownLow = true; break; // ln(2)
    default: m = 0; e = 0; break;
  }
  const rc = rcOf();
  if (roundDownLow && (rc == 1 || rc == 3)) m -= 1;
  if (roundUpHigh && rc == 2) m += 1;
  decTop();
  stSetRaw(0, m, e);
}

// ---- stores -----------------------------------------------------------------------------------------------
/** FST/FSTP m32real, m64real. */
// @ts-ignore: decorator
@inline export function fstMem<T>(p: u32, fopHi: u32, pop: bool): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!probeWrite(seg, a, <u32>sizeof<T>())) return;
  fpuSetIPMem(p, fopHi, seg, a);
  storeReal(seg, a, sizeof<T>() == 4, pop);
}

function storeReal(seg: i32, a: u32, m32: bool, pop: bool): void {
  if (stEmpty(0)) {
    if (!stackUnderflow()) return;
    if (m32) writeMem<u32>(seg, a, 0xFFC00000); else writeM64(seg, a, 0xFFF8_0000_0000_0000);
    if (pop) popStack();
    return;
  }
  stGet80(0);
  const m = pMant, se = pSE, k = cls80(m, se);
  const sign32: u32 = (se & 0x8000) << 16, sign64: u64 = <u64>(se & 0x8000) << 48;
  let bits32: u32 = 0, bits64: u64 = 0;
  if (k == K_FIN) {
    unpack80(m, se);
    if (m32) bits32 = f32Image(roundTo(24, -126, 127, rcOf()));
    else bits64 = reinterpret<u64>(roundTo(53, -1022, 1023, rcOf()));
  } else {
    rFlags = 0; rUp = false;
    if (k == K_UNS) { rFlags = SW_IE; bits32 = 0xFFC00000; bits64 = 0xFFF8_0000_0000_0000; }
    else if (k == K_ZERO) { bits32 = sign32; bits64 = sign64; }
    else if (k == K_INF) { bits32 = sign32 | 0x7F800000; bits64 = sign64 | 0x7FF0_0000_0000_0000; }
    else {
      if (k == K_SNAN) rFlags = SW_IE;
      bits32 = sign32 | 0x7FC00000 | <u32>((m >> 40) & 0x7FFFFF);
      bits64 = sign64 | 0x7FF8_0000_0000_0000 | ((m >> 11) & 0x000F_FFFF_FFFF_FFFF);
    }
  }
  let exc = rFlags;
  const up = rUp;
  // unmasked overflow/underflow on a memory destination: no store, and PE is not raised (measured)
  if ((exc & ~load<u32>(FPU_CW) & (SW_OE | SW_UE)) != 0) exc &= ~SW_PE;
  if (!fpuSignalStore(exc)) return;
  swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0));
  if (m32) writeMem<u32>(seg, a, bits32); else writeM64(seg, a, bits64);
  if (pop) popStack();
}

/** FSTP m80real: the exact image. */
// @ts-ignore: decorator
@inline export function fstp80(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!probeWrite(seg, a, 10)) return;
  fpuSetIPMem(p, fopHi, seg, a);
  if (stEmpty(0)) {
    if (!stackUnderflow()) return;
    writeM80(seg, a, M80_INDEFINITE_MANT, M80_INDEFINITE_SE);
    popStack();
    return;
  }
  stGet80(0);
  writeM80(seg, a, pMant, pSE);
  swSet(swGet() & ~SW_C1);
  popStack();
}

/** FIST/FISTP m16int/m32int/m64int: rounding control; out of range or NaN => IE, integer indefinite. */
// @ts-ignore: decorator
@inline export function fistMem<T>(p: u32, fopHi: u32, pop: bool): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!probeWrite(seg, a, <u32>sizeof<T>())) return;
  fpuSetIPMem(p, fopHi, seg, a);
  storeInt(seg, a, <u32>sizeof<T>(), pop);
}

function storeInt(seg: i32, a: u32, size: u32, pop: bool): void {
  let exc: u32 = 0, up = false;
  let v: u64 = 0;
  const indef: u64 = <u64>1 << <u64>(size * 8 - 1);
  if (stEmpty(0)) {
    if (!stackUnderflow()) return;
    v = indef;
  } else {
    stGet80(0);
    const be = unpack80(pMant, pSE);
    if (be == 0x7FFF || unsupported80(pMant, pSE)) { exc = SW_IE; v = indef; }
    else {
      const mag = roundToIntMag(rcOf());
      exc = rFlags; up = rUp;
      const limit: u64 = xNeg ? indef : indef - 1;
      if (iOverflow || mag > limit) { exc = SW_IE; v = indef; up = false; }
      else v = xNeg ? <u64>(-<i64>mag) : mag;
    }
    if (!fpuSignal(exc)) return;
    swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0));
  }
  if (size == 2) writeMem<u16>(seg, a, <u16>v);
  else if (size == 4) writeMem<u32>(seg, a, <u32>v);
  else writeM64(seg, a, v);
  if (pop) popStack();
}

/** FBSTP m80bcd. */
// @ts-ignore: decorator
@inline export function fbstp(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p);
  if (!probeWrite(seg, a, 10)) return;
  fpuSetIPMem(p, fopHi, seg, a);
  let lo: u64 = 0, hi: u32 = 0;
  let exc: u32 = 0, up = false;
  let bad = false;
  if (stEmpty(0)) {
    if (!stackUnderflow()) return;
    bad = true;
  } else {
    stGet80(0);
    const neg = (pSE & 0x8000) != 0;
    const be = unpack80(pMant, pSE);
    if (be == 0x7FFF || unsupported80(pMant, pSE)) { exc = SW_IE; bad = true; }
    else {
      let mag = roundToIntMag(rcOf());
      exc = rFlags; up = rUp;
      if (iOverflow || mag > 999_999_999_999_999_999) { exc = SW_IE; bad = true; up = false; }
      else {
        for (let k: u64 = 0; k < 8; k++) {
          const d = mag % 100; mag /= 100;
          lo |= (((d / 10) << 4) | (d % 10)) << (k << 3);
        }
        const d9 = <u32>mag; // 0-99: the ninth byte holds digits 17 and 16
        hi = (((d9 / 10) << 4) | (d9 % 10)) | (neg ? 0x8000 : 0);
      }
    }
    if (!fpuSignal(exc)) return;
    swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0));
  }
  if (bad) { lo = 0xC000_0000_0000_0000; hi = 0xFFFF; } // packed BCD indefinite
  writeM80(seg, a, lo, hi);
  popStack();
}

/** FST/FSTP ST(i) (also the undocumented aliases D9 D8+i, DF D0+i, DF D8+i). */
// @ts-ignore: decorator
@inline export function fstReg(p: u32, fopHi: u32, pop: bool): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  if (stEmpty(0)) {
    if (!stackUnderflow()) return;
    stSetIndef(i);
  } else { stCopy(i, 0); swSet(swGet() & ~SW_C1); }
  if (pop) popStack();
}

// ---- register operations -------------------------------------------------------------------------------
/** FXCH ST(i) (also DD C8+i, DF C8+i). Empty registers read as the indefinite (masked underflow). */
// @ts-ignore: decorator
@inline export function fxch(p: u32, fopHi: u32): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  if (stEmpty(0) || stEmpty(i)) {
    if (!stackUnderflow()) return;
    if (stEmpty(0)) stSetIndef(0);
    if (stEmpty(i)) stSetIndef(i);
  }
  swapRegs(physOf(0), physOf(i));
  swSet(swGet() & ~SW_C1);
}

function swapRegs(a: u32, b: u32): void {
  if (a == b) return;
  const ra = load<u64>(FPU_RAW_IMG + (a << 4)), sa = load<u16>(FPU_RAW_IMG + (a << 4) + 8);
  store<u64>(FPU_RAW_IMG + (a << 4), load<u64>(FPU_RAW_IMG + (b << 4)));
  store<u16>(FPU_RAW_IMG + (a << 4) + 8, load<u16>(FPU_RAW_IMG + (b << 4) + 8));
  store<u64>(FPU_RAW_IMG + (b << 4), ra);
  store<u16>(FPU_RAW_IMG + (b << 4) + 8, sa);
  const t = load<u32>(FPU_TAG);
  const ta = (t >> (a << 1)) & 3, tb = (t >> (b << 1)) & 3;
  store<u32>(FPU_TAG, (t & ~((<u32>3 << (a << 1)) | (<u32>3 << (b << 1)))) | (ta << (b << 1)) | (tb << (a << 1)));
}

/** FFREE ST(i) / FFREEP ST(i) (DF C0+i, undocumented: free then pop). */
// @ts-ignore: decorator
@inline export function ffree(p: u32, fopHi: u32, pop: bool): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  freePhys(physOf(i));
  swSet(swGet() & ~SW_C1); // condition codes undefined (SDM); the host clears C1
  if (pop) popStack();
}

/** FCMOVcc ST(0), ST(i): cc is the Jcc condition code (B 2, E 4, BE 6, P 10; +1 negates). */
// @ts-ignore: decorator
@inline export function fcmov(p: u32, fopHi: u32, cc: u32): void {
  if (!fpuEnter()) return;
  const i = rmIdx(p);
  fpuSetIP(p, fopHi | 0xC0 | i);
  if (stEmpty(0) || stEmpty(i)) {
    if (!stackUnderflow()) return;
    // masked: the destination gets the indefinite whatever the condition (SDM FCMOVcc: #IS)
    if (testCC(cc)) stSetIndef(0); else if (stEmpty(0)) stSetIndef(0);
    return;
  }
  if (testCC(cc)) stCopy(0, i); // C1 unchanged (SDM: defined only for stack underflow; measured)
}

/** FNOP, and FENI/FDISI/FSETPM (DB E0/E1/E4: no-ops on a 387 and later; not "waiting"). */
// @ts-ignore: decorator
@inline export function fnop(p: u32, fop: u32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
}
// @ts-ignore: decorator
@inline export function fnopControl(p: u32): void { fpuEnterControl(); }

/** FINCSTP / FDECSTP. */
// @ts-ignore: decorator
@inline export function fincdecstp(p: u32, fop: u32, delta: i32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  setTop(<u32>(<i32>fpuTop() + delta));
  swSet(swGet() & ~SW_C1);
}

/** FCHS / FABS: sign bit only, on the 80-bit image too (no float arithmetic: NaN payloads and -0 survive). */
// @ts-ignore: decorator
@inline export function fsignOp(p: u32, fop: u32, abs: bool): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  if (stEmpty(0)) { if (stackUnderflow()) stSetIndef(0); return; }
  stGet80(0);
  const se = abs ? pSE & 0x7FFF : pSE ^ 0x8000;
  stSetRaw(0, pMant, se);
  swSet(swGet() & ~SW_C1);
}

// ---- one-operand arithmetic on ST(0) ---------------------------------------------------------------------
/** Common frame for operations on ST(0): kind selects the operation. */
// @ts-ignore: decorator
@inline export function fst0Op(p: u32, fop: u32, kind: u32): void {
  if (!fpuEnter()) return;
  fpuSetIP(p, fop);
  st0Dispatch(kind);
}

export const K_SQRT: u32 = 0, K_RNDINT: u32 = 1, K_SCALE: u32 = 2, K_SIN: u32 = 3, K_COS: u32 = 4,
  K_SINCOS: u32 = 5, K_PTAN: u32 = 6, K_PATAN: u32 = 7, K_F2XM1: u32 = 8, K_YL2X: u32 = 9, K_YL2XP1: u32 = 10,
  K_PREM: u32 = 11, K_PREM1: u32 = 12, K_XTRACT: u32 = 13;

function st0Dispatch(kind: u32): void {
  // two-operand ones need ST(1)
  const needs1 = kind == K_SCALE || kind == K_PATAN || kind == K_YL2X || kind == K_YL2XP1 || kind == K_PREM || kind == K_PREM1;
  if (stEmpty(0) || (needs1 && stEmpty(1))) {
    // FPREM/FPREM1 and the trigonometric instructions also clear C2 (measured for FPREM)
    if (kind == K_PREM || kind == K_PREM1 || (kind >= K_SIN && kind <= K_PTAN)) swSet(swGet() & ~SW_C2);
    if (!stackUnderflow()) return;
    // masked: the destination(s) get the indefinite
    if (kind == K_PATAN || kind == K_YL2X || kind == K_YL2XP1) { stSetIndef(1); popStack(); return; }
    if (kind == K_SINCOS || kind == K_PTAN || kind == K_XTRACT) {
      stSetIndef(0);
      if (pushOk()) { decTop(); stSetIndef(0); }
      return;
    }
    stSetIndef(0);
    return;
  }
  switch (kind) {
    case K_SQRT: {
      sqrt80(stMant(0), stSE(0), load<u32>(FPU_CW));
      if (fpuSignal(oFlags)) { stSetRaw(0, oM, oSE); setC1(oUp); }
      break;
    }
    case K_RNDINT: frndintOp(); break;
    case K_SCALE: fscaleOp(); break;
    case K_SIN: fsinOp(); break;
    case K_COS: fcosOp(); break;
    case K_SINCOS: fsincosOp(); break;
    case K_PTAN: fptanOp(); break;
    case K_PATAN: fpatanOp(); break;
    case K_F2XM1: f2xm1Op(); break;
    case K_YL2X: fyl2xOp(); break;
    case K_YL2XP1: fyl2xp1Op(); break;
    case K_PREM: fpremOp(false); break;
    case K_PREM1: fpremOp(true); break;
    default: fxtractOp(); break;
  }
}

export function setC1(up: bool): void { swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0)); }
export { pushOk as fpuPushOk };

// ---- control instructions ------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function fninit(p: u32): void { if (fpuEnterControl()) fpuInit(); }

// @ts-ignore: decorator
@inline export function fnclex(p: u32): void {
  if (!fpuEnterControl()) return;
  swSet(swGet() & ~(<u32>0x80FF)); // PE UE OE ZE DE IE SF ES B
  recomputeES();
}

/** FLDCW m16 (waiting; bits 6 reads as 1, bits 13-15 and 7 are not kept: FNSTCW after FLDCW FFFFh gives 1F7Fh). */
// @ts-ignore: decorator
@inline export function fldcw(p: u32): void {
  if (!fpuEnter()) return;
  const v = readMem<u16>(eaSeg(p), ea(p));
  if (faulted) return;
  store<u32>(FPU_CW, (<u32>v & 0x1F3F) | 0x40);
  recomputeES();
}

// @ts-ignore: decorator
@inline export function fnstcw(p: u32): void {
  if (!fpuEnterControl()) return;
  writeMem<u16>(eaSeg(p), ea(p), <u16>load<u32>(FPU_CW));
}

// @ts-ignore: decorator
@inline export function fnstswMem(p: u32): void {
  if (!fpuEnterControl()) return;
  writeMem<u16>(eaSeg(p), ea(p), <u16>statusWord());
}

// @ts-ignore: decorator
@inline export function fnstswAX(p: u32): void {
  if (!fpuEnterControl()) return;
  store<u16>(REGS, <u16>statusWord());
}

