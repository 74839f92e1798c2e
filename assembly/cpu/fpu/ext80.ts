// Exact x87 arithmetic on 80-bit extended images (SDM Vol. 1 ch. 4 and 8): 64-bit significands, the 15-bit
// exponent, precision control (24/53/64 bits) and rounding control, and the x87's exception rules:
//  - operand classes: unsupported encodings (unnormals, pseudo-NaNs, pseudo-infinities) are invalid (IE);
//    denormals and pseudo-denormals (exponent 0, integer bit set) are denormal operands (DE) whose value is
//    m * 2^(1 - 16383 - 63);
//  - SNaN operands are invalid; NaN results propagate per SDM Vol. 1 table 4-7;
//  - results are rounded once, to the precision control, in the full exponent range. Tiny results are
//    detected after rounding (x86). Masked underflow gives a denormal (UE only if inexact), unmasked underflow
//    and overflow on a register destination deliver the significand with the exponent adjusted by 24576
//    (SDM Vol. 1 4.9.1.4-5).
// Everything is integer code: 64-bit words, 64x64->128 products through 32-bit halves, 128/64 division by
// 32-bit digits (two hardware 64/64 divisions), square roots by an f64 estimate refined by one integer
// Newton step and an exact correction. Results: oM/oSE (image), oFlags (SW_* exception bits), oUp (C1).
import {
  SW_IE, SW_DE, SW_ZE, SW_OE, SW_UE, SW_PE, RC_NEAREST, RC_DOWN, RC_UP,
  M80_INDEFINITE_MANT, M80_INDEFINITE_SE,
} from "./float80";

export let oM: u64 = 0;
export let oSE: u32 = 0;
export let oFlags: u32 = 0;
export let oUp: bool = false;

const TOP: u64 = 0x8000_0000_0000_0000;
const QBIT: u64 = 0x4000_0000_0000_0000;

// ---- operand classes ----------------------------------------------------------------------------------------
export const K_ZERO: u32 = 0;
export const K_FIN: u32 = 1; // finite non-zero (normal, denormal, pseudo-denormal)
export const K_INF: u32 = 2;
export const K_QNAN: u32 = 3;
export const K_SNAN: u32 = 4;
export const K_UNS: u32 = 5; // unsupported encoding

/** The class of an 80-bit image. */
export function cls80(m: u64, se: u32): u32 {
  const be = se & 0x7FFF;
  if (be == 0x7FFF) {
    if ((m & TOP) == 0) return K_UNS;
    if ((m << 1) == 0) return K_INF;
    return (m & QBIT) != 0 ? K_QNAN : K_SNAN;
  }
  if (be == 0) return m == 0 ? K_ZERO : K_FIN;
  return (m & TOP) != 0 ? K_FIN : K_UNS;
}

/** Denormal operand (includes pseudo-denormals)? */
// @ts-ignore: decorator
@inline export function isDenormal80(m: u64, se: u32): bool { return (se & 0x7FFF) == 0 && m != 0; }

// Unpacked finite operands: value = (-1)^neg * m * 2^(e - 63), m normalised.
export let uM: u64 = 0;
export let uE: i32 = 0;
export function unpackFin(m: u64, se: u32): void {
  const be = <i32>(se & 0x7FFF);
  const lz = <i32>clz(m);
  uM = m << <u64>lz;
  uE = (be == 0 ? 1 : be) - 16383 - lz;
}

// ---- 128-bit helpers ------------------------------------------------------------------------------------------
export let wHi: u64 = 0;
export let wLo: u64 = 0;

/** wHi:wLo = a * b. */
// @ts-ignore: decorator
@inline export function mul64(a: u64, b: u64): void {
  const a0 = a & 0xFFFF_FFFF, a1 = a >> 32, b0 = b & 0xFFFF_FFFF, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xFFFF_FFFF) + (p10 & 0xFFFF_FFFF);
  wLo = (mid << 32) | (p00 & 0xFFFF_FFFF);
  wHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/** Quotient and remainder of (uh:ul) / v for a normalised v (bit 63 set) and uh < v: wHi = q, wLo = r. */
