// Generator of the differential CPU tests (test/diff/): random instruction tests for 32-bit flat user-mode code,
// built from the ONE opcode table (tools/opcodes), reproducible from a seed. Each test is an instruction (with
// prefixes), the registers, EFLAGS and a data page before it, and the places of the exit stubs that tell where
// execution went on. The expected result comes from running the same bytes on the host CPU (native/harness.c);
// run.ts runs both and compares, masking the flags the manuals leave undefined (flagMask, with the reasons in
// `notes`).
import { INTEGER_ROWS } from "../../tools/opcodes/table.ts";
import { expandRows, Form } from "../../tools/opcodes/expand.ts";

/** Fixed addresses (identical on the host and in the emulator, where paging is off so linear = physical). */
export const DATA_ADDR = 0x0040_0000; // one page: memory operands, the stack, string buffers
export const CODE_ADDR = 0x0060_0000; // one page: INT3 filler, the instruction, exit stubs
export const PAGE = 4096;
export const INSTR_OFF = 0x800; // the instruction sits mid-page so branches can land on either side
export const STUB_SIZE = 16; // room for the host's exit stub (the emulator's is `int 20h`)

/** EFLAGS bits compared: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID. */
export const COMPARED_FLAGS = 0x0024_7FD5;
const FLAG_BITS: Record<string, number> = { c: 0x1, p: 0x4, a: 0x10, z: 0x40, s: 0x80, i: 0x200, d: 0x400, o: 0x800 };
const ARITH = 0x8D5;
const CF = 0x1, AF = 0x10, OF = 0x800;

export interface DiffTest {
  index: number;
  name: string; // mnemonic and operand notation of the form
  code: Uint8Array; // the instruction with its prefixes
  stubs: number[]; // code-page offsets of the exit stubs: [fall-through, branch target...]
  regs: Uint32Array; // eax ecx edx ebx esp ebp esi edi
  eflags: number;
  data: Uint8Array; // the data page
  flagMask: number; // EFLAGS bits compared
  notes: string[]; // why bits were masked
}

// ---- PRNG: sfc32 seeded from (seed, index), so any single test can be regenerated alone ----
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number, stream: number) {
    this.a = seed >>> 0; this.b = (stream * 0x9E3779B9) >>> 0; this.c = 0x243F6A88 ^ stream; this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  below(n: number): number { return Math.floor((this.u32() / 4294967296) * n); }
  range(lo: number, hi: number): number { return lo + this.below(hi - lo + 1); } // inclusive
  chance(p: number): boolean { return this.u32() / 4294967296 < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.below(xs.length)]; }
}

const EDGE32 = [0, 1, 2, 0xFFFFFFFF, 0xFFFFFFFE, 0x80000000, 0x7FFFFFFF, 0x80000001, 0x40000000];
const EDGE16 = [0, 1, 2, 0xFFFF, 0xFFFE, 0x8000, 0x7FFF, 0x8001, 0x4000, 0x00FF, 0x0100];
const EDGE8 = [0, 1, 2, 0xFF, 0xFE, 0x80, 0x7F, 0x81, 0x40, 0x0F, 0x10, 0x09, 0x99];

/** A register value biased to edge cases, in all three widths (AH/BH.. take bits 8-15). */
function edgeValue(rng: Rng): number {
  switch (rng.below(8)) {
    case 0: case 1: return rng.pick(EDGE32);
    case 2: return ((rng.u32() & 0xFFFF0000) | rng.pick(EDGE16)) >>> 0;
    case 3: return ((rng.u32() & 0xFFFF0000) | (rng.pick(EDGE8) << 8) | rng.pick(EDGE8)) >>> 0;
    case 4: return rng.range(0, 40);
    case 5: return (-rng.range(1, 40)) >>> 0;
    default: return rng.u32();
  }
}
function edgeImm(rng: Rng, bytes: number): number {
  if (rng.chance(0.5)) return rng.u32() >>> (32 - 8 * bytes);
  const v = bytes === 1 ? rng.pick(EDGE8) : bytes === 2 ? rng.pick(EDGE16) : rng.pick(EDGE32);
  return v >>> 0;
}
const SHIFT_COUNTS = [0, 1, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 255];

// ---- the forms under test ----
interface Case { opcode: number; regField: number; form: Form; mem: boolean; modrm: boolean }

