// Generator of the protected-mode differential tests against Bochs (test/pmdiff/): random instructions from the
// ONE opcode table, run at CPL 3 in segmented protected mode — 16-bit code, 16-bit stacks, 32-bit code on a
// 16-bit stack, segment loads with a GDT of assorted descriptors — and in virtual-8086 mode: the territory the
// host-CPU differential test (test/diff/) cannot reach, because a Linux process only has flat 32-bit segments. The same case table runs in
// our emulator and in Bochs (runner.asm); run.ts compares the two transcripts with the undefined flags masked.
import { INTEGER_ROWS } from "../../tools/opcodes/table.ts";
import { expandRows, Form } from "../../tools/opcodes/expand.ts";
import { Rng } from "../diff/generate.ts";

/** Linear addresses of the test segments (paging is off). Each segment is 64 KiB with limit FFFFh. */
export const DATA = 0x0006_0000; // DS/ES/FS/GS/SS of the tests (V86 segment 6000h)
export const CODE = 0x0007_0000; // the test's code segment: INT3 filler, the instruction at CODE_OFF (V86 7000h)
export const CODE_OFF = 0x8000;

/** Selectors of the GDT that runner.asm builds (RPL 3 unless said otherwise). */
export const SEL = {
  code16: 0x33, data16: 0x3B, data32big: 0x43, code32: 0x4B, expdown16: 0x53, data16dpl0: 0x58,
  notPresent: 0x63, readOnly: 0x6B, conforming16: 0x70, execOnly16: 0x7B, data16rpl0: 0x38,
} as const;
// Not 1Bh (the library's flat ring-3 code): a far transfer there runs whatever low memory holds, which differs
// between Bochs (its BIOS) and our runner.
const SELECTORS = [0, 3, 0x33, 0x3B, 0x43, 0x4B, 0x53, 0x58, 0x5B, 0x63, 0x6B, 0x70, 0x73, 0x7B, 0x38, 0x08, 0x10,
  0x23, 0x28, 0x2B, 0x87, 0xFFFB, 0x0004, 0x0007];

/** The test's mode: code size and stack size, or virtual-8086 mode (segments are paragraphs there). */
export const MODES = [
  { name: "code16/stack16", cs: SEL.code16, ss: SEL.data16, code32: false, v86: false },
  { name: "code32/stack16", cs: SEL.code32, ss: SEL.data16, code32: true, v86: false },
  { name: "code16/stack32", cs: SEL.code16, ss: SEL.data32big, code32: false, v86: false },
  { name: "v86", cs: CODE >> 4, ss: DATA >> 4, code32: false, v86: true },
] as const;

/** Case record for runner.asm (little-endian, CASE_SIZE bytes):
 *  u8 code[16] (instruction then `int 31h`), u32 regs[8] (eax ecx edx ebx esp ebp esi edi), u32 eflags,
 *  u16 cs, u16 ss, u16 ds, u16 es, u16 fs, u16 gs, u8 flags (bit 0: V86, bit 1: CR4.VME and CR4.PVI), u8 pad[3] */
export const CASE_SIZE = 16 + 32 + 4 + 12 + 4;

export interface PmCase {
  index: number;
  name: string;
  mode: string;
  code: Uint8Array; // the instruction (the runner appends the exit)
  regs: Uint32Array;
  eflags: number;
  segs: number[]; // cs ss ds es fs gs
  flagMask: number; // EFLAGS bits compared
  v86: boolean;
  vme: boolean; // CR4.VME and CR4.PVI set
}

const FLAG_BITS: Record<string, number> = { c: 0x1, p: 0x4, a: 0x10, z: 0x40, s: 0x80, o: 0x800 };
const COMPARED = 0x003E_7FD5 | 0x3000; // arithmetic, TF IF DF, IOPL, NT, AC, VIF, VIP, ID

/** Forms left out, with the reason. */
function excluded(f: Form): string | null {
  const m = f.mnemonic;
  if (m === "RDTSC" || m === "RDPMC") return "counters differ between emulators";
  if (m === "CPUID") return "each emulator reports its own CPU";
  if (m === "FXSAVE" || m === "FXRSTOR") return "Bochs's p2_klamath has no FXSR (#UD); our P6 has it (test/fpu.test.ts)";
  return null;
}

interface FormCase { opcode: number; regField: number; form: Form; mem: boolean; modrm: boolean }
let FORMS: FormCase[] | null = null;
function forms(): FormCase[] {
  if (FORMS) return FORMS;
  const out: FormCase[] = [];
  for (const [opcode, m] of [...expandRows(INTEGER_ROWS).entries()].sort((a, b) => a[0] - b[0])) {
    const add = (form: Form | null, regField: number, mem: boolean) => {
      if (form && !excluded(form)) out.push({ opcode, regField, form, mem, modrm: m.hasModrm });
    };
    if (!m.hasModrm) { add(m.mem[0] ?? m.reg[0], -1, false); continue; }
    for (let r = 0; r < (m.grouped ? 8 : 1); r++) {
      add(m.mem[r], m.grouped ? r : -1, true);
      add(m.reg[r], m.grouped ? r : -1, false);
    }
  }
  FORMS = out;
  return out;
}