export function div128(uh: u64, ul: u64, v: u64): void {
  const vn1 = v >> 32, vn0 = v & 0xFFFF_FFFF;
  const un1 = ul >> 32, un0 = ul & 0xFFFF_FFFF;
  let q1 = uh / vn1;
  let rhat = uh - q1 * vn1;
  while (q1 > 0xFFFF_FFFF || q1 * vn0 > ((rhat << 32) | un1)) {
    q1--; rhat += vn1;
    if (rhat > 0xFFFF_FFFF) break;
  }
  const un21 = ((uh << 32) | un1) - q1 * v;
  let q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 > 0xFFFF_FFFF || q0 * vn0 > ((rhat << 32) | un0)) {
    q0--; rhat += vn1;
    if (rhat > 0xFFFF_FFFF) break;
  }
  wLo = ((un21 << 32) | un0) - q0 * v;
  wHi = (q1 << 32) | q0;
}

// ---- rounding -------------------------------------------------------------------------------------------------
/** Significand bits of a precision-control field (PC 01 is reserved; it rounds as 64 bits). */
// @ts-ignore: decorator
@inline export function pcBitsOf(cw: u32): i32 { const pc = (cw >> 8) & 3; return pc == 0 ? 24 : pc == 2 ? 53 : 64; }

/** Should a magnitude be incremented? lsb: last kept bit, half: round bit, sticky: any bit below. */
// @ts-ignore: decorator
@inline function roundInc(rc: u32, neg: bool, lsb: bool, half: bool, sticky: bool): bool {
  if (rc == RC_NEAREST) return half && (sticky || lsb);
  if (rc == RC_DOWN) return neg && (half || sticky);
  if (rc == RC_UP) return !neg && (half || sticky);
  return false;
}

/**
 * Round (-1)^neg * hi.lo * 2^(e - 63) (a 128-bit significand hi:lo with bit 127 set; lo holds the bits
 * below the 64-bit significand, its lowest bit may be a sticky bit) to the control word's precision and
 * rounding control, and pack it into oM/oSE with oFlags (PE, UE, OE) and oUp (C1). The result is for a
 * register: unmasked OE/UE deliver the exponent-adjusted result (stores use float80.roundTo instead).
 */
export function roundPack(neg: bool, e: i32, hi: u64, lo: u64, cw: u32): void {
  const P = pcBitsOf(cw);
  const rc = (cw >> 10) & 3;
  const s: u32 = neg ? 0x8000 : 0;
  let be = e + 16383;
  oFlags = 0; oUp = false;
  if (be <= 0) {
    // tininess after rounding: does the result rounded with an unbounded exponent stay below 2^-16382?
    let tiny = true;
    if (be == 0) {
      roundNormal(neg, 1, hi, lo, P, rc); // probe at exponent 1 (no overflow possible)
      if ((oSE & 0x7FFF) == 2) tiny = false; // the increment carried into the next binade
      oFlags = 0; oUp = false;
    }
    if (tiny && (cw & SW_UE) == 0) {
      if (be + 24576 <= 0) {
        // too small even for the scaled result (only FSCALE gets here): a signed zero, UE and PE (measured)
        oM = 0; oSE = neg ? 0x8000 : 0; oFlags = SW_UE | SW_PE; oUp = false;
        return;
      }
      // unmasked underflow: UE, the result scaled by 2^24576
      roundNormal(neg, be + 24576, hi, lo, P, rc);
      oFlags |= SW_UE;
      return;
    }
    // denormalise: shift right by 1 - be into the sticky word
    const sh = 1 - be;
    let h: u64 = 0, l: u64 = 0;
    if (sh < 64) {
      h = hi >> <u64>sh;
      l = (hi << <u64>(64 - sh)) | (lo >> <u64>sh) | ((lo << <u64>(64 - sh)) != 0 ? 1 : 0);
    } else if (sh < 128) {
      l = (sh == 64 ? hi : hi >> <u64>(sh - 64)) | ((sh == 64 ? lo : (hi << <u64>(128 - sh)) | lo) != 0 ? 1 : 0);
    } else {
      l = (hi | lo) != 0 ? 1 : 0;
    }
    const drop = 64 - P;
    let kept: u64, half: bool, sticky: bool, lsb: bool;
    if (drop == 0) { kept = h; half = (l >> 63) != 0; sticky = (l << 1) != 0; lsb = (h & 1) != 0; }
    else {
      const mask = (<u64>1 << <u64>drop) - 1;
      kept = h & ~mask;
      half = ((h >> <u64>(drop - 1)) & 1) != 0;
      sticky = (h & (mask >> 1)) != 0 || l != 0;
      lsb = ((h >> <u64>drop) & 1) != 0;
    }
    const inexact = half || sticky;
    if (inexact) {
      oFlags = SW_PE;
      if (tiny) oFlags |= SW_UE;
      if (roundInc(rc, neg, lsb, half, sticky)) { kept += <u64>1 << <u64>drop; oUp = true; }
    }
    oM = kept;
    oSE = s | ((kept & TOP) != 0 ? 1 : 0);
    return;
  }
  roundNormal(neg, be, hi, lo, P, rc);
  if (oBigExp) {
    // overflow
    if ((cw & SW_OE) == 0) {
      if (oRawBe - 24576 >= 0x7FFF) {
        // too large even for the scaled result (only FSCALE gets here): infinity in every rounding mode (measured)
        oM = TOP; oSE = s | 0x7FFF; oFlags = SW_OE | SW_PE; oUp = true;
        return;
      }
      oSE = s | <u32>((oRawBe - 24576) & 0x7FFF);
      oFlags |= SW_OE;
      return;
    }
    oFlags = SW_OE | SW_PE;
    const toInf = rc == RC_NEAREST || (rc == RC_UP && !neg) || (rc == RC_DOWN && neg);
    oUp = toInf;
    if (toInf) { oM = TOP; oSE = s | 0x7FFF; }
    else { oM = ~((<u64>1 << <u64>(64 - P)) - 1); oSE = s | 0x7FFE; }
  }
}

