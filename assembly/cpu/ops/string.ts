// String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE, 16- or 32-bit addressing
// and EFLAGS.DF. A repeated instruction runs at most STRING_CHUNK iterations per execution, then leaves EIP
// on itself (as when an interrupt arrives mid-way), so long copies stay interruptible and budgets exact.
// REP MOVS / STOS / LODS do runs of elements at once where string_bulk.ts allows it (same effect, same count
// of iterations per execution), else one element here with the full checks.
import { REGS, I_FLAGS, IF_A32, IF_REP, IF_REPNE, I_LEN, EFLAGS } from "../../layout";
import { R_ESI, R_EDI, R_ECX, R_EAX, R_EDX, ES, F_DF, F_TF, getEip, setEip, getReg, setReg } from "../state";
import { faulted, stopBlock, requestStop } from "../fault";
import { readMem, writeMem } from "../memory";
import { alu, ALU_CMP } from "./alu";
import { eaSeg } from "./common";
import { ioPermitted, ioRead, ioWrite } from "./io";
import { stringFastPath, movsRun, stosRun, lodsRun } from "./string_bulk";

export const STRING_CHUNK: u32 = 16384;

// @ts-ignore: decorator
@inline function isA32(p: u32): bool { return (load<u8>(p, I_FLAGS) & IF_A32) != 0; }
// @ts-ignore: decorator
@inline function isRep(p: u32): bool { return (load<u8>(p, I_FLAGS) & (IF_REP | IF_REPNE)) != 0; }
// @ts-ignore: decorator
@inline function step<T>(): u32 { return (load<u32>(EFLAGS) & F_DF) != 0 ? <u32>(-sizeof<T>()) : <u32>sizeof<T>(); }

// @ts-ignore: decorator
@inline function idx(off: u32, a32: bool): u32 { return a32 ? load<u32>(REGS + off) : <u32>load<u16>(REGS + off); }
// @ts-ignore: decorator
@inline function advance(off: u32, a32: bool, d: u32): void {
  if (a32) store<u32>(REGS + off, load<u32>(REGS + off) + d);
  else store<u16>(REGS + off, <u16>(load<u16>(REGS + off) + d));
}
// @ts-ignore: decorator
@inline function count(a32: bool): u32 { return idx(R_ECX, a32); }
// @ts-ignore: decorator
@inline function setCount(a32: bool, v: u32): void {
  if (a32) store<u32>(REGS + R_ECX, v); else store<u16>(REGS + R_ECX, <u16>v);
}
/** Iterations before a REP instruction yields: one while single-stepping, as a trap follows every iteration
 *  (SDM Vol. 3B 17.3.1.4), else STRING_CHUNK. */
// @ts-ignore: decorator
@inline function repBudget(): u32 { return (load<u32>(EFLAGS) & F_TF) != 0 ? 1 : STRING_CHUNK; }
/** Leave EIP on the instruction so that it continues later. */
// @ts-ignore: decorator
@inline function restart(p: u32): void { setEip(getEip() - <u32>load<u8>(p, I_LEN)); requestStop(); }

// @ts-ignore: decorator
@inline export function movs<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>(), src = eaSeg(p);
  if (!isRep(p)) {
    const v = readMem<T>(src, idx(R_ESI, a32));
    if (faulted) return;
    writeMem<T>(ES, idx(R_EDI, a32), v);
    if (faulted) return;
    advance(R_ESI, a32, d); advance(R_EDI, a32, d);
    return;
  }
  let n = count(a32);
  let budget = repBudget();
  while (n != 0) {
    let k: u32 = stringFastPath ? movsRun(src, a32, sizeof<T>(), n < budget ? n : budget) : 0;
    if (k == 0) {
      const v = readMem<T>(src, idx(R_ESI, a32));
      if (faulted) return;
      writeMem<T>(ES, idx(R_EDI, a32), v);
      if (faulted) return;
      advance(R_ESI, a32, d); advance(R_EDI, a32, d);
      k = 1;
    }
    n -= k; budget -= k; setCount(a32, n);
    if (n != 0 && (budget == 0 || stopBlock)) { restart(p); return; }
  }
}

// @ts-ignore: decorator
@inline export function stos<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>();
  const v = getReg<T>(R_EAX);
  if (!isRep(p)) {
    writeMem<T>(ES, idx(R_EDI, a32), v);
    if (faulted) return;
    advance(R_EDI, a32, d);
    return;
  }
  let n = count(a32);
  let budget = repBudget();
  while (n != 0) {
    let k: u32 = stringFastPath ? stosRun(a32, sizeof<T>(), n < budget ? n : budget, <u32>v) : 0;
    if (k == 0) {
      writeMem<T>(ES, idx(R_EDI, a32), v);
      if (faulted) return;
      advance(R_EDI, a32, d);
      k = 1;
    }
    n -= k; budget -= k; setCount(a32, n);
    if (n != 0 && (budget == 0 || stopBlock)) { restart(p); return; }
  }
}

