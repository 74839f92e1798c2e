// Expands the opcode table rows (format.ts) into a per-opcode decode map. Used by the code generator
// (tools/gen-opcodes.ts) and by the host-side disassembler (web/debug/disasm.ts), so both agree by construction.
import { Row, CONDITIONS } from "./format.ts";

export const IMM_NONE = 0, IMM_B = 1, IMM_BS = 2, IMM_W = 3, IMM_Z = 4, IMM_FAR = 5, IMM_MOFFS = 6, IMM_ENTER = 7;

/** One instruction form after expansion: a row with its substitutions made. */
export interface Form {
  row: Row;
  mnemonic: string; // e.g. "ADD" or "CBW|CWDE"
  operands: string[]; // e.g. ["Ev", "Gv"]
  impl: string; // with cc / r substituted, still holding T and F
  attrs: Set<string>;
  hasModrm: boolean;
  imm: number; // IMM_*
  sized: boolean; // needs o16 and o32 handlers
  byteOp: boolean; // operand type is u8
  memOnly: boolean;
  regOnly: boolean; // includes "rr"
}

/** What one opcode (0x000-0x1FF; 0x100+ = 0F xx) decodes to. */
export interface OpcodeMap {
  opcode: number;
  hasModrm: boolean;
  // byReg[reg] = forms for memory and register ModRM (same Form when not split); index 8 is "any reg".
  mem: (Form | null)[]; // 8 entries by ModRM.reg
  reg: (Form | null)[]; // 8 entries by ModRM.reg
  exact: (Form | null)[] | null; // 64 entries for mod == 3, by (reg << 3 | rm), when any row names exact bytes
  grouped: boolean; // forms differ by ModRM.reg
}

const MODRM_OPS = /^[EGMSCDR][a-z]*$/; // Eb Gv M Mp Sw Cd Dd Rd ... (not DX, CL, CS)

function immKind(ops: string[]): number {
  const joined = ops.join(",");
  if (joined === "Iw,Ib") return IMM_ENTER;
  for (const o of ops) {
    if (o === "Ib") return IMM_B;
    if (o === "Ibs" || o === "Jb") return IMM_BS;
    if (o === "Iw") return IMM_W;
    if (o === "Iz" || o === "Iv" || o === "Jz") return IMM_Z;
    if (o === "Ap") return IMM_FAR;
    if (o === "Ob" || o === "Ov") return IMM_MOFFS;
  }
  return IMM_NONE;
}

function makeForm(row: Row, text: string, impl: string): Form {
  const sp = text.indexOf(" ");
  const mnemonic = sp < 0 ? text : text.slice(0, sp);
  const operands = sp < 0 ? [] : text.slice(sp + 1).split(",");
  const attrs = new Set((row.attrs ?? "").split(/\s+/).filter(Boolean));
  const hasModrm = row.code.includes("/") || row.code.split(" ").length === (row.code.startsWith("0F") ? 3 : 2)
    || operands.some(o => MODRM_OPS.test(o));
  const sized = attrs.has("osize") || operands.some(o => /^[A-Z][vz]$|^Ma$|^[AM]p$|^Ms$|^eAX$/.test(o))
    || /\|/.test(mnemonic);
  const byteOp = !sized && operands.some(o => /^[A-Z]b$|^AL$|^Zb$/.test(o)) && !attrs.has("osize");
  return {
    row, mnemonic, operands, impl, attrs, hasModrm,
    imm: immKind(operands), sized, byteOp,
    memOnly: attrs.has("m") || operands.some(o => /^M/.test(o)),
    regOnly: attrs.has("r") || attrs.has("rr"),
  };
}

interface Placed { opcode: number; reg: number; form: "m" | "r" | "*"; exact: number; specificity: number; f: Form }

function parseHex(s: string): number { return parseInt(s, 16); }

export function expandRows(rows: Row[]): Map<number, OpcodeMap> {
  const placed: Placed[] = [];
  for (const row of rows) {
    const toks = row.code.split(" ");
    let prefix = 0;
    let t = toks[0];
    let rest = toks.slice(1);
    if (t === "0F") { prefix = 0x100; t = rest[0]; rest = rest.slice(1); }
    let reg = -1, form: "m" | "r" | "*" = "*", exact = -1;
    let multi: "r" | "cc" | null = null;
    let m;
    if ((m = /^([0-9A-F]{2})\/([0-7])([mr]?)$/.exec(t))) { t = m[1]; reg = +m[2]; if (m[3]) form = m[3] as "m" | "r"; }
    else if ((m = /^([0-9A-F]{2})\+r$/.exec(t))) { t = m[1]; multi = "r"; }
    else if ((m = /^([0-9A-F]{2})\+cc$/.exec(t))) { t = m[1]; multi = "cc"; }
    if (rest.length === 1) { exact = parseHex(rest[0]); form = "r"; }
    const base = prefix | parseHex(t);
    const count = multi === "r" ? 8 : multi === "cc" ? 16 : 1;
    for (let i = 0; i < count; i++) {
      let text = row.text, impl = row.impl;
      if (multi === "cc") { text = text.replace("cc", CONDITIONS[i]); impl = impl.replace(/\bcc\b/, String(i)); }
      const f = makeForm(row, text, impl);
      const specificity = (exact >= 0 ? 8 : 0) + (form !== "*" ? 4 : 0) + (reg >= 0 ? 2 : 0) + (multi ? 0 : 1);
      placed.push({ opcode: base + i, reg, form, exact, specificity, f });
    }
  }
  const maps = new Map<number, OpcodeMap>();
  placed.sort((a, b) => a.specificity - b.specificity); // later (more specific) placements override
  for (const p of placed) {
    let om = maps.get(p.opcode);
    if (!om) {
      om = { opcode: p.opcode, hasModrm: p.f.hasModrm, mem: Array(8).fill(null), reg: Array(8).fill(null), exact: null, grouped: false };
      maps.set(p.opcode, om);
    }
    if (p.f.hasModrm !== om.hasModrm) throw new Error(`opcode ${p.opcode.toString(16)}: rows disagree on ModRM`);
    if (p.exact >= 0) {
      if (!om.exact) om.exact = Array(64).fill(null);
      om.exact[p.exact & 0x3f] = p.f;
      om.grouped = true;
      continue;
    }
    if (p.reg >= 0) om.grouped = true;
    for (let r = 0; r < 8; r++) {
      if (p.reg >= 0 && r !== p.reg) continue;
      if (p.form !== "r") om.mem[r] = p.f.regOnly && !p.f.attrs.has("rr") ? null : p.f;
      if (p.form !== "m") om.reg[r] = p.f.memOnly ? null : p.f;
    }
  }
  return maps;
}

/** The concrete AssemblyScript call for a form at an operand size (16/32, or 8 for byte forms) and ModRM form. */
export function concreteImpl(f: Form, osize: 16 | 32, mem: boolean): string {
  const T = f.byteOp ? "u8" : osize === 16 ? "u16" : "u32";
  const F = mem ? "MemForm" : "RegForm";
  return f.impl.replace(/<([^>]*)>/, (_all, inner: string) =>
    "<" + inner.split(",").map(s => s.trim()).map(s => s === "T" ? T : s === "F" ? F : s).join(", ") + ">");
}