let oBigExp: bool = false;
let oRawBe: i32 = 0;

/** Round hi:lo to P bits at biased exponent be (>= 1) without range checks (oBigExp: be >= 7FFFh after it). */
function roundNormal(neg: bool, be: i32, hi: u64, lo: u64, P: i32, rc: u32): void {
  const drop = 64 - P;
  let kept: u64, half: bool, sticky: bool, lsb: bool;
  if (drop == 0) { kept = hi; half = (lo >> 63) != 0; sticky = (lo << 1) != 0; lsb = (hi & 1) != 0; }
  else {
    const mask = (<u64>1 << <u64>drop) - 1;
    kept = hi & ~mask;
    half = ((hi >> <u64>(drop - 1)) & 1) != 0;
    sticky = (hi & (mask >> 1)) != 0 || lo != 0;
    lsb = ((hi >> <u64>drop) & 1) != 0;
  }
  oFlags = 0; oUp = false;
  if (half || sticky) {
    oFlags = SW_PE;
    if (roundInc(rc, neg, lsb, half, sticky)) {
      oUp = true;
      kept += <u64>1 << <u64>drop;
      if (kept == 0) { kept = TOP; be++; }
    }
  }
  oM = kept;
  oRawBe = be;
  oBigExp = be >= 0x7FFF;
  oSE = (neg ? 0x8000 : 0) | <u32>(be & 0x7FFF);
}

// ---- special results ------------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function setOut(m: u64, se: u32, flags: u32): void { oM = m; oSE = se; oFlags = flags; oUp = false; }
export function indefiniteOut(flags: u32): void { setOut(M80_INDEFINITE_MANT, M80_INDEFINITE_SE, flags); }

/** NaN operand(s) (SDM Vol. 1 table 4-7): the result is quiet; IE when one is an SNaN. */
function nanOut(am: u64, ase: u32, ka: u32, bm: u64, bse: u32, kb: u32): void {
  const an = ka == K_QNAN || ka == K_SNAN, bn = kb == K_QNAN || kb == K_SNAN;
  const flags = ka == K_SNAN || kb == K_SNAN ? SW_IE : 0;
  let useA: bool;
  if (an && bn) {
    if (ka != kb) useA = ka == K_QNAN;
    else {
      const fa = am << 1, fb = bm << 1;
      useA = fa > fb || (fa == fb && (ase & 0x8000) == 0);
    }
  } else useA = an;
  setOut((useA ? am : bm) | QBIT, useA ? ase : bse, flags);
}

