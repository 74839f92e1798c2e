// Register access and the constants of the architectural state. All state lives at the fixed addresses of
// layout.ts; these helpers only name them.
import {
  REGS, EIP, SEG_SEL, SEG_BASE, SEG_LIMIT, SEG_ACCESS, CR0, CR4, CPL, MODE_FLAGS,
  I_REG, I_RM, I_FLAGS, I_IMM, I_DISP, IF_A32,
} from "../layout";

// General register byte offsets from REGS (what decoded records hold)
export const R_EAX: u32 = 0;
export const R_ECX: u32 = 4;
export const R_EDX: u32 = 8;
export const R_EBX: u32 = 12;
export const R_ESP: u32 = 16;
export const R_EBP: u32 = 20;
export const R_ESI: u32 = 24;
export const R_EDI: u32 = 28;
export const R_AH: u32 = 1;

// Segment register indices (encoding order)
export const ES: i32 = 0;
export const CS: i32 = 1;
export const SS: i32 = 2;
export const DS: i32 = 3;
export const FS: i32 = 4;
export const GS: i32 = 5;
export const SEG_FLAT: i32 = 6; // linear addressing (base 0, no checks)

// EFLAGS
export const F_CF: u32 = 0x0001;
export const F_PF: u32 = 0x0004;
export const F_AF: u32 = 0x0010;
export const F_ZF: u32 = 0x0040;
export const F_SF: u32 = 0x0080;
export const F_TF: u32 = 0x0100;
export const F_IF: u32 = 0x0200;
export const F_DF: u32 = 0x0400;
export const F_OF: u32 = 0x0800;
export const F_IOPL: u32 = 0x3000;
export const F_NT: u32 = 0x4000;
export const F_RF: u32 = 0x10000;
export const F_VM: u32 = 0x20000;
export const F_AC: u32 = 0x40000;
export const F_VIF: u32 = 0x80000;
export const F_VIP: u32 = 0x100000;
export const F_ID: u32 = 0x200000;
export const F_ARITH: u32 = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF;
export const F_FIXED1: u32 = 0x0002;
// bits software can change on this CPU (P6: no VIF/VIP handling without VME, but the bits exist)
export const F_WRITABLE: u32 = F_ARITH | F_TF | F_IF | F_DF | F_IOPL | F_NT | F_RF | F_VM | F_AC | F_VIF | F_VIP | F_ID;

// INT_SHADOW: what the instruction just executed holds back until the next one completes (SDM Vol. 3A 6.8.3)
export const SHADOW_INTERRUPTS: u32 = 1; // STI (and MOV SS, POP SS, LSS): external interrupts
export const SHADOW_DEBUG: u32 = 2; // MOV SS, POP SS: debug traps, and the next instruction's breakpoints

// CR0 / CR4
export const CR0_PE: u32 = 1;
export const CR0_MP: u32 = 2;
export const CR0_EM: u32 = 4;
export const CR0_TS: u32 = 8;
export const CR0_ET: u32 = 0x10;
export const CR0_NE: u32 = 0x20;
export const CR0_WP: u32 = 0x10000;
export const CR0_AM: u32 = 0x40000;
export const CR0_NW: u32 = 0x20000000;
export const CR0_CD: u32 = 0x40000000;
export const CR0_PG: u32 = 0x80000000;
export const CR4_VME: u32 = 1;
export const CR4_PVI: u32 = 2;
export const CR4_TSD: u32 = 4;
export const CR4_DE: u32 = 8;
export const CR4_PSE: u32 = 0x10;
export const CR4_PAE: u32 = 0x20;
export const CR4_MCE: u32 = 0x40;
export const CR4_PGE: u32 = 0x80;
export const CR4_PCE: u32 = 0x100;
export const CR4_OSFXSR: u32 = 0x200;
export const CR4_OSXMMEXCPT: u32 = 0x400;

