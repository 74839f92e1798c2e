// Far control transfers in every mode (SDM Vol. 2 "JMP", "CALL", "RET" pseudo-code; Vol. 3A 5.8): direct
// far jumps and calls, call gates with stack switching and parameter copying, task gates and TSS
// targets, and far returns to the same or an outer privilege level.
import { REGS, TR_SEL, TR_BASE, TR_LIMIT, TR_ACCESS } from "../layout";
import { CS, SS, R_ESP, EX_GP, EX_TS, segSel, segLimit, setEip, getEip, cpl } from "./state";
import { faulted, raiseGP, raiseNP, raiseSS, raiseTS } from "./fault";
import { readSys16, readSys32, writeSys16, writeSys32 } from "./memory";
import {
  readDescriptor, descLo, descHi, descBase, descLimit, descAccess, accDpl, ACC_S, ACC_CODE, ACC_DC, ACC_RW, ACC_P,
  ACC_DB, setSegment, loadSegReal, setCpl, isPM, setDescriptorAccessed, nullifyInaccessibleSegments,
} from "./segments";
import { getEsp, setEsp, pushAt, readAt, stackFrameOk } from "./stack";
import { taskSwitch, TS_JMP, TS_CALL } from "./tasks";

export const frameScratch = new StaticArray<u32>(48);

// ---- real mode and V86 -----------------------------------------------------------------------------------
function jumpReal(sel: u32, off: u32, o32: bool): void {
  const target = o32 ? off : off & 0xFFFF;
  if (target > segLimit(CS)) { raiseGP(0); return; }
  loadSegReal(CS, sel);
  setEip(target);
}

/** Push CS and the return EIP (dwords or words) below `esp` without committing ESP; returns the new ESP. */
function pushReturnAddress(esp: u32, o32: bool, retEip: u32): u32 {
  if (o32) {
    esp = pushAt<u32>(esp, segSel(CS));
    if (faulted) return esp;
    return pushAt<u32>(esp, retEip);
  }
  esp = pushAt<u16>(esp, <u16>segSel(CS));
  if (faulted) return esp;
  return pushAt<u16>(esp, <u16>retEip);
}

/**
 * The stack selector popped by a return to an outer level (RET far, IRET): not null, RPL and DPL equal to the
 * new CPL, a present writable data segment (SDM "RET" and "IRET" pseudo-code). Leaves its descriptor in
 * descLo/descHi; false after #GP/#SS.
 */
export function checkOuterStack(nSs: u32, rpl: u32): bool {
  if ((nSs & 0xFFFC) == 0) { raiseGP(0); return false; }
  if (!readDescriptor(nSs, EX_GP)) return false;
  const sAcc = descAccess(descHi);
  if ((nSs & 3) != rpl || accDpl(sAcc) != rpl || (sAcc & (ACC_S | ACC_CODE | ACC_RW)) != (ACC_S | ACC_RW)) {
    raiseGP(nSs & 0xFFFC); return false;
  }
  if ((sAcc & ACC_P) == 0) { raiseSS(nSs & 0xFFFC); return false; }
  return true;
}

// ---- checks shared by JMP and CALL to a code segment ------------------------------------------------------
/** Check a direct far JMP/CALL target (descriptor in descLo/descHi). False after #GP/#NP. */
function checkDirectCode(sel: u32): bool {
  const acc = descAccess(descHi);
  const dpl = accDpl(acc);
  const c = cpl();
  if ((acc & ACC_DC) != 0) { if (dpl > c) { raiseGP(sel & 0xFFFC); return false; } }
  else if ((sel & 3) > c || dpl != c) { raiseGP(sel & 0xFFFC); return false; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return false; }
  return true;
}

function loadCsHere(sel: u32, lo: u32, hi: u32, newCpl: u32): void {
  setSegment(CS, (sel & 0xFFFC) | newCpl, descBase(lo, hi), descLimit(lo, hi), descAccess(hi) | 1, true);
}

