// Paging and the TLB (Intel SDM Vol. 3A, ch. 4.3 "32-bit paging").
//
// The TLB is flat: one i32 per 4 KiB linear page. An entry holds (host page address - linear page address) in
// its upper 20 bits, so host = (entry & ~0xFFF) + linear, and permission bits below. A fast access is allowed
// when (entry & mask) == TLB_VALID for the access's mask (TLB_READ_MASK / TLB_WRITE_MASK, set by privilege).
import {
  TLB, TLB_LIST, TLB_LIST_MAX, TLB_LIST_COUNT, CR0, CR3, CR4, CR2, RAM, PAGE_BLOCKS, PT_RAM, PT_ROM, PT_RAM_READONLY,
  TLB_READ_MASK, TLB_WRITE_MASK, CPL, CNT_TLB_MISSES, EFLAGS,
} from "../layout";
import { CR0_PG, CR0_WP, CR0_AM, CR4_PSE, CR4_PGE, F_AC } from "./state";
import { physRead32, physWrite32, pageType, hostPage, a20 } from "../bus/physmem";
import { raisePF } from "./fault";
import { bumpCodeEpoch, setCodeContext } from "../translate/blocks";
import { dataBreakpoints, pageWatched } from "./debug";

export const TLB_VALID: i32 = 1;
export const TLB_NO_USER: i32 = 2; // not accessible at CPL 3
export const TLB_NO_USER_WRITE: i32 = 4; // CPL 3 may not write
export const TLB_NO_SUP_WRITE: i32 = 8; // CPL 0-2 may not write (read-only page and CR0.WP)
export const TLB_NOT_DIRTY: i32 = 16; // a write must go through the walk to set the dirty bit
export const TLB_CODE: i32 = 32; // the page holds translated code: writes go through invalidation
export const TLB_MMIO: i32 = 64; // not RAM or ROM: every access goes to the device
export const TLB_ROM: i32 = 128; // writes are ignored
export const TLB_GLOBAL: i32 = 256;
export const TLB_ALWAYS: i32 = 512; // set in every entry: masks that include it force the slow path
export const TLB_WATCH: i32 = 1024; // the page holds a data breakpoint: data accesses take the slow path (debug.ts)
/** Bits of an entry that do not stop instruction fetch from using it (data-only slow-path reasons). */
export const TLB_FETCH_IGNORE: i32 = TLB_MMIO | TLB_ALWAYS | TLB_WATCH;

/** Alignment checking is active (CR0.AM, EFLAGS.AC, CPL 3): every data access goes the slow path. */
export let alignmentChecks: bool = false;

const SUP_READ: i32 = TLB_VALID | TLB_MMIO | TLB_WATCH;
const USER_READ: i32 = SUP_READ | TLB_NO_USER;
const SUP_WRITE: i32 = TLB_VALID | TLB_MMIO | TLB_NO_SUP_WRITE | TLB_NOT_DIRTY | TLB_CODE | TLB_ROM | TLB_WATCH;
const USER_WRITE: i32 = SUP_WRITE | TLB_NO_USER | TLB_NO_USER_WRITE;

/** Recompute the fast-path masks after a change of CPL, CR0.AM or EFLAGS.AC. */
export function updateTlbMasks(): void {
  const user = load<u32>(CPL) == 3;
  alignmentChecks = user && (load<u32>(CR0) & CR0_AM) != 0 && (load<u32>(EFLAGS) & F_AC) != 0;
  // CPL and alignment checking change what may be fetched: each combination is a code context of its own
  setCodeContext(load<u32>(CPL) & 3 | (alignmentChecks ? 4 : 0));
  const force: i32 = alignmentChecks ? TLB_ALWAYS : 0;
  store<i32>(TLB_READ_MASK, (user ? USER_READ : SUP_READ) | force);
  store<i32>(TLB_WRITE_MASK, (user ? USER_WRITE : SUP_WRITE) | force);
}

// @ts-ignore: decorator
@inline export function tlbEntry(lin: u32): i32 { return load<i32>(TLB + ((lin >>> 12) << 2)); }

