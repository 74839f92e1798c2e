// Instruction decoder: turns the bytes of one instruction into a 16-byte record (layout.ts I_*) whose handler
// field is the function-table index of the generated handler. The tables come from the opcode table
// (tools/opcodes/), so this file only knows the x86 encoding rules: prefixes, ModRM/SIB, immediates.
import { OPCODE_INFO, FORMS, HANDLERS } from "./generated/decode_tables";
import {
  I_HANDLER, I_LEN, I_FLAGS, I_REG, I_RM, I_INDEX, I_SIB, I_DISP, I_IMM, ZERO_OFF,
  IF_A32, IF_REP, IF_REPNE, IF_LOCK, IF_SEGOVR, IF_O32, IF_MEM,
} from "../layout";
import { reg8Offset, DS, SS } from "./state";
import { gp0Handler } from "./ops/index";

// FORMS bits (tools/gen-opcodes.ts)
const FB_LOCK: u32 = 1 << 20;
export const FB_END: u32 = 1 << 21;
const FB_RR: u32 = 1 << 23;
const FB_BYTE: u32 = 1 << 24;
const FB_EBYTE: u32 = 1 << 25; // only the r/m operand is a byte (MOVZX/MOVSX Gv,Eb)

const IMM_NONE: u32 = 0, IMM_B: u32 = 1, IMM_BS: u32 = 2, IMM_W: u32 = 3, IMM_Z: u32 = 4, IMM_FAR: u32 = 5,
  IMM_MOFFS: u32 = 6, IMM_ENTER: u32 = 7;

/** Result of decode(): NEED_MORE when the instruction continues past the bytes available. */
export const NEED_MORE: i32 = -1;
export const MAX_INSN_LEN: u32 = 15;

/** Set by decode(): the decoded instruction ends a basic block. */
export let decodedEndsBlock: bool = false;

let tableIndexOfUD: u32 = 0;
let tableIndexOfGP: u32 = 0;

/** Replace handler ids in FORMS by function-table indices (once, at start-up). */
export function decoderInit(): void {
  const n = FORMS.length;
  for (let i = 0; i < n; i++) {
    const f = unchecked(FORMS[i]);
    const idx = unchecked(HANDLERS[f & 0xFFFF]).index;
    unchecked(FORMS[i] = (f & 0xFFFF0000) | idx);
  }
  tableIndexOfUD = unchecked(HANDLERS[0]).index;
  tableIndexOfGP = gp0Handler.index;
}

/** Function-table index of the #UD handler (for records the decoder builds itself). */
export function udHandlerIndex(): u32 { return tableIndexOfUD; }

/**
 * Decode the instruction at host address `src` (at most `avail` bytes may be read) into the record at `p`.
 * `code32` is the code segment's default size. Returns the length, or NEED_MORE if `avail` bytes are not
 * enough (the caller then assembles the bytes across the page or reports a limit violation).
 */