// ---- JMP far ---------------------------------------------------------------------------------------------------
export function farJump(sel: u32, off: u32, o32: bool): void {
  sel &= 0xFFFF;
  if (!isPM()) { jumpReal(sel, off, o32); return; }
  if ((sel & 0xFFFC) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, EX_GP)) return;
  const acc = descAccess(descHi);
  if ((acc & ACC_S) != 0) {
    if ((acc & ACC_CODE) == 0) { raiseGP(sel & 0xFFFC); return; }
    if (!checkDirectCode(sel)) return;
    const lo = descLo, hi = descHi;
    const target = o32 ? off : off & 0xFFFF;
    if (target > descLimit(lo, hi)) { raiseGP(0); return; }
    setDescriptorAccessed();
    if (faulted) return;
    loadCsHere(sel, lo, hi, cpl());
    setEip(target);
    return;
  }
  const type = acc & 0xF;
  const dpl = accDpl(acc);
  if (dpl < cpl() || dpl < (sel & 3)) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return; }
  switch (type) {
    case 0x4: case 0xC: { // call gate: only to the same privilege level
      const gLo = descLo, gHi = descHi;
      const tsel = gLo >>> 16;
      let toff = gLo & 0xFFFF;
      if (type == 0xC) toff |= gHi & 0xFFFF0000;
      if ((tsel & 0xFFFC) == 0) { raiseGP(0); return; }
      if (!readDescriptor(tsel, EX_GP)) return;
      const tacc = descAccess(descHi);
      const tdpl = accDpl(tacc);
      if ((tacc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE)) { raiseGP(tsel & 0xFFFC); return; }
      if ((tacc & ACC_DC) != 0 ? tdpl > cpl() : tdpl != cpl()) { raiseGP(tsel & 0xFFFC); return; }
      if ((tacc & ACC_P) == 0) { raiseNP(tsel & 0xFFFC); return; }
      if (toff > descLimit(descLo, descHi)) { raiseGP(0); return; }
      setDescriptorAccessed();
      if (faulted) return;
      loadCsHere(tsel, descLo, descHi, cpl());
      setEip(toff);
      return;
    }
    case 0x5: // task gate
      taskSwitch(descLo >>> 16, TS_JMP, 0, getEip());
      return;
    case 0x1: case 0x9: // available TSS
      taskSwitch(sel, TS_JMP, 0, getEip());
      return;
    default:
      raiseGP(sel & 0xFFFC);
  }
}

// ---- CALL far --------------------------------------------------------------------------------------------------
export function farCall(sel: u32, off: u32, o32: bool): void {
  sel &= 0xFFFF;
  const retEip = getEip();
  if (!isPM()) {
    // the target is checked before anything is pushed (SDM CALL, real-address and V86 mode; Bochs 2.7)
    const target = o32 ? off : off & 0xFFFF;
    if (target > segLimit(CS)) { raiseGP(0); return; }
    let esp = getEsp();
    esp = pushReturnAddress(esp, o32, retEip);
    if (faulted) return;
    setEsp(esp);
    loadSegReal(CS, sel);
    setEip(target);
    return;
  }
  if ((sel & 0xFFFC) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, EX_GP)) return;
  const acc = descAccess(descHi);
  if ((acc & ACC_S) != 0) {
    if ((acc & ACC_CODE) == 0) { raiseGP(sel & 0xFFFC); return; }
    if (!checkDirectCode(sel)) return;
    const lo = descLo, hi = descHi;
    const target = o32 ? off : off & 0xFFFF;
    let esp = getEsp();
    if (!stackFrameOk(esp, o32 ? -8 : -4, o32 ? 8 : 4)) return;
    esp = pushReturnAddress(esp, o32, retEip);
    if (faulted) return;
    if (target > descLimit(lo, hi)) { raiseGP(0); return; }
    readDescriptor(sel, EX_GP);
    setDescriptorAccessed();
    if (faulted) return;
    setEsp(esp);
    loadCsHere(sel, lo, hi, cpl());
    setEip(target);
    return;
  }
  const type = acc & 0xF;
  const dpl = accDpl(acc);
  if (dpl < cpl() || dpl < (sel & 3)) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return; }
  if (type == 0x5) { taskSwitch(descLo >>> 16, TS_CALL, 0, retEip); return; }
  if (type == 0x1 || type == 0x9) { taskSwitch(sel, TS_CALL, 0, retEip); return; }
  if (type != 0x4 && type != 0xC) { raiseGP(sel & 0xFFFC); return; }
  callGate(descLo, descHi, type == 0xC, retEip);
}

