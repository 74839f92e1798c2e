// Debug registers (SDM Vol. 3B ch. 17.2-17.3): breakpoints DR0-DR3 on instruction execution, data writes, data
// reads/writes and (CR4.DE) I/O ports, as configured in DR7; the status in DR6; general detect (DR7.GD); the TSS
// T bit; the single-step status bit. How the pieces meet the block cache and the TLB: docs/cpu-core.md.
//
// - Instruction breakpoints are faults: the executor checks CS:EIP before an instruction (unless EFLAGS.RF) and
//   cuts cached blocks short of an enabled breakpoint address (instructionsBeforeBreakpoint).
// - Data and I/O breakpoints are traps: the access records its matches in DEBUG_PENDING and ends the block; the
//   executor raises #DB at the next instruction boundary. Pages holding a data breakpoint get TLB_WATCH in their
//   TLB entries, which the fast-path masks include, so their accesses reach the slow path and checkData().
// - When any breakpoint is enabled, all four conditions are compared and every match sets its B bit, enabled or
//   not (17.2.3 allows it; Bochs and P6 parts do it); only an enabled match, BS or BT causes the exception.
import { DR, CR4, DEBUG_PENDING, EFLAGS, SEG_BASE, EIP, I_LEN, INSN_SIZE } from "../layout";
import { CS, CR4_DE, F_RF, EX_DB } from "./state";
import { raise, requestStop } from "./fault";
import { tlbFlushAll } from "./paging";

export const DR6_BD: u32 = 0x2000; // the exception is a general-detect fault
export const DR6_BS: u32 = 0x4000; // single step
export const DR6_BT: u32 = 0x8000; // task switch into a TSS with T = 1
const DR6_B_ALL: u32 = 0xF;
const DR7_GD: u32 = 0x2000;
const DR7_LOCAL: u32 = 0x155; // L0-L3 and LE
const PENDING_HIT: u32 = 0x10000; // an enabled breakpoint matched (DEBUG_PENDING only)

// DR7 R/W field values (17.2.4)
const RW_EXEC: u32 = 0;
const RW_WRITE: u32 = 1;
const RW_IO: u32 = 2; // with CR4.DE; undefined (never matches) without
const RW_ACCESS: u32 = 3; // data reads and writes
// what an access is compared against
export const KIND_EXEC: u32 = 0;
export const KIND_WRITE: u32 = 1;
export const KIND_READ: u32 = 2;
export const KIND_IO: u32 = 3;

/** Some enabled breakpoint is an instruction breakpoint: the executor looks at code addresses. */
export let codeBreakpoints: bool = false;
// lowest and highest enabled instruction-breakpoint address: blocks outside are passed over at once
let codeBpLow: u32 = 0;
let codeBpHigh: u32 = 0;
/** Data breakpoints are armed: watched pages carry TLB_WATCH and slow-path accesses call checkData(). */
export let dataBreakpoints: bool = false;
/** I/O breakpoints are armed (CR4.DE): port accesses call checkIo(). */
export let ioBreakpoints: bool = false;

// @ts-ignore: decorator
@inline function dr(n: u32): u32 { return load<u32>(DR + (n << 2)); }
// @ts-ignore: decorator
@inline function dr7(): u32 { return load<u32>(DR + 28); }
// @ts-ignore: decorator
@inline function rwOf(d7: u32, n: u32): u32 { return (d7 >>> (16 + n * 4)) & 3; }
// @ts-ignore: decorator
@inline function enabledBp(d7: u32, n: u32): bool { return ((d7 >>> (n * 2)) & 3) != 0; }

/** LEN field as an address mask (17.2.5): 1, 2 or 4 bytes, the range aligned down; 10b (8 bytes on later parts). */
// @ts-ignore: decorator
@inline function lenMask(d7: u32, n: u32): u32 {
  const l = (d7 >>> (18 + n * 4)) & 3;
  return l == 0 ? 0 : l == 1 ? 1 : l == 3 ? 3 : 7;
}

