// Inline code for the hot instruction forms (the rows tools/opcodes/jit.ts names), and the generic form: a
// call to the interpreter handler. Each inline emitter does exactly what its handler does (assembly/cpu/ops/),
// on the same state in memory; where the handler would take a slow path (segment checks that need more than
// the limit compare, TLB misses, MMIO, page-crossing, code pages, a jump past the CS limit) the emitted code
// calls the handler instead, so faults and their state are the interpreter's by construction.
import {
  REGS, ZERO_OFF, EIP, EFLAGS, ICOUNT, MODE_FLAGS, MODE_SS32, LF_OP, LF_RES, LF_A, LF_B, LF_MASK, SEG_BASE, SEG_RLIMIT, SEG_WLIMIT, SEG_LIMIT,
  TLB, TLB_READ_MASK, TLB_WRITE_MASK, I_HANDLER, I_FLAGS, I_REG, I_RM, I_INDEX, I_SIB, I_DISP, I_IMM, I_LEN,
  IF_A32, IF_MEM,
} from "../layout";
import { CS, SS, R_EAX, R_EDX, R_ESP, R_ECX, F_ARITH, F_CF, F_OF, F_AF, F_SF, F_ZF, F_PF } from "../cpu/state";
import { TLB_VALID } from "../cpu/paging";
import { LF_LOGIC, LF_ADD, LF_SUB, LF_INC, LF_DEC, LF_RESULT } from "../cpu/flags";
import { JIT_FORMS, JIT_X87, HANDLERS } from "../cpu/generated/decode_tables";
import { isX87Kind, emitX87, x87Spill, x87Forget, x87State, x87AfterSlowPath } from "./x87";
import * as w from "./wasm";
import { G_STOP, G_FAULTED, G_CURRENT_BLOCK, FN_TESTCC, FN_GETCF, FN_HANDLER0 } from "./module";

// Inline kinds (tools/opcodes/jit.ts JIT_KINDS)
export const K_NONE: u32 = 0;
const K_MOV_EG: u32 = 1, K_MOV_GE: u32 = 2, K_MOV_EI: u32 = 3, K_MOV_ZI: u32 = 4, K_LEA: u32 = 5;
const K_ALU_EG: u32 = 6, K_ALU_GE: u32 = 7, K_ALU_AI: u32 = 8, K_ALU_EI: u32 = 9;
const K_TEST_EG: u32 = 10, K_TEST_AI: u32 = 11, K_TEST_EI: u32 = 12;
const K_INC_Z: u32 = 13, K_DEC_Z: u32 = 14;
export const K_JCC: u32 = 15;
export const K_JMP: u32 = 16;
const K_MOVZX: u32 = 17, K_MOVSX: u32 = 18, K_NOP: u32 = 19;
const K_PUSH_Z: u32 = 20, K_POP_Z: u32 = 21, K_PUSH_I: u32 = 22;
export const K_CALL: u32 = 23;
export const K_RET: u32 = 24;
const K_SHIFT: u32 = 25, K_IMUL_GEI: u32 = 26, K_IMUL_GE: u32 = 27;
const K_CMOV: u32 = 28, K_SETCC: u32 = 29, K_INCDEC_E: u32 = 30, K_NOT: u32 = 31;
const K_MUL_E: u32 = 41, K_DIV_E: u32 = 42, K_IMUL_E: u32 = 43, K_IDIV_E: u32 = 44;
export const K_JMP_E: u32 = 45;

// Shift operations (ops/shift.ts)
const SH_ROL: u32 = 0, SH_ROR: u32 = 1, SH_RCL: u32 = 2, SH_RCR: u32 = 3, SH_SHL: u32 = 4, SH_SHR: u32 = 5,
  SH_SAL: u32 = 6;

// ALU operations (the opcode encoding, ops/alu.ts)
const ALU_ADD: u32 = 0, ALU_OR: u32 = 1, ALU_ADC: u32 = 2, ALU_SBB: u32 = 3, ALU_AND: u32 = 4, ALU_SUB: u32 = 5,
  ALU_XOR: u32 = 6, ALU_CMP: u32 = 7;

// Locals (after the parameters eip0 = 0 and limit = 1)
export const L_DONE: u32 = 2; // instructions of earlier passes (self-loops)
export const L_N: u32 = 3; // instructions of this pass when leaving
export const L_EA: u32 = 4;
const L_LIN: u32 = 5;
const L_E: u32 = 6;
const L_A: u32 = 7; // operands and result of the last flag-setting instruction (for conditions)
const L_B: u32 = 8;
export const L_R: u32 = 9;
export const L_EPOCH: u32 = 10;
export const L_T: u32 = 11;
export const L_HOST: u32 = 12;
export const L_V: u32 = 13;
export const L_IDX: u32 = 14; // the region member to run (jit/compile.ts)
export const L_W: u32 = 32; // i64 scratch (module.ts)
/** i64: ICOUNT when the function was entered. ICOUNT itself is brought up to date (L_BASE + L_DONE) only where
 *  something can read it: before a handler runs and when the function returns. */
export const L_BASE: u32 = 33;
/** 1 when passes between members may happen: the whole page of the region is inside the CS limit (so no transfer
 *  needs to check it) and all the region's instructions fit in the function's limit (jit/compile.ts emitPass) */
export const L_CSOK: u32 = 15;
/** EIP - eip0 after a member that may have jumped anywhere (jit/compile.ts emitSearch) */
export const L_OFF: u32 = 24;
/** 1 after a handler ran: only handlers change what the transfer checks look at (events, TF/RF, the code
 *  epoch, stopBlock), so a transfer makes the full check only then (jit/compile.ts emitTransfer). */
export const L_CHK: u32 = 25;

// ---- the handlers a module imports -----------------------------------------------------------------------------
const MAX_IMPORTS: u32 = 1024;
/** Table indices of the handlers the module being compiled imports, in import order. */
export const importList = <u32>memory.data(MAX_IMPORTS * 4);
export let importCount: u32 = 0;
/** Per table index: import number + 1 in the module being compiled (0: not imported). */
const importOf = <u32>memory.data(4096 * 2);

/** Start a module: no handler imported yet. */
export function importsReset(): void {
  for (let k: u32 = 0; k < importCount; k++) store<u16>(importOf + (load<u32>(importList + (k << 2)) << 1), 0);
  importCount = 0;
}

/** Import the handler at table index `idx` (before the module's code is emitted). */
export function importHandler(idx: u32): void {
  if (idx >= 4096 || load<u16>(importOf + (idx << 1)) != 0 || importCount == MAX_IMPORTS) return;
  store<u32>(importList + (importCount << 2), idx);
  importCount++;
  store<u16>(importOf + (idx << 1), <u16>importCount);
}

function handlerImport(idx: u32): u32 { return <u32>load<u16>(importOf + (idx << 1)) - 1; }

// ---- handler-id lookup -------------------------------------------------------------------------------------
const MAX_TABLE: u32 = 4096;
const wordByIndex = <u32>memory.data(MAX_TABLE * 4);
const x87ByIndex = <u32>memory.data(MAX_TABLE * 4);

/** Build the function-table index -> JIT word map (once, after decoderInit). */
export function emitInit(): void {
  memory.fill(wordByIndex, 0, MAX_TABLE * 4);
  memory.fill(x87ByIndex, 0, MAX_TABLE * 4);
  for (let i = 0; i < HANDLERS.length; i++) {
    const idx = unchecked(HANDLERS[i]).index;
    if (idx < MAX_TABLE) {
      store<u32>(wordByIndex + (idx << 2), unchecked(JIT_FORMS[i]));
      store<u32>(x87ByIndex + (idx << 2), unchecked(JIT_X87[i]));
    }
  }
}

/** The JIT word (tools/opcodes/jit.ts) of the handler at function-table index `idx`. */
export function jitWordOf(idx: u32): u32 { return idx < MAX_TABLE ? load<u32>(wordByIndex + (idx << 2)) : 0; }

// @ts-ignore: decorator
@inline function kindOf(word: u32): u32 { return word & 0xFF; }
// @ts-ignore: decorator
@inline function sizeOf(word: u32): u32 { return <u32>1 << ((word >> 8) & 3); }
// @ts-ignore: decorator
@inline function srcSizeOf(word: u32): u32 { return <u32>1 << ((word >> 10) & 3); }
// @ts-ignore: decorator
@inline function argOf(word: u32): u32 { return (word >> 13) & 15; }
// @ts-ignore: decorator
@inline function sizeMask(size: u32): u32 { return size == 4 ? 0xFFFFFFFF : (<u32>1 << (size * 8)) - 1; }
// @ts-ignore: decorator
@inline function sizeIndex(size: u32): u32 { return size == 1 ? 0 : size == 2 ? 1 : 2; }
// @ts-ignore: decorator
@inline function isMem(p: u32): bool { return (load<u8>(p, I_FLAGS) & IF_MEM) != 0; }