function callGate(gLo: u32, gHi: u32, gate32: bool, retEip: u32): void {
  const tsel = gLo >>> 16;
  let toff = gLo & 0xFFFF;
  if (gate32) toff |= gHi & 0xFFFF0000;
  const params = gHi & 0x1F;
  if ((tsel & 0xFFFC) == 0) { raiseGP(0); return; }
  if (!readDescriptor(tsel, EX_GP)) return;
  const cLo = descLo, cHi = descHi;
  const tacc = descAccess(cHi);
  const tdpl = accDpl(tacc);
  if ((tacc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE) || tdpl > cpl()) { raiseGP(tsel & 0xFFFC); return; }
  if ((tacc & ACC_P) == 0) { raiseNP(tsel & 0xFFFC); return; }
  const tlimit = descLimit(cLo, cHi);
  const size: u32 = gate32 ? 4 : 2;
  if ((tacc & ACC_DC) == 0 && tdpl < cpl()) {
    // more privileged: switch to the stack of level tdpl and copy the parameters
    if (!stackFromTss(tdpl, 0)) return;
    const nss = tssSS, nesp = tssESP;
    if ((nss & 0xFFFC) == 0) { raiseTS(0); return; }
    if ((nss & 3) != tdpl) { raiseTS(nss & 0xFFFC); return; }
    if (!readDescriptor(nss, EX_TS)) return;
    const sAcc = descAccess(descHi);
    if (accDpl(sAcc) != tdpl || (sAcc & (ACC_S | ACC_CODE | ACC_RW)) != (ACC_S | ACC_RW)) { raiseTS(nss & 0xFFFC); return; }
    if ((sAcc & ACC_P) == 0) { raiseSS(nss & 0xFFFC); return; }
    const sLo = descLo, sHi = descHi;
    const sBase = descBase(sLo, sHi), sLimit = descLimit(sLo, sHi), sBig = (sAcc & ACC_DB) != 0;
    // values for the new stack: SS, ESP, parameters (from the old stack, highest first), CS, EIP
    const vals = frameScratch;
    let n: u32 = 0;
    const oldEsp = load<u32>(REGS + R_ESP);
    unchecked(vals[n++] = segSel(SS));
    unchecked(vals[n++] = oldEsp);
    for (let i: u32 = 0; i < params; i++) {
      const at = oldEsp + (params - 1 - i) * size;
      const v = gate32 ? readAt<u32>(at) : <u32>readAt<u16>(at);
      if (faulted) return;
      unchecked(vals[n++] = v);
    }
    unchecked(vals[n++] = segSel(CS));
    unchecked(vals[n++] = retEip);
    if (!writeFrame(sBase, sLimit, sBig, nesp, vals, n, size, nss & 0xFFFC, (sAcc & (ACC_CODE | ACC_DC)) == ACC_DC)) return;
    if (toff > tlimit) { raiseGP(0); return; }
    readDescriptor(nss, EX_TS);
    setDescriptorAccessed();
    if (faulted) return;
    readDescriptor(tsel, EX_GP);
    setDescriptorAccessed();
    if (faulted) return;
    setCpl(tdpl);
    setSegment(SS, (nss & 0xFFFC) | tdpl, sBase, sLimit, sAcc | 1, true);
    const newEsp = nesp - n * size;
    if (sBig) store<u32>(REGS + R_ESP, newEsp); else store<u16>(REGS + R_ESP, <u16>newEsp);
    loadCsHere(tsel, cLo, cHi, tdpl);
    setEip(toff);
    return;
  }
  // same privilege
  let esp = getEsp();
  esp = pushReturnAddress(esp, gate32, retEip);
  if (faulted) return;
  if (toff > tlimit) { raiseGP(0); return; }
  setDescriptorAccessed();
  if (faulted) return;
  setEsp(esp);
  loadCsHere(tsel, cLo, cHi, cpl());
  setEip(toff);
}

