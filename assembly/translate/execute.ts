// The run loop: between blocks, take interrupts and check exits; then find (or translate) the block at CS:EIP
// and execute its decoded records. A block stops early when an instruction faults, modifies code of the
// running block, changes the mode, or asks for an exit (stopBlock).
import {
  EIP, EFLAGS, MODE_FLAGS, MODE_CS32, INSNS, INSN_SIZE, I_LEN, I_HANDLER, EXIT_REQUEST, EXIT_BUDGET, EXIT_HLT,
  EXIT_HLT_CLI, HALTED, INT_SHADOW, NMI_PENDING, NMI_MASKED, ICOUNT, CNT_BLOCK_HITS, CNT_UNCACHED_INSNS,
  TRACE_ENABLED, TRACE_RING, TRACE_ENTRIES, TRACE_POS, INTR_LINE, TLB, TLB_READ_MASK, DEBUG_PENDING,
  CNT_JIT_RUNS, CNT_JIT_INSNS, CNT_JIT_MEMBER_RUNS, BLOCK_INSN_LIMIT,
} from "../layout";
import { CS, F_IF, F_TF, F_RF, EX_DB, SHADOW_DEBUG, segBase, segLimit, segSel } from "../cpu/state";
import { faulted, stopBlock, clearFault, raiseGP } from "../cpu/fault";
import { entryForFetch, fetchByteSlow } from "../cpu/memory";
import { TLB_MMIO, TLB_VALID, TLB_FETCH_IGNORE } from "../cpu/paging";
import {
  codeBreakpoints, takeDebugTrap, instructionBreakpoint, instructionsBeforeBreakpoint, enterDebugHandler,
  noteSingleStep,
} from "../cpu/debug";
import { decode, decodedEndsBlock, NEED_MORE, MAX_INSN_LEN } from "../cpu/decoder";
import {
  deliverPendingException, deliverInterrupt, deliverNmi, INT_EXTERNAL, interrupt, INT_EXCEPTION, interruptDelivered,
  clearInterruptDelivered,
} from "../cpu/interrupts";
import { intrPending, intrAcknowledge } from "../bus/intc";
import {
  lookupBlock, reserveRecords, commitBlock, blockAddr, setCurrentBlock, B_COUNT, B_FIRST, B_BYTES, B_HOST,
  MAX_BLOCK_INSNS, codeEpoch, B_LINK_EPOCH, B_LINK0_EIP, B_LINK0_BLOCK, B_LINK1_EIP, B_LINK1_BLOCK, B_LINK_NEXT,
  B_EXECS,
} from "./blocks";
import { jitActive, jitCompile, jitTouch, jitTableIndex, jitUnfit, jitUnfitEntry, jitMemberEntry, heatOfRun, heatThreshold, B_JIT } from "../jit/cache";

// Scratch for instructions that are not cached (they cross a page or the CS limit, or run from MMIO)
const uncachedBytes = <u32>memory.data(32);
const uncachedRecord = <u32>memory.data(16);

