// FPREM, FPREM1, FXTRACT, FSCALE and FRNDINT on 80-bit images (exact; SDM Vol. 2 for each instruction).
// None of them is affected by the precision control (SDM Vol. 1 8.1.5.2 lists the instructions that are).
// The caller (ops.ts st0Dispatch) has checked that ST(0) (and ST(1) where used) are not empty.
import { FPU_CW } from "../../layout";
import { fpuSignal, swGet, swSet, decTop, stSetRaw, stMant, stSE, rcOf, physEmpty, physOf, stackOverflow } from "./fpu";
import {
  SW_IE, SW_DE, SW_ZE, SW_C0, SW_C1, SW_C2, SW_C3, M80_INDEFINITE_MANT, M80_INDEFINITE_SE, rFlags, rUp,
  unpack80, roundToIntMag, xNeg, xExp, xMant, pack80FromInt, pMant, pSE,
} from "./float80";
import {
  cls80, K_ZERO, K_FIN, K_INF, K_QNAN, K_SNAN, K_UNS, specialIn, denFlags, isDenormal80, unpackFin, uM, uE,
  oM, oSE, oFlags, oUp, setOut, indefiniteOut, roundPack, div128, wHi, wLo, intTo80,
} from "./ext80";
import { fpuPushOk } from "./ops";

const TOP: u64 = 0x8000_0000_0000_0000;
const PC64: u32 = 0x300;

function setC1(up: bool): void { swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0)); }

/**
 * FPREM (quotient truncated) / FPREM1 (quotient rounded to nearest, IEEE remainder). Exponent difference
 * d >= 64: a partial remainder that reduces the exponent by n = 32 + (d mod 32) (SDM FPREM: "an
 * implementation-dependent number between 32 and 63"), C2 = 1. Otherwise the exact remainder with C2 = 0 and
 * the low quotient bits Q2, Q1, Q0 in C0, C3, C1.
 */
export function fpremOp(ieee: bool): void {
  const am = stMant(0), ase = stSE(0), bm = stMant(1), bse = stSE(1);
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  const cw = load<u32>(FPU_CW) | PC64;
  // C1 = C2 = 0 unless the remainder sets them; NaN, invalid or unmasked denormal operands leave C0 and C3
  // unchanged (measured)
  swSet(swGet() & ~(SW_C1 | SW_C2));
  if (specialIn(am, ase, ka, bm, bse, kb)) {
    if (fpuSignal(oFlags)) stSetRaw(0, oM, oSE);
    return;
  }
  const den = denFlags(am, ase, bm, bse);
  if (ka == K_INF || kb == K_ZERO) { // invalid; a denormal operand is not reported (measured)
    if (fpuSignal(SW_IE)) { indefiniteOut(0); stSetRaw(0, oM, oSE); }
    return;
  }
  const CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;
  if (kb == K_INF || ka == K_ZERO) {
    // the remainder is ST(0) (a denormal ST(0) is still normalised through the rounding path)
    if (!fpuSignal(den)) return;
    if (ka == K_FIN) {
      unpackFin(am, ase);
      roundPack((ase & 0x8000) != 0, uE, uM, 0, cw);
      fpuSignal(oFlags); // a denormal with unmasked UE: the scaled result (measured)
      stSetRaw(0, oM, oSE);
    }
    swSet(swGet() & ~CC);
    return;
  }
  unpackFin(am, ase); const ma = uM, ea = uE;
  unpackFin(bm, bse); const mb = uM, eb = uE;
  const neg = (ase & 0x8000) != 0;
  const d = ea - eb;
  let r: u64 = 0, q: u64 = 0, re: i32 = eb, rneg = neg, rHigh = false; // rHigh: remainder has 65 bits (r + 2^64)
  let partial = false;
  if (d >= 64) {
    partial = true;
    const n = 32 | (d & 31);
    // divide by b * 2^(d - n): the quotient keeps n + 1 bits, the remainder has exponent ea - n
    div128(ma >> <u64>(64 - n), ma << <u64>n, mb);
    q = wHi; r = wLo; re = eb + (d - n);
  } else if (d >= 0) {
    if (d == 0) { q = ma >= mb ? 1 : 0; r = ma - (q != 0 ? mb : 0); }
    else { div128(ma >> <u64>(64 - d), ma << <u64>d, mb); q = wHi; r = wLo; }
    if (ieee) {
      // round the quotient to nearest: compare 2r with mb
      const twoR = r << 1, carry = (r >> 63) != 0;
      if (carry || twoR > mb || (twoR == mb && (q & 1) != 0)) { r = mb - r; q++; rneg = !neg; }
    }
  } else {
    r = ma; re = ea; q = 0;
    if (ieee && d == -1 && ma > mb) {
      // |a| in (|b|/2, |b|): remainder |a| - |b| = -(2mb - ma) * 2^(eb - 64)
      const t = (mb << 1) - ma; // 2mb - ma, may need 65 bits: mb << 1 wraps when mb >= 2^63 (always)
      r = t; rHigh = false; re = eb - 1; q = 1; rneg = !neg;
      // 2mb - ma with mb, ma in [2^63, 2^64): 2mb - ma in (0, 2^64) exactly since ma > mb
    }
  }
  if (!fpuSignal(den)) return;
  if (r == 0) setOut(0, neg ? 0x8000 : 0, 0);
  else {
    const lz = <i32>clz(r);
    roundPack(rneg, re - lz, r << <u64>lz, 0, cw);
    if (!fpuSignal(oFlags)) return;
  }
  stSetRaw(0, oM, oSE);
  const clearC = swGet() & ~CC;
  if (partial) swSet(clearC | SW_C2);
  else swSet(clearC | ((q & 4) != 0 ? SW_C0 : 0) | ((q & 2) != 0 ? SW_C3 : 0) | ((q & 1) != 0 ? SW_C1 : 0));
}

