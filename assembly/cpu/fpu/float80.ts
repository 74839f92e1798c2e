// Conversions between the x87's 80-bit extended format, the f64 working values, the memory formats
// (m32/m64 real, m16/m32/m64 integer, m80 packed BCD) and integers, with IEEE rounding under the x87
// rounding control. Everything here is integer arithmetic on bit patterns, so nothing can trap and no
// Binaryen float folding can change a NaN payload or the sign of a zero.
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
const F64_QUIET: u64 = 0x0008_0000_0000_0000;
/** The QNaN "real indefinite" (SDM Vol. 1 4.8.3.7) as an f64 bit pattern: sign 1, quiet, no payload. */
export const F64_INDEFINITE: u64 = 0xFFF8_0000_0000_0000;
export const M80_INDEFINITE_MANT: u64 = 0xC000_0000_0000_0000;
export const M80_INDEFINITE_SE: u32 = 0xFFFF;

export let xNeg: bool = false;
export let xMant: u64 = 0;
export let xExp: i32 = 0;
export let rFlags: u32 = 0;
export let rUp: bool = false;

// @ts-ignore: decorator
@inline export function f64bits(v: f64): u64 { return reinterpret<u64>(v); }
// @ts-ignore: decorator
@inline export function bitsF64(b: u64): f64 { return reinterpret<f64>(b); }
// @ts-ignore: decorator
@inline export function isNaN64(v: f64): bool { return (reinterpret<u64>(v) & 0x7FFF_FFFF_FFFF_FFFF) > 0x7FF0_0000_0000_0000; }
// @ts-ignore: decorator
@inline export function isInf64(v: f64): bool { return (reinterpret<u64>(v) & 0x7FFF_FFFF_FFFF_FFFF) == 0x7FF0_0000_0000_0000; }
// @ts-ignore: decorator
@inline export function isSNaN64(v: f64): bool { return isNaN64(v) && (reinterpret<u64>(v) & F64_QUIET) == 0; }
// @ts-ignore: decorator
@inline export function signOf(v: f64): bool { return (reinterpret<u64>(v) >> 63) != 0; }
// @ts-ignore: decorator
@inline export function quiet64(v: f64): f64 { return reinterpret<f64>(reinterpret<u64>(v) | F64_QUIET); }
// @ts-ignore: decorator
@inline export function indefinite(): f64 { return reinterpret<f64>(F64_INDEFINITE); }
/** +0 or -0 built from bits (a literal -0.0 could be folded). */
// @ts-ignore: decorator
@inline export function zeroOf(neg: bool): f64 { return reinterpret<f64>(neg ? <u64>0x8000_0000_0000_0000 : <u64>0); }
// @ts-ignore: decorator
@inline export function infOf(neg: bool): f64 { return reinterpret<f64>(neg ? <u64>0xFFF0_0000_0000_0000 : <u64>0x7FF0_0000_0000_0000); }

/** Split an f64 into (xNeg, xMant, xExp). NaN and infinity give xExp = 16384 (the all-ones exponent). */
export function unpack64(v: f64): void {
  const b = reinterpret<u64>(v);
  xNeg = (b >> 63) != 0;
  const e = <i32>((b >> 52) & 0x7FF);
  const f = b & F64_FRAC;
  if (e == 0x7FF) { xExp = 16384; xMant = 0x8000_0000_0000_0000 | (f << 11); return; }
  if (e == 0) {
    if (f == 0) { xMant = 0; xExp = 0; return; }
    const lz = <i32>clz(f);
    xMant = f << lz;
    xExp = 63 - 1074 - lz;
    return;
  }
  xExp = e - 1023;
  xMant = 0x8000_0000_0000_0000 | (f << 11);
}

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

/** The 80-bit image of an f64 (exact). Result in pMant/pSE. */
export let pMant: u64 = 0;
export let pSE: u32 = 0;
export function setP(m: u64, se: u32): void { pMant = m; pSE = se; }
export function setX(neg: bool, m: u64, e: i32): void { xNeg = neg; xMant = m; xExp = e; }
export function pack80From64(v: f64): void {
  unpack64(v);
  const s: u32 = xNeg ? 0x8000 : 0;
  if (xExp == 16384) { pSE = s | 0x7FFF; pMant = xMant; return; }
  if (xMant == 0) { pSE = s; pMant = 0; return; }
  pSE = s | <u32>(xExp + 16383);
  pMant = xMant;
}

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

