// The JIT's compiler: one cached block (translate/blocks.ts) becomes one wasm function (DESIGN.md §3).
//
// The function takes (eip0, limit): the EIP the block starts at (blocks are keyed by host address, so the same
// code may run at several EIPs) and how many instructions it may execute, with the region member to start at in
// the limit's high half (regions: below). It returns how many it executed and
// adds them to ICOUNT itself. Guest state stays where the interpreter keeps it (registers, lazy flags, EIP in
// memory), so any instruction can be compiled as a call to its interpreter handler; the hot forms are emitted
// inline (jit/emit.ts). Semantics are the interpreter's (execRecords in translate/execute.ts):
//   - EIP is stored before a handler runs (handlers see the next EIP); inline code stores it only where it is
//     observed: before a handler, at a fault (the faulting instruction's EIP) and at the block's end;
//   - a handler that faults or stops the block (`stopBlock`) ends the function after that instruction, which
//     counts; a fault leaves EIP at the instruction for the caller to deliver the exception;
//   - inline memory accesses use the TLB fast path; anything else (segment limit, TLB miss, MMIO, page
//     crossing, code pages) runs the instruction's handler instead, so faults are exactly the interpreter's;
//   - lazy flags are stored only when a later instruction, an exception or the block's end can observe them.
// A block whose last instruction jumps back to its own start loops inside the function while the limit,
// pending events (the interpreter's attention()), TF/RF and the code epoch allow: the back edge is where
// interrupts and the budget are checked, as between blocks in the interpreter.
import {
  INSN_SIZE, INSNS, SEG_LIMIT, I_HANDLER, I_LEN, I_IMM, EIP, EFLAGS, ICOUNT, EXIT_REQUEST, INT_SHADOW, NMI_PENDING, HALTED,
  INTR_LINE, PAGE_BLOCKS, SEG_FLAT_MASK,
} from "../layout";
import { F_TF, F_RF, CS } from "../cpu/state";
import * as w from "./wasm";
import { moduleBegin, moduleEnd, G_STOP, G_EPOCH, G_BREAKPOINTS } from "./module";
import {
  jitWordOf, K_NONE, K_JCC, K_JMP, K_CALL, K_RET, K_JMP_E, decodedEnds, emitInline, inlineHandled, inlineCanFault, inlineReadsFlags, flagsKnownReset,
  emitHandlerCall, emitStoreEip, emitIcountSync, regsReset, regsSpill, emitPendingFlags, lazyProducer, producerKind, knownDecides, L_CHK, L_BASE, L_CSOK, L_OFF, importsReset, importHandler, importList, importCount, L_DONE, L_N, L_EPOCH, L_IDX, setDepth, flatReset, flatUsed,
  directJump, directJumpIsJcc, emitJumpCondition, emitJumpTakenExit, currentDepth, setMemberBlock,
} from "./emit";
import { x87Reset, x87Spill } from "./x87";
import { blockAddr, lookupBlock, B_COUNT, B_BYTES, B_FIRST, B_HOST, B_MODE, B_EXECS, B_PAGE_NEXT } from "../translate/blocks";
import { B_JIT, HEAT_UNIT, heatThreshold } from "./cache";
import { LF_INC, LF_DEC } from "../cpu/flags";

/** Region size (jit/compile.ts "regions" below) */
export const MAX_MEMBERS: u32 = 16;

/** Instructions the block can observe flags after (bit per instruction index; blocks have at most 64). */
let liveAfter: u64 = 0;

/** Arithmetic flags (CF PF AF ZF SF OF as bits 0-5 of JIT words) */
const ALL_FLAGS: u32 = 0x3F;

/**
 * Compute which instructions' flag results can be observed: by a later reader, by an exception (which pushes
 * EFLAGS) or by the code after the block (`liveOut`: what the member's successors in the region read before
 * they write it, else every flag). A handler call is assumed to read every flag. A Jcc right after a full
 * producer (ALU op or TEST) that it can decide from the producer's operands in locals reads nothing from
 * memory (its #GP path stores the record first). The last flag writer of the member is made live unless it is a
 * full producer, whose record the code leaving the member can still store (emit.ts lazyPending).
 */
