// The block cache: decoded basic blocks keyed by the host address of their first byte (RAM or ROM backing,
// so every virtual alias of a physical page shares its blocks) and the mode bits that change decoding.
//
// Blocks never cross a 4 KiB page. Each page of linear memory that holds blocks has a list of them
// (PAGE_BLOCKS); TLB entries of such pages carry TLB_CODE, so every write to them comes through
// invalidateCodeRange(), which drops the blocks the write overlaps, including the one executing.
import {
  BLOCK_HASH, BLOCK_HASH_BITS, BLOCKS, BLOCK_DESC_SIZE, BLOCKS_MAX, INSNS, INSN_SIZE, INSNS_MAX, PAGE_BLOCKS,
  BLK_COUNT, BLK_INSN_TOP, CNT_BLOCKS_TRANSLATED, CNT_INVALIDATIONS, CNT_CACHE_FLUSHES,
} from "../layout";
import { tlbMarkCode, tlbFlushAll } from "../cpu/paging";
import { requestStop } from "../cpu/fault";
import { jitDropBlock, jitFlush, B_JIT, B_JIT_ENTRY } from "../jit/cache";

// Block descriptor fields
export const B_HOST: u32 = 0; // host address of the first byte; 0xFFFFFFFF when invalidated
export const B_MODE: u32 = 4; // decode mode key
export const B_FIRST: u32 = 8; // index of the first instruction record
export const B_COUNT: u32 = 12; // u16 number of instructions
export const B_BYTES: u32 = 14; // u16 length in bytes
export const B_HASH_NEXT: u32 = 16; // next block (index + 1) in the hash bucket
export const B_PAGE_NEXT: u32 = 20; // next block (index + 1) on the same page
export const B_EXECS: u32 = 24; // heat counted towards the JIT threshold (jit/cache.ts heatOfRun; 0xFFFFFFFF: never compile)
// Links to the last two successor blocks: where EIP went after this block, and which block runs there. A
// link is used only while B_LINK_EPOCH equals `codeEpoch`, which moves whenever a successor could change:
// TLB contents, CS base or limit, CPL (per context, see codeEpoch), the mode, or the block cache itself.
export const B_LINK_EPOCH: u32 = 28;
export const B_LINK0_EIP: u32 = 32;
export const B_LINK0_BLOCK: u32 = 36;
export const B_LINK1_EIP: u32 = 40;
export const B_LINK1_BLOCK: u32 = 44;
export const B_LINK_NEXT: u32 = 48; // which slot the next new link replaces (0 or 1)
// 52: B_JIT, the block's compiled function; 56, 60: B_JIT_ENTRY, B_JIT_SERIAL, its entry into a region it is a
// member of (jit/cache.ts)

export const MAX_BLOCK_INSNS: u32 = 64;

/** Index + 1 of the block being executed (0 = none); an invalidation of it stops the block. */
export let currentBlock: u32 = 0;

/** Code contexts (setCodeContext) */
const CODE_CONTEXTS: u32 = 8;
/**
 * Moves with everything that can change which block runs at a given CS:EIP (see B_LINK_EPOCH). Links made in
 * one code context (CPL and alignment checking: what may be fetched) stay valid while the machine runs in
 * another and comes back, unless something else changed meanwhile: each context has its own value,
 * `epochBase` + context, and every other change moves `epochBase` past all of them. So a kernel's links survive
 * its trips to user mode (a Linux boot changed CPL 90,000 times).
 */
