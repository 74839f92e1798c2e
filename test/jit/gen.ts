// Random x86 instruction sequences for the JIT differential fuzzer (test/jit-fuzz.test.ts): the forms the JIT
// emits inline (ALU, MOV, LEA, INC/DEC, TEST, CMP, Jcc, JMP, MOVZX/MOVSX, PUSH/POP, CALL/RET, shifts, IMUL, MUL/DIV,
// SETcc, CMOVcc, XCHG, the x87 register forms) with register and memory operands, segment overrides, byte registers AH..BH, 16- and
// 32-bit operand and address sizes, and short loops that jump back to their own start with a counter.
// Encodings: Intel SDM Vol. 2, chapter 2 (ModR/M, SIB) and appendix A (opcode map).
import { Rng } from "../fuzz/run.ts";

export type Bits = 16 | 32;

/** How the machine the code runs in is set up (test/jit/pair.ts); the generator aims its pointers there. */
export interface GenEnv {
  bits: Bits;
  /** Offsets in the data segments that are worth pointing at (inside, near page ends, near the limit). */
  hotOffsets: number[];
}

const EAX = 0, ECX = 1, ESP = 4, EBP = 5;
/** 16/32-bit registers a generated instruction may write: not ESP (the stack stays usable). */
const WRITABLE = [0, 0, 1, 1, 2, 2, 3, 5, 6, 7];

export class Gen {
  private out: number[] = [];
  /** Inside a loop body: ECX (CL, CH) is the counter and must not be written. */
  private inLoop = false;
  constructor(private readonly r: Rng, private readonly env: GenEnv) {}

  private below(n: number): number { return this.r.below(n); }
  private chance(p: number): boolean { return this.r.next() / 0x1_0000_0000 < p; }
  private pick<T>(a: readonly T[]): T { return a[this.below(a.length)]; }
  private emit(...b: number[]): void { for (const x of b) this.out.push(x & 0xFF); }
  private imm(size: number, v = this.r.next()): void { for (let i = 0; i < size; i++) this.emit(v >>> (8 * i)); }

  /** An interesting immediate: small, sign boundaries, all ones, or anything. */
  private value(): number {
    switch (this.below(6)) {
      case 0: return this.below(4);
      case 1: return this.pick([0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]);
      case 2: return (0x100000000 - 1 - this.below(3)) >>> 0;
      case 3: return this.below(64);
      default: return this.r.next();
    }
  }

  private dst16or32(): number {
    for (;;) { const g = this.pick(WRITABLE); if (!(this.inLoop && g === ECX)) return g; }
  }
  private dst8(): number {
    for (;;) { const g = this.below(8); if (!(this.inLoop && (g === 1 || g === 5))) return g; }
  }

  /** Prefixes for one instruction: maybe a segment override, operand size, address size. Returns the sizes. */
  private prefixes(allowOpsize = true): { osize: 16 | 32; asize: 16 | 32 } {
    const bits = this.env.bits;
    let osize: 16 | 32 = bits, asize: 16 | 32 = bits;
    if (this.chance(0.2)) this.emit(this.pick([0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65]));
    if (allowOpsize && this.chance(0.15)) { this.emit(0x66); osize = bits === 16 ? 32 : 16; }
    if (this.chance(0.08)) { this.emit(0x67); asize = bits === 16 ? 32 : 16; }
    this.curAsize = asize;
    return { osize, asize };
  }
  /** An ALU instruction on registers whose flags a condition will read: equal operands (same register, or a
   *  register and the small value it may hold) make the equal/below/less boundaries come up. */
  private producer(): void {
    const size = this.below(3); // 8-bit, 16/32-bit, other size (66h)
    if (size === 2) this.emit(0x66);
    const op = this.pick([7, 7, 5, 0, 4, 6, 1, 2, 3]); // CMP mostly, SUB, ADD, AND, XOR, OR, ADC, SBB
    const w = size === 0 ? 0 : 1;
    const d = w ? this.dst16or32() : this.dst8();
    if (this.below(2)) { this.emit(op * 8 + w, 0xC0 | ((this.below(2) ? d : this.below(8)) << 3) | d); return; }
    this.emit(w ? 0x83 : 0x80, 0xC0 | (op << 3) | d, this.pick([0, 1, 2, 0x7F, 0x80, 0xFF]));
  }

