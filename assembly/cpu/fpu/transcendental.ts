// FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 on 80-bit images, evaluated in the 128-bit wide format
// (wide.ts) and rounded once to a 64-bit significand under the rounding control (the precision control does
// not apply: SDM Vol. 1 8.1.5.2). Accuracy: the wide evaluation is good to about 2^-100, so results are the
// correctly rounded values of the functions below except in rare near-halfway cases; real x87s are within
// 1 ulp of those (what test/x87.test.ts checks against the host).
// Argument reduction of FSIN/FCOS/FSINCOS/FPTAN follows the hardware: |x| >= 2^63 sets C2 and leaves ST(0);
// otherwise x is reduced by pi/2 rounded to 66 bits, exactly (x - q * pi66 / 2 in integer arithmetic), which
// is what both Intel and AMD parts do (measured on the host: the results match sin(x mod pi66/2) for
// arguments up to 2^62 while differing from sin(x) by millions of ulp there).
// Methods: Taylor series by Horner with exact small-integer divisions (sin, cos, e^u - 1), atanh series for
// logarithms, argument halving t -> t / (1 + sqrt(1 + t^2)) and the arctangent series for FPATAN.
// The caller (ops.ts st0Dispatch) has checked that ST(0) (and ST(1) where used) are not empty.
import { FPU_CW } from "../../layout";
import { fpuSignal, swGet, swSet, decTop, popStack, stSetRaw, stMant, stSE, physEmpty, physOf, stackOverflow } from "./fpu";
import { SW_IE, SW_ZE, SW_DE, SW_C1, SW_C2, M80_INDEFINITE_MANT, M80_INDEFINITE_SE } from "./float80";
import {
  cls80, K_ZERO, K_FIN, K_INF, K_QNAN, K_UNS, specialIn, isDenormal80, unpackFin, uM, uE, oM, oSE, oFlags, oUp,
  div128, mul64, wHi, wLo, setOut, indefiniteOut,
} from "./ext80";
import {
  W, wPut, wCopy, wNegate, wSetNeg, wScale, wFrom80, wFromInt, wMul, wAdd, wDivSmall, wDiv, wSqrt, wRound,
  wIsZero, wNeg, wAbsGreater,
} from "./wide";

const TOP: u64 = 0x8000_0000_0000_0000;
const RR = W(0), R2 = W(1), SV = W(2), CV = W(3), TMP = W(4), ONE = W(5), XV = W(6), YV = W(7), RES = W(8), RES2 = W(9);
const U = W(10), PIV = W(11), T2 = W(12);
let wRoundDir: i32 = 0; // trigValue of a tiny argument: -1 the value is one unit below the true magnitude

function setPi(d: u32): void { wPut(d, false, 1, 0xC90F_DAA2_2168_C234, 0xC4C6_628B_80DC_1CD1); }
function setLn2(d: u32): void { wPut(d, false, -1, 0xB172_17F7_D1CF_79AB, 0xC9E3_B398_03F2_F6AF); }
function setLog2e(d: u32): void { wPut(d, false, 0, 0xB8AA_3B29_5C17_F0BB, 0xBE87_FED0_691D_3E88); }

// Constant tables in wide slots, computed once on first use: 1/n! (n = 0..27), 1/(2k+1) (k = 0..17) and
// atan(k/8) (k = 0..8, the latter by the slow angle-halving kernel).
const FACT: u32 = 40, ODD: u32 = 70, ATAN: u32 = 90;
let tablesReady = false;
function tables(): void {
  if (tablesReady) return;
  tablesReady = true;
  wFromInt(W(FACT), 1);
  for (let n: u32 = 1; n <= 27; n++) wDivSmall(W(FACT + n), W(FACT + n - 1), n);
  wFromInt(ONE, 1);
  for (let k: u32 = 0; k <= 17; k++) wDivSmall(W(ODD + k), ONE, 2 * k + 1);
  wPut(W(ATAN), false, 0, 0, 0);
  for (let k: i32 = 1; k <= 8; k++) {
    wFromInt(XV, k);
    wScale(XV, XV, -3);
    atanHalving(W(ATAN + <u32>k), XV);
  }
}