function flagLiveness(recs: u32, count: u32, liveOut: u32): void {
  let live = liveOut;
  let lastWriter = true;
  liveAfter = 0;
  for (let i = <i32>count - 1; i >= 0; i--) {
    const p = recs + <u32>i * INSN_SIZE;
    const word = jitWordOf(<u32>load<u16>(p, I_HANDLER));
    const kind = word & 0xFF;
    const written = (word >> 23) & ALL_FLAGS;
    let keepsCF = false;
    if (written != 0 && lastWriter) {
      lastWriter = false;
      if (!lazyProducer(p, word)) live = ALL_FLAGS;
      // an INC/DEC keeps CF from the record before it, whether it stores its record now or the code leaving the
      // member does: CF must be in memory before it even when no member after it reads CF (code outside the
      // region may)
      else keepsCF = producerKind == <i32>LF_INC || producerKind == <i32>LF_DEC;
    }
    if ((live & written) != 0) liveAfter |= <u64>1 << <u64>i;
    if (kind == K_NONE || !inlineHandled(p, word)) {
      live = ALL_FLAGS;
    } else if (kind == K_JCC && i > 0 && jccFromLocals(recs + <u32>(i - 1) * INSN_SIZE, word)) {
      // decided from locals
    } else {
      live = (live & ~written) | ((word >> 17) & ALL_FLAGS);
      if (inlineReadsFlags(word)) live = ALL_FLAGS;
      if (inlineCanFault(p, word)) live = ALL_FLAGS;
    }
    if (keepsCF) live |= CF_FLAG;
  }
}
const CF_FLAG: u32 = 1; // CF in JIT words' flag bits

/** Is the Jcc with JIT word `jcc` decided from the locals of the producer at record `prev`? */
function jccFromLocals(prev: u32, jcc: u32): bool {
  const pw = jitWordOf(<u32>load<u16>(prev, I_HANDLER));
  return lazyProducer(prev, pw) && knownDecides(producerKind, (jcc >> 13) & 15);
}

/** The flags member `d` may read (or an exception in it may observe) before writing them. */
function flagsLiveIn(d: u32): u32 {
  const recs = INSNS + load<u32>(d, B_FIRST) * INSN_SIZE;
  const count = <u32>load<u16>(d, B_COUNT);
  let written: u32 = 0, liveIn: u32 = 0;
  for (let i: u32 = 0; i < count && written != ALL_FLAGS; i++) {
    const p = recs + i * INSN_SIZE;
    const word = jitWordOf(<u32>load<u16>(p, I_HANDLER));
    let reads: u32 = ALL_FLAGS;
    if ((word & 0xFF) != K_NONE && inlineHandled(p, word) && !inlineReadsFlags(word) && !inlineCanFault(p, word)) {
      reads = (word >> 17) & ALL_FLAGS;
    }
    liveIn |= reads & ~written;
    written |= (word >> 23) & ALL_FLAGS;
  }
  return liveIn | (ALL_FLAGS & ~written); // what it leaves alone flows on to code after it
}
const memberLiveIn = <u32>memory.data(MAX_MEMBERS * 4);

// ---- regions ------------------------------------------------------------------------------------------------
// A region is the hot block (its root) plus the cached blocks of the same host page it can reach by direct
// jumps and fall-through, found breadth-first, at most MAX_MEMBERS blocks and MAX_REGION_INSNS instructions.
// (Measured with cpubench on V8: regions of 16 blocks ran the recursion kernel 6% faster than 32 and twice as
// fast as 64, or than adding every block of the page; larger functions come out slower.) Control passes between them inside the function (a br_table on
// the member index), so loops that span several blocks run without returning to the dispatcher. The function
// is entered at the root, or at another member when the dispatcher runs that member's block (jit/cache.ts
// B_JIT_ENTRY: eip0 is then that block's EIP less its offset from the root). Measured on the direct Linux boot
// (3 runs each, alternated): entering at members, not only roots, 7.64 -> 6.98 s to the prompt, 535 -> 330
// regions and 6.0 -> 3.1 MB of wasm, as code a region holds no longer waits, interpreted, to get hot as a root of
// its own; giving a member entered this often a region of its own after all was slower (decompressor phase
// 3.50 -> 3.66 s). Every transfer makes the checks the dispatcher makes between blocks.
// A region's code depends on every block of its page: invalidating any block of a page drops the compiled code
// of all blocks there (translate/blocks.ts).
const MAX_REGION_INSNS: u32 = 400;
const memberBlock = <u32>memory.data(MAX_MEMBERS * 4); // block index + 1
const memberDelta = <u32>memory.data(MAX_MEMBERS * 4); // host address - the root's host address