/** Mnemonics tested, by the kind of set-up they need. Everything else in the table is left out: segment
 *  registers (the host's selectors differ), I/O, interrupts, far transfers and privileged instructions. */
const KIND: Record<string, string> = {};
for (const m of ["ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP", "TEST", "INC", "DEC", "NOT", "NEG",
  "MUL", "IMUL", "MOV", "MOVZX", "MOVSX", "XCHG", "XADD", "CMPXCHG", "LEA", "NOP", "CBW|CWDE", "CWD|CDQ",
  "DAA", "DAS", "AAA", "AAS", "AAM", "AAD", "SALC", "LAHF", "SAHF", "CLC", "STC", "CMC", "CLD", "STD", "UD2",
  "INTO", "BSWAP"]) KIND[m] = "plain";
for (const m of ["ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"]) KIND[m] = "shift";
for (const c of ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"]) {
  KIND["CMOV" + c] = "plain"; KIND["SET" + c] = "plain"; KIND["J" + c] = "branch";
}
Object.assign(KIND, {
  SHLD: "shld", SHRD: "shld", BT: "bt", BTS: "bt", BTR: "bt", BTC: "bt", BSF: "bsf", BSR: "bsf",
  DIV: "div", IDIV: "div", CMPXCHG8B: "cmpxchg8b", BOUND: "bound", XLAT: "xlat",
  "MOVSB": "string", "MOVSW|MOVSD": "string", "CMPSB": "string", "CMPSW|CMPSD": "string", "STOSB": "string",
  "STOSW|STOSD": "string", "LODSB": "string", "LODSW|LODSD": "string", "SCASB": "string", "SCASW|SCASD": "string",
  PUSH: "stack", POP: "stack", "PUSHA|PUSHAD": "stack", "POPA|POPAD": "stack", "PUSHF|PUSHFD": "stack",
  "POPF|POPFD": "popf", ENTER: "enter", LEAVE: "leave",
  JMP: "branch", CALL: "branch", LOOP: "branch", LOOPE: "branch", LOOPNE: "branch", "JCXZ|JECXZ": "branch",
  RET: "ret",
});
// Privileged at CPL 3 (IOPL 0): each raises #GP(0) on the host and must in the emulator. INT n checks the gate's
// DPL (the host's IDT is Linux's: only vectors 3, 4 and 80h are open to ring 3; 80h and the emulator's exit
// vector 20h are never generated).
for (const m of ["CLI", "STI", "HLT", "IN", "OUT", "INSB", "INSW|INSD", "OUTSB", "OUTSW|OUTSD", "LGDT", "LIDT",
  "LLDT", "LTR", "LMSW", "CLTS", "INVD", "WBINVD", "INVLPG", "RDMSR", "WRMSR", "INT", "INT3", "INT1", "ARPL"]) KIND[m] = "priv";
KIND.ARPL = "plain"; // not privileged: a pure register/memory operation in protected mode
function kindOf(f: Form): string | undefined {
  return f.operands.some(o => o === "Cd" || o === "Dd") ? "priv" : KIND[f.mnemonic];
}
/** Forms left out although their mnemonic is tested, with the reason. */
function excluded(f: Form, opcode: number): boolean {
  if (kindOf(f) === "priv") return false;
  if (f.operands.some(o => /^(S[wv]?|[ECDFGS]S|Ap|Mp|DX|Rd)$/.test(o))) return true; // segment registers (the host's selectors differ), far
  if (opcode >= 0x119 && opcode <= 0x11E) return true; // hint NOPs: some decode as MPX/CET/CLDEMOTE on the host
  return false;
}

let CASES: Case[] | null = null;
export function allCases(): Case[] {
  if (CASES) return CASES;
  const out: Case[] = [];
  const maps = expandRows(INTEGER_ROWS);
  for (const [opcode, m] of [...maps.entries()].sort((a, b) => a[0] - b[0])) {
    const add = (form: Form | null, regField: number, mem: boolean) => {
      if (!form) return;
      const mn = form.mnemonic;
      if (!kindOf(form) || excluded(form, opcode)) return;
      out.push({ opcode, regField, form, mem, modrm: m.hasModrm });
    };
    if (!m.hasModrm) { add(m.mem[0] ?? m.reg[0], -1, false); continue; }
    for (let r = 0; r < (m.grouped ? 8 : 1); r++) {
      const rf = m.grouped ? r : -1;
      add(m.mem[r], rf, true);
      add(m.reg[r], rf, false);
    }
  }
  CASES = out;
  return out;
}