/** Does the inline emitter take this record? */
export function inlineHandled(p: u32, word: u32): bool {
  const kind = kindOf(word);
  if (kind == K_NONE) return false;
  if (load<u8>(p, I_LEN) == 0) return false; // a fault record the decoder made
  // ADC/SBB read CF: their handlers are called
  if (kind >= K_ALU_EG && kind <= K_ALU_EI) { const op = argOf(word); if (op == ALU_ADC || op == ALU_SBB) return false; }
  if (kind == K_SHIFT) {
    // register forms by 1 or imm8, not through carry; a zero count changes nothing (not even the flags), so
    // it stays with the handler where the liveness pass treats it as reading every flag
    const op = argOf(word), countKind = (word >>> 29) & 3;
    if (isMem(p) || op == SH_RCL || op == SH_RCR) return false;
    // by CL: SHL/SAL/SHR/SAR (emitShiftCL), which leave everything alone for a count of 0
    if (countKind == 1 && (op == SH_ROL || op == SH_ROR)) return false;
    if (countKind == 2 && (load<u32>(p, I_IMM) & 31) == 0) return false;
  }
  return true;
}

/** Does the record's row end a block (a control transfer or a mode change), rather than the length limit or
 *  the page end cutting the block after it? */
export function decodedEnds(p: u32): bool { return (jitWordOf(<u32>load<u16>(p, I_HANDLER)) >>> 31) != 0; }

/** Can the inline form raise an exception (which observes EFLAGS)? */
export function inlineCanFault(p: u32, word: u32): bool {
  const kind = kindOf(word);
  if (kind == K_JCC || kind == K_JMP) return true; // #GP past the CS limit
  if (kind >= K_PUSH_Z && kind <= K_RET) return true; // the stack
  if (isX87Kind(kind)) return true; // #NM, #MF on the handler's path
  if (kind == K_DIV_E || kind == K_IDIV_E) return true; // #DE
  if (kind == K_JMP_E) return true; // #GP past the CS limit
  if (kind == K_LEA || kind == K_MOV_ZI || kind == K_ALU_AI || kind == K_TEST_AI || kind == K_INC_Z
      || kind == K_DEC_Z || kind == K_NOP) return false;
  return isMem(p);
}

/** Does the inline form read flags the table does not list (conditions)? */
export function inlineReadsFlags(word: u32): bool {
  const kind = kindOf(word);
  // a shift by CL of 0 keeps every flag: the flags before it must be where a reader after it finds them
  return kind == K_JCC || kind == K_CMOV || kind == K_SETCC || (kind == K_SHIFT && ((word >>> 29) & 3) == 1);
}

// ---- nesting of labels inside the function's $exit block --------------------------------------------------
let depth: u32 = 0;
export function resetDepth(): void { depth = 0; }
/** Labels between the code about to be emitted and the function's $exit block. */
export function setDepth(d: u32): void { depth = d; }
export function currentDepth(): u32 { return depth; }
export function open(): void { w.blockVoid(); depth++; }
function openIf(): void { w.ifVoid(); depth++; }
export function close(): void { w.end_(); depth--; }

// ---- what the emitted code knows about the flags: the last flag-setting inline instruction -----------------
let knownKind: i32 = -1; // LF_* kind whose operands are in L_A/L_B/L_R, -1 = unknown
let knownSize: u32 = 4;
export function flagsKnownReset(): void { knownKind = -1; lazyPending = false; }
/** The flags are in EFLAGS (no lazy record) and their arithmetic bits in L_R: FCOMI (jit/x87.ts). */
const KNOWN_EFLAGS: i32 = 100;
export function flagsKnownEflags(): void { knownKind = KNOWN_EFLAGS; knownSize = 4; lazyPending = false; }
/** The last flag producer (an inline ALU op, TEST, INC or DEC: knownKind, operands in L_A/L_B/L_R) did not store
 *  its record because nothing in its member observes it (jit/compile.ts): whoever leaves the member stores it. */
export let lazyPending = false;

/** Store the pending record (before a handler that may observe the flags, or leaving the region). */
export function emitPendingFlags(): void {
  if (lazyPending && knownKind >= 0) {
    if (knownKind == <i32>LF_INC || knownKind == <i32>LF_DEC) emitIncDecLazy(<u32>knownKind, knownSize);
    else emitSetLazy(<u32>knownKind, knownSize);
  }
  lazyPending = false;
}

/** Does emitCondition decide condition `cc` (Jcc encoding) from the locals of a producer of lazy kind `lk`
 *  (LF_*), rather than calling testCC? */
export function knownDecides(lk: i32, cc: u32): bool {
  const c = cc >> 1;
  if (lk == KNOWN_EFLAGS) return true;
  if (lk == <i32>LF_SUB) return c != 0 && c != 5;
  if (lk == <i32>LF_LOGIC) return c != 5;
  if (lk == <i32>LF_ADD) return c >= 1 && c <= 4;
  if (lk == <i32>LF_INC || lk == <i32>LF_DEC) return c == 2 || c == 4;
  return false;
}

/** Is this inline record a flag producer whose record the code can store later from locals: an ALU op or TEST
 *  (every arithmetic flag), INC/DEC (all but CF, which it keeps)? Its lazy kind (LF_*) in `producerKind`. */
export let producerKind: i32 = -1;
export function lazyProducer(p: u32, word: u32): bool {
  const kind = kindOf(word);
  if (!inlineHandled(p, word)) return false;
  if (kind >= K_ALU_EG && kind <= K_ALU_EI) {
    const op = argOf(word);
    producerKind = <i32>(op == ALU_ADD ? LF_ADD : op == ALU_SUB || op == ALU_CMP ? LF_SUB : LF_LOGIC);
    return true;
  }
  if (kind >= K_TEST_EG && kind <= K_TEST_EI) { producerKind = <i32>LF_LOGIC; return true; }
  if (kind == K_INC_Z || kind == K_DEC_Z) { producerKind = <i32>(kind == K_INC_Z ? LF_INC : LF_DEC); return true; }
  if (kind == K_INCDEC_E) { producerKind = <i32>(argOf(word) != 0 ? LF_DEC : LF_INC); return true; }
  return false;
}

/** INC/DEC's record (flags.ts setLazyKeepCF): CF into EFLAGS from the record before it, then the record. */
function emitIncDecLazy(lk: u32, size: u32): void {
  lazyPending = false;
  w.i32c(0);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(~F_CF); w.op(w.OP_I32_AND);
  emitGetCF(); w.op(w.OP_I32_OR);
  w.memOp(w.OP_I32_STORE, 2, EFLAGS);
  w.i32c(0); w.i32c(lk << 2 | sizeIndex(size)); w.memOp(w.OP_I32_STORE, 2, LF_OP);
  w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, LF_RES);
  w.i32c(0); w.get(L_A); w.memOp(w.OP_I32_STORE, 2, LF_A);
  w.i32c(0); w.i32c(1); w.memOp(w.OP_I32_STORE, 2, LF_B);
  w.i32c(0); w.i32c(F_ARITH & ~F_CF); w.memOp(w.OP_I32_STORE, 2, LF_MASK);
}

/** CF of the lazy record in memory (flags.ts getCF) on the stack: the records INC/DEC most often follow (a
 *  logic op, SUB/CMP, ADD) inline, the rest by a call. */
function emitGetCF(): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_MASK); w.i32c(F_CF); w.op(w.OP_I32_AND);
  w.ifI32();
  // L_V = the record's kind (free here: no instruction is half emitted when a record is stored)
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_OP); w.i32c(2); w.op(w.OP_I32_SHR_U); w.tee(L_V);
  w.op(w.OP_I32_EQZ); // LF_LOGIC: CF = 0
  w.ifI32(); w.i32c(0);
  w.op(w.OP_ELSE);
  w.get(L_V); w.i32c(LF_SUB); w.op(w.OP_I32_EQ);
  w.ifI32(); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_A); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_B); w.op(w.OP_I32_LT_U);
  w.op(w.OP_ELSE);
  w.get(L_V); w.i32c(LF_ADD); w.op(w.OP_I32_EQ);
  w.ifI32(); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_RES); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_A); w.op(w.OP_I32_LT_U);
  w.op(w.OP_ELSE); w.op(w.OP_CALL); w.u32leb(FN_GETCF);
  w.end_(); w.end_(); w.end_();
  w.op(w.OP_ELSE);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(F_CF); w.op(w.OP_I32_AND);
  w.end_();
}