export let codeEpoch: u32 = CODE_CONTEXTS;
let epochBase: u32 = CODE_CONTEXTS;
let codeContext: u32 = 0;
export function bumpCodeEpoch(): void {
  epochBase += CODE_CONTEXTS;
  // after 2^29 moves the values come round again (hours of a busy guest): no link made before may count then
  if (epochBase < CODE_CONTEXTS) { epochBase = CODE_CONTEXTS; forgetLinks(); }
  codeEpoch = epochBase + codeContext;
}
/** Every block's links are stale (the epoch values wrapped). */
function forgetLinks(): void {
  const n = load<u32>(BLK_COUNT);
  for (let i: u32 = 0; i < n; i++) store<u32>(blockAddr(i), 0, B_LINK_EPOCH);
}
/** Tests: the epoch's base value, and setting it (to reach the wrap without 2^29 moves). */
export function epochBaseValue(): u32 { return epochBase; }
export function setEpochBase(v: u32): void { epochBase = v & ~(CODE_CONTEXTS - 1); codeEpoch = epochBase + codeContext; }
/** The code context is now `ctx` (0 .. CODE_CONTEXTS-1): links made in it before, and since the last bump, hold again. */
export function setCodeContext(ctx: u32): void { codeContext = ctx; codeEpoch = epochBase + ctx; }
export function setCurrentBlock(b: u32): void { currentBlock = b; }

// @ts-ignore: decorator
@inline export function blockAddr(idx: u32): u32 { return BLOCKS + idx * BLOCK_DESC_SIZE; }
// @ts-ignore: decorator
@inline function bucketOf(host: u32, mode: u32): u32 {
  const h = (host ^ (host >>> BLOCK_HASH_BITS) ^ (mode << 7)) * 0x9E3779B1;
  return BLOCK_HASH + ((h >>> (32 - BLOCK_HASH_BITS)) << 2);
}

/** The cached block starting at `host` for `mode`: index + 1, or 0. */
export function lookupBlock(host: u32, mode: u32): u32 {
  let b = load<u32>(bucketOf(host, mode));
  while (b != 0) {
    const d = blockAddr(b - 1);
    if (load<u32>(d, B_HOST) == host && load<u32>(d, B_MODE) == mode) return b;
    b = load<u32>(d, B_HASH_NEXT);
  }
  return 0;
}

/** Room for a block of up to MAX_BLOCK_INSNS records; flushes the whole cache when full. Returns record address. */
export function reserveRecords(): u32 {
  if (load<u32>(BLK_INSN_TOP) + MAX_BLOCK_INSNS > INSNS_MAX || load<u32>(BLK_COUNT) >= BLOCKS_MAX) flushBlockCache();
  return INSNS + load<u32>(BLK_INSN_TOP) * INSN_SIZE;
}

/** Register a block whose `count` records were written at the address reserveRecords() returned. */
export function commitBlock(host: u32, mode: u32, count: u32, bytes: u32): u32 {
  const idx = load<u32>(BLK_COUNT);
  const d = blockAddr(idx);
  const first = load<u32>(BLK_INSN_TOP);
  store<u32>(d, host, B_HOST);
  store<u32>(d, mode, B_MODE);
  store<u32>(d, first, B_FIRST);
  store<u16>(d, <u16>count, B_COUNT);
  store<u16>(d, <u16>bytes, B_BYTES);
  store<u32>(d, 0, B_EXECS);
  store<u32>(d, 0, B_JIT);
  store<u32>(d, 0, B_JIT_ENTRY);
  store<u32>(d, 0, B_LINK_EPOCH);
  const bucket = bucketOf(host, mode);
  store<u32>(d, load<u32>(bucket), B_HASH_NEXT);
  store<u32>(bucket, idx + 1);
  const pageSlot = PAGE_BLOCKS + ((host >>> 12) << 2);
  const head = load<u32>(pageSlot);
  store<u32>(d, head, B_PAGE_NEXT);
  store<u32>(pageSlot, idx + 1);
  if (head == 0) tlbMarkCode(host & ~<u32>0xFFF, true);
  store<u32>(BLK_COUNT, idx + 1);
  store<u32>(BLK_INSN_TOP, first + count);
  store<u64>(CNT_BLOCKS_TRANSLATED, load<u64>(CNT_BLOCKS_TRANSLATED) + 1);
  return idx + 1;
}