/** 80-bit image to the f64 working value (round to nearest). NaN payloads keep their top 52 fraction bits. */
export function f80ToF64(mant: u64, se: u32): f64 {
  const be = se & 0x7FFF;
  const neg = (se & 0x8000) != 0;
  if (be == 0x7FFF) {
    const f = (mant >> 11) & F64_FRAC;
    const sign: u64 = neg ? 0x8000_0000_0000_0000 : 0;
    if ((mant & 0x7FFF_FFFF_FFFF_FFFF) == 0) return infOf(neg);
    // a NaN whose payload lies only in the low 11 bits must stay a NaN
    return reinterpret<f64>(sign | 0x7FF0_0000_0000_0000 | (f == 0 ? 1 : f));
  }
  if (be != 0 && (mant >> 63) == 0) return indefinite(); // unnormal: unsupported on a 387 or later
  unpack80(mant, se);
  return roundTo(53, -1022, 1023, RC_NEAREST);
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
/** m32 real bits to the working value; rFlags gets IE for an SNaN (quieted) and DE for a denormal. */
export function f32BitsToF64(b: u32): f64 {
  rFlags = 0;
  const e = (b >> 23) & 0xFF, f = b & 0x7FFFFF;
  const sign: u64 = <u64>(b >> 31) << 63;
  if (e == 0xFF) {
    if (f == 0) return infOf(sign != 0);
    let fb = <u64>f << 29;
    if ((f & 0x400000) == 0) { rFlags = SW_IE; fb |= F64_QUIET; }
    return reinterpret<f64>(sign | 0x7FF0_0000_0000_0000 | fb);
  }
  if (e == 0) {
    if (f == 0) return zeroOf(sign != 0);
    xNeg = sign != 0; const lz = <i32>clz(<u64>f); xMant = <u64>f << <u64>lz; xExp = 63 - 149 - lz;
    const v = roundTo(53, -1022, 1023, RC_NEAREST); // exact
    rFlags = SW_DE;
    return v;
  }
  return reinterpret<f64>(sign | (<u64>(e - 127 + 1023) << 52) | (<u64>f << 29));
}

/** m64 real bits to the working value (SNaN: IE and quieted; denormal: DE). */
export function f64BitsIn(b: u64): f64 {
  rFlags = 0;
  const e = (b >> 52) & 0x7FF;
  if (e == 0x7FF && (b & F64_FRAC) != 0 && (b & F64_QUIET) == 0) { rFlags = SW_IE; return reinterpret<f64>(b | F64_QUIET); }
  if (e == 0 && (b & F64_FRAC) != 0) rFlags = SW_DE;
  return reinterpret<f64>(b);
}

/** The m32 real image of an f64 rounded under rc (rFlags: PE/OE/UE, IE for an SNaN). */
export function f64ToF32Bits(v: f64, rc: u32): u32 {
  rFlags = 0; rUp = false;
  const b = reinterpret<u64>(v);
  const sign = <u32>(b >> 63) << 31;
  if (isNaN64(v)) {
    if ((b & F64_QUIET) == 0) rFlags = SW_IE;
    return sign | 0x7FC00000 | <u32>((b >> 29) & 0x3FFFFF);
  }
  if (isInf64(v)) return sign | 0x7F800000;
  unpack64(v);
  return f32Image(roundTo(24, -126, 127, rc));
}

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

/** The m32 image of an 80-bit value rounded under rc (for registers that hold an exact 80-bit image). */
export function f80ToF32Bits(mant: u64, se: u32, rc: u32): u32 {
  const be = se & 0x7FFF;
  if (be == 0x7FFF || unsupported80(mant, se)) return f64ToF32Bits(f80ToF64(mant, se), rc);
  unpack80(mant, se);
  return f32Image(roundTo(24, -126, 127, rc));
}

/** The m64 image of an 80-bit value rounded under rc. */
export function f80ToF64Bits(mant: u64, se: u32, rc: u32): u64 {
  rFlags = 0; rUp = false;
  const be = se & 0x7FFF;
  if (be == 0x7FFF || unsupported80(mant, se)) {
    const v = f80ToF64(mant, se);
    if (isNaN64(v) && (reinterpret<u64>(v) & F64_QUIET) == 0) { rFlags = SW_IE; return reinterpret<u64>(v) | F64_QUIET; }
    if (unsupported80(mant, se)) rFlags = SW_IE;
    return reinterpret<u64>(v);
  }
  unpack80(mant, se);
  return reinterpret<u64>(roundTo(53, -1022, 1023, rc));
}

/** The m64 image of an f64 (stores of a NaN quiet it and signal IE for an SNaN). */
export function f64Out(v: f64): u64 {
  rFlags = 0; rUp = false;
  const b = reinterpret<u64>(v);
  if (isNaN64(v) && (b & F64_QUIET) == 0) { rFlags = SW_IE; return b | F64_QUIET; }
  return b;
}