// ---- EIP and handler calls ---------------------------------------------------------------------------------
/** EIP = (eip0 + off) masked to the code size, as a value on the stack. */
export function emitEipValue(off: u32, ipMask: u32): void {
  w.get(0);
  if (off != 0) { w.i32c(off); w.op(w.OP_I32_ADD); }
  if (ipMask != 0xFFFFFFFF) { w.i32c(ipMask); w.op(w.OP_I32_AND); }
}

export function emitStoreEip(off: u32, ipMask: u32): void {
  w.i32c(0); emitEipValue(off, ipMask); w.memOp(w.OP_I32_STORE, 2, EIP);
}

/**
 * Instruction `i` (record `p` at block offset `off`, the next one at `next`) run by its interpreter handler, as
 * execRecords does: EIP = next, call, and leave if it stopped the block (EIP back at the instruction on a fault).
 * `keepsFlags`: the handler leaves the flags alone (an inline form's slow path for MOV-like forms).
 */
export function emitHandlerCall(p: u32, i: u32, off: u32, next: u32, ipMask: u32, keepsFlags: bool): void {
  regsSpill();
  x87Spill();
  emitIcountSync(false);
  emitStoreEip(next, ipMask);
  // the running block, for handlers that look at it (a store into it stops it; RDTSC counts from its start)
  w.i32c(memberBlock); w.op(w.OP_GLOBAL_SET); w.u32leb(G_CURRENT_BLOCK);
  w.i32c(p);
  w.op(w.OP_CALL); w.u32leb(FN_HANDLER0 + handlerImport(<u32>load<u16>(p, I_HANDLER)));
  w.gget(G_STOP);
  openIf();
  w.gget(G_FAULTED);
  w.ifVoid(); emitStoreEip(off, ipMask); w.end_();
  w.i32c(i + 1); w.set(L_N);
  w.br(depth + 1); // to $exit: memory holds the registers
  close();
  w.i32c(1); w.set(L_CHK);
  regState = 0; // the handler may have changed any register
  x87Forget();
  if (!keepsFlags) flagsKnownReset();
}

/** The block (index + 1) of the region member being emitted (jit/compile.ts). */
let memberBlock: u32 = 0;
export function setMemberBlock(b: u32): void { memberBlock = b; }

/** ICOUNT = L_BASE + L_DONE (+ L_N when `withN`: the function is returning). */
export function emitIcountSync(withN: bool): void {
  w.i32c(0);
  w.get(L_BASE);
  w.get(L_DONE); if (withN) { w.get(L_N); w.op(w.OP_I32_ADD); }
  w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_ADD);
  w.memOp(w.OP_I64_STORE, 3, ICOUNT);
}

// ---- registers: cached in locals within a region member ---------------------------------------------------------
// Guest register r lives in local L_REG0 + r while a member runs. Between members, and wherever the function
// leaves, memory holds the registers: a member reads a register into its local when it first uses it and stores
// the ones it changed at its end (regsSpill). Keeping registers in locals across the whole region function was
// slower on every workload measured (cpubench kernels 13.5 s -> 12.2 s, Linux boot 8.7 s -> 8.0 s with them in
// memory between members): long live ranges across the region's dispatch loop cost V8 more than the loads and
// stores. Within a member, at compile time each register is in memory only (R_MEM), in its local and equal to
// memory (R_CLEAN), or in its local and maybe newer (R_DIRTY). Handlers see memory: dirty registers are stored
// before every handler call, and after a handler every register is read again from memory when next used.
const L_REG0: u32 = 16;
const R_MEM: u32 = 0, R_CLEAN: u32 = 1, R_DIRTY: u32 = 2;
/** 2 bits per register */
let regState: u32 = 0;

// @ts-ignore: decorator
@inline function stateOf(r: u32): u32 { return (regState >> (r * 2)) & 3; }
// @ts-ignore: decorator
@inline function setState(r: u32, st: u32): void { regState = (regState & ~(<u32>3 << (r * 2))) | (st << (r * 2)); }

/** At the start of a member: every register in memory. */
export function regsReset(): void { regState = 0; }

function emitRegLoad(r: u32): void { w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, REGS + (r << 2)); w.set(L_REG0 + r); }
function emitRegStore(r: u32): void { w.i32c(0); w.get(L_REG0 + r); w.memOp(w.OP_I32_STORE, 2, REGS + (r << 2)); }

function ensureLoaded(r: u32): void {
  if (stateOf(r) != R_MEM) return;
  emitRegLoad(r);
  setState(r, R_CLEAN);
}

/** Store every dirty register (they stay cached): before a handler, and at a member's end. */
export function regsSpill(): void {
  for (let r: u32 = 0; r < 8; r++) {
    if (stateOf(r) != R_DIRTY) continue;
    emitRegStore(r);
    setState(r, R_CLEAN);
  }
}

/** Read again from memory every register cached in state `f` (after a handler ran on a path where `f` holds). */
function regsReload(f: u32): void {
  for (let r: u32 = 0; r < 8; r++) {
    if (((f >> (r * 2)) & 3) == R_MEM) continue;
    emitRegLoad(r);
  }
}

/** The register at byte offset `off` (REGS layout: AH is 1), `size` bytes, zero-extended, on the stack. */
function regGet(off: u32, size: u32): void {
  const r = off >> 2, b = off & 3;
  ensureLoaded(r);
  w.get(L_REG0 + r);
  if (size == 4) return;
  if (b != 0) { w.i32c(b * 8); w.op(w.OP_I32_SHR_U); }
  w.i32c(sizeMask(size)); w.op(w.OP_I32_AND);
}

/** Register at `off` (low `size` bytes, or AH..BH) = local `l`. */
function regSetFrom(off: u32, size: u32, l: u32): void {
  const r = off >> 2, b = off & 3;
  if (size == 4) { w.get(l); w.set(L_REG0 + r); setState(r, R_DIRTY); return; }
  ensureLoaded(r);
  const m = sizeMask(size) << (b * 8);
  w.get(L_REG0 + r); w.i32c(~m); w.op(w.OP_I32_AND);
  w.get(l);
  if (size < 4) { w.i32c(sizeMask(size)); w.op(w.OP_I32_AND); }
  if (b != 0) { w.i32c(b * 8); w.op(w.OP_I32_SHL); }
  w.op(w.OP_I32_OR);
  w.set(L_REG0 + r);
  setState(r, R_DIRTY);
}

function regSetConst(off: u32, size: u32, v: u32): void { w.i32c(v); w.set(L_V); regSetFrom(off, size, L_V); }

/**
 * The slow path of an inline form: its handler, entered with the register state `before` (the state where the
 * fast path's first check branched away), leaving the state `after` the fast path had (so both paths meet).
 */
function emitSlowPath(p: u32, i: u32, off: u32, next: u32, ipMask: u32, keepsFlags: bool, before: u32, after: u32): void {
  regState = before;
  const x87 = x87State();
  emitHandlerCall(p, i, off, next, ipMask, keepsFlags);
  x87AfterSlowPath(x87); // the x87 locals as they were, read again
  regsReload(after);
  regState = after;
}

/** The slow path of an inline x87 form (jit/x87.ts), which leaves the general registers alone. */
export function emitX87SlowPath(p: u32, i: u32, off: u32, next: u32, ipMask: u32, keepsFlags: bool): void {
  emitSlowPath(p, i, off, next, ipMask, keepsFlags, regState, regState);
}

/**
 * A register form that may still need its handler (a fault it leaves to it): the $done and $slow blocks, as
 * memFormBegin opens them. The fast path follows, branching to $slow (depth 0) where it gives up, and ends with
 * memFormEnd; returns the register state where the slow path starts.
 */
function regFormBegin(): u32 {
  open(); // $done
  open(); // $slow
  return regState;
}

/**
 * An inline form's memory operand, part 1: the $done and $slow blocks, L_EA, and L_HOST for a `size`-byte
 * access (or a branch to $slow). The fast path follows; returns the register state where the slow path starts.
 */
export function memFormBegin(p: u32, size: u32, write: bool): u32 {
  open(); // $done
  open(); // $slow
  emitEA(p);
  const before = regState;
  emitFastAddress(p, size, write);
  return before;
}

/**
 * Part 2, after the fast path: it leaves $done; the slow path runs the handler. `reload`: the handler stored the
 * flags record the fast path would have, and the code after it reads that record's operands from locals.
 */
export function memFormEnd(p: u32, i: u32, off: u32, next: u32, ipMask: u32, keepsFlags: bool, before: u32, reload: bool): void {
  w.br(1);
  close(); // $slow
  const k = knownKind, s = knownSize, pending = lazyPending;
  emitSlowPath(p, i, off, next, ipMask, keepsFlags, before, regState);
  if (reload) {
    reloadKnown();
    knownKind = k; knownSize = s; lazyPending = pending;
  }
  close(); // $done
}

