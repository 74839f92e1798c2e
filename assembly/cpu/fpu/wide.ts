// A small wide floating-point format for the x87 transcendentals: a sign, an i32 exponent and a 128-bit
// significand (value = (hi:lo) * 2^(e - 127), bit 127 set unless zero). Operations truncate, so each one is
// accurate to about 2^-126 relative; results are rounded to the 80-bit format once, at the end, by
// ext80.roundPack. Values live in slots of a static block (no allocation): W(i) is the address of slot i.
// Everything is integer code except first guesses for division and square root, which come from f64 and are
// refined by Newton steps in the wide format.
import { mul64, wHi, wLo, roundPack, unpackFin, uM, uE } from "./ext80";

const SLOT: u32 = 24; // hi u64, lo u64, e i32, neg u32
const NSLOTS: u32 = 128; // 0-29 work, 30-35 internal temporaries, 40-127 constant tables (transcendental.ts)
const base = <u32>memory.data(SLOT * NSLOTS, 8);
const ZERO_E: i32 = -0x100000;

// @ts-ignore: decorator
@inline export function W(i: u32): u32 { return base + i * SLOT; }
// @ts-ignore: decorator
@inline export function wHiOf(p: u32): u64 { return load<u64>(p); }
// @ts-ignore: decorator
@inline export function wLoOf(p: u32): u64 { return load<u64>(p, 8); }
// @ts-ignore: decorator
@inline export function wExp(p: u32): i32 { return load<i32>(p, 16); }
// @ts-ignore: decorator
@inline export function wNeg(p: u32): bool { return load<u32>(p, 20) != 0; }
// @ts-ignore: decorator
@inline export function wIsZero(p: u32): bool { return load<u64>(p) == 0; }

/** Store (-1)^neg * (hi:lo) * 2^(e - 127), normalising. */
export function wPut(p: u32, neg: bool, e: i32, hi: u64, lo: u64): void {
  if (hi == 0) {
    if (lo == 0) { store<u64>(p, 0); store<u64>(p, 0, 8); store<i32>(p, ZERO_E, 16); store<u32>(p, neg ? 1 : 0, 20); return; }
    hi = lo; lo = 0; e -= 64;
  }
  const lz = <i32>clz(hi);
  if (lz != 0) { hi = (hi << <u64>lz) | (lo >> <u64>(64 - lz)); lo <<= <u64>lz; e -= lz; }
  store<u64>(p, hi); store<u64>(p, lo, 8); store<i32>(p, e, 16); store<u32>(p, neg ? 1 : 0, 20);
}

export function wCopy(d: u32, a: u32): void { memory.copy(d, a, SLOT); }
export function wNegate(d: u32, a: u32): void { wCopy(d, a); store<u32>(d, wNeg(a) ? 0 : 1, 20); }
export function wSetNeg(d: u32, neg: bool): void { store<u32>(d, neg ? 1 : 0, 20); }
/** Multiply by 2^k. */
export function wScale(d: u32, a: u32, k: i32): void { wCopy(d, a); if (!wIsZero(d)) store<i32>(d, wExp(a) + k, 16); }

/** A finite 80-bit image (unsupported encodings must be excluded by the caller). */
export function wFrom80(d: u32, m: u64, se: u32): void {
  if (m == 0) { wPut(d, (se & 0x8000) != 0, 0, 0, 0); return; }
  unpackFin(m, se);
  wPut(d, (se & 0x8000) != 0, uE, uM, 0);
}

export function wFromInt(d: u32, v: i64): void {
  const neg = v < 0;
  wPut(d, neg, 127, 0, neg ? <u64>(0 - v) : <u64>v);
}

