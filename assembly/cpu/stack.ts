// The stack: pushes and pops through SS with the stack-address size of SS.B (ESP or SP).
// Multi-value operations compute the new stack pointer first and commit it only when every access
// succeeded, so a fault leaves ESP unchanged (precise exceptions).
import { REGS } from "../layout";
import { SS, R_ESP } from "./state";
import { readMem, writeMem } from "./memory";
import { faulted, raiseSS } from "./fault";
import { ss32, segCheckSlow } from "./segments";

// @ts-ignore: decorator
@inline export function getEsp(): u32 { return load<u32>(REGS + R_ESP); }

/** Stack pointer as an offset in SS (SP when SS is 16-bit). */
// @ts-ignore: decorator
@inline export function stackOffset(esp: u32): u32 { return ss32() ? esp : esp & 0xFFFF; }

/** The part of ESP that a 16-bit (FFFFh) or 32-bit stack uses. */
// @ts-ignore: decorator
@inline export function stackMask(): u32 { return ss32() ? 0xFFFFFFFF : 0xFFFF; }

/** Store a new stack pointer value, keeping ESP's upper half for a 16-bit stack. */
export function setEsp(v: u32): void {
  if (ss32()) store<u32>(REGS + R_ESP, v);
  else store<u16>(REGS + R_ESP, <u16>v);
}

/** Add to the stack pointer (respecting the stack size). */
export function adjustEsp(delta: u32): void { setEsp(getEsp() + delta); }

/** Push v (2 or 4 bytes by T) at esp - size; returns the new ESP register value (on a 16-bit stack only SP
 *  moves and wraps, the upper half stays). Does not commit ESP. */
// @ts-ignore: decorator
@inline export function pushAt<T>(esp: u32, v: T): u32 {
  const n = esp - <u32>sizeof<T>();
  const m = stackMask();
  writeMem<T>(SS, n & m, v);
  return (esp & ~m) | (n & m);
}

/** Read a T at esp (no commit). */
// @ts-ignore: decorator
@inline export function readAt<T>(esp: u32): T { return readMem<T>(SS, stackOffset(esp)); }

export function push16(v: u32): void {
  const n = pushAt<u16>(getEsp(), <u16>v);
  if (!faulted) setEsp(n);
}

export function push32(v: u32): void {
  const n = pushAt<u32>(getEsp(), v);
  if (!faulted) setEsp(n);
}

// @ts-ignore: decorator
@inline export function push<T>(v: T): void {
  if (sizeof<T>() == 2) push16(<u32>v); else push32(<u32>v);
}

export function pop16(): u32 {
  const esp = getEsp();
  const v = <u32>readAt<u16>(esp);
  if (!faulted) setEsp(esp + 2);
  return v;
}

export function pop32(): u32 {
  const esp = getEsp();
  const v = readAt<u32>(esp);
  if (!faulted) setEsp(esp + 4);
  return v;
}

// @ts-ignore: decorator
@inline export function pop<T>(): u32 {
  return sizeof<T>() == 2 ? pop16() : pop32();
}

/**
 * A far transfer's whole stack frame must lie within SS before any part of it is used: `bytes` bytes starting
 * `delta` bytes from the stack pointer (negative for a frame to be pushed). On a 16-bit stack a frame that would
 * wrap around 64 KiB is outside the segment (SDM CALL/RET/IRET: "stack not within limits" -> #SS(0); Bochs 2.7,
 * test/kernels/stack.asm), although single pushes and pops wrap. False after #SS.
 */
export function stackFrameOk(esp: u32, delta: i32, bytes: u32): bool {
  // the frame's slots are whole words/dwords even where only part is used (the CS slot of a 32-bit frame)
  const top: i64 = ss32() ? 0x1_0000_0000 : 0x10000;
  const start: i64 = <i64>(ss32() ? esp : esp & 0xFFFF) + <i64>delta;
  if (start < 0 || start + <i64>bytes > top) { raiseSS(0); return false; }
  return segCheckSlow(SS, <u32>start, bytes, delta < 0);
}
