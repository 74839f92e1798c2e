// The x87 arithmetic that compiled code calls directly (jit/x87.ts). Compiled code keeps TOP, the tag word and
// the status word in locals while a region runs, and takes its inline x87 path only when the FPU is usable
// (CR0.EM = TS = 0), no exception is pending (ES = 0), the control word is FNINIT's (64-bit precision, round to
// nearest, every exception masked: CW & 0F3Fh = 033Fh) and every operand register is non-empty; otherwise it
// runs the handler. So these functions see no stack faults, no #NM/#MF, and every exception masked, where
// fpuSignal would only set the exception's flag: they return the status-word bits the instruction sets and
// leave the status word itself to the caller. Operands are the addresses of 80-bit images (physical registers in
// FPU_RAW, or a memory operand converted into FPU_SCRATCH).
import { FPU_CW } from "../../layout";
import { arith80, cmp80, oM, oSE, oFlags, oUp } from "./ext80";
import { SW_C1 } from "./float80";

/**
 * d = a op b, as ops.ts arithOp does for "ST(0) op other" with a = ST(0), b = the other
 * (0 ADD, 1 MUL, 4 SUB, 5 SUBR, 6 DIV, 7 DIVR). Returns the exception flags it raised, and C1 when the result
 * was rounded up. Compiled code has already tried the common case of ADD/SUB/SUBR/MUL inline (jit/x87.ts
 * emitArith, ext80.ts fastArith's twin): what comes here is the rest.
 */
export function x87Arith(op: u32, pa: u32, pb: u32, pd: u32): u32 {
  const am = load<u64>(pa), ase = <u32>load<u16>(pa, 8);
  const bm = load<u64>(pb), bse = <u32>load<u16>(pb, 8);
  arith80(op, am, ase, bm, bse, load<u32>(FPU_CW));
  store<u64>(pd, oM);
  store<u16>(pd, <u16>oSE, 8);
  return (oFlags & 0x7F) | (oUp ? SW_C1 : 0);
}

/**
 * Compare a (ST(0)) with b: bits 0-1 the result (0 a > b, 1 a < b, 2 equal, 3 unordered),
 * bits 8-14 the exception flags. `quiet`: FUCOM's rules (only SNaNs are invalid).
 */
export function x87Compare(pa: u32, pb: u32, quiet: u32): u32 {
  const am = load<u64>(pa), ase = <u32>load<u16>(pa, 8);
  const bm = load<u64>(pb), bse = <u32>load<u16>(pb, 8);
  // both normal (integer bit set, exponent neither 0 nor 7FFFh): sign, exponent, significand decide
  if (<i64>(am & bm) < 0 && <u32>((ase & 0x7FFF) - 1) < 0x7FFE && <u32>((bse & 0x7FFF) - 1) < 0x7FFE) {
    if (ase == bse && am == bm) return 2;
    const an = (ase & 0x8000) != 0;
    if (an != ((bse & 0x8000) != 0)) return an ? 1 : 0;
    const greater = (ase & 0x7FFF) != (bse & 0x7FFF) ? (ase & 0x7FFF) > (bse & 0x7FFF) : am > bm; // |a| > |b|
    return greater != an ? 0 : 1;
  }
  const r = cmp80(am, ase, bm, bse, quiet != 0);
  return r | (oFlags & 0x7F) << 8;
}
