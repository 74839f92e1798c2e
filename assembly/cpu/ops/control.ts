// Control transfer: Jcc, JMP, CALL, RET (near and far), LOOP/JCXZ, INT n/INT3/INTO/INT1, IRET, HLT, and the
// handlers that only raise an exception (#UD for undefined opcodes, #GP for over-long instructions).
import { REGS, I_IMM, I_DISP, I_FLAGS, IF_A32, HALTED } from "../../layout";
import { R_ECX, CS, segLimit, getEip, setEip, cpl, EX_BP, EX_OF, EX_DB } from "../state";
import { faulted, raiseGP, raiseUD, requestStop } from "../fault";
import { testCC, getZF, getOF } from "../flags";
import { readMem } from "../memory";
import { push, getEsp, setEsp, readAt } from "../stack";
import { farJump, farCall, farReturn } from "../transfer";
import { iret as iretImpl, interrupt, INT_SOFTWARE, INT_ICEBP } from "../interrupts";
import { isProtected, isV86 } from "../segments";
import { v86IntN } from "../v86";
import { ea, eaSeg, readE } from "./common";

/** Jump to `target` (already masked to the operand size) if it is inside CS. */
// @ts-ignore: decorator
@inline function jumpNear(target: u32): void {
  if (target > segLimit(CS)) { raiseGP(0); return; }
  setEip(target);
}

// @ts-ignore: decorator
@inline function maskIp<T>(v: u32): u32 { return sizeof<T>() == 2 ? v & 0xFFFF : v; }

// @ts-ignore: decorator
@inline export function jcc<T>(p: u32, cc: u32): void {
  if (testCC(cc)) jumpNear(maskIp<T>(getEip() + load<u32>(p, I_IMM)));
}

// @ts-ignore: decorator
@inline export function jmp_J<T>(p: u32): void { jumpNear(maskIp<T>(getEip() + load<u32>(p, I_IMM))); }

// @ts-ignore: decorator
@inline export function call_J<T>(p: u32): void {
  const next = getEip();
  const target = maskIp<T>(next + load<u32>(p, I_IMM));
  if (target > segLimit(CS)) { raiseGP(0); return; }
  push<T>(<T>next);
  if (faulted) return;
  setEip(target);
}

// @ts-ignore: decorator
@inline export function jmp_E<T, F>(p: u32): void {
  const t = <u32>readE<T, F>(p);
  if (faulted) return;
  jumpNear(t);
}

// @ts-ignore: decorator
@inline export function call_E<T, F>(p: u32): void {
  const t = <u32>readE<T, F>(p);
  if (faulted) return;
  if (t > segLimit(CS)) { raiseGP(0); return; }
  push<T>(<T>getEip());
  if (faulted) return;
  setEip(t);
}

// @ts-ignore: decorator
@inline export function ret_near<T>(p: u32, hasImm: bool): void {
  const esp = getEsp();
  const t = <u32>readAt<T>(esp);
  if (faulted) return;
  if (t > segLimit(CS)) { raiseGP(0); return; }
  setEsp(esp + <u32>sizeof<T>() + (hasImm ? load<u32>(p, I_IMM) : 0));
  setEip(t);
}

/** LOOPNE (0), LOOPE (1), LOOP (2), JCXZ (3). The counter is CX or ECX by address size. */
// @ts-ignore: decorator
@inline export function loop<T>(p: u32, kind: i32): void {
  const a32 = (load<u8>(p, I_FLAGS) & IF_A32) != 0;
  let count = a32 ? load<u32>(REGS + R_ECX) : <u32>load<u16>(REGS + R_ECX);
  let take: bool;
  if (kind == 3) {
    take = count == 0;
  } else {
    count--;
    take = count != 0;
    if (kind == 0) take = take && getZF() == 0;
    else if (kind == 1) take = take && getZF() != 0;
  }
  if (take) {
    const target = maskIp<T>(getEip() + load<u32>(p, I_IMM));
    if (target > segLimit(CS)) { raiseGP(0); return; }
    setEip(target);
  }
  if (kind != 3) { if (a32) store<u32>(REGS + R_ECX, count); else store<u16>(REGS + R_ECX, <u16>count); }
}

// @ts-ignore: decorator
@inline export function jmpf_A<T>(p: u32): void { farJump(load<u32>(p, I_DISP), load<u32>(p, I_IMM), sizeof<T>() == 4); }

// @ts-ignore: decorator
@inline export function callf_A<T>(p: u32): void { farCall(load<u32>(p, I_DISP), load<u32>(p, I_IMM), sizeof<T>() == 4); }

// @ts-ignore: decorator
@inline export function jmpf_M<T>(p: u32): void {
  const s = eaSeg(p), m = ea(p);
  const off = <u32>readMem<T>(s, m);
  if (faulted) return;
  const sel = <u32>readMem<u16>(s, m + <u32>sizeof<T>());
  if (faulted) return;
  farJump(sel, off, sizeof<T>() == 4);
}

// @ts-ignore: decorator
@inline export function callf_M<T>(p: u32): void {
  const s = eaSeg(p), m = ea(p);
  const off = <u32>readMem<T>(s, m);
  if (faulted) return;
  const sel = <u32>readMem<u16>(s, m + <u32>sizeof<T>());
  if (faulted) return;
  farCall(sel, off, sizeof<T>() == 4);
}

// @ts-ignore: decorator
@inline export function retf<T>(p: u32, hasImm: bool): void { farReturn(sizeof<T>() == 4, hasImm ? load<u32>(p, I_IMM) : 0); }

// Software interrupts are delivered inside the instruction (EIP already points past it, which is what they
// push). If delivery itself faults, the fault belongs to this instruction: the executor rewinds EIP and
// delivers it (with the double-fault rules).
// @ts-ignore: decorator
@inline export function int_I(p: u32): void {
  const v = load<u32>(p, I_IMM);
  if (isV86() && !v86IntN(v)) return; // IOPL-sensitive (INT n only)
  interrupt(<i32>v, INT_SOFTWARE, false, 0);
}
// @ts-ignore: decorator
@inline export function int3(p: u32): void { interrupt(EX_BP, INT_SOFTWARE, false, 0); }
// @ts-ignore: decorator
@inline export function into(p: u32): void { if (getOF() != 0) interrupt(EX_OF, INT_SOFTWARE, false, 0); }
// @ts-ignore: decorator
@inline export function int1(p: u32): void { interrupt(EX_DB, INT_ICEBP, false, 0); }

// @ts-ignore: decorator
@inline export function iret<T>(p: u32): void { iretImpl(sizeof<T>() == 4); }

/** HLT: privileged in protected mode; the executor then waits for an interrupt. */
// @ts-ignore: decorator
@inline export function hlt(p: u32): void {
  if (isProtected() && cpl() != 0) { raiseGP(0); return; }
  store<u32>(HALTED, 1);
  requestStop();
}

// @ts-ignore: decorator
@inline export function ud(p: u32): void { raiseUD(); }

/** Raises #GP(0): used for instructions longer than 15 bytes. */
export function gp0(p: u32): void { raiseGP(0); }
export const gp0Handler: (p: u32) => void = gp0;
