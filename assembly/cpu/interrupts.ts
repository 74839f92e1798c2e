// Interrupt and exception delivery (SDM Vol. 2 "INT n/INTO/INT3/INT1" and Vol. 3A ch. 6), IRET, and the
// double-fault / triple-fault rules (Vol. 3A 6.15, table 6-5).
import {
  IDTR_BASE, IDTR_LIMIT, EFLAGS, REGS, EXC_VECTOR, EXC_CODE, EXC_HAS_CODE, TR_BASE, TR_ACCESS,
  SEG_ACCESS, LF_MASK, CNT_EXCEPTIONS, EXC_LOG, EXC_LOG_POS, EXC_LOG_ENTRIES, CNT_INTERRUPTS, NMI_MASKED, HALTED, TRIPLE_FAULTS,
} from "../layout";
import {
  CS, SS, DS, ES, FS, GS, R_ESP, F_IF, F_TF, F_NT, F_VM, F_RF, F_AC, F_IOPL, F_VIF, F_VIP, EX_DF, EX_GP,
  EX_TS, EX_NP, EX_SS, EX_PF, EX_DE, EX_DB, getEip, setEip, segSel, segBase, segLimit,
} from "./state";
import { getEflags, flushFlags } from "./flags";
import { faulted, raiseGP, raiseSS, raiseNP, raiseTS, clearFault } from "./fault";
import { readSys16, readSys32 } from "./memory";
import {
  readDescriptor, descLo, descHi, descBase, descLimit, descAccess, accDpl, ACC_S, ACC_CODE, ACC_DC, ACC_RW, ACC_P,
  ACC_DB, setSegment, loadSegReal, updateMode, updateAllSegChecks, setCpl, isV86, isProtected,
  nullifyInaccessibleSegments, setDescriptorAccessed, ss32, } from "./segments";
import { getEsp, setEsp, pushAt, readAt, stackFrameOk } from "./stack";
import { taskSwitch, TS_CALL, TS_IRET } from "./tasks";
import { updateTlbMasks } from "./paging";
import { writeFrame, stackFromTss, tssSS, tssESP, frameScratch, checkOuterStack } from "./transfer";
import { cpl } from "./state";
import { onTripleFault } from "../machine_events";
import { iretV86Virtual } from "./v86";

export const INT_EXCEPTION: i32 = 0; // CPU exception (EXT = 1 in error codes)
export const INT_SOFTWARE: i32 = 1; // INT n, INT3, INTO: gate DPL checked (INT n in V86: see v86.ts)
export const INT_EXTERNAL: i32 = 2; // hardware interrupt or NMI (EXT = 1)
export const INT_ICEBP: i32 = 3; // INT1: a trap without the DPL check

/** Write EFLAGS (all bits; lazy flags cleared). Also recomputes the mode if VM changed. */
export function setEflagsRaw(v: u32): void {
  const old = load<u32>(EFLAGS);
  store<u32>(EFLAGS, (v & 0x3F7FD5) | 2);
  store<u32>(LF_MASK, 0); // all arithmetic flags are explicit now
  if (((old ^ v) & F_VM) != 0) { updateMode(); updateAllSegChecks(); }
  else if (((old ^ v) & F_AC) != 0) updateTlbMasks(); // alignment checking may have turned on or off
}

/**
 * Deliver interrupt `vector`. EIP must already be what gets pushed: the faulting instruction for faults, the
 * next instruction for traps and software interrupts. On failure a new exception is pending (faulted).
 */
/** Set whenever an interrupt or exception is delivered (the executor uses it for single-step traps). */
export let interruptDelivered = false;
export function clearInterruptDelivered(): void { interruptDelivered = false; }
/** A V86 INT n redirected to the V86 task's IVT (v86.ts) is a delivered interrupt too. */
export function noteRedirectedInterrupt(): void {
  interruptDelivered = true;
  store<u64>(CNT_INTERRUPTS, load<u64>(CNT_INTERRUPTS) + 1);
}

