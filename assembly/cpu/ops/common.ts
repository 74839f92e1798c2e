// Operand access shared by the instruction handlers: effective addresses and the E/G operands of a
// decoded record. Handlers are @inline so that each generated handler is specialised for its operand size
// and ModRM form.
import { REGS, I_RM, I_INDEX, I_SIB, I_DISP, I_FLAGS, IF_A32, I_REG } from "../../layout";
import { getReg, setReg } from "../state";
import { isRegForm } from "../form";
import { readMem, writeMem, readMemRMW } from "../memory";

/** Effective address (offset in the segment) of the memory operand. */
// @ts-ignore: decorator
@inline export function ea(p: u32): u32 {
  const a = load<u32>(REGS + <u32>load<u8>(p, I_RM))
    + (load<u32>(REGS + <u32>load<u8>(p, I_INDEX)) << (load<u8>(p, I_SIB) & 3))
    + load<u32>(p, I_DISP);
  // 16-bit addressing wraps at 64 KiB
  return a & (<u32>0xFFFFFFFF >>> ((<u32>(~load<u8>(p, I_FLAGS)) & IF_A32) << 4));
}

/** The offset `k` bytes past the memory operand's `m`, for operands read in parts (far pointers, BOUND, the
 *  LGDT/SGDT image): with 16-bit addressing it wraps at 64 KiB like the address itself (Bochs 2.7). */
// @ts-ignore: decorator
@inline export function eaPlus(p: u32, m: u32, k: u32): u32 {
  return (m + k) & (<u32>0xFFFFFFFF >>> ((<u32>(~load<u8>(p, I_FLAGS)) & IF_A32) << 4));
}

/** Segment register index of the memory operand (default or override). */
// @ts-ignore: decorator
@inline export function eaSeg(p: u32): i32 { return <i32>((load<u8>(p, I_SIB) >> 4) & 7); }

// @ts-ignore: decorator
@inline export function regOff(p: u32): u32 { return load<u8>(p, I_REG); }
// @ts-ignore: decorator
@inline export function rmOff(p: u32): u32 { return load<u8>(p, I_RM); }

/** Read the ModRM r/m operand. */
// @ts-ignore: decorator
@inline export function readE<T, F>(p: u32): T {
  if (isRegForm<F>()) return getReg<T>(rmOff(p));
  return readMem<T>(eaSeg(p), ea(p));
}

/** Read the r/m operand of a read-modify-write (memory: also checks that it may be written). */
// @ts-ignore: decorator
@inline export function readERMW<T, F>(p: u32): T {
  if (isRegForm<F>()) return getReg<T>(rmOff(p));
  return readMemRMW<T>(eaSeg(p), ea(p));
}

/** Write the ModRM r/m operand. */
// @ts-ignore: decorator
@inline export function writeE<T, F>(p: u32, v: T): void {
  if (isRegForm<F>()) setReg<T>(rmOff(p), v);
  else writeMem<T>(eaSeg(p), ea(p), v);
}

// @ts-ignore: decorator
@inline export function readG<T>(p: u32): T { return getReg<T>(regOff(p)); }
// @ts-ignore: decorator
@inline export function writeG<T>(p: u32, v: T): void { setReg<T>(regOff(p), v); }

/** Write a 32-bit register, or its low 16 bits for a 16-bit operand. */
// @ts-ignore: decorator
@inline export function writeRegSized<T>(off: u32, v: u32): void {
  if (sizeof<T>() == 4) store<u32>(REGS + off, v); else if (sizeof<T>() == 2) store<u16>(REGS + off, <u16>v); else store<u8>(REGS + off, <u8>v);
}