function memberOf(b: u32, n: u32): i32 {
  for (let k: u32 = 0; k < n; k++) if (load<u32>(memberBlock + (k << 2)) == b) return <i32>k;
  return -1;
}

/** Offsets (from the block's start, negative backwards) of the places control can go after block `d`: up to 2,
 *  NONE = none known. */
const NONE: i32 = 0x7FFFFFFF;
let succA: i32 = NONE;
let succB: i32 = NONE;
/** After a CALL: its return address (a likely later entry by RET, for collecting regions only) */
let succRet: i32 = NONE;
/** The block ends in a handler that may jump anywhere (an indirect JMP or CALL, a far transfer, an interrupt) */
let succAnywhere = false;
function successors(d: u32): void {
  succA = NONE; succB = NONE; succRet = NONE; succAnywhere = false;
  const count = <u32>load<u16>(d, B_COUNT);
  const bytes = <u32>load<u16>(d, B_BYTES);
  const last = INSNS + (load<u32>(d, B_FIRST) + count - 1) * INSN_SIZE;
  const word = jitWordOf(<u32>load<u16>(last, I_HANDLER));
  const kind = word & 0xFF;
  if (!inlineHandled(last, word)) {
    // a block cut by its length limit or the page end falls through; other handler calls end it anywhere
    if (!decodedEnds(last)) succA = <i32>bytes;
    else succAnywhere = true;
    return;
  }
  if (kind == K_JMP_E) { succAnywhere = true; return; } // an indirect jump (a switch): its cases may join
  if (kind == K_JCC) { succA = <i32>(bytes + load<u32>(last, I_IMM)); succB = <i32>bytes; }
  else if (kind == K_JMP || kind == K_CALL) {
    succA = <i32>(bytes + load<u32>(last, I_IMM));
    if (kind == K_CALL) succRet = <i32>bytes;
  }
  else if (kind != K_RET) succA = <i32>bytes;
}

/** Collect the region of root block `root` (index + 1) into memberBlock/memberDelta; returns the member count.
 *  Best-first over direct jumps, fall-through and the return addresses of CALLs: of the blocks the members reach,
 *  the one that has run most often joins next, so a region holds its hot paths before the cold ones (measured
 *  on the recursion kernel: breadth-first regions of 16 members missed the hot targets of branches and left
 *  the region every 30 instructions). When a member may go anywhere by an indirect jump, the page's other hot
 *  blocks join too (switch cases). */