export function interrupt(vector: i32, kind: i32, hasCode: bool, code: u32): void {
  interruptDelivered = true;
  store<u64>(kind == INT_EXCEPTION ? CNT_EXCEPTIONS : CNT_INTERRUPTS,
    load<u64>(kind == INT_EXCEPTION ? CNT_EXCEPTIONS : CNT_INTERRUPTS) + 1);
  if (kind == INT_EXCEPTION) logException(vector, hasCode ? code : 0xFFFFFFFF);
  store<u32>(HALTED, 0);
  if (!isProtected()) { interruptReal(vector); return; }
  interruptProt(vector, kind, hasCode, code);
}

/** Keep the last exceptions for the debugger and for test failure messages. */
function logException(vector: i32, code: u32): void {
  const n = load<u32>(EXC_LOG_POS);
  const e = EXC_LOG + (n % EXC_LOG_ENTRIES) * 16;
  store<u32>(e, <u32>vector);
  store<u32>(e, code, 4);
  store<u32>(e, segSel(CS), 8);
  store<u32>(e, getEip(), 12);
  store<u32>(EXC_LOG_POS, n + 1);
}

function interruptReal(vector: i32): void {
  const v = <u32>vector;
  if ((v << 2) + 3 > load<u32>(IDTR_LIMIT)) { raiseGP(0); return; }
  const ivt = load<u32>(IDTR_BASE) + (v << 2);
  const ip = readSys16(ivt);
  const cs = readSys16(ivt + 2);
  if (faulted) return;
  const flags = getEflags();
  let esp = getEsp();
  esp = pushAt<u16>(esp, <u16>flags);
  if (faulted) return;
  esp = pushAt<u16>(esp, <u16>segSel(CS));
  if (faulted) return;
  esp = pushAt<u16>(esp, <u16>getEip());
  if (faulted) return;
  setEsp(esp);
  setEflagsRaw(flags & ~(F_IF | F_TF | F_AC | F_RF));
  loadSegReal(CS, cs);
  setEip(ip);
}

