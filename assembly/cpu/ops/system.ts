// System instructions: descriptor-table registers (SGDT/SIDT/LGDT/LIDT/SLDT/LLDT/STR/LTR), segment inspection
// (LAR/LSL/VERR/VERW/ARPL), machine status (SMSW/LMSW/CLTS), control and debug registers, caches and TLB
// (INVD/WBINVD/INVLPG), MSRs and time (RDMSR/WRMSR/RDTSC/RDPMC), SYSENTER/SYSEXIT, CPUID, BOUND.
import {
  REGS, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, LDTR_SEL, LDTR_BASE, LDTR_LIMIT, LDTR_ACCESS,
  TR_SEL, TR_BASE, TR_LIMIT, TR_ACCESS, CR0, CR2, CR3, CR4, DR, EFLAGS, MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
  MSR_SYSENTER_EIP, } from "../../layout";
import {
  R_EAX, R_ECX, R_EDX, R_ESP, CS, SS, getReg, setReg, cpl, F_ZF, F_VM, F_IF, F_RF, CR0_PE, CR0_MP, CR0_EM, CR0_TS,
  CR0_ET, CR0_NE, CR0_WP, CR0_AM, CR0_NW, CR0_CD, CR0_PG, CR4_TSD, CR4_DE, CR4_PSE, CR4_PGE,
  CR4_PCE, CR4_OSFXSR, CR4_MCE, CR4_VME, CR4_PVI, EX_GP, setEip,
} from "../state";
import { isRegForm } from "../form";
import { faulted, raiseGP, raiseUD, raiseNP, raiseBR, requestStop } from "../fault";
import { flushFlags } from "../flags";
import { readMem, readMemRMW, writeMem, linear, readSys8, writeSys8 } from "../memory";
import {
  readDescriptor, descLo, descHi, descBase, descLimit, descAccess, accDpl, ACC_S, ACC_CODE, ACC_DC, ACC_RW, ACC_P,
  isProtected, isV86, isPM, setSegment, setCpl, updateMode, updateAllSegChecks, descAddr,
} from "../segments";
import { tlbFlushAll, tlbFlushNonGlobal, tlbFlushPage } from "../paging";
import { setEflagsRaw } from "../interrupts";
import { cpuid as cpuidImpl } from "../cpuid";
import { generalDetect, updateBreakpoints } from "../debug";
import { readMsr, writeMsr, readTsc } from "../msr";
import { ea, eaSeg, regOff, rmOff, readE, eaPlus } from "./common";

/** Privileged instruction check: CPL 0 in protected mode, never in V86 mode. */
function privileged(): bool {
  if (isProtected() && (isV86() || cpl() != 0)) { raiseGP(0); return false; }
  return true;
}

/** Instructions that exist only in protected mode (#UD in real and V86 mode). */
function protectedOnly(): bool {
  if (!isPM()) { raiseUD(); return false; }
  return true;
}

function setZF(on: bool): void {
  flushFlags();
  store<u32>(EFLAGS, on ? load<u32>(EFLAGS) | F_ZF : load<u32>(EFLAGS) & ~F_ZF);
}

/** Store a 16-bit selector-like value: zero-extended for a 32-bit register, 16 bits to memory. */
// @ts-ignore: decorator
@inline function storeSelector<T, F>(p: u32, v: u32): void {
  if (isRegForm<F>()) { if (sizeof<T>() == 4) store<u32>(REGS + rmOff(p), v); else store<u16>(REGS + rmOff(p), <u16>v); }
  else writeMem<u16>(eaSeg(p), ea(p), <u16>v);
}

// @ts-ignore: decorator
@inline export function sldt<T, F>(p: u32): void { if (protectedOnly()) storeSelector<T, F>(p, load<u32>(LDTR_SEL)); }
// @ts-ignore: decorator
@inline export function str_<T, F>(p: u32): void { if (protectedOnly()) storeSelector<T, F>(p, load<u32>(TR_SEL)); }