/** Run at most `budget` instructions. Returns an EXIT_* reason. */
export function runCpu(budget: u32): i32 {
  let remaining = budget;
  while (true) {
    // a debug trap of the previous instruction (data/I/O breakpoint, single step, T bit) comes first
    // (SDM Vol. 3A 6.9, priority 4); MOV SS/POP SS hold it back for one instruction (17.3.1.4)
    if (load<u32>(DEBUG_PENDING) != 0 && (load<u32>(INT_SHADOW) & SHADOW_DEBUG) == 0) {
      const bits = takeDebugTrap();
      if (bits != 0) { raiseDebug(bits); continue; }
    }
    if (remaining == 0) return EXIT_BUDGET;
    let shadow: u32 = 0;
    if (attention()) {
      const req = load<i32>(EXIT_REQUEST);
      if (req != 0) { store<i32>(EXIT_REQUEST, 0); return req; }
      // interrupts are taken between instructions, except right after STI / MOV SS / POP SS
      shadow = load<u32>(INT_SHADOW);
      if (shadow != 0) {
        store<u32>(INT_SHADOW, 0); // exactly one more instruction, then interrupts are looked at again
      } else if (load<u32>(NMI_PENDING) != 0 && load<u32>(NMI_MASKED) == 0) {
        store<u32>(NMI_PENDING, 0);
        deliverNmi();
        continue;
      } else if ((load<u32>(EFLAGS) & F_IF) != 0 && intrPending()) {
        deliverInterrupt(intrAcknowledge(), INT_EXTERNAL);
        continue;
      }
      if (load<u32>(HALTED) != 0) return (load<u32>(EFLAGS) & F_IF) != 0 ? EXIT_HLT : EXIT_HLT_CLI;
    }

    // instruction breakpoints are faults, checked before the instruction unless EFLAGS.RF is set (or MOV SS
    // came just before, as in Bochs: SDM Vol. 3A 6.8.3 says such a breakpoint may be missed); RF is cleared
    // once that check is past (SDM Vol. 3B 17.3.1.1)
    const flags = load<u32>(EFLAGS);
    if ((flags & F_RF) != 0) store<u32>(EFLAGS, flags & ~F_RF);
    else if (codeBreakpoints && (shadow & SHADOW_DEBUG) == 0) {
      const bits = instructionBreakpoint();
      if (bits != 0) { raiseDebug(bits); continue; }
    }

    const tf = (flags & F_TF) != 0;
    const limit = tf || shadow != 0 ? 1 : remaining;
    if (tf) clearInterruptDelivered();
    const done = runBlocks(limit);
    remaining -= done;
    // single-step trap after an instruction that began with TF set, unless it faulted or delivered an
    // interrupt itself (INT n clears TF for the handler), or it was MOV SS/POP SS (SDM Vol. 3A 17.3.1.4): then
    // the trap follows the next instruction
    if (tf && done == 1 && !interruptDelivered && load<i32>(EXIT_REQUEST) == 0
        && (load<u32>(INT_SHADOW) & SHADOW_DEBUG) == 0) {
      noteSingleStep();
    }
  }
}

/** Deliver #DB reporting `bits` in DR6 (a trap, or an instruction-breakpoint fault: EIP is the one to push). */
function raiseDebug(bits: u32): void {
  store<u32>(INT_SHADOW, 0); // the handler runs first: an STI's shadow is over
  enterDebugHandler(bits);
  deliverTrap(EX_DB);
}

function deliverTrap(vector: i32): void {
  clearFault();
  interrupt(vector, INT_EXCEPTION, false, 0);
  if (faulted) deliverPendingException();
}

/** Are there events to look at between blocks (exit request, interrupt shadow, NMI, INTR, HLT)? */
// @ts-ignore: decorator
@inline function attention(): bool {
  return (load<u32>(EXIT_REQUEST) | load<u32>(INT_SHADOW) | load<u32>(NMI_PENDING) | load<u32>(HALTED) | load<u32>(INTR_LINE)) != 0;
}

/**
 * Execute instructions from CS:EIP, at most `limit`, following the links from block to block while nothing
 * else needs attention; returns how many instructions ran (ICOUNT is updated per block).
 */
