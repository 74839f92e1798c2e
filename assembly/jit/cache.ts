// The JIT tier's policy and bookkeeping (DESIGN.md §3): when a block is compiled, where its function lives,
// and what is dropped when room runs out.
//
// - Tiering: a block is interpreted until its heat reaches the threshold, then compiled (threshold 0: at its
//   first run; 0xFFFFFFFF: never). Heat grows with the instructions each run executes (heatOfRun), so a long
//   block compiles after fewer runs than a short one. The host sets the threshold (jitSetThreshold export).
// - Installing: compileBlock writes a module into JIT_BUFFER; the host's jitInstall import compiles it and puts
//   its function into the core's function table at JIT_TABLE_BASE + slot. The same path serves Node and a
//   browser worker (synchronous compilation is allowed in workers).
// - Room: JIT_SLOT_COUNT slots. When all are taken, a clock hand evicts a block that has not run since the hand
//   last passed it (second chance), never the whole cache.
// - Cost: compiling spends a budget of emitted bytes that refills with guest instructions (JIT_BYTES_PER_KINSN
//   per thousand), so a guest that keeps making new code cannot spend its time compiling.
// - Validity: a compiled block lives exactly as long as its block: invalidation (self-modifying code, DMA) and
//   cache flushes drop it (translate/blocks.ts calls jitDropBlock / jitFlush). A region's code also runs the
//   other blocks of its page, so invalidating any block of a page drops the compiled code of all its blocks.
import {
  JIT_BUFFER, JIT_BUFFER_SIZE, JIT_SLOTS, JIT_SLOT_USED, JIT_SLOTS_MAX, JIT_THRESHOLD, JIT_TABLE_BASE,
  JIT_SLOT_COUNT, JIT_CLOCK_HAND, JIT_TOKENS, JIT_TOKENS_AT, ICOUNT, CNT_JIT_COMPILED, JIT_SLOT_SERIAL, JIT_SERIAL, BLK_COUNT,
  CNT_JIT_BYTES, CNT_JIT_EVICTIONS, CNT_JIT_FAILURES, CNT_JIT_UNFIT,
} from "../layout";
import { compileRegion, regionSize, regionMember, MAX_MEMBERS } from "./compile";
import { blockAddr, B_EXECS, B_HOST } from "../translate/blocks";
import { emitInit } from "./emit";

// @ts-ignore: decorator
@external("host", "jitInstall")
declare function hostJitInstall(buf: u32, len: u32, tableIndex: u32): i32;

// Block descriptor fields this file owns (translate/blocks.ts defines the rest)
export const B_JIT: u32 = 52; // slot + 1 of the block's compiled function, 0 = interpreted
/** A block that is a member (not the root) of a compiled region enters that region's function at its own code
 *  (jitMemberEntry), so code a region already holds does not wait to get hot as a root of its own: slot + 1
 *  (bits 0-14), member index (15-19), the root's offset in the page (20-31); 0 = none. Valid while
 *  B_JIT_SERIAL equals the slot's serial number (JIT_SLOT_SERIAL), which dropping or evicting the region clears. */
export const B_JIT_ENTRY: u32 = 56;
export const B_JIT_SERIAL: u32 = 60;

/** Default threshold: blocks that run this often are compiled (a 6-instruction block; longer ones sooner: heatOfRun).
 *  Measured on the direct Linux boot (host seconds to the prompt), when it counted runs: 200 runs 21.4 s, 1000
 *  15.4 s, 5000 11.8 s, 20000 10.9 s, 100000 11.7 s; the interpreter 31 s. With heat (2026-12-01): 10000 7.66 s,
 *  20000 7.25 s. */
export const JIT_DEFAULT_THRESHOLD: u32 = 20000;
/**
 * A block's heat (B_EXECS) grows by heatOfRun per interpreted run: its instructions, plus 2 for the dispatcher's
 * work between blocks. The threshold counts runs of a 6-instruction block, HEAT_UNIT each. Counting runs alone
 * left the unrolled rounds of the kernel's BLAKE2s (64-instruction blocks run 17,000 times) interpreted through
 * the whole Linux boot: 36 M instructions.
 */
export const HEAT_UNIT: u32 = 8;
// @ts-ignore: decorator
@inline export function heatOfRun(count: u32): u32 { return count + 2; }
/** The heat at which a block is compiled (u64: thresholds near 2^32 times HEAT_UNIT). */
// @ts-ignore: decorator
@inline export function heatThreshold(): u64 { return <u64>load<u32>(JIT_THRESHOLD) * <u64>HEAT_UNIT; }