/** Horner: d = c[K] op z (c[K-1] op z (...)) with op = + or - (alternating series), c from table slots. */
function horner(d: u32, z: u32, table: u32, first: u32, step: u32, count: u32, alternate: bool): void {
  // terms c[first + step * j] for j = 0..count-1; evaluation from the highest
  wCopy(d, W(table + first + step * (count - 1)));
  for (let j = <i32>count - 2; j >= 0; j--) {
    wMul(TMP, z, d);
    wAdd(d, W(table + first + step * <u32>j), TMP, alternate);
  }
}

function setC1(up: bool): void { swSet((swGet() & ~SW_C1) | (up ? SW_C1 : 0)); }
function cw(): u32 { return load<u32>(FPU_CW); }

// ---- sin / cos kernels on |r| <= pi/4 ---------------------------------------------------------------------
function sinPoly(d: u32, r: u32): void {
  // sin r = r (1/1! - r^2/3! + r^4/5! - ...), |r| <= pi/4: terms to r^23/23! (below 2^-72 relative)
  wMul(R2, r, r);
  horner(SV, R2, FACT, 1, 2, 12, true);
  wMul(d, r, SV);
}

function cosPoly(d: u32, r: u32): void {
  // cos r = 1/0! - r^2/2! + r^4/4! - ..., terms to r^24/24!
  wMul(R2, r, r);
  horner(d, R2, FACT, 0, 2, 13, true);
}

// pi/2 rounded to 66 bits: P' * 2^-65 with P' = 3_243F6A88_85A308D3h
const P_HI: u64 = 3;
const P_LO: u64 = 0x243F_6A88_85A3_08D3;
const P_TOP: u64 = 0xC90F_DAA2_2168_C234; // P' / 4, truncated to 64 bits
let trigQ: u32 = 0;

/** Reduce |x| (finite, below 2^63) to RR in [-pi/4, pi/4] and the quadrant trigQ. */
function trigReduce(m: u64, se: u32): void {
  unpackFin(m, se & 0x7FFF);
  const mx = uM, ex = uE;
  if (ex < -1) { wPut(RR, false, ex, mx, 0); trigQ = 0; return; }
  // N = |x| * 2^65 = mx * 2^(ex + 2), an integer of up to 128 bits
  const s = ex + 2;
  const nHi: u64 = s == 64 ? mx : mx >> <u64>(64 - s);
  const nLo: u64 = s == 64 ? 0 : mx << <u64>s;
  // quotient estimate by the truncated divisor, then exact correction of R = N - q * P'
  div128(nHi >> 2, (nLo >> 2) | (nHi << 62), P_TOP);
  let q = wHi;
  mul64(q, P_LO);
  const t0 = wLo, t1 = wHi + q * P_HI;
  let r0 = nLo - t0;
  let r1 = nHi - t1 - (nLo < t0 ? 1 : 0);
  while (<i64>r1 < 0) { const n0 = r0 + P_LO; r1 += P_HI + (n0 < r0 ? 1 : 0); r0 = n0; q--; }
  while (r1 > P_HI || (r1 == P_HI && r0 >= P_LO)) { const n0 = r0 - P_LO; r1 -= P_HI + (r0 < P_LO ? 1 : 0); r0 = n0; q++; }
  // to the nearest multiple: R > P'/2 => R - P' (P' is odd, so no tie)
  const d1 = (r1 << 1) | (r0 >> 63), d0 = r0 << 1;
  let neg = false;
  if (d1 > P_HI || (d1 == P_HI && d0 > P_LO)) {
    // R - P' < 0: store P' - R
    const n0 = P_LO - r0;
    r1 = P_HI - r1 - (P_LO < r0 ? 1 : 0); r0 = n0;
    q++; neg = true;
  }
  wPut(RR, neg, 62, r1, r0);
  trigQ = <u32>(q & 3);
}