// ---- building one test ----
const ESP = 4, EBP = 5, ESI = 6, EDI = 7, EAX = 0, ECX = 1, EDX = 2, EBX = 3;

class Builder {
  regs = new Uint32Array(8);
  pinned = new Set<number>([ESP]); // registers whose value a constraint fixed (ESP: always inside the data page)
  addrRegs = new Set<number>(); // registers used to form the memory operand's address
  data: Uint8Array;
  eflags: number;
  prefixes: number[] = [];
  osize: 16 | 32 = 32;
  notes: string[] = [];
  flagMask = COMPARED_FLAGS;
  stubs: number[] = [];
  // ModRM operands
  gReg = -1; eReg = -1; ea = -1; // ea: data-page offset of the memory operand (-1: register form)
  constructor(public rng: Rng) {
    this.data = new Uint8Array(PAGE);
    for (let i = 0; i < PAGE; i += 4) new DataView(this.data.buffer).setUint32(i, rng.u32(), true);
    for (let i = 0; i < 8; i++) this.regs[i] = edgeValue(rng);
    this.regs[ESP] = DATA_ADDR + (rng.chance(0.9) ? 0xC00 + 4 * rng.below(0x80) : rng.range(0xC00, 0xE00));
    this.eflags = 0x202 | (rng.u32() & ARITH) | (rng.chance(0.25) ? 0x400 : 0);
  }
  pin(r: number, v: number): void { this.regs[r] = v >>> 0; this.pinned.add(r); }
  mask(bits: number, why: string): void { if (this.flagMask & bits) { this.flagMask &= ~bits; this.notes.push(why); } }
  dv(): DataView { return new DataView(this.data.buffer); }
  /** The value of an operand of `size` bits: register form (low or high byte register) or memory. */
  readOperand(reg: number, ea: number, size: number): number {
    if (ea >= 0) return size === 8 ? this.data[ea] : size === 16 ? this.dv().getUint16(ea, true) : this.dv().getUint32(ea, true);
    if (size === 8) return reg < 4 ? this.regs[reg] & 0xFF : (this.regs[reg - 4] >>> 8) & 0xFF;
    return size === 16 ? this.regs[reg] & 0xFFFF : this.regs[reg];
  }
  writeOperand(reg: number, ea: number, size: number, v: number): void {
    if (ea >= 0) {
      if (size === 8) this.data[ea] = v; else if (size === 16) this.dv().setUint16(ea, v, true); else this.dv().setUint32(ea, v >>> 0, true);
      return;
    }
    if (size === 8) {
      if (reg < 4) this.regs[reg] = (this.regs[reg] & ~0xFF) | (v & 0xFF);
      else this.regs[reg - 4] = (this.regs[reg - 4] & ~0xFF00) | ((v & 0xFF) << 8);
    } else if (size === 16) this.regs[reg] = (this.regs[reg] & 0xFFFF0000) | (v & 0xFFFF);
    else this.regs[reg] = v >>> 0;
  }
}

