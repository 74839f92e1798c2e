// x87 arithmetic on f64 working values with the x87's exception rules (SDM Vol. 1 4.9, 8.5) and the
// control word's rounding and precision control (see the precision notes in fpu.ts).
//
// Each basic operation computes the f64 result r rounded to nearest and the sign of the exact error
// (true = r + err), using error-free transformations (TwoSum, Dekker's product) on operands scaled to
// [1, 2) so nothing overflows. finish() then rounds "r plus a sticky bit" to the precision and rounding
// mode of the control word in integer code: directed rounding, PE, C1 and overflow/underflow are exact.
import {
  SW_IE, SW_ZE, SW_PE, SW_UE, SW_OE, RC_DOWN, RC_NEAREST, RC_UP, RC_ZERO,
  isNaN64, isInf64, isSNaN64, signOf, quiet64, indefinite, zeroOf, infOf, unpack64, setX, xNeg, xMant, xExp,
  roundTo, rFlags, rUp,
} from "./float80";
import { FPU_CW } from "../../layout";

/** Result of the last operation and its exception flags / "rounded up" (C1). */
export let aRes: f64 = 0;
export let aFlags: u32 = 0;
export let aUp: bool = false;

const FRAC: u64 = 0x000F_FFFF_FFFF_FFFF;
const SPLIT: f64 = 134217729.0; // 2^27 + 1

// @ts-ignore: decorator
@inline function neg64(v: f64): f64 { return reinterpret<f64>(reinterpret<u64>(v) ^ 0x8000_0000_0000_0000); }
// @ts-ignore: decorator
@inline function abs64(v: f64): f64 { return reinterpret<f64>(reinterpret<u64>(v) & 0x7FFF_FFFF_FFFF_FFFF); }

/** x87 NaN propagation (SDM Vol. 1 table 4-7): QNaN over SNaN, else the larger significand; always quiet. */
export function propagateNaN(a: f64, b: f64): f64 {
  const an = isNaN64(a), bn = isNaN64(b);
  if (an && bn) {
    const as = isSNaN64(a), bs = isSNaN64(b);
    if (as != bs) return quiet64(as ? b : a);
    const fa = reinterpret<u64>(a) & FRAC | 0x0008_0000_0000_0000, fb = reinterpret<u64>(b) & FRAC | 0x0008_0000_0000_0000;
    if (fa > fb) return quiet64(a);
    if (fb > fa) return quiet64(b);
    return quiet64(signOf(a) ? b : a);
  }
  return quiet64(an ? a : b);
}

/** IE if any operand is an SNaN, and the propagated NaN. */
function nanResult(a: f64, b: f64): void {
  aFlags = isSNaN64(a) || isSNaN64(b) ? SW_IE : 0;
  aRes = propagateNaN(a, b);
  aUp = false;
}

function invalid(): void { aFlags = SW_IE; aRes = indefinite(); aUp = false; }

/** Significand bits of the precision control: 24, 53 (also for 64, see fpu.ts). */
function pcBits(): i32 { return ((load<u32>(FPU_CW) >> 8) & 3) == 0 ? 24 : 53; }
function rc(): u32 { return (load<u32>(FPU_CW) >> 10) & 3; }

/** The f64 with the sign and significand of finite non-zero v and exponent 0 (value in [1, 2)). */
let scExp: i32 = 0;
function scaled(v: f64): f64 {
  unpack64(v); // normalises denormals
  scExp = xExp;
  const b: u64 = (xNeg ? <u64>0x8000_0000_0000_0000 : 0) | (<u64>1023 << 52) | ((xMant >> 11) & FRAC);
  return reinterpret<f64>(b);
}

/** Round (r + err) * 2^scale, err having sign errSign, under the control word; sets aRes/aFlags/aUp. */
function finish(r: f64, errSign: i32, scale: i32): void {
  unpack64(r);
  let m = xMant, e = xExp + scale;
  const neg = xNeg;
  if (errSign != 0 && m != 0) {
    const magUp = (errSign > 0) != neg;
    if (magUp) m |= 1;
    else { m -= 1; if ((m >> 63) == 0) { m <<= 1; e -= 1; } }
  }
  setX(neg, m, e);
  aRes = roundTo(pcBits(), -1022, 1023, rc());
  aFlags = rFlags;
  aUp = rUp;
}

/** Product hi = fl(a*b) and the sign of the exact error, by Dekker's algorithm (|a|, |b| in [1, 4)). */
function productErr(a: f64, b: f64, hi: f64): f64 {
  const ca = SPLIT * a, cb = SPLIT * b;
  const ah = ca - (ca - a), al = a - ah;
  const bh = cb - (cb - b), bl = b - bh;
  return (((ah * bh - hi) + ah * bl) + al * bh) + al * bl;
}

function sgn(v: f64): i32 { return v > 0 ? 1 : v < 0 ? -1 : 0; }