/** Common checks of FSIN/FCOS/FSINCOS/FPTAN. push: the instruction pushes a second result. */
function trigPrologue(push: bool): bool {
  const m = stMant(0), se = stSE(0), k = cls80(m, se);
  swSet(swGet() & ~SW_C2); // C2 = 0 unless the argument is out of range, also when an exception stops it (measured)
  if (push && !physEmpty(physOf(7))) {
    // stack overflow; masked: both results are the indefinite
    if (stackOverflow()) { stSetRaw(0, M80_INDEFINITE_MANT, M80_INDEFINITE_SE); decTop(); stSetRaw(0, M80_INDEFINITE_MANT, M80_INDEFINITE_SE); }
    return false;
  }
  if (k == K_UNS || k >= K_QNAN) {
    specialIn(m, se, k, m, se, k);
    if (!fpuSignal(oFlags)) return false;
    const rm = oM, rse = oSE;
    stSetRaw(0, rm, rse);
    if (push) { decTop(); stSetRaw(0, rm, rse); }
    swSet(swGet() & ~SW_C2);
    return false;
  }
  if (k == K_INF) {
    if (fpuSignal(SW_IE)) {
      stSetRaw(0, M80_INDEFINITE_MANT, M80_INDEFINITE_SE);
      if (push) { decTop(); stSetRaw(0, M80_INDEFINITE_MANT, M80_INDEFINITE_SE); }
      swSet(swGet() & ~SW_C2);
    }
    return false;
  }
  if (k == K_FIN && <i32>(se & 0x7FFF) >= 16383 + 63) { swSet(swGet() | SW_C2); return false; } // out of range
  return true;
}

/** Kind: 0 sin, 1 cos, 2 tan (quotient of sin and cos of the reduced argument, with the quadrant). */
function trigValue(d: u32, kind: u32, xneg: bool): void {
  const q = trigQ;
  if (!wIsZero(RR) && load<i32>(RR, 16) < -34) {
    // |r| < 2^-34: sin r = r - r^3/6, tan r = r + r^3/3, cos r = 1 - r^2/2, where the correction is below
    // 2^-68 relative: only its direction matters for the rounding (one unit below, or a sticky bit above)
    const sinLike = ((q & 1) == 0) == (kind != 1);
    if (sinLike) {
      wCopy(d, RR);
      if (kind == 2) { wRoundDir = 1; } else wRoundDir = -1;
    } else {
      wFromInt(d, 1); wRoundDir = -1;
      if (kind == 2) { // -cot r = -1/r (1 - r^2/3 ...): magnitude below 1/r
        wFromInt(ONE, 1); wDiv(d, ONE, RR); wSetNeg(d, false); wRoundDir = 0;
      }
    }
    if (kind == 0 && (q & 2) != 0) wNegate(d, d);
    if (kind == 1 && ((q + 1) & 2) != 0) wNegate(d, d);
    if (kind == 2 && (q & 1) != 0) wNegate(d, d);
    if (kind != 1 && xneg) wNegate(d, d);
    if (wRoundDir < 0) { // one unit below in magnitude
      const lo = load<u64>(d, 8);
      if (lo != 0) store<u64>(d, lo - 1, 8);
      else { store<u64>(d, 0xFFFF_FFFF_FFFF_FFFF, 8); const hi = load<u64>(d) - 1; store<u64>(d, hi, 0); if ((hi >> 63) == 0) { store<u64>(d, (hi << 1) | 1, 0); store<i32>(d, load<i32>(d, 16) - 1, 16); } }
    }
    return;
  }
  wRoundDir = 0;
  if (kind == 0) {
    if ((q & 1) == 0) sinPoly(d, RR); else cosPoly(d, RR);
    if ((q & 2) != 0) wNegate(d, d);
    if (xneg) wNegate(d, d);
  } else if (kind == 1) {
    if ((q & 1) == 0) cosPoly(d, RR); else sinPoly(d, RR);
    if (((q + 1) & 2) != 0) wNegate(d, d);
  } else {
    sinPoly(RES2, RR);
    cosPoly(TMP, RR);
    wCopy(U, TMP);
    if ((q & 1) == 0) wDiv(d, RES2, U);
    else { wDiv(d, U, RES2); wNegate(d, d); }
    if (xneg) wNegate(d, d);
  }
}