function collectRegion(root: u32, key: u32): u32 {
  const rootHost = load<u32>(blockAddr(root - 1), B_HOST);
  const page = rootHost & ~<u32>0xFFF;
  store<u32>(memberBlock, root);
  store<u32>(memberDelta, 0);
  regionCount = 1;
  regionInsns = <u32>load<u16>(blockAddr(root - 1), B_COUNT);
  frontierCount = 0;
  let indirect = false;
  let k: u32 = 0;
  for (;;) {
    // the successors of the members added since last time join the frontier
    for (; k < regionCount; k++) {
      const d = blockAddr(load<u32>(memberBlock + (k << 2)) - 1);
      const base = load<u32>(memberDelta + (k << 2));
      successors(d);
      if (succAnywhere) indirect = true;
      for (let j = 0; j < 3; j++) {
        const s = j == 0 ? succA : j == 1 ? succB : succRet;
        if (s == NONE) continue;
        const host = rootHost + base + <u32>s;
        if ((host & ~<u32>0xFFF) != page) continue;
        const b = lookupBlock(host, key);
        if (b == 0 || memberOf(b, regionCount) >= 0 || frontierOf(b) >= 0) continue;
        if (j == 2 && !isHot(b, 2)) continue; // a return site joins only once it runs often
        if (frontierCount == MAX_FRONTIER) continue;
        store<u32>(frontierBlock + (frontierCount << 2), b);
        store<u32>(frontierDelta + (frontierCount << 2), host - rootHost);
        frontierCount++;
      }
    }
    if (frontierCount == 0) break;
    // the hottest of the frontier
    let best: u32 = 0, bestScore: u64 = 0;
    for (let f: u32 = 0; f < frontierCount; f++) {
      const sc = heat(load<u32>(frontierBlock + (f << 2)));
      if (sc > bestScore || f == 0) { best = f; bestScore = sc; }
    }
    const b = load<u32>(frontierBlock + (best << 2)), delta = load<u32>(frontierDelta + (best << 2));
    frontierCount--;
    store<u32>(frontierBlock + (best << 2), load<u32>(frontierBlock + (frontierCount << 2)));
    store<u32>(frontierDelta + (best << 2), load<u32>(frontierDelta + (frontierCount << 2)));
    if (!addMember(b, delta)) return regionCount;
  }
  if (!indirect) return regionCount;
  let b = load<u32>(PAGE_BLOCKS + ((page >>> 12) << 2));
  while (b != 0) {
    const d = blockAddr(b - 1);
    if (load<u32>(d, B_MODE) == key && isHot(b, 5)) {
      if (!addMember(b, load<u32>(d, B_HOST) - rootHost)) return regionCount;
    }
    b = load<u32>(d, B_PAGE_NEXT);
  }
  return regionCount;
}
const MAX_FRONTIER: u32 = 64;
const frontierBlock = <u32>memory.data(MAX_FRONTIER * 4);
const frontierDelta = <u32>memory.data(MAX_FRONTIER * 4);
let frontierCount: u32 = 0;
function frontierOf(b: u32): i32 {
  for (let f: u32 = 0; f < frontierCount; f++) if (load<u32>(frontierBlock + (f << 2)) == b) return <i32>f;
  return -1;
}
/** How much block `b` (index + 1) has run, as far as the block cache knows: its heat towards the threshold
 *  (jit/cache.ts heatOfRun), or the threshold when it is compiled (its heat stopped there). */
function heat(b: u32): u64 {
  const d = blockAddr(b - 1);
  const e = load<u32>(d, B_EXECS);
  if (load<u32>(d, B_JIT) != 0) return heatThreshold();
  return e == 0xFFFFFFFF ? 0 : <u64>e;
}

/** Has block `b` (index + 1) run often enough to join a region it is not a direct successor in: compiled, or
 *  heat of the threshold >> `shift` (return sites: a quarter; the targets of an indirect jump, such as switch
 *  cases, each run a fraction of their dispatcher's count: 1/32), and at least 16 runs' worth. Letting every
 *  such block join made the Linux boot compile 2.7 times the wasm bytes, and take longer. */
function isHot(b: u32, shift: u32): bool {
  const d = blockAddr(b - 1);
  const t = heatThreshold() >> shift, least = <u64>(16 * HEAT_UNIT);
  return load<u32>(d, B_JIT) != 0 || <u64>load<u32>(d, B_EXECS) >= (t > least ? t : least);
}
let regionCount: u32 = 0;
let regionInsns: u32 = 0;
/** The region compileRegion last collected: its members (block index + 1; member 0 is the root; jit/cache.ts
 *  records the members' entries). */
export function regionSize(): u32 { return regionCount; }
export function regionMember(k: u32): u32 { return load<u32>(memberBlock + (k << 2)); }

/** Add block `b` (index + 1, 0: none) at `delta` from the root unless it is a member; false when full. */
function addMember(b: u32, delta: u32): bool {
  if (b == 0 || memberOf(b, regionCount) >= 0) return true;
  const c = <u32>load<u16>(blockAddr(b - 1), B_COUNT);
  if (regionCount == MAX_MEMBERS || regionInsns + c > MAX_REGION_INSNS) return false;
  store<u32>(memberBlock + (regionCount << 2), b);
  store<u32>(memberDelta + (regionCount << 2), delta);
  regionInsns += c;
  regionCount++;
  return true;
}