// ---- memory operands -----------------------------------------------------------------------------------------
/** L_EA = the effective address of the record's memory operand (common.ts ea()). */
function emitEA(p: u32): void {
  const base = <u32>load<u8>(p, I_RM), index = <u32>load<u8>(p, I_INDEX);
  const scale = <u32>load<u8>(p, I_SIB) & 3;
  w.i32c(load<u32>(p, I_DISP));
  if (base != ZERO_OFF) { regGet(base, 4); w.op(w.OP_I32_ADD); }
  if (index != ZERO_OFF) {
    regGet(index, 4);
    if (scale != 0) { w.i32c(scale); w.op(w.OP_I32_SHL); }
    w.op(w.OP_I32_ADD);
  }
  if ((load<u8>(p, I_FLAGS) & IF_A32) == 0) { w.i32c(0xFFFF); w.op(w.OP_I32_AND); }
  w.set(L_EA);
}

/** Segments the region may assume flat (SEG_FLAT_MASK when it is compiled), and those its inline accesses did
 *  assume: the region's entry checks they still are (jit/compile.ts), and a segment load that ends flatness
 *  stops the block after it (cpu/segments.ts updateFlat), which leaves the region. */
let flatAssumed: u32 = 0;
export let flatUsed: u32 = 0;
export function flatReset(assumed: u32): void { flatAssumed = assumed; flatUsed = 0; }

/**
 * The TLB fast path of memory.ts (segReadOk/segWriteOk + readLin/writeLin/readMemRMW): L_HOST = the host address
 * of a `size`-byte access at L_EA, or a branch to the enclosing label (depth 0) when the fast path does not apply.
 */
function emitFastAddress(p: u32, size: u32, write: bool): void {
  emitFastAddressIn((<u32>load<u8>(p, I_SIB) >> 4) & 7, size, write);
}

function emitFastAddressIn(seg: u32, size: u32, write: bool): void {
  if ((flatAssumed >> seg) & 1) {
    // a flat segment: the linear address is the offset, and the limit allows every access that stays in a page
    // (one that wraps past 4 GiB crosses a page and takes the handler)
    flatUsed |= 1 << seg;
    w.get(L_EA); w.tee(L_LIN);
  } else {
    // i64(ea + size - 1) <= segment's fast limit
    w.get(L_EA); w.op(w.OP_I64_EXTEND_I32_U);
    if (size > 1) { w.i64c(<i64>(size - 1)); w.op(w.OP_I64_ADD); }
    w.i32c(0); w.memOp(w.OP_I64_LOAD, 3, (write ? SEG_WLIMIT : SEG_RLIMIT) + (seg << 3));
    w.op(w.OP_I64_GT_S); w.brIf(0);
    w.get(L_EA); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_BASE + (seg << 2)); w.op(w.OP_I32_ADD); w.tee(L_LIN);
  }
  // the TLB entry allows the access and the access stays in the page
  w.i32c(12); w.op(w.OP_I32_SHR_U); w.i32c(2); w.op(w.OP_I32_SHL); w.memOp(w.OP_I32_LOAD, 2, TLB); w.tee(L_E);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, write ? TLB_WRITE_MASK : TLB_READ_MASK); w.op(w.OP_I32_AND);
  w.i32c(<u32>TLB_VALID); w.op(w.OP_I32_NE); w.brIf(0);
  if (size > 1) {
    w.get(L_LIN); w.i32c(0xFFF); w.op(w.OP_I32_AND); w.i32c(0x1000 - size); w.op(w.OP_I32_GT_U); w.brIf(0);
  }
  w.get(L_E); w.i32c(~<u32>0xFFF); w.op(w.OP_I32_AND); w.get(L_LIN); w.op(w.OP_I32_ADD); w.set(L_HOST);
}

// ---- flags -----------------------------------------------------------------------------------------------------
/** Store the lazy-flags record (flags.ts setLazy) from L_A, L_B, L_R. */
function emitSetLazy(kind: u32, size: u32): void {
  lazyPending = false;
  w.i32c(0); w.i32c(kind << 2 | sizeIndex(size)); w.memOp(w.OP_I32_STORE, 2, LF_OP);
  w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, LF_RES);
  if (kind == LF_LOGIC) {
    w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_STORE, 2, LF_A);
    w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_STORE, 2, LF_B);
  } else {
    w.i32c(0); w.get(L_A); w.memOp(w.OP_I32_STORE, 2, LF_A);
    w.i32c(0); w.get(L_B); w.memOp(w.OP_I32_STORE, 2, LF_B);
  }
  w.i32c(0); w.i32c(F_ARITH); w.memOp(w.OP_I32_STORE, 2, LF_MASK);
}

/** After a producer's handler ran instead of its inline code: its operands from the lazy record. */
function reloadKnown(): void {
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_A); w.set(L_A);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_B); w.set(L_B);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_RES); w.set(L_R);
}

/** L_R = L_A op L_B (masked to the size); the flags record if `live`. */
function emitAluOp(aop: u32, size: u32, live: bool): void {
  w.get(L_A); w.get(L_B);
  let kind = LF_LOGIC;
  switch (aop) {
    case ALU_ADD: w.op(w.OP_I32_ADD); kind = LF_ADD; break;
    case ALU_OR: w.op(w.OP_I32_OR); break;
    case ALU_AND: w.op(w.OP_I32_AND); break;
    case ALU_XOR: w.op(w.OP_I32_XOR); break;
    default: w.op(w.OP_I32_SUB); kind = LF_SUB; break; // SUB, CMP
  }
  if (size < 4) { w.i32c(sizeMask(size)); w.op(w.OP_I32_AND); }
  w.set(L_R);
  if (live) emitSetLazy(kind, size);
  knownKind = <i32>kind; knownSize = size;
  lazyPending = !live;
}

/** The sign bit of L_R (size `size`) as 0/1... as a non-zero test value. */
function emitSign(size: u32): void { w.get(L_R); w.i32c(<u32>1 << (size * 8 - 1)); w.op(w.OP_I32_AND); }

/** L_A / L_B shifted so that their sign is bit 31 (signed compares of 8/16-bit operands). */
function emitSigned(l: u32, size: u32): void {
  w.get(l);
  if (size < 4) { w.i32c(32 - size * 8); w.op(w.OP_I32_SHL); }
}

/** Condition `cc` (Jcc encoding) as an i32 0/1, from the known producer when possible, else testCC(). */
function emitCondition(cc: u32): void {
  const c = cc >> 1;
  const k = knownKind, s = knownSize;
  if (!knownDecides(k, cc)) { w.i32c(cc); w.op(w.OP_CALL); w.u32leb(FN_TESTCC); return; } // testCC negates itself
  if (k == KNOWN_EFLAGS) {
    // O B Z BE S P L LE from the flag bits in L_R
    const bits: u32 = c == 0 ? F_OF : c == 1 ? F_CF : c == 2 ? F_ZF : c == 3 ? F_CF | F_ZF : c == 4 ? F_SF : F_PF;
    if (c == 6 || c == 7) {
      // SF != OF (or ZF for LE)
      w.get(L_R); w.i32c(F_SF); w.op(w.OP_I32_AND); w.i32c(0); w.op(w.OP_I32_NE);
      w.get(L_R); w.i32c(F_OF); w.op(w.OP_I32_AND); w.i32c(0); w.op(w.OP_I32_NE);
      w.op(w.OP_I32_NE);
      if (c == 7) { w.get(L_R); w.i32c(F_ZF); w.op(w.OP_I32_AND); w.i32c(0); w.op(w.OP_I32_NE); w.op(w.OP_I32_OR); }
    } else {
      w.get(L_R); w.i32c(bits); w.op(w.OP_I32_AND); w.i32c(0); w.op(w.OP_I32_NE);
    }
  } else if (k == <i32>LF_SUB) {
    switch (c) {
      case 1: w.get(L_A); w.get(L_B); w.op(w.OP_I32_LT_U); break;
      case 2: w.get(L_R); w.op(w.OP_I32_EQZ); break;
      case 3: w.get(L_A); w.get(L_B); w.op(w.OP_I32_LE_U); break;
      case 4: emitSign(s); w.i32c(0); w.op(w.OP_I32_NE); break;
      case 6: emitSigned(L_A, s); emitSigned(L_B, s); w.op(w.OP_I32_LT_S); break;
      case 7: emitSigned(L_A, s); emitSigned(L_B, s); w.op(w.OP_I32_LE_S); break;
    }
  } else if (k == <i32>LF_LOGIC) {
    switch (c) {
      case 0: case 1: w.i32c(0); break; // OF = CF = 0
      case 2: case 3: w.get(L_R); w.op(w.OP_I32_EQZ); break;
      case 4: case 6: emitSign(s); w.i32c(0); w.op(w.OP_I32_NE); break; // L: SF != OF = SF
      case 7: w.get(L_R); w.op(w.OP_I32_EQZ); emitSign(s); w.i32c(0); w.op(w.OP_I32_NE); w.op(w.OP_I32_OR); break;
    }
  } else if (k == <i32>LF_ADD) {
    switch (c) {
      case 1: w.get(L_R); w.get(L_A); w.op(w.OP_I32_LT_U); break;
      case 2: w.get(L_R); w.op(w.OP_I32_EQZ); break;
      case 3: w.get(L_R); w.get(L_A); w.op(w.OP_I32_LT_U); w.get(L_R); w.op(w.OP_I32_EQZ); w.op(w.OP_I32_OR); break;
      case 4: emitSign(s); w.i32c(0); w.op(w.OP_I32_NE); break;
    }
  } else if (k == <i32>LF_INC || k == <i32>LF_DEC) {
    switch (c) {
      case 2: w.get(L_R); w.op(w.OP_I32_EQZ); break;
      case 4: emitSign(s); w.i32c(0); w.op(w.OP_I32_NE); break;
    }
  }
  if ((cc & 1) != 0) w.op(w.OP_I32_EQZ);
}

