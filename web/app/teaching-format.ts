// Pure formatting for the teaching panel (web/app/teaching-panel.ts): register rows with what changed, flags,
// the memory hex dump, and the memory view's address box. No DOM here, so all of it is tested in Node
// (test/teaching-panel.test.ts).
import {
  FLAG_NAMES, FLAG_TITLES, UNREADABLE_TEXT, type CpuView, type FlagName, type MemoryRead, type AddressSpace,
} from "../machine/debug-view.ts";

export const hex8 = (v: number) => (v & 0xFF).toString(16).padStart(2, "0");
export const hex16 = (v: number) => (v & 0xFFFF).toString(16).padStart(4, "0");
export const hex32 = (v: number) => (v >>> 0).toString(16).padStart(8, "0");

export interface RegisterRow { name: string; value: string; changed: boolean; title?: string }

const GPRS = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp"] as const;
const SEGS = ["cs", "ds", "es", "fs", "gs", "ss"] as const;

export const MODE_TEXT: Record<CpuView["mode"], string> = {
  real: "real mode", "protected-16": "protected mode, 16-bit code", "protected-32": "protected mode, 32-bit code",
  "virtual-8086": "virtual-8086 mode",
};

/** The general registers, EIP, EFLAGS, segments and control registers as rows; `changed` against `prev`. */
export function registerRows(cur: CpuView, prev?: CpuView): RegisterRow[] {
  const rows: RegisterRow[] = [];
  const row = (name: string, value: string, old: string | undefined, title?: string) =>
    rows.push({ name, value, changed: old !== undefined && old !== value, title });
  for (const r of GPRS) row(r, hex32(cur.regs[r]), prev && hex32(prev.regs[r]));
  row("eip", hex32(cur.eip), prev && hex32(prev.eip));
  row("eflags", hex32(cur.eflags), prev && hex32(prev.eflags));
  for (const s of SEGS) {
    const seg = cur.segs[s], old = prev?.segs[s];
    const title = `base ${hex32(seg.base)} limit ${hex32(seg.limit)} access ${hex16(seg.access)}`;
    row(s, hex16(seg.sel), old && hex16(old.sel), title);
  }
  row("cr0", hex32(cur.cr0), prev && hex32(prev.cr0), "PE bit 0, PG bit 31");
  row("cr2", hex32(cur.cr2), prev && hex32(prev.cr2), "the last page-fault address");
  row("cr3", hex32(cur.cr3), prev && hex32(prev.cr3), "page directory base");
  row("cr4", hex32(cur.cr4), prev && hex32(prev.cr4), "PSE bit 4");
  return rows;
}

export interface SegmentRow { name: string; sel: string; base: string; limit: string; access: string; changed: boolean }

/** The segment registers' hidden parts (descriptor caches). */
export function segmentRows(cur: CpuView, prev?: CpuView): SegmentRow[] {
  return SEGS.map((s) => {
    const g = cur.segs[s], o = prev?.segs[s];
    const changed = !!o && (o.sel !== g.sel || o.base !== g.base || o.limit !== g.limit || o.access !== g.access);
    return { name: s, sel: hex16(g.sel), base: hex32(g.base), limit: hex32(g.limit), access: hex16(g.access), changed };
  });
}

export interface FlagItem { name: FlagName | "IOPL"; on: boolean; value: string; title: string; changed: boolean }

/** Every flag by name, plus IOPL as a number. */
export function flagItems(cur: CpuView, prev?: CpuView): FlagItem[] {
  const items: FlagItem[] = FLAG_NAMES.map((f) => ({
    name: f, on: cur.flags[f], value: cur.flags[f] ? "1" : "0", title: `${f}: ${FLAG_TITLES[f]}`, changed: !!prev && prev.flags[f] !== cur.flags[f],
  }));
  items.splice(FLAG_NAMES.indexOf("NT"), 0, {
    name: "IOPL", on: cur.iopl !== 0, value: String(cur.iopl), title: "IOPL: I/O privilege level (0-3)", changed: !!prev && prev.iopl !== cur.iopl,
  });
  return items;
}

/** One line of status: mode, CPL, paging, halted, pending interrupt. */
export function statusText(cpu: CpuView, running: boolean): string {
  const parts = [running ? "running" : "paused", MODE_TEXT[cpu.mode], `CPL ${cpu.cpl}`, cpu.paging ? "paging on" : "paging off"];
  if (cpu.halted) parts.push("halted (HLT)");
  if (cpu.intrPending) parts.push(cpu.flags.IF ? "interrupt pending" : "interrupt pending, IF = 0");
  parts.push(`${cpu.instructions.toLocaleString("en-US")} instructions`);
  return parts.join(" · ");
}