/** Encode a 32-bit ModRM memory operand whose address lands at data-page offset in [lo, hi]. */
function encodeMem(b: Builder, regField: number, lo: number, hi: number, stackOp: boolean): number[] {
  const rng = b.rng;
  const target = DATA_ADDR + rng.range(lo, hi);
  let mod = rng.below(3), rm = rng.chance(0.15) ? 4 : rng.below(8);
  let sib = -1, base = -1, index = -1, scale = 1;
  if (rm === 4) {
    // ESP as the base now and then: [esp+...] has its own rules (SS, and POP/PUSH adjust ESP around it)
    const ss = rng.below(4), ix = rng.below(8), bs = rng.chance(0.25) ? ESP : rng.below(8);
    sib = (ss << 6) | (ix << 3) | bs; scale = 1 << ss;
    if (ix !== 4) index = ix;
    if (!(bs === 5 && mod === 0)) base = bs;
  } else if (!(rm === 5 && mod === 0)) base = rm;
  // disp32 is the free term when there is no base or mod = 2; otherwise solve for the base register
  const hasDisp32 = base < 0 || mod === 2;
  const baseFree = base >= 0 && base !== index && !(b.pinned.has(base) && !(base === ESP && !stackOp));
  if (!hasDisp32 && !baseFree) { mod = 2; }
  if (index >= 0 && !b.pinned.has(index) && rng.chance(0.5)) b.regs[index] = rng.range(0, 16) - 4;
  let disp = 0;
  if (mod === 1) disp = rng.range(-128, 127);
  const idxVal = index >= 0 ? Math.imul(b.regs[index], scale) : 0;
  if (base < 0 || mod === 2) {
    if (base === ESP && !stackOp && mod === 2 && rng.chance(0.5)) {
      // [esp+...]: ESP itself may move anywhere in the page (the instruction does not use the stack)
      b.regs[ESP] = DATA_ADDR + rng.range(0x40, 0xF00);
    }
    const baseVal = base >= 0 ? b.regs[base] : 0;
    disp = (target - baseVal - idxVal) | 0;
  } else if (base === ESP) {
    // ESP is the base: keep the index small and put ESP where the address comes out right
    if (index >= 0 && !b.pinned.has(index)) b.regs[index] = rng.range(0, 8);
    const iv = index >= 0 ? Math.imul(b.regs[index], scale) : 0;
    const esp = (target - iv - disp) >>> 0;
    if (esp < DATA_ADDR + 0x40 || esp > DATA_ADDR + 0xFF0) { // cannot: use disp32 instead
      mod = 2; disp = (target - b.regs[ESP] - iv) | 0;
    } else b.regs[ESP] = esp;
  } else {
    b.regs[base] = (target - idxVal - disp) >>> 0;
  }
  if (base >= 0) b.addrRegs.add(base);
  if (index >= 0) b.addrRegs.add(index);
  if (base >= 0) b.pinned.add(base);
  if (index >= 0) b.pinned.add(index);
  // recompute the address exactly as the CPU will (the ESP/index adjustments above may have moved it)
  const ea = ((base >= 0 ? b.regs[base] : 0) + (index >= 0 ? Math.imul(b.regs[index], scale) : 0) + disp) >>> 0;
  b.ea = ea - DATA_ADDR;
  const bytes = [(mod << 6) | (regField << 3) | rm];
  if (sib >= 0) bytes.push(sib);
  if (mod === 1) bytes.push(disp & 0xFF);
  else if (mod === 2 || (mod === 0 && (rm === 5 || (rm === 4 && (sib & 7) === 5)))) pushLE(bytes, disp, 4);
  return bytes;
}

function pushLE(out: number[], v: number, n: number): void { for (let i = 0; i < n; i++) out.push((v >>> (8 * i)) & 0xFF); }

function fuMask(f: Form): number {
  let m = 0;
  for (const a of f.attrs) if (a.startsWith("fu=")) for (const ch of a.slice(3)) m |= FLAG_BITS[ch] ?? 0;
  return m;
}

/** Operand size in bits of the form at the builder's operand size. */
function opSize(f: Form, b: Builder): number { return f.byteOp ? 8 : b.osize; }

/** Relative weight of a form: forms with few table rows but much behaviour get more tests. */
const WEIGHT_BY_KIND: Record<string, number> = { string: 8, shld: 3, div: 3, popf: 6, enter: 8, leave: 4, ret: 3,
  bt: 2, bsf: 3, cmpxchg8b: 6, xlat: 3, bound: 4, stack: 2 };
const WEIGHT_BY_MNEMONIC: Record<string, number> = { DAA: 8, DAS: 8, AAA: 6, AAS: 6, AAM: 6, AAD: 6, LEA: 12,
  "CBW|CWDE": 3, "CWD|CDQ": 3, SAHF: 3, LAHF: 3, "PUSHA|PUSHAD": 4, "POPA|POPAD": 4, LOOP: 3, LOOPE: 3, LOOPNE: 3, "JCXZ|JECXZ": 3 };
let CUMULATIVE: number[] | null = null;
function pickCase(rng: Rng, cases: Case[]): Case {
  if (!CUMULATIVE) {
    let sum = 0;
    CUMULATIVE = cases.map(c => (sum += WEIGHT_BY_MNEMONIC[c.form.mnemonic] ?? WEIGHT_BY_KIND[kindOf(c.form)!] ?? 1));
  }
  const x = rng.u32() / 4294967296 * CUMULATIVE[CUMULATIVE.length - 1];
  let lo = 0, hi = CUMULATIVE.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (CUMULATIVE[mid] > x) hi = mid; else lo = mid + 1; }
  return cases[lo];
}