// @ts-ignore: decorator
@inline export function lldt<F>(p: u32): void {
  if (!protectedOnly() || !privileged()) return;
  const sel = <u32>readE<u16, F>(p);
  if (faulted) return;
  if ((sel & 0xFFFC) == 0) {
    store<u32>(LDTR_SEL, sel); store<u32>(LDTR_BASE, 0); store<u32>(LDTR_LIMIT, 0); store<u32>(LDTR_ACCESS, 0);
    return;
  }
  if ((sel & 4) != 0) { raiseGP(sel & 0xFFFC); return; }
  if (!readDescriptor(sel, EX_GP)) return;
  const acc = descAccess(descHi);
  if ((acc & 0x1F) != 0x02) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return; }
  store<u32>(LDTR_SEL, sel);
  store<u32>(LDTR_BASE, descBase(descLo, descHi));
  store<u32>(LDTR_LIMIT, descLimit(descLo, descHi));
  store<u32>(LDTR_ACCESS, acc);
}

// @ts-ignore: decorator
@inline export function ltr<F>(p: u32): void {
  if (!protectedOnly() || !privileged()) return;
  const sel = <u32>readE<u16, F>(p);
  if (faulted) return;
  if ((sel & 0xFFFC) == 0 || (sel & 4) != 0) { raiseGP(sel & 0xFFFC); return; }
  if (!readDescriptor(sel, EX_GP)) return;
  const acc = descAccess(descHi);
  const type = acc & 0x1F;
  if (type != 0x01 && type != 0x09) { raiseGP(sel & 0xFFFC); return; }
  if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return; }
  writeSys8(descAddr + 5, readSys8(descAddr + 5) | 2); // mark busy
  if (faulted) return;
  store<u32>(TR_SEL, sel);
  store<u32>(TR_BASE, descBase(descLo, descHi));
  store<u32>(TR_LIMIT, descLimit(descLo, descHi));
  store<u32>(TR_ACCESS, acc | 2);
}

/** Is the descriptor (in descLo/descHi) accessible at CPL/RPL for LAR/LSL/VERR/VERW? */
function descriptorVisible(sel: u32, acc: u32): bool {
  const conformingCode = (acc & (ACC_S | ACC_CODE | ACC_DC)) == (ACC_S | ACC_CODE | ACC_DC);
  if (conformingCode) return true;
  const dpl = accDpl(acc);
  return dpl >= cpl() && dpl >= (sel & 3);
}

/** Read the descriptor for LAR/LSL/VERR/VERW without faulting on a bad selector (ZF = 0 instead). */
function probeDescriptor(sel: u32): bool {
  if ((sel & 0xFFFC) == 0) return false;
  const ldt = (sel & 4) != 0;
  const limit = ldt ? load<u32>(LDTR_LIMIT) : load<u32>(GDTR_LIMIT);
  if (ldt && (load<u32>(LDTR_SEL) & 0xFFFC) == 0) return false;
  if ((sel & 0xFFF8) + 7 > limit) return false;
  return readDescriptor(sel, EX_GP);
}

// @ts-ignore: decorator
@inline export function verr<F>(p: u32, write: bool): void {
  if (!protectedOnly()) return;
  const sel = <u32>readE<u16, F>(p);
  if (faulted) return;
  if (!probeDescriptor(sel)) { if (!faulted) setZF(false); return; }
  const acc = descAccess(descHi);
  let ok = (acc & ACC_S) != 0 && descriptorVisible(sel, acc);
  if (ok) {
    if (write) ok = (acc & (ACC_CODE | ACC_RW)) == ACC_RW;
    else ok = (acc & ACC_CODE) == 0 || (acc & ACC_RW) != 0;
  }
  setZF(ok);
}

// @ts-ignore: decorator
@inline export function lar<T, F>(p: u32): void {
  if (!protectedOnly()) return;
  const sel = <u32>readE<u16, F>(p);
  if (faulted) return;
  if (!probeDescriptor(sel)) { if (!faulted) setZF(false); return; }
  const acc = descAccess(descHi);
  let ok = descriptorVisible(sel, acc);
  if ((acc & ACC_S) == 0) {
    const t = acc & 0xF;
    ok = ok && (t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 0xB || t == 0xC);
  }
  // SDM LAR: masked by 00FxFF00h, bits 19:16 "undefined"; P6 hardware and Bochs return limit 19:16 there.
  if (ok) setReg<T>(regOff(p), <T>(descHi & (sizeof<T>() == 4 ? 0x00FFFF00 : 0xFF00)));
  setZF(ok);
}