/** Member indices sorted by their offset from the root (for the search after indirect transfers). */
const sortedMembers = <u32>memory.data(MAX_MEMBERS * 4);
function sortMembers(n: u32): void {
  for (let k: u32 = 0; k < n; k++) store<u32>(sortedMembers + (k << 2), k);
  for (let k: u32 = 1; k < n; k++) { // insertion sort, n <= MAX_MEMBERS
    const x = load<u32>(sortedMembers + (k << 2));
    const dx = <i32>load<u32>(memberDelta + (x << 2));
    let j = <i32>k - 1;
    while (j >= 0 && <i32>load<u32>(memberDelta + (load<u32>(sortedMembers + (<u32>j << 2)) << 2)) > dx) {
      store<u32>(sortedMembers + (<u32>(j + 1) << 2), load<u32>(sortedMembers + (<u32>j << 2)));
      j--;
    }
    store<u32>(sortedMembers + (<u32>(j + 1) << 2), x);
  }
}
// @ts-ignore: decorator
@inline function deltaOf(k: u32): i32 { return <i32>load<u32>(memberDelta + (k << 2)); }

/**
 * Emit the module for the region rooted at block `root` (index + 1, decoded with 32-bit code when `cs32`, mode
 * key `key`) into [buf, buf+size). Returns the module's length, or 0 if it did not fit.
 */
export function compileRegion(root: u32, cs32: bool, key: u32, buf: u32, size: u32): u32 {
  const n = collectRegion(root, key);
  sortMembers(n);
  // every instruction may run its handler (directly or on a slow path): import them all, once each
  importsReset();
  for (let k: u32 = 0; k < n; k++) {
    const d = blockAddr(load<u32>(memberBlock + (k << 2)) - 1);
    const recs = INSNS + load<u32>(d, B_FIRST) * INSN_SIZE;
    const count = <u32>load<u16>(d, B_COUNT);
    for (let i: u32 = 0; i < count; i++) importHandler(<u32>load<u16>(recs + i * INSN_SIZE, I_HANDLER));
  }
  const ipMask: u32 = cs32 ? 0xFFFFFFFF : 0xFFFF;
  for (let k: u32 = 0; k < n; k++) store<u32>(memberLiveIn + (k << 2), flagsLiveIn(blockAddr(load<u32>(memberBlock + (k << 2)) - 1)));
  // twice: segments flat now may be assumed flat (no limit check, no base); the first emission finds which the
  // inline accesses rely on, and the function's entry checks those
  const flatNow = load<u32>(SEG_FLAT_MASK);
  flatReset(flatNow);
  flatGuard = flatNow;
  if (!emitModule(root, n, ipMask, buf, size)) return 0;
  flatGuard = flatUsed;
  flatReset(flatNow);
  if (!emitModule(root, n, ipMask, buf, size)) return 0;
  return w.wasmPos() - buf;
}

/** The segments the region assumes flat: if any is not when the function is called, it returns 0 having run
 *  nothing, and the dispatcher drops it (translate/execute.ts). */
let flatGuard: u32 = 0;