function interruptProt(vector: i32, kind: i32, hasCode: bool, code: u32): void {
  const v = <u32>vector;
  const ext: u32 = kind == INT_SOFTWARE ? 0 : 1;
  const idtErr = (v << 3) | 2 | ext;
  if ((v << 3) + 7 > load<u32>(IDTR_LIMIT)) { raiseGP(idtErr); return; }
  const gateAddr = load<u32>(IDTR_BASE) + (v << 3);
  const lo = readSys32(gateAddr);
  if (faulted) return;
  const hi = readSys32(gateAddr + 4);
  if (faulted) return;
  const type = (hi >> 8) & 0x1F;
  if (type != 0x05 && type != 0x06 && type != 0x07 && type != 0x0E && type != 0x0F) { raiseGP(idtErr); return; }
  const gateDpl = (hi >> 13) & 3;
  if (kind == INT_SOFTWARE && gateDpl < cpl()) { raiseGP(idtErr); return; }
  if ((hi & 0x8000) == 0) { raiseNP(idtErr); return; }
  if (type == 0x05) {
    // task gate: switch tasks, then push the error code on the new task's stack
    taskSwitch(lo >>> 16, TS_CALL, ext, getEip());
    if (faulted) return;
    if (hasCode) pushErrorCode(code, (load<u32>(TR_ACCESS) & 0x8) != 0);
    return;
  }
  const gate32 = (type & 8) != 0;
  const trapGate = (type & 1) != 0;
  const sel = lo >>> 16;
  let offset = lo & 0xFFFF;
  if (gate32) offset |= hi & 0xFFFF0000;
  if ((sel & 0xFFFC) == 0) { raiseGP(ext); return; }
  if (!readDescriptor(sel, EX_GP)) { fixExt(ext); return; }
  const cLo = descLo, cHi = descHi;
  const acc = descAccess(cHi);
  const dpl = accDpl(acc);
  const selErr = (sel & 0xFFFC) | ext;
  if ((acc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE) || dpl > cpl()) { raiseGP(selErr); return; }
  if ((acc & ACC_P) == 0) { raiseNP(selErr); return; }
  const targetLimit = descLimit(cLo, cHi);
  const conforming = (acc & ACC_DC) != 0;
  const oldFlags = getEflags();
  const fromV86 = (oldFlags & F_VM) != 0;
  let newCpl = cpl();
  if (!conforming && dpl < cpl()) {
    // inner privilege: new stack from the TSS
    if (fromV86 && dpl != 0) { raiseGP(selErr); return; }
    newCpl = dpl;
    if (!stackFromTss(dpl, ext)) return;
    const nss = tssSS, nesp = tssESP;
    // new SS checks (SDM: #TS with the SS selector)
    if ((nss & 0xFFFC) == 0) { raiseTS(ext); return; }
    if ((nss & 3) != dpl) { raiseTS((nss & 0xFFFC) | ext); return; }
    if (!readDescriptor(nss, EX_TS)) { fixExt(ext); return; }
    const sAcc = descAccess(descHi);
    if (accDpl(sAcc) != dpl || (sAcc & (ACC_S | ACC_CODE | ACC_RW)) != (ACC_S | ACC_RW)) { raiseTS((nss & 0xFFFC) | ext); return; }
    if ((sAcc & ACC_P) == 0) { raiseSS((nss & 0xFFFC) | ext); return; }
    const sBase = descBase(descLo, descHi), sLimit = descLimit(descLo, descHi);
    const sBig = (sAcc & ACC_DB) != 0;
    // build the frame on the new stack with supervisor writes, checking its limit
    const size: u32 = gate32 ? 4 : 2;
    const words: u32 = (fromV86 ? 9 : 5) + (hasCode ? 1 : 0);
    let esp = nesp;
    const vals = frameScratch;
    let n: u32 = 0;
    if (fromV86) {
      unchecked(vals[n++] = segSel(GS)); unchecked(vals[n++] = segSel(FS));
      unchecked(vals[n++] = segSel(DS)); unchecked(vals[n++] = segSel(ES));
    }
    unchecked(vals[n++] = segSel(SS)); unchecked(vals[n++] = load<u32>(REGS + R_ESP));
    unchecked(vals[n++] = oldFlags); unchecked(vals[n++] = segSel(CS)); unchecked(vals[n++] = getEip());
    if (hasCode) unchecked(vals[n++] = code);
    if (!writeFrame(sBase, sLimit, sBig, esp, vals, words, size, (nss & 0xFFFC) | ext, (sAcc & ACC_DC) != 0)) return;
    esp -= words * size;
    // the target's EIP must be inside the new CS
    if (offset > targetLimit) { raiseGP(0); return; }
    setDescriptorAccessedFor(nss);
    if (faulted) return;
    readDescriptor(sel, EX_GP);
    if (faulted) return;
    setDescriptorAccessed();
    if (faulted) return;
    // commit
    setCpl(newCpl);
    setSegment(SS, (nss & 0xFFFC) | dpl, sBase, sLimit, sAcc, true);
    if (sBig) store<u32>(REGS + R_ESP, esp); else store<u16>(REGS + R_ESP, <u16>esp);
    if (fromV86) {
      for (let s = 0; s < 6; s++) {
        if (s == CS || s == SS) continue;
        setSegment(s, 0, 0, 0, 0, false);
      }
    }
  } else {
    if (fromV86) { raiseGP(selErr); return; }
    if (!conforming && dpl != cpl()) { raiseGP(selErr); return; }
    // same privilege: frame on the current stack
    const size: u32 = gate32 ? 4 : 2;
    const words: u32 = 3 + (hasCode ? 1 : 0);
    const vals = frameScratch;
    let n: u32 = 0;
    unchecked(vals[n++] = oldFlags); unchecked(vals[n++] = segSel(CS)); unchecked(vals[n++] = getEip());
    if (hasCode) unchecked(vals[n++] = code);
    let esp = getEsp();
    if (!writeFrame(segBase(SS), segLimit(SS), ss32(), esp, vals, words, size, ext, isExpandDown(SS))) return;
    if (offset > targetLimit) { raiseGP(0); return; }
    readDescriptor(sel, EX_GP);
    if (faulted) return;
    setDescriptorAccessed();
    if (faulted) return;
    esp -= words * size;
    setEsp(esp);
  }
  setSegment(CS, (sel & 0xFFFC) | newCpl, descBase(cLo, cHi), targetLimit, acc | 1, true);
  setEip(offset);
  let nf = oldFlags & ~(F_TF | F_NT | F_VM | F_RF);
  if (!trapGate) nf &= ~F_IF;
  setEflagsRaw(nf);
  updateMode();
  updateAllSegChecks();
}