// ---- the emitters ------------------------------------------------------------------------------------------
/**
 * Emit instruction `i` (record `p`, JIT word `word`) inline. `off`/`next`: its offset and the next one's in the
 * block; `flagsLive`: its flag results can be observed. Returns false if it must be a handler call after all.
 */
export function emitInline(p: u32, word: u32, i: u32, off: u32, next: u32, ipMask: u32, flagsLive: bool): bool {
  const kind = kindOf(word);
  const size = sizeOf(word);
  const reg = <u32>load<u8>(p, I_REG), rm = <u32>load<u8>(p, I_RM);
  const imm = load<u32>(p, I_IMM);
  const mem = isMem(p);
  switch (kind) {
    case K_NOP: return true;
    case K_MOV_ZI: regSetConst(reg, size, imm); return true;
    case K_LEA: emitEA(p); regSetFrom(reg, size, L_EA); return true;
    case K_MOV_EG: case K_MOV_GE: case K_MOV_EI: case K_MOVZX: case K_MOVSX:
      return emitMove(p, kind, word, size, reg, rm, imm, mem, i, off, next, ipMask);
    case K_ALU_EG: case K_ALU_GE: case K_ALU_AI: case K_ALU_EI:
    case K_TEST_EG: case K_TEST_AI: case K_TEST_EI:
      return emitAlu(p, kind, argOf(word), size, reg, rm, imm, mem, i, off, next, ipMask, flagsLive);
    case K_INC_Z: case K_DEC_Z:
      return emitIncDec(p, kind == K_DEC_Z, size, reg, false, i, off, next, ipMask, flagsLive);
    case K_INCDEC_E:
      return emitIncDec(p, argOf(word) != 0, size, rm, mem, i, off, next, ipMask, flagsLive);
    case K_NOT:
      return emitNot(p, size, rm, mem, i, off, next, ipMask);
    case K_JCC: case K_JMP:
      emitJump(p, kind, argOf(word), size, imm, i, off, next, ipMask);
      return true;
    case K_CMOV:
      return emitCmov(p, argOf(word), size, reg, rm, mem, i, off, next, ipMask);
    case K_SETCC:
      if (mem) return false; // a byte store: the handler
      emitCondition(argOf(word)); w.set(L_V); regSetFrom(rm, 1, L_V);
      return true;
    case K_IMUL_GEI: case K_IMUL_GE:
      return emitImul(p, kind, size, reg, rm, imm, mem, i, off, next, ipMask, flagsLive);
    case K_MUL_E: case K_IMUL_E: case K_DIV_E: case K_IDIV_E:
      return emitMulDiv(p, kind, size, rm, mem, i, off, next, ipMask, flagsLive);
    case K_JMP_E:
      return emitJmpE(p, size, rm, mem, i, off, next, ipMask);
    case K_SHIFT:
      if (((word >>> 29) & 3) == 1) emitShiftCL(argOf(word), size, rm, flagsLive);
      else emitShift(argOf(word), ((word >>> 29) & 3) == 0 ? 1 : imm & 31, size, rm, flagsLive);
      return true;
    case K_PUSH_Z: case K_PUSH_I: case K_POP_Z: case K_CALL: case K_RET:
      emitStack(p, kind, size, reg, imm, i, off, next, ipMask);
      return true;
  }
  if (isX87Kind(kind)) {
    const idx = <u32>load<u16>(p, I_HANDLER);
    return emitX87(p, kind, idx < MAX_TABLE ? load<u32>(x87ByIndex + (idx << 2)) : 0, i, off, next, ipMask);
  }
  return false;
}

/**
 * IMUL G, E, imm and IMUL G, E (ops/muldiv.ts imulTrunc): G = the low half of the signed product; CF = OF = the
 * product does not fit, SF ZF PF from the result, AF = 0, when the flags can be observed. 16/32-bit forms.
 */
function emitImul(p: u32, kind: u32, size: u32, reg: u32, rm: u32, imm: u32, mem: bool,
                  i: u32, off: u32, next: u32, ipMask: u32, live: bool): bool {
  let before: u32 = 0;
  if (mem) {
    before = memFormBegin(p, size, false);
    w.get(L_HOST); w.loadU(size, 0); w.set(L_B);
  } else {
    regGet(rm, size); w.set(L_B);
  }
  // L_A = the other factor (sign-extended below)
  if (kind == K_IMUL_GEI) { w.i32c(imm); w.set(L_A); } else { regGet(reg, size); w.set(L_A); }
  if (size == 2) {
    w.get(L_A); w.op(w.OP_I32_EXTEND16_S); w.get(L_B); w.op(w.OP_I32_EXTEND16_S); w.op(w.OP_I32_MUL); w.set(L_T);
    if (live) { w.get(L_T); w.op(w.OP_I32_EXTEND16_S); w.get(L_T); w.op(w.OP_I32_NE); w.set(L_V); }
    w.get(L_T); w.i32c(0xFFFF); w.op(w.OP_I32_AND); w.set(L_R);
  } else {
    if (live) {
      w.get(L_A); w.op(w.OP_I64_EXTEND_I32_S); w.get(L_B); w.op(w.OP_I64_EXTEND_I32_S); w.op(w.OP_I64_MUL);
      w.tee(L_W);
      w.op(w.OP_I32_WRAP_I64); w.tee(L_R);
      w.op(w.OP_I64_EXTEND_I32_S); w.get(L_W); w.op(w.OP_I64_NE); w.set(L_V);
    } else {
      w.get(L_A); w.get(L_B); w.op(w.OP_I32_MUL); w.set(L_R);
    }
  }
  regSetFrom(reg, size, L_R);
  flagsKnownReset();
  if (live) emitProductFlags(size);
  if (mem) memFormEnd(p, i, off, next, ipMask, false, before, false);
  return true;
}

/** The flags of a multiplication (flags.ts setResultFlags(r, CF | OF | AF, fits ? 0 : CF | OF)): L_R the result
 *  (its low half), L_V 1 when the product does not fit. */
function emitProductFlags(size: u32): void {
  w.i32c(0);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(~(F_CF | F_OF | F_AF)); w.op(w.OP_I32_AND);
  w.get(L_V); w.i32c(F_CF | F_OF); w.op(w.OP_I32_MUL); w.op(w.OP_I32_OR);
  w.memOp(w.OP_I32_STORE, 2, EFLAGS);
  w.i32c(0); w.i32c(LF_RESULT << 2 | sizeIndex(size)); w.memOp(w.OP_I32_STORE, 2, LF_OP);
  w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, LF_RES);
  w.i32c(0); w.i32c(F_SF | F_ZF | F_PF); w.memOp(w.OP_I32_STORE, 2, LF_MASK);
}

/**
 * MUL, IMUL, DIV and IDIV E, 32-bit forms (ops/muldiv.ts): EDX:EAX = EAX * E, or EAX = EDX:EAX / E and EDX the
 * remainder. MUL/IMUL set the flags as their handlers do when they can be observed; DIV/IDIV leave them alone, as
 * their handlers do. A division the handler would fault on (#DE: a zero divisor or a quotient that does not fit;
 * for IDIV also a divisor of -1, which the host's division would trap on) runs the handler.
 */