function trigOne(kind: u32): void {
  tables(); // before any wide slot is in use
  if (!trigPrologue(false)) return;
  const m = stMant(0), se = stSE(0);
  const den: u32 = isDenormal80(m, se) ? SW_DE : 0;
  if (m == 0) { // +-0: sin = +-0, cos = 1
    if (kind == 1) stSetRaw(0, TOP, 0x3FFF);
    swSet(swGet() & ~(SW_C1 | SW_C2));
    return;
  }
  trigReduce(m, se);
  trigValue(RES, kind, (se & 0x8000) != 0);
  wRound(RES, cw());
  if (!fpuSignal(oFlags | den)) return;
  stSetRaw(0, oM, oSE);
  swSet(swGet() & ~SW_C2);
  setC1(oUp);
}

export function fsinOp(): void { trigOne(0); }
export function fcosOp(): void { trigOne(1); }

/** FSINCOS: ST(0) = sin, then push cos. FPTAN: ST(0) = tan, then push 1.0. */
function trigTwo(tan: bool): void {
  tables(); // before any wide slot is in use
  if (!trigPrologue(true)) return;
  const m = stMant(0), se = stSE(0);
  const den: u32 = isDenormal80(m, se) ? SW_DE : 0;
  if (m == 0) {
    if (tan) { decTop(); stSetRaw(0, TOP, 0x3FFF); }
    else { decTop(); stSetRaw(0, TOP, 0x3FFF); }
    swSet(swGet() & ~(SW_C1 | SW_C2));
    return;
  }
  trigReduce(m, se);
  const xneg = (se & 0x8000) != 0;
  trigValue(RES, tan ? 2 : 0, xneg);
  wRound(RES, cw());
  const m1 = oM, se1 = oSE; let flags = oFlags; let up = oUp;
  let m2: u64 = TOP, se2: u32 = 0x3FFF;
  if (!tan) {
    trigValue(RES, 1, xneg);
    wRound(RES, cw());
    m2 = oM; se2 = oSE; flags |= oFlags; up = oUp;
  }
  if (!fpuSignal(flags | den)) return;
  stSetRaw(0, m1, se1);
  decTop();
  stSetRaw(0, m2, se2);
  swSet(swGet() & ~SW_C2);
  setC1(up);
}

export function fsincosOp(): void { trigTwo(false); }
export function fptanOp(): void { trigTwo(true); }

// ---- FPATAN -------------------------------------------------------------------------------------------------
/** Two-operand special cases (NaN, unsupported): result into ST(1), pop. True when handled. */
function twoSpecial(xm: u64, xse: u32, kx: u32, ym: u64, yse: u32, ky: u32): bool {
  if (!specialIn(ym, yse, ky, xm, xse, kx)) return false;
  if (fpuSignal(oFlags)) { stSetRaw(1, oM, oSE); popStack(); setC1(false); }
  return true;
}

/** Deliver the rounded wide value RES (or the special oM/oSE already set when special) into ST(1) and pop. */
function finishTwo(flags: u32): void {
  if (!fpuSignal(flags)) return;
  stSetRaw(1, oM, oSE);
  popStack();
  setC1(oUp);
}

