// Status-word bits, rounding of 80-bit values to the memory formats (m32/m64 real: roundTo, whose f64
// result holds any f32 or f64 value exactly; integers: roundToIntMag) under the x87 rounding control.
// Arithmetic on 80-bit images is in ext80.ts. Everything here is integer arithmetic on bit patterns, so
// nothing can trap and no Binaryen float folding can change a NaN payload or the sign of a zero.
//
// An "extended value" is passed around in three globals (xNeg, xMant, xExp):
//   value = (-1)^xNeg * xMant * 2^(xExp - 63), xMant normalised (bit 63 set) unless it is zero.
// Results report exceptions in rFlags (SW_* bits) and "rounded up in magnitude" in rUp (the C1 bit).

export const SW_IE: u32 = 0x01;
export const SW_DE: u32 = 0x02;
export const SW_ZE: u32 = 0x04;
export const SW_OE: u32 = 0x08;
export const SW_UE: u32 = 0x10;
export const SW_PE: u32 = 0x20;
export const SW_SF: u32 = 0x40;
export const SW_ES: u32 = 0x80;
export const SW_C0: u32 = 0x100;
export const SW_C1: u32 = 0x200;
export const SW_C2: u32 = 0x400;
export const SW_C3: u32 = 0x4000;
export const SW_B: u32 = 0x8000;

export const RC_NEAREST: u32 = 0;
export const RC_DOWN: u32 = 1;
export const RC_UP: u32 = 2;
export const RC_ZERO: u32 = 3;

const F64_FRAC: u64 = 0x000F_FFFF_FFFF_FFFF;
export const M80_INDEFINITE_MANT: u64 = 0xC000_0000_0000_0000;
export const M80_INDEFINITE_SE: u32 = 0xFFFF;

export let xNeg: bool = false;
export let xMant: u64 = 0;
export let xExp: i32 = 0;
export let rFlags: u32 = 0;
export let rUp: bool = false;

/** +0 or -0 built from bits (a literal -0.0 could be folded). */
// @ts-ignore: decorator
@inline export function zeroOf(neg: bool): f64 { return reinterpret<f64>(neg ? <u64>0x8000_0000_0000_0000 : <u64>0); }
// @ts-ignore: decorator
@inline export function infOf(neg: bool): f64 { return reinterpret<f64>(neg ? <u64>0xFFF0_0000_0000_0000 : <u64>0x7FF0_0000_0000_0000); }

/** Split an 80-bit image into (xNeg, xMant, xExp); denormals are normalised. Returns the biased exponent. */
export function unpack80(mant: u64, se: u32): i32 {
  xNeg = (se & 0x8000) != 0;
  const be = <i32>(se & 0x7FFF);
  if (be == 0x7FFF) { xExp = 16384; xMant = mant; return be; }
  if (mant == 0) { xMant = 0; xExp = 0; return be; }
  const lz = <i32>clz(mant);
  xMant = mant << lz;
  xExp = (be == 0 ? 1 : be) - 16383 - lz;
  return be;
}

/** 80-bit image results. */
export let pMant: u64 = 0;
export let pSE: u32 = 0;
export function setP(m: u64, se: u32): void { pMant = m; pSE = se; }
export function setX(neg: bool, m: u64, e: i32): void { xNeg = neg; xMant = m; xExp = e; }
/** The 80-bit image of an exact integer magnitude with a sign. */
export function pack80FromInt(neg: bool, mag: u64): void {
  const s: u32 = neg ? 0x8000 : 0;
  if (mag == 0) { pSE = s; pMant = 0; return; }
  const lz = <i32>clz(mag);
  pMant = mag << lz;
  pSE = s | <u32>(16383 + 63 - lz);
}

/**
 * Drop the low `drop` bits of the magnitude m under rounding control rc (sign `neg` matters for the directed
 * modes); returns the rounded magnitude and sets SW_PE in rFlags when bits were lost, rUp when it rounded up.
 */