function emitMulDiv(p: u32, kind: u32, size: u32, rm: u32, mem: bool,
                    i: u32, off: u32, next: u32, ipMask: u32, live: bool): bool {
  if (size != 4) return false;
  const div = kind == K_DIV_E || kind == K_IDIV_E, signed = kind == K_IMUL_E || kind == K_IDIV_E;
  // the registers first: every branch to the slow path then leaves from the same register state
  regGet(R_EAX, 4); w.set(L_A);
  if (div) { regGet(R_EDX, 4); w.set(L_T); }
  let before: u32 = 0;
  if (mem) {
    before = memFormBegin(p, 4, false);
    w.get(L_HOST); w.loadU(4, 0); w.set(L_B);
  } else {
    regGet(rm, 4); w.set(L_B);
    if (div) before = regFormBegin();
  }
  if (!div) {
    w.get(L_A); w.op(signed ? w.OP_I64_EXTEND_I32_S : w.OP_I64_EXTEND_I32_U);
    w.get(L_B); w.op(signed ? w.OP_I64_EXTEND_I32_S : w.OP_I64_EXTEND_I32_U);
    w.op(w.OP_I64_MUL); w.tee(L_W); w.op(w.OP_I32_WRAP_I64); w.set(L_R);
    w.get(L_W); w.i64c(32); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.set(L_T);
    regSetFrom(R_EAX, 4, L_R);
    regSetFrom(R_EDX, 4, L_T);
    flagsKnownReset();
    if (live) {
      // does not fit: a high half other than zero (MUL) or than the low half's sign (IMUL)
      w.get(L_T);
      if (signed) { w.get(L_R); w.i32c(31); w.op(w.OP_I32_SHR_S); }
      else w.i32c(0);
      w.op(w.OP_I32_NE); w.set(L_V);
      emitProductFlags(4);
    }
    if (mem) memFormEnd(p, i, off, next, ipMask, false, before, false);
    return true;
  }
  if (!signed) {
    // the quotient fits exactly when EDX < divisor (so a zero divisor fails too); 32-bit division when EDX = 0
    w.get(L_T); w.get(L_B); w.op(w.OP_I32_GE_U); w.brIf(0);
    w.get(L_T); w.op(w.OP_I32_EQZ);
    w.ifVoid();
    w.get(L_A); w.get(L_B); w.op(w.OP_I32_DIV_U); w.set(L_R);
    w.op(w.OP_ELSE);
    emitDividend(); w.get(L_B); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_DIV_U); w.op(w.OP_I32_WRAP_I64); w.set(L_R);
    w.end_();
  } else {
    // a divisor of 0 or -1 takes the handler; 32-bit division when EDX is EAX's sign
    w.get(L_B); w.i32c(1); w.op(w.OP_I32_ADD); w.i32c(1); w.op(w.OP_I32_LE_U); w.brIf(0);
    w.get(L_T); w.get(L_A); w.i32c(31); w.op(w.OP_I32_SHR_S); w.op(w.OP_I32_EQ);
    w.ifVoid();
    w.get(L_A); w.get(L_B); w.op(w.OP_I32_DIV_S); w.set(L_R);
    w.op(w.OP_ELSE);
    emitDividend(); w.get(L_B); w.op(w.OP_I64_EXTEND_I32_S); w.op(w.OP_I64_DIV_S); w.tee(L_W);
    w.op(w.OP_I32_WRAP_I64); w.tee(L_R); w.op(w.OP_I64_EXTEND_I32_S); w.get(L_W); w.op(w.OP_I64_NE);
    w.brIf(1); // the quotient does not fit: $slow
    w.end_();
  }
  // the remainder from the quotient (exact in 32 bits: it fits)
  w.get(L_A); w.get(L_R); w.get(L_B); w.op(w.OP_I32_MUL); w.op(w.OP_I32_SUB); w.set(L_V);
  regSetFrom(R_EAX, 4, L_R);
  regSetFrom(R_EDX, 4, L_V);
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  flagsKnownReset(); // the flags are unchanged, but the locals a known producer left are not
  return true;
}
/**
 * JMP r/m32 (ops/control.ts jmp_E): EIP = the operand. A target past the CS limit (#GP) runs the handler, as does
 * a 16-bit operand. The member's end then finds the target among the region's members (jit/compile.ts).
 */
function emitJmpE(p: u32, size: u32, rm: u32, mem: bool, i: u32, off: u32, next: u32, ipMask: u32): bool {
  if (size != 4) return false;
  let before: u32;
  if (mem) {
    before = memFormBegin(p, 4, false);
    w.get(L_HOST); w.loadU(4, 0); w.set(L_T);
  } else {
    regGet(rm, 4); w.set(L_T);
    before = regFormBegin();
  }
  w.get(L_T); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_LIMIT + (<u32>CS << 2)); w.op(w.OP_I32_GT_U); w.brIf(0);
  w.i32c(0); w.get(L_T); w.memOp(w.OP_I32_STORE, 2, EIP);
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  return true;
}

/** EDX:EAX (L_T:L_A) as an i64, on the stack. */
function emitDividend(): void {
  w.get(L_T); w.op(w.OP_I64_EXTEND_I32_U); w.i64c(32); w.op(w.OP_I64_SHL);
  w.get(L_A); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_OR);
}

/**
 * ROL ROR SHL SHR SAL SAR of a register by a constant count 1..31 (ops/shift.ts shiftOp): result in L_R; the
 * flags as the handler sets them when they can be observed.
 */
function emitShift(op: u32, c: u32, size: u32, rm: u32, live: bool): void {
  const n = size * 8, mask = sizeMask(size);
  regGet(rm, size); w.set(L_A);
  // L_R = result
  if (op == SH_ROL || op == SH_ROR) {
    const k = c & (n - 1);
    if (k == 0) { w.get(L_A); }
    else {
      w.get(L_A); w.i32c(op == SH_ROL ? k : n - k); w.op(w.OP_I32_SHL);
      w.get(L_A); w.i32c(op == SH_ROL ? n - k : k); w.op(w.OP_I32_SHR_U);
      w.op(w.OP_I32_OR);
      if (size < 4) { w.i32c(mask); w.op(w.OP_I32_AND); }
    }
  } else if (op == SH_SHL || op == SH_SAL) {
    w.get(L_A); w.i32c(c); w.op(w.OP_I32_SHL); if (size < 4) { w.i32c(mask); w.op(w.OP_I32_AND); }
  } else if (op == SH_SHR) {
    w.get(L_A); w.i32c(c); w.op(w.OP_I32_SHR_U);
  } else { // SAR: on the sign-extended value
    emitSigned(L_A, size); w.i32c(32 - n); w.op(w.OP_I32_SHR_S);
    w.i32c(c > 31 ? 31 : c); w.op(w.OP_I32_SHR_S); if (size < 4) { w.i32c(mask); w.op(w.OP_I32_AND); }
  }
  w.set(L_R);
  regSetFrom(rm, size, L_R);
  flagsKnownReset();
  if (!live) return;
  // L_B = CF
  if (op == SH_ROL) { w.get(L_R); w.i32c(1); w.op(w.OP_I32_AND); }
  else if (op == SH_ROR) { w.get(L_R); w.i32c(n - 1); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); }
  else if (op == SH_SHL || op == SH_SAL) {
    if (c > n) w.i32c(0); else { w.get(L_A); w.i32c(n - c); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); }
  } else if (op == SH_SHR) { w.get(L_A); w.i32c(c - 1); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); }
  else {
    emitSigned(L_A, size); w.i32c(32 - n); w.op(w.OP_I32_SHR_S);
    w.i32c(c - 1 > 31 ? 31 : c - 1); w.op(w.OP_I32_SHR_S); w.i32c(1); w.op(w.OP_I32_AND);
  }
  w.set(L_B);
  // L_T = OF (bit 0)
  if (op == SH_ROL || op == SH_SHL || op == SH_SAL) { // msb(r) ^ cf
    w.get(L_R); w.i32c(n - 1); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); w.get(L_B); w.op(w.OP_I32_XOR);
  } else if (op == SH_ROR) { // cf ^ bit n-2 of r
    w.get(L_B); w.get(L_R); w.i32c(n - 2); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); w.op(w.OP_I32_XOR);
  } else if (op == SH_SHR && c == 1) { w.get(L_A); w.i32c(n - 1); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); }
  else w.i32c(0);
  w.set(L_T);
  const explicit = op == SH_ROL || op == SH_ROR ? F_CF | F_OF : F_CF | F_OF | F_AF;
  // EFLAGS = (EFLAGS & ~explicit) | CF | OF << 11
  w.i32c(0);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(~explicit); w.op(w.OP_I32_AND);
  w.get(L_B); w.op(w.OP_I32_OR); w.get(L_T); w.i32c(11); w.op(w.OP_I32_SHL); w.op(w.OP_I32_OR);
  w.memOp(w.OP_I32_STORE, 2, EFLAGS);
  if (op == SH_ROL || op == SH_ROR) {
    // flags.ts setArithFlags: the other flags keep their (possibly lazy) state
    w.i32c(0); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, LF_MASK); w.i32c(~(F_CF | F_OF)); w.op(w.OP_I32_AND);
    w.memOp(w.OP_I32_STORE, 2, LF_MASK);
  } else {
    // flags.ts setResultFlags: SF ZF PF from the result
    w.i32c(0); w.i32c(LF_RESULT << 2 | sizeIndex(size)); w.memOp(w.OP_I32_STORE, 2, LF_OP);
    w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, LF_RES);
    w.i32c(0); w.i32c(F_SF | F_ZF | F_PF); w.memOp(w.OP_I32_STORE, 2, LF_MASK);
  }
}

