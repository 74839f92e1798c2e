// Shifts and rotates: ROL ROR RCL RCR SHL SHR SAL SAR (group 2, by 1, CL or imm8) and SHLD/SHRD.
// Counts are masked to 5 bits (286 and later). A zero count changes neither the operand nor the flags.
// OF is architecturally defined only for 1-bit shifts; for larger counts we compute it with the 1-bit formula
// applied to the result (what current Intel processors do for most forms); tests mask it as undefined.
import { REGS, I_IMM } from "../../layout";
import { R_ECX, getReg, setReg, F_CF, F_OF, F_AF } from "../state";
import { isRegForm } from "../form";
import { faulted } from "../fault";
import { getCF, setResultFlags, setArithFlags } from "../flags";
import { readMem, writeMem, readMemRMW } from "../memory";
import { ea, eaSeg, regOff, rmOff } from "./common";

export const SH_ROL: i32 = 0;
export const SH_ROR: i32 = 1;
export const SH_RCL: i32 = 2;
export const SH_RCR: i32 = 3;
export const SH_SHL: i32 = 4;
export const SH_SHR: i32 = 5;
export const SH_SAL: i32 = 6;
export const SH_SAR: i32 = 7;

// @ts-ignore: decorator
@inline function bits<T>(): u32 { return <u32>sizeof<T>() * 8; }
// @ts-ignore: decorator
@inline function msb<T>(v: u32): u32 { return (v >> (bits<T>() - 1)) & 1; }
// @ts-ignore: decorator
@inline function mask<T>(): u32 { return sizeof<T>() == 4 ? 0xFFFFFFFF : (<u32>1 << bits<T>()) - 1; }

/** Apply shift/rotate `op` by `count` (1..31) to `a`; sets the flags and returns the result. */
// @ts-ignore: decorator
@inline export function shiftOp<T>(op: i32, a: u32, count: u32): u32 {
  const n = bits<T>();
  let r: u32 = 0;
  switch (op) {
    case SH_ROL: {
      const c = count & (n - 1);
      r = c == 0 ? a : ((a << c) | (a >> (n - c))) & mask<T>();
      const cf = r & 1;
      setArithFlags(F_CF | F_OF, cf | ((msb<T>(r) ^ cf) << 11));
      break;
    }
    case SH_ROR: {
      const c = count & (n - 1);
      r = c == 0 ? a : ((a >> c) | (a << (n - c))) & mask<T>();
      const cf = msb<T>(r);
      setArithFlags(F_CF | F_OF, cf | ((cf ^ ((r >> (n - 2)) & 1)) << 11));
      break;
    }
    case SH_RCL: {
      const c = count % (n + 1);
      let cf = getCF();
      if (c == 0) { r = a; setArithFlags(F_OF, (msb<T>(r) ^ cf) << 11); break; }
      // rotate the (n+1)-bit value CF:a left by c
      const v: u64 = (<u64>cf << n) | <u64>a;
      const w: u64 = ((v << c) | (v >> (n + 1 - c))) & ((<u64>1 << (n + 1)) - 1);
      r = <u32>(w & mask<T>());
      cf = <u32>(w >> n) & 1;
      setArithFlags(F_CF | F_OF, cf | ((msb<T>(r) ^ cf) << 11));
      break;
    }
    case SH_RCR: {
      const c = count % (n + 1);
      let cf = getCF();
      if (c == 0) { r = a; setArithFlags(F_OF, (msb<T>(r) ^ ((r >> (n - 2)) & 1)) << 11); break; }
      const v: u64 = (<u64>cf << n) | <u64>a;
      const w: u64 = ((v >> c) | (v << (n + 1 - c))) & ((<u64>1 << (n + 1)) - 1);
      r = <u32>(w & mask<T>());
      cf = <u32>(w >> n) & 1;
      setArithFlags(F_CF | F_OF, cf | ((msb<T>(r) ^ ((r >> (n - 2)) & 1)) << 11));
      break;
    }
    case SH_SHL: case SH_SAL: {
      const wide: u64 = <u64>a << count;
      r = <u32>wide & mask<T>();
      const cf = <u32>(wide >> n) & 1;
      setResultFlags<T>(r, F_CF | F_OF | F_AF, cf | ((msb<T>(r) ^ cf) << 11));
      break;
    }
    case SH_SHR: {
      r = count >= 32 ? 0 : a >> count;
      const cf = (a >> (count - 1)) & 1;
      setResultFlags<T>(r, F_CF | F_OF | F_AF, cf | (count == 1 ? msb<T>(a) << 11 : 0));
      break;
    }
    default: { // SAR
      const s: i32 = (<i32>(a << (32 - n))) >> (32 - n); // sign-extend
      r = <u32>(s >> (count > 31 ? 31 : <i32>count)) & mask<T>();
      const cf = <u32>(s >> <i32>(count - 1 > 31 ? 31 : count - 1)) & 1;
      setResultFlags<T>(r, F_CF | F_OF | F_AF, cf);
      break;
    }
  }
  return r;
}

