// The fast path of REP MOVS / STOS / LODS: a run of elements is done with one memory.copy / memory.fill when
// its source and destination pages are all reachable through the TLB fast path (plain RAM, or ROM for reading;
// the access allowed at the current privilege; page already dirty; no data breakpoint; no alignment checking)
// and follow each other in host memory as in linear memory, and when it lies inside both segments' limits
// (expand-down too) without wrapping around 64 KiB with 16-bit addressing. Anything else returns 0 and the element loop in string.ts does one
// element with the full checks: it fills the TLB, sets dirty bits, faults precisely or talks to the device,
// and the next run can be fast again.
//
// A run has exactly the effect of the element loop over it, in the same order: overlapping source and
// destination replicate data as element-by-element copying does (not memmove), writes into pages holding
// translated code drop the blocks they overlap, and a run stops before the element that overwrites the running
// block so that the element loop does that one and stops the instruction right after it, as before.
import { REGS, EFLAGS, CNT_STRING_RUNS, SEG_RLIMIT, SEG_WLIMIT, SEG_ACCESS, SEG_LIMIT, SEG_VALID, TLB_READ_MASK, TLB_WRITE_MASK } from "../../layout";
import { R_ESI, R_EDI, R_EAX, ES, F_DF } from "../state";
import { ACC_CODE, ACC_DC, ACC_RW, ACC_DB } from "../segments";
import { linear } from "../memory";
import { tlbEntry, TLB_VALID, TLB_CODE } from "../paging";
import { invalidateCodeRange, currentBlock, blockAddr, B_HOST, B_BYTES } from "../../translate/blocks";

/** Off: every element goes through the checked loop (the reference that tests compare the fast path with). */
export let stringFastPath: bool = true;
export function setStringFastPath(on: bool): void { stringFastPath = on; }

/** Overlapping copies whose source and destination are closer than this go element by element. */
const CHUNK_MIN: u32 = 64;

// ---- where a run may go -----------------------------------------------------------------------------------
// The offsets a segment allows, [segLo, segHi], set by segRange.
let segLo: i64 = 0;
let segHi: i64 = 0;

/** The offsets `seg` allows for a read or write, in segLo/segHi; false when every access would fault. */
function segRange(seg: i32, write: bool): bool {
  const fast = load<i64>((write ? SEG_WLIMIT : SEG_RLIMIT) + (<u32>seg << 3));
  if (fast >= 0) { segLo = 0; segHi = fast; return true; }
  // the fast limit is -1 for anything unusual; of those only a usable expand-down data segment allows access:
  // offsets above the limit up to 64 KiB or 4 GiB (segCheckSlow, SDM Vol. 3A 5.3)
  const o = <u32>seg << 2;
  const acc = load<u32>(SEG_ACCESS + o);
  if (load<u32>(SEG_VALID + o) == 0 || (acc & (ACC_CODE | ACC_DC)) != ACC_DC) return false;
  if (write && (acc & ACC_RW) == 0) return false;
  segLo = <i64>load<u32>(SEG_LIMIT + o) + 1;
  segHi = (acc & ACC_DB) != 0 ? 0xFFFFFFFF : 0xFFFF;
  return true;
}

/** How many elements of `size` bytes, the first at offset `ea`, going up (or down), the segment allows
 *  before the first one that needs the precise check; with 16-bit addressing, also before the wrap at 64 KiB. */
function segRoom(seg: i32, ea: u32, size: u32, down: bool, a32: bool, write: bool): u32 {
  if (!segRange(seg, write)) return 0;
  let hi = segHi;
  if (!a32 && hi > 0xFFFF) hi = 0xFFFF;
  const first = <i64>ea, last = first + size - 1;
  if (first < segLo || last > hi) return 0;
  return <u32>((down ? first - segLo : hi - last) / size) + 1;
}

/** TLB bits of the pages the last runRoom went through. */
let roomFlags: i32 = 0;

/**
 * How many of `k` elements, the first at linear `lin` with TLB entry `e`, lie in pages that `mask` lets through
 * the fast path and that follow each other in host memory as in linear memory (same entry offset), going up (or
 * down) from the first. Going down, the first element must lie in its page.
 */
