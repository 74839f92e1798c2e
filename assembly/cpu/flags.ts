// Lazy arithmetic flags. An arithmetic instruction records its operation, operands and result (zero-extended
// to 32 bits) in LF_*; the six status flags are computed only when something reads them. LF_MASK says which
// of them must be computed; the others are taken from EFLAGS as stored.
import { EFLAGS, LF_OP, LF_RES, LF_A, LF_B, LF_MASK } from "../layout";
import { F_CF, F_PF, F_AF, F_ZF, F_SF, F_OF, F_ARITH, F_FIXED1 } from "./state";

// Operation kinds (LF_OP = kind << 2 | size index, size index 0 = 8, 1 = 16, 2 = 32 bits)
export const LF_LOGIC: u32 = 0; // CF = OF = AF = 0
export const LF_ADD: u32 = 1;
export const LF_ADC: u32 = 2; // add with carry-in 1
export const LF_SUB: u32 = 3;
export const LF_SBB: u32 = 4; // subtract with borrow-in 1
export const LF_INC: u32 = 5; // CF not lazy
export const LF_DEC: u32 = 6; // CF not lazy
export const LF_NEG: u32 = 7; // a = 0, b = operand
export const LF_RESULT: u32 = 8; // only SF ZF PF from the result (shifts, rotates through, BCD, ...)

// @ts-ignore: decorator
@inline function sizeIndex<T>(): u32 { return sizeof<T>() == 1 ? 0 : sizeof<T>() == 2 ? 1 : 2; }

/** Record a flag-setting operation on operands of type T. All six flags become lazy. */
// @ts-ignore: decorator
@inline export function setLazy<T>(kind: u32, res: u32, a: u32, b: u32): void {
  store<u32>(LF_OP, kind << 2 | sizeIndex<T>());
  store<u32>(LF_RES, <u32><T>res);
  store<u32>(LF_A, <u32><T>a);
  store<u32>(LF_B, <u32><T>b);
  store<u32>(LF_MASK, F_ARITH);
}

/** Record an operation that defines all flags but CF (INC/DEC): CF keeps its current value. */
// @ts-ignore: decorator
@inline export function setLazyKeepCF<T>(kind: u32, res: u32, a: u32): void {
  const cf = getCF();
  store<u32>(EFLAGS, (load<u32>(EFLAGS) & ~F_CF) | cf);
  store<u32>(LF_OP, kind << 2 | sizeIndex<T>());
  store<u32>(LF_RES, <u32><T>res);
  store<u32>(LF_A, <u32><T>a);
  store<u32>(LF_B, 1);
  store<u32>(LF_MASK, F_ARITH & ~F_CF);
}

/** SF, ZF and PF from a result; the flags in `explicit` (a subset of CF OF AF) are set from `values`. */
// @ts-ignore: decorator
@inline export function setResultFlags<T>(res: u32, explicit: u32, values: u32): void {
  store<u32>(EFLAGS, (load<u32>(EFLAGS) & ~explicit) | (values & explicit));
  store<u32>(LF_OP, LF_RESULT << 2 | sizeIndex<T>());
  store<u32>(LF_RES, <u32><T>res);
  store<u32>(LF_MASK, F_SF | F_ZF | F_PF);
}

// @ts-ignore: decorator
@inline function lfBits(): u32 { return <u32>8 << (load<u32>(LF_OP) & 3); }
// @ts-ignore: decorator
@inline function lfSign(): u32 { return <u32>1 << (lfBits() - 1); }

export function getCF(): u32 {
  if ((load<u32>(LF_MASK) & F_CF) == 0) return load<u32>(EFLAGS) & F_CF;
  const kind = load<u32>(LF_OP) >> 2;
  const res = load<u32>(LF_RES), a = load<u32>(LF_A), b = load<u32>(LF_B);
  switch (kind) {
    case LF_ADD: return <u32>(res < a);
    case LF_ADC: return <u32>(res <= a);
    case LF_SUB: return <u32>(a < b);
    case LF_SBB: return <u32>(a <= b);
    case LF_NEG: return <u32>(res != 0);
    default: return 0;
  }
}

export function getOF(): u32 {
  if ((load<u32>(LF_MASK) & F_OF) == 0) return (load<u32>(EFLAGS) >> 11) & 1;
  const kind = load<u32>(LF_OP) >> 2;
  const res = load<u32>(LF_RES), a = load<u32>(LF_A), b = load<u32>(LF_B);
  const sign = lfSign();
  switch (kind) {
    case LF_ADD: case LF_ADC: return <u32>((((a ^ res) & (b ^ res)) & sign) != 0);
    case LF_SUB: case LF_SBB: return <u32>((((a ^ b) & (a ^ res)) & sign) != 0);
    case LF_INC: case LF_NEG: return <u32>(res == sign);
    case LF_DEC: return <u32>(res == sign - 1);
    default: return 0;
  }
}