/** atan(t) for 0 <= t <= 1 into d by angle halving (slow; builds the table). */
function atanHalving(d: u32, t: u32): void {
  wCopy(U, t);
  let halvings = 0;
  wFromInt(ONE, 1);
  // halve the angle until t < 1/8: t / (1 + sqrt(1 + t^2))
  while (!wIsZero(U) && load<i32>(U, 16) >= -3 && halvings < 4) {
    wMul(T2, U, U);
    wAdd(T2, ONE, T2, false);
    wSqrt(T2, T2);
    wAdd(T2, ONE, T2, false);
    wDiv(U, U, T2);
    halvings++;
  }
  // atan(u) = u (1 - u^2/3 + u^4/5 - ...): p = 1/(2k+1) - u^2 p
  wMul(R2, U, U);
  wPut(RES2, false, 0, 0, 0);
  for (let k: i32 = 13; k >= 0; k--) {
    wMul(TMP, R2, RES2);
    wDivSmall(T2, ONE, <u32>(2 * k + 1));
    wAdd(RES2, T2, TMP, true);
  }
  wMul(d, U, RES2);
  wScale(d, d, halvings);
}

/** atan(t) for 0 <= t <= 1 into d: atan(c) + atan((t - c) / (1 + t c)) with c = k/8 nearest to t. */
function atanKernel(d: u32, t: u32): void {
  // k = round(8 t)
  let k: u32 = 0;
  if (!wIsZero(t)) {
    const e = load<i32>(t, 16);
    if (e >= -4) k = <u32>(((load<u64>(t) >> <u64>(59 - e)) + 1) >> 1); // round(8t) = (floor(16t) + 1) / 2
  }
  if (k == 0) wCopy(U, t);
  else {
    wFromInt(T2, <i64>k);
    wScale(T2, T2, -3); // c
    wMul(TMP, t, T2);
    wFromInt(ONE, 1);
    wAdd(TMP, ONE, TMP, false); // 1 + t c
    wAdd(U, t, T2, true); // t - c
    wDiv(U, U, TMP);
  }
  // atan(u) = u (1 - u^2/3 + u^4/5 - ...), |u| <= 1/16: terms to u^19/19
  wMul(R2, U, U);
  horner(RES2, R2, ODD, 0, 1, 10, true);
  wMul(d, U, RES2);
  if (k != 0) wAdd(d, W(ATAN + k), d, false);
}

export function fpatanOp(): void {
  tables(); // before any wide slot is in use
  const xm = stMant(0), xse = stSE(0), ym = stMant(1), yse = stSE(1);
  const kx = cls80(xm, xse), ky = cls80(ym, yse);
  if (twoSpecial(xm, xse, kx, ym, yse, ky)) return;
  const den: u32 = isDenormal80(xm, xse) || isDenormal80(ym, yse) ? SW_DE : 0;
  const xneg = (xse & 0x8000) != 0, yneg = (yse & 0x8000) != 0;
  const c = cw();
  setPi(PIV);
  if (ky == K_ZERO || (ky == K_FIN && kx == K_INF)) {
    // y = +-0 (or finite over infinite x): +-0 for x positive, +-pi for x negative
    if (!xneg) { setOut(0, yse & 0x8000, 0); finishTwo(den); return; }
    wSetNeg(PIV, yneg); wRound(PIV, c); finishTwo(oFlags | den); return;
  }
  if (ky == K_INF) {
    // +-pi/2 for finite x, +-pi/4 for x = +inf, +-3pi/4 for x = -inf
    if (kx != K_INF) wScale(RES, PIV, -1);
    else if (!xneg) wScale(RES, PIV, -2);
    else { wFromInt(TMP, 3); wMul(RES, PIV, TMP); wScale(RES, RES, -2); }
    wSetNeg(RES, yneg); wRound(RES, c); finishTwo(oFlags | den); return;
  }
  if (kx == K_ZERO) { wScale(RES, PIV, -1); wSetNeg(RES, yneg); wRound(RES, c); finishTwo(oFlags | den); return; }
  // finite non-zero x and y
  wFrom80(XV, xm, xse & 0x7FFF);
  wFrom80(YV, ym, yse & 0x7FFF);
  const swap = wAbsGreater(YV, XV);
  if (swap) wDiv(RES, XV, YV); else wDiv(RES, YV, XV);
  atanKernel(RES, RES);
  if (swap) { wScale(TMP, PIV, -1); wAdd(RES, TMP, RES, true); }
  if (xneg) wAdd(RES, PIV, RES, true);
  wSetNeg(RES, yneg);
  wRound(RES, c);
  finishTwo(oFlags | den);
}