// @ts-ignore: decorator
@inline function kindMatches(rw: u32, kind: u32): bool {
  if (kind == KIND_EXEC) return rw == RW_EXEC;
  if (kind == KIND_WRITE) return rw == RW_WRITE || rw == RW_ACCESS;
  if (kind == KIND_READ) return rw == RW_ACCESS;
  return rw == RW_IO && (load<u32>(CR4) & CR4_DE) != 0;
}

/**
 * The breakpoint conditions an access of `size` bytes at `addr` meets: B0-B3 bits, plus PENDING_HIT when one of
 * them is enabled. Nothing matches while no breakpoint is enabled at all.
 */
function matchBreakpoints(addr: u32, size: u32, kind: u32): u32 {
  const d7 = dr7();
  if ((d7 & 0xFF) == 0) return 0;
  const last = <u64>addr + <u64>(size - 1);
  let bits: u32 = 0;
  for (let n: u32 = 0; n < 4; n++) {
    if (!kindMatches(rwOf(d7, n), kind)) continue;
    const mask = lenMask(d7, n);
    const start = dr(n) & ~mask;
    if (<u64>addr <= <u64>start + <u64>mask && last >= <u64>start) {
      bits |= 1 << n;
      if (enabledBp(d7, n)) bits |= PENDING_HIT;
    }
  }
  return bits;
}

/** Recompute the armed flags after a write to DR0-DR3, DR7 or CR4 (and after reset or a state restore). */
export function updateBreakpoints(): void {
  const d7 = dr7();
  const any = (d7 & 0xFF) != 0;
  let code = false, data = false, io = false;
  codeBpLow = 0xFFFFFFFF;
  codeBpHigh = 0;
  for (let n: u32 = 0; any && n < 4; n++) {
    const rw = rwOf(d7, n);
    if (rw == RW_EXEC) {
      if (!enabledBp(d7, n)) continue;
      code = true;
      if (dr(n) < codeBpLow) codeBpLow = dr(n);
      if (dr(n) > codeBpHigh) codeBpHigh = dr(n);
    } else if (rw == RW_IO) io = true;
    else data = true; // watched even when disabled: its B bit is reported with the enabled ones
  }
  const hadData = dataBreakpoints;
  codeBreakpoints = code;
  dataBreakpoints = data;
  ioBreakpoints = io && (load<u32>(CR4) & CR4_DE) != 0;
  if (data || hadData) tlbFlushAll(); // TLB_WATCH marks are made when entries are filled
}

/** Does linear page `lin` hold a data breakpoint (its TLB entry gets TLB_WATCH)? */
export function pageWatched(lin: u32): bool {
  const d7 = dr7();
  const page = lin >>> 12;
  for (let n: u32 = 0; n < 4; n++) {
    const rw = rwOf(d7, n);
    if (rw != RW_WRITE && rw != RW_ACCESS) continue;
    const mask = lenMask(d7, n);
    const start = dr(n) & ~mask;
    if ((start >>> 12) == page || ((start + mask) >>> 12) == page) return true;
  }
  return false;
}

/** Record the matches of a trap-class access; the block ends after this instruction (or REP iteration). */
function note(bits: u32): void {
  if (bits == 0) return;
  store<u32>(DEBUG_PENDING, load<u32>(DEBUG_PENDING) | bits);
  requestStop();
}

/** A data access by an instruction (17.3.1.2: a trap after the instruction or REP iteration). */
export function checkData(lin: u32, size: u32, write: bool): void {
  note(matchBreakpoints(lin, size, write ? KIND_WRITE : KIND_READ));
}

/** An I/O port access (17.3.1.2, CR4.DE). */
export function checkIo(port: u32, size: u32): void {
  note(matchBreakpoints(port, size, KIND_IO));
}

/** Single-step trap after the instruction (17.3.1.4). */
export function noteSingleStep(): void { note(DR6_BS); }

/** The instruction faulted: its data breakpoint matches are void (the T bit and BS are kept). */
export function dropDataMatches(): void {
  const p = load<u32>(DEBUG_PENDING);
  if (p != 0) store<u32>(DEBUG_PENDING, p & ~(DR6_B_ALL | PENDING_HIT));
}

