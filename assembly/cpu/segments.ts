// Segmentation: descriptor tables, segment register loads with their protection checks (Intel SDM Vol. 3A
// ch. 3 and 5, and the MOV/POP/LDS pseudo-code of Vol. 2), the hidden descriptor caches, and the mode flags
// that follow from CR0.PE, EFLAGS.VM and the CS/SS descriptors.
import {
  SEG_SEL, SEG_BASE, SEG_LIMIT, SEG_ACCESS, SEG_RLIMIT, SEG_WLIMIT, SEG_VALID, SEG_FLAT_MASK, GDTR_BASE, GDTR_LIMIT,
  LDTR_BASE, LDTR_LIMIT, LDTR_SEL, CR0, EFLAGS, CPL, MODE_FLAGS, MODE_PROT, MODE_V86, MODE_CS32, MODE_SS32,
  MODE_PAGING,
} from "../layout";
import { CS, SS, SEG_FLAT, F_VM, CR0_PE, CR0_PG } from "./state";
import { raiseGP, raiseSS, raiseNP, raise, faulted, requestStop } from "./fault";
import { readSys32, readSys8, writeSys8 } from "./memory";
import { updateTlbMasks } from "./paging";
import { bumpCodeEpoch } from "../translate/blocks";

// Access word (SEG_ACCESS): descriptor high dword bits 8-23 shifted down by 8.
export const ACC_TYPE: u32 = 0x0F;
export const ACC_A: u32 = 0x01; // accessed
export const ACC_RW: u32 = 0x02; // data: writable; code: readable
export const ACC_DC: u32 = 0x04; // data: expand-down; code: conforming
export const ACC_CODE: u32 = 0x08;
export const ACC_S: u32 = 0x10; // code/data (not system)
export const ACC_P: u32 = 0x80;
export const ACC_DB: u32 = 0x4000;
export const ACC_G: u32 = 0x8000;

// @ts-ignore: decorator
@inline export function accDpl(a: u32): u32 { return (a >> 5) & 3; }

// ---- descriptors ---------------------------------------------------------------------------------------------
// The descriptor read last by readDescriptor (low and high dword, and its linear address).
export let descLo: u32 = 0;
export let descHi: u32 = 0;
export let descAddr: u32 = 0;

// @ts-ignore: decorator
@inline export function descBase(lo: u32, hi: u32): u32 { return (lo >>> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000); }
// @ts-ignore: decorator
@inline export function descLimit(lo: u32, hi: u32): u32 {
  const raw = (lo & 0xFFFF) | (hi & 0xF0000);
  return (hi & 0x800000) != 0 ? (raw << 12) | 0xFFF : raw;
}
// @ts-ignore: decorator
@inline export function descAccess(hi: u32): u32 { return (hi >>> 8) & 0xF0FF; }

/**
 * Read the descriptor for selector `sel` from the GDT or LDT into descLo/descHi. If the selector is outside the
 * table, raise `vector` with error code sel & 0xFFFC and return false.
 */
export function readDescriptor(sel: u32, vector: i32): bool {
  let base: u32, limit: u32;
  if ((sel & 4) != 0) {
    if ((load<u32>(LDTR_SEL) & 0xFFFC) == 0) { raise(vector, sel & 0xFFFC, true); return false; }
    base = load<u32>(LDTR_BASE);
    limit = load<u32>(LDTR_LIMIT);
  } else {
    base = load<u32>(GDTR_BASE);
    limit = load<u32>(GDTR_LIMIT);
  }
  const off = sel & 0xFFF8;
  if (off + 7 > limit) { raise(vector, sel & 0xFFFC, true); return false; }
  descAddr = base + off;
  descLo = readSys32(descAddr);
  if (faulted) return false;
  descHi = readSys32(descAddr + 4);
  return !faulted;
}

/** Set the accessed bit of the descriptor last read (if clear). */
export function setDescriptorAccessed(): void {
  if ((descHi & 0x100) == 0) {
    descHi |= 0x100;
    writeSys8(descAddr + 5, readSys8(descAddr + 5) | 1);
  }
}

// ---- descriptor caches ---------------------------------------------------------------------------------------
/** Load a segment register's hidden part directly. */
export function setSegment(seg: i32, sel: u32, base: u32, limit: u32, access: u32, valid: bool): void {
  const o = <u32>seg << 2;
  // where CS:EIP points moves with CS's base and limit (its D bit is the mode: updateMode; its DPL is the CPL's)
  if (seg == CS && (load<u32>(SEG_BASE + o) != base || load<u32>(SEG_LIMIT + o) != limit)) bumpCodeEpoch();
  store<u32>(SEG_SEL + o, sel & 0xFFFF);
  store<u32>(SEG_BASE + o, base);
  store<u32>(SEG_LIMIT + o, limit);
  store<u32>(SEG_ACCESS + o, access);
  store<u32>(SEG_VALID + o, valid ? 1 : 0);
  updateSegChecks(seg);
  if (seg == CS || seg == SS) updateMode();
}