/** Generate test `index` of the stream `seed`. */
export function generate(seed: number, index: number): DiffTest {
  const rng = new Rng(seed, index);
  const cases = allCases();
  for (let attempt = 0; ; attempt++) {
    const c = pickCase(rng, cases);
    const t = build(rng, c, index);
    if (t) return t;
    if (attempt > 50) throw new Error("generator: cannot build a test");
  }
}

function build(rng: Rng, c: Case, index: number): DiffTest | null {
  const f = c.form, kind = kindOf(f)!, mn = f.mnemonic;
  const b = new Builder(rng);
  if (mn === "LEA" && rng.chance(0.3)) return buildLea16(rng, b, f, index);
  const noO16 = kind === "branch" || kind === "ret" || mn === "BSWAP" || mn === "CALL";
  if (f.sized && !noO16 && rng.chance(0.4)) { b.osize = 16; b.prefixes.push(0x66); }
  const size = opSize(f, b);
  const fu = fuMask(f);
  const shifty = kind === "shift" || kind === "shld"; // their undefined flags depend on the count (below)
  if (fu && !shifty) b.mask(fu, `fu=${[...f.attrs].find(a => a.startsWith("fu="))!.slice(3)}: the table's undefined flags for ${mn}`);

  // LOCK: allowed on the memory forms of "lock" rows, #UD elsewhere (both sides must agree)
  if (f.attrs.has("lock") ? rng.chance(0.3) : rng.chance(0.02)) b.prefixes.push(0xF0);
  // a segment override now and then on memory forms: DS/ES/SS read the same flat memory, CS faults on writes
  if (c.mem && rng.chance(0.1)) b.prefixes.push(rng.pick([0x26, 0x2E, 0x36, 0x3E]));

  const stackOp = kind === "stack" || kind === "popf" || kind === "enter" || kind === "leave" || kind === "ret"
    || mn === "CALL";
  // ---- operand constraints that must hold before the ModRM operand is placed ----
  let shiftCount = -1;
  const pre = () => {
    if (kind === "shift" || kind === "shld") {
      const byCL = f.operands.includes("CL"), byOne = f.operands.includes("1");
      let count = byOne ? 1 : rng.pick(SHIFT_COUNTS);
      if (kind === "shld" && size === 16 && (count & 31) > 16) count = rng.range(0, 16); // result undefined > 16
      shiftCount = count;
      if (byCL) b.pin(ECX, (b.regs[ECX] & ~0xFF) | count);
    }
    if (kind === "string") {
      b.pin(ESI, DATA_ADDR + rng.range(0x200, 0xA00));
      b.pin(EDI, DATA_ADDR + rng.range(0x200, 0xA00));
      b.pin(ECX, rng.range(0, 6)); // REP counts stay small
    }
    if (kind === "xlat") b.pin(EBX, DATA_ADDR + rng.range(0, 0xEFF));
    if (mn === "LOOP" || mn === "LOOPE" || mn === "LOOPNE" || mn === "JCXZ|JECXZ") {
      if (rng.chance(0.4)) b.prefixes.push(0x67); // address size 16: CX instead of ECX
      const lo = rng.pick([0, 0, 1, 1, 2, 0xFFFF, 0x10000]);
      b.regs[ECX] = rng.chance(0.5) ? lo : ((rng.u32() & 0xFFFF0000) | (lo & 0xFFFF)) >>> 0;
    }
    if (kind === "leave" || kind === "enter") b.pin(EBP, DATA_ADDR + rng.range(0x200, 0xF00) & ~(rng.chance(0.8) ? 3 : 0));
  };
  pre();

  // ---- encode ----
  const bytes: number[] = [];
  if (c.opcode >= 0x100) bytes.push(0x0F);
  bytes.push(c.opcode & 0xFF);
  if (c.modrm) {
    const regField = c.regField >= 0 ? c.regField : rng.below(8);
    const hasG = f.operands.some(o => o[0] === "G");
    if (hasG) b.gReg = regField;
    // register operands that must hold a constrained value (G of BT with a memory operand: the bit offset)
    if (kind === "bt" && c.mem && hasG) {
      if (regField === ESP) return null; // ESP must stay a stack address
      const off = rng.range(-0x800, 0x7FF);
      const host = regField;
      b.pin(host, size === 16 ? ((b.regs[host] & 0xFFFF0000) | (off & 0xFFFF)) : off);
    }
    if (c.mem) {
      const memBytes = f.operands.includes("Mq") || f.operands.includes("Ma") ? 8 : 4;
      const [lo, hi] = kind === "bt" ? [0x400, 0x800] : [0x100, 0xB00 - memBytes];
      bytes.push(...encodeMem(b, regField, lo, hi, stackOp));
    } else {
      const rm = rng.below(8);
      b.eReg = rm;
      bytes.push(0xC0 | (regField << 3) | rm);
    }
  }
  // ---- immediates ----
  let taken = -1; // code-page offset of a branch target stub
  for (const o of f.operands) {
    if (o === "Ib") {
      if (kind === "shift" || kind === "shld") bytes.push(shiftCount & 0xFF);
      else if (mn === "AAM" || mn === "AAD") bytes.push(rng.chance(0.6) ? 10 : rng.chance(0.2) ? 0 : rng.below(256));
      else if (kind === "enter") { /* written below */ }
      else if (mn === "INT") { let v; do v = rng.chance(0.3) ? rng.range(0, 8) : rng.below(256); while (v === 0x20 || v === 0x80); bytes.push(v); }
      else bytes.push(edgeImm(rng, 1));
    } else if (o === "Ibs") bytes.push(edgeImm(rng, 1));
    else if (o === "Iz" || o === "Iv") pushLE(bytes, edgeImm(rng, size / 8), size / 8);
    else if (o === "Iw" && kind === "enter") {
      pushLE(bytes, rng.chance(0.5) ? rng.range(0, 16) : rng.range(0, 0x200), 2);
      bytes.push(rng.chance(0.4) ? 0 : rng.chance(0.5) ? rng.range(1, 3) : rng.below(256));
    } else if (o === "Iw") pushLE(bytes, rng.chance(0.5) ? 0 : rng.range(0, 64) & ~1, 2);
    else if (o === "Ob" || o === "Ov") { b.ea = rng.range(0x100, 0xB00); pushLE(bytes, DATA_ADDR + b.ea, 4); }
  }
  const prefixLen = () => b.prefixes.length;
  // branches: displacement to a second exit stub that does not overlap the instruction or the first stub
  if (kind === "branch" && f.operands.some(o => o[0] === "J")) {
    const rel8 = f.operands.includes("Jb");
    const len = prefixLen() + bytes.length + (rel8 ? 1 : 4);
    const end = INSTR_OFF + len;
    for (;;) {
      const rel = rel8 ? rng.range(-128, 127) : rng.range(-0x700, 0x700);
      const t = end + rel;
      if (t < 0 || t + STUB_SIZE > PAGE) continue;
      if (t + STUB_SIZE > INSTR_OFF && t < end + STUB_SIZE) continue;
      taken = t;
      pushLE(bytes, rel, rel8 ? 1 : 4);
      break;
    }
  }
  const len = prefixLen() + bytes.length;
  b.stubs.push(INSTR_OFF + len);
  if (taken < 0 && (kind === "ret" || mn === "CALL" || mn === "JMP")) {
    // indirect/return targets: a stub somewhere else in the page
    for (;;) {
      const t = rng.range(0, PAGE - STUB_SIZE);
      if (t + STUB_SIZE > INSTR_OFF && t < INSTR_OFF + len + STUB_SIZE) continue;
      taken = t; break;
    }
  }
  if (taken >= 0) b.stubs.push(taken);

  // ---- constraints on values after the operands are placed ----
  const eSize = size;
  const isAddr = (r: number) => b.addrRegs.has(r);
  const setIfFree = (r: number, v: number) => { if (!isAddr(r)) b.regs[r] = v >>> 0; };
  switch (kind) {
    case "shift": case "shld": {
      // a masked count of 0 changes no flag; otherwise AF is undefined for shifts (not rotates) and OF for
      // counts other than 1 (SDM Vol. 2B: SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD)
      const cnt = shiftCount & 31;
      if (cnt !== 0) {
        if (fu & AF) b.mask(AF, "AF: undefined after a shift by a non-zero count");
        if (cnt !== 1) b.mask(OF, "OF: undefined for shift/rotate counts other than 1");
        if (/^(SHL|SHR|SAL)$/.test(mn) && cnt >= size) b.mask(CF, "CF: undefined for SHL/SHR counts >= the operand size");
      }
      break;
    }
    case "div": {
      // mostly a quotient that fits, sometimes #DE
      const divisor = b.readOperand(b.eReg, b.ea, eSize);
      if (rng.chance(0.8) && divisor !== 0) {
        const signed = mn === "IDIV";
        if (eSize === 8) {
          const hi = signed ? ((b.regs[EAX] & 0x80) ? 0xFF : 0) : rng.below(Math.max(1, divisor));
          if (!isAddr(EAX) && !(!c.mem && (b.eReg & 3) === EAX)) b.regs[EAX] = (b.regs[EAX] & 0xFFFF00FF) | (hi << 8);
        } else {
          const lo = b.regs[EAX];
          const hiMax = eSize === 16 ? divisor & 0xFFFF : divisor >>> 0;
          const hi = signed ? ((eSize === 16 ? (lo & 0x8000) : (lo & 0x80000000)) ? 0xFFFFFFFF : 0) : rng.below(Math.max(1, hiMax));
          if (!(b.eReg === EDX && !c.mem)) {
            if (eSize === 16) setIfFree(EDX, (b.regs[EDX] & 0xFFFF0000) | (hi & 0xFFFF));
            else setIfFree(EDX, hi);
          }
        }
      }
      break;
    }
    case "bsf": if (rng.chance(0.25)) { // a zero source (ZF=1, destination unchanged) or a single bit
      const v = rng.chance(0.5) ? 0 : (1 << rng.below(size)) >>> 0;
      if (c.mem) b.writeOperand(-1, b.ea, size, v);
      else if (!isAddr(b.eReg) && b.eReg !== ESP) b.writeOperand(b.eReg, -1, size, v);
    } break;
    case "plain":
      if (mn === "CMPXCHG" && rng.chance(0.5)) { // accumulator equal to the destination: the store path
        const v = b.readOperand(b.eReg, b.ea, size);
        if (!isAddr(EAX)) b.writeOperand(EAX, -1, size, v);
      }
      break;
    case "cmpxchg8b":
      if (rng.chance(0.5) && !isAddr(EAX) && !isAddr(EDX)) {
        b.regs[EAX] = b.dv().getUint32(b.ea, true); b.regs[EDX] = b.dv().getUint32(b.ea + 4, true);
      }
      break;
    case "bound": {
      // bounds around the index mostly (no #BR); out of range sometimes
      const idx = b.readOperand(b.gReg, -1, size);
      const sx = (v: number) => size === 16 ? (v << 16) >> 16 : v | 0;
      let lower = sx(idx) - rng.range(0, 3), upper = sx(idx) + rng.range(0, 3);
      if (rng.chance(0.3)) { lower = sx(rng.u32()); upper = sx(rng.u32()); }
      if (size === 16) { b.dv().setUint16(b.ea, lower & 0xFFFF, true); b.dv().setUint16(b.ea + 2, upper & 0xFFFF, true); }
      else { b.dv().setInt32(b.ea, lower, true); b.dv().setInt32(b.ea + 4, upper, true); }
      break;
    }
    case "string": {
      b.eflags = (b.eflags & ~0x400) | (rng.chance(0.5) ? 0x400 : 0);
      const r = rng.below(4);
      if (r === 1) b.prefixes.push(0xF3); else if (r === 2) b.prefixes.push(0xF2);
      // for compares: make the two buffers (or the accumulator) match for a while so REPE runs on
      const elem = size / 8, n = (b.regs[ECX] & 0xFFFF) + 1;
      if (/^(CMPS|SCAS)/.test(mn) && rng.chance(0.6)) {
        const dir = (b.eflags & 0x400) ? -1 : 1;
        const k = rng.range(0, n);
        for (let i = 0; i < k; i++) {
          const d = b.regs[EDI] - DATA_ADDR + dir * i * elem, s = b.regs[ESI] - DATA_ADDR + dir * i * elem;
          for (let j = 0; j < elem; j++) b.data[d + j] = mn.startsWith("SCAS") ? (b.regs[EAX] >>> (8 * j)) & 0xFF : b.data[s + j];
        }
      }
      // a source segment override (the destination ES:EDI cannot be overridden)
      if (/^(MOVS|CMPS|LODS)/.test(mn) && rng.chance(0.15)) b.prefixes.push(rng.pick([0x26, 0x2E, 0x36, 0x3E]));
      break;
    }
    case "popf": {
      // at CPL 3 with IOPL 0, POPF ignores IF and IOPL; reserved bits are forced. Not TF (single-step trap) nor AC
      // (the host checks alignment; the emulator has no #AC).
      const v = rng.u32() & (ARITH | 0x400 | 0x0002 | 0x0028 | 0x8000 | 0x200000 | 0x10000 | 0x200 | 0x3000 | 0x4000);
      const sp = b.regs[ESP] - DATA_ADDR;
      if (b.osize === 16) b.dv().setUint16(sp, v & 0xFFFF, true); else b.dv().setUint32(sp, v, true);
      break;
    }
    case "ret": {
      const sp = b.regs[ESP] - DATA_ADDR;
      b.dv().setUint32(sp, CODE_ADDR + taken, true);
      break;
    }
    case "branch":
      if ((mn === "CALL" || mn === "JMP") && f.operands.some(o => o[0] === "E")) {
        if (c.mem) b.dv().setUint32(b.ea, CODE_ADDR + taken, true);
        else if (!isAddr(b.eReg) && b.eReg !== ESP) b.regs[b.eReg] = CODE_ADDR + taken;
        else return null;
      }
      break;
  }
  const fixedLayout = taken >= 0; // a branch's displacement or target depends on the length: no more prefixes
  // a REP prefix on a non-string instruction is ignored (except F3 0F BC/BD: TZCNT/LZCNT on newer hosts)
  if (!fixedLayout && kind !== "string" && c.opcode !== 0x1BC && c.opcode !== 0x1BD && rng.chance(0.04)) b.prefixes.push(rng.pick([0xF2, 0xF3]));
  // instruction length: 15 bytes is the limit, one more is #GP(0). Pad with redundant segment prefixes.
  if (!fixedLayout && rng.chance(0.03)) {
    const want = rng.chance(0.5) ? 15 : 16;
    const seg = b.prefixes.find(x => [0x26, 0x2E, 0x36, 0x3E].includes(x)) ?? 0x3E;
    while (b.prefixes.length + bytes.length < want) b.prefixes.push(seg);
    b.notes.push(`padded to ${want} bytes`);
  }
  // final layout: prefixes in a random order, then the opcode bytes
  const pre2 = b.prefixes.slice();
  for (let i = pre2.length - 1; i > 0; i--) { const j = rng.below(i + 1); [pre2[i], pre2[j]] = [pre2[j], pre2[i]]; }
  const code = Uint8Array.from([...pre2, ...bytes]);
  if (code.length > 16) return null;
  b.stubs[0] = INSTR_OFF + code.length; // string prefixes were added after the layout (never with a branch)
  return {
    index, name: `${f.mnemonic} ${f.operands.join(",")}`.trim(), code, stubs: b.stubs, regs: b.regs,
    eflags: b.eflags, data: b.data, flagMask: b.flagMask, notes: b.notes,
  };
}

/** LEA with a 16-bit address (67h): ModRM uses the 16-bit forms ([bx+si], [bp+disp8], [disp16], ...); LEA does
 *  not access memory, so any address works (16-bit addresses are not mapped on the host otherwise). */
function buildLea16(rng: Rng, b: Builder, f: Form, index: number): DiffTest {
  const mod = rng.below(3), rm = rng.below(8), reg = rng.below(8);
  const bytes = [0x8D, (mod << 6) | (reg << 3) | rm];
  if (mod === 1) bytes.push(rng.below(256));
  else if (mod === 2 || (mod === 0 && rm === 6)) pushLE(bytes, edgeImm(rng, 2), 2);
  for (let i = 0; i < 8; i++) if (i !== ESP) b.regs[i] = edgeValue(rng);
  const pre = [0x67];
  if (rng.chance(0.4)) pre.push(0x66);
  const code = Uint8Array.from([...pre, ...bytes]);
  return {
    index, name: `${f.mnemonic} ${f.operands.join(",")} (a16)`, code, stubs: [INSTR_OFF + code.length], regs: b.regs,
    eflags: b.eflags, data: b.data, flagMask: b.flagMask, notes: b.notes,
  };
}
