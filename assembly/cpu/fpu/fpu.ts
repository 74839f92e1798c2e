// x87 FPU state: the register stack, control/status/tag words, the last-instruction pointers, exception
// signalling and delivery (SDM Vol. 1 ch. 8, Vol. 3A 2.5 for CR0.EM/MP/TS/NE).
//
// PRECISION: each physical register is its 80-bit image (FPU_RAW); there is no other working value.
//  - Arithmetic (ext80.ts) is exact x87 arithmetic: 64-bit significands rounded once to the precision
//    control (24/53/64 bits) under the rounding control, the full 15-bit exponent range, denormal and
//    unsupported operands, masked and unmasked responses (bias-adjusted results on register destinations).
//  - FPREM/FPREM1/FSCALE/FXTRACT/FRNDINT (exact.ts) are exact; the precision control does not apply to them.
//  - Transcendentals (transcendental.ts) are evaluated with a 128-bit significand (wide.ts) and rounded
//    once; they agree with the host's x87 within 1 ulp (about 97.5% bit for bit).
//  - Where the SDM is silent, behaviour follows measurements on the host x87 (comments say "measured");
//    test/fpu/random.ts compares every instruction against the host.
// NaN payloads and signed zeros never pass through float arithmetic: everything is integer code on images.
import {
  FPU_RAW, FPU_CW, FPU_SW, FPU_TOP, FPU_TAG, FPU_FIP, FPU_FCS, FPU_FDP, FPU_FDS, FPU_FOP,
  FPU_MXCSR, FPU_FERR, CR0, I_LEN, I_RM, I_INDEX, I_DISP, I_SIB, I_FLAGS, IF_A32, MODE_FLAGS, MODE_CS32,
  ZERO_OFF, FPU_RESTORE_TMP,
} from "../../layout";
import { CR0_EM, CR0_TS, CR0_NE, CS, getEip, segSel } from "../state";
import { raiseNM, raiseMF, raiseGP, faulted } from "../fault";
import { readMem, writeMem, readMemRMW, segWriteOk, linear } from "../memory";
import {
  pMant, pSE, setP, SW_IE, SW_SF, SW_C1, SW_ES, SW_B, SW_C0, SW_C2, SW_C3, SW_DE, SW_ZE,
  SW_OE, SW_UE, M80_INDEFINITE_MANT, M80_INDEFINITE_SE,
} from "./float80";

export const TAG_VALID: u32 = 0;
export const TAG_ZERO: u32 = 1;
export const TAG_SPECIAL: u32 = 2;
export const TAG_EMPTY: u32 = 3;
export const SW_COND: u32 = SW_C0 | SW_C1 | SW_C2 | SW_C3;

// ---- register stack -----------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function fpuTop(): u32 { return load<u32>(FPU_TOP) & 7; }
// @ts-ignore: decorator
@inline export function physOf(i: u32): u32 { return (fpuTop() + i) & 7; }
// @ts-ignore: decorator
@inline export function cw(): u32 { return load<u32>(FPU_CW); }
/** Rounding control of the control word. */
// @ts-ignore: decorator
@inline export function rcOf(): u32 { return (load<u32>(FPU_CW) >> 10) & 3; }

export function physEmpty(r: u32): bool { return ((load<u32>(FPU_TAG) >> (r << 1)) & 3) == TAG_EMPTY; }
export function stEmpty(i: u32): bool { return physEmpty(physOf(i)); }

function setTagPhys(r: u32, t: u32): void {
  const sh = r << 1;
  store<u32>(FPU_TAG, (load<u32>(FPU_TAG) & ~(<u32>3 << sh)) | (t << sh));
}

// Each physical register is its 80-bit image at FPU_RAW + 16 * r: significand (u64) at +0, sign and exponent
// (u16) at +8.
// @ts-ignore: decorator
@inline export function regAddr(r: u32): u32 { return FPU_RAW + (r << 4); }

/** Write the QNaN indefinite to ST(i) (masked invalid-operation responses). */
export function stSetIndef(i: u32): void { stSetRaw(i, M80_INDEFINITE_MANT, M80_INDEFINITE_SE); }

/** Write ST(i) from an 80-bit image. */
export function stSetRaw(i: u32, mant: u64, se: u32): void {
  const r = physOf(i);
  const a = regAddr(r);
  store<u64>(a, mant);
  store<u16>(a, <u16>se, 8);
  setTagPhys(r, TAG_VALID);
}