/** Handles unsupported and NaN operands of a two-operand operation; true when the result is set. */
export function specialIn(am: u64, ase: u32, ka: u32, bm: u64, bse: u32, kb: u32): bool {
  if (ka == K_UNS || kb == K_UNS) { indefiniteOut(SW_IE); return true; }
  if (ka >= K_QNAN || kb >= K_QNAN) { nanOut(am, ase, ka, bm, bse, kb); return true; }
  return false;
}

export function denFlags(am: u64, ase: u32, bm: u64, bse: u32): u32 {
  return isDenormal80(am, ase) || isDenormal80(bm, bse) ? SW_DE : 0;
}

// ---- operations -----------------------------------------------------------------------------------------------
/** a + b (sub: a - b) under the control word cw. */
export function add80(am: u64, ase: u32, bm: u64, bse: u32, sub: bool, cw: u32): void {
  if (sub) bse ^= 0x8000;
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  if (specialIn(am, ase, ka, bm, bse ^ (sub ? 0x8000 : 0), kb)) return;
  const den = denFlags(am, ase, bm, bse);
  const an = (ase & 0x8000) != 0, bn = (bse & 0x8000) != 0;
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_INF && kb == K_INF && an != bn) { indefiniteOut(SW_IE); return; }
    if (ka == K_INF) setOut(am, ase, den); else setOut(bm, bse, den);
    return;
  }
  const rc = (cw >> 10) & 3;
  if (ka == K_ZERO && kb == K_ZERO) {
    setOut(0, an == bn ? ase & 0x8000 : (rc == RC_DOWN ? 0x8000 : 0), 0);
    return;
  }
  if (ka == K_ZERO || kb == K_ZERO) {
    // x + 0 = x, rounded to the precision control
    const xm = ka == K_ZERO ? bm : am, xse = ka == K_ZERO ? bse : ase;
    unpackFin(xm, xse);
    roundPack((xse & 0x8000) != 0, uE, uM, 0, cw);
    oFlags |= den;
    return;
  }
  unpackFin(am, ase); let ma = uM, ea = uE;
  unpackFin(bm, bse); let mb = uM, eb = uE;
  let na = an, nb = bn;
  if (eb > ea || (eb == ea && mb > ma)) {
    const tm = ma; ma = mb; mb = tm;
    const te = ea; ea = eb; eb = te;
    const tn = na; na = nb; nb = tn;
  }
  const d = ea - eb;
  // b aligned to a: bh:bl with a sticky bit in bl's lowest bit
  let bh: u64, bl: u64;
  if (d == 0) { bh = mb; bl = 0; }
  else if (d < 64) { bh = mb >> <u64>d; bl = mb << <u64>(64 - d); }
  else if (d == 64) { bh = 0; bl = mb; }
  else if (d < 128) { bh = 0; bl = (mb >> <u64>(d - 64)) | ((mb << <u64>(128 - d)) != 0 ? 1 : 0); }
  else { bh = 0; bl = 1; }
  let h: u64, l: u64, e = ea;
  if (na == nb) {
    l = bl;
    h = ma + bh;
    if (h < ma) { // carry out: shift right one
      l = (l >> 1) | (h << 63) | (l & 1);
      h = (h >> 1) | TOP;
      e++;
    }
  } else {
    l = 0 - bl;
    h = ma - bh - (bl != 0 ? 1 : 0);
    if (h == 0 && l == 0) {
      setOut(0, rc == RC_DOWN ? 0x8000 : 0, den);
      return;
    }
    if (h == 0) { h = l; l = 0; e -= 64; }
    const lz = <i32>clz(h);
    if (lz != 0) {
      h = (h << <u64>lz) | (l >> <u64>(64 - lz));
      l <<= <u64>lz;
      e -= lz;
    }
  }
  roundPack(na, e, h, l, cw);
  oFlags |= den;
}

/**
 * The common case of FADD/FSUB/FSUBR/FMUL (op 0/4/5/1 as arithOp), for a control word with 64-bit precision,
 * round to nearest and every exception masked: two normal operands whose result cannot overflow or underflow
 * and, for additions, whose exponents differ by less than 64 and do not cancel to zero. Sets oM/oSE/oFlags/oUp
 * exactly as add80/mul80 would and returns true; false leaves the case to them. Compiled code emits the same
 * steps inline (jit/x87.ts emitArith): a change here goes there too (x87.test and the JIT fuzzer compare both).
 */