// @ts-ignore: decorator
@inline export function lsl<T, F>(p: u32): void {
  if (!protectedOnly()) return;
  const sel = <u32>readE<u16, F>(p);
  if (faulted) return;
  if (!probeDescriptor(sel)) { if (!faulted) setZF(false); return; }
  const acc = descAccess(descHi);
  let ok = descriptorVisible(sel, acc);
  if ((acc & ACC_S) == 0) {
    const t = acc & 0xF;
    ok = ok && (t == 1 || t == 2 || t == 3 || t == 9 || t == 0xB);
  }
  if (ok) setReg<T>(regOff(p), <T>descLimit(descLo, descHi));
  setZF(ok);
}

// @ts-ignore: decorator
@inline export function arpl<F>(p: u32): void {
  if (!protectedOnly()) return;
  const src = <u32>load<u16>(REGS + regOff(p));
  let dst: u32;
  const seg = eaSeg(p);
  let m: u32 = 0;
  if (isRegForm<F>()) dst = <u32>load<u16>(REGS + rmOff(p));
  else { m = ea(p); dst = <u32>readMemRMW<u16>(seg, m); if (faulted) return; } // a write access even if unchanged (Bochs 2.7)
  if ((dst & 3) < (src & 3)) {
    const nv = (dst & ~<u32>3) | (src & 3);
    if (isRegForm<F>()) store<u16>(REGS + rmOff(p), <u16>nv);
    else { writeMem<u16>(seg, m, <u16>nv); if (faulted) return; }
    setZF(true);
  } else {
    setZF(false);
  }
}

// @ts-ignore: decorator
@inline export function sgdt<T>(p: u32, idt: bool): void {
  const seg = eaSeg(p), m = ea(p);
  const limit = load<u32>(idt ? IDTR_LIMIT : GDTR_LIMIT);
  let base = load<u32>(idt ? IDTR_BASE : GDTR_BASE);
  if (sizeof<T>() == 2) base &= 0x00FFFFFF;
  writeMem<u16>(seg, m, <u16>limit);
  if (faulted) return;
  writeMem<u32>(seg, eaPlus(p, m, 2), base);
}

// @ts-ignore: decorator
@inline export function lgdt<T>(p: u32, idt: bool): void {
  if (!privileged()) return;
  const seg = eaSeg(p), m = ea(p);
  const limit = <u32>readMem<u16>(seg, m);
  if (faulted) return;
  let base = readMem<u32>(seg, eaPlus(p, m, 2));
  if (faulted) return;
  if (sizeof<T>() == 2) base &= 0x00FFFFFF;
  store<u32>(idt ? IDTR_LIMIT : GDTR_LIMIT, limit);
  store<u32>(idt ? IDTR_BASE : GDTR_BASE, base);
}

// @ts-ignore: decorator
@inline export function smsw<T, F>(p: u32): void {
  const v = load<u32>(CR0);
  if (isRegForm<F>()) { if (sizeof<T>() == 4) store<u32>(REGS + rmOff(p), v); else store<u16>(REGS + rmOff(p), <u16>v); }
  else writeMem<u16>(eaSeg(p), ea(p), <u16>v);
}

/** LMSW: loads PE, MP, EM, TS; cannot clear PE. */
// @ts-ignore: decorator
@inline export function lmsw<F>(p: u32): void {
  if (!privileged()) return;
  const v = <u32>readE<u16, F>(p);
  if (faulted) return;
  const old = load<u32>(CR0);
  const n = (old & ~<u32>0xE) | (v & 0xF) | (old & CR0_PE);
  writeCr0(n);
}

// @ts-ignore: decorator
@inline export function clts(p: u32): void {
  if (!privileged()) return;
  store<u32>(CR0, load<u32>(CR0) & ~CR0_TS);
}

// @ts-ignore: decorator
@inline export function wbinvd(p: u32): void { privileged(); }