  /** The address size of the instruction being emitted (set by its prefixes). */
  private curAsize: 16 | 32 = 32;
  private asize(): 16 | 32 { return this.curAsize; }

  /** ModR/M (+ SIB + displacement) for `reg` and a register (mem false) or memory operand. */
  private modrm(reg: number, mem: boolean, asize: 16 | 32, rmReg?: number): void {
    reg &= 7;
    if (!mem) { this.emit(0xC0 | (reg << 3) | ((rmReg ?? this.below(8)) & 7)); return; }
    const hot = this.pick(this.env.hotOffsets);
    if (asize === 16) {
      const kind = this.below(4);
      if (kind === 0) { this.emit((reg << 3) | 6); this.imm(2, hot + this.below(8) - 4); return; } // [disp16]
      const rm = this.below(8);
      if (kind === 1 && rm !== 6) { this.emit((reg << 3) | rm); return; }
      if (kind === 2) { this.emit(0x40 | (reg << 3) | rm); this.imm(1, this.below(256)); return; }
      this.emit(0x80 | (reg << 3) | rm); this.imm(2, this.chance(0.5) ? hot : this.r.next());
      return;
    }
    const kind = this.below(5);
    if (kind === 0) { this.emit((reg << 3) | 5); this.imm(4, hot + this.below(8) - 4); return; } // [disp32]
    const base = this.pick([3, 5, 6, 7, 3, 6, 7, ESP, EAX, 2]);
    const useSib = base === ESP || this.chance(0.25);
    const mod = kind === 1 && base !== EBP ? 0 : kind <= 3 ? 1 : 2;
    this.emit((mod << 6) | (reg << 3) | (useSib ? 4 : base));
    if (useSib) {
      // index: none (4), or a register with a small scale
      const index = this.chance(0.4) ? 4 : this.pick([1, 2, 3, 6, 7]);
      this.emit((this.below(4) << 6) | (index << 3) | base);
    }
    if (mod === 1) this.imm(1, this.below(256));
    if (mod === 2) this.imm(4, this.chance(0.2) ? hot : this.chance(0.5) ? this.below(0x1000) : -this.below(0x1000));
  }