export function fastArith(op: u32, am: u64, ase: u32, bm: u64, bse: u32): bool {
  let ea = <i32>(ase & 0x7FFF), eb = <i32>(bse & 0x7FFF);
  if (<u32>(ea - 128) > <u32>(0x7FFF - 256) || <u32>(eb - 128) > <u32>(0x7FFF - 256) || (am & bm & TOP) == 0) return false;
  let h: u64, l: u64, e: i32, s: u32;
  if (op == 1) {
    e = ea + eb - 16382;
    if (<u32>(e - 2) > <u32>(0x7FFD - 2)) return false;
    mul64(am, bm);
    h = wHi; l = wLo;
    if ((h & TOP) == 0) { h = (h << 1) | (l >> 63); l <<= 1; e--; }
    s = (ase ^ bse) & 0x8000;
  } else {
    let ma = am, mb = bm, sa = ase & 0x8000, sb = bse & 0x8000;
    if (op == 5) { ma = bm; mb = am; sa = bse & 0x8000; sb = ase & 0x8000; const t = ea; ea = eb; eb = t; }
    if (op != 0) sb ^= 0x8000;
    if (eb > ea || (eb == ea && mb > ma)) {
      const tm = ma; ma = mb; mb = tm;
      const te = ea; ea = eb; eb = te;
      const ts = sa; sa = sb; sb = ts;
    }
    const d = ea - eb;
    if (d >= 64) return false;
    const bh = d == 0 ? mb : mb >> <u64>d;
    const bl = d == 0 ? <u64>0 : mb << <u64>(64 - d);
    e = ea;
    if (sa == sb) {
      l = bl;
      h = ma + bh;
      if (h < ma) { l = (l >> 1) | (h << 63) | (l & 1); h = (h >> 1) | TOP; e++; }
    } else {
      l = 0 - bl;
      h = ma - bh - (bl != 0 ? 1 : 0);
      if (h == 0) return false;
      const lz = <i32>clz(h);
      if (lz != 0) { h = (h << <u64>lz) | (l >> <u64>(64 - lz)); l <<= <u64>lz; e -= lz; }
    }
    s = sa;
  }
  // round to nearest even at 64 bits
  oFlags = l != 0 ? SW_PE : 0;
  oUp = false;
  if ((l >> 63) != 0 && ((l << 1) != 0 || (h & 1) != 0)) {
    oUp = true;
    h++;
    if (h == 0) { h = TOP; e++; }
  }
  oM = h;
  oSE = s | <u32>e;
  return true;
}

/** a * b. */
export function mul80(am: u64, ase: u32, bm: u64, bse: u32, cw: u32): void {
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  if (specialIn(am, ase, ka, bm, bse, kb)) return;
  const den = denFlags(am, ase, bm, bse);
  const s: u32 = (ase ^ bse) & 0x8000;
  if (ka == K_INF || kb == K_INF) {
    if (ka == K_ZERO || kb == K_ZERO) { indefiniteOut(SW_IE); return; }
    setOut(TOP, s | 0x7FFF, den); return;
  }
  if (ka == K_ZERO || kb == K_ZERO) { setOut(0, s, den); return; }
  unpackFin(am, ase); const ma = uM, ea = uE;
  unpackFin(bm, bse);
  mul64(ma, uM);
  let h = wHi, l = wLo, e = ea + uE + 1;
  if ((h & TOP) == 0) { h = (h << 1) | (l >> 63); l <<= 1; e--; }
  roundPack(s != 0, e, h, l, cw);
  oFlags |= den;
}