/** Compile budget: bytes of wasm per thousand guest instructions, and the most that can be saved up. */
const JIT_BYTES_PER_KINSN: u64 = 64;
const JIT_TOKENS_MAX: i64 = 4 << 20;

/** Is the tier usable (the host made room in the table and did not switch it off)? */
// @ts-ignore: decorator
@inline export function jitActive(): bool {
  return load<u32>(JIT_SLOT_COUNT) != 0 && load<u32>(JIT_THRESHOLD) != 0xFFFFFFFF;
}

/** Host: `count` table entries from `tableBase` are the JIT's. */
export function jitInit(tableBase: u32, count: u32): void {
  if (MAX_MEMBERS > 32) unreachable(); // a member index has 5 bits (B_JIT_ENTRY, the region function's limit)
  emitInit();
  store<u32>(JIT_TABLE_BASE, tableBase);
  store<u32>(JIT_SLOT_COUNT, count < JIT_SLOTS_MAX ? count : JIT_SLOTS_MAX);
  store<u32>(JIT_THRESHOLD, JIT_DEFAULT_THRESHOLD);
  store<i64>(JIT_TOKENS, JIT_TOKENS_MAX);
  store<u64>(JIT_TOKENS_AT, load<u64>(ICOUNT));
  jitFlush();
}

export function jitSetThreshold(n: u32): void { store<u32>(JIT_THRESHOLD, n); }

/** Drop every compiled block (the block cache was flushed: their blocks are gone). */
export function jitFlush(): void {
  memory.fill(JIT_SLOTS, 0, JIT_SLOTS_MAX * 4);
  memory.fill(JIT_SLOT_USED, 0, JIT_SLOTS_MAX);
  memory.fill(JIT_SLOT_SERIAL, 0, JIT_SLOTS_MAX * 4);
  store<u32>(JIT_CLOCK_HAND, 0);
}

/** The block at descriptor `d` is being dropped: free its slot. */
// @ts-ignore: decorator
@inline export function jitDropBlock(d: u32): void {
  const s = load<u32>(d, B_JIT);
  if (s != 0) { freeSlotOf(s - 1); store<u32>(d, 0, B_JIT); }
}

/** Slot `s` no longer holds a region (nor do its members' entries reach it). */
// @ts-ignore: decorator
@inline function freeSlotOf(s: u32): void {
  store<u32>(JIT_SLOTS + (s << 2), 0);
  store<u32>(JIT_SLOT_SERIAL + (s << 2), 0);
}

/** Block `d`'s entry into a compiled region it is a member of (B_JIT_ENTRY), or 0 when it has none now. */
// @ts-ignore: decorator
@inline export function jitMemberEntry(d: u32): u32 {
  const e = load<u32>(d, B_JIT_ENTRY);
  if (e == 0 || load<u32>(JIT_SLOT_SERIAL + (((e & 0x7FFF) - 1) << 2)) != load<u32>(d, B_JIT_SERIAL)) return 0;
  return e;
}

/**
 * Block `d`'s compiled function refused to run (it assumes a segment flat that is not: jit/compile.ts): drop it.
 * The block is interpreted and compiled again, for the state then, once it is hot again.
 */
export function jitUnfit(d: u32): void {
  jitDropBlock(d);
  store<u32>(d, 0, B_EXECS);
  store<u64>(CNT_JIT_UNFIT, load<u64>(CNT_JIT_UNFIT) + 1);
}

/** The region block `d` is a member of refused to run from it (as jitUnfit): the block no longer enters it. */
export function jitUnfitEntry(d: u32): void {
  store<u32>(d, 0, B_JIT_ENTRY);
  store<u64>(CNT_JIT_UNFIT, load<u64>(CNT_JIT_UNFIT) + 1);
}

/** Function-table index of slot + 1 `s`. */
// @ts-ignore: decorator
@inline export function jitTableIndex(s: u32): u32 { return load<u32>(JIT_TABLE_BASE) + s - 1; }

/** Mark slot + 1 `s` as recently run (for the eviction clock). */
// @ts-ignore: decorator
@inline export function jitTouch(s: u32): void { store<u8>(JIT_SLOT_USED + s - 1, 1); }