export function decode(src: u32, avail: u32, code32: bool, p: u32): i32 {
  let o32 = code32, a32 = code32;
  let seg: i32 = -1;
  let flags: u32 = 0;
  let i: u32 = 0;
  let b: u32 = 0;
  let limit = avail < MAX_INSN_LEN ? avail : MAX_INSN_LEN;
  decodedEndsBlock = false;
  // prefixes
  while (true) {
    if (i >= limit) return tooLong(i, avail, p);
    b = load<u8>(src + i);
    i++;
    if (b == 0x66) { o32 = !code32; continue; }
    if (b == 0x67) { a32 = !code32; continue; }
    if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E) { seg = <i32>((b >> 3) & 3); continue; }
    if (b == 0x64 || b == 0x65) { seg = <i32>(b - 0x60); continue; }
    if (b == 0xF0) { flags |= IF_LOCK; continue; }
    if (b == 0xF2) { flags = (flags & ~IF_REP) | IF_REPNE; continue; }
    if (b == 0xF3) { flags = (flags & ~IF_REPNE) | IF_REP; continue; }
    break;
  }
  let op = b;
  if (b == 0x0F) {
    if (i >= limit) return tooLong(i, avail, p);
    op = 0x100 | <u32>load<u8>(src + i);
    i++;
  }
  const info = unchecked(OPCODE_INFO[op]);
  let form: u32;
  let regOff: u32 = 0, rmOff: u32 = ZERO_OFF, indexOff: u32 = ZERO_OFF, scale: u32 = 0;
  let disp: u32 = 0;
  let memSeg: i32 = DS;
  let isMem = false;
  if ((info & 1) != 0) {
    if (i >= limit) return tooLong(i, avail, p);
    const modrm = <u32>load<u8>(src + i);
    i++;
    const mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
    let fi = info >> 8;
    if ((info & 2) != 0) fi += reg << 2;
    form = unchecked(FORMS[fi + (o32 ? 2 : 0) + (mod == 3 ? 1 : 0)]);
    if ((info & 4) != 0 && mod == 3) form = unchecked(FORMS[(info >> 8) + 32 + (modrm & 0x3F)]);
    const isByte = (form & FB_BYTE) != 0;
    regOff = isByte ? reg8Offset(reg) : reg << 2;
    if (mod == 3 || (form & FB_RR) != 0) {
      rmOff = isByte || (form & FB_EBYTE) != 0 ? reg8Offset(rm) : rm << 2;
      if ((form & FB_RR) != 0) rmOff = rm << 2;
    } else {
      isMem = true;
      if (!a32) {
        // 16-bit addressing: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP]/disp16 [BX]
        switch (rm) {
          case 0: rmOff = 12; indexOff = 24; break;
          case 1: rmOff = 12; indexOff = 28; break;
          case 2: rmOff = 20; indexOff = 24; memSeg = SS; break;
          case 3: rmOff = 20; indexOff = 28; memSeg = SS; break;
          case 4: rmOff = 24; break;
          case 5: rmOff = 28; break;
          case 6: if (mod == 0) rmOff = ZERO_OFF; else { rmOff = 20; memSeg = SS; } break;
          default: rmOff = 12; break;
        }
        if (mod == 0 && rm == 6) {
          if (i + 2 > limit) return tooLong(i + 2, avail, p);
          disp = load<u16>(src + i); i += 2;
        } else if (mod == 1) {
          if (i + 1 > limit) return tooLong(i + 1, avail, p);
          disp = <u32><i32>load<i8>(src + i); i += 1;
        } else if (mod == 2) {
          if (i + 2 > limit) return tooLong(i + 2, avail, p);
          disp = load<u16>(src + i); i += 2;
        }
      } else {
        let base = rm;
        let hasBase = true;
        if (rm == 4) {
          if (i >= limit) return tooLong(i + 1, avail, p);
          const sib = <u32>load<u8>(src + i);
          i++;
          scale = sib >> 6;
          const idx = (sib >> 3) & 7;
          if (idx != 4) indexOff = idx << 2;
          base = sib & 7;
          if (base == 5 && mod == 0) hasBase = false;
        } else if (rm == 5 && mod == 0) {
          hasBase = false;
        }
        if (hasBase) {
          rmOff = base << 2;
          if (base == 4 || base == 5) memSeg = SS;
        }
        if (!hasBase || mod == 2) {
          if (i + 4 > limit) return tooLong(i + 4, avail, p);
          disp = load<u32>(src + i); i += 4;
        } else if (mod == 1) {
          if (i + 1 > limit) return tooLong(i + 1, avail, p);
          disp = <u32><i32>load<i8>(src + i); i += 1;
        }
      }
    }
    // LOCK is only valid on the listed instructions with a memory destination
    if ((flags & IF_LOCK) != 0 && ((form & FB_LOCK) == 0 || !isMem)) form = (form & 0xFFFF0000) | tableIndexOfUD;
  } else {
    form = unchecked(FORMS[(info >> 8) + (o32 ? 1 : 0)]);
    // "+r" opcodes carry the register in the low 3 bits
    const r = op & 7;
    regOff = (form & FB_BYTE) != 0 ? reg8Offset(r) : r << 2;
    if ((flags & IF_LOCK) != 0) form = (form & 0xFFFF0000) | tableIndexOfUD;
  }
  // immediates
  let imm: u32 = 0;
  const kind = (form >> 16) & 0xF;
  if (kind != IMM_NONE) {
    let need: u32 = 0;
    switch (kind) {
      case IMM_B: case IMM_BS: need = 1; break;
      case IMM_W: need = 2; break;
      case IMM_Z: need = o32 ? 4 : 2; break;
      case IMM_FAR: need = o32 ? 6 : 4; break;
      case IMM_MOFFS: need = a32 ? 4 : 2; break;
      case IMM_ENTER: need = 3; break;
    }
    if (i + need > limit) return tooLong(i + need, avail, p);
    switch (kind) {
      case IMM_B: imm = load<u8>(src + i); break;
      case IMM_BS: imm = <u32><i32>load<i8>(src + i); break;
      case IMM_W: imm = load<u16>(src + i); break;
      case IMM_Z: imm = o32 ? load<u32>(src + i) : <u32><i32>load<i16>(src + i); break;
      case IMM_FAR:
        if (o32) { imm = load<u32>(src + i); disp = load<u16>(src + i + 4); }
        else { imm = load<u16>(src + i); disp = load<u16>(src + i + 2); }
        break;
      case IMM_MOFFS:
        disp = a32 ? load<u32>(src + i) : <u32>load<u16>(src + i);
        rmOff = ZERO_OFF; indexOff = ZERO_OFF; isMem = true;
        break;
      case IMM_ENTER: imm = load<u16>(src + i); disp = load<u8>(src + i + 2); break;
    }
    i += need;
  }
  if (seg >= 0) { memSeg = seg; flags |= IF_SEGOVR; }
  if (a32) flags |= IF_A32;
  if (o32) flags |= IF_O32;
  if (isMem) flags |= IF_MEM;
  store<u16>(p, <u16>(form & 0xFFFF), I_HANDLER);
  store<u8>(p, <u8>i, I_LEN);
  store<u8>(p, <u8>flags, I_FLAGS);
  store<u8>(p, <u8>regOff, I_REG);
  store<u8>(p, <u8>rmOff, I_RM);
  store<u8>(p, <u8>indexOff, I_INDEX);
  store<u8>(p, <u8>(scale | (<u32>memSeg << 4)), I_SIB);
  store<u32>(p, disp, I_DISP);
  store<u32>(p, imm, I_IMM);
  decodedEndsBlock = (form & FB_END) != 0;
  return <i32>i;
}

/** The instruction needs byte `need` - 1 but only `avail` are there: more bytes, or too long (#GP). */
function tooLong(need: u32, avail: u32, p: u32): i32 {
  if (avail < MAX_INSN_LEN) return NEED_MORE; // more bytes may complete it (or it hits the CS limit)
  // longer than 15 bytes: #GP(0) when executed
  makeFaultRecord(p, tableIndexOfGP);
  decodedEndsBlock = true;
  return <i32>MAX_INSN_LEN;
}

/** A record that only raises an exception when executed (length 0: EIP stays on the instruction). */
export function makeFaultRecord(p: u32, handlerIndex: u32): void {
  store<u16>(p, <u16>handlerIndex, I_HANDLER);
  store<u8>(p, 0, I_LEN);
  store<u8>(p, 0, I_FLAGS);
  store<u32>(p, 0, I_REG);
  store<u32>(p, 0, I_DISP);
  store<u32>(p, 0, I_IMM);
}

export function gpHandlerIndex(): u32 { return tableIndexOfGP; }