// @ts-ignore: decorator
@inline function shiftCount(p: u32, kind: i32): u32 {
  if (kind == 0) return 1;
  if (kind == 1) return <u32>load<u8>(REGS + R_ECX) & 31;
  return load<u32>(p, I_IMM) & 31;
}

/** Group 2: op E by 1 (kind 0), CL (1) or imm8 (2). */
// @ts-ignore: decorator
@inline export function shift_E<T, F>(p: u32, op: i32, kind: i32): void {
  const count = shiftCount(p, kind);
  if (isRegForm<F>()) {
    if (count == 0) return;
    const off = rmOff(p);
    setReg<T>(off, <T>shiftOp<T>(op, <u32>getReg<T>(off), count));
  } else {
    const seg = eaSeg(p), m = ea(p);
    if (count == 0) { readMemRMW<T>(seg, m); return; } // still a read-modify-write access: #GP/#PF if not writable
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    writeMem<T>(seg, m, <T>shiftOp<T>(op, a, count)); // cannot fault: readMemRMW checked the write
  }
}

/** SHLD E, G, count: shift E left, filling from G. */
// @ts-ignore: decorator
@inline export function shld<T, F>(p: u32, useCL: bool): void {
  const count = useCL ? <u32>load<u8>(REGS + R_ECX) & 31 : load<u32>(p, I_IMM) & 31;
  const b = <u32>getReg<T>(regOff(p));
  let a: u32;
  const seg = eaSeg(p);
  let m: u32 = 0;
  if (isRegForm<F>()) a = <u32>getReg<T>(rmOff(p));
  else { m = ea(p); a = <u32>readMemRMW<T>(seg, m); if (faulted) return; } // RMW access even for count 0
  if (count == 0) return;
  let r: u32, cf: u32;
  if (sizeof<T>() == 4) {
    r = (a << count) | (b >> (32 - count));
    cf = (a >> (32 - count)) & 1;
  } else {
    // 16-bit: the 48-bit value a:b:a (counts above 16 are undefined; this is what Intel parts produce)
    const x: u64 = (<u64>a << 32) | (<u64>b << 16) | <u64>a;
    r = <u32>((x << count) >> 32) & 0xFFFF;
    cf = <u32>((x << (count - 1)) >> 47) & 1;
  }
  setResultFlags<T>(r, F_CF | F_OF | F_AF, cf | ((msb<T>(r) ^ msb<T>(a)) << 11));
  if (isRegForm<F>()) setReg<T>(rmOff(p), <T>r); else writeMem<T>(seg, m, <T>r);
}

/** SHRD E, G, count: shift E right, filling from G. */
// @ts-ignore: decorator
@inline export function shrd<T, F>(p: u32, useCL: bool): void {
  const count = useCL ? <u32>load<u8>(REGS + R_ECX) & 31 : load<u32>(p, I_IMM) & 31;
  const b = <u32>getReg<T>(regOff(p));
  let a: u32;
  const seg = eaSeg(p);
  let m: u32 = 0;
  if (isRegForm<F>()) a = <u32>getReg<T>(rmOff(p));
  else { m = ea(p); a = <u32>readMemRMW<T>(seg, m); if (faulted) return; } // RMW access even for count 0
  if (count == 0) return;
  let r: u32, cf: u32;
  if (sizeof<T>() == 4) {
    r = (a >> count) | (b << (32 - count));
    cf = (a >> (count - 1)) & 1;
  } else {
    const x: u64 = (<u64>a << 32) | (<u64>b << 16) | <u64>a;
    r = <u32>(x >> count) & 0xFFFF;
    cf = <u32>(x >> (count - 1)) & 1;
  }
  setResultFlags<T>(r, F_CF | F_OF | F_AF, cf | ((msb<T>(r) ^ msb<T>(a)) << 11));
  if (isRegForm<F>()) setReg<T>(rmOff(p), <T>r); else writeMem<T>(seg, m, <T>r);
}
