// FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 on f64 working values.
// Known gap (fpu.ts): results come from the f64 library functions (a few ulp of f64), not the x87's own;
// FSIN/FCOS/FPTAN/FSINCOS reduce arguments below 2^63 exactly where the x87 uses a 66-bit pi, and PE is set
// for every inexact-looking result (non-zero argument) with C1 = 0.
// The caller (ops.ts st0Dispatch) has checked that ST(0) (and ST(1) where used) are not empty.
import { stGet, stSet, fpuSignal, swGet, swSet, decTop, popStack } from "./fpu";
import {
  SW_IE, SW_ZE, SW_PE, SW_C0, SW_C1, SW_C2, SW_C3, isNaN64, isInf64, isSNaN64, signOf, indefinite, zeroOf, infOf,
  unpack64, xExp, xNeg, xMant,
} from "./float80";
import { propagateNaN, fmul, aRes, aFlags } from "./arith";
import { fpuPushOk } from "./ops";

const TWO63: f64 = 9223372036854775808.0;
const LN2: f64 = 0.6931471805599453;
const LOG2E: f64 = 1.4426950408889634;

function clearC1C2(): void { swSet(swGet() & ~(SW_C1 | SW_C2)); }

/** NaN operand(s): propagate into ST(dest). True when handled. */
function nanCase(a: f64, b: f64, dest: u32, pop: bool): bool {
  if (!isNaN64(a) && !isNaN64(b)) return false;
  if (fpuSignal(isSNaN64(a) || isSNaN64(b) ? SW_IE : 0)) {
    stSet(dest, propagateNaN(a, b));
    if (pop) popStack();
  }
  return true;
}

/** Trigonometric argument check: infinity is invalid; |x| >= 2^63 sets C2 and leaves ST(0). */
function trigArgBad(x: f64): bool {
  if (nanCase(x, x, 0, false)) return true;
  if (isInf64(x)) { if (fpuSignal(SW_IE)) stSet(0, indefinite()); return true; }
  if (Math.abs(x) >= TWO63) { swSet(swGet() | SW_C2); return true; }
  return false;
}

export function fsinOp(): void {
  const x = stGet(0);
  if (trigArgBad(x)) return;
  if (x == 0) { clearC1C2(); return; } // sin(+-0) = +-0 exactly
  const r = Math.sin(x);
  if (fpuSignal(SW_PE)) { stSet(0, r); clearC1C2(); }
}

export function fcosOp(): void {
  const x = stGet(0);
  if (trigArgBad(x)) return;
  const r = x == 0 ? 1.0 : Math.cos(x);
  if (fpuSignal(x == 0 ? 0 : SW_PE)) { stSet(0, r); clearC1C2(); }
}

export function fsincosOp(): void {
  const x = stGet(0);
  if (trigArgBad(x)) return;
  if (!fpuPushOk()) return;
  const s = x == 0 ? x : Math.sin(x), c = x == 0 ? 1.0 : Math.cos(x);
  if (!fpuSignal(x == 0 ? 0 : SW_PE)) return;
  stSet(0, s);
  decTop();
  stSet(0, c);
  clearC1C2();
}

export function fptanOp(): void {
  const x = stGet(0);
  if (trigArgBad(x)) return;
  if (!fpuPushOk()) return;
  const t = x == 0 ? x : Math.tan(x);
  if (!fpuSignal(x == 0 ? 0 : SW_PE)) return;
  stSet(0, t);
  decTop();
  stSet(0, 1.0);
  clearC1C2();
}

/** FPATAN: ST(1) = arctan(ST(1) / ST(0)) with the quadrant of (ST(0), ST(1)), pop. */
export function fpatanOp(): void {
  const x = stGet(0), y = stGet(1);
  if (nanCase(x, y, 1, true)) return;
  const r = Math.atan2(y, x);
  const exact = y == 0; // +-0 or +-pi: pi is inexact
  if (!fpuSignal(exact && !signOf(x) ? 0 : SW_PE)) return;
  stSet(1, r);
  popStack();
  swSet(swGet() & ~SW_C1);
}

/** F2XM1: 2^x - 1 (defined for -1 <= x <= 1). */
export function f2xm1Op(): void {
  const x = stGet(0);
  if (nanCase(x, x, 0, false)) return;
  if (x == 0 || isInf64(x)) {
    const r = isInf64(x) ? (signOf(x) ? -1.0 : x) : x;
    stSet(0, r); swSet(swGet() & ~SW_C1); return;
  }
  const r = Math.expm1(x * LN2);
  if (fpuSignal(x == 1.0 || x == -1.0 ? 0 : SW_PE)) { stSet(0, r); swSet(swGet() & ~SW_C1); }
}

/** Is v a power of two (log2 exact)? */
function pow2(v: f64): bool { unpack64(v); return (xMant << 1) == 0; }

/** FYL2X: ST(1) = ST(1) * log2(ST(0)), pop. */
export function fyl2xOp(): void {
  const x = stGet(0), y = stGet(1);
  if (nanCase(x, y, 1, true)) return;
  let r: f64 = 0, exc: u32 = 0;
  if (signOf(x) && x != 0) { r = indefinite(); exc = SW_IE; }
  else if (x == 0) {
    if (y == 0) { r = indefinite(); exc = SW_IE; }
    else { r = infOf(!signOf(y)); exc = isInf64(y) ? 0 : SW_ZE; }
  } else {
    const l = isInf64(x) ? x : Math.log2(x);
    fmul(y, l);
    r = aRes; exc = aFlags;
    if (!isInf64(x) && !pow2(x) && y != 0 && !isInf64(y)) exc |= SW_PE;
  }
  if (!fpuSignal(exc)) return;
  stSet(1, r);
  popStack();
  swSet(swGet() & ~SW_C1);
}

/** FYL2XP1: ST(1) = ST(1) * log2(ST(0) + 1), pop (defined for |x| < 1 - sqrt(2)/2). */
export function fyl2xp1Op(): void {
  const x = stGet(0), y = stGet(1);
  if (nanCase(x, y, 1, true)) return;
  let r: f64 = 0, exc: u32 = 0;
  if (x < -1.0) { r = indefinite(); exc = SW_IE; }
  else if (x == 0) { fmul(y, x); r = aRes; exc = aFlags; }
  else {
    fmul(y, Math.log1p(x) * LOG2E);
    r = aRes; exc = aFlags | SW_PE;
  }
  if (!fpuSignal(exc)) return;
  stSet(1, r);
  popStack();
  swSet(swGet() & ~SW_C1);
}