function dropBits(m: u64, drop: i32, neg: bool, rc: u32): u64 {
  let kept: u64 = 0, rem: u64 = 0, half: u64 = 0;
  let below = false; // the remainder is non-zero but less than half of the last kept bit
  if (drop > 64) { rem = m; below = true; }
  else if (drop == 64) { rem = m; half = 0x8000_0000_0000_0000; }
  else { kept = m >> <u64>drop; rem = m & ((<u64>1 << <u64>drop) - 1); half = <u64>1 << <u64>(drop - 1); }
  let inc = false;
  if (rem != 0) {
    if (rc == RC_NEAREST) inc = !below && (rem > half || (rem == half && (kept & 1) != 0));
    else if (rc == RC_DOWN) inc = neg;
    else if (rc == RC_UP) inc = !neg;
    rFlags |= SW_PE;
  }
  if (inc) kept++;
  rUp = inc;
  return kept;
}

/**
 * Round (xNeg, xMant, xExp) to a binary format with P significand bits and normal exponents emin..emax
 * under rounding control rc (IEEE 754; tininess after rounding). Returns the result as an f64, which holds
 * any f32 or f64 value exactly. Sets rFlags (PE, OE, UE) and rUp. Not for NaN/infinity.
 */
export function roundTo(P: i32, emin: i32, emax: i32, rc: u32): f64 {
  rFlags = 0; rUp = false;
  const neg = xNeg, m = xMant, e = xExp;
  if (m == 0) return zeroOf(neg);
  let drop: i32 = 64 - P;
  if (e < emin) drop += emin - e;
  const kept = dropBits(m, drop, neg, rc);
  const sc = e - 63 + drop; // value = kept * 2^sc
  if (kept == 0) {
    rFlags |= SW_UE;
    return zeroOf(neg);
  }
  const top = 63 - <i32>clz(kept);
  const resExp = sc + top;
  if (resExp > emax) {
    rFlags |= SW_OE | SW_PE;
    const toInf = rc == RC_NEAREST || (rc == RC_UP && !neg) || (rc == RC_DOWN && neg);
    rUp = toInf;
    if (toInf) return infOf(neg);
    // largest finite number of the format
    const maxF: u64 = (<u64>(emax + 1023) << 52) | ((((<u64>1 << <u64>P) - 1) << <u64>(53 - P)) & F64_FRAC);
    return reinterpret<f64>(maxF | (neg ? <u64>0x8000_0000_0000_0000 : 0));
  }
  if (resExp < emin && (rFlags & SW_PE) != 0) rFlags |= SW_UE; // tiny and inexact
  let bits: u64;
  if (resExp < -1022) {
    bits = kept << <u64>(sc + 1074); // an f64 denormal: sc >= -1074 here
  } else {
    const sh = 52 - top;
    const fr = sh >= 0 ? kept << <u64>sh : kept >> <u64>(-sh);
    bits = (<u64>(resExp + 1023) << 52) | (fr & F64_FRAC);
  }
  return reinterpret<f64>(bits | (neg ? <u64>0x8000_0000_0000_0000 : 0));
}

/** Is this 80-bit image an unsupported encoding (unnormal, pseudo-NaN, pseudo-infinity)? */
export function unsupported80(mant: u64, se: u32): bool {
  const be = se & 0x7FFF;
  return be != 0 && (mant >> 63) == 0;
}

// ---- integers -----------------------------------------------------------------------------------------------
export let iOverflow: bool = false;

/** Round (xNeg, xMant, xExp) to an integer magnitude under rc; iOverflow when it does not fit 64 bits. */
export function roundToIntMag(rc: u32): u64 {
  rFlags = 0; rUp = false; iOverflow = false;
  const neg = xNeg, m = xMant, e = xExp;
  if (m == 0) return 0;
  if (e >= 63) {
    if (e > 63) { iOverflow = true; return 0; }
    return m;
  }
  const drop = 63 - e;
  return dropBits(m, drop, neg, rc);
}

// ---- memory formats -----------------------------------------------------------------------------------------
/** The m32 image of an f64 that holds an exact f32 value (or infinity). */
export function f32Image(r: f64): u32 {
  const b = reinterpret<u64>(r);
  const sign = <u32>(b >> 63) << 31;
  const e = <i32>((b >> 52) & 0x7FF);
  if (e == 0x7FF) return sign | 0x7F800000;
  if (e == 0) return sign;
  const ue = e - 1023;
  if (ue < -126) { // an f32 denormal
    const m = (b & F64_FRAC) | 0x0010_0000_0000_0000;
    return sign | <u32>(m >> <u64>(29 + (-126 - ue)));
  }
  return sign | (<u32>(ue + 127) << 23) | <u32>((b >> 29) & 0x7FFFFF);
}