/**
 * SHL/SAL/SHR/SAR of a register by CL (ops/shift.ts shiftOp): a count (CL & 31) of 0 changes nothing, not even
 * the flags; otherwise CF is the last bit shifted out, OF is defined as shiftOp has it, AF is cleared and SF ZF PF
 * come from the result.
 */
function emitShiftCL(op: u32, size: u32, rm: u32, live: bool): void {
  const n = size * 8, mask = sizeMask(size);
  // both paths find the operands in locals (loads inside the `if` would leave the register state path-dependent)
  regGet(R_ECX, 1); w.i32c(31); w.op(w.OP_I32_AND); w.set(L_V);
  regGet(rm, size); w.set(L_A);
  w.get(L_V); openIf();
  // L_R = result, L_B = CF, L_T = OF
  if (op == SH_SHL || op == SH_SAL) {
    // the operand widened to 64 bits: CF is bit n of a << count for every size and count
    w.get(L_A); w.op(w.OP_I64_EXTEND_I32_U); w.get(L_V); w.op(w.OP_I64_EXTEND_I32_U); w.op(w.OP_I64_SHL); w.set(L_W);
    w.get(L_W); w.op(w.OP_I32_WRAP_I64); if (size < 4) { w.i32c(mask); w.op(w.OP_I32_AND); } w.set(L_R);
    w.get(L_W); w.i64c(<i64>n); w.op(w.OP_I64_SHR_U); w.op(w.OP_I32_WRAP_I64); w.i32c(1); w.op(w.OP_I32_AND); w.set(L_B);
    w.get(L_R); w.i32c(n - 1); w.op(w.OP_I32_SHR_U); w.get(L_B); w.op(w.OP_I32_XOR); w.set(L_T);
  } else if (op == SH_SHR) {
    w.get(L_A); w.get(L_V); w.op(w.OP_I32_SHR_U); w.set(L_R);
    w.get(L_A); w.get(L_V); w.i32c(1); w.op(w.OP_I32_SUB); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND); w.set(L_B);
    // OF: the operand's top bit for a count of 1, else 0
    w.get(L_A); w.i32c(n - 1); w.op(w.OP_I32_SHR_U); w.i32c(1); w.op(w.OP_I32_AND);
    w.get(L_V); w.i32c(1); w.op(w.OP_I32_EQ); w.op(w.OP_I32_AND); w.set(L_T);
  } else { // SAR, on the sign-extended operand; count <= 31
    emitSigned(L_A, size); w.i32c(32 - n); w.op(w.OP_I32_SHR_S); w.set(L_E);
    w.get(L_E); w.get(L_V); w.op(w.OP_I32_SHR_S); if (size < 4) { w.i32c(mask); w.op(w.OP_I32_AND); } w.set(L_R);
    w.get(L_E); w.get(L_V); w.i32c(1); w.op(w.OP_I32_SUB); w.op(w.OP_I32_SHR_S); w.i32c(1); w.op(w.OP_I32_AND); w.set(L_B);
    w.i32c(0); w.set(L_T);
  }
  regSetFrom(rm, size, L_R);
  if (live) {
    // EFLAGS = (EFLAGS & ~(CF OF AF)) | CF | OF << 11, and SF ZF PF from the result (flags.ts setResultFlags)
    w.i32c(0);
    w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, EFLAGS); w.i32c(~(F_CF | F_OF | F_AF)); w.op(w.OP_I32_AND);
    w.get(L_B); w.op(w.OP_I32_OR); w.get(L_T); w.i32c(11); w.op(w.OP_I32_SHL); w.op(w.OP_I32_OR);
    w.memOp(w.OP_I32_STORE, 2, EFLAGS);
    w.i32c(0); w.i32c(LF_RESULT << 2 | sizeIndex(size)); w.memOp(w.OP_I32_STORE, 2, LF_OP);
    w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, LF_RES);
    w.i32c(0); w.i32c(F_SF | F_ZF | F_PF); w.memOp(w.OP_I32_STORE, 2, LF_MASK);
  }
  close();
  flagsKnownReset();
}

/**
 * PUSH r / PUSH imm / POP r / CALL rel / RET [imm] (ops/pushpop.ts, ops/control.ts) on a 32-bit stack through
 * the fast path; a 16-bit stack, a target past the CS limit or any slow memory case runs the handler.
 */
function emitStack(p: u32, kind: u32, size: u32, reg: u32, imm: u32, i: u32, off: u32, next: u32, ipMask: u32): void {
  // what both paths read first: ESP, and the value to push (a register read before ESP moves)
  regGet(R_ESP, 4); w.set(L_EA);
  if (kind == K_PUSH_Z) { regGet(reg, size); w.set(L_T); }
  const before = regState;
  open(); // $done
  open(); // $slow
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, MODE_FLAGS); w.i32c(<u32>MODE_SS32); w.op(w.OP_I32_AND); w.op(w.OP_I32_EQZ);
  w.brIf(0);
  if (kind == K_POP_Z || kind == K_RET) {
    emitFastAddressIn(SS, size, false);
    w.get(L_HOST); w.loadU(size, 0); w.set(L_T);
    if (kind == K_RET) {
      w.get(L_T); w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_LIMIT + (<u32>CS << 2)); w.op(w.OP_I32_GT_U); w.brIf(0);
    }
    // ESP += size (+ RET's immediate)
    w.get(L_EA); w.i32c(size + (kind == K_RET ? imm : 0)); w.op(w.OP_I32_ADD); w.set(L_V);
    regSetFrom(R_ESP, 4, L_V);
    if (kind == K_POP_Z) regSetFrom(reg, size, L_T); // POP ESP: the popped value wins
    else { w.i32c(0); w.get(L_T); w.memOp(w.OP_I32_STORE, 2, EIP); }
  } else {
    if (kind == K_PUSH_I) { w.i32c(imm); w.set(L_T); }
    else if (kind == K_CALL) {
      emitEipValue(next, ipMask); w.set(L_T); // the return address
      // the target must be inside CS before anything is pushed
      w.get(L_T); w.i32c(imm); w.op(w.OP_I32_ADD);
      if (size == 2) { w.i32c(0xFFFF); w.op(w.OP_I32_AND); }
      w.tee(L_R);
      w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_LIMIT + (<u32>CS << 2)); w.op(w.OP_I32_GT_U); w.brIf(0);
    }
    w.get(L_EA); w.i32c(size); w.op(w.OP_I32_SUB); w.set(L_EA);
    emitFastAddressIn(SS, size, true);
    w.get(L_HOST); w.get(L_T); w.storeN(size, 0);
    regSetFrom(R_ESP, 4, L_EA);
    if (kind == K_CALL) { w.i32c(0); w.get(L_R); w.memOp(w.OP_I32_STORE, 2, EIP); }
  }
  w.br(1);
  close();
  emitSlowPath(p, i, off, next, ipMask, true, before, regState);
  close();
}

/** MOV E,G / G,E / E,imm, MOVZX, MOVSX (ops/mov.ts). */
function emitMove(p: u32, kind: u32, word: u32, size: u32, reg: u32, rm: u32, imm: u32, mem: bool,
                  i: u32, off: u32, next: u32, ipMask: u32): bool {
  const src = kind == K_MOVZX || kind == K_MOVSX ? srcSizeOf(word) : size;
  if (!mem) {
    switch (kind) {
      case K_MOV_EG: regGet(reg, size); w.set(L_T); regSetFrom(rm, size, L_T); break;
      case K_MOV_EI: regSetConst(rm, size, imm); break;
      default: // G = E (extended)
        regGet(rm, src); emitExtend(kind, src); w.set(L_T); regSetFrom(reg, size, L_T); break;
    }
    return true;
  }
  const write = kind == K_MOV_EG || kind == K_MOV_EI;
  const before = memFormBegin(p, write ? size : src, write);
  if (kind == K_MOV_EG) { w.get(L_HOST); regGet(reg, size); w.storeN(size, 0); }
  else if (kind == K_MOV_EI) { w.get(L_HOST); w.i32c(imm); w.storeN(size, 0); }
  else { w.get(L_HOST); w.loadU(src, 0); emitExtend(kind, src); w.set(L_T); regSetFrom(reg, size, L_T); }
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  return true;
}