/** The 80-bit image of ST(i) in (pMant, pSE). */
export function stGet80(i: u32): void { physGet80(physOf(i)); }
export function physGet80(r: u32): void {
  const a = regAddr(r);
  setP(load<u64>(a), load<u16>(a, 8));
}
// @ts-ignore: decorator
@inline export function stMant(i: u32): u64 { return load<u64>(regAddr(physOf(i))); }
// @ts-ignore: decorator
@inline export function stSE(i: u32): u32 { return <u32>load<u16>(regAddr(physOf(i)), 8); }

/** Copy ST(src) to ST(dst). */
export function stCopy(dst: u32, src: u32): void {
  const a = regAddr(physOf(src));
  stSetRaw(dst, load<u64>(a), load<u16>(a, 8));
}

export function setTop(t: u32): void { store<u32>(FPU_TOP, t & 7); }
export function popStack(): void { setTagPhys(fpuTop(), TAG_EMPTY); setTop(fpuTop() + 1); }
export function decTop(): void { setTop(fpuTop() - 1); }
export function freePhys(r: u32): void { setTagPhys(r, TAG_EMPTY); }

// ---- status word and exceptions -----------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function swGet(): u32 { return load<u32>(FPU_SW); }
// @ts-ignore: decorator
@inline export function swSet(v: u32): void { store<u32>(FPU_SW, v); }

/** The full status word with TOP in bits 11-13. */
export function statusWord(): u32 { return (load<u32>(FPU_SW) & ~<u32>0x3800) | (fpuTop() << 11); }

/** Set the condition codes (C0-C3 given as SW bits) and clear the others. */
export function setCond(bits: u32): void { swSet((swGet() & ~SW_COND) | bits); }

/**
 * Record exception flags of the current instruction. Returns true when the result may be written: false
 * if an unmasked invalid-operation, denormal or zero-divide exception occurred (those suppress the result,
 * SDM Vol. 1 8.5). Unmasked exceptions set ES and B; they are delivered at the next waiting instruction.
 */
export function fpuSignal(exc: u32): bool {
  if (exc == 0) return true;
  let unmasked = exc & ~load<u32>(FPU_CW) & 0x3F;
  // an unmasked pre-computation exception (invalid, denormal, zero divide) suppresses the operation, so
  // the flags of its rounding (PE, UE, OE) are not raised (measured)
  if ((unmasked & (SW_IE | SW_DE | SW_ZE)) != 0) { exc &= SW_IE | SW_DE | SW_ZE | SW_SF; unmasked &= exc; }
  let sw = swGet() | (exc & 0x7F);
  if (unmasked != 0) sw |= SW_ES | SW_B;
  const ok = (unmasked & (SW_IE | SW_DE | SW_ZE)) == 0;
  if (!ok) sw &= ~SW_C1; // a suppressed result leaves C1 = 0 (measured)
  swSet(sw);
  return ok;
}

/** As fpuSignal, for a store to memory: unmasked overflow/underflow also suppress it (SDM Vol. 1 4.9.2). */
export function fpuSignalStore(exc: u32): bool {
  const ok = fpuSignal(exc);
  if (!ok) return false;
  if ((exc & ~load<u32>(FPU_CW) & (SW_OE | SW_UE)) != 0) { swSet(swGet() & ~SW_C1); return false; }
  return true;
}

/** Is the invalid-operation exception masked? */
export function ieMasked(): bool { return (load<u32>(FPU_CW) & SW_IE) != 0; }

/** Stack underflow (reading an empty register): IE + SF, C1 = 0. Returns true when masked. */
export function stackUnderflow(): bool {
  swSet(swGet() & ~SW_C1);
  return fpuSignal(SW_IE | SW_SF);
}

/** Stack overflow (pushing onto a full register): IE + SF, C1 = 1. Returns true when masked. */
export function stackOverflow(): bool {
  const ok = fpuSignal(SW_IE | SW_SF);
  swSet(swGet() | SW_C1);
  return ok;
}

/** After FLDCW, FLDENV, FRSTOR, FXRSTOR: ES and B follow the flags that are now unmasked. */
export function recomputeES(): void {
  let sw = swGet();
  if ((sw & ~load<u32>(FPU_CW) & 0x3F) != 0) sw |= SW_ES | SW_B;
  else { sw &= ~(SW_ES | SW_B); store<u32>(FPU_FERR, 0); }
  swSet(sw);
}

/**
 * Deliver a pending unmasked x87 exception (WAIT and every waiting x87 instruction check this first,
 * SDM Vol. 1 8.6). CR0.NE = 1: #MF (vector 16) with EIP at the waiting instruction. CR0.NE = 0 (PC-style
 * reporting): FERR# is asserted (FPU_FERR = 1; the platform routes it to IRQ13 through the PIC, see
 * fpuFerrAsserted) and the instruction goes on as if IGNNE# were asserted.
 * Known gap: a P6 with NE = 0 and IGNNE# inactive would freeze at the instruction until the interrupt.
 */