function emitModule(root: u32, n: u32, ipMask: u32, buf: u32, size: u32): bool {
  w.wasmBegin(buf, size);
  moduleBegin(importList, importCount);
  if (flatGuard != 0) {
    w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_FLAT_MASK); w.i32c(flatGuard); w.op(w.OP_I32_AND);
    w.i32c(flatGuard); w.op(w.OP_I32_NE);
    w.ifVoid(); w.i32c(0); w.op(w.OP_RETURN); w.end_();
  }

  // the member to start at (0: the root; another member entered through its block's B_JIT_ENTRY, with eip0 its
  // own EIP less its offset) is the limit's high half
  w.get(1); w.i32c(16); w.op(w.OP_I32_SHR_U); w.set(L_IDX);
  w.get(1); w.i32c(0xFFFF); w.op(w.OP_I32_AND); w.set(1);
  w.gget(G_EPOCH); w.set(L_EPOCH);
  w.i32c(0); w.memOp(w.OP_I64_LOAD, 3, ICOUNT); w.set(L_BASE);
  // the whole page holds EIPs eip0 - rootOffset .. + 0xFFF: inside the CS limit, no transfer checks it again
  const rootOffset = load<u32>(blockAddr(root - 1), B_HOST) & 0xFFF;
  w.get(0); w.op(w.OP_I64_EXTEND_I32_U); w.i64c(<i64>0xFFF - <i64>rootOffset); w.op(w.OP_I64_ADD);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_LIMIT + (<u32>CS << 2)); w.op(w.OP_I64_EXTEND_I32_U);
  w.op(w.OP_I64_LE_U);
  // forward passes do not check the limit (emitPass): the region's instructions must all fit in it
  w.get(1); w.i32c(chainFrom(0)); w.op(w.OP_I32_GE_U); w.op(w.OP_I32_AND);
  w.tee(L_CSOK);
  w.op(w.OP_I32_EQZ); w.set(L_CHK); // not ok: every pass takes the checks' path, where it fails
  w.loopVoid(); // $dispatch: run member L_IDX
  w.blockVoid(); // $exit: L_N holds the instructions of the current member's pass; memory holds the registers
  for (let k: u32 = 0; k < n; k++) w.blockVoid(); // $m(n-1) .. $m0
  w.get(L_IDX);
  w.op(w.OP_BR_TABLE); w.u32leb(n); for (let k: u32 = 0; k < n; k++) w.u32leb(k); w.u32leb(0);
  for (let k: u32 = 0; k < n; k++) {
    w.end_(); // $mk: member k's code follows, inside $m(k+1) .. $m(n-1), $exit, $dispatch
    const d = blockAddr(load<u32>(memberBlock + (k << 2)) - 1);
    w.loopVoid(); // $self: the member again (a transfer to itself)
    setDepth(n - k - 1); // (a branch to depth + 1 reaches $exit)
    emitMember(d, k, load<u32>(memberDelta + (k << 2)), ipMask, n);
    w.end_(); // $self
    w.br(n - 1 - k); // to $exit
  }
  w.end_(); // $exit
  // ICOUNT = L_BASE + L_DONE + L_N; return L_DONE + L_N
  emitIcountSync(true);
  w.get(L_DONE); w.get(L_N); w.op(w.OP_I32_ADD);
  w.op(w.OP_RETURN);
  w.end_(); // $dispatch
  w.op(w.OP_UNREACHABLE);
  moduleEnd();
  return !w.overflow;
}