/**
 * Compile the region rooted at block `b` (descriptor `d`, decoded as 32-bit code when `cs32`: jit/compile.ts);
 * returns its slot + 1, or 0 when it
 * stays interpreted for now (no budget) or for good (the module does not fit, the host failed).
 */
export function jitCompile(d: u32, b: u32, cs32: bool): u32 {
  // refill the budget with the instructions run since the last compile
  const now = load<u64>(ICOUNT);
  let tokens = load<i64>(JIT_TOKENS) + <i64>((now - load<u64>(JIT_TOKENS_AT)) * JIT_BYTES_PER_KINSN / 1000);
  if (tokens > JIT_TOKENS_MAX) tokens = JIT_TOKENS_MAX;
  store<u64>(JIT_TOKENS_AT, now);
  store<i64>(JIT_TOKENS, tokens);
  // threshold 0 ("force", the test suites) compiles every block regardless of the budget
  if (tokens <= 0 && load<u32>(JIT_THRESHOLD) != 0) return 0;

  const len = compileRegion(b, cs32, cs32 ? 1 : 0, JIT_BUFFER, JIT_BUFFER_SIZE);
  if (len == 0) { store<u32>(d, 0xFFFFFFFF, B_EXECS); return 0; } // too big: never again
  const slot = freeSlot();
  if (hostJitInstall(JIT_BUFFER, len, load<u32>(JIT_TABLE_BASE) + slot) == 0) {
    store<u64>(CNT_JIT_FAILURES, load<u64>(CNT_JIT_FAILURES) + 1);
    store<u32>(d, 0xFFFFFFFF, B_EXECS);
    return 0;
  }
  store<i64>(JIT_TOKENS, tokens - <i64>len);
  store<u32>(JIT_SLOTS + (slot << 2), b);
  store<u8>(JIT_SLOT_USED + slot, 1);
  store<u32>(d, slot + 1, B_JIT);
  // the other members enter it at their own code (a serial number per compile: 0 is never one)
  let serial = load<u32>(JIT_SERIAL) + 1;
  if (serial == 0) { serial = 1; forgetEntries(); } // the numbers come round again: no entry made before may count
  store<u32>(JIT_SERIAL, serial);
  store<u32>(JIT_SLOT_SERIAL + (slot << 2), serial);
  const n = regionSize();
  for (let k: u32 = 1; k < n; k++) {
    const md = blockAddr(regionMember(k) - 1);
    store<u32>(md, (slot + 1) | (k << 15) | ((load<u32>(d, B_HOST) & 0xFFF) << 20), B_JIT_ENTRY);
    store<u32>(md, serial, B_JIT_SERIAL);
  }
  store<u64>(CNT_JIT_COMPILED, load<u64>(CNT_JIT_COMPILED) + 1);
  store<u64>(CNT_JIT_BYTES, load<u64>(CNT_JIT_BYTES) + <u64>len);
  return slot + 1;
}

/** Every block's entry into a region is forgotten (the serial numbers wrapped: a block keeps an entry after its
 *  region is gone, and a later region could get the same slot and number). */
function forgetEntries(): void {
  const n = load<u32>(BLK_COUNT);
  for (let i: u32 = 0; i < n; i++) store<u32>(blockAddr(i), 0, B_JIT_ENTRY);
}

/** A free slot, evicting the first block the clock hand finds not run since its last pass. */
function freeSlot(): u32 {
  const n = load<u32>(JIT_SLOT_COUNT);
  let hand = load<u32>(JIT_CLOCK_HAND);
  while (true) {
    const s = hand;
    hand = hand + 1 == n ? 0 : hand + 1;
    const owner = load<u32>(JIT_SLOTS + (s << 2));
    if (owner == 0) { store<u32>(JIT_CLOCK_HAND, hand); return s; }
    if (load<u8>(JIT_SLOT_USED + s) != 0) { store<u8>(JIT_SLOT_USED + s, 0); continue; }
    // evict: the block goes back to the interpreter (and may be compiled again when it gets hot again)
    const d = blockAddr(owner - 1);
    store<u32>(d, 0, B_JIT);
    store<u32>(d, 0, B_EXECS);
    freeSlotOf(s);
    store<u64>(CNT_JIT_EVICTIONS, load<u64>(CNT_JIT_EVICTIONS) + 1);
    store<u32>(JIT_CLOCK_HAND, hand);
    return s;
  }
}