  /** One random instruction (no control transfer). */
  private plain(): void {
    const mem = this.chance(0.45);
    switch (this.below(24)) {
      case 0: case 1: case 2: { // ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev
        this.prefixes();
        const op = this.below(8), form = this.below(4);
        this.emit(op * 8 + form);
        const toReg = form >= 2;
        const reg = toReg ? (form === 2 ? this.dst8() : this.dst16or32()) : this.below(8);
        const rm = !toReg && !mem ? (form === 0 ? this.dst8() : this.dst16or32()) : undefined;
        this.modrm(reg, mem, this.asize(), rm);
        return;
      }
      case 3: { // ALU AL/eAX, imm
        const { osize } = this.prefixes();
        const op = this.below(8), wide = this.below(2);
        this.emit(op * 8 + 4 + wide);
        this.imm(wide ? osize / 8 : 1, this.value());
        return;
      }
      case 4: case 5: { // 80/81/83 /op
        const { osize, asize } = this.prefixes();
        const form = this.pick([0x80, 0x81, 0x83]);
        this.emit(form);
        this.modrm(this.below(8), mem, asize, form === 0x80 ? this.dst8() : this.dst16or32());
        this.imm(form === 0x81 ? osize / 8 : 1, this.value());
        return;
      }
      case 6: case 7: { // MOV 88/89/8A/8B
        const { asize } = this.prefixes();
        const form = this.below(4);
        this.emit(0x88 + form);
        const reg = form === 2 ? this.dst8() : form === 3 ? this.dst16or32() : this.below(8);
        this.modrm(reg, mem, asize, form === 0 ? this.dst8() : form === 1 ? this.dst16or32() : undefined);
        return;
      }
      case 8: { // MOV C6/C7, B0+r, B8+r
        const { osize, asize } = this.prefixes();
        const k = this.below(3);
        if (k === 0) { const w = this.below(2); this.emit(0xC6 + w); this.modrm(0, mem, asize, w ? this.dst16or32() : this.dst8()); this.imm(w ? osize / 8 : 1, this.value()); }
        else if (k === 1) { this.emit(0xB0 + this.dst8()); this.imm(1, this.value()); }
        else { this.emit(0xB8 + this.dst16or32()); this.imm(osize / 8, this.value()); }
        return;
      }
      case 9: { // LEA
        const { asize } = this.prefixes();
        this.emit(0x8D); this.modrm(this.dst16or32(), true, asize);
        return;
      }
      case 10: { // INC/DEC: 40+r / 48+r, FE /0 /1, FF /0 /1
        const { asize } = this.prefixes();
        const k = this.below(3);
        if (k === 0) this.emit(0x40 + 8 * this.below(2) + this.dst16or32());
        else { const w = this.below(2); this.emit(0xFE + w); this.modrm(this.below(2), mem, asize, w ? this.dst16or32() : this.dst8()); }
        return;
      }
      case 11: { // TEST 84/85, A8/A9, F6/F7 /0
        const { osize, asize } = this.prefixes();
        const k = this.below(3), w = this.below(2);
        if (k === 0) { this.emit(0x84 + w); this.modrm(this.below(8), mem, asize); }
        else if (k === 1) { this.emit(0xA8 + w); this.imm(w ? osize / 8 : 1, this.value()); }
        else { this.emit(0xF6 + w); this.modrm(0, mem, asize); this.imm(w ? osize / 8 : 1, this.value()); }
        return;
      }
      case 12: { // MOVZX / MOVSX
        const { asize } = this.prefixes();
        this.emit(0x0F, this.pick([0xB6, 0xB7, 0xBE, 0xBF]));
        this.modrm(this.dst16or32(), mem, asize);
        return;
      }
      case 13: { // PUSH r / imm / r/m, POP r / r/m: balanced pairs mostly
        const { osize, asize } = this.prefixes();
        const k = this.below(5);
        if (k === 0) this.emit(0x50 + this.below(8));
        else if (k === 1) this.emit(0x58 + this.dst16or32());
        else if (k === 2) { this.emit(this.pick([0x6A, 0x68])); this.imm(this.out[this.out.length - 1] === 0x6A ? 1 : osize / 8, this.value()); }
        else if (k === 3) { this.emit(0xFF); this.modrm(6, mem, asize); }
        else { this.emit(0x8F); this.modrm(0, mem, asize, this.dst16or32()); }
        return;
      }
      case 14: case 15: { // shifts and rotates: D0/D1 (by 1), C0/C1 (imm8), D2/D3 (by CL)
        const { asize } = this.prefixes();
        const form = this.pick([0xD0, 0xD1, 0xC0, 0xC1, 0xD2, 0xD3]);
        this.emit(form);
        this.modrm(this.below(8), mem, asize, form & 1 ? this.dst16or32() : this.dst8());
        if (form === 0xC0 || form === 0xC1) this.imm(1, this.pick([0, 1, 2, 7, 8, 15, 16, 31, 32, 33, this.below(256)]));
        return;
      }
      case 16: { // IMUL 0F AF, 69, 6B; MUL/IMUL/DIV/IDIV F6/F7 /4-/7 on eDX:eAX, a division often right after
        // XOR EDX,EDX or CDQ (so that it mostly does not fault)
        const k = this.below(4);
        if (k === 3) {
          const op = 4 + this.below(4);
          // a factor or dividend of either sign, often small, in eAX; for a division then eDX from it: zero for DIV,
          // the sign (CWD/CDQ) for IDIV
          if (this.chance(0.5)) { this.emit(0xB8); this.imm(this.env.bits / 8, this.value()); }
          if (op >= 6 && this.chance(0.7)) {
            if (op === 6 ? this.chance(0.8) : this.chance(0.2)) this.emit(0x31, 0xD2); else this.emit(0x99);
          }
          const { asize } = this.prefixes();
          this.emit(0xF6 + this.below(2)); this.modrm(op, mem, asize);
          // a product's flags read at once: SETcc or ADC
          if (op < 6 && this.chance(0.5)) this.emit(0x0F, 0x90 + this.below(16), 0xC0 | this.dst8());
          return;
        }
        const { osize, asize } = this.prefixes();
        if (k === 0) { this.emit(0x0F, 0xAF); this.modrm(this.dst16or32(), mem, asize); }
        else if (k === 1) { this.emit(0x69); this.modrm(this.dst16or32(), mem, asize); this.imm(osize / 8, this.value()); }
        else { this.emit(0x6B); this.modrm(this.dst16or32(), mem, asize); this.imm(1, this.value()); }
        return;
      }
      case 17: { // SETcc
        const { asize } = this.prefixes();
        this.emit(0x0F, 0x90 + this.below(16)); this.modrm(0, mem, asize, this.dst8());
        return;
      }
      case 18: { // CMOVcc
        const { asize } = this.prefixes();
        this.emit(0x0F, 0x40 + this.below(16)); this.modrm(this.dst16or32(), mem, asize);
        return;
      }
      case 19: { // XCHG 86/87, 90+r
        const { asize } = this.prefixes();
        const k = this.below(3);
        if (k === 2) { this.emit(0x90 + this.dst16or32()); return; }
        this.emit(0x86 + k);
        this.modrm(k ? this.dst16or32() : this.dst8(), mem, asize, k ? this.dst16or32() : this.dst8());
        return;
      }
      case 20: { // a flags producer (ALU on registers, often equal operands) and a SETcc or CMOVcc reading it
        this.producer();
        if (this.below(2)) { this.emit(0x0F, 0x90 + this.below(16), 0xC0 | this.dst8()); }
        else { this.emit(0x0F, 0x40 + this.below(16)); this.modrm(this.dst16or32(), this.chance(0.3), this.env.bits); }
        return;
      }
      case 22: case 23: // a few x87 instructions in a row, often on two constants loaded first
        if (this.chance(0.5)) for (let k = 0; k < 2; k++) this.emit(0xD9, 0xE8 + this.pick([0, 1, 2, 3, 4, 5, 6]));
        for (let k = 1 + this.below(4); k > 0; k--) this.x87();
        return;
      default: { // a flag reader right after a producer: ADC/SBB/RCL on registers
        this.prefixes(false);
        this.emit(this.pick([0x11, 0x19, 0x13, 0x1B]));
        this.modrm(this.dst16or32(), false, this.asize(), this.dst16or32());
        return;
      }
    }
  }