function isExpandDown(seg: i32): bool {
  const a = load<u32>(SEG_ACCESS + (<u32>seg << 2));
  return (a & (ACC_CODE | ACC_DC)) == ACC_DC;
}

/** The error code of a fault raised inside readDescriptor must carry EXT. */
function fixExt(ext: u32): void {
  if (faulted && ext != 0) store<u32>(EXC_CODE, load<u32>(EXC_CODE) | ext);
}

function setDescriptorAccessedFor(sel: u32): void {
  if (!readDescriptor(sel, EX_TS)) return;
  setDescriptorAccessed();
}

function pushErrorCode(code: u32, big: bool): void {
  let esp = getEsp();
  if (big) esp = pushAt<u32>(esp, code); else esp = pushAt<u16>(esp, <u16>code);
  if (!faulted) setEsp(esp);
}

// ---- IRET -----------------------------------------------------------------------------------------------------
/** IRET with operand size 16 or 32 (after the instruction: EIP points past it). */
export function iret(o32: bool): void {
  if (!isProtected()) { iretReal(o32); return; }
  const flags = getEflags();
  if (isV86()) {
    if ((flags & F_IOPL) != F_IOPL) { iretV86Virtual(o32); return; } // CR4.VME or #GP(0)
    iretReal(o32);
    return;
  }
  if ((flags & F_NT) != 0) {
    // return from a nested task: back link in the current TSS
    const link = readSys16(load<u32>(TR_BASE));
    if (faulted) return;
    taskSwitch(link, TS_IRET, 0, getEip());
    return;
  }
  const size: u32 = o32 ? 4 : 2;
  const esp = getEsp();
  if (!stackFrameOk(esp, 0, size * 3)) return;
  const nEip = o32 ? readAt<u32>(esp) : <u32>readAt<u16>(esp);
  if (faulted) return;
  const nCs = <u32>readAt<u16>(esp + size);
  if (faulted) return;
  const nFlags = o32 ? readAt<u32>(esp + size * 2) : <u32>readAt<u16>(esp + size * 2);
  if (faulted) return;
  if (o32 && (nFlags & F_VM) != 0 && cpl() == 0) { iretToV86(esp, nEip, nCs, nFlags); return; }
  // protected-mode return
  if ((nCs & 0xFFFC) == 0) { raiseGP(0); return; }
  if (!readDescriptor(nCs, EX_GP)) return;
  const cLo = descLo, cHi = descHi;
  const acc = descAccess(cHi);
  const rpl = nCs & 3;
  const selErr = nCs & 0xFFFC;
  if ((acc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE) || rpl < cpl()) { raiseGP(selErr); return; }
  const dpl = accDpl(acc);
  if ((acc & ACC_DC) != 0 ? dpl > rpl : dpl != rpl) { raiseGP(selErr); return; }
  if ((acc & ACC_P) == 0) { raiseNP(selErr); return; }
  const limit = descLimit(cLo, cHi);
  const oldCpl = cpl();
  if (rpl == oldCpl) {
    if (nEip > limit) { raiseGP(0); return; }
    setDescriptorAccessed();
    if (faulted) return;
    setEsp(esp + size * 3);
    setSegment(CS, nCs, descBase(cLo, cHi), limit, acc | 1, true);
    setEip(nEip);
    writeFlagsForIret(nFlags, o32, oldCpl, flags);
    return;
  }
  // return to an outer level: also pop ESP and SS
  if (!stackFrameOk(esp, <i32>(size * 3), size * 2)) return;
  const nEsp = o32 ? readAt<u32>(esp + size * 3) : <u32>readAt<u16>(esp + size * 3);
  if (faulted) return;
  const nSs = <u32>readAt<u16>(esp + size * 4);
  if (faulted) return;
  if (!checkOuterStack(nSs, rpl)) return;
  const sAcc = descAccess(descHi);
  if (nEip > limit) { raiseGP(0); return; }
  const sLo = descLo, sHi = descHi;
  setDescriptorAccessed();
  if (faulted) return;
  readDescriptor(nCs, EX_GP);
  if (faulted) return;
  setDescriptorAccessed();
  if (faulted) return;
  setCpl(rpl);
  setSegment(CS, nCs, descBase(cLo, cHi), limit, acc | 1, true);
  setSegment(SS, nSs, descBase(sLo, sHi), descLimit(sLo, sHi), descAccess(sHi) | 1, true);
  if ((sAcc & ACC_DB) != 0) store<u32>(REGS + R_ESP, nEsp); else store<u16>(REGS + R_ESP, <u16>nEsp);
  setEip(nEip);
  writeFlagsForIret(nFlags, o32, oldCpl, flags);
  nullifyInaccessibleSegments();
}

