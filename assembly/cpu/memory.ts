// Guest memory access for instructions: segmentation checks, then the TLB fast path, then the slow path
// (page walk, MMIO, ROM, page-crossing, code invalidation).
//
// Every function here can raise a guest exception; after calling one, a handler must check `faulted`
// before it changes any architectural state.
import {
  TLB, TLB_READ_MASK, TLB_WRITE_MASK, SEG_BASE, SEG_RLIMIT, SEG_WLIMIT, CPL,
} from "../layout";
import {
  TLB_VALID, TLB_MMIO, TLB_ROM, TLB_CODE, TLB_NO_USER, TLB_NO_SUP_WRITE, TLB_NO_USER_WRITE, TLB_NOT_DIRTY,
  TLB_FETCH_IGNORE, tlbFill, entryPhys, alignmentChecks,
} from "./paging";
import { dataBreakpoints, checkData } from "./debug";
import { physRead8, physWrite8, physRead16, physRead32, physWrite16, physWrite32 } from "../bus/physmem";
import { invalidateCodeRange } from "../translate/blocks";
import { faulted, raiseAC } from "./fault";
import { segCheckSlow } from "./segments";

// ---- segment checks ----------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function segReadOk<T>(seg: i32, ea: u32): bool {
  const last = <i64>ea + (sizeof<T>() - 1);
  if (last <= load<i64>(SEG_RLIMIT + (<u32>seg << 3))) return true;
  return segCheckSlow(seg, ea, <u32>sizeof<T>(), false);
}

// @ts-ignore: decorator
@inline export function segWriteOk<T>(seg: i32, ea: u32): bool {
  const last = <i64>ea + (sizeof<T>() - 1);
  if (last <= load<i64>(SEG_WLIMIT + (<u32>seg << 3))) return true;
  return segCheckSlow(seg, ea, <u32>sizeof<T>(), true);
}

// @ts-ignore: decorator
@inline export function linear(seg: i32, ea: u32): u32 { return load<u32>(SEG_BASE + (<u32>seg << 2)) + ea; }

// ---- segmented access ------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function readMem<T>(seg: i32, ea: u32): T {
  if (!segReadOk<T>(seg, ea)) return <T>0;
  return readLin<T>(linear(seg, ea));
}

// @ts-ignore: decorator
@inline export function writeMem<T>(seg: i32, ea: u32, v: T): void {
  if (!segWriteOk<T>(seg, ea)) return;
  writeLin<T>(linear(seg, ea), v);
}

/** Read the destination of a read-modify-write: checks that the later write is allowed too. */
// @ts-ignore: decorator
@inline export function readMemRMW<T>(seg: i32, ea: u32): T {
  if (!segWriteOk<T>(seg, ea)) return <T>0;
  const lin = linear(seg, ea);
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & load<i32>(TLB_WRITE_MASK)) == TLB_VALID && (sizeof<T>() == 1 || (lin & 0xFFF) <= <u32>(0x1000 - sizeof<T>())))
    return load<T>(<u32>(e & ~0xFFF) + lin);
  if (!prepareWrite(lin, <u32>sizeof<T>(), load<u32>(CPL) == 3)) return <T>0;
  return <T>readLinSlow(lin, <u32>sizeof<T>(), load<u32>(CPL) == 3);
}

// ---- linear access at the current privilege --------------------------------------------------------------
// @ts-ignore: decorator
@inline export function readLin<T>(lin: u32): T {
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & load<i32>(TLB_READ_MASK)) == TLB_VALID && (sizeof<T>() == 1 || (lin & 0xFFF) <= <u32>(0x1000 - sizeof<T>())))
    return load<T>(<u32>(e & ~0xFFF) + lin);
  return <T>readLinSlow(lin, <u32>sizeof<T>(), load<u32>(CPL) == 3);
}

// @ts-ignore: decorator
@inline export function writeLin<T>(lin: u32, v: T): void {
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & load<i32>(TLB_WRITE_MASK)) == TLB_VALID && (sizeof<T>() == 1 || (lin & 0xFFF) <= <u32>(0x1000 - sizeof<T>()))) {
    store<T>(<u32>(e & ~0xFFF) + lin, v);
    return;
  }
  writeLinSlow(lin, <u32>sizeof<T>(), <u32>v, load<u32>(CPL) == 3);
}

// ---- supervisor (implicit) access: descriptor tables, TSS, IDT, interrupt frames ----------------------------
// These do not check data breakpoints (only instructions' own operand and stack accesses do).
export function readSys8(lin: u32): u32 { return readLinPlain(lin, 1, false); }
export function readSys16(lin: u32): u32 { return readLinPlain(lin, 2, false); }
export function readSys32(lin: u32): u32 { return readLinPlain(lin, 4, false); }
export function writeSys8(lin: u32, v: u32): void { writeLinPlain(lin, 1, v, false); }
export function writeSys16(lin: u32, v: u32): void { writeLinPlain(lin, 2, v, false); }
export function writeSys32(lin: u32, v: u32): void { writeLinPlain(lin, 4, v, false); }

// ---- slow paths ----------------------------------------------------------------------------------------------
// (the deny masks are spelled out where used: constants computed from paging.ts's at module level would depend
// on the order the compiler meets the modules in, which the import graph does not fix)

/** TLB entry allowing a read of the page of `lin`, filling it if needed; 0 after a fault. */
function entryForRead(lin: u32, user: bool): i32 {
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & TLB_VALID) != 0 && (!user || (e & TLB_NO_USER) == 0)) return e;
  return tlbFill(lin, false, user);
}