// Exceptions
export const EX_DE: i32 = 0;
export const EX_DB: i32 = 1;
export const EX_NMI: i32 = 2;
export const EX_BP: i32 = 3;
export const EX_OF: i32 = 4;
export const EX_BR: i32 = 5;
export const EX_UD: i32 = 6;
export const EX_NM: i32 = 7;
export const EX_DF: i32 = 8;
export const EX_TS: i32 = 10;
export const EX_NP: i32 = 11;
export const EX_SS: i32 = 12;
export const EX_GP: i32 = 13;
export const EX_PF: i32 = 14;
export const EX_MF: i32 = 16;
export const EX_AC: i32 = 17;
export const EX_MC: i32 = 18;

// ---- general registers -------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function getReg<T>(off: u32): T { return load<T>(REGS + off); }
// @ts-ignore: decorator
@inline export function setReg<T>(off: u32, v: T): void { store<T>(REGS + off, v); }
// @ts-ignore: decorator
@inline export function reg32(off: u32): u32 { return load<u32>(REGS + off); }
// @ts-ignore: decorator
@inline export function setReg32(off: u32, v: u32): void { store<u32>(REGS + off, v); }
// @ts-ignore: decorator
@inline export function reg16(off: u32): u32 { return load<u16>(REGS + off); }
// @ts-ignore: decorator
@inline export function setReg16(off: u32, v: u32): void { store<u16>(REGS + off, <u16>v); }
// @ts-ignore: decorator
@inline export function reg8(off: u32): u32 { return load<u8>(REGS + off); }
// @ts-ignore: decorator
@inline export function setReg8(off: u32, v: u32): void { store<u8>(REGS + off, <u8>v); }

/** Byte offset of 8-bit register number r (AL CL DL BL AH CH DH BH). */
// @ts-ignore: decorator
@inline export function reg8Offset(r: u32): u32 { return r < 4 ? r << 2 : ((r - 4) << 2) + 1; }

// @ts-ignore: decorator
@inline export function getEip(): u32 { return load<u32>(EIP); }
// @ts-ignore: decorator
@inline export function setEip(v: u32): void { store<u32>(EIP, v); }

// ---- segments ----------------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function segSel(s: i32): u32 { return load<u32>(SEG_SEL + (<u32>s << 2)); }
// @ts-ignore: decorator
@inline export function segBase(s: i32): u32 { return load<u32>(SEG_BASE + (<u32>s << 2)); }
// @ts-ignore: decorator
@inline export function segLimit(s: i32): u32 { return load<u32>(SEG_LIMIT + (<u32>s << 2)); }
// @ts-ignore: decorator
@inline export function segAccess(s: i32): u32 { return load<u32>(SEG_ACCESS + (<u32>s << 2)); }

// ---- modes -------------------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function cpl(): u32 { return load<u32>(CPL); }
// @ts-ignore: decorator
@inline export function modeFlags(): i32 { return load<i32>(MODE_FLAGS); }
// @ts-ignore: decorator
@inline export function cr0(): u32 { return load<u32>(CR0); }
// @ts-ignore: decorator
@inline export function cr4(): u32 { return load<u32>(CR4); }

// ---- decoded record fields ---------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function recReg(p: u32): u32 { return load<u8>(p, I_REG); }
// @ts-ignore: decorator
@inline export function recRm(p: u32): u32 { return load<u8>(p, I_RM); }
// @ts-ignore: decorator
@inline export function recFlags(p: u32): u32 { return load<u8>(p, I_FLAGS); }
// @ts-ignore: decorator
@inline export function recImm(p: u32): u32 { return load<u32>(p, I_IMM); }
// @ts-ignore: decorator
@inline export function recDisp(p: u32): u32 { return load<u32>(p, I_DISP); }
// @ts-ignore: decorator
@inline export function recA32(p: u32): bool { return (load<u8>(p, I_FLAGS) & IF_A32) != 0; }

/** Size in bytes of operand type T as a u32. */
// @ts-ignore: decorator
@inline export function sz<T>(): u32 { return <u32>sizeof<T>(); }
/** Sign bit of operand type T. */
// @ts-ignore: decorator
@inline export function signBit<T>(): u32 { return <u32>1 << (<u32>sizeof<T>() * 8 - 1); }
/** All-ones mask of operand type T. */
// @ts-ignore: decorator
@inline export function sizeMask<T>(): u32 { return sizeof<T>() == 4 ? 0xFFFFFFFF : (<u32>1 << (<u32>sizeof<T>() * 8)) - 1; }