/** a / b. */
export function div80(am: u64, ase: u32, bm: u64, bse: u32, cw: u32): void {
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  if (specialIn(am, ase, ka, bm, bse, kb)) return;
  const den = denFlags(am, ase, bm, bse);
  const s: u32 = (ase ^ bse) & 0x8000;
  if (ka == K_INF) {
    if (kb == K_INF) { indefiniteOut(SW_IE); return; }
    setOut(TOP, s | 0x7FFF, den); return;
  }
  if (kb == K_INF) { setOut(0, s, den); return; }
  if (kb == K_ZERO) {
    if (ka == K_ZERO) { indefiniteOut(SW_IE); return; }
    setOut(TOP, s | 0x7FFF, SW_ZE); return; // a denormal dividend is not reported (measured)
  }
  if (ka == K_ZERO) { setOut(0, s, den); return; }
  unpackFin(am, ase); const ma = uM, ea = uE;
  unpackFin(bm, bse); const mb = uM, eb = uE;
  let e: i32;
  if (ma >= mb) { div128(ma >> 1, ma << 63, mb); e = ea - eb; }
  else { div128(ma, 0, mb); e = ea - eb - 1; }
  const q = wHi, r = wLo;
  // the bits below the quotient matter only as the round bit (r / mb >= 1/2) and a sticky bit: no second division
  const l: u64 = (r >= mb - r ? TOP : 0) | (r != 0 && r != mb - r ? 1 : 0);
  roundPack(s != 0, e, q, l, cw);
  oFlags |= den;
}

/** sqrt(a). */
export function sqrt80(am: u64, ase: u32, cw: u32): void {
  const ka = cls80(am, ase);
  if (specialIn(am, ase, ka, am, ase, ka)) return;
  const den: u32 = isDenormal80(am, ase) ? SW_DE : 0;
  if (ka == K_ZERO) { setOut(am, ase, 0); return; }
  if ((ase & 0x8000) != 0) { indefiniteOut(SW_IE); return; }
  if (ka == K_INF) { setOut(am, ase, 0); return; }
  unpackFin(am, ase);
  const m = uM, e = uE;
  // M = m * 2^sh as a 128-bit integer in [2^126, 2^128) with e - 63 - sh even
  let mh: u64, ml: u64, sh: i32;
  if ((e & 1) == 0) { sh = 63; mh = m >> 1; ml = m << 63; }
  else { sh = 64; mh = m; ml = 0; }
  // estimate from above: r0 > sqrt(M), r0 < 2^64 (the f64 estimate is within 2^13 of sqrt(M))
  const est = Math.sqrt(<f64>mh * 18446744073709551616.0 + <f64>ml);
  let r: u64 = 0xFFFF_FFFF_FFFF_FFFF;
  let r0: u64 = est < 18446744073709484032.0 ? <u64>est + 0x10000 : 0xFFFF_FFFF_FFFF_FFFF; // 2^64 - 2^16
  if (r0 < TOP) r0 = TOP;
  if (mh < r0) {
    // one Newton step: r = floor((r0 + floor(M / r0)) / 2) >= isqrt(M) for any r0 > 0
    div128(mh, ml, r0);
    r = (r0 >> 1) + (wHi >> 1) + (r0 & wHi & 1);
  }
  // correct to isqrt(M): r^2 <= M
  mul64(r, r);
  while (wHi > mh || (wHi == mh && wLo > ml)) { r--; mul64(r, r); }
  const remH = mh - wHi - (ml < wLo ? 1 : 0), remL = ml - wLo; // M - r^2 <= 2r
  // round bit: sqrt(M) >= r + 1/2 <=> rem > r (never equal); sticky: rem != 0
  let l: u64 = 0;
  if (remH != 0 || remL > r) l = TOP | 1;
  else if (remL != 0) l = 1;
  roundPack(false, 63 + ((e - 63 - sh) >> 1), r, l, cw);
  oFlags |= den;
}

/**
 * Compare a with b: 0 a > b, 1 a < b, 2 equal, 3 unordered. quiet: FUCOM (only SNaNs are invalid).
 * oFlags gets IE / DE.
 */