/** One member's instructions (EIP = eip0 + `delta` + offset), then the transfers to its successors. */
function emitMember(d: u32, k: u32, delta: u32, ipMask: u32, n: u32): void {
  setMemberBlock(load<u32>(memberBlock + (k << 2)));
  const recs = INSNS + load<u32>(d, B_FIRST) * INSN_SIZE;
  const count = <u32>load<u16>(d, B_COUNT);
  // what the members this one can pass to read first (anything when it may go anywhere)
  successors(d);
  let liveOut: u32 = ALL_FLAGS;
  if (succA != NONE || succB != NONE) {
    liveOut = 0;
    for (let j: u32 = 0; j < n; j++) if (passesTo(j, delta)) liveOut |= load<u32>(memberLiveIn + (j << 2));
  }
  flagLiveness(recs, count, liveOut);
  flagsKnownReset();
  regsReset();
  x87Reset();
  let off: u32 = delta;
  let lastStoresEip = false;
  for (let i: u32 = 0; i < count; i++) {
    const p = recs + i * INSN_SIZE;
    const len = <u32>load<u8>(p, I_LEN);
    const next = off + len;
    const word = jitWordOf(<u32>load<u16>(p, I_HANDLER));
    const kind = word & 0xFF;
    if (i == count - 1 && directJump(p, word, ipMask)) {
      // the member's jump goes straight to the member it reaches (no EIP through memory, no search)
      x87Spill();
      regsSpill();
      w.i32c(count); w.set(L_N);
      emitDirectJump(p, word, i, off, next, ipMask, count, k, n);
      emitPendingFlags(); // leaving the region
      return;
    }
    const flagsLive = (liveAfter & (<u64>1 << <u64>i)) != 0;
    if (inlineHandled(p, word) && emitInline(p, word, i, off, next, ipMask, flagsLive)) {
      lastStoresEip = kind == K_JCC || kind == K_JMP || kind == K_CALL || kind == K_RET || kind == K_JMP_E;
    } else {
      emitHandlerCall(p, i, off, next, ipMask, false);
      lastStoresEip = true;
    }
    off = next;
  }
  if (!lastStoresEip) emitStoreEip(off, ipMask);
  x87Spill(); // the next member (or the dispatcher) finds the x87 state in memory
  regsSpill(); // the next member (or the dispatcher) finds the registers in memory
  w.i32c(count); w.set(L_N);
  // transfers: to each member this block can reach directly; after a handler call that may have jumped
  // anywhere (RET, indirect jumps), to any member (succA/succB: successors(d) at the top)
  if (succA == NONE && succB == NONE) {
    // EIP - eip0 searched among the members' offsets (a binary tree of compares)
    w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EIP); w.get(0); w.op(w.OP_I32_SUB); w.set(L_OFF);
    emitSearch(0, n, count, 0, k);
    return;
  }
  for (let j: u32 = 0; j < n; j++) if (passesTo(j, delta)) emitTransfer(j, <u32>deltaOf(j), count, 0, k);
  emitPendingFlags(); // leaving the region
}

/**
 * The member's last instruction, a Jcc or JMP rel at offset `off` (the next instruction at `next`), deciding the
 * transfer itself: each way it goes, to that member if the region has it and the checks of emitTransfer allow,
 * else out of the region with EIP stored (the taken way raises #GP past the CS limit, as emitJump does).
 */
function emitDirectJump(p: u32, word: u32, i: u32, off: u32, next: u32, ipMask: u32, count: u32, k: u32, n: u32): void {
  const base = currentDepth();
  const taken = next + load<u32>(p, I_IMM);
  if (directJumpIsJcc(word)) {
    emitJumpCondition(word);
    w.ifVoid(); setDepth(base + 1);
    const jt = memberAt(taken, n);
    if (jt != NONE) emitPass(<u32>jt, count, k, base, 1);
    emitJumpTakenExit(p, word, i, off, next, ipMask);
    w.op(w.OP_ELSE);
    const jn = memberAt(next, n);
    if (jn != NONE) emitPass(<u32>jn, count, k, base, 1);
    emitStoreEip(next, ipMask);
    w.end_(); setDepth(base);
  } else {
    const jt = memberAt(taken, n);
    if (jt != NONE) emitPass(<u32>jt, count, k, base, 0);
    emitJumpTakenExit(p, word, i, off, next, ipMask);
  }
}

/** The member whose block starts at offset `target` from eip0, or NONE. */
function memberAt(target: u32, n: u32): i32 {
  for (let j: u32 = 0; j < n; j++) if (<u32>deltaOf(j) == target) return <i32>j;
  return NONE;
}

/**
 * Member k (`count` instructions) passes to member j, from code `nest` labels inside member k's (whose label
 * depth is `base`), if the dispatcher would run the next block now: the limit allows it, member j lies inside
 * the CS limit (as findBlock checks: the whole page does, L_CSOK), and, after a handler ran (L_CHK),
 * emitEventsClear. Nothing else changes what those look at while the function runs: the dispatcher checked them
 * before it. Then count this member's pass and continue with member j.
 * The limit: members pass forward in index order, so from member j on at most chainFrom(j) instructions run
 * before a pass backward (or to itself). The function runs only when the whole region fits in its limit (else
 * L_CSOK is clear); a pass backward checks that L_DONE + count + chainFrom(j) fits; a pass forward then needs no
 * check (the code between such passes is one forward chain). L_CSOK clear sets L_CHK, so that every pass takes
 * the checks' path, which then fails.
 */