function runRoom(lin: u32, e: i32, size: u32, down: bool, k: u32, mask: i32): u32 {
  if ((e & mask) != TLB_VALID) return 0;
  roomFlags = e;
  const off = lin & 0xFFF;
  if (down && off + size > 0x1000) return 0;
  const want = k * size;
  let avail: u32 = down ? off + size : 0x1000 - off; // bytes from the first element to its page's edge
  let page = lin & ~<u32>0xFFF;
  while (avail < want) {
    page = down ? page - 0x1000 : page + 0x1000;
    const next = tlbEntry(page);
    if ((next & mask) != TLB_VALID || (next & ~0xFFF) != (e & ~0xFFF)) break;
    roomFlags |= next;
    avail += 0x1000;
  }
  return min(k, avail / size);
}

// @ts-ignore: decorator
@inline function counted(k: u32): u32 { store<u64>(CNT_STRING_RUNS, load<u64>(CNT_STRING_RUNS) + 1); return k; }
// @ts-ignore: decorator
@inline function min(a: u32, b: u32): u32 { return a < b ? a : b; }
// @ts-ignore: decorator
@inline function hostOf(e: i32, lin: u32): u32 { return <u32>(e & ~0xFFF) + lin; }
// @ts-ignore: decorator
@inline function index(off: u32, a32: bool): u32 { return a32 ? load<u32>(REGS + off) : <u32>load<u16>(REGS + off); }
// @ts-ignore: decorator
@inline function advance(off: u32, a32: bool, d: u32): void {
  if (a32) store<u32>(REGS + off, load<u32>(REGS + off) + d);
  else store<u16>(REGS + off, <u16>(load<u16>(REGS + off) + d));
}

/**
 * The number of the run's `k` elements (the first at host `first`, going up or down) to write before the first
 * one that overlaps the running block: the element loop stops the instruction right after writing that one
 * (invalidating the running block ends it), so it must be done by the element loop.
 */
function beforeRunningBlock(first: u32, size: u32, down: bool, k: u32): u32 {
  if (currentBlock == 0) return k;
  const d = blockAddr(currentBlock - 1);
  const bs = load<u32>(d, B_HOST);
  if (bs == 0xFFFFFFFF) return k; // already dropped
  const be = bs + <u32>load<u16>(d, B_BYTES);
  // element i covers [first ± i * size, + size)
  if (!down) {
    if (first >= be) return k;
    return min(k, first + size > bs ? 0 : (bs - first - size) / size + 1);
  }
  if (first + size <= bs) return k;
  return min(k, first < be ? 0 : (first - be) / size + 1);
}

// ---- the copies --------------------------------------------------------------------------------------------
/**
 * Copy `bytes` (a multiple of `size`) from host `src` to host `dst` (the lowest addresses of both runs) as the
 * element loop would, going up or down. Where the destination trails the source within the run (it reads bytes
 * it has already written), a forward copy replicates them: in pieces of the distance when that is at least
 * CHUNK_MIN (each piece is then copied from bytes already final), else element by element.
 */
function copyRun(dst: u32, src: u32, bytes: u32, size: u32, down: bool): void {
  const dist = down ? src - dst : dst - src; // how far behind the source the destination writes
  if (dist == 0 || dist >= bytes) { memory.copy(dst, src, bytes); return; }
  if (dist >= CHUNK_MIN) {
    if (!down) {
      for (let off: u32 = 0; off < bytes; off += dist) memory.copy(dst + off, src + off, min(dist, bytes - off));
    } else {
      for (let end = bytes; end != 0;) {
        const len = min(dist, end);
        end -= len;
        memory.copy(dst + end, src + end, len);
      }
    }
    return;
  }
  if (size == 1) copyElements<u8>(dst, src, bytes, down);
  else if (size == 2) copyElements<u16>(dst, src, bytes, down);
  else copyElements<u32>(dst, src, bytes, down);
}

// @ts-ignore: decorator
@inline function copyElements<T>(dst: u32, src: u32, bytes: u32, down: bool): void {
  if (!down) {
    for (let off: u32 = 0; off < bytes; off += sizeof<T>()) store<T>(dst + off, load<T>(src + off));
  } else {
    for (let off = bytes; off != 0;) { off -= sizeof<T>(); store<T>(dst + off, load<T>(src + off)); }
  }
}

/** Fill `bytes` at host `dst` with the `size`-byte value `v` repeated. */
function fillRun(dst: u32, bytes: u32, size: u32, v: u32): void {
  const b = v & 0xFF;
  if (size == 1 || (size == 2 ? (v & 0xFFFF) == b * 0x0101 : v == b * 0x01010101)) { memory.fill(dst, <u8>b, bytes); return; }
  if (size == 2) store<u16>(dst, <u16>v); else store<u32>(dst, v);
  for (let done = size; done < bytes;) { // double the filled part
    const len = min(done, bytes - done);
    memory.copy(dst + done, dst, len);
    done += len;
  }
}