function runBlocks(limit: u32): u32 {
  clearFault();
  let b = findBlock(load<u32>(EIP));
  if (b == 0) return slowStart();
  let done: u32 = 0;
  let hits: u64 = 0;
  let jitRuns: u64 = 0, jitInsns: u64 = 0, memberRuns: u64 = 0;
  // compiled blocks run straight from here (the common case once code is hot); tracing needs the records
  const jitOn = jitActive() && load<u32>(TRACE_ENABLED) == 0;
  while (true) {
    const d = blockAddr(b - 1);
    let s = load<u32>(d, B_JIT);
    // not a region's root: maybe a member of one, entered at its own code (jit/cache.ts B_JIT_ENTRY)
    let entry: u32 = 0;
    if (s == 0 && jitOn) { entry = jitMemberEntry(d); s = entry & 0x7FFF; }
    let ran: u32;
    if (s != 0 && jitOn && !codeBreakpoints && <u32>load<u16>(d, B_COUNT) <= limit - done) {
      setCurrentBlock(b);
      jitTouch(s);
      // a region may loop inside its function, but returns within JIT_PASS_MAX instructions: engines replace
      // baseline code by optimized code only for later calls (V8 has no on-stack replacement for wasm)
      const room = limit - done;
      // the function takes the root's EIP, and the member to start at in the limit's high half
      // (a member's EIP less its offset from the root: both lie in one page)
      const eip0 = entry == 0 ? load<u32>(EIP) : load<u32>(EIP) - (load<u32>(d, B_HOST) & 0xFFF) + (entry >>> 20);
      ran = call_indirect<u32>(jitTableIndex(s), eip0, (room < JIT_PASS_MAX ? room : JIT_PASS_MAX) | (((entry >>> 15) & 31) << 16));
      setCurrentBlock(0);
      if (ran == 0 && !faulted) { // compiled for flat segments that are not now: interpret
        if (entry != 0) jitUnfitEntry(d); else jitUnfit(d);
        continue;
      }
      jitRuns++;
      if (entry != 0) memberRuns++;
      jitInsns += ran;
      if (faulted) deliverPendingException(); // EIP is at the faulting instruction
    } else {
      let n = <u32>load<u16>(d, B_COUNT);
      if (n > limit - done) n = limit - done;
      if (codeBreakpoints) {
        // stop short of an instruction breakpoint inside the block (the limit ends the loop there; runCpu raises
        // it). runCpu has already looked at the first instruction of the first block.
        const m = instructionsBeforeBreakpoint(segBase(CS) + load<u32>(EIP), <u32>load<u16>(d, B_BYTES),
          INSNS + load<u32>(d, B_FIRST) * INSN_SIZE, n, done == 0 ? 1 : 0);
        if (m == 0) break;
        if (m < n) { n = m; limit = done + m; }
      }
      // a block may loop on itself in compiled code while within the limit, but not past an instruction breakpoint
      ran = runBlock(d, b, n, codeBreakpoints ? n : limit - done);
    }
    done += ran;
    // stop for the outer loop: a fault or exit, the budget (or a breakpoint ahead), events, or single-stepping
    // (POPF may set TF) or RF set by IRET or a task switch
    if (stopBlock || done >= limit || attention() || (load<u32>(EFLAGS) & (F_TF | F_RF)) != 0) break;
    // the next block: through this block's links, else a lookup that also records the link
    const eip = load<u32>(EIP);
    let next: u32 = 0;
    if (load<u32>(d, B_LINK_EPOCH) == codeEpoch) {
      if (load<u32>(d, B_LINK0_EIP) == eip) next = load<u32>(d, B_LINK0_BLOCK);
      else if (load<u32>(d, B_LINK1_EIP) == eip) next = load<u32>(d, B_LINK1_BLOCK);
    }
    if (next == 0) {
      const epoch = codeEpoch;
      next = findBlock(eip);
      if (next == 0) break; // the outer loop takes the slow path (fault, uncached instruction)
      if (codeEpoch == epoch) link(d, eip, next); // nothing moved under us (a translation can flush the cache)
    } else {
      hits++;
    }
    b = next;
  }
  store<u64>(CNT_BLOCK_HITS, load<u64>(CNT_BLOCK_HITS) + hits);
  store<u64>(CNT_JIT_RUNS, load<u64>(CNT_JIT_RUNS) + jitRuns);
  store<u64>(CNT_JIT_INSNS, load<u64>(CNT_JIT_INSNS) + jitInsns);
  store<u64>(CNT_JIT_MEMBER_RUNS, load<u64>(CNT_JIT_MEMBER_RUNS) + memberRuns);
  return done;
}