/** Values that could send an indirect branch back into the instruction (an endless loop in both emulators) are
 *  moved away from it. */
function notIntoCode(v: number): number { return (v & 0xFFF0) === CODE_OFF ? (v ^ 0x1000) >>> 0 : v; }

/** A register value: small offsets inside the 64 KiB segments mostly, selectors, edges, anything. */
function regValue(rng: Rng): number { return notIntoCode(anyRegValue(rng)); }
function anyRegValue(rng: Rng): number {
  switch (rng.below(8)) {
    case 0: return rng.below(0x10000);
    case 1: return ((rng.u32() & 0xFFFF0000) | rng.below(0x10000)) >>> 0;
    case 2: return rng.pick([0, 1, 2, 0xFFFF, 0xFFFE, 0x8000, 0x7FFF, 0xFFFFFFFF, 0x80000000, 0x10000, 0xFFFC, 0xFFFD]);
    case 3: return ((rng.chance(0.5) ? rng.u32() & 0xFFFF0000 : 0) | rng.pick(SELECTORS)) >>> 0;
    case 4: return rng.range(0, 40);
    default: return rng.u32();
  }
}

/** Generate case `index` of stream `seed`. */
export function generate(seed: number, index: number): PmCase {
  const rng = new Rng(seed ^ 0x5EED, index);
  const all = forms();
  const c = rng.pick(all);
  const f = c.form, mn = f.mnemonic;
  const mode = rng.pick(MODES);
  const prefixes: number[] = [];
  if (rng.chance(0.3)) prefixes.push(0x66);
  if (rng.chance(0.15)) prefixes.push(0x67);
  if (rng.chance(0.12)) prefixes.push(rng.pick([0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65]));
  const string = f.attrs.has("str");
  if (string && rng.chance(0.5)) prefixes.push(rng.pick([0xF3, 0xF2]));
  if (rng.chance(f.attrs.has("lock") ? 0.15 : 0.02)) prefixes.push(0xF0);
  const bytes: number[] = [...prefixes];
  if (c.opcode >= 0x100) bytes.push(0x0F);
  bytes.push(c.opcode & 0xFF);
  const a16 = mode.code32 === prefixes.includes(0x67); // 16-bit addressing
  if (c.modrm) {
    const reg = c.regField >= 0 ? c.regField : rng.below(8);
    const mod = c.mem ? rng.below(3) : 3;
    const rm = rng.below(8);
    bytes.push((mod << 6) | (reg << 3) | rm);
    if (mod !== 3) {
      if (a16) {
        if (mod === 1) bytes.push(rng.below(256));
        else if (mod === 2 || rm === 6) bytes.push(rng.below(256), rng.below(256));
      } else {
        if (rm === 4) bytes.push(rng.below(256)); // SIB
        const sibBase5 = rm === 4 && (bytes[bytes.length - 1] & 7) === 5;
        if (mod === 1) bytes.push(rng.below(256));
        else if (mod === 2 || (mod === 0 && (rm === 5 || sibBase5))) {
          const d = rng.chance(0.7) ? rng.below(0x10000) : rng.u32();
          bytes.push(d & 0xFF, (d >>> 8) & 0xFF, (d >>> 16) & 0xFF, d >>> 24);
        }
      }
    }
  }
  // immediates: the operand size decides Iz/Iv; selectors of far pointers come from the GDT's list
  const o16 = mode.code32 === prefixes.includes(0x66);
  for (const o of f.operands) {
    if (o === "Jb" || o === "Jz") {
      // a relative target never lands in the instruction or its exit (an endless loop)
      const n = o === "Jb" ? 1 : o16 ? 2 : 4, len = bytes.length + n;
      let d: number;
      do d = o === "Jb" ? rng.range(-128, 127) : rng.chance(0.5) ? rng.range(-0x7000, 0x7000) : rng.u32() | 0;
      while (d >= -len && d < 2);
      for (let i = 0; i < n; i++) bytes.push((d >>> (8 * i)) & 0xFF);
    } else if (o === "Ib" || o === "Ibs") bytes.push(rng.below(256));
    else if (o === "Iw") bytes.push(rng.below(256), rng.chance(0.7) ? 0 : rng.below(256));
    else if (o === "Iz" || o === "Iv") { const n = o16 ? 2 : 4; for (let i = 0; i < n; i++) bytes.push(rng.below(256)); }
    else if (o === "Ap") {
      const n = o16 ? 2 : 4; for (let i = 0; i < n; i++) bytes.push(rng.below(256));
      const s = rng.pick(SELECTORS); bytes.push(s & 0xFF, s >> 8);
    } else if (o === "Ob" || o === "Ov") { const n = a16 ? 2 : 4; const v = rng.below(0x10000); for (let i = 0; i < n; i++) bytes.push(i < 2 ? (v >> (8 * i)) & 0xFF : 0); }
  }
  if (f.operands.join(",") === "Iw,Ib") bytes.push(rng.chance(0.5) ? rng.below(4) : rng.below(256)); // ENTER level
  const regs = new Uint32Array(8);
  for (let i = 0; i < 8; i++) regs[i] = regValue(rng);
  // the stack: SP inside the segment, often near its ends; ESP's upper half random on 16-bit stacks
  const sp = rng.chance(0.8) ? rng.range(0x100, 0xFF00) & ~(rng.chance(0.8) ? 1 : 0) : rng.pick([0, 2, 4, 6, 0xFFFE, 0xFFFC, 0xFFFA, 0x10]);
  regs[4] = (mode.ss === SEL.data16 || mode.v86 ? rng.u32() & 0xFFFF0000 : 0) | sp;
  // string and loop counts stay small (the count register is CX or ECX by address size)
  if (string || /^LOOP|^JCXZ/.test(mn)) regs[1] = (a16 ? rng.u32() & 0xFFFF0000 : 0) | rng.range(0, 6);
  let eflags = 0x202 | (rng.u32() & 0x8D5) | (rng.chance(0.25) ? 0x400 : 0);
  // (DPL-0 data in GS is nulled by the IRET to ring 3)
  let segs = [mode.cs, mode.ss, SEL.data16, SEL.data16, rng.pick([SEL.data16, 0, SEL.expdown16, SEL.readOnly]), rng.pick([SEL.data16, 0, SEL.conforming16, SEL.data16dpl0])];
  if (rng.chance(0.2)) segs[2] = rng.pick([SEL.expdown16, SEL.readOnly, SEL.data32big, 0]);
  if (mode.v86) {
    // V86: VM set, IOPL 3 or 0 (IOPL-sensitive instructions fault to the monitor at 0; so does the exit, INT 31h)
    segs = [mode.cs, mode.ss, mode.ss, mode.ss, rng.pick([mode.ss, mode.cs, 0x6800]), rng.pick([mode.ss, mode.cs])];
    eflags |= 0x20000 | (rng.chance(0.6) ? 0x3000 : 0);
  }
  // the virtual-interrupt extensions now and then, with VIF or VIP (never both: Bochs then faults at the IRET
  // that enters the test, which the SDM does not describe; docs/cpu-core.md)
  const vme = rng.chance(mode.v86 ? 0.5 : 0.2);
  if (vme) eflags |= rng.pick([0, 0x80000, 0x100000]);
  // flags the manuals leave undefined for this form (and for shifts by counts other than 1: OF, AF, CF)
  let flagMask = COMPARED;
  for (const a of f.attrs) if (a.startsWith("fu=")) for (const ch of a.slice(3)) flagMask &= ~(FLAG_BITS[ch] ?? 0);
  if (/^(SHL|SHR|SAL|SAR|ROL|ROR|RCL|RCR|SHLD|SHRD)$/.test(mn)) flagMask &= ~(0x800 | 0x10 | 0x1);
  return {
    index, name: `${mn} ${f.operands.join(",")}`.trim(), mode: mode.name, code: Uint8Array.from(bytes.slice(0, 14)),
    regs, eflags, segs, flagMask, v86: mode.v86, vme,
  };
}

