// Data movement: MOV (all forms), LEA, MOVZX, MOVSX, XCHG, CBW/CWD, CMOVcc, SETcc, BSWAP, XLAT, LAHF, SAHF,
// LDS/LES/LSS/LFS/LGS, NOP.
import { REGS, I_IMM, I_DISP, I_FLAGS, IF_A32 } from "../../layout";
import { R_EAX, R_EDX, R_EBX, R_AH, getReg, setReg, CS, SS, segSel, F_SF, F_ZF, F_AF, F_PF, F_CF, SHADOW_INTERRUPTS, SHADOW_DEBUG } from "../state";
import { isRegForm } from "../form";
import { faulted, raiseUD, requestStop } from "../fault";
import { testCC, getEflags, setArithFlags } from "../flags";
import { readMem, writeMem } from "../memory";
import { loadSeg } from "../segments";
import { ea, eaSeg, regOff, rmOff, readE, writeE, eaPlus } from "./common";
import { INT_SHADOW } from "../../layout";

// @ts-ignore: decorator
@inline export function mov_EG<T, F>(p: u32): void { writeE<T, F>(p, getReg<T>(regOff(p))); }

// @ts-ignore: decorator
@inline export function mov_GE<T, F>(p: u32): void {
  const v = readE<T, F>(p);
  if (faulted) return;
  setReg<T>(regOff(p), v);
}

/** MOV Ev, Sw: memory destinations are always 16 bits; register ones are zero-extended with o32. */
// @ts-ignore: decorator
@inline export function mov_ES<T, F>(p: u32): void {
  const s = <i32>(regOff(p) >> 2);
  if (s > 5) { raiseUD(); return; }
  const v = segSel(s);
  if (isRegForm<F>()) { if (sizeof<T>() == 4) store<u32>(REGS + rmOff(p), v); else store<u16>(REGS + rmOff(p), <u16>v); }
  else writeMem<u16>(eaSeg(p), ea(p), <u16>v);
}

/** MOV Sw, Ew. Loading CS is #UD; loading SS inhibits interrupts for one instruction. */
// @ts-ignore: decorator
@inline export function mov_SE<F>(p: u32): void {
  const s = <i32>(regOff(p) >> 2);
  if (s > 5 || s == CS) { raiseUD(); return; }
  const v = <u32>readE<u16, F>(p);
  if (faulted) return;
  if (!loadSeg(s, v)) return;
  if (s == SS) { store<u32>(INT_SHADOW, SHADOW_INTERRUPTS | SHADOW_DEBUG); requestStop(); }
}

// @ts-ignore: decorator
@inline export function mov_ZI<T>(p: u32): void { setReg<T>(regOff(p), <T>load<u32>(p, I_IMM)); }

// @ts-ignore: decorator
@inline export function mov_EI<T, F>(p: u32): void { writeE<T, F>(p, <T>load<u32>(p, I_IMM)); }

/** MOV AL/eAX, moffs */
// @ts-ignore: decorator
@inline export function mov_AO<T>(p: u32): void {
  const v = readMem<T>(eaSeg(p), load<u32>(p, I_DISP));
  if (faulted) return;
  setReg<T>(R_EAX, v);
}

/** MOV moffs, AL/eAX */
// @ts-ignore: decorator
@inline export function mov_OA<T>(p: u32): void { writeMem<T>(eaSeg(p), load<u32>(p, I_DISP), getReg<T>(R_EAX)); }

// @ts-ignore: decorator
@inline export function lea<T>(p: u32): void { setReg<T>(regOff(p), <T>ea(p)); }

/** MOVZX G, E (S is the source type) */
// @ts-ignore: decorator
@inline export function movzx<T, S, F>(p: u32): void {
  const v = <u32>readE<S, F>(p);
  if (faulted) return;
  setReg<T>(regOff(p), <T>v);
}

/** MOVSX G, E */
// @ts-ignore: decorator
@inline export function movsx<T, S, F>(p: u32): void {
  const v = readE<S, F>(p);
  if (faulted) return;
  const x: i32 = sizeof<S>() == 1 ? <i32><i8>v : <i32><i16>v;
  setReg<T>(regOff(p), <T>x);
}