function tlbStore(lin: u32, e: i32): void {
  const vpage = lin >>> 12;
  const slot = TLB + (vpage << 2);
  // Filling an empty entry cannot change where linked or compiled code goes: every way an entry becomes empty
  // (the flushes below) bumps the epoch, so no link made since refers to this page. Replacing an entry can.
  // (Filling bumped it too until 2026-12: a Linux boot missed the TLB 120,000 times, and each miss dropped every
  // block link and sent compiled regions back to the dispatcher.)
  if (load<i32>(slot) != 0) bumpCodeEpoch();
  else {
    const n = load<u32>(TLB_LIST_COUNT);
    if (n >= TLB_LIST_MAX) { tlbFlushAll(); }
    const m = load<u32>(TLB_LIST_COUNT);
    store<u32>(TLB_LIST + (m << 2), vpage);
    store<u32>(TLB_LIST_COUNT, m + 1);
  }
  store<i32>(slot, e);
}

/** Forget every TLB entry. */
export function tlbFlushAll(): void {
  bumpCodeEpoch();
  const n = load<u32>(TLB_LIST_COUNT);
  if (n >= TLB_LIST_MAX) {
    memory.fill(TLB, 0, 0x400000);
  } else {
    for (let i: u32 = 0; i < n; i++) store<i32>(TLB + (load<u32>(TLB_LIST + (i << 2)) << 2), 0);
  }
  store<u32>(TLB_LIST_COUNT, 0);
}

/** Forget non-global entries (a CR3 load with CR4.PGE set). */
export function tlbFlushNonGlobal(): void {
  bumpCodeEpoch();
  if ((load<u32>(CR4) & CR4_PGE) == 0) { tlbFlushAll(); return; }
  const n = load<u32>(TLB_LIST_COUNT);
  if (n >= TLB_LIST_MAX) { tlbFlushAll(); return; }
  let kept: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const vpage = load<u32>(TLB_LIST + (i << 2));
    const slot = TLB + (vpage << 2);
    const e = load<i32>(slot);
    if (e & TLB_GLOBAL) { store<u32>(TLB_LIST + (kept << 2), vpage); kept++; }
    else store<i32>(slot, 0);
  }
  store<u32>(TLB_LIST_COUNT, kept);
}

/** Forget the entry for one linear page (INVLPG), global or not. */
export function tlbFlushPage(lin: u32): void {
  bumpCodeEpoch();
  store<i32>(TLB + ((lin >>> 12) << 2), 0); // the list may keep a stale page number; flushes tolerate that
}

/** Mark every TLB entry that maps host page `host` as holding code (writes must go through invalidation). */
export function tlbMarkCode(host: u32, isCode: bool): void {
  bumpCodeEpoch();
  const n = load<u32>(TLB_LIST_COUNT);
  if (n >= TLB_LIST_MAX) { tlbFlushAll(); return; }
  for (let i: u32 = 0; i < n; i++) {
    const vpage = load<u32>(TLB_LIST + (i << 2));
    const slot = TLB + (vpage << 2);
    const e = load<i32>(slot);
    if (e == 0) continue;
    if (<u32>((e & ~0xFFF) + (vpage << 12)) == host) store<i32>(slot, isCode ? e | TLB_CODE : e & ~TLB_CODE);
  }
}

/**
 * Translate `lin` for an access and fill its TLB entry. `user` is the privilege of the access (CPL 3 and not
 * an implicit system-structure access). Returns the new entry, or 0 after raising #PF.
 */