/** EFLAGS update rules of IRET/POPF in protected mode: IOPL only at CPL 0, IF only when CPL <= IOPL. */
function writeFlagsForIret(nFlags: u32, o32: bool, oldCpl: u32, oldFlags: u32): void {
  let changeable: u32 = 0x00004DD5 | F_RF | F_AC | F_ID_BIT; // arith, TF, DF, OF, NT, RF, AC, ID
  if (oldCpl == 0) changeable |= F_IOPL | F_VIF | F_VIP;
  if (oldCpl <= ((oldFlags & F_IOPL) >> 12)) changeable |= F_IF;
  if (!o32) changeable &= 0xFFFF;
  setEflagsRaw((oldFlags & ~changeable) | (nFlags & changeable));
}

const F_ID_BIT: u32 = 0x200000;

function iretToV86(esp: u32, nEip: u32, nCs: u32, nFlags: u32): void {
  if (!stackFrameOk(esp, 12, 24)) return;
  const nEsp = readAt<u32>(esp + 12);
  const nSs = readAt<u32>(esp + 16);
  const nEs = readAt<u32>(esp + 20);
  const nDs = readAt<u32>(esp + 24);
  const nFs = readAt<u32>(esp + 28);
  const nGs = readAt<u32>(esp + 32);
  if (faulted) return;
  setEflagsRaw(nFlags);
  setCpl(3);
  loadSegReal(CS, nCs & 0xFFFF);
  loadSegReal(SS, nSs & 0xFFFF);
  loadSegReal(ES, nEs & 0xFFFF);
  loadSegReal(DS, nDs & 0xFFFF);
  loadSegReal(FS, nFs & 0xFFFF);
  loadSegReal(GS, nGs & 0xFFFF);
  store<u32>(REGS + R_ESP, nEsp);
  setEip(nEip & 0xFFFF);
  updateMode();
  updateAllSegChecks();
}

