// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP, TEST, INC, DEC, NOT, NEG, XADD, CMPXCHG,
// CMPXCHG8B. Operation numbers follow the opcode encoding (00-3F, groups 80-83).
import { REGS, I_IMM } from "../../layout";
import { R_EAX, R_EDX, R_EBX, R_ECX, getReg, setReg, F_ZF } from "../state";
import { isRegForm } from "../form";
import { faulted, raiseAC } from "../fault";
import {
  setLazy, setLazyKeepCF, getCF, flushFlags, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_NEG,
} from "../flags";
import { readMem, writeMem, readMemRMW, segWriteOk, linear } from "../memory";
import { alignmentChecks } from "../paging";
import { ea, eaSeg, regOff, rmOff, readE } from "./common";
import { EFLAGS, LF_MASK, CPL } from "../../layout";

export const ALU_ADD: i32 = 0;
export const ALU_OR: i32 = 1;
export const ALU_ADC: i32 = 2;
export const ALU_SBB: i32 = 3;
export const ALU_AND: i32 = 4;
export const ALU_SUB: i32 = 5;
export const ALU_XOR: i32 = 6;
export const ALU_CMP: i32 = 7;

/** Compute `a op b` for operand type T, record the flags, return the result. */
// @ts-ignore: decorator
@inline export function alu<T>(op: i32, a: u32, b: u32): u32 {
  let r: u32;
  switch (op) {
    case ALU_ADD: r = a + b; setLazy<T>(LF_ADD, r, a, b); break;
    case ALU_OR: r = a | b; setLazy<T>(LF_LOGIC, r, 0, 0); break;
    case ALU_ADC: {
      const c = getCF();
      r = a + b + c;
      setLazy<T>(c ? LF_ADC : LF_ADD, r, a, b);
      break;
    }
    case ALU_SBB: {
      const c = getCF();
      r = a - b - c;
      setLazy<T>(c ? LF_SBB : LF_SUB, r, a, b);
      break;
    }
    case ALU_AND: r = a & b; setLazy<T>(LF_LOGIC, r, 0, 0); break;
    case ALU_XOR: r = a ^ b; setLazy<T>(LF_LOGIC, r, 0, 0); break;
    default: r = a - b; setLazy<T>(LF_SUB, r, a, b); break; // SUB, CMP
  }
  return r;
}

/** `E op b` written back to E (CMP only reads E); shared by the E,G and E,imm forms. */
// @ts-ignore: decorator
@inline function aluToE<T, F>(p: u32, op: i32, b: u32): void {
  if (isRegForm<F>()) {
    const off = rmOff(p);
    const r = alu<T>(op, <u32>getReg<T>(off), b);
    if (op != ALU_CMP) setReg<T>(off, <T>r);
  } else {
    const seg = eaSeg(p), a = ea(p);
    if (op == ALU_CMP) {
      const v = <u32>readMem<T>(seg, a);
      if (faulted) return;
      alu<T>(op, v, b);
      return;
    }
    const v = <u32>readMemRMW<T>(seg, a);
    if (faulted) return;
    writeMem<T>(seg, a, <T>alu<T>(op, v, b)); // cannot fault: readMemRMW checked the write
  }
}

/** op E, G */
// @ts-ignore: decorator
@inline export function alu_EG<T, F>(p: u32, op: i32): void { aluToE<T, F>(p, op, <u32>getReg<T>(regOff(p))); }

/** op G, E */
// @ts-ignore: decorator
@inline export function alu_GE<T, F>(p: u32, op: i32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  const off = regOff(p);
  const r = alu<T>(op, <u32>getReg<T>(off), v);
  if (op != ALU_CMP) setReg<T>(off, <T>r);
}

/** op AL/eAX, imm */
// @ts-ignore: decorator
@inline export function alu_AI<T>(p: u32, op: i32): void {
  const r = alu<T>(op, <u32>getReg<T>(R_EAX), load<u32>(p, I_IMM));
  if (op != ALU_CMP) setReg<T>(R_EAX, <T>r);
}

/** op E, imm (groups 80, 81, 83: the immediate was sign-extended by the decoder) */
// @ts-ignore: decorator
@inline export function alu_EI<T, F>(p: u32, op: i32): void { aluToE<T, F>(p, op, load<u32>(p, I_IMM)); }

// @ts-ignore: decorator
@inline export function test_EG<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  setLazy<T>(LF_LOGIC, v & <u32>getReg<T>(regOff(p)), 0, 0);
}

// @ts-ignore: decorator
@inline export function test_AI<T>(p: u32): void {
  setLazy<T>(LF_LOGIC, <u32>getReg<T>(R_EAX) & load<u32>(p, I_IMM), 0, 0);
}

// @ts-ignore: decorator
@inline export function test_EI<T, F>(p: u32): void {
  const v = <u32>readE<T, F>(p);
  if (faulted) return;
  setLazy<T>(LF_LOGIC, v & load<u32>(p, I_IMM), 0, 0);
}

// @ts-ignore: decorator
@inline export function inc_Z<T>(p: u32): void {
  const off = regOff(p);
  const a = <u32>getReg<T>(off);
  const r = a + 1;
  setLazyKeepCF<T>(LF_INC, r, a);
  setReg<T>(off, <T>r);
}

