// The JIT's compiler: one cached block (translate/blocks.ts) becomes one wasm function (DESIGN.md §3).
//
// The function takes (eip0, limit): the EIP the block starts at (blocks are keyed by host address, so the same
// code may run at several EIPs) and how many instructions it may execute. It returns how many it executed and
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
  INSN_SIZE, I_HANDLER, I_LEN, I_IMM, EIP, EFLAGS, ICOUNT, EXIT_REQUEST, INT_SHADOW, NMI_PENDING, HALTED,
  INTR_LINE,
} from "../layout";
import { F_TF, F_RF } from "../cpu/state";
import * as w from "./wasm";
import { moduleBegin, moduleEnd, G_STOP, G_EPOCH } from "./module";
import {
  jitWordOf, K_NONE, K_JCC, K_JMP, K_CALL, K_RET, emitInline, inlineHandled, inlineCanFault, inlineReadsFlags, flagsKnownReset,
  emitHandlerCall, emitStoreEip, L_DONE, L_N, L_EPOCH, resetDepth,
} from "./emit";

/** Instructions the block can observe flags after (bit per instruction index; blocks have at most 64). */
let liveAfter: u64 = 0;

/** Arithmetic flags (CF PF AF ZF SF OF as bits 0-5 of JIT words) */
const ALL_FLAGS: u32 = 0x3F;

/**
 * Compute which instructions' flag results can be observed: by a later reader, by an exception (which pushes
 * EFLAGS) or by the code after the block. A handler call is assumed to read every flag.
 */
function flagLiveness(recs: u32, count: u32): void {
  let live = ALL_FLAGS;
  liveAfter = 0;
  for (let i = <i32>count - 1; i >= 0; i--) {
    const p = recs + <u32>i * INSN_SIZE;
    const word = jitWordOf(<u32>load<u16>(p, I_HANDLER));
    const kind = word & 0xFF;
    const written = (word >> 23) & ALL_FLAGS;
    if ((live & written) != 0) liveAfter |= <u64>1 << <u64>i;
    if (kind == K_NONE || !inlineHandled(p, word)) {
      live = ALL_FLAGS;
    } else {
      live = (live & ~written) | ((word >> 17) & ALL_FLAGS);
      if (inlineReadsFlags(word)) live = ALL_FLAGS;
      if (inlineCanFault(p, word)) live = ALL_FLAGS;
    }
  }
}

/**
 * Emit the module for `count` records at `recs` (decoded with 32-bit code when `cs32`), `bytes` long, into
 * [buf, buf+size). Returns the module's length, or 0 if it did not fit.
 */
export function compileBlock(recs: u32, count: u32, bytes: u32, cs32: bool, buf: u32, size: u32): u32 {
  w.wasmBegin(buf, size);
  moduleBegin();
  flagLiveness(recs, count);
  const ipMask: u32 = cs32 ? 0xFFFFFFFF : 0xFFFF;

  w.gget(G_EPOCH); w.set(L_EPOCH);
  w.loopVoid(); // $top: the block's start, for blocks that jump back to themselves
  w.blockVoid(); // $exit: L_N holds the instructions of this pass
  resetDepth();
  flagsKnownReset();

  let off: u32 = 0;
  let selfLoop = false;
  let lastStoresEip = false;
  for (let i: u32 = 0; i < count; i++) {
    const p = recs + i * INSN_SIZE;
    const len = <u32>load<u8>(p, I_LEN);
    const next = off + len;
    const word = jitWordOf(<u32>load<u16>(p, I_HANDLER));
    const kind = word & 0xFF;
    const flagsLive = (liveAfter & (<u64>1 << <u64>i)) != 0;
    if (inlineHandled(p, word) && emitInline(p, word, i, off, next, ipMask, flagsLive)) {
      lastStoresEip = kind == K_JCC || kind == K_JMP || kind == K_CALL || kind == K_RET;
      if ((kind == K_JCC || kind == K_JMP) && i == count - 1) {
        // a jump back to the block's own start (EIP at runtime is checked too)
        const target = (next + load<u32>(p, I_IMM)) & (((word >> 8) & 3) == 1 ? 0xFFFF : ipMask);
        selfLoop = target == 0;
      }
    } else {
      emitHandlerCall(p, i, off, next, ipMask, false);
      lastStoresEip = true;
    }
    off = next;
  }
  if (!lastStoresEip) emitStoreEip(off, ipMask);
  w.i32c(count); w.set(L_N);
  if (selfLoop) emitBackEdge(count);
  w.end_(); // $exit
  // ICOUNT += L_N; return L_DONE + L_N
  emitIcountAdd();
  w.get(L_DONE); w.get(L_N); w.op(w.OP_I32_ADD);
  w.op(w.OP_RETURN);
  w.end_(); // $top
  w.op(w.OP_UNREACHABLE);
  moduleEnd();
  if (w.overflow) return 0;
  return w.wasmPos() - buf;
}

/** ICOUNT += L_N (u64 at a fixed address). */
function emitIcountAdd(): void {
  w.i32c(0);
  w.i32c(0); w.memOp(w.OP_I64_LOAD, 3, ICOUNT);
  w.get(L_N); w.op(w.OP_I64_EXTEND_I32_U);
  w.op(w.OP_I64_ADD);
  w.memOp(w.OP_I64_STORE, 3, ICOUNT);
}

/**
 * At the end of a block that jumped to its own start: run it again if EIP is back at the start, another pass
 * fits the limit, nothing needs the dispatcher (runBlocks's checks) and no code or mapping changed.
 */
function emitBackEdge(count: u32): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EIP); w.get(0); w.op(w.OP_I32_EQ);
  // L_DONE + 2 * count <= limit
  w.get(L_DONE); w.i32c(2 * count); w.op(w.OP_I32_ADD); w.get(1); w.op(w.OP_I32_LE_U); w.op(w.OP_I32_AND);
  // no events (attention()), TF/RF clear, stopBlock clear, same code epoch
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EXIT_REQUEST);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, INT_SHADOW); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, NMI_PENDING); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, HALTED); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, INTR_LINE); w.op(w.OP_I32_OR);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(F_TF | F_RF); w.op(w.OP_I32_AND); w.op(w.OP_I32_OR);
  w.gget(G_STOP); w.op(w.OP_I32_OR);
  w.op(w.OP_I32_EQZ); w.op(w.OP_I32_AND);
  w.gget(G_EPOCH); w.get(L_EPOCH); w.op(w.OP_I32_EQ); w.op(w.OP_I32_AND);
  w.ifVoid();
  emitIcountAdd();
  w.get(L_DONE); w.i32c(count); w.op(w.OP_I32_ADD); w.set(L_DONE);
  w.br(2); // $top (if, $exit, $top)
  w.end_();
}