/** Recompute the fast-path limits (SEG_RLIMIT / SEG_WLIMIT) of one segment from its cache and the mode. */
export function updateSegChecks(seg: i32): void {
  const o8 = <u32>seg << 3;
  if (seg == SEG_FLAT) {
    store<i64>(SEG_RLIMIT + o8, 0xFFFFFFFF);
    store<i64>(SEG_WLIMIT + o8, 0xFFFFFFFF);
    store<u32>(SEG_FLAT_MASK, load<u32>(SEG_FLAT_MASK) | (1 << <u32>SEG_FLAT));
    return;
  }
  const o = <u32>seg << 2;
  const limit = <i64>load<u32>(SEG_LIMIT + o);
  const acc = load<u32>(SEG_ACCESS + o);
  let r: i64 = limit, w: i64 = limit;
  const prot = (load<u32>(CR0) & CR0_PE) != 0 && (load<u32>(EFLAGS) & F_VM) == 0;
  if (prot) {
    if (load<u32>(SEG_VALID + o) == 0) { r = -1; w = -1; }
    else if ((acc & ACC_CODE) != 0) { w = -1; if ((acc & ACC_RW) == 0) r = -1; }
    else {
      if ((acc & ACC_DC) != 0) { r = -1; w = -1; } // expand-down: checked in segCheckSlow
      else if ((acc & ACC_RW) == 0) w = -1;
    }
  }
  store<i64>(SEG_RLIMIT + o8, r);
  store<i64>(SEG_WLIMIT + o8, w);
  updateFlat(seg);
}

/**
 * Keep bit `seg` of SEG_FLAT_MASK: base 0 and 4 GiB read and write limits. Compiled code may assume a segment
 * flat (jit/compile.ts checks the mask when a region is entered), so a segment that stops being flat ends the
 * block after the instruction that changed it, before any more of that code runs.
 */
function updateFlat(seg: i32): void {
  const o8 = <u32>seg << 3;
  const bit: u32 = 1 << <u32>seg;
  const mask = load<u32>(SEG_FLAT_MASK);
  if (load<u32>(SEG_BASE + (<u32>seg << 2)) == 0 && load<i64>(SEG_RLIMIT + o8) == 0xFFFFFFFF && load<i64>(SEG_WLIMIT + o8) == 0xFFFFFFFF) {
    store<u32>(SEG_FLAT_MASK, mask | bit);
  } else if ((mask & bit) != 0) {
    store<u32>(SEG_FLAT_MASK, mask & ~bit);
    requestStop();
  }
}

export function updateAllSegChecks(): void {
  for (let s = 0; s < 7; s++) updateSegChecks(s);
}

/**
 * The full check behind the fast path: raises #GP(0) (#SS(0) for SS) and returns false if the access of
 * `size` bytes at offset `ea` is not allowed; returns true if it is (e.g. a valid expand-down access).
 */
export function segCheckSlow(seg: i32, ea: u32, size: u32, write: bool): bool {
  if (seg == SEG_FLAT) return true;
  const o = <u32>seg << 2;
  const acc = load<u32>(SEG_ACCESS + o);
  const limit = load<u32>(SEG_LIMIT + o);
  const last = <u64>ea + <u64>(size - 1);
  const prot = (load<u32>(CR0) & CR0_PE) != 0 && (load<u32>(EFLAGS) & F_VM) == 0;
  if (prot) {
    if (load<u32>(SEG_VALID + o) == 0) { raiseGP(0); return false; }
    if ((acc & ACC_CODE) != 0) {
      if (write || (acc & ACC_RW) == 0) { raiseGP(0); return false; }
    } else {
      if (write && (acc & ACC_RW) == 0) { raiseGP(0); return false; }
      if ((acc & ACC_DC) != 0) {
        const upper: u64 = (acc & ACC_DB) != 0 ? 0xFFFFFFFF : 0xFFFF;
        if (ea <= limit || last > upper) { segFault(seg); return false; }
        return true;
      }
    }
  }
  if (last > <u64>limit) { segFault(seg); return false; }
  return true;
}

function segFault(seg: i32): void {
  if (seg == SS) raiseSS(0); else raiseGP(0);
}

// ---- mode -------------------------------------------------------------------------------------------------------
/** Recompute MODE_FLAGS after CR0, EFLAGS.VM, CS or SS changed. */
export function updateMode(): void {
  const before = load<i32>(MODE_FLAGS);
  const cr0 = load<u32>(CR0);
  let m: i32 = 0;
  if ((cr0 & CR0_PE) != 0) {
    m |= MODE_PROT;
    if ((load<u32>(EFLAGS) & F_VM) != 0) m |= MODE_V86;
    else {
      if ((load<u32>(SEG_ACCESS + (<u32>CS << 2)) & ACC_DB) != 0) m |= MODE_CS32;
      if ((load<u32>(SEG_ACCESS + (<u32>SS << 2)) & ACC_DB) != 0) m |= MODE_SS32;
    }
  }
  if ((cr0 & CR0_PG) != 0) m |= MODE_PAGING;
  store<i32>(MODE_FLAGS, m);
  if (m != before) bumpCodeEpoch(); // blocks are decoded per mode
  updateTlbMasks(); // the code context (CPL)
}