// @ts-ignore: decorator
@inline export function dec_Z<T>(p: u32): void {
  const off = regOff(p);
  const a = <u32>getReg<T>(off);
  const r = a - 1;
  setLazyKeepCF<T>(LF_DEC, r, a);
  setReg<T>(off, <T>r);
}

// @ts-ignore: decorator
@inline export function incdec_E<T, F>(p: u32, dec: bool): void {
  if (isRegForm<F>()) {
    const off = rmOff(p);
    const a = <u32>getReg<T>(off);
    const r = dec ? a - 1 : a + 1;
    setLazyKeepCF<T>(dec ? LF_DEC : LF_INC, r, a);
    setReg<T>(off, <T>r);
  } else {
    const seg = eaSeg(p), m = ea(p);
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    const r = dec ? a - 1 : a + 1;
    setLazyKeepCF<T>(dec ? LF_DEC : LF_INC, r, a);
    writeMem<T>(seg, m, <T>r);
  }
}

// @ts-ignore: decorator
@inline export function not_E<T, F>(p: u32): void {
  if (isRegForm<F>()) {
    const off = rmOff(p);
    setReg<T>(off, <T>(~<u32>getReg<T>(off)));
  } else {
    const seg = eaSeg(p), m = ea(p);
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    writeMem<T>(seg, m, <T>(~a));
  }
}

// @ts-ignore: decorator
@inline export function neg_E<T, F>(p: u32): void {
  if (isRegForm<F>()) {
    const off = rmOff(p);
    const a = <u32>getReg<T>(off);
    const r = 0 - a;
    setLazy<T>(LF_NEG, r, 0, a);
    setReg<T>(off, <T>r);
  } else {
    const seg = eaSeg(p), m = ea(p);
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    const r = 0 - a;
    setLazy<T>(LF_NEG, r, 0, a);
    writeMem<T>(seg, m, <T>r);
  }
}

/** XADD E, G: temp = E + G; G = E; E = temp. */
// @ts-ignore: decorator
@inline export function xadd<T, F>(p: u32): void {
  const g = <u32>getReg<T>(regOff(p));
  if (isRegForm<F>()) {
    const off = rmOff(p);
    const a = <u32>getReg<T>(off);
    const r = alu<T>(ALU_ADD, a, g);
    setReg<T>(regOff(p), <T>a);
    setReg<T>(off, <T>r);
  } else {
    const seg = eaSeg(p), m = ea(p);
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    const r = alu<T>(ALU_ADD, a, g);
    writeMem<T>(seg, m, <T>r);
    setReg<T>(regOff(p), <T>a);
  }
}

/** CMPXCHG E, G: compare accumulator with E; equal: E = G, else accumulator = E. */
// @ts-ignore: decorator
@inline export function cmpxchg<T, F>(p: u32): void {
  const acc = <u32>getReg<T>(R_EAX);
  if (isRegForm<F>()) {
    const off = rmOff(p);
    const a = <u32>getReg<T>(off);
    alu<T>(ALU_CMP, acc, a);
    if (acc == a) setReg<T>(off, getReg<T>(regOff(p)));
    else setReg<T>(R_EAX, <T>a);
  } else {
    const seg = eaSeg(p), m = ea(p);
    const a = <u32>readMemRMW<T>(seg, m);
    if (faulted) return;
    // the processor always writes the destination (the old value when unequal)
    if (acc == a) writeMem<T>(seg, m, getReg<T>(regOff(p)));
    else writeMem<T>(seg, m, <T>a);
    if (faulted) return;
    alu<T>(ALU_CMP, acc, a);
    if (acc != a) setReg<T>(R_EAX, <T>a);
  }
}

/** CMPXCHG8B m64: compare EDX:EAX with m64; equal: m64 = ECX:EBX, ZF = 1; else EDX:EAX = m64, ZF = 0. */
// @ts-ignore: decorator
@inline export function cmpxchg8b(p: u32): void {
  const seg = eaSeg(p), m = ea(p);
  if (!segWriteOk<u64>(seg, m)) return;
  // a 64-bit operand: #AC unless 8-byte aligned (the two dword accesses below check only 4)
  if (alignmentChecks && load<u32>(CPL) == 3 && (linear(seg, m) & 7) != 0) { raiseAC(); return; }
  const lo = readMemRMW<u32>(seg, m);
  if (faulted) return;
  const hi = readMemRMW<u32>(seg, m + 4);
  if (faulted) return;
  const eq = lo == load<u32>(REGS + R_EAX) && hi == load<u32>(REGS + R_EDX);
  if (eq) {
    writeMem<u32>(seg, m, load<u32>(REGS + R_EBX));
    writeMem<u32>(seg, m + 4, load<u32>(REGS + R_ECX));
  } else {
    writeMem<u32>(seg, m, lo);
    writeMem<u32>(seg, m + 4, hi);
  }
  if (faulted) return;
  if (!eq) { store<u32>(REGS + R_EAX, lo); store<u32>(REGS + R_EDX, hi); }
  flushFlags();
  store<u32>(EFLAGS, eq ? load<u32>(EFLAGS) | F_ZF : load<u32>(EFLAGS) & ~F_ZF);
  store<u32>(LF_MASK, 0);
}
