// Hardware task switching (SDM Vol. 3A ch. 7.3): JMP/CALL to a TSS or task gate, interrupts through task
// gates, and IRET with EFLAGS.NT. 32-bit and 16-bit TSS formats.
import {
  REGS, CR0, CR3, TR_SEL, TR_BASE, TR_LIMIT, TR_ACCESS, GDTR_BASE, GDTR_LIMIT, LDTR_SEL, LDTR_BASE, LDTR_LIMIT,
  LDTR_ACCESS, SEG_SEL, CPL,
} from "../layout";
import { CS, SS, DS, ES, FS, GS, F_NT, F_VM, CR0_TS, CR0_PG, EX_TS, segSel, setEip } from "./state";
import { getEflags } from "./flags";
import { faulted, raiseGP, raiseTS, raiseNP, raiseSS } from "./fault";
import { readSys16, readSys32, writeSys16, readSys8, writeSys8, writeSys32 } from "./memory";
import {
  readDescriptor, descLo, descHi, descBase, descLimit, descAccess, accDpl, ACC_S, ACC_CODE, ACC_DC, ACC_RW, ACC_P,
  setSegment, loadSegReal, setCpl, updateMode, updateAllSegChecks, setDescriptorAccessed,
} from "./segments";
import { setEflagsRaw } from "./interrupts";
import { tlbFlushNonGlobal } from "./paging";
import { taskSwitched } from "./debug";

export const TS_JMP: i32 = 0;
export const TS_CALL: i32 = 1; // CALL, INT through a task gate: nesting (back link, NT)
export const TS_IRET: i32 = 2;

const newRegs = new StaticArray<u32>(8);
const newSegs = new StaticArray<u32>(6);