// ---- F2XM1 --------------------------------------------------------------------------------------------------
export function f2xm1Op(): void {
  tables(); // before any wide slot is in use
  const m = stMant(0), se = stSE(0), k = cls80(m, se);
  if (k == K_UNS || k >= K_QNAN) {
    specialIn(m, se, k, m, se, k);
    if (fpuSignal(oFlags)) { stSetRaw(0, oM, oSE); setC1(false); }
    return;
  }
  if (k == K_ZERO) { setC1(false); return; }
  if (k == K_INF) { // 2^+inf - 1 = +inf, 2^-inf - 1 = -1
    if ((se & 0x8000) != 0) stSetRaw(0, TOP, 0xBFFF);
    setC1(false);
    return;
  }
  const den: u32 = isDenormal80(m, se) ? SW_DE : 0;
  // e^u - 1 with u = x ln 2: u (1 + u/2 (1 + u/3 (1 + ...)))
  wFrom80(XV, m, se);
  setLn2(TMP);
  wMul(U, XV, TMP);
  // u (1/1! + u/2! + u^2/3! + ...), |u| <= ln 2: terms to u^25/26!
  horner(RES2, U, FACT, 1, 1, 26, false);
  wMul(RES, U, RES2);
  wRound(RES, cw());
  if (!fpuSignal(oFlags | den)) return;
  stSetRaw(0, oM, oSE);
  setC1(oUp);
}

// ---- FYL2X / FYL2XP1 ----------------------------------------------------------------------------------------
/** ln of the wide value (1 + s) / (1 - s) = 2 atanh(s) for |s| <= 0.18, into d. */
function atanh2(d: u32, s: u32): void {
  // 2 s (1 + s^2/3 + s^4/5 + ...), |s| <= 0.18: terms to s^34/35
  wMul(R2, s, s);
  horner(RES2, R2, ODD, 0, 1, 18, false);
  wMul(d, s, RES2);
  wScale(d, d, 1);
}

let logExact = false; // FYL2X of a power of two: log2 is an exact integer

/** Result y * l where l = log2(...) is the wide value in RES (l may be zero); sign rules of a product. */
function productInto1(ym: u64, yse: u32, ky: u32, den: u32): void {
  const c = cw();
  if (ky == K_INF) {
    if (wIsZero(RES)) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(TOP, ((yse & 0x8000) ^ (wNeg(RES) ? 0x8000 : 0)) | 0x7FFF, 0);
    finishTwo(den);
    return;
  }
  if (ky == K_ZERO || wIsZero(RES)) {
    setOut(0, (yse & 0x8000) ^ (wNeg(RES) ? 0x8000 : 0), 0);
    finishTwo(den);
    return;
  }
  wFrom80(YV, ym, yse);
  wMul(RES, RES, YV);
  wRound(RES, c, logExact);
  finishTwo(oFlags | den);
}