export function wFromF64(d: u32, v: f64): void {
  const b = reinterpret<u64>(v);
  const ex = <i32>((b >> 52) & 0x7FF);
  if (ex == 0) { wPut(d, false, 0, 0, 0); return; }
  wPut(d, (b >> 63) != 0, ex - 1023, ((b & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000) << 11, 0);
}

/** d = a * b. */
export function wMul(d: u32, a: u32, b: u32): void {
  const neg = wNeg(a) != wNeg(b);
  if (wIsZero(a) || wIsZero(b)) { wPut(d, neg, 0, 0, 0); return; }
  const ah = wHiOf(a), al = wLoOf(a), bh = wHiOf(b), bl = wLoOf(b);
  mul64(ah, bh); const h1 = wHi, h0 = wLo;
  mul64(ah, bl); const m1 = wHi, m0 = wLo;
  mul64(al, bh); const n1 = wHi, n0 = wLo;
  // word 1 (2^64) and its carries into word 2 (the high half of al * bl is left out: below 2^-126 relative)
  let w1 = m0 + n0; const c: u64 = w1 < m0 ? 1 : 0;
  let w2 = h0 + m1; let c2: u64 = w2 < h0 ? 1 : 0;
  let t = w2 + n1; c2 += t < w2 ? 1 : 0; w2 = t;
  t = w2 + c; c2 += t < w2 ? 1 : 0; w2 = t;
  const w3 = h1 + c2;
  wPut(d, neg, wExp(a) + wExp(b) + 1, w3, w2); // wPut normalises (top bit at 255 or 254)
  if ((w3 >> 63) == 0) {
    // normalised by one place: bring in the top bit of word 1
    store<u64>(d, load<u64>(d, 8) | (w1 >> 63), 8);
  }
}

/** d = a + b (sub: a - b). */
export function wAdd(d: u32, a: u32, b: u32, sub: bool): void {
  const na = wNeg(a), nb = wNeg(b) != sub;
  if (wIsZero(b)) { wCopy(d, a); return; }
  if (wIsZero(a)) { wCopy(d, b); wSetNeg(d, nb); return; }
  let xh = wHiOf(a), xl = wLoOf(a), xe = wExp(a), xn = na;
  let yh = wHiOf(b), yl = wLoOf(b), ye = wExp(b), yn = nb;
  if (ye > xe || (ye == xe && (yh > xh || (yh == xh && yl > xl)))) {
    let t = xh; xh = yh; yh = t; t = xl; xl = yl; yl = t;
    const te = xe; xe = ye; ye = te; const tn = xn; xn = yn; yn = tn;
  }
  const sh = xe - ye;
  // lost: bits of y shifted out. A subtraction then takes one more unit, so that truncated results stay
  // below the exact magnitude (wRound's sticky bit then rounds them correctly in the directed modes).
  let lost = false;
  if (sh >= 128) { lost = true; yh = 0; yl = 0; }
  else if (sh >= 64) { lost = yl != 0 || (sh > 64 && (yh << <u64>(128 - sh)) != 0); yl = sh == 64 ? yh : yh >> <u64>(sh - 64); yh = 0; }
  else if (sh > 0) { lost = (yl << <u64>(64 - sh)) != 0; yl = (yl >> <u64>sh) | (yh << <u64>(64 - sh)); yh >>= <u64>sh; }
  if (lost && xn != yn) { yl++; if (yl == 0) yh++; }
  if (xn == yn) {
    const l = xl + yl; const c: u64 = l < xl ? 1 : 0;
    const s1 = xh + yh; const h = s1 + c;
    if (s1 < xh || h < s1) wPut(d, xn, xe + 1, (h >> 1) | 0x8000_0000_0000_0000, (l >> 1) | (h << 63));
    else wPut(d, xn, xe, h, l);
  } else {
    const l = xl - yl; const bo: u64 = xl < yl ? 1 : 0;
    const h = xh - yh - bo;
    wPut(d, xn, xe, h, l);
  }
}

/** d = a / n for a small positive integer n. */
export function wDivSmall(d: u32, a: u32, n: u32): void {
  if (wIsZero(a)) { wCopy(d, a); return; }
  const nn = <u64>n;
  const h = wHiOf(a), l = wLoOf(a);
  let r: u64 = 0;
  let cur = (r << 32) | (h >> 32); const q3 = cur / nn; r = cur % nn;
  cur = (r << 32) | (h & 0xFFFF_FFFF); const q2 = cur / nn; r = cur % nn;
  cur = (r << 32) | (l >> 32); const q1 = cur / nn; r = cur % nn;
  cur = (r << 32) | (l & 0xFFFF_FFFF); const q0 = cur / nn;
  wPut(d, wNeg(a), wExp(a), (q3 << 32) | q2, (q1 << 32) | q0);
}

const T0: u32 = 30, T1: u32 = 31, T2: u32 = 32, T3: u32 = 33, T4: u32 = 34, T5: u32 = 35;

/** d = 1 / a (one Newton step from an f64 guess: about 2^-104 relative). */
export function wRecip(d: u32, a: u32): void {
  const y = W(T0), t = W(T1), two = W(T2);
  // guess: 1 / (significand in [1, 2)) then the exponent
  const sigF = <f64>(wHiOf(a) >> 11) / 4503599627370496.0; // [1, 2)
  wFromF64(y, 1.0 / sigF);
  store<i32>(y, wExp(y) - wExp(a), 16);
  wSetNeg(y, wNeg(a));
  wFromInt(two, 2);
  // one Newton step doubles the 53 correct bits of the guess
  wMul(t, a, y);
  wAdd(t, two, t, true);
  wMul(d, y, t);
}

/** d = a / b. */
export function wDiv(d: u32, a: u32, b: u32): void {
  const r = W(T3);
  wRecip(r, b);
  wMul(d, a, r);
}

/** d = sqrt(a) for a > 0 (Newton on the root from an f64 guess). */
export function wSqrt(d: u32, a: u32): void {
  if (wIsZero(a)) { wCopy(d, a); return; }
  const s = W(T4), q = W(T5);
  const e = wExp(a);
  const sigF = <f64>(wHiOf(a) >> 11) / 4503599627370496.0; // [1, 2)
  const odd = (e & 1) != 0;
  wFromF64(s, Math.sqrt(odd ? sigF * 2.0 : sigF));
  store<i32>(s, wExp(s) + ((odd ? e - 1 : e) >> 1), 16);
  // one Newton step: s = (s + a / s) / 2
  wDiv(q, a, s);
  wAdd(s, s, q, false);
  store<i32>(s, wExp(s) - 1, 16);
  wCopy(d, s);
}

/** Round to the 80-bit format (64-bit significand, rounding control of cw) into ext80's oM/oSE/oFlags/oUp. */
/** exact: the wide value is the exact result (else it is an approximation of an irrational value, and a
 * sticky bit below the wide significand makes the rounding inexact even when the truncated value is short). */
export function wRound(a: u32, cw: u32, exact: bool = false): void {
  if (wIsZero(a)) { roundPack(wNeg(a), 0, 0, 0, cw | 0x300); return; }
  roundPack(wNeg(a), wExp(a), wHiOf(a), wLoOf(a) | (exact ? 0 : 1), cw | 0x300);
}

/** Compare magnitudes: |a| > |b|? */
export function wAbsGreater(a: u32, b: u32): bool {
  if (wIsZero(a)) return false;
  if (wIsZero(b)) return true;
  if (wExp(a) != wExp(b)) return wExp(a) > wExp(b);
  if (wHiOf(a) != wHiOf(b)) return wHiOf(a) > wHiOf(b);
  return wLoOf(a) > wLoOf(b);
}