// @ts-ignore: decorator
@inline export function isProtected(): bool { return (load<i32>(MODE_FLAGS) & MODE_PROT) != 0; }
// @ts-ignore: decorator
@inline export function isV86(): bool { return (load<i32>(MODE_FLAGS) & MODE_V86) != 0; }
// @ts-ignore: decorator
@inline export function isPM(): bool { return (load<i32>(MODE_FLAGS) & (MODE_PROT | MODE_V86)) == MODE_PROT; }
// @ts-ignore: decorator
@inline export function ss32(): bool { return (load<i32>(MODE_FLAGS) & MODE_SS32) != 0; }

export function setCpl(c: u32): void {
  store<u32>(CPL, c);
  updateTlbMasks();
}

// ---- segment register loads by instructions ------------------------------------------------------------------
/** Real mode and V86: base = selector * 16. V86 also resets limit and attributes. */
export function loadSegReal(seg: i32, sel: u32): void {
  sel &= 0xFFFF;
  const o = <u32>seg << 2;
  if (isV86()) {
    setSegment(seg, sel, sel << 4, 0xFFFF, seg == CS ? 0xFB : 0xF3, true);
    return;
  }
  if (seg == CS && load<u32>(SEG_BASE + o) != sel << 4) bumpCodeEpoch();
  store<u32>(SEG_SEL + o, sel);
  store<u32>(SEG_BASE + o, sel << 4);
  store<u32>(SEG_VALID + o, 1);
  updateFlat(seg);
  // limit and attributes keep their cached values ("unreal" mode)
  if (seg == CS || seg == SS) updateMode();
}

/**
 * Load DS, ES, FS, GS or SS with `sel` by MOV, POP or LxS (protected mode, SDM Vol. 2 "MOV" pseudo-code).
 * Returns false after raising #GP, #SS or #NP.
 */
export function loadSegProt(seg: i32, sel: u32): bool {
  sel &= 0xFFFF;
  const rpl = sel & 3;
  const c = load<u32>(CPL);
  if ((sel & 0xFFFC) == 0) {
    if (seg == SS) { raiseGP(0); return false; }
    // a null selector may be loaded; using the segment then faults
    const o = <u32>seg << 2;
    store<u32>(SEG_SEL + o, sel);
    store<u32>(SEG_VALID + o, 0);
    updateSegChecks(seg);
    return true;
  }
  if (!readDescriptor(sel, 13)) return false;
  const acc = descAccess(descHi);
  const dpl = accDpl(acc);
  if (seg == SS) {
    if (rpl != c || dpl != c || (acc & ACC_S) == 0 || (acc & ACC_CODE) != 0 || (acc & ACC_RW) == 0) {
      raiseGP(sel & 0xFFFC); return false;
    }
    if ((acc & ACC_P) == 0) { raiseSS(sel & 0xFFFC); return false; }
  } else {
    if ((acc & ACC_S) == 0 || ((acc & ACC_CODE) != 0 && (acc & ACC_RW) == 0)) { raiseGP(sel & 0xFFFC); return false; }
    const conformingCode = (acc & (ACC_CODE | ACC_DC)) == (ACC_CODE | ACC_DC);
    if (!conformingCode && (rpl > dpl || c > dpl)) { raiseGP(sel & 0xFFFC); return false; }
    if ((acc & ACC_P) == 0) { raiseNP(sel & 0xFFFC); return false; }
  }
  setDescriptorAccessed();
  if (faulted) return false;
  setSegment(seg, sel, descBase(descLo, descHi), descLimit(descLo, descHi), descAccess(descHi), true);
  return true;
}

/** Load a data/stack segment register the way the current mode does it. False after a fault. */
export function loadSeg(seg: i32, sel: u32): bool {
  if (!isPM()) { loadSegReal(seg, sel); return true; }
  return loadSegProt(seg, sel);
}

/**
 * After a privilege level change to an outer level (RET/IRET): data segments whose DPL is below the new CPL
 * (and that are not conforming code) become null (SDM Vol. 2 "RET" pseudo-code).
 */
export function nullifyInaccessibleSegments(): void {
  const c = load<u32>(CPL);
  for (let s = 0; s < 6; s++) {
    if (s == CS || s == SS) continue;
    const o = <u32>s << 2;
    if (load<u32>(SEG_VALID + o) == 0) continue;
    const acc = load<u32>(SEG_ACCESS + o);
    const conformingCode = (acc & (ACC_CODE | ACC_DC)) == (ACC_CODE | ACC_DC);
    if ((acc & ACC_S) == 0 || (!conformingCode && accDpl(acc) < c)) {
      store<u32>(SEG_SEL + o, 0);
      store<u32>(SEG_VALID + o, 0);
      updateSegChecks(s);
    }
  }
}