/** FYL2X: ST(1) = ST(1) * log2(ST(0)), pop. */
export function fyl2xOp(): void {
  tables(); // before any wide slot is in use
  const xm = stMant(0), xse = stSE(0), ym = stMant(1), yse = stSE(1);
  const kx = cls80(xm, xse), ky = cls80(ym, yse);
  if (twoSpecial(xm, xse, kx, ym, yse, ky)) return;
  const den: u32 = isDenormal80(xm, xse) || isDenormal80(ym, yse) ? SW_DE : 0;
  const xneg = (xse & 0x8000) != 0;
  if (xneg && kx != K_ZERO) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
  if (kx == K_ZERO) {
    // log2(0) = -inf: y * -inf (zero divide for finite y, invalid for y = 0)
    if (ky == K_ZERO) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(TOP, ((yse & 0x8000) ^ 0x8000) | 0x7FFF, 0);
    finishTwo(ky == K_INF ? den : SW_ZE);
    return;
  }
  if (kx == K_INF) {
    if (ky == K_ZERO) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(TOP, (yse & 0x8000) | 0x7FFF, 0);
    finishTwo(den);
    return;
  }
  // x = 2^e * m, m in [sqrt(1/2), sqrt(2)): log2 x = e + log2(e) * 2 atanh((m - 1) / (m + 1))
  unpackFin(xm, xse);
  let e = uE;
  let mexp: i32 = 0;
  if (uM > 0xB504_F333_F9DE_6484) { mexp = -1; e++; } // m > sqrt(2)
  wPut(XV, false, mexp, uM, 0);
  wFromInt(ONE, 1);
  wAdd(U, XV, ONE, true);
  logExact = false; // measured: PE even for exact results (x a power of two)
  if (wIsZero(U)) wPut(RES, false, 0, 0, 0);
  else {
    wAdd(T2, XV, ONE, false);
    wDiv(U, U, T2);
    atanh2(RES, U);
    setLog2e(TMP);
    wMul(RES, RES, TMP);
  }
  if (e != 0) { wFromInt(TMP, <i64>e); wAdd(RES, TMP, RES, false); }
  productInto1(ym, yse, ky, den);
}

/** FYL2XP1: ST(1) = ST(1) * log2(ST(0) + 1), pop (defined for |x| < 1 - sqrt(2)/2). */
export function fyl2xp1Op(): void {
  tables(); // before any wide slot is in use
  const xm = stMant(0), xse = stSE(0), ym = stMant(1), yse = stSE(1);
  const kx = cls80(xm, xse), ky = cls80(ym, yse);
  if (twoSpecial(xm, xse, kx, ym, yse, ky)) return;
  const den: u32 = isDenormal80(xm, xse) || isDenormal80(ym, yse) ? SW_DE : 0;
  if (kx == K_INF) {
    if ((xse & 0x8000) != 0 || ky == K_ZERO) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(TOP, (yse & 0x8000) | 0x7FFF, 0); finishTwo(den); return;
  }
  if (kx == K_ZERO) {
    if (ky == K_INF) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(0, (yse ^ xse) & 0x8000, 0); finishTwo(den); return;
  }
  // outside the defined range |x| < 1 - sqrt(2)/2 the result is undefined; keep it finite and sane:
  // x < -1 is invalid, x = -1 is log2(0)
  if ((xse & 0x8000) != 0 && (xse & 0x7FFF) >= 0x3FFF) {
    const eq = (xse & 0x7FFF) == 0x3FFF && xm == TOP;
    if (!eq || ky == K_ZERO) { indefiniteOut(SW_IE); finishTwo(SW_IE); return; }
    setOut(TOP, ((yse & 0x8000) ^ 0x8000) | 0x7FFF, 0);
    finishTwo(ky == K_INF ? den : SW_ZE);
    return;
  }
  // log2(1 + x) = log2(e) * 2 atanh(x / (2 + x))
  logExact = false;
  wFrom80(XV, xm, xse);
  wFromInt(TMP, 2);
  wAdd(T2, TMP, XV, false);
  wDiv(U, XV, T2);
  atanh2(RES, U);
  setLog2e(TMP);
  wMul(RES, RES, TMP);
  productInto1(ym, yse, ky, den);
}