// @ts-ignore: decorator
@inline export function invlpg(p: u32): void {
  if (!privileged()) return;
  tlbFlushPage(linear(eaSeg(p), ea(p)));
}

const CR0_VALID: u32 = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG;
const CR4_VALID: u32 = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_MCE;

/** Write CR0 with its consistency checks; flushes the TLB and recomputes the mode when needed. */
export function writeCr0(v: u32): void {
  if ((v & ~CR0_VALID) != 0) { raiseGP(0); return; }
  if ((v & CR0_PG) != 0 && (v & CR0_PE) == 0) { raiseGP(0); return; }
  if ((v & CR0_NW) != 0 && (v & CR0_CD) == 0) { raiseGP(0); return; }
  v |= CR0_ET;
  const old = load<u32>(CR0);
  store<u32>(CR0, v);
  if (((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) != 0) tlbFlushAll();
  if (((old ^ v) & CR0_PE) != 0) {
    if ((v & CR0_PE) == 0) setCpl(0);
    updateMode();
    updateAllSegChecks();
  } else if (((old ^ v) & CR0_PG) != 0) {
    updateMode();
  }
}

// @ts-ignore: decorator
@inline export function mov_RC(p: u32): void {
  const cr = regOff(p) >> 2;
  if (cr == 1 || cr > 4) { raiseUD(); return; } // CR1/CR5-7 are #UD before the privilege check (as on Intel parts)
  if (!privileged()) return;
  let v: u32;
  switch (cr) {
    case 0: v = load<u32>(CR0); break;
    case 2: v = load<u32>(CR2); break;
    case 3: v = load<u32>(CR3); break;
    case 4: v = load<u32>(CR4); break;
    default: raiseUD(); return;
  }
  store<u32>(REGS + rmOff(p), v);
}

// @ts-ignore: decorator
@inline export function mov_CR(p: u32): void {
  const cr = regOff(p) >> 2;
  if (cr == 1 || cr > 4) { raiseUD(); return; } // CR1/CR5-7 are #UD before the privilege check (as on Intel parts)
  if (!privileged()) return;
  const v = load<u32>(REGS + rmOff(p));
  switch (cr) {
    case 0: writeCr0(v); break;
    case 2: store<u32>(CR2, v); break;
    case 3: store<u32>(CR3, v & 0xFFFFF018); tlbFlushNonGlobal(); break;
    case 4: {
      if ((v & ~CR4_VALID) != 0) { raiseGP(0); return; }
      const old = load<u32>(CR4);
      store<u32>(CR4, v);
      if (((old ^ v) & (CR4_PGE | CR4_PSE)) != 0) tlbFlushAll();
      if (((old ^ v) & CR4_DE) != 0) updateBreakpoints(); // I/O breakpoints
      break;
    }
    default: raiseUD(); return;
  }
  requestStop();
}

// @ts-ignore: decorator
@inline export function mov_RD(p: u32): void {
  if (!privileged()) return;
  let n = regOff(p) >> 2;
  if (n == 4 || n == 5) { if ((load<u32>(CR4) & CR4_DE) != 0) { raiseUD(); return; } n += 2; }
  if (generalDetect()) return;
  let v = load<u32>(DR + (n << 2));
  if (n == 6) v = (v & 0x0000E00F) | 0xFFFF0FF0;
  else if (n == 7) v = (v & 0xFFFF2BFF) | 0x400;
  store<u32>(REGS + rmOff(p), v);
}

// @ts-ignore: decorator
@inline export function mov_DR(p: u32): void {
  if (!privileged()) return;
  let n = regOff(p) >> 2;
  if (n == 4 || n == 5) { if ((load<u32>(CR4) & CR4_DE) != 0) { raiseUD(); return; } n += 2; }
  if (generalDetect()) return;
  store<u32>(DR + (n << 2), load<u32>(REGS + rmOff(p)));
  if (n != 6) updateBreakpoints();
}

// @ts-ignore: decorator
@inline export function rdmsr(p: u32): void {
  if (!privileged()) return;
  const v = readMsr(load<u32>(REGS + R_ECX), p);
  if (faulted) return;
  store<u32>(REGS + R_EAX, <u32>v);
  store<u32>(REGS + R_EDX, <u32>(v >> 32));
}

// @ts-ignore: decorator
@inline export function wrmsr(p: u32): void {
  if (!privileged()) return;
  writeMsr(load<u32>(REGS + R_ECX), (<u64>load<u32>(REGS + R_EDX) << 32) | <u64>load<u32>(REGS + R_EAX), p);
}

// @ts-ignore: decorator
@inline export function rdtsc(p: u32): void {
  if ((load<u32>(CR4) & CR4_TSD) != 0 && isProtected() && (isV86() || cpl() != 0)) { raiseGP(0); return; }
  const t = readTsc(p);
  store<u32>(REGS + R_EAX, <u32>t);
  store<u32>(REGS + R_EDX, <u32>(t >> 32));
}

/** RDPMC: two counters that always read 0 (no performance monitoring is modelled). */
// @ts-ignore: decorator
@inline export function rdpmc(p: u32): void {
  if ((load<u32>(CR4) & CR4_PCE) == 0 && isProtected() && (isV86() || cpl() != 0)) { raiseGP(0); return; }
  if (load<u32>(REGS + R_ECX) > 1) { raiseGP(0); return; }
  store<u32>(REGS + R_EAX, 0);
  store<u32>(REGS + R_EDX, 0);
}

// @ts-ignore: decorator
@inline export function cpuid(p: u32): void { cpuidImpl(); }

/** SYSENTER: flat ring-0 code and stack from the SYSENTER MSRs. */
// @ts-ignore: decorator
@inline export function sysenter(p: u32): void {
  const cs = load<u32>(MSR_SYSENTER_CS);
  if (!isProtected() || (cs & 0xFFFC) == 0) { raiseGP(0); return; }
  setEflagsRaw(load<u32>(EFLAGS) & ~(F_VM | F_IF | F_RF));
  setCpl(0);
  setSegment(CS, cs & 0xFFFC, 0, 0xFFFFFFFF, 0xC09B, true); // 32-bit, 4 GiB, code read/exec, DPL 0
  setSegment(SS, (cs + 8) & 0xFFFC, 0, 0xFFFFFFFF, 0xC093, true); // 32-bit, 4 GiB, data r/w, DPL 0
  store<u32>(REGS + R_ESP, load<u32>(MSR_SYSENTER_ESP));
  setEip(load<u32>(MSR_SYSENTER_EIP));
  updateMode();
  updateAllSegChecks();
}

/** SYSEXIT: flat ring-3 code and stack; EIP = EDX, ESP = ECX. */
// @ts-ignore: decorator
@inline export function sysexit(p: u32): void {
  const cs = load<u32>(MSR_SYSENTER_CS);
  if (!isPM() || cpl() != 0 || (cs & 0xFFFC) == 0) { raiseGP(0); return; }
  setCpl(3);
  setSegment(CS, ((cs + 16) & 0xFFFC) | 3, 0, 0xFFFFFFFF, 0xC0FB, true);
  setSegment(SS, ((cs + 24) & 0xFFFC) | 3, 0, 0xFFFFFFFF, 0xC0F3, true);
  store<u32>(REGS + R_ESP, load<u32>(REGS + R_ECX));
  setEip(load<u32>(REGS + R_EDX));
  updateMode();
  updateAllSegChecks();
}

/** BOUND G, Ma: #BR unless lower <= G <= upper (signed). */
// @ts-ignore: decorator
@inline export function bound<T>(p: u32): void {
  const seg = eaSeg(p), m = ea(p);
  const lo = readMem<T>(seg, m);
  if (faulted) return;
  const hi = readMem<T>(seg, eaPlus(p, m, <u32>sizeof<T>()));
  if (faulted) return;
  const v = getReg<T>(regOff(p));
  let below: bool, above: bool;
  if (sizeof<T>() == 2) { below = <i16>v < <i16>lo; above = <i16>v > <i16>hi; }
  else { below = <i32>v < <i32>lo; above = <i32>v > <i32>hi; }
  if (below || above) raiseBR();
}