export function fpuCheckPending(): void {
  if ((load<u32>(FPU_SW) & SW_ES) == 0) return;
  if ((load<u32>(CR0) & CR0_NE) != 0) { raiseMF(); return; }
  store<u32>(FPU_FERR, 1);
}

/** For the platform (IRQ13 wiring): is FERR# asserted? It stays asserted until FNCLEX/FNINIT/... clear ES. */
export function fpuFerrAsserted(): bool { return load<u32>(FPU_FERR) != 0; }

/** For the platform: a write to port F0h (IGNNE#/clear busy) drops the FERR# latch. */
export function fpuClearFerr(): void { store<u32>(FPU_FERR, 0); }

// ---- instruction entry --------------------------------------------------------------------------------------
/** Every escape D8-DF: CR0.EM or CR0.TS => #NM (SDM Vol. 3A 2.5, table 2-2). False when it faulted. */
export function fpuEnterControl(): bool {
  if ((load<u32>(CR0) & (CR0_EM | CR0_TS)) != 0) { raiseNM(); return false; }
  return true;
}

/** A waiting instruction: #NM checks, then a pending unmasked exception. False when it faulted. */
export function fpuEnter(): bool {
  if ((load<u32>(CR0) & (CR0_EM | CR0_TS)) != 0) { raiseNM(); return false; }
  fpuCheckPending();
  return !faulted;
}

/** EIP of the current instruction (the record follows EIP past it). */
function insnEip(p: u32): u32 {
  const e = getEip() - <u32>load<u8>(p, I_LEN);
  return (load<i32>(MODE_FLAGS) & MODE_CS32) != 0 ? e : e & 0xFFFF;
}

/** Last instruction pointer and opcode for a non-control register-form instruction. fop: 11-bit opcode. */
export function fpuSetIP(p: u32, fop: u32): void {
  store<u32>(FPU_FIP, insnEip(p));
  store<u32>(FPU_FCS, segSel(CS));
  store<u32>(FPU_FOP, fop & 0x7FF);
}

/** Last instruction and data pointers for a memory-form instruction; fopHi = (opcode & 7) << 8 | reg << 3. */
export function fpuSetIPMem(p: u32, fopHi: u32, seg: i32, ea: u32): void {
  store<u32>(FPU_FIP, insnEip(p));
  store<u32>(FPU_FCS, segSel(CS));
  store<u32>(FPU_FOP, (fopHi & 0x7F8) | modrmLowBits(p));
  store<u32>(FPU_FDP, ea);
  store<u32>(FPU_FDS, segSel(seg));
}

/**
 * The mod and r/m bits of the ModRM byte of a memory operand. The decoded record does not keep the
 * byte, so it is rebuilt from the base/index/displacement: exact for the shortest (assembler-standard)
 * encoding; an encoding with a longer displacement than needed or a redundant SIB byte gives another
 * mod/rm in FOP than the bytes held (known gap; FOP is only observable through FSTENV/FSAVE/FXSAVE).
 */
export function modrmLowBits(p: u32): u32 {
  const base = <u32>load<u8>(p, I_RM), index = <u32>load<u8>(p, I_INDEX);
  const disp = load<i32>(p, I_DISP);
  const a32 = (load<u8>(p, I_FLAGS) & IF_A32) != 0;
  if (!a32) {
    let rm: u32 = 6;
    if (base == ZERO_OFF) return 0x06; // [disp16]
    if (index != ZERO_OFF) rm = (base == 12 ? 0 : 2) + (index == 28 ? 1 : 0);
    else rm = base == 24 ? 4 : base == 28 ? 5 : base == 20 ? 6 : 7;
    const d16 = <i32><i16>disp;
    const mod: u32 = d16 == 0 && rm != 6 ? 0 : d16 >= -128 && d16 <= 127 ? 1 : 2;
    return (mod << 6) | rm;
  }
  const sib = index != ZERO_OFF || base == 16;
  if (base == ZERO_OFF) return sib ? 0x04 : 0x05; // [disp32] or [index*s+disp32]
  const rm: u32 = sib ? 4 : base >> 2;
  const mod: u32 = disp == 0 && base != 20 ? 0 : disp >= -128 && disp <= 127 ? 1 : 2;
  return (mod << 6) | rm;
}