/** Instruction-breakpoint matches at CS:EIP (B bits), or 0 when none is enabled there or EFLAGS.RF is set. */
function codeMatchesAtEip(): u32 {
  if ((load<u32>(EFLAGS) & F_RF) != 0) return 0;
  const m = matchBreakpoints(load<u32>(SEG_BASE + (<u32>CS << 2)) + load<u32>(EIP), 1, KIND_EXEC);
  return (m & PENDING_HIT) != 0 ? m & DR6_B_ALL : 0;
}

/**
 * At an instruction boundary: the DR6 bits of a pending debug trap (0 if none). The instruction breakpoints of
 * the next instruction are reported by the same #DB (as Bochs does for a single step onto a breakpoint), except
 * after a task switch: its T-bit trap has a higher priority (SDM Vol. 3A table 6-2) and comes alone.
 */
export function takeDebugTrap(): u32 {
  const p = load<u32>(DEBUG_PENDING);
  store<u32>(DEBUG_PENDING, 0);
  if ((p & (PENDING_HIT | DR6_BS | DR6_BT)) == 0) return 0; // only disabled breakpoints matched
  let bits = p & (DR6_B_ALL | DR6_BS | DR6_BT);
  if (codeBreakpoints && (p & DR6_BT) == 0) bits |= codeMatchesAtEip();
  return bits;
}

/** Before an instruction: the DR6 bits of the instruction breakpoints it hits (a fault), or 0. */
export function instructionBreakpoint(): u32 { return codeMatchesAtEip(); }

/**
 * How many of the `n` records from `rec` (a block whose first byte is at linear `lin`, `bytes` long) run before
 * one at an enabled instruction breakpoint. The first `checked` records are not looked at (the executor already
 * checked CS:EIP, or RF suppressed it).
 */
// @ts-ignore: decorator
@inline export function instructionsBeforeBreakpoint(lin: u32, bytes: u32, rec: u32, n: u32, checked: u32): u32 {
  const end = lin + bytes;
  if (end > lin && (codeBpHigh < lin || codeBpLow >= end)) return n; // no breakpoint in [lin, end)
  return recordsBeforeBreakpoint(lin, rec, n, checked);
}

function recordsBeforeBreakpoint(lin: u32, rec: u32, n: u32, checked: u32): u32 {
  let off: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i >= checked && (matchBreakpoints(lin + off, 1, KIND_EXEC) & PENDING_HIT) != 0) return i;
    off += <u32>load<u8>(rec + i * INSN_SIZE, I_LEN);
  }
  return n;
}

/**
 * Entry to the #DB handler (17.2.3, 17.2.4): B0-B3 and BT describe this exception only, BD and BS stay until
 * software clears them (as Bochs and P6 parts), and DR7.GD is cleared so the handler can use the registers.
 */
export function enterDebugHandler(bits: u32): void {
  store<u32>(DR + 24, (load<u32>(DR + 24) & ~(DR6_B_ALL | DR6_BT)) | bits);
  store<u32>(DR + 28, dr7() & ~DR7_GD);
}

/**
 * A task switch: the local enables L0-L3 (and LE) belong to the old task and are cleared (17.2.4; Bochs clears
 * LE too), and a TSS with the T bit set asks for a #DB (BT) before the new task's first instruction (17.3.1.5).
 */
export function taskSwitched(tBit: bool): void {
  const d7 = dr7();
  if ((d7 & DR7_LOCAL) != 0) {
    store<u32>(DR + 28, d7 & ~DR7_LOCAL);
    updateBreakpoints();
  }
  if (tBit) note(DR6_BT);
}

/** MOV to or from a debug register with DR7.GD set: #DB fault with BD (17.2.4). Returns true if raised. */
export function generalDetect(): bool {
  if ((dr7() & DR7_GD) == 0) return false;
  enterDebugHandler(DR6_BD);
  raise(EX_DB, 0, false);
  return true;
}