  /** One x87 register form (jit/x87.ts compiles them inline): loads, exchanges, stores, arithmetic, compares,
   *  FCOMI followed by a flag reader, FNSTSW AX, FNINIT. Empty and full stacks come up by themselves. */
  private x87(): void {
    const i = this.below(8);
    if (this.chance(0.3)) { // memory forms: FLD/FILD, FST/FSTP m32/m64, arithmetic and FCOM(P) with m32/m64/m16int/m32int
      const { asize } = this.prefixes(false);
      const [opc, reg] = this.pick([[0xD9, 0], [0xDD, 0], [0xDF, 0], [0xDB, 0], [0xDF, 5], [0xD9, 2], [0xD9, 3], [0xDD, 2],
        [0xDD, 3], [0xD8, -1], [0xDC, -1], [0xDA, -1], [0xDE, -1]]);
      this.emit(opc);
      this.modrm(reg >= 0 ? reg : this.below(8), true, asize);
      return;
    }
    switch (this.below(12)) {
      case 0: case 1: this.emit(0xD9, 0xC0 | i); return; // FLD ST(i)
      case 2: this.emit(0xD9, 0xE8 + this.pick([0, 0, 6, 6, 1, 2, 3, 4, 5])); return; // FLD1, FLDZ, FLDL2T ...
      case 3: this.emit(0xD9, 0xC8 | i); return; // FXCH
      case 4: this.emit(0xDD, this.pick([0xD0, 0xD8]) | i); return; // FST / FSTP ST(i)
      case 5: case 6: case 7: // FADD FMUL FSUB FSUBR FDIV FDIVR: ST,ST(i) / ST(i),ST / ST(i),ST and pop
        this.emit(this.pick([0xD8, 0xDC, 0xDE]), 0xC0 | (this.pick([0, 1, 4, 5, 6, 7]) << 3) | i);
        return;
      case 8: { // FCOM FCOMP FUCOM FUCOMP ST(i), FCOMPP, FUCOMPP
        const k = this.below(6);
        if (k < 4) this.emit(k < 2 ? 0xD8 : 0xDD, (k === 0 ? 0xD0 : k === 1 ? 0xD8 : k === 2 ? 0xE0 : 0xE8) | i);
        else this.emit(k === 4 ? 0xDE : 0xDA, k === 4 ? 0xD9 : 0xE9);
        return;
      }
      case 9: case 10: // FCOMI FUCOMI FCOMIP FUCOMIP, then a SETcc or Jcc-like reader (CMOVcc) of the flags
        this.emit(this.pick([0xDB, 0xDF]), this.pick([0xF0, 0xE8]) | i);
        if (this.below(2)) this.emit(0x0F, 0x90 + this.below(16), 0xC0 | this.dst8());
        else { this.emit(0x0F, 0x40 + this.below(16)); this.modrm(this.dst16or32(), false, this.env.bits); }
        return;
      default:
        if (this.below(3)) this.emit(0xDF, 0xE0); // FNSTSW AX
        else this.emit(0xDB, 0xE3); // FNINIT
        return;
    }
  }