export function getAF(): u32 {
  if ((load<u32>(LF_MASK) & F_AF) == 0) return (load<u32>(EFLAGS) >> 4) & 1;
  const kind = load<u32>(LF_OP) >> 2;
  if (kind == LF_LOGIC || kind == LF_RESULT) return 0;
  return ((load<u32>(LF_A) ^ load<u32>(LF_B) ^ load<u32>(LF_RES)) >> 4) & 1;
}

export function getZF(): u32 {
  if ((load<u32>(LF_MASK) & F_ZF) == 0) return (load<u32>(EFLAGS) >> 6) & 1;
  return <u32>(load<u32>(LF_RES) == 0);
}

export function getSF(): u32 {
  if ((load<u32>(LF_MASK) & F_SF) == 0) return (load<u32>(EFLAGS) >> 7) & 1;
  return (load<u32>(LF_RES) >> (lfBits() - 1)) & 1;
}

export function getPF(): u32 {
  if ((load<u32>(LF_MASK) & F_PF) == 0) return (load<u32>(EFLAGS) >> 2) & 1;
  return parity(load<u32>(LF_RES));
}

/** 1 when the low byte of v has an even number of set bits. */
// @ts-ignore: decorator
@inline export function parity(v: u32): u32 { return (~popcnt<u32>(v & 0xFF)) & 1; }

/** The full EFLAGS value (lazy bits materialised). */
export function getEflags(): u32 {
  const mask = load<u32>(LF_MASK);
  let f = load<u32>(EFLAGS);
  if (mask == 0) return f | F_FIXED1;
  f &= ~F_ARITH;
  f |= getCF() | (getPF() << 2) | (getAF() << 4) | (getZF() << 6) | (getSF() << 7) | (getOF() << 11);
  return f | F_FIXED1;
}

/** Materialise all lazy flags into EFLAGS. */
export function flushFlags(): void {
  if (load<u32>(LF_MASK) == 0) return;
  const f = getEflags();
  store<u32>(EFLAGS, f);
  store<u32>(LF_MASK, 0);
}

/**
 * Set the arithmetic flags in `which` to the bits of `values`. The other flags keep their state, lazy or not:
 * the lazy record stays valid for the flags LF_MASK still names.
 */
export function setArithFlags(which: u32, values: u32): void {
  store<u32>(EFLAGS, (load<u32>(EFLAGS) & ~which) | (values & which));
  store<u32>(LF_MASK, load<u32>(LF_MASK) & ~which);
}

/** Evaluate condition code cc (0-15, the Jcc/SETcc/CMOVcc encoding). */
export function testCC(cc: u32): bool {
  // Fast path: flags from a SUB/CMP, compare the operands directly.
  const mask = load<u32>(LF_MASK);
  if (mask == F_ARITH && (load<u32>(LF_OP) >> 2) == LF_SUB) {
    const a = load<u32>(LF_A), b = load<u32>(LF_B);
    const shift = 32 - lfBits();
    const sa = <i32>(a << shift), sb = <i32>(b << shift);
    let r: bool;
    switch (cc >> 1) {
      case 1: r = a < b; break; // B
      case 2: r = a == b; break; // E
      case 3: r = a <= b; break; // BE
      case 6: r = sa < sb; break; // L
      case 7: r = sa <= sb; break; // LE
      default: return testCCSlow(cc);
    }
    return r != ((cc & 1) != 0);
  }
  // E/NE only need ZF, which every lazy kind computes from the result
  if ((cc >> 1) == 2) return ((mask & F_ZF) != 0 ? load<u32>(LF_RES) == 0 : (load<u32>(EFLAGS) & F_ZF) != 0) != ((cc & 1) != 0);
  return testCCSlow(cc);
}

function testCCSlow(cc: u32): bool {
  let r: u32;
  switch (cc >> 1) {
    case 0: r = getOF(); break;
    case 1: r = getCF(); break;
    case 2: r = getZF(); break;
    case 3: r = getCF() | getZF(); break;
    case 4: r = getSF(); break;
    case 5: r = getPF(); break;
    case 6: r = getSF() ^ getOF(); break;
    default: r = getZF() | (getSF() ^ getOF()); break;
  }
  return (r != 0) != ((cc & 1) != 0);
}