export function cmp80(am: u64, ase: u32, bm: u64, bse: u32, quiet: bool): u32 {
  const ka = cls80(am, ase), kb = cls80(bm, bse);
  oFlags = 0;
  if (ka == K_UNS || kb == K_UNS) { oFlags = SW_IE; return 3; }
  if (ka >= K_QNAN || kb >= K_QNAN) {
    if (!quiet || ka == K_SNAN || kb == K_SNAN) oFlags = SW_IE;
    return 3;
  }
  oFlags = denFlags(am, ase, bm, bse);
  const an = (ase & 0x8000) != 0, bn = (bse & 0x8000) != 0;
  if (ka == K_ZERO && kb == K_ZERO) return 2;
  // magnitude order: infinity above everything, then exponent, then significand
  let c: i32; // sign of |a| - |b|
  if (ka == K_ZERO) c = -1;
  else if (kb == K_ZERO) c = 1;
  else if (ka == K_INF || kb == K_INF) c = ka == kb ? 0 : ka == K_INF ? 1 : -1;
  else {
    unpackFin(am, ase); const ma = uM, ea = uE;
    unpackFin(bm, bse);
    c = ea != uE ? (ea > uE ? 1 : -1) : ma != uM ? (ma > uM ? 1 : -1) : 0;
  }
  if (ka == K_ZERO) return bn ? 0 : 1;
  if (kb == K_ZERO) return an ? 1 : 0;
  if (an != bn) return an ? 1 : 0;
  if (c == 0) return 2;
  return (c > 0) != an ? 0 : 1;
}

/** Round a finite or special value to the precision control (loads of wider values, x + 0 etc.). */
export function round80(am: u64, ase: u32, cw: u32): void {
  const k = cls80(am, ase);
  if (k != K_FIN) { setOut(am, ase, 0); return; }
  unpackFin(am, ase);
  roundPack((ase & 0x8000) != 0, uE, uM, 0, cw);
}

// ---- conversions of memory operands to 80-bit images (exact) ---------------------------------------------------
/** m32 real to an 80-bit image in oM/oSE (SNaNs stay signalling; oFlags = DE for a denormal). */
export function f32To80(b: u32): void {
  const s: u32 = (b >> 31) != 0 ? 0x8000 : 0;
  const e = <i32>((b >> 23) & 0xFF), f = <u64>(b & 0x7FFFFF);
  oFlags = 0; oUp = false;
  if (e == 0xFF) { oM = TOP | (f << 40); oSE = s | 0x7FFF; return; }
  if (e == 0) {
    if (f == 0) { oM = 0; oSE = s; return; }
    const lz = <i32>clz(f);
    oM = f << <u64>lz;
    oSE = s | <u32>(16383 - 126 - (lz - 40));
    oFlags = SW_DE;
    return;
  }
  oM = TOP | (f << 40);
  oSE = s | <u32>(e - 127 + 16383);
}

/** m64 real to an 80-bit image in oM/oSE. */
export function f64To80(b: u64): void {
  const s: u32 = (b >> 63) != 0 ? 0x8000 : 0;
  const e = <i32>((b >> 52) & 0x7FF), f = b & 0x000F_FFFF_FFFF_FFFF;
  oFlags = 0; oUp = false;
  if (e == 0x7FF) { oM = TOP | (f << 11); oSE = s | 0x7FFF; return; }
  if (e == 0) {
    if (f == 0) { oM = 0; oSE = s; return; }
    const lz = <i32>clz(f);
    oM = f << <u64>lz;
    oSE = s | <u32>(16383 - 1022 - (lz - 11));
    oFlags = SW_DE;
    return;
  }
  oM = TOP | (f << 11);
  oSE = s | <u32>(e - 1023 + 16383);
}

/** A signed integer to an 80-bit image (exact). */
export function intTo80(v: i64): void {
  oFlags = 0; oUp = false;
  if (v == 0) { oM = 0; oSE = 0; return; }
  const neg = v < 0;
  const mag: u64 = neg ? <u64>(0 - v) : <u64>v;
  const lz = <i32>clz(mag);
  oM = mag << <u64>lz;
  oSE = (neg ? 0x8000 : 0) | <u32>(16383 + 63 - lz);
}

/** a op b into oM/oSE/oFlags/oUp for the arithmetic group's operation (ModRM.reg: 0 ADD, 1 MUL, 4 SUB, 5 SUBR,
 *  6 DIV, 7 DIVR; always "ST(0) op other" with a = ST(0)). */
export function arith80(op: u32, am: u64, ase: u32, bm: u64, bse: u32, cw: u32): void {
  switch (op) {
    case 0: add80(am, ase, bm, bse, false, cw); break;
    case 1: mul80(am, ase, bm, bse, cw); break;
    case 4: add80(am, ase, bm, bse, true, cw); break;
    case 5: add80(bm, bse, am, ase, true, cw); break;
    case 6: div80(am, ase, bm, bse, cw); break;
    default: div80(bm, bse, am, ase, cw); break;
  }
}
