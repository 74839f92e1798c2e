// Stack instructions: PUSH, POP (registers, memory, immediates, segment registers), PUSHA/POPA,
// PUSHF/POPF, ENTER, LEAVE.
import { REGS, I_IMM, I_DISP, EFLAGS, INT_SHADOW } from "../../layout";
import { R_ESP, R_EBP, getReg, setReg, segSel, SS, F_VM, F_RF, F_IOPL, F_IF, cpl, SHADOW_INTERRUPTS, SHADOW_DEBUG } from "../state";
import { faulted, raiseGP, requestStop } from "../fault";
import { getEflags } from "../flags";
import { readMem, writeMem, readMemRMW } from "../memory";
import { loadSeg, isV86, isProtected, ss32 } from "../segments";
import { getEsp, setEsp, pushAt, readAt, push, pop16, pop32, stackMask, stackOffset } from "../stack";
import { setEflagsRaw } from "../interrupts";
import { vmeActive, virtualFlagsImage, loadVirtualFlags } from "../v86";
import { regOff, readE, writeE } from "./common";

// @ts-ignore: decorator
@inline export function push_Z<T>(p: u32): void { push<T>(getReg<T>(regOff(p))); }

// @ts-ignore: decorator
@inline export function pop_Z<T>(p: u32): void {
  const esp = getEsp();
  const v = readAt<T>(esp);
  if (faulted) return;
  setEsp(esp + <u32>sizeof<T>());
  setReg<T>(regOff(p), v); // POP ESP loads the popped value (written after the increment)
}

// @ts-ignore: decorator
@inline export function push_I<T>(p: u32): void { push<T>(<T>load<u32>(p, I_IMM)); }

// @ts-ignore: decorator
@inline export function push_E<T, F>(p: u32): void {
  const v = readE<T, F>(p);
  if (faulted) return;
  push<T>(v);
}

/** POP Ev: the address is computed with ESP already incremented. */
// @ts-ignore: decorator
@inline export function pop_E<T, F>(p: u32): void {
  const esp = getEsp();
  const v = readAt<T>(esp);
  if (faulted) return;
  setEsp(esp + <u32>sizeof<T>());
  writeE<T, F>(p, v);
  if (faulted) store<u32>(REGS + R_ESP, esp);
}

/** PUSH sreg: a 32-bit push writes only the low 16 bits of the slot (as recent processors do). */
// @ts-ignore: decorator
@inline export function push_S<T>(p: u32, s: i32): void {
  const esp = getEsp();
  const n = esp - <u32>sizeof<T>();
  writeMem<u16>(SS, ss32() ? n : n & 0xFFFF, <u16>segSel(s));
  if (faulted) return;
  setEsp(n);
}

// @ts-ignore: decorator
@inline export function pop_S<T>(p: u32, s: i32): void {
  const esp = getEsp();
  const v = <u32>readAt<u16>(esp);
  if (faulted) return;
  // the stack pointer moves by the size of the stack the value came from: computed before POP SS loads a
  // stack segment of another size (a 16-bit stack moves SP only)
  const m = stackMask();
  const next = (esp & ~m) | ((esp + <u32>sizeof<T>()) & m);
  // the new SS (or segment) is checked before ESP changes; a 32-bit pop discards the upper half
  if (!loadSeg(s, v)) return;
  store<u32>(REGS + R_ESP, next);
  if (s == SS) { store<u32>(INT_SHADOW, SHADOW_INTERRUPTS | SHADOW_DEBUG); requestStop(); }
}

// @ts-ignore: decorator
@inline export function pusha<T>(p: u32): void {
  let esp = getEsp();
  const orig = esp;
  for (let r: u32 = 0; r < 8; r++) {
    const v = r == 4 ? orig : load<u32>(REGS + (r << 2));
    esp = pushAt<T>(esp, <T>v);
    if (faulted) return;
  }
  setEsp(esp);
}