export function fadd(a: f64, b: f64): void {
  if (isNaN64(a) || isNaN64(b)) { nanResult(a, b); return; }
  const ai = isInf64(a), bi = isInf64(b);
  if (ai || bi) {
    if (ai && bi && signOf(a) != signOf(b)) { invalid(); return; }
    aRes = ai ? a : b; aFlags = 0; aUp = false; return;
  }
  if (a == 0 || b == 0) {
    if (a == 0 && b == 0) {
      const sa = signOf(a), sb = signOf(b);
      aRes = zeroOf(sa == sb ? sa : rc() == RC_DOWN); aFlags = 0; aUp = false; return;
    }
    finish(a == 0 ? b : a, 0, 0); // rounds to the precision control
    return;
  }
  // order by magnitude; a tiny addend only acts as a sticky bit
  let x = a, y = b;
  if (abs64(y) > abs64(x)) { x = b; y = a; }
  unpack64(x); const ex = xExp;
  unpack64(y); const ey = xExp;
  if (ex - ey > 60) { finish(x, sgn(y), 0); return; }
  let scale = 0;
  if (ex >= 1020) { x = x * 0.25; y = y * 0.25; scale = 2; } // exact: both are large here
  const s = x + y;
  if (s == 0) { aRes = zeroOf(rc() == RC_DOWN); aFlags = 0; aUp = false; return; }
  const bb = s - x;
  const err = (x - (s - bb)) + (y - bb);
  finish(s, sgn(err), scale);
}

export function fsub(a: f64, b: f64): void {
  if (isNaN64(a) || isNaN64(b)) { nanResult(a, b); return; }
  fadd(a, neg64(b));
}

export function fmul(a: f64, b: f64): void {
  if (isNaN64(a) || isNaN64(b)) { nanResult(a, b); return; }
  const neg = signOf(a) != signOf(b);
  const ai = isInf64(a), bi = isInf64(b);
  if (ai || bi) {
    if (a == 0 || b == 0) { invalid(); return; }
    aRes = infOf(neg); aFlags = 0; aUp = false; return;
  }
  if (a == 0 || b == 0) { aRes = zeroOf(neg); aFlags = 0; aUp = false; return; }
  const x = scaled(a); const ex = scExp;
  const y = scaled(b); const ey = scExp;
  const p = x * y;
  finish(p, sgn(productErr(x, y, p)), ex + ey);
}

export function fdiv(a: f64, b: f64): void {
  if (isNaN64(a) || isNaN64(b)) { nanResult(a, b); return; }
  const neg = signOf(a) != signOf(b);
  const ai = isInf64(a), bi = isInf64(b);
  if (ai && bi) { invalid(); return; }
  if (ai) { aRes = infOf(neg); aFlags = 0; aUp = false; return; }
  if (bi) { aRes = zeroOf(neg); aFlags = 0; aUp = false; return; }
  if (b == 0) {
    if (a == 0) { invalid(); return; }
    aRes = infOf(neg); aFlags = SW_ZE; aUp = false; return;
  }
  if (a == 0) { aRes = zeroOf(neg); aFlags = 0; aUp = false; return; }
  const x = scaled(a); const ex = scExp;
  const y = abs64(scaled(b)); const ey = scExp;
  const xs = signOf(b) ? neg64(x) : x;
  const q = xs / y;
  const ph = q * y;
  const pl = productErr(q, y, ph);
  const rem = (xs - ph) - pl; // exact: ph is within a few ulp of xs
  finish(q, sgn(rem), ex - ey);
}

export function fsqrt(a: f64): void {
  if (isNaN64(a)) { nanResult(a, a); return; }
  if (a == 0) { aRes = a; aFlags = 0; aUp = false; return; }
  if (signOf(a)) { invalid(); return; }
  if (isInf64(a)) { aRes = a; aFlags = 0; aUp = false; return; }
  let x = scaled(a); let e = scExp;
  if ((e & 1) != 0) { x = x * 2.0; e -= 1; }
  const s = Math.sqrt(x);
  const ph = s * s;
  const pl = productErr(s, s, ph);
  const rem = (x - ph) - pl;
  finish(s, sgn(rem), e >> 1);
}

/** Compare: 0 a > b, 1 a < b, 2 equal, 3 unordered. quietNaN: FUCOM (IE only for SNaN). Sets aFlags. */
export function fcompare(a: f64, b: f64, quietNaN: bool): u32 {
  aFlags = 0;
  if (isNaN64(a) || isNaN64(b)) {
    if (!quietNaN || isSNaN64(a) || isSNaN64(b)) aFlags = SW_IE;
    return 3;
  }
  if (a > b) return 0;
  if (a < b) return 1;
  return 2;
}

/** Round v to an integer under the control word (FRNDINT on a working value without an 80-bit image). */
export function roundIntF64(v: f64, mode: u32): f64 {
  switch (mode) {
    case RC_NEAREST: return nearest<f64>(v);
    case RC_DOWN: return floor<f64>(v);
    case RC_UP: return ceil<f64>(v);
    default: return trunc<f64>(v);
  }
}

/** ST0 * 2^n exactly rounded (FSCALE with a finite scale). */
export function scaleBy(a: f64, n: i32): void {
  if (a == 0 || isInf64(a) || isNaN64(a)) { aRes = a; aFlags = 0; aUp = false; return; }
  unpack64(a);
  setX(xNeg, xMant, xExp + n);
  aRes = roundTo(pcBits(), -1022, 1023, rc());
  aFlags = rFlags; aUp = rUp;
}

// re-export for ops
export { SW_UE, SW_OE, SW_PE, RC_ZERO };