// ---- the runs ------------------------------------------------------------------------------------------------
/**
 * REP MOVS: copy up to `n` elements of `size` bytes from srcSeg:eSI to ES:eDI in one run and move eSI/eDI on.
 * Returns how many were copied; 0 when the next element needs the element loop.
 */
export function movsRun(srcSeg: i32, a32: bool, size: u32, n: u32): u32 {
  const down = (load<u32>(EFLAGS) & F_DF) != 0;
  const si = index(R_ESI, a32), di = index(R_EDI, a32);
  let k = min(n, segRoom(srcSeg, si, size, down, a32, false));
  if (k == 0) return 0;
  k = min(k, segRoom(ES, di, size, down, a32, true));
  if (k == 0) return 0;
  const sLin = linear(srcSeg, si), dLin = linear(ES, di);
  const se = tlbEntry(sLin), de = tlbEntry(dLin);
  k = runRoom(sLin, se, size, down, k, load<i32>(TLB_READ_MASK));
  if (k == 0) return 0;
  k = runRoom(dLin, de, size, down, k, load<i32>(TLB_WRITE_MASK) & ~TLB_CODE);
  if (k == 0) return 0;
  const code = (roomFlags & TLB_CODE) != 0;
  if (code) {
    k = beforeRunningBlock(hostOf(de, dLin), size, down, k);
    if (k == 0) return 0;
  }
  const bytes = k * size;
  const back = down ? bytes - size : 0; // from the first element to the lowest
  const dst = hostOf(de, dLin) - back;
  copyRun(dst, hostOf(se, sLin) - back, bytes, size, down);
  if (code) invalidateCodeRange(dst, bytes);
  const delta = down ? 0 - bytes : bytes;
  advance(R_ESI, a32, delta);
  advance(R_EDI, a32, delta);
  return counted(k);
}

/** REP STOS: store `v` (`size` bytes) to up to `n` elements at ES:eDI in one run; as movsRun. */
export function stosRun(a32: bool, size: u32, n: u32, v: u32): u32 {
  const down = (load<u32>(EFLAGS) & F_DF) != 0;
  const di = index(R_EDI, a32);
  let k = min(n, segRoom(ES, di, size, down, a32, true));
  if (k == 0) return 0;
  const dLin = linear(ES, di);
  const de = tlbEntry(dLin);
  k = runRoom(dLin, de, size, down, k, load<i32>(TLB_WRITE_MASK) & ~TLB_CODE);
  if (k == 0) return 0;
  const code = (roomFlags & TLB_CODE) != 0;
  if (code) {
    k = beforeRunningBlock(hostOf(de, dLin), size, down, k);
    if (k == 0) return 0;
  }
  const bytes = k * size;
  const dst = hostOf(de, dLin) - (down ? bytes - size : 0);
  fillRun(dst, bytes, size, v);
  if (code) invalidateCodeRange(dst, bytes);
  advance(R_EDI, a32, down ? 0 - bytes : bytes);
  return counted(k);
}

/** REP LODS: up to `n` elements from srcSeg:eSI in one run; only the last one stays in AL/AX/EAX. */
export function lodsRun(srcSeg: i32, a32: bool, size: u32, n: u32): u32 {
  const down = (load<u32>(EFLAGS) & F_DF) != 0;
  const si = index(R_ESI, a32);
  let k = min(n, segRoom(srcSeg, si, size, down, a32, false));
  if (k == 0) return 0;
  const sLin = linear(srcSeg, si);
  const se = tlbEntry(sLin);
  k = runRoom(sLin, se, size, down, k, load<i32>(TLB_READ_MASK));
  if (k == 0) return 0;
  const bytes = k * size;
  const delta = down ? 0 - bytes : bytes;
  const last = hostOf(se, sLin) + delta - (down ? 0 - size : size);
  if (size == 1) store<u8>(REGS + R_EAX, load<u8>(last));
  else if (size == 2) store<u16>(REGS + R_EAX, load<u16>(last));
  else store<u32>(REGS + R_EAX, load<u32>(last));
  advance(R_ESI, a32, delta);
  return counted(k);
}