export function tlbFill(lin: u32, write: bool, user: bool): i32 {
  store<u64>(CNT_TLB_MISSES, load<u64>(CNT_TLB_MISSES) + 1);
  let phys: u32;
  let flags: i32 = TLB_VALID | TLB_ALWAYS;
  if ((load<u32>(CR0) & CR0_PG) == 0) {
    phys = a20(lin);
  } else {
    const cr0 = load<u32>(CR0), cr4 = load<u32>(CR4);
    const pdeAddr = a20((load<u32>(CR3) & 0xFFFFF000) + ((lin >>> 22) << 2));
    let pde = physRead32(pdeAddr);
    const errUser: u32 = user ? 4 : 0, errWrite: u32 = write ? 2 : 0;
    if ((pde & 1) == 0) { pageFault(lin, errUser | errWrite); return 0; }
    let userOk: bool, rw: bool, dirty: bool, global: bool;
    if ((pde & 0x80) != 0 && (cr4 & CR4_PSE) != 0) {
      // 4 MiB page. Bits 13-21 are reserved without PSE-36 (not advertised).
      if ((pde & 0x003FE000) != 0) { pageFault(lin, 1 | 8 | errUser | errWrite); return 0; }
      userOk = (pde & 4) != 0;
      rw = (pde & 2) != 0;
      if (!checkAccess(lin, user, write, userOk, rw, cr0)) return 0;
      let npde = pde | 0x20;
      if (write) npde |= 0x40;
      if (npde != pde) physWrite32(pdeAddr, npde);
      dirty = (npde & 0x40) != 0;
      global = (pde & 0x100) != 0 && (cr4 & CR4_PGE) != 0;
      phys = a20((pde & 0xFFC00000) | (lin & 0x003FF000));
    } else {
      const pteAddr = a20((pde & 0xFFFFF000) + (((lin >>> 12) & 0x3FF) << 2));
      const pte = physRead32(pteAddr);
      if ((pte & 1) == 0) { pageFault(lin, errUser | errWrite); return 0; }
      userOk = (pde & pte & 4) != 0;
      rw = (pde & pte & 2) != 0;
      if (!checkAccess(lin, user, write, userOk, rw, cr0)) return 0;
      if ((pde & 0x20) == 0) physWrite32(pdeAddr, pde | 0x20);
      let npte = pte | 0x20;
      if (write) npte |= 0x40;
      if (npte != pte) physWrite32(pteAddr, npte);
      dirty = (npte & 0x40) != 0;
      global = (pte & 0x100) != 0 && (cr4 & CR4_PGE) != 0;
      phys = a20(pte & 0xFFFFF000);
    }
    if (!userOk) flags |= TLB_NO_USER;
    if (!rw) {
      flags |= TLB_NO_USER_WRITE;
      if ((cr0 & CR0_WP) != 0) flags |= TLB_NO_SUP_WRITE;
    }
    if (!dirty) flags |= TLB_NOT_DIRTY;
    if (global) flags |= TLB_GLOBAL;
  }
  if (dataBreakpoints && pageWatched(lin)) flags |= TLB_WATCH;
  const t = pageType(phys);
  const host = hostPage(phys);
  if (t == PT_RAM) {
    if (load<u32>(PAGE_BLOCKS + ((host >>> 12) << 2)) != 0) flags |= TLB_CODE;
  } else if (t == PT_ROM || t == PT_RAM_READONLY) {
    flags |= TLB_ROM; // reads straight from the host page (ROM area, or RAM under a read-only PAM setting)
  } else {
    flags |= TLB_MMIO;
  }
  const e = <i32>((host - (lin & 0xFFFFF000)) & 0xFFFFF000) | flags;
  tlbStore(lin, e);
  return e;
}

function checkAccess(lin: u32, user: bool, write: bool, userOk: bool, rw: bool, cr0: u32): bool {
  const err: u32 = 1 | (user ? 4 : 0) | (write ? 2 : 0);
  if (user && !userOk) { pageFault(lin, err); return false; }
  if (write && !rw && (user || (cr0 & CR0_WP) != 0)) { pageFault(lin, err); return false; }
  return true;
}

function pageFault(lin: u32, code: u32): void {
  store<u32>(CR2, lin);
  raisePF(code);
}

/** Physical address of a linear address that has a TLB entry (for the slow paths). */
// @ts-ignore: decorator
@inline export function entryPhys(e: i32, lin: u32): u32 { return (<u32>(e & ~0xFFF) + lin) - RAM; }
