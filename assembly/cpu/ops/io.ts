// Port I/O: IN, OUT and the protection check shared with INS/OUTS (SDM Vol. 1 ch. 19.5: IOPL and the
// I/O permission bitmap of a 32-bit TSS).
import { REGS, I_IMM, EFLAGS, TR_BASE, TR_LIMIT, TR_ACCESS } from "../../layout";
import { R_EAX, R_EDX, getReg, setReg, F_IOPL, cpl } from "../state";
import { faulted, raiseGP } from "../fault";
import { readSys16, readSys8 } from "../memory";
import { isProtected, isV86 } from "../segments";
import { portRead, portWrite } from "../../bus/ports";
import { ioBreakpoints, checkIo } from "../debug";

/** May the current code access `size` ports from `port`? Raises #GP(0) and returns false if not. */
export function ioPermitted(port: u32, size: u32): bool {
  if (!isProtected()) return true;
  if (!isV86() && cpl() <= ((load<u32>(EFLAGS) & F_IOPL) >> 12)) return true;
  // consult the I/O permission bitmap (only a 32-bit TSS has one)
  if ((load<u32>(TR_ACCESS) & 0x8) == 0 || load<u32>(TR_LIMIT) < 0x67) { raiseGP(0); return false; }
  const base = load<u32>(TR_BASE);
  const mapOff = readSys16(base + 0x66);
  if (faulted) return false;
  const byteOff = mapOff + (port >> 3);
  if (byteOff + 1 > load<u32>(TR_LIMIT)) { raiseGP(0); return false; }
  const bits = readSys8(base + byteOff) | (readSys8(base + byteOff + 1) << 8);
  if (faulted) return false;
  const mask = ((<u32>1 << size) - 1) << (port & 7);
  if ((bits & mask) != 0) { raiseGP(0); return false; }
  return true;
}

export function ioRead(port: u32, size: u32): u32 {
  if (ioBreakpoints) checkIo(port & 0xFFFF, size);
  return portRead(port & 0xFFFF, size);
}
export function ioWrite(port: u32, v: u32, size: u32): void {
  if (ioBreakpoints) checkIo(port & 0xFFFF, size);
  portWrite(port & 0xFFFF, v, size);
}

// @ts-ignore: decorator
@inline export function in_I<T>(p: u32): void {
  const port = load<u32>(p, I_IMM) & 0xFF;
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  setReg<T>(R_EAX, <T>ioRead(port, <u32>sizeof<T>()));
}

// @ts-ignore: decorator
@inline export function out_I<T>(p: u32): void {
  const port = load<u32>(p, I_IMM) & 0xFF;
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  ioWrite(port, <u32>getReg<T>(R_EAX), <u32>sizeof<T>());
}

// @ts-ignore: decorator
@inline export function in_D<T>(p: u32): void {
  const port = <u32>load<u16>(REGS + R_EDX);
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  setReg<T>(R_EAX, <T>ioRead(port, <u32>sizeof<T>()));
}

// @ts-ignore: decorator
@inline export function out_D<T>(p: u32): void {
  const port = <u32>load<u16>(REGS + R_EDX);
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  ioWrite(port, <u32>getReg<T>(R_EAX), <u32>sizeof<T>());
}
