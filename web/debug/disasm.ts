// Disassembler (Intel syntax) driven by the same opcode table as the decoder (tools/opcodes/), so the two
// cannot disagree about which bytes form which instruction. Used in test failure messages, --trace and later
// the debugger.
import { ALL_ROWS } from "../../tools/opcodes/table.ts";
import { expandRows, Form, IMM_B, IMM_BS, IMM_W, IMM_Z, IMM_FAR, IMM_MOFFS, IMM_ENTER } from "../../tools/opcodes/expand.ts";

const maps = expandRows(ALL_ROWS);
const R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const SREG = ["es", "cs", "ss", "ds", "fs", "gs", "?6", "?7"];
const MEM16 = ["bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"];

export interface Disassembly { text: string; length: number }

const hx = (v: number) => (v < 0 ? "-0x" + (-v).toString(16) : "0x" + (v >>> 0).toString(16));

/** Disassemble one instruction. `bits` is the code segment size; `eip` (optional) resolves jump targets. */
export function disassemble(bytes: Uint8Array, bits: 16 | 32, eip?: number): Disassembly {
  let i = 0;
  const byte = () => { if (i >= bytes.length) throw new Error("truncated"); return bytes[i++]; };
  let o32 = bits === 32, a32 = bits === 32;
  let seg = "", rep = "", lock = "";
  let b: number;
  for (;;) {
    b = byte();
    if (b === 0x66) o32 = bits !== 32;
    else if (b === 0x67) a32 = bits !== 32;
    else if ([0x26, 0x2E, 0x36, 0x3E].includes(b)) seg = SREG[(b >> 3) & 3];
    else if (b === 0x64 || b === 0x65) seg = SREG[b - 0x60];
    else if (b === 0xF0) lock = "lock ";
    else if (b === 0xF2) rep = "repne ";
    else if (b === 0xF3) rep = "rep ";
    else break;
    if (i >= 15) return { text: "(too long)", length: i };
  }
  let op = b;
  if (b === 0x0F) op = 0x100 | byte();
  const m = maps.get(op);
  if (!m) return { text: `(bad) ${op > 0xFF ? "0f " : ""}${(op & 0xFF).toString(16).padStart(2, "0")}`, length: i };
  let form: Form | null;
  let modrm = -1, mod = 0, reg = 0, rm = 0;
  if (m.hasModrm) {
    modrm = byte(); mod = modrm >> 6; reg = (modrm >> 3) & 7; rm = modrm & 7;
    form = mod === 3 ? (m.exact?.[modrm & 0x3f] ?? m.reg[reg]) : m.mem[reg];
  } else {
    form = m.mem[0] ?? m.reg[0];
  }
  if (!form) return { text: "(bad)", length: i };
  const isRR = form.attrs.has("rr");
  // memory operand
  let memText = "";
  if (m.hasModrm && (mod !== 3 && !isRR)) {
    let base = "", disp = 0;
    let defSeg = "ds";
    if (!a32) {
      if (mod === 0 && rm === 6) { disp = byte() | (byte() << 8); base = ""; }
      else {
        base = MEM16[rm];
        if (rm === 2 || rm === 3 || rm === 6) defSeg = "ss";
        if (mod === 1) disp = (byte() << 24) >> 24;
        else if (mod === 2) disp = ((byte() | (byte() << 8)) << 16) >> 16;
      }
    } else {
      let r = rm, idx = "", scale = 1, hasBase = true;
      if (rm === 4) {
        const sib = byte();
        scale = 1 << (sib >> 6);
        const ix = (sib >> 3) & 7;
        if (ix !== 4) idx = R32[ix];
        r = sib & 7;
        if (r === 5 && mod === 0) hasBase = false;
      } else if (rm === 5 && mod === 0) hasBase = false;
      if (hasBase) { base = R32[r]; if (r === 4 || r === 5) defSeg = "ss"; }
      if (!hasBase || mod === 2) disp = byte() | (byte() << 8) | (byte() << 16) | (byte() << 24);
      else if (mod === 1) disp = (byte() << 24) >> 24;
      if (idx) base = base ? `${base}+${idx}${scale > 1 ? "*" + scale : ""}` : `${idx}${scale > 1 ? "*" + scale : ""}`;
    }
    const parts = base ? (disp ? `${base}${disp < 0 ? "-" : "+"}${hx(Math.abs(disp))}` : base) : hx(disp >>> 0);
    memText = `${seg && seg !== defSeg ? seg + ":" : seg ? seg + ":" : ""}[${parts}]`;
  }
  // immediates
  let imm = 0, imm2 = 0;
  switch (form.imm) {
    case IMM_B: imm = byte(); break;
    case IMM_BS: imm = (byte() << 24) >> 24; break;
    case IMM_W: imm = byte() | (byte() << 8); break;
    case IMM_Z: imm = o32 ? (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) : (((byte() | (byte() << 8)) << 16) >> 16); break;
    case IMM_FAR: imm = o32 ? (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) >>> 0 : byte() | (byte() << 8); imm2 = byte() | (byte() << 8); break;
    case IMM_MOFFS: imm = a32 ? (byte() | (byte() << 8) | (byte() << 16) | (byte() << 24)) >>> 0 : byte() | (byte() << 8); break;
    case IMM_ENTER: imm = byte() | (byte() << 8); imm2 = byte(); break;
  }
  const size = form.byteOp ? 8 : o32 ? 32 : 16;
  const regName = (r: number, sz: number) => (sz === 8 ? R8 : sz === 16 ? R16 : R32)[r];
  const ptr = (sz: number) => (sz === 8 ? "byte" : sz === 16 ? "word" : sz === 32 ? "dword" : sz === 64 ? "qword" : sz === 80 ? "tword" : "") + " ptr ";
  const ops: string[] = [];
  for (const o of form.operands) {
    const kind = o[0], sz = o.slice(1);
    const opSize = sz === "b" ? 8 : sz === "w" ? 16 : sz === "d" ? 32 : sz === "q" ? 64 : sz === "t" ? 80 : size;
    switch (true) {
      case o === "AL": ops.push("al"); break;
      case o === "eAX": ops.push(regName(0, size)); break;
      case o === "CL": ops.push("cl"); break;
      case o === "DX": ops.push("dx"); break;
      case o === "ST" || o === "AX": ops.push(o.toLowerCase()); break; // x87: ST(0), FNSTSW AX
      case o === "STi": ops.push(`st(${rm})`); break;
      case o === "1": ops.push("1"); break;
      case ["ES", "CS", "SS", "DS", "FS", "GS"].includes(o): ops.push(o.toLowerCase()); break;
      case kind === "E" || (kind === "R" && true) || kind === "M":
        if (kind === "M" || (mod !== 3 && !isRR)) ops.push((kind === "M" && (sz === "" || sz === "p" || sz === "s" || sz === "a") ? "" : ptr(opSize)) + memText);
        else ops.push(regName(rm, kind === "R" ? 32 : opSize));
        break;
      case kind === "G": ops.push(regName(reg, opSize)); break;
      case kind === "S": ops.push(SREG[reg]); break;
      case kind === "C": ops.push(`cr${reg}`); break;
      case kind === "D": ops.push(`dr${reg}`); break;
      case kind === "Z": ops.push(regName(op & 7, o === "Zd" ? 32 : opSize)); break;
      case kind === "I": ops.push(hx(form.imm === IMM_ENTER && ops.length === 1 ? imm2 : (sz === "bs" ? imm : imm >>> 0))); break;
      case kind === "J": {
        if (eip !== undefined) ops.push(hx(((eip + i + imm) & (o32 ? 0xFFFFFFFF : 0xFFFF)) >>> 0));
        else ops.push(`$${imm + i >= 0 ? "+" : ""}${imm + i}`);
        break;
      }
      case kind === "O": ops.push(`${ptr(opSize)}${seg ? seg + ":" : ""}[${hx(imm)}]`); break;
      case kind === "A": ops.push(`${hx(imm2)}:${hx(imm)}`); break;
      case kind === "X" || kind === "Y": break; // implicit string operands
      default: ops.push(o);
    }
  }
  let mn = form.mnemonic;
  if (mn.includes("|")) mn = mn.split("|")[o32 ? 1 : 0];
  return { text: `${lock}${form.attrs.has("str") ? rep : ""}${mn.toLowerCase()}${ops.length ? " " + ops.join(",") : ""}`, length: i };
}