function unlinkFromHash(b: u32): void {
  const d = blockAddr(b - 1);
  const bucket = bucketOf(load<u32>(d, B_HOST), load<u32>(d, B_MODE));
  let prev: u32 = 0;
  let cur = load<u32>(bucket);
  while (cur != 0) {
    const cd = blockAddr(cur - 1);
    if (cur == b) {
      const next = load<u32>(cd, B_HASH_NEXT);
      if (prev == 0) store<u32>(bucket, next); else store<u32>(blockAddr(prev - 1), next, B_HASH_NEXT);
      return;
    }
    prev = cur;
    cur = load<u32>(cd, B_HASH_NEXT);
  }
}

/**
 * Host memory [host, host+len) was written: drop every block whose bytes overlap it. Called for every write
 * to a page with code (CPU stores through TLB_CODE entries, physical writes, DMA).
 */
export function invalidateCodeRange(host: u32, len: u32): void {
  if (len == 0) return;
  let page = host >>> 12;
  const lastPage = (host + len - 1) >>> 12;
  while (true) {
    if (load<u32>(PAGE_BLOCKS + (page << 2)) != 0) invalidatePage(page, host, host + len);
    if (page == lastPage) break;
    page++;
  }
}

function invalidatePage(page: u32, start: u32, end: u32): void {
  const slot = PAGE_BLOCKS + (page << 2);
  let prev: u32 = 0;
  let dropped = false;
  let b = load<u32>(slot);
  while (b != 0) {
    const d = blockAddr(b - 1);
    const next = load<u32>(d, B_PAGE_NEXT);
    const bs = load<u32>(d, B_HOST);
    const be = bs + load<u16>(d, B_BYTES);
    if (bs < end && start < be) {
      unlinkFromHash(b);
      jitDropBlock(d);
      store<u32>(d, 0xFFFFFFFF, B_HOST);
      if (prev == 0) store<u32>(slot, next); else store<u32>(blockAddr(prev - 1), next, B_PAGE_NEXT);
      store<u64>(CNT_INVALIDATIONS, load<u64>(CNT_INVALIDATIONS) + 1);
      bumpCodeEpoch(); // links to this block are stale
      dropped = true;
      if (b == currentBlock) requestStop();
    } else {
      prev = b;
    }
    b = next;
  }
  // compiled regions run several blocks of their page: none may outlive a block it contains (jit/compile.ts)
  if (dropped) {
    b = load<u32>(slot);
    while (b != 0) { const d = blockAddr(b - 1); jitDropBlock(d); b = load<u32>(d, B_PAGE_NEXT); }
  }
  if (load<u32>(slot) == 0) tlbMarkCode(page << 12, false);
}

/** Drop every block (the arena is full, or the memory map changed under the cache). */
export function flushBlockCache(): void {
  const n = load<u32>(BLK_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const host = load<u32>(blockAddr(i), B_HOST);
    if (host != 0xFFFFFFFF) store<u32>(PAGE_BLOCKS + ((host >>> 12) << 2), 0);
  }
  memory.fill(BLOCK_HASH, 0, (<u32>1 << BLOCK_HASH_BITS) << 2);
  store<u32>(BLK_COUNT, 0);
  store<u32>(BLK_INSN_TOP, 0);
  jitFlush();
  store<u64>(CNT_CACHE_FLUSHES, load<u64>(CNT_CACHE_FLUSHES) + 1);
  bumpCodeEpoch();
  if (currentBlock != 0) requestStop();
  currentBlock = 0;
  tlbFlushAll(); // entries carry TLB_CODE bits for pages that no longer hold blocks
}

/** Start-up: an empty cache. */
export function blocksInit(): void {
  memory.fill(PAGE_BLOCKS, 0, 0x100000 << 2);
  memory.fill(BLOCK_HASH, 0, (<u32>1 << BLOCK_HASH_BITS) << 2);
  store<u32>(BLK_COUNT, 0);
  store<u32>(BLK_INSN_TOP, 0);
  currentBlock = 0;
}