// ---- reset / init -------------------------------------------------------------------------------------------
/** FNINIT (SDM Vol. 1 8.1.x, FINIT): CW 037Fh, SW 0, all empty, pointers 0. */
export function fpuInit(): void {
  store<u32>(FPU_CW, 0x037F);
  store<u32>(FPU_SW, 0);
  store<u32>(FPU_TOP, 0);
  store<u32>(FPU_TAG, 0xFFFF);
  store<u32>(FPU_FIP, 0); store<u32>(FPU_FCS, 0);
  store<u32>(FPU_FDP, 0); store<u32>(FPU_FDS, 0);
  store<u32>(FPU_FOP, 0);
  store<u32>(FPU_FERR, 0);
}

/** Power-on RESET state (SDM Vol. 3A table 9-1): CW 0040h, SW 0, TW 5555h (registers +0), MXCSR 1F80h. */
export function fpuReset(): void {
  fpuInit();
  store<u32>(FPU_CW, 0x0040);
  store<u32>(FPU_TAG, 0x5555);
  memory.fill(FPU_RAW, 0, 128);
  store<u32>(FPU_MXCSR, 0x1F80);
}

/** The tag (valid/zero/special/empty) that FSTENV/FSAVE report for physical register r. */
export function fullTag(r: u32): u32 {
  if (physEmpty(r)) return TAG_EMPTY;
  physGet80(r);
  const be = pSE & 0x7FFF;
  if (be == 0x7FFF) return TAG_SPECIAL;
  if (be == 0) return pMant == 0 ? TAG_ZERO : TAG_SPECIAL;
  return (pMant >> 63) != 0 ? TAG_VALID : TAG_SPECIAL;
}

export function fullTagWord(): u32 {
  let t: u32 = 0;
  for (let r: u32 = 0; r < 8; r++) t |= fullTag(r) << (r << 1);
  return t;
}

// ---- memory helpers -----------------------------------------------------------------------------------------
/** Check that [ea, ea+len-1] may be written (segment limit and both ends' pages) before a multi-part store. */
export function probeWrite(seg: i32, ea: u32, len: u32): bool {
  readMemRMW<u8>(seg, ea);
  if (faulted) return false;
  const last = ea + len - 1;
  if (!segWriteOk<u8>(seg, last)) return false;
  // a second page is probed at its first byte: a fault there reports that address in CR2 (as a crossing write does)
  const lin = linear(seg, ea), linLast = lin + len - 1;
  if (((lin ^ linLast) & 0xFFFFF000) != 0) readMemRMW<u8>(seg, ea + ((linLast & 0xFFFFF000) - lin));
  return !faulted;
}

/** Read an m80 image into (pMant, pSE); false after a fault. */
export function readM80(seg: i32, ea: u32): bool {
  const lo = readMem<u32>(seg, ea);
  if (faulted) return false;
  const hi = readMem<u32>(seg, ea + 4);
  if (faulted) return false;
  const se = readMem<u16>(seg, ea + 8);
  if (faulted) return false;
  setP((<u64>hi << 32) | <u64>lo, se);
  return true;
}

/** Write an m80 image; the whole area is checked first. */
export function writeM80(seg: i32, ea: u32, mant: u64, se: u32): bool {
  if (!probeWrite(seg, ea, 10)) return false;
  writeMem<u32>(seg, ea, <u32>mant);
  writeMem<u32>(seg, ea + 4, <u32>(mant >> 32));
  writeMem<u16>(seg, ea + 8, <u16>se);
  return !faulted;
}

export function readM64(seg: i32, ea: u32): u64 {
  const lo = readMem<u32>(seg, ea);
  if (faulted) return 0;
  const hi = readMem<u32>(seg, ea + 4);
  return (<u64>hi << 32) | <u64>lo;
}

export function writeM64(seg: i32, ea: u32, v: u64): bool {
  if (!probeWrite(seg, ea, 8)) return false;
  writeMem<u32>(seg, ea, <u32>v);
  writeMem<u32>(seg, ea + 4, <u32>(v >> 32));
  return !faulted;
}

// ---- FXSAVE / FXRSTOR (SDM Vol. 2 FXSAVE, table 3-53; 32-bit layout) -------------------------------------
const MXCSR_MASK: u32 = 0x0000FFBF; // no DAZ on this CPU