// @ts-ignore: decorator
@inline export function popa<T>(p: u32): void {
  let esp = getEsp();
  const size = <u32>sizeof<T>();
  // read all eight first: a fault leaves every register unchanged
  for (let i: u32 = 0; i < 8; i++) {
    const v = readAt<T>(esp + i * size);
    if (faulted) return;
    unchecked(popaScratch[i] = <u32>v);
  }
  for (let i: u32 = 0; i < 8; i++) {
    const r = 7 - i;
    if (r == 4) continue;
    setReg<T>(r << 2, <T>unchecked(popaScratch[i]));
  }
  setEsp(esp + size * 8);
}
const popaScratch = new StaticArray<u32>(8);

// @ts-ignore: decorator
@inline export function pushf<T>(p: u32): void {
  let f = getEflags() & ~(F_VM | F_RF);
  if (isV86() && (f & F_IOPL) != F_IOPL) {
    // IOPL-sensitive; a 16-bit PUSHF with CR4.VME pushes VIF as IF (v86.ts)
    if (sizeof<T>() == 4 || !vmeActive()) { raiseGP(0); return; }
    f = virtualFlagsImage(f);
  }
  push<T>(<T>f);
}

// @ts-ignore: decorator
@inline export function popf<T>(p: u32): void {
  const old = getEflags();
  const v86 = isV86();
  if (v86 && (old & F_IOPL) != F_IOPL) {
    // IOPL-sensitive; a 16-bit POPF with CR4.VME loads VIF from the image's IF (v86.ts)
    if (sizeof<T>() == 4 || !vmeActive()) { raiseGP(0); return; }
    const esp = getEsp();
    const img = <u32>readAt<u16>(esp);
    if (faulted || !loadVirtualFlags(img)) return;
    setEsp(esp + 2);
    return;
  }
  const v = sizeof<T>() == 2 ? pop16() : pop32();
  if (faulted) return;
  // bits POPF never changes: VM, RF (cleared), VIF, VIP
  let changeable: u32 = 0x00244DD5 | F_IF | F_IOPL; // CF PF AF ZF SF TF DF OF NT AC ID + IF + IOPL
  if (isProtected()) {
    const c = cpl();
    if (v86 || c > 0) changeable &= ~F_IOPL;
    if (!v86 && c > ((old & F_IOPL) >> 12)) changeable &= ~F_IF;
  }
  if (sizeof<T>() == 2) changeable &= 0xFFFF;
  setEflagsRaw(((old & ~changeable) | (v & changeable)) & ~F_RF);
}

/** ENTER imm16, imm8 */
// @ts-ignore: decorator
@inline export function enter<T>(p: u32): void {
  const size = <u32>sizeof<T>();
  const alloc = load<u32>(p, I_IMM);
  const level = load<u32>(p, I_DISP) & 31;
  let esp = getEsp();
  let ebp = load<u32>(REGS + R_EBP);
  esp = pushAt<T>(esp, <T>ebp);
  if (faulted) return;
  const frameTemp = esp;
  if (level > 0) {
    for (let i: u32 = 1; i < level; i++) {
      ebp -= size;
      const v = readMem<T>(SS, stackOffset(ebp));
      if (faulted) return;
      esp = pushAt<T>(esp, v);
      if (faulted) return;
    }
    esp = pushAt<T>(esp, <T>frameTemp);
    if (faulted) return;
  }
  // the final stack pointer must be writable, though nothing is written there (Bochs 2.7; hardware faults too)
  const final = esp - alloc;
  readMemRMW<T>(SS, stackOffset(final));
  if (faulted) return;
  setReg<T>(R_EBP, <T>frameTemp);
  setEsp(final);
}

/** LEAVE: ESP = EBP; pop EBP. */
// @ts-ignore: decorator
@inline export function leave<T>(p: u32): void {
  const ebp = load<u32>(REGS + R_EBP);
  const sp = ss32() ? ebp : ebp & 0xFFFF;
  const v = readMem<T>(SS, sp);
  if (faulted) return;
  setEsp(ebp + <u32>sizeof<T>());
  setReg<T>(R_EBP, v);
}