function emitPass(j: u32, count: u32, k: u32, base: u32, nest: u32): void {
  const backward = j <= k;
  if (backward) {
    w.get(L_DONE); w.i32c(count + chainFrom(j)); w.op(w.OP_I32_ADD); w.get(1); w.op(w.OP_I32_LE_U);
    w.ifVoid();
    nest++;
  }
  w.get(L_CHK);
  w.ifI32();
  emitEventsClear(); w.get(L_CSOK); w.op(w.OP_I32_AND);
  w.op(w.OP_ELSE);
  w.i32c(1);
  w.end_();
  w.ifVoid();
  w.i32c(0); w.set(L_CHK);
  w.get(L_DONE); w.i32c(count); w.op(w.OP_I32_ADD); w.set(L_DONE);
  // (the running block, `currentBlock`, is set before each handler call: only handlers look at it)
  // out of the checks' `if` and `nest` labels: to member k's $self loop, forward to the end of $mj (where member
  // j's code starts), or back through the dispatch loop
  if (j == k) w.br(nest + 1);
  else if (j > k) w.br(nest + 1 + j - k);
  else { w.i32c(j); w.set(L_IDX); w.br(base + 2 + nest + 1); } // base + 1 is $exit, base + 2 $dispatch
  w.end_();
  if (backward) w.end_();
}

/** Instructions of members j .. n-1 (an upper bound of any forward chain from member j). */
function chainFrom(j: u32): u32 {
  let sum: u32 = 0;
  for (let m = j; m < regionCount; m++) sum += <u32>load<u16>(blockAddr(load<u32>(memberBlock + (m << 2)) - 1), B_COUNT);
  return sum;
}

/** Is member j a direct successor (succA/succB) of the member at `delta`? */
function passesTo(j: u32, delta: u32): bool {
  const target = <u32>deltaOf(j);
  return <u32>(succA + <i32>delta) == target || (succB != NONE && <u32>(succB + <i32>delta) == target);
}

/** Transfers to the sorted members [lo, hi) by L_OFF, `extra` labels deep inside the member's code. */
function emitSearch(lo: u32, hi: u32, count: u32, extra: u32, k: u32): void {
  if (hi - lo <= 3) {
    for (let x = lo; x < hi; x++) {
      const j = load<u32>(sortedMembers + (x << 2));
      emitTransfer(j, <u32>deltaOf(j), count, extra, k);
    }
    return;
  }
  const mid = (lo + hi) >> 1;
  w.get(L_OFF); w.i32c(<u32>deltaOf(load<u32>(sortedMembers + (mid << 2)))); w.op(w.OP_I32_LT_S);
  w.ifVoid();
  emitSearch(lo, mid, count, extra + 1, k);
  w.op(w.OP_ELSE);
  emitSearch(mid, hi, count, extra + 1, k);
  w.end_();
}

/** 1 if the dispatcher would run the next block now: no events (attention()), TF/RF clear, stopBlock clear,
 *  no code breakpoints, the same code epoch. */
function emitEventsClear(): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EXIT_REQUEST);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, INT_SHADOW); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, NMI_PENDING); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, HALTED); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, INTR_LINE); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(F_TF | F_RF); w.op(w.OP_I32_AND); w.op(w.OP_I32_OR);
  w.gget(G_STOP); w.op(w.OP_I32_OR);
  w.gget(G_BREAKPOINTS); w.op(w.OP_I32_OR);
  w.op(w.OP_I32_EQZ);
  w.gget(G_EPOCH); w.get(L_EPOCH); w.op(w.OP_I32_EQ); w.op(w.OP_I32_AND);
}

/** If EIP is member `j`'s start (eip0 + `target`), pass to it (emitPass) from `extra` labels inside member k's code. */
function emitTransfer(j: u32, target: u32, count: u32, extra: u32, k: u32): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EIP); w.get(0); if (target != 0) { w.i32c(target); w.op(w.OP_I32_ADD); }
  w.op(w.OP_I32_EQ);
  w.ifVoid();
  emitPass(j, count, k, currentDepth(), extra + 1);
  w.end_();
}