/** Switch to the task whose TSS selector is `sel`. `eipToSave` is the EIP stored in the old TSS. */
export function taskSwitch(sel: u32, source: i32, ext: u32, eipToSave: u32): void {
  sel &= 0xFFFF;
  const err = (sel & 0xFFFC) | ext;
  // 1. the new TSS descriptor (GDT only)
  if ((sel & 4) != 0) { if (source == TS_IRET) raiseTS(err); else raiseGP(err); return; }
  if ((sel & 0xFFF8) + 7 > load<u32>(GDTR_LIMIT)) { if (source == TS_IRET) raiseTS(err); else raiseGP(err); return; }
  const dAddr = load<u32>(GDTR_BASE) + (sel & 0xFFF8);
  const lo = readSys32(dAddr);
  if (faulted) return;
  const hi = readSys32(dAddr + 4);
  if (faulted) return;
  const type = (hi >> 8) & 0x1F;
  const busy = (type & 2) != 0;
  if (type != 0x01 && type != 0x03 && type != 0x09 && type != 0x0B) { if (source == TS_IRET) raiseTS(err); else raiseGP(err); return; }
  if (source == TS_IRET ? !busy : busy) { if (source == TS_IRET) raiseTS(err); else raiseGP(err); return; }
  if ((hi & 0x8000) == 0) { raiseNP(err); return; }
  const is32 = (type & 8) != 0;
  const nBase = descBase(lo, hi), nLimit = descLimit(lo, hi);
  const minLimit: u32 = is32 ? 0x67 : 0x2B;
  if (nLimit < minLimit) { raiseTS(err); return; }

  // 2. read the new task's state before changing anything
  let nEip: u32, nFlags: u32, nLdt: u32, nCr3: u32 = 0;
  const debugTrap = is32 && (readSys16(nBase + 0x64) & 1) != 0; // the T bit
  if (is32) {
    nCr3 = readSys32(nBase + 0x1C);
    nEip = readSys32(nBase + 0x20);
    nFlags = readSys32(nBase + 0x24);
    for (let i: u32 = 0; i < 8; i++) unchecked(newRegs[i] = readSys32(nBase + 0x28 + i * 4));
    for (let i: u32 = 0; i < 6; i++) unchecked(newSegs[i] = readSys16(nBase + 0x48 + i * 4));
    nLdt = readSys16(nBase + 0x60);
  } else {
    nEip = readSys16(nBase + 0x0E);
    nFlags = readSys16(nBase + 0x10);
    // the upper words are not in a 16-bit TSS: they become FFFFh (Bochs 2.7; test/kernels/task16.asm)
    for (let i: u32 = 0; i < 8; i++) unchecked(newRegs[i] = readSys16(nBase + 0x12 + i * 2) | 0xFFFF0000);
    for (let i: u32 = 0; i < 4; i++) unchecked(newSegs[i] = readSys16(nBase + 0x22 + i * 2));
    unchecked(newSegs[4] = 0); unchecked(newSegs[5] = 0);
    nLdt = readSys16(nBase + 0x2A);
  }
  if (faulted) return;

  // 3. save the current state in the current TSS
  const oBase = load<u32>(TR_BASE);
  const o32 = (load<u32>(TR_ACCESS) & 8) != 0;
  let oFlags = getEflags();
  if (source == TS_IRET) oFlags &= ~F_NT;
  if (o32) {
    writeSys32(oBase + 0x20, eipToSave);
    writeSys32(oBase + 0x24, oFlags);
    for (let i: u32 = 0; i < 8; i++) writeSys32(oBase + 0x28 + i * 4, load<u32>(REGS + i * 4));
    for (let i: u32 = 0; i < 6; i++) writeSys16(oBase + 0x48 + i * 4, segSel(<i32>i));
  } else {
    writeSys16(oBase + 0x0E, eipToSave);
    writeSys16(oBase + 0x10, oFlags);
    for (let i: u32 = 0; i < 8; i++) writeSys16(oBase + 0x12 + i * 2, load<u32>(REGS + i * 4));
    for (let i: u32 = 0; i < 4; i++) writeSys16(oBase + 0x22 + i * 2, segSel(<i32>i));
  }
  if (faulted) return;

  // 4. busy bits and the back link
  const oldSel = load<u32>(TR_SEL);
  if (source == TS_JMP || source == TS_IRET) setBusy(oldSel, false);
  if (faulted) return;
  if (source == TS_CALL) {
    writeSys16(nBase, oldSel);
    if (faulted) return;
    nFlags |= F_NT;
  }
  if (source != TS_IRET) setBusy(sel, true);
  if (faulted) return;

  // 5. commit: TR, CR0.TS, CR3, registers, flags (from here on, faults belong to the new task)
  taskSwitched(debugTrap); // DR7 local enables off, T bit trap (SDM Vol. 3B 17.2.4, 17.3.1.5)
  store<u32>(TR_SEL, sel);
  store<u32>(TR_BASE, nBase);
  store<u32>(TR_LIMIT, nLimit);
  store<u32>(TR_ACCESS, descAccess(hi) | 0x2);
  store<u32>(CR0, load<u32>(CR0) | CR0_TS);
  if (is32 && (load<u32>(CR0) & CR0_PG) != 0) {
    store<u32>(CR3, nCr3);
    tlbFlushNonGlobal();
  }
  for (let i: u32 = 0; i < 8; i++) store<u32>(REGS + i * 4, unchecked(newRegs[i]));
  setEip(nEip);
  if (!is32) nFlags &= 0xFFFF; // a 16-bit TSS's FLAGS image clears the upper EFLAGS bits (AC, ID; Bochs 2.7)
  setEflagsRaw(nFlags | 2);
  // selectors first (so a fault below leaves them visible in the new task), then the descriptors
  for (let s = 0; s < 6; s++) store<u32>(SEG_SEL + (<u32>s << 2), unchecked(newSegs[s]));
  store<u32>(LDTR_SEL, nLdt);

  // 6. LDT
  if ((nLdt & 0xFFFC) != 0) {
    if ((nLdt & 4) != 0 || (nLdt & 0xFFF8) + 7 > load<u32>(GDTR_LIMIT)) { raiseTS(nLdt & 0xFFFC); return; }
    const la = load<u32>(GDTR_BASE) + (nLdt & 0xFFF8);
    const llo = readSys32(la), lhi = readSys32(la + 4);
    if (faulted) return;
    if (((lhi >> 8) & 0x1F) != 0x02) { raiseTS(nLdt & 0xFFFC); return; }
    if ((lhi & 0x8000) == 0) { raiseTS(nLdt & 0xFFFC); return; }
    store<u32>(LDTR_BASE, descBase(llo, lhi));
    store<u32>(LDTR_LIMIT, descLimit(llo, lhi));
    store<u32>(LDTR_ACCESS, descAccess(lhi));
  } else {
    store<u32>(LDTR_BASE, 0);
    store<u32>(LDTR_LIMIT, 0);
  }

  // 7. segment registers
  if ((nFlags & F_VM) != 0) {
    setCpl(3);
    for (let s = 0; s < 6; s++) loadSegReal(s, unchecked(newSegs[s]));
    updateMode();
    updateAllSegChecks();
    return;
  }
  const csSel = unchecked(newSegs[CS]);
  setCpl(csSel & 3);
  if (!loadTaskCs(csSel)) return;
  if (!loadTaskSs(unchecked(newSegs[SS]))) return;
  const data: StaticArray<i32> = [ES, DS, FS, GS];
  for (let k = 0; k < 4; k++) {
    const s = unchecked(data[k]);
    if (!loadTaskData(s, unchecked(newSegs[s]))) return;
  }
  updateMode();
  updateAllSegChecks();
}