// @ts-ignore: decorator
@inline export function lods<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>(), src = eaSeg(p);
  if (!isRep(p)) {
    const v = readMem<T>(src, idx(R_ESI, a32));
    if (faulted) return;
    setReg<T>(R_EAX, v);
    advance(R_ESI, a32, d);
    return;
  }
  let n = count(a32);
  let budget = repBudget();
  while (n != 0) {
    let k: u32 = stringFastPath ? lodsRun(src, a32, sizeof<T>(), n < budget ? n : budget) : 0;
    if (k == 0) {
      const v = readMem<T>(src, idx(R_ESI, a32));
      if (faulted) return;
      setReg<T>(R_EAX, v);
      advance(R_ESI, a32, d);
      k = 1;
    }
    n -= k; budget -= k; setCount(a32, n);
    if (n != 0 && (budget == 0 || stopBlock)) { restart(p); return; }
  }
}

/** CMPS: compare [seg:eSI] with ES:[eDI]; REPE (F3) / REPNE (F2) stop on ZF. */
// @ts-ignore: decorator
@inline export function cmps<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>(), src = eaSeg(p);
  const f = load<u8>(p, I_FLAGS);
  if ((f & (IF_REP | IF_REPNE)) == 0) {
    const a = <u32>readMem<T>(src, idx(R_ESI, a32));
    if (faulted) return;
    const b = <u32>readMem<T>(ES, idx(R_EDI, a32));
    if (faulted) return;
    alu<T>(ALU_CMP, a, b);
    advance(R_ESI, a32, d); advance(R_EDI, a32, d);
    return;
  }
  const repe = (f & IF_REP) != 0;
  let n = count(a32);
  let budget = repBudget();
  while (n != 0) {
    const a = <u32>readMem<T>(src, idx(R_ESI, a32));
    if (faulted) return;
    const b = <u32>readMem<T>(ES, idx(R_EDI, a32));
    if (faulted) return;
    alu<T>(ALU_CMP, a, b);
    advance(R_ESI, a32, d); advance(R_EDI, a32, d);
    n--; setCount(a32, n);
    if ((a == b) != repe) return;
    if (n != 0 && (--budget == 0 || stopBlock)) { restart(p); return; }
  }
}

/** SCAS: compare AL/eAX with ES:[eDI]. */
// @ts-ignore: decorator
@inline export function scas<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>();
  const f = load<u8>(p, I_FLAGS);
  const a = <u32>getReg<T>(R_EAX);
  if ((f & (IF_REP | IF_REPNE)) == 0) {
    const b = <u32>readMem<T>(ES, idx(R_EDI, a32));
    if (faulted) return;
    alu<T>(ALU_CMP, a, b);
    advance(R_EDI, a32, d);
    return;
  }
  const repe = (f & IF_REP) != 0;
  let n = count(a32);
  let budget = repBudget();
  while (n != 0) {
    const b = <u32>readMem<T>(ES, idx(R_EDI, a32));
    if (faulted) return;
    alu<T>(ALU_CMP, a, b);
    advance(R_EDI, a32, d);
    n--; setCount(a32, n);
    if ((a == b) != repe) return;
    if (n != 0 && (--budget == 0 || stopBlock)) { restart(p); return; }
  }
}

/** INS: ES:[eDI] = in(DX). The destination is checked before the port is read. */
// @ts-ignore: decorator
@inline export function ins<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>();
  const port = <u32>load<u16>(REGS + R_EDX);
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  let n: u32 = isRep(p) ? count(a32) : 1;
  let budget = repBudget();
  while (n != 0) {
    const di = idx(R_EDI, a32);
    writeMem<T>(ES, di, <T>0); // probe: faults before the device sees the read
    if (faulted) return;
    writeMem<T>(ES, di, <T>ioRead(port, <u32>sizeof<T>()));
    advance(R_EDI, a32, d);
    n--;
    if (isRep(p)) setCount(a32, n);
    if (n != 0 && (--budget == 0 || stopBlock)) { restart(p); return; }
  }
}

/** OUTS: out(DX, [seg:eSI]). */
// @ts-ignore: decorator
@inline export function outs<T>(p: u32): void {
  const a32 = isA32(p), d = step<T>(), src = eaSeg(p);
  const port = <u32>load<u16>(REGS + R_EDX);
  if (!ioPermitted(port, <u32>sizeof<T>())) return;
  let n: u32 = isRep(p) ? count(a32) : 1;
  let budget = repBudget();
  while (n != 0) {
    const v = <u32>readMem<T>(src, idx(R_ESI, a32));
    if (faulted) return;
    ioWrite(port, v, <u32>sizeof<T>());
    advance(R_ESI, a32, d);
    n--;
    if (isRep(p)) setCount(a32, n);
    if (n != 0 && (--budget == 0 || stopBlock)) { restart(p); return; }
  }
}