/** FXTRACT: ST(0) = exponent, then push the significand (value in [1, 2) with the sign). */
export function fxtractOp(): void {
  const am = stMant(0), ase = stSE(0);
  const k = cls80(am, ase);
  if (!physEmpty(physOf(7))) {
    // stack overflow; masked: both the exponent and the significand are the indefinite (measured)
    if (stackOverflow()) { indefiniteOut(0); stSetRaw(0, oM, oSE); decTop(); stSetRaw(0, oM, oSE); }
    return;
  }
  if (k == K_UNS || k == K_QNAN || k == K_SNAN) {
    specialIn(am, ase, k, am, ase, k);
    if (!fpuSignal(oFlags)) return;
    const m = oM, se = oSE;
    stSetRaw(0, m, se); decTop(); stSetRaw(0, m, se);
    setC1(false);
    return;
  }
  let em: u64 = 0, ese: u32 = 0, sm: u64 = am, sse: u32 = ase;
  let exc: u32 = 0;
  if (k == K_ZERO) { exc = SW_ZE; em = TOP; ese = 0xFFFF; }
  else if (k == K_INF) { em = TOP; ese = 0x7FFF; }
  else {
    if (isDenormal80(am, ase)) exc = SW_DE;
    unpackFin(am, ase);
    intTo80(<i64>uE); em = oM; ese = oSE;
    sm = uM; sse = (ase & 0x8000) | 0x3FFF;
  }
  if (!fpuSignal(exc)) return;
  stSetRaw(0, em, ese);
  decTop();
  stSetRaw(0, sm, sse);
  setC1(false);
}

/** FSCALE: ST(0) * 2^trunc(ST(1)). */
export function fscaleOp(): void {
  const am = stMant(0), ase = stSE(0), bm = stMant(1), bse = stSE(1);
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  if (specialIn(am, ase, ka, bm, bse, kb)) {
    if (fpuSignal(oFlags)) { stSetRaw(0, oM, oSE); setC1(false); }
    return;
  }
  const den = denFlags(am, ase, bm, bse);
  const as: u32 = ase & 0x8000;
  if (kb == K_INF) {
    if ((bse & 0x8000) == 0) { // * 2^+inf
      if (ka == K_ZERO) indefiniteOut(SW_IE);
      else setOut(TOP, as | 0x7FFF, den);
    } else {
      if (ka == K_INF) indefiniteOut(SW_IE);
      else setOut(0, as, den);
    }
  } else if (ka == K_ZERO || ka == K_INF) {
    setOut(am, ase, den);
  } else {
    let n: i32 = 0;
    if (kb == K_FIN) {
      unpackFin(bm, bse);
      if (uE >= 0) n = uE > 20 ? 1 << 20 : <i32>(uM >> <u64>(63 - uE));
      if ((bse & 0x8000) != 0) n = -n;
    }
    unpackFin(am, ase);
    roundPack(as != 0, uE + n, uM, 0, load<u32>(FPU_CW) | PC64);
    oFlags |= den;
  }
  if (fpuSignal(oFlags)) { stSetRaw(0, oM, oSE); setC1(oUp); }
}

/** FRNDINT under the rounding control (not the precision control). */
export function frndintOp(): void {
  const m = stMant(0), se = stSE(0);
  const k = cls80(m, se);
  if (k == K_UNS) { if (fpuSignal(SW_IE)) stSetRaw(0, M80_INDEFINITE_MANT, M80_INDEFINITE_SE); return; }
  if (k == K_SNAN) { if (fpuSignal(SW_IE)) stSetRaw(0, m | 0x4000_0000_0000_0000, se); return; }
  if (k != K_FIN) return;
  const den: u32 = isDenormal80(m, se) ? SW_DE : 0;
  unpack80(m, se);
  if (xExp >= 63) { if (fpuSignal(den)) setC1(false); return; }
  const neg = xNeg;
  const mag = roundToIntMag(rcOf());
  const exc = rFlags | den;
  if (!fpuSignal(exc)) return;
  pack80FromInt(neg, mag);
  stSetRaw(0, pMant, pSE);
  setC1(false); // measured (AMD): FRNDINT leaves C1 = 0 even when it rounds up
}