// ---- RET far ---------------------------------------------------------------------------------------------------
export function farReturn(o32: bool, imm: u32): void {
  const size: u32 = o32 ? 4 : 2;
  const esp = getEsp();
  // protected mode checks the whole frame first; real and V86 mode pop slot by slot, each slot's offset
  // wrapping on its own (the CS slot of a 32-bit frame is a whole dword) (Bochs 2.7; test/pmdiff)
  if (isPM() && !stackFrameOk(esp, 0, size * 2)) return;
  const off = o32 ? readAt<u32>(esp) : <u32>readAt<u16>(esp);
  if (faulted) return;
  const sel = o32 ? readAt<u32>(esp + size) & 0xFFFF : <u32>readAt<u16>(esp + size);
  if (faulted) return;
  if (!isPM()) {
    if (off > segLimit(CS)) { raiseGP(0); return; }
    setEsp(esp + size * 2 + imm);
    loadSegReal(CS, sel);
    setEip(off);
    return;
  }
  if ((sel & 0xFFFC) == 0) { raiseGP(0); return; }
  if (!readDescriptor(sel, EX_GP)) return;
  const lo = descLo, hi = descHi;
  const acc = descAccess(hi);
  const rpl = sel & 3, dpl = accDpl(acc);
  if (rpl < cpl() || (acc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE)) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_DC) != 0 ? dpl > rpl : dpl != rpl) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return; }
  const limit = descLimit(lo, hi);
  if (rpl == cpl()) {
    if (off > limit) { raiseGP(0); return; }
    setDescriptorAccessed();
    if (faulted) return;
    setEsp(esp + size * 2 + imm);
    loadCsHere(sel, lo, hi, rpl);
    setEip(off);
    return;
  }
  // to an outer level: the caller's SS:ESP follow the parameters
  const at = esp + size * 2 + imm;
  if (!stackFrameOk(esp, <i32>(size * 2 + imm), size * 2)) return;
  const nEsp = o32 ? readAt<u32>(at) : <u32>readAt<u16>(at);
  if (faulted) return;
  const nSs = <u32>readAt<u16>(at + size);
  if (faulted) return;
  if (!checkOuterStack(nSs, rpl)) return;
  const sAcc = descAccess(descHi);
  const sLo = descLo, sHi = descHi;
  if (off > limit) { raiseGP(0); return; }
  setDescriptorAccessed();
  if (faulted) return;
  readDescriptor(sel, EX_GP);
  setDescriptorAccessed();
  if (faulted) return;
  setCpl(rpl);
  loadCsHere(sel, lo, hi, rpl);
  setSegment(SS, nSs, descBase(sLo, sHi), descLimit(sLo, sHi), sAcc | 1, true);
  const finalEsp = nEsp + imm;
  if ((sAcc & ACC_DB) != 0) store<u32>(REGS + R_ESP, finalEsp); else store<u16>(REGS + R_ESP, <u16>finalEsp);
  setEip(off);
  nullifyInaccessibleSegments();
}

/**
 * Write `words` values (vals[0] first, at the highest address) below `esp` on a stack with the given base,
 * limit and size, using supervisor writes. Raises #SS(errSel) if the frame does not fit the limit.
 */
export function writeFrame(base: u32, limit: u32, big: bool, esp: u32, vals: StaticArray<u32>, words: u32, size: u32,
                    errSel: u32, expandDown: bool): bool {
  const mask: u32 = big ? 0xFFFFFFFF : 0xFFFF;
  const upper: u64 = big ? 0xFFFFFFFF : 0xFFFF;
  let p = esp;
  for (let i: u32 = 0; i < words; i++) {
    p -= size;
    const off = p & mask;
    const last = <u64>off + <u64>(size - 1);
    const ok = expandDown ? off > limit && last <= upper : last <= <u64>limit;
    if (!ok) { raiseSS(errSel); return false; }
  }
  p = esp;
  for (let i: u32 = 0; i < words; i++) {
    p -= size;
    const a = base + (p & mask);
    if (size == 4) writeSys32(a, unchecked(vals[i])); else writeSys16(a, unchecked(vals[i]));
    if (faulted) return false;
  }
  return true;
}

// Stack for privilege level `dpl` read from the current TSS by stackFromTss
export let tssSS: u32 = 0;
export let tssESP: u32 = 0;

export function stackFromTss(dpl: u32, ext: u32): bool {
  const trAcc = load<u32>(TR_ACCESS);
  const base = load<u32>(TR_BASE), limit = load<u32>(TR_LIMIT);
  const trErr = (load<u32>(TR_SEL) & 0xFFFC) | ext;
  if ((trAcc & 8) != 0) {
    const off: u32 = 4 + dpl * 8;
    if (off + 5 > limit) { raiseTS(trErr); return false; }
    tssESP = readSys32(base + off);
    if (faulted) return false;
    tssSS = readSys16(base + off + 4);
  } else {
    const off: u32 = 2 + dpl * 4;
    if (off + 3 > limit) { raiseTS(trErr); return false; }
    tssESP = readSys16(base + off);
    if (faulted) return false;
    tssSS = readSys16(base + off + 2);
  }
  return !faulted;
}