export interface HexRow {
  address: string;
  /** 16 cells: two hex digits, or "--" where unreadable */
  cells: string[];
  ascii: string;
  /** why each unreadable cell could not be read (null: read) */
  why: (string | null)[];
}

/** Rows of 16 bytes: address, hex cells and printable ASCII ("." for others, " " where unreadable). */
export function hexDumpRows(m: MemoryRead, perRow = 16): HexRow[] {
  const why: (string | null)[] = new Array(m.bytes.length).fill(null);
  for (const u of m.unreadable) for (let i = u.offset; i < u.offset + u.length && i < why.length; i++) why[i] = UNREADABLE_TEXT[u.why];
  const rows: HexRow[] = [];
  for (let off = 0; off < m.bytes.length; off += perRow) {
    const cells: string[] = [], rowWhy: (string | null)[] = [];
    let ascii = "";
    for (let i = off; i < Math.min(off + perRow, m.bytes.length); i++) {
      const b = m.bytes[i];
      rowWhy.push(why[i]);
      if (why[i]) { cells.push("--"); ascii += " "; }
      else { cells.push(hex8(b)); ascii += b >= 0x20 && b < 0x7F ? String.fromCharCode(b) : "."; }
    }
    rows.push({ address: hex32(m.address + off), cells, ascii, why: rowWhy });
  }
  return rows;
}

const REGS32 = ["eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip"] as const;
type Reg32 = typeof REGS32[number];
/** The segment a register addresses by default (Intel SDM Vol. 1 3.7.4): EIP with CS, ESP/EBP with SS, EDI
 *  (string destinations) with ES, the others with DS. */
const DEFAULT_SEG: Record<Reg32, typeof SEGS[number]> = { eax: "ds", ebx: "ds", ecx: "ds", edx: "ds", esi: "ds", edi: "es", ebp: "ss", esp: "ss", eip: "cs" };

export type AddressResult = { ok: true; address: number; text: string } | { ok: false; error: string };

/**
 * The memory view's address box: a hex number ("b8000", "0x7c00", "7c00h"), a register ("esp": SS base + ESP,
 * "eip": CS base + EIP, "edi": ES, others DS), or segment:offset ("ds:esi", "f000:fff0", "cs:100") where a segment
 * register means its current base and a hex segment means the real-mode base (segment * 16). Register-based
 * addresses apply segment bases only for linear addresses; physical ones use the bare value.
 */
export function resolveAddress(input: string, cpu: CpuView, space: AddressSpace): AddressResult {
  const text = input.trim().toLowerCase();
  if (!text) return { ok: false, error: "type an address: hex (b8000), a register (esp, eip) or segment:offset (ds:esi)" };
  const num = (t: string): number | null => {
    const m = /^(?:0x)?([0-9a-f]{1,8})h?$/.exec(t);
    return m ? parseInt(m[1], 16) >>> 0 : null;
  };
  const regValue = (t: string): number | null => {
    if ((REGS32 as readonly string[]).includes(t)) return t === "eip" ? cpu.eip : cpu.regs[t as Exclude<Reg32, "eip">];
    return null;
  };
  const colon = text.indexOf(":");
  if (colon >= 0) {
    const segText = text.slice(0, colon).trim(), offText = text.slice(colon + 1).trim();
    const off = regValue(offText) ?? num(offText);
    if (off === null) return { ok: false, error: `"${offText}" is neither a hex offset nor a register` };
    let base: number;
    if ((SEGS as readonly string[]).includes(segText)) base = cpu.segs[segText as typeof SEGS[number]].base;
    else {
      const s = num(segText);
      if (s === null || s > 0xFFFF) return { ok: false, error: `"${segText}" is neither a segment register nor a 16-bit hex segment` };
      base = s << 4;
    }
    return { ok: true, address: (base + off) >>> 0, text };
  }
  const r = regValue(text);
  if (r !== null) {
    const reg = text as Reg32;
    const base = space === "linear" ? cpu.segs[DEFAULT_SEG[reg]].base : 0;
    return { ok: true, address: (base + r) >>> 0, text };
  }
  const n = num(text);
  if (n === null) return { ok: false, error: `"${input.trim()}": type hex (b8000), a register (esp, eip) or segment:offset (ds:esi)` };
  return { ok: true, address: n, text };
}

/** The "step N" box: a whole number from 1 to `max`, or an error to show. */
export function parseStepCount(input: string, max = 100_000): { ok: true; count: number } | { ok: false; error: string } {
  const t = input.trim();
  if (!/^\d+$/.test(t)) return { ok: false, error: `"${t}": give a whole number of instructions` };
  const n = Number(t);
  if (n < 1 || n > max) return { ok: false, error: `step 1 to ${max.toLocaleString("en-US")} instructions at a time` };
  return { ok: true, count: n };
}