/** CMOVcc G,E (ops/mov.ts cmov): E is read whatever the condition (it may fault), G written when it holds. */
function emitCmov(p: u32, cc: u32, size: u32, reg: u32, rm: u32, mem: bool, i: u32, off: u32, next: u32, ipMask: u32): bool {
  if (!mem) {
    regGet(rm, size); regGet(reg, size); emitCondition(cc); w.op(w.OP_SELECT); w.set(L_V);
    regSetFrom(reg, size, L_V);
    return true;
  }
  const before = memFormBegin(p, size, false);
  w.get(L_HOST); w.loadU(size, 0); regGet(reg, size); emitCondition(cc); w.op(w.OP_SELECT); w.set(L_V);
  regSetFrom(reg, size, L_V);
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  return true;
}

function emitExtend(kind: u32, src: u32): void {
  if (kind != K_MOVSX) return;
  w.op(src == 1 ? w.OP_I32_EXTEND8_S : w.OP_I32_EXTEND16_S);
}

/** ALU operations, CMP and TEST (ops/alu.ts) in their E,G / G,E / A,imm / E,imm forms. */
function emitAlu(p: u32, kind: u32, aop: u32, size: u32, reg: u32, rm: u32, imm: u32, mem: bool,
                 i: u32, off: u32, next: u32, ipMask: u32, live: bool): bool {
  const isTest = kind >= K_TEST_EG;
  const op = isTest ? ALU_AND : aop;
  const writes = !isTest && aop != ALU_CMP;
  const mask = sizeMask(size);
  if (kind == K_ALU_AI || kind == K_TEST_AI) {
    regGet(0, size); w.set(L_A); w.i32c(imm & mask); w.set(L_B);
    emitAluOp(op, size, live);
    if (writes) regSetFrom(0, size, L_R);
    return true;
  }
  const fromImm = kind == K_ALU_EI || kind == K_TEST_EI;
  // destination / first operand: E (G for the G,E form)
  if (!mem) {
    const dst = kind == K_ALU_GE ? reg : rm;
    const other = kind == K_ALU_GE ? rm : reg;
    regGet(dst, size); w.set(L_A);
    if (fromImm) w.i32c(imm & mask); else regGet(other, size);
    w.set(L_B);
    emitAluOp(op, size, live);
    if (writes) regSetFrom(dst, size, L_R);
    return true;
  }
  // a memory operand: read-modify-write for E destinations, a read otherwise
  const rmw = writes && kind != K_ALU_GE;
  const before = memFormBegin(p, size, rmw);
  if (kind == K_ALU_GE) {
    regGet(reg, size); w.set(L_A);
    w.get(L_HOST); w.loadU(size, 0); w.set(L_B);
  } else {
    w.get(L_HOST); w.loadU(size, 0); w.set(L_A);
    if (fromImm) w.i32c(imm & mask); else regGet(reg, size);
    w.set(L_B);
  }
  emitAluOp(op, size, live);
  if (writes) {
    if (kind == K_ALU_GE) regSetFrom(reg, size, L_R);
    else { w.get(L_HOST); w.get(L_R); w.storeN(size, 0); }
  }
  memFormEnd(p, i, off, next, ipMask, false, before, true);
  return true;
}

/** INC/DEC of a register (40+r, 48+r, FE/FF /0 /1) or read-modify-write memory (ops/alu.ts incdec): CF is kept. */
function emitIncDec(p: u32, dec: bool, size: u32, r: u32, mem: bool, i: u32, off: u32, next: u32, ipMask: u32, live: bool): bool {
  const lk = dec ? LF_DEC : LF_INC;
  if (!mem) {
    regGet(r, size); w.set(L_A);
    emitIncDecOp(dec, size);
    regSetFrom(r, size, L_R);
    if (live) emitIncDecLazy(lk, size);
  } else {
    const before = memFormBegin(p, size, true);
    w.get(L_HOST); w.loadU(size, 0); w.set(L_A);
    emitIncDecOp(dec, size);
    w.get(L_HOST); w.get(L_R); w.storeN(size, 0);
    if (live) emitIncDecLazy(lk, size);
    memFormEnd(p, i, off, next, ipMask, false, before, true);
  }
  knownKind = <i32>lk; knownSize = size;
  lazyPending = !live;
  return true;
}

/** NOT of a register or read-modify-write memory (ops/alu.ts not_E): no flags. */
function emitNot(p: u32, size: u32, r: u32, mem: bool, i: u32, off: u32, next: u32, ipMask: u32): bool {
  if (!mem) {
    regGet(r, size); w.i32c(sizeMask(size)); w.op(w.OP_I32_XOR); w.set(L_R);
    regSetFrom(r, size, L_R);
    return true;
  }
  const before = memFormBegin(p, size, true);
  w.get(L_HOST); w.get(L_HOST); w.loadU(size, 0); w.i32c(sizeMask(size)); w.op(w.OP_I32_XOR); w.storeN(size, 0);
  memFormEnd(p, i, off, next, ipMask, true, before, false);
  return true;
}

/** L_R = L_A +/- 1, masked to the size. */
function emitIncDecOp(dec: bool, size: u32): void {
  w.get(L_A); w.i32c(1); w.op(dec ? w.OP_I32_SUB : w.OP_I32_ADD);
  if (size < 4) { w.i32c(sizeMask(size)); w.op(w.OP_I32_AND); }
  w.set(L_R);
}

/** Jcc / JMP rel (ops/control.ts): EIP = target if taken and inside CS, else the handler raises #GP. */
function emitJump(p: u32, kind: u32, cc: u32, size: u32, imm: u32, i: u32, off: u32, next: u32, ipMask: u32): void {
  if (kind == K_JCC) { emitCondition(cc); openIf(); }
  emitJumpTaken(p, size, imm, i, off, next, ipMask);
  if (kind == K_JCC) {
    w.op(w.OP_ELSE);
    emitStoreEip(next, ipMask);
    close();
  }
}

/** The taken path of a Jcc/JMP rel: EIP = the target, or its handler raises #GP past the CS limit. */
function emitJumpTaken(p: u32, size: u32, imm: u32, i: u32, off: u32, next: u32, ipMask: u32): void {
  emitEipValue(next, ipMask); w.i32c(imm); w.op(w.OP_I32_ADD);
  if (size == 2) { w.i32c(0xFFFF); w.op(w.OP_I32_AND); }
  w.tee(L_T);
  w.i32c(0); w.memOp(w.OP_I32_LOAD, 2, SEG_LIMIT + (<u32>CS << 2)); w.op(w.OP_I32_GT_U);
  openIf();
  const st = regState;
  // the handler raises #GP, which pushes EFLAGS: a pending record first (only on this path)
  const pending = lazyPending;
  emitPendingFlags();
  emitSlowPath(p, i, off, next, ipMask, true, st, st);
  lazyPending = pending;
  w.op(w.OP_ELSE);
  w.i32c(0); w.get(L_T); w.memOp(w.OP_I32_STORE, 2, EIP);
  close();
}

// ---- a member's last jump deciding its transfer directly (jit/compile.ts emitDirectJump) ---------------------
/** Can the record, its member's last, decide the transfer itself: a 32-bit Jcc/JMP rel in 32-bit code? */
export function directJump(p: u32, word: u32, ipMask: u32): bool {
  const kind = kindOf(word);
  return (kind == K_JCC || kind == K_JMP) && sizeOf(word) == 4 && ipMask == 0xFFFFFFFF && inlineHandled(p, word);
}
/** Is it conditional (then its condition comes first: emitJumpCondition)? */
export function directJumpIsJcc(word: u32): bool { return kindOf(word) == K_JCC; }
/** The Jcc's condition as an i32 on the stack. */
export function emitJumpCondition(word: u32): void { emitCondition(argOf(word)); }
/** Leaving the region from the jump's taken path: EIP = target (or #GP past the CS limit). */
export function emitJumpTakenExit(p: u32, word: u32, i: u32, off: u32, next: u32, ipMask: u32): void {
  emitJumpTaken(p, sizeOf(word), load<u32>(p, I_IMM), i, off, next, ipMask);
}