/** XCHG E, G (memory forms are implicitly locked) */
// @ts-ignore: decorator
@inline export function xchg_EG<T, F>(p: u32): void {
  const g = getReg<T>(regOff(p));
  if (isRegForm<F>()) {
    const off = rmOff(p);
    setReg<T>(regOff(p), getReg<T>(off));
    setReg<T>(off, g);
  } else {
    const seg = eaSeg(p), m = ea(p);
    const v = readMem<T>(seg, m);
    if (faulted) return;
    writeMem<T>(seg, m, g);
    if (faulted) return;
    setReg<T>(regOff(p), v);
  }
}

/** XCHG r, eAX (90+r) */
// @ts-ignore: decorator
@inline export function xchg_ZA<T>(p: u32): void {
  const off = regOff(p);
  const v = getReg<T>(off);
  setReg<T>(off, getReg<T>(R_EAX));
  setReg<T>(R_EAX, v);
}

/** CBW / CWDE */
// @ts-ignore: decorator
@inline export function cbw<T>(p: u32): void {
  if (sizeof<T>() == 2) store<u16>(REGS + R_EAX, <u16><i16><i8>load<u8>(REGS + R_EAX));
  else store<i32>(REGS + R_EAX, <i32>load<i16>(REGS + R_EAX));
}

/** CWD / CDQ */
// @ts-ignore: decorator
@inline export function cwd<T>(p: u32): void {
  if (sizeof<T>() == 2) store<u16>(REGS + R_EDX, <u16>(<i32>load<i16>(REGS + R_EAX) >> 15));
  else store<i32>(REGS + R_EDX, load<i32>(REGS + R_EAX) >> 31);
}

/** CMOVcc G, E: the source is read (and may fault) whatever the condition. */
// @ts-ignore: decorator
@inline export function cmov<T, F>(p: u32, cc: u32): void {
  const v = readE<T, F>(p);
  if (faulted) return;
  if (testCC(cc)) setReg<T>(regOff(p), v);
}

// @ts-ignore: decorator
@inline export function setcc<F>(p: u32, cc: u32): void { writeE<u8, F>(p, testCC(cc) ? 1 : 0); }

/** BSWAP r32; with a 16-bit operand (undefined in the SDM) the low word becomes 0, as processors and Bochs do. */
// @ts-ignore: decorator
@inline export function bswap_Z<T>(p: u32): void {
  const off = regOff(p);
  if (sizeof<T>() == 2) store<u16>(REGS + off, 0);
  else store<u32>(REGS + off, bswap<u32>(load<u32>(REGS + off)));
}

/** XLAT: AL = [seg:eBX + AL] */
// @ts-ignore: decorator
@inline export function xlat(p: u32): void {
  let a = load<u32>(REGS + R_EBX) + <u32>load<u8>(REGS + R_EAX);
  if ((load<u8>(p, I_FLAGS) & IF_A32) == 0) a &= 0xFFFF;
  const v = readMem<u8>(eaSeg(p), a);
  if (faulted) return;
  store<u8>(REGS + R_EAX, v);
}

// @ts-ignore: decorator
@inline export function lahf(p: u32): void { store<u8>(REGS + R_AH, <u8>getEflags()); }

// @ts-ignore: decorator
@inline export function sahf(p: u32): void {
  setArithFlags(F_SF | F_ZF | F_AF | F_PF | F_CF, <u32>load<u8>(REGS + R_AH));
}

/** LDS/LES/LSS/LFS/LGS G, Mp: the selector is read before the offset (which of the two faults first shows in
 *  CR2 when the pointer crosses a page; Bochs 2.7 reads the selector first: test/kernels/pagecross.asm). */
// @ts-ignore: decorator
@inline export function load_far<T>(p: u32, seg: i32): void {
  const s = eaSeg(p), m = ea(p);
  const sel = <u32>readMem<u16>(s, eaPlus(p, m, <u32>sizeof<T>()));
  if (faulted) return;
  const off = <u32>readMem<T>(s, m);
  if (faulted) return;
  if (!loadSeg(seg, sel)) return;
  setReg<T>(regOff(p), <T>off);
  if (seg == SS) { store<u32>(INT_SHADOW, 1); requestStop(); }
}

// @ts-ignore: decorator
@inline export function nop(p: u32): void {}