export function fxsaveImpl(seg: i32, ea: u32): void {
  if ((ea & 15) != 0) { raiseGP(0); return; }
  if (!probeWrite(seg, ea, 512)) return;
  writeMem<u16>(seg, ea, <u16>load<u32>(FPU_CW));
  writeMem<u16>(seg, ea + 2, <u16>statusWord());
  let abridged: u32 = 0;
  for (let r: u32 = 0; r < 8; r++) if (!physEmpty(r)) abridged |= <u32>1 << r;
  writeMem<u8>(seg, ea + 4, <u8>abridged);
  writeMem<u8>(seg, ea + 5, 0);
  writeMem<u16>(seg, ea + 6, <u16>load<u32>(FPU_FOP));
  writeMem<u32>(seg, ea + 8, load<u32>(FPU_FIP));
  writeMem<u32>(seg, ea + 12, load<u32>(FPU_FCS) & 0xFFFF);
  writeMem<u32>(seg, ea + 16, load<u32>(FPU_FDP));
  writeMem<u32>(seg, ea + 20, load<u32>(FPU_FDS) & 0xFFFF);
  writeMem<u32>(seg, ea + 24, load<u32>(FPU_MXCSR));
  writeMem<u32>(seg, ea + 28, MXCSR_MASK);
  for (let i: u32 = 0; i < 8; i++) {
    stGet80(i);
    const a = ea + 32 + (i << 4);
    writeMem<u32>(seg, a, <u32>pMant);
    writeMem<u32>(seg, a + 4, <u32>(pMant >> 32));
    writeMem<u16>(seg, a + 8, <u16>pSE);
    writeMem<u16>(seg, a + 10, 0);
    writeMem<u32>(seg, a + 12, 0);
  }
  // XMM0-7: this CPU has no SSE registers; the area reads as zeros. Bytes 288-463 (reserved; XMM8-15 in
  // 64-bit mode) and 464-511 (available to software) are not written, as the SDM says for 464-511 and as
  // the host does for all of 288-511 in 32-bit mode (test/fpu/cases.ts "FXSAVE leaves bytes 288-511 ...").
  for (let a: u32 = 160; a < 288; a += 4) writeMem<u32>(seg, ea + a, 0);
}

export function fxrstorImpl(seg: i32, ea: u32): void {
  if ((ea & 15) != 0) { raiseGP(0); return; }
  // read everything before changing any state
  const fcw = readMem<u16>(seg, ea); if (faulted) return;
  const fsw = readMem<u16>(seg, ea + 2); if (faulted) return;
  const ftw = <u32>readMem<u8>(seg, ea + 4); if (faulted) return;
  const fop = readMem<u16>(seg, ea + 6); if (faulted) return;
  const fip = readMem<u32>(seg, ea + 8); if (faulted) return;
  const fcs = readMem<u16>(seg, ea + 12); if (faulted) return;
  const fdp = readMem<u32>(seg, ea + 16); if (faulted) return;
  const fds = readMem<u16>(seg, ea + 20); if (faulted) return;
  const mxcsr = readMem<u32>(seg, ea + 24); if (faulted) return;
  readMem<u8>(seg, ea + 511); if (faulted) return; // the whole 512-byte area must be readable
  if ((mxcsr & ~MXCSR_MASK) != 0) { raiseGP(0); return; }
  // registers: read into the scratch copy first (ST order)
  for (let i: u32 = 0; i < 8; i++) {
    if (!readM80(seg, ea + 32 + (i << 4))) return;
    store<u64>(FXR_TMP + (i << 4), pMant);
    store<u32>(FXR_TMP + (i << 4) + 8, pSE);
  }
  store<u32>(FPU_CW, fcw);
  store<u32>(FPU_SW, fsw & ~<u32>0x3800);
  setTop((fsw >> 11) & 7);
  store<u32>(FPU_FOP, fop & 0x7FF);
  store<u32>(FPU_FIP, fip); store<u32>(FPU_FCS, fcs);
  store<u32>(FPU_FDP, fdp); store<u32>(FPU_FDS, fds);
  store<u32>(FPU_MXCSR, mxcsr);
  for (let i: u32 = 0; i < 8; i++) stSetRaw(i, load<u64>(FXR_TMP + (i << 4)), load<u32>(FXR_TMP + (i << 4) + 8));
  let tag: u32 = 0;
  for (let r: u32 = 0; r < 8; r++) if (((ftw >> r) & 1) == 0) tag |= TAG_EMPTY << (r << 1);
  store<u32>(FPU_TAG, tag);
  recomputeES();
}

// 8 x 16 bytes of temporary storage for restores (inside the FPU state area, never guest-visible state)
const FXR_TMP: u32 = FPU_RESTORE_TMP;

export function fpuIndefinite80(): void { setP(M80_INDEFINITE_MANT, M80_INDEFINITE_SE); }