function setBusy(sel: u32, busy: bool): void {
  const a = load<u32>(GDTR_BASE) + (sel & 0xFFF8) + 5;
  const b = readSys8(a);
  if (faulted) return;
  writeSys8(a, busy ? b | 2 : b & ~2);
}

function loadTaskCs(sel: u32): bool {
  if ((sel & 0xFFFC) == 0) { raiseTS(0); return false; }
  if (!readDescriptor(sel, EX_TS)) return false;
  const acc = descAccess(descHi);
  const dpl = accDpl(acc), rpl = sel & 3;
  if ((acc & (ACC_S | ACC_CODE)) != (ACC_S | ACC_CODE)) { raiseTS(sel & 0xFFFC); return false; }
  if ((acc & ACC_DC) != 0 ? dpl > rpl : dpl != rpl) { raiseTS(sel & 0xFFFC); return false; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return false; }
  setDescriptorAccessed();
  if (faulted) return false;
  setSegment(CS, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAccess(descHi), true);
  return true;
}

function loadTaskSs(sel: u32): bool {
  const c = sel & 3;
  if ((sel & 0xFFFC) == 0) { raiseTS(0); return false; }
  if (!readDescriptor(sel, EX_TS)) return false;
  const acc = descAccess(descHi);
  if ((acc & (ACC_S | ACC_CODE | ACC_RW)) != (ACC_S | ACC_RW) || accDpl(acc) != c
      || c != (load<u32>(SEG_SEL + (<u32>CS << 2)) & 3)) { raiseTS(sel & 0xFFFC); return false; }
  if ((acc & ACC_P) == 0) { raiseSS(sel & 0xFFFC); return false; }
  setDescriptorAccessed();
  if (faulted) return false;
  setSegment(SS, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAccess(descHi), true);
  return true;
}

function loadTaskData(seg: i32, sel: u32): bool {
  if ((sel & 0xFFFC) == 0) { setSegment(seg, sel, 0, 0, 0, false); return true; }
  if (!readDescriptor(sel, EX_TS)) return false;
  const acc = descAccess(descHi);
  const dpl = accDpl(acc), rpl = sel & 3;
  const cplNow = load<u32>(CPL);
  if ((acc & ACC_S) == 0 || (acc & (ACC_CODE | ACC_RW)) == ACC_CODE) { raiseTS(sel & 0xFFFC); return false; }
  const conformingCode = (acc & (ACC_CODE | ACC_DC)) == (ACC_CODE | ACC_DC);
  if (!conformingCode && (dpl < rpl || dpl < cplNow)) { raiseTS(sel & 0xFFFC); return false; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return false; }
  setDescriptorAccessed();
  if (faulted) return false;
  setSegment(seg, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAccess(descHi), true);
  return true;
}