function iretReal(o32: bool): void {
  const esp = getEsp();
  let ip: u32, cs: u32, fl: u32;
  if (o32) {
    ip = readAt<u32>(esp);
    cs = readAt<u32>(esp + 4) & 0xFFFF;
    fl = readAt<u32>(esp + 8);
  } else {
    ip = readAt<u16>(esp);
    cs = readAt<u16>(esp + 2);
    fl = readAt<u16>(esp + 4);
  }
  if (faulted) return;
  // real mode checks the new IP against the CS limit; V86 mode does not (SDM IRET: a V86 IRET at IOPL 3 just
  // loads EIP, and an EIP past 64 KiB faults at the next fetch; Bochs 2.7)
  if (!isV86() && ip > segLimitOfCsAfter(cs)) { raiseGP(0); return; }
  setEsp(esp + (o32 ? 12 : 6));
  const old = getEflags();
  let keep: u32;
  if (isV86()) keep = F_IOPL | F_VM | F_VIF | F_VIP | (o32 ? 0 : 0xFFFF0000); // IOPL cannot change in V86
  else keep = F_VM | F_VIF | F_VIP | (o32 ? 0 : 0xFFFF0000);
  setEflagsRaw((old & keep) | (fl & ~keep));
  loadSegReal(CS, cs);
  setEip(ip);
}

function segLimitOfCsAfter(cs: u32): u32 { return isV86() ? 0xFFFF : segLimit(CS); }

// ---- delivering the exception raised by an instruction -----------------------------------------------------
/** Exception class for the double-fault rules: 0 benign, 1 contributory, 2 page fault, 3 double fault. */
function excClass(v: i32): i32 {
  if (v == EX_DE || v == EX_TS || v == EX_NP || v == EX_SS || v == EX_GP) return 1;
  if (v == EX_PF) return 2;
  if (v == EX_DF) return 3;
  return 0;
}

/**
 * Deliver the exception recorded in EXC_* (the faulting instruction's EIP is current). Faults during delivery
 * combine into #DF, and a fault while delivering #DF is a triple fault: the machine resets.
 */
export function deliverPendingException(): void {
  let v = load<i32>(EXC_VECTOR);
  let code = load<u32>(EXC_CODE);
  let hasCode = load<u32>(EXC_HAS_CODE) != 0;
  clearFault();
  flushFlags();
  // faults push RF = 1 so that the retried instruction skips its instruction breakpoint; #DB faults (general
  // detect, as Bochs) do not (SDM Vol. 3B 17.3.1.1)
  if (v != EX_DB) store<u32>(EFLAGS, load<u32>(EFLAGS) | F_RF);
  for (let attempt = 0; attempt < 4; attempt++) {
    interrupt(v, INT_EXCEPTION, hasCode, code);
    if (!faulted) return;
    const nv = load<i32>(EXC_VECTOR);
    const ncode = load<u32>(EXC_CODE);
    const nHas = load<u32>(EXC_HAS_CODE) != 0;
    clearFault();
    const c1 = excClass(v), c2 = excClass(nv);
    if (c1 == 3) break; // fault while delivering #DF
    if ((c1 == 1 && c2 == 1) || (c1 == 2 && (c2 == 1 || c2 == 2))) {
      v = EX_DF; code = 0; hasCode = true;
    } else {
      v = nv; code = ncode; hasCode = nHas;
    }
  }
  store<u32>(TRIPLE_FAULTS, load<u32>(TRIPLE_FAULTS) + 1);
  onTripleFault();
}

/** Deliver a software interrupt or an external interrupt; nested faults are handled like exceptions. */
export function deliverInterrupt(vector: i32, kind: i32): void {
  flushFlags();
  interrupt(vector, kind, false, 0);
  if (faulted) deliverPendingException();
}

/** Deliver an NMI (vector 2); NMIs are then blocked until the next IRET. */
export function deliverNmi(): void {
  store<u32>(NMI_MASKED, 1);
  deliverInterrupt(2, INT_EXTERNAL);
}