function link(d: u32, eip: u32, to: u32): void {
  if (load<u32>(d, B_LINK_EPOCH) != codeEpoch) {
    store<u32>(d, codeEpoch, B_LINK_EPOCH);
    store<u32>(d, 0xFFFFFFFF, B_LINK0_EIP);
    store<u32>(d, 0xFFFFFFFF, B_LINK1_EIP);
    store<u32>(d, 0, B_LINK_NEXT);
  }
  const slot = load<u32>(d, B_LINK_NEXT);
  store<u32>(d + slot * 8, eip, B_LINK0_EIP);
  store<u32>(d + slot * 8, to, B_LINK0_BLOCK);
  store<u32>(d, slot ^ 1, B_LINK_NEXT);
}

/**
 * The block for CS:`eip` when it can run from the cache: fetch allowed by the TLB, not MMIO, decodable, inside
 * the CS limit. Returns its index + 1, or 0 when the slow path (slowStart) must handle this EIP.
 */
function findBlock(eip: u32): u32 {
  const csLimit = segLimit(CS);
  if (eip > csLimit) return 0;
  const lin = segBase(CS) + eip;
  const e = load<i32>(TLB + ((lin >>> 12) << 2));
  if ((e & load<i32>(TLB_READ_MASK) & ~TLB_FETCH_IGNORE) != TLB_VALID || (e & TLB_MMIO) != 0) return 0;
  const host = <u32>(e & ~0xFFF) + lin;
  const cs32 = (load<i32>(MODE_FLAGS) & MODE_CS32) != 0;
  const key: u32 = cs32 ? 1 : 0;
  let b = lookupBlock(host, key);
  if (b == 0) {
    b = translate(host, eip, cs32, csLimit, key);
    if (b == 0) return 0;
  } else {
    store<u64>(CNT_BLOCK_HITS, load<u64>(CNT_BLOCK_HITS) + 1);
  }
  const d = blockAddr(b - 1);
  // a cached block may run past a CS limit that shrank since it was decoded
  if (<u64>eip + <u64>load<u16>(d, B_BYTES) - 1 > <u64>csLimit) return 0;
  return b;
}

/** The slow path for one instruction at CS:EIP: faults on fetch, TLB fills, MMIO or page-crossing code. */
function slowStart(): u32 {
  const eip = load<u32>(EIP);
  const cs32 = (load<i32>(MODE_FLAGS) & MODE_CS32) != 0;
  const csLimit = segLimit(CS);
  if (eip > csLimit) { raiseGP(0); deliverPendingException(); return countSlow(1); }
  const lin = segBase(CS) + eip;
  const e = entryForFetch(lin);
  if (faulted) { deliverPendingException(); return countSlow(1); }
  if ((e & TLB_MMIO) == 0) {
    // the TLB is filled now: if a block can run, run it (one block; the caller loops)
    const b = findBlock(eip);
    if (b != 0) {
      const d = blockAddr(b - 1);
      return runBlock(d, b, 1, 1);
    }
  }
  return countSlow(runUncached(lin, eip, cs32, csLimit, e));
}

// @ts-ignore: decorator
@inline function countSlow(n: u32): u32 { store<u64>(ICOUNT, load<u64>(ICOUNT) + <u64>n); return n; }

/**
 * Run the first `n` records of block `b` (descriptor `d`): compiled code when the block is hot (and whole), else
 * the records. `room`: how many instructions a compiled block may run by looping on itself. Returns how many
 * instructions ran; ICOUNT is updated.
 */
