// Bit instructions: BT, BTS, BTR, BTC (register or immediate bit offset) and BSF, BSR.
// With a register offset and a memory operand the offset is signed and may address far outside the operand
// (SDM "BT"): the address moves by (offset >> 5) * 4 (or >> 4, * 2 for 16-bit operands).
import { I_IMM, I_FLAGS, IF_A32, EFLAGS } from "../../layout";
import { getReg, setReg, F_CF, F_ZF } from "../state";
import { isRegForm } from "../form";
import { faulted } from "../fault";
import { setArithFlags, flushFlags } from "../flags";
import { readMem, writeMem, readMemRMW } from "../memory";
import { ea, eaSeg, regOff, rmOff, readE } from "./common";

export const BT_TEST: i32 = 0;
export const BT_SET: i32 = 1;
export const BT_RESET: i32 = 2;
export const BT_COMPLEMENT: i32 = 3;

// @ts-ignore: decorator
@inline function btApply(op: i32, v: u32, bit: u32): u32 {
  const m = <u32>1 << bit;
  if (op == BT_SET) return v | m;
  if (op == BT_RESET) return v & ~m;
  return v ^ m;
}

// @ts-ignore: decorator
@inline function btOn<T, F>(p: u32, op: i32, offset: u32, regOffset: bool): void {
  const n = <u32>sizeof<T>() * 8;
  if (isRegForm<F>()) {
    const bit = offset & (n - 1);
    const off = rmOff(p);
    const v = <u32>getReg<T>(off);
    setArithFlags(F_CF, (v >> bit) & 1);
    if (op != BT_TEST) setReg<T>(off, <T>btApply(op, v, bit));
    return;
  }
  const seg = eaSeg(p);
  let m = ea(p);
  let bit = offset & (n - 1);
  if (regOffset) {
    const disp = sizeof<T>() == 2 ? (<i32>offset >> 4) * 2 : (<i32>offset >> 5) * 4;
    m += <u32>disp;
    if ((load<u8>(p, I_FLAGS) & IF_A32) == 0) m &= 0xFFFF; // 16-bit addressing wraps
  }
  if (op == BT_TEST) {
    const v = <u32>readMem<T>(seg, m);
    if (faulted) return;
    setArithFlags(F_CF, (v >> bit) & 1);
    return;
  }
  const v = <u32>readMemRMW<T>(seg, m);
  if (faulted) return;
  writeMem<T>(seg, m, <T>btApply(op, v, bit));
  setArithFlags(F_CF, (v >> bit) & 1);
}

// @ts-ignore: decorator
@inline export function bt_EG<T, F>(p: u32, op: i32): void {
  const raw = getReg<T>(regOff(p));
  // the bit offset is a signed operand-size value
  btOn<T, F>(p, op, sizeof<T>() == 2 ? <u32><i32><i16>raw : <u32>raw, true);
}

// @ts-ignore: decorator
@inline export function bt_EI<T, F>(p: u32, op: i32): void { btOn<T, F>(p, op, load<u32>(p, I_IMM) & 0xFF, false); }

/** BSF/BSR: ZF = 1 and the destination unchanged when the source is 0 (as Intel processors do). */
// @ts-ignore: decorator
@inline export function bsf<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  flushFlags();
  if (v == 0) { store<u32>(EFLAGS, load<u32>(EFLAGS) | F_ZF); return; }
  store<u32>(EFLAGS, load<u32>(EFLAGS) & ~F_ZF);
  setReg<T>(regOff(p), <T>ctz<u32>(v));
}

// @ts-ignore: decorator
@inline export function bsr<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  flushFlags();
  if (v == 0) { store<u32>(EFLAGS, load<u32>(EFLAGS) | F_ZF); return; }
  store<u32>(EFLAGS, load<u32>(EFLAGS) & ~F_ZF);
  setReg<T>(regOff(p), <T>(31 - clz<u32>(v)));
}

