// Multiplication and division: MUL, IMUL (one, two and three operands), DIV, IDIV.
// MUL/IMUL define CF and OF; SF ZF AF PF are undefined (we set SF ZF PF from the low half of the result).
// DIV/IDIV leave all flags undefined (unchanged here); a zero divisor or a quotient that does not fit is #DE.
import { REGS, I_IMM } from "../../layout";
import { R_EAX, R_EDX, R_AH, getReg, setReg, F_CF, F_OF, F_AF } from "../state";
import { faulted, raiseDE } from "../fault";
import { setResultFlags } from "../flags";
import { readE, regOff } from "./common";

// @ts-ignore: decorator
@inline export function mul_E<T, F>(p: u32): void {
  const src = <u64><u32>readE<T, F>(p);
  if (faulted) return;
  if (sizeof<T>() == 1) {
    const r = <u32>(<u64>load<u8>(REGS + R_EAX) * src);
    store<u16>(REGS + R_EAX, <u16>r);
    const hi: u32 = r >> 8;
    setResultFlags<u8>(r, F_CF | F_OF | F_AF, hi != 0 ? F_CF | F_OF : 0);
  } else if (sizeof<T>() == 2) {
    const r = <u32>(<u64>load<u16>(REGS + R_EAX) * src);
    store<u16>(REGS + R_EAX, <u16>r);
    store<u16>(REGS + R_EDX, <u16>(r >> 16));
    setResultFlags<u16>(r, F_CF | F_OF | F_AF, (r >> 16) != 0 ? F_CF | F_OF : 0);
  } else {
    const r = <u64>load<u32>(REGS + R_EAX) * src;
    store<u32>(REGS + R_EAX, <u32>r);
    store<u32>(REGS + R_EDX, <u32>(r >> 32));
    setResultFlags<u32>(<u32>r, F_CF | F_OF | F_AF, (r >> 32) != 0 ? F_CF | F_OF : 0);
  }
}

// @ts-ignore: decorator
@inline export function imul_E<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  if (sizeof<T>() == 1) {
    const r = <i32><i8>load<u8>(REGS + R_EAX) * <i32><i8>v;
    store<u16>(REGS + R_EAX, <u16>r);
    const ovf = r != <i32><i8>r;
    setResultFlags<u8>(<u32>r, F_CF | F_OF | F_AF, ovf ? F_CF | F_OF : 0);
  } else if (sizeof<T>() == 2) {
    const r = <i32><i16>load<u16>(REGS + R_EAX) * <i32><i16>v;
    store<u16>(REGS + R_EAX, <u16>r);
    store<u16>(REGS + R_EDX, <u16>(r >> 16));
    const ovf = r != <i32><i16>r;
    setResultFlags<u16>(<u32>r, F_CF | F_OF | F_AF, ovf ? F_CF | F_OF : 0);
  } else {
    const r = <i64>load<i32>(REGS + R_EAX) * <i64><i32>v;
    store<u32>(REGS + R_EAX, <u32>r);
    store<u32>(REGS + R_EDX, <u32>(r >> 32));
    const ovf = r != <i64><i32>r;
    setResultFlags<u32>(<u32>r, F_CF | F_OF | F_AF, ovf ? F_CF | F_OF : 0);
  }
}

/** Signed multiply truncated to T; sets CF = OF = overflow. */
// @ts-ignore: decorator
@inline function imulTrunc<T>(a: u32, b: u32): u32 {
  let r: i64, fits: bool;
  if (sizeof<T>() == 2) {
    r = <i64>(<i32><i16>a) * <i64>(<i32><i16>b);
    fits = r == <i64><i16>r;
  } else {
    r = <i64><i32>a * <i64><i32>b;
    fits = r == <i64><i32>r;
  }
  setResultFlags<T>(<u32>r, F_CF | F_OF | F_AF, fits ? 0 : F_CF | F_OF);
  return <u32>r;
}

/** IMUL G, E, imm */
// @ts-ignore: decorator
@inline export function imul_GEI<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  setReg<T>(regOff(p), <T>imulTrunc<T>(v, load<u32>(p, I_IMM)));
}

/** IMUL G, E */
// @ts-ignore: decorator
@inline export function imul_GE<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  const off = regOff(p);
  setReg<T>(off, <T>imulTrunc<T>(<u32>getReg<T>(off), v));
}

// @ts-ignore: decorator
@inline export function div_E<T, F>(p: u32): void {
  const d = <u32>readE<T, F>(p);
  if (faulted) return;
  if (d == 0) { raiseDE(); return; }
  if (sizeof<T>() == 1) {
    const n = <u32>load<u16>(REGS + R_EAX);
    const q = n / d;
    if (q > 0xFF) { raiseDE(); return; }
    store<u8>(REGS + R_EAX, <u8>q);
    store<u8>(REGS + R_AH, <u8>(n % d));
  } else if (sizeof<T>() == 2) {
    const n = (<u32>load<u16>(REGS + R_EDX) << 16) | <u32>load<u16>(REGS + R_EAX);
    const q = n / d;
    if (q > 0xFFFF) { raiseDE(); return; }
    store<u16>(REGS + R_EAX, <u16>q);
    store<u16>(REGS + R_EDX, <u16>(n % d));
  } else {
    // the quotient fits 32 bits exactly when EDX < divisor; one division (the remainder from the quotient), a
    // 32-bit one when EDX is 0 (the usual case after XOR EDX,EDX: faster on most hosts)
    const hi = load<u32>(REGS + R_EDX), lo = load<u32>(REGS + R_EAX);
    if (hi >= d) { raiseDE(); return; }
    const q: u32 = hi == 0 ? lo / d : <u32>(((<u64>hi << 32) | <u64>lo) / <u64>d);
    store<u32>(REGS + R_EAX, q);
    store<u32>(REGS + R_EDX, lo - q * d);
  }
}

// @ts-ignore: decorator
@inline export function idiv_E<T, F>(p: u32): void {
  const raw = <u32>readE<T, F>(p);
  if (faulted) return;
  if (sizeof<T>() == 1) {
    const d = <i32><i8>raw;
    if (d == 0) { raiseDE(); return; }
    const n = <i32>load<i16>(REGS + R_EAX);
    const q = n / d;
    if (q < -128 || q > 127) { raiseDE(); return; }
    store<u8>(REGS + R_EAX, <u8>q);
    store<u8>(REGS + R_AH, <u8>(n % d));
  } else if (sizeof<T>() == 2) {
    const d = <i32><i16>raw;
    if (d == 0) { raiseDE(); return; }
    const n = <i32>((<u32>load<u16>(REGS + R_EDX) << 16) | <u32>load<u16>(REGS + R_EAX));
    if (n == i32.MIN_VALUE && d == -1) { raiseDE(); return; }
    const q = n / d;
    if (q < -32768 || q > 32767) { raiseDE(); return; }
    store<u16>(REGS + R_EAX, <u16>q);
    store<u16>(REGS + R_EDX, <u16>(n % d));
  } else {
    const d = <i64><i32>raw;
    if (d == 0) { raiseDE(); return; }
    const n = <i64>((<u64>load<u32>(REGS + R_EDX) << 32) | <u64>load<u32>(REGS + R_EAX));
    if (n == i64.MIN_VALUE && d == -1) { raiseDE(); return; }
    const q = n / d;
    if (q < <i64>i32.MIN_VALUE || q > <i64>i32.MAX_VALUE) { raiseDE(); return; }
    store<u32>(REGS + R_EAX, <u32>q);
    store<u32>(REGS + R_EDX, <u32>n - <u32>q * <u32>raw); // the remainder from the quotient: one division
  }
}