function runBlock(d: u32, b: u32, n: u32, room: u32): u32 {
  const eip = load<u32>(EIP);
  const cs32 = (load<i32>(MODE_FLAGS) & MODE_CS32) != 0;
  const first = load<u32>(d, B_FIRST);
  const start = INSNS + first * INSN_SIZE;
  let ran: u32;
  if (load<u32>(TRACE_ENABLED) != 0) {
    ran = execRecords(start, n, eip, cs32, b, true, load<u32>(d, B_HOST));
  } else {
    const count = <u32>load<u16>(d, B_COUNT);
    if (n == count && jitActive()) {
      let s = load<u32>(d, B_JIT);
      if (s == 0) {
        const execs = load<u32>(d, B_EXECS);
        if (execs != 0xFFFFFFFF) {
          const heat = <u64>execs + <u64>heatOfRun(count);
          if (heat >= heatThreshold()) s = jitCompile(d, b, cs32);
          else store<u32>(d, heat < 0xFFFFFFFF ? <u32>heat : 0xFFFFFFFE, B_EXECS); // (0xFFFFFFFF: never)
        }
      }
      if (s != 0) {
        const done = runCompiled(b, s, eip, room);
        if (done != 0 || faulted) return done;
        jitUnfit(d); // compiled for flat segments that are not now: interpret
      }
    }
    ran = execRecords(start, n, eip, cs32, b, false, 0);
  }
  store<u64>(ICOUNT, load<u64>(ICOUNT) + <u64>ran);
  return ran;
}

/** Most instructions one call of a compiled region runs (see runBlocks). */
const JIT_PASS_MAX: u32 = 8192;

/** Run block `b`'s compiled function (slot + 1 `s`) from `eip`; it updates ICOUNT itself (jit/compile.ts). */
function runCompiled(b: u32, s: u32, eip: u32, room: u32): u32 {
  setCurrentBlock(b);
  jitTouch(s);
  const done = call_indirect<u32>(jitTableIndex(s), eip, room < JIT_PASS_MAX ? room : JIT_PASS_MAX);
  setCurrentBlock(0);
  if (done == 0 && !faulted) return 0; // it ran nothing: the caller drops it (jitUnfit)
  store<u64>(CNT_JIT_RUNS, load<u64>(CNT_JIT_RUNS) + 1);
  store<u64>(CNT_JIT_INSNS, load<u64>(CNT_JIT_INSNS) + <u64>done);
  if (faulted) deliverPendingException(); // EIP is at the faulting instruction
  return done;
}

/**
 * The inner loop: EIP moves past each instruction before its handler runs (handlers see the next EIP); on a
 * fault it goes back to the faulting instruction and the exception is delivered. `traced` is a constant at
 * each call site, so the fast copy has no tracing code.
 */
// @ts-ignore: decorator
@inline function execRecords(start: u32, n: u32, eip: u32, cs32: bool, b: u32, traced: bool, host: u32): u32 {
  const end = start + n * INSN_SIZE;
  const ipMask: u32 = cs32 ? 0xFFFFFFFF : 0xFFFF;
  let p = start;
  let next = eip;
  let insnStart = eip;
  setCurrentBlock(b);
  while (p < end) {
    insnStart = next;
    const len = <u32>load<u8>(p, I_LEN);
    if (traced) traceRecord(insnStart, host + (insnStart - eip), len);
    next = (next + len) & ipMask;
    store<u32>(EIP, next);
    call_indirect<void>(<u32>load<u16>(p, I_HANDLER), p);
    p += INSN_SIZE;
    if (stopBlock) break;
  }
  setCurrentBlock(0);
  // a faulting instruction counts too: exceptions take time, and a guest stuck in a loop of faults must
  // still use up its budget
  const done = (p - start) / INSN_SIZE;
  if (faulted) {
    store<u32>(EIP, insnStart);
    deliverPendingException();
  }
  return done;
}