/** The case table for runner.asm. */
export function encodeCases(cases: PmCase[]): Uint8Array {
  const buf = new Uint8Array(CASE_SIZE * cases.length);
  const dv = new DataView(buf.buffer);
  cases.forEach((c, i) => {
    const o = i * CASE_SIZE;
    buf.fill(0x90, o, o + 16);
    buf.set(c.code, o);
    buf.set([0xCD, 0x31], o + c.code.length); // int 31h: the exit
    for (let r = 0; r < 8; r++) dv.setUint32(o + 16 + 4 * r, c.regs[r], true);
    dv.setUint32(o + 48, c.eflags, true);
    c.segs.forEach((s, k) => dv.setUint16(o + 52 + 2 * k, s, true));
    buf[o + 64] = (c.v86 ? 1 : 0) | (c.vme ? 2 : 0);
  });
  return buf;
}

/** The data segment's initial contents: random dwords with selectors sprinkled in (segment loads find them). */
export function dataPattern(seed: number): Uint8Array {
  const rng = new Rng(seed ^ 0xDA7A, 0);
  const buf = new Uint8Array(0x10000);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < 0x10000; i += 2) dv.setUint16(i, rng.chance(0.25) ? rng.pick(SELECTORS) : notIntoCode(rng.below(0x10000)), true);
  return buf;
}