  /** A whole sequence: instructions, forward branches over a few of them, a loop, calls; then HLT, then the
   *  subroutines the calls reach. */
  sequence(): Uint8Array {
    this.out = [];
    // mostly FNINIT's control word (every exception masked: the x87's inline path), else the reset one (0040h)
    if (this.chance(0.7)) this.emit(0xDB, 0xE3);
    const calls: { at: number; end: number; sub: number }[] = [];
    const subs: number[][] = [];
    const n = 2 + this.below(14);
    for (let i = 0; i < n; i++) {
      const what = this.below(20);
      if (what === 0) this.loop();
      else if (what === 1 || what === 2) this.skip();
      else if (what === 3 && subs.length < 2) {
        // CALL rel16/32 to a subroutine after the HLT; patched below
        this.emit(0xE8);
        const at = this.out.length;
        this.imm(this.env.bits / 8, 0);
        calls.push({ at, end: this.out.length, sub: subs.length });
        const saved = this.out;
        this.out = [];
        for (let k = this.below(4); k > 0; k--) this.plain();
        if (this.chance(0.7)) this.emit(0xC3); else { this.emit(0xC2); this.imm(2, this.below(3) * 2); }
        subs.push(this.out);
        this.out = saved;
      } else this.plain();
    }
    this.emit(0xF4); // HLT with IF = 0: the run stops
    const starts: number[] = [];
    for (const s of subs) { starts.push(this.out.length); this.out.push(...s); }
    for (const c of calls) {
      const rel = starts[c.sub] - c.end;
      for (let i = 0; i < c.end - c.at; i++) this.out[c.at + i] = (rel >>> (8 * i)) & 0xFF;
    }
    return Uint8Array.from(this.out);
  }

  /** Jcc / JMP (short or near) over the next 1-4 instructions. */
  private skip(): void {
    const saved = this.out;
    this.out = [];
    for (let k = 1 + this.below(4); k > 0; k--) this.plain();
    const body = this.out;
    this.out = saved;
    if (this.below(2)) this.producer();
    const near = this.chance(0.25) || body.length > 127;
    const cc = this.below(17); // 16: JMP
    if (!near) this.emit(cc === 16 ? 0xEB : 0x70 + cc, body.length);
    else {
      if (cc === 16) this.emit(0xE9); else this.emit(0x0F, 0x80 + cc);
      this.imm(this.env.bits / 8, body.length);
    }
    this.out.push(...body);
  }

  /** mov eCX, n; L: 1-4 instructions; dec eCX; jnz L (or LOOP L): a block that jumps back to its own start. */
  private loop(): void {
    if (this.inLoop) { this.plain(); return; }
    this.emit(0xB9); this.imm(this.env.bits / 8, 1 + this.below(40));
    this.inLoop = true;
    const start = this.out.length;
    for (let k = 1 + this.below(4); k > 0; k--) this.plain();
    this.inLoop = false;
    if (this.chance(0.5)) this.emit(0x48 + ECX, 0x75); else this.emit(0xE2); // dec eCX; jnz / loop
    const rel = start - (this.out.length + 1);
    if (rel < -128) { this.out.length = start; this.emit(0x90); return; } // too long for rel8: drop the body
    this.emit(rel);
  }
}