/** TLB entry allowing a write to the page of `lin`, filling it (and setting the dirty bit) if needed. */
function entryForWrite(lin: u32, user: bool): i32 {
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & TLB_VALID) != 0 && (e & (user ? TLB_NO_USER | TLB_NO_USER_WRITE | TLB_NOT_DIRTY : TLB_NO_SUP_WRITE | TLB_NOT_DIRTY)) == 0) return e;
  return tlbFill(lin, true, user);
}

function readByteWith(e: i32, lin: u32): u32 {
  if ((e & TLB_MMIO) != 0) return physRead8(entryPhys(e, lin));
  return load<u8>(<u32>(e & ~0xFFF) + lin);
}

/** #AC for a misaligned CPL-3 data access while alignment checking is on (SDM Vol. 3A 6.15, interrupt 17). */
// @ts-ignore: decorator
@inline function misaligned(lin: u32, size: u32, user: bool): bool {
  if (!alignmentChecks || !user || size == 1 || (lin & (size - 1)) == 0) return false;
  raiseAC();
  return true;
}

/** First byte of the second page of an access that crosses a page: where a fault there is reported (CR2),
 *  as on hardware and in Bochs, not at the access's last byte. */
// @ts-ignore: decorator
@inline function secondPage(lin: u32, size: u32): u32 { return (lin + size - 1) & 0xFFFFF000; }

/** An instruction's data read that missed the fast path (or must not use it). */
export function readLinSlow(lin: u32, size: u32, user: bool): u32 {
  const v = readLinPlain(lin, size, user);
  if (dataBreakpoints && !faulted) checkData(lin, size, false);
  return v;
}

function readLinPlain(lin: u32, size: u32, user: bool): u32 {
  if (misaligned(lin, size, user)) return 0;
  if (((lin & 0xFFF) + size) > 0x1000) {
    // crosses a page: translate both pages before reading anything
    const e1 = entryForRead(lin, user);
    if (faulted) return 0;
    const e2 = entryForRead(secondPage(lin, size), user);
    if (faulted) return 0;
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const a = lin + i;
      v |= readByteWith((a & 0xFFF) < (lin & 0xFFF) ? e2 : e1, a) << (i << 3);
    }
    return v;
  }
  const e = entryForRead(lin, user);
  if (faulted) return 0;
  const host = <u32>(e & ~0xFFF) + lin;
  if ((e & TLB_MMIO) != 0) {
    const phys = entryPhys(e, lin);
    return size == 1 ? physRead8(phys) : size == 2 ? physRead16(phys) : physRead32(phys);
  }
  return size == 1 ? <u32>load<u8>(host) : size == 2 ? <u32>load<u16>(host) : load<u32>(host);
}

function writeWith(e: i32, lin: u32, size: u32, v: u32): void {
  if ((e & TLB_ROM) != 0) return;
  if ((e & TLB_MMIO) != 0) {
    const phys = entryPhys(e, lin);
    if (size == 1) physWrite8(phys, v); else if (size == 2) physWrite16(phys, v); else physWrite32(phys, v);
    return;
  }
  const host = <u32>(e & ~0xFFF) + lin;
  if (size == 1) store<u8>(host, <u8>v); else if (size == 2) store<u16>(host, <u16>v); else store<u32>(host, v);
  if ((e & TLB_CODE) != 0) invalidateCodeRange(host, size);
}

/** Check (and prepare the TLB for) a write of `size` bytes at `lin`. False after a fault. */
export function prepareWrite(lin: u32, size: u32, user: bool): bool {
  if (misaligned(lin, size, user)) return false;
  entryForWrite(lin, user);
  if (faulted) return false;
  if (((lin & 0xFFF) + size) > 0x1000) {
    entryForWrite(secondPage(lin, size), user);
    if (faulted) return false;
  }
  return true;
}

/** An instruction's data write that missed the fast path. */
export function writeLinSlow(lin: u32, size: u32, v: u32, user: bool): void {
  writeLinPlain(lin, size, v, user);
  if (dataBreakpoints && !faulted) checkData(lin, size, true);
}

function writeLinPlain(lin: u32, size: u32, v: u32, user: bool): void {
  if (misaligned(lin, size, user)) return;
  if (((lin & 0xFFF) + size) > 0x1000) {
    const e1 = entryForWrite(lin, user);
    if (faulted) return;
    const e2 = entryForWrite(secondPage(lin, size), user);
    if (faulted) return;
    for (let i: u32 = 0; i < size; i++) {
      const a = lin + i;
      writeWith((a & 0xFFF) < (lin & 0xFFF) ? e2 : e1, a, 1, v >>> (i << 3));
    }
    return;
  }
  const e = entryForWrite(lin, user);
  if (faulted) return;
  writeWith(e, lin, size, v);
}

/** TLB entry for fetching code at `lin` at the current privilege; 0 after a fault. */
export function entryForFetch(lin: u32): i32 {
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & load<i32>(TLB_READ_MASK) & ~TLB_FETCH_IGNORE) == TLB_VALID) return e;
  return entryForRead(lin, load<u32>(CPL) == 3);
}

/** Read one code byte at `lin` (for instructions that cross a page or run from MMIO). */
export function fetchByteSlow(lin: u32): u32 {
  return readLinPlain(lin, 1, load<u32>(CPL) == 3); // a fetch, not a data read: no data breakpoints
}