/** Decode a block at `host` (guest EIP `eip`); returns its index + 1, or 0 if its first instruction does not fit. */
function translate(host: u32, eip: u32, cs32: bool, csLimit: u32, key: u32): u32 {
  const pageLeft: u32 = 0x1000 - (host & 0xFFF);
  const limitLeft: u64 = <u64>csLimit - <u64>eip + 1;
  const avail: u32 = limitLeft < <u64>pageLeft ? <u32>limitLeft : pageLeft;
  const recs = reserveRecords();
  let off: u32 = 0, count: u32 = 0;
  const most = load<u32>(BLOCK_INSN_LIMIT);
  const max = most == 0 || most > MAX_BLOCK_INSNS ? MAX_BLOCK_INSNS : most;
  while (count < max && off < avail) {
    const len = decode(host + off, avail - off, cs32, recs + count * INSN_SIZE);
    if (len == NEED_MORE) break;
    count++;
    off += <u32>len;
    if (decodedEndsBlock) break;
  }
  if (count == 0) return 0;
  return commitBlock(host, key, count, off);
}

/**
 * Execute one instruction without caching it: it crosses into the next page (fetched only when needed, so a
 * not-present next page faults exactly when it should), runs into the CS limit (#GP), or runs from MMIO.
 */
function runUncached(lin: u32, eip: u32, cs32: bool, csLimit: u32, e: i32): u32 {
  store<u64>(CNT_UNCACHED_INSNS, load<u64>(CNT_UNCACHED_INSNS) + 1);
  const limitLeft: u64 = <u64>csLimit - <u64>eip + 1;
  const maxLen: u32 = limitLeft < <u64>MAX_INSN_LEN ? <u32>limitLeft : MAX_INSN_LEN;
  // bytes of the first page
  const pageLeft: u32 = 0x1000 - (lin & 0xFFF);
  let have: u32 = pageLeft < maxLen ? pageLeft : maxLen;
  for (let i: u32 = 0; i < have; i++) {
    store<u8>(uncachedBytes + i, <u8>fetchByteSlow(lin + i));
    if (faulted) { deliverPendingException(); return 1; }
  }
  let len = decode(uncachedBytes, have, cs32, uncachedRecord);
  if (len == NEED_MORE && have < maxLen) {
    for (let i = have; i < maxLen; i++) {
      store<u8>(uncachedBytes + i, <u8>fetchByteSlow(lin + i));
      if (faulted) { deliverPendingException(); return 1; }
    }
    have = maxLen;
    len = decode(uncachedBytes, have, cs32, uncachedRecord);
  }
  if (len == NEED_MORE) { raiseGP(0); deliverPendingException(); return 1; } // runs past the CS limit
  const ipMask: u32 = cs32 ? 0xFFFFFFFF : 0xFFFF;
  store<u32>(EIP, (eip + <u32>load<u8>(uncachedRecord, I_LEN)) & ipMask);
  if (load<u32>(TRACE_ENABLED) != 0) traceRecord(eip, uncachedBytes, <u32>len);
  call_indirect<void>(<u32>load<u16>(uncachedRecord, I_HANDLER), uncachedRecord);
  if (faulted) { store<u32>(EIP, eip); deliverPendingException(); }
  return 1;
}

/** Trace entry (32 bytes): u16 CS, u16 mode flags, u32 EIP, u8 length, 15 instruction bytes. */
function traceRecord(eip: u32, bytes: u32, len: u32): void {
  const pos = load<u32>(TRACE_POS);
  const t = TRACE_RING + (pos % TRACE_ENTRIES) * 32;
  store<u16>(t, <u16>segSel(CS));
  store<u16>(t + 2, <u16>load<i32>(MODE_FLAGS));
  store<u32>(t + 4, eip);
  const l: u32 = len > 15 ? 15 : len;
  store<u8>(t + 8, <u8>l);
  for (let i: u32 = 0; i < l; i++) store<u8>(t + 9 + i, load<u8>(bytes + i));
  store<u32>(TRACE_POS, pos + 1);
}

