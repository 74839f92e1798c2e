// CPU fuzzer: random byte sequences executed in real mode, 16-bit protected mode, 32-bit protected mode (with
// and without paging) and virtual-8086 mode. The machine must never trap (a wasm trap or an abort in the
// checked build is always a core bug) whatever the bytes do. Reproducible: sequence i of seed S is the same
// everywhere; a failure prints the seed, index, mode and bytes.
//   node --import tsx test/fuzz/run.ts --seed 1 --count 100000 [--flavour release]
import { fileURLToPath } from "node:url";
import type { Flavour } from "../../web/machine/node.ts";
import type { JitSetting } from "../../web/machine/jit-host.ts";
import { createJitCore, jitWork, addJitWork, JitWork, NO_JIT_WORK } from "../jit/force.ts";
import { Core, Channel } from "../../web/machine/core.ts";

export const MODES = ["real", "pm16", "pm32", "pm32-paging", "pm32-user", "v86"] as const;
export type Mode = typeof MODES[number];

/** xorshift128+ style generator over 32-bit halves (deterministic, fast). */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) {
    this.a = seed | 0 || 1; this.b = 0x9E3779B9; this.c = 0x85EBCA6B ^ seed; this.d = 0xC2B2AE35;
    for (let i = 0; i < 16; i++) this.next();
  }
  next(): number {
    // xoshiro128**
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d; this.c ^= t; this.d = rotl(this.d, 11);
    return r >>> 0;
  }
  below(n: number): number { return this.next() % n; }
}
function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

// Memory plan (physical): tables and handlers below 64 KiB, code at CODE, data/stack around it.
const RAM_SIZE = 8 << 20;
const GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, HANDLER = 0x4000, PD = 0x10000, PT = 0x11000;
// Exception handlers skip one byte past the faulting instruction's start and return, so execution goes on
// through the random bytes until the budget is used: [16-bit, 16-bit with error code, 32-bit, 32-bit with code]
const H16 = HANDLER, H16E = HANDLER + 0x20, H32 = HANDLER + 0x40, H32E = HANDLER + 0x60;
const HANDLER_CODE: [number, number[]][] = [
  [H16, [0x55, 0x89, 0xE5, 0xFF, 0x46, 0x02, 0x5D, 0xCF]], // push bp; mov bp,sp; inc word [bp+2]; pop bp; iret
  [H16E, [0x83, 0xC4, 0x02, 0x55, 0x89, 0xE5, 0xFF, 0x46, 0x02, 0x5D, 0xCF]], // add sp,2; ...
  [H32, [0x55, 0x89, 0xE5, 0xFF, 0x45, 0x04, 0x5D, 0xCF]], // push ebp; mov ebp,esp; inc dword [ebp+4]; pop ebp; iret
  [H32E, [0x83, 0xC4, 0x04, 0x55, 0x89, 0xE5, 0xFF, 0x45, 0x04, 0x5D, 0xCF]], // add esp,4; ...
];
const HAS_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17]);
const CODE = 0x20000, CODE_LEN = 64;
const STACK_TOP = 0x30000;

function desc(base: number, limit: number, access: number, flags: number): [number, number] {
  // access: type/S/DPL/P byte; flags: high nibble (G, D/B)
  const lo = ((base & 0xFFFF) << 16) | (limit & 0xFFFF);
  const hi = (base & 0xFF000000) | ((flags & 0xF) << 20) | (limit & 0xF0000) | ((access & 0xFF) << 8) | ((base >>> 16) & 0xFF);
  return [lo >>> 0, hi >>> 0];
}

/** Write GDT, IDT (every vector -> HANDLER, which stops the run), TSS, page tables. */
function writeTables(c: Core, mode: Mode): void {
  const dv = c.dv, R = c.L.RAM;
  const bits32 = mode !== "pm16";
  const gdt: [number, number][] = [
    [0, 0],
    desc(0, 0xFFFFF, 0x9A, bits32 ? 0xC : 0x8), // 08: code DPL0 (handlers)
    desc(0, 0xFFFFF, 0x92, bits32 ? 0xC : 0x8), // 10: data DPL0
    desc(0, 0xFFFFF, 0xFA, 0xC), // 18: code DPL3
    desc(0, 0xFFFFF, 0xF2, 0xC), // 20: data DPL3
    desc(TSS, 0x67, 0x89, 0), // 28: 32-bit TSS
    desc(0, 0xFFFF, 0x9A, 0), // 30: 16-bit code 64K
    desc(0x8000, 0xFFF, 0x96, 0), // 38: expand-down data
    desc(0, 0, 0x82, 0), // 40: empty LDT
    desc(0, 0xFFFFF, 0x9E, 0xC), // 48: conforming code
  ];
  gdt.forEach(([lo, hi], i) => { dv.setUint32(R + GDT + i * 8, lo, true); dv.setUint32(R + GDT + i * 8 + 4, hi, true); });
  // IDT: 256 interrupt gates to HANDLER in selector 08 (32-bit gates, 16-bit for pm16); real mode uses the IVT at 0
  for (let v = 0; v < 256; v++) {
    const type = bits32 ? 0xE : 0x6; // interrupt gate, DPL 3 so that INT n works from any ring
    const h = bits32 ? (HAS_ERROR_CODE.has(v) ? H32E : H32) : (HAS_ERROR_CODE.has(v) ? H16E : H16);
    dv.setUint32(R + IDT + v * 8, (0x08 << 16) | (h & 0xFFFF), true);
    dv.setUint32(R + IDT + v * 8 + 4, ((h & 0xFFFF0000) | 0x8000 | 0x6000 | (type << 8)) >>> 0, true);
  }
  // TSS: ring-0 stack for interrupts from ring 3 / V86; I/O bitmap beyond the limit (all ports denied)
  dv.setUint32(R + TSS + 4, STACK_TOP, true);
  dv.setUint32(R + TSS + 8, 0x10, true);
  dv.setUint16(R + TSS + 0x66, 0x68, true);
  for (const [at, bytes] of HANDLER_CODE) c.u8.set(bytes, R + at);
  // IVT for real mode: every vector -> 0000:H16
  for (let v = 0; v < 256; v++) dv.setUint32(R + v * 4, H16, true);
  // page tables: identity map of the first 4 MiB, user, writable
  for (let i = 0; i < 1024; i++) dv.setUint32(R + PT + i * 4, (i << 12) | 7, true);
  dv.setUint32(R + PD, PT | 7, true);
  for (let i = 1; i < 1024; i++) dv.setUint32(R + PD + i * 4, 0, true);
  c.exports.ramWritten(0, 0x12000);
}

function setRegs(c: Core, rng: Rng): void {
  const names = ["eax", "ecx", "edx", "ebx", "ebp", "esi", "edi"] as const;
  for (const n of names) {
    const r = rng.next();
    // mostly small values so memory operands land inside RAM, sometimes anything
    c.setReg(n, rng.below(4) === 0 ? r : r & 0x3FFFF);
  }
}

function enterMode(c: Core, mode: Mode, rng: Rng): void {
  const dv = c.dv;
  c.exports.reset();
  dv.setUint32(c.L.IDTR_BASE, mode === "real" ? 0 : IDT, true);
  dv.setUint32(c.L.IDTR_LIMIT, mode === "real" ? 0x3FF : 0x7FF, true);
  dv.setUint32(c.L.GDTR_BASE, GDT, true);
  dv.setUint32(c.L.GDTR_LIMIT, 0x4F, true);
  setRegs(c, rng);
  c.setReg("esp", STACK_TOP - 0x100);
  if (mode === "real") {
    for (const s of ["cs", "ds", "es", "ss", "fs", "gs"] as const) c.setSegReal(s, 0);
    c.eip = CODE;
    c.exports.stateChanged();
    c.eflags = 0x2 | (rng.next() & 0x8D5);
    return;
  }
  // protected mode with TR loaded
  dv.setUint32(c.L.TR_SEL, 0x28, true);
  dv.setUint32(c.L.TR_BASE, TSS, true);
  dv.setUint32(c.L.TR_LIMIT, 0x67, true);
  dv.setUint32(c.L.TR_ACCESS, 0x8B, true);
  if (mode === "pm16") {
    c.setCr(0, 0x11);
    c.setSegment("cs", 0x30, 0, 0xFFFF, 0x9B);
    for (const s of ["ds", "es", "fs", "gs", "ss"] as const) c.setSegment(s, 0x10, 0, 0xFFFFF, 0x93);
    c.setCpl(0);
    c.eip = CODE;
  } else if (mode === "pm32-user") {
    // ring 3 with paging: privilege checks, user/supervisor pages, stack switches on every exception
    c.setCr(0, 0x11);
    c.setSegment("cs", 0x18 | 3, 0, 0xFFFFFFFF, 0xC0FB);
    for (const s of ["ds", "es", "fs", "gs", "ss"] as const) c.setSegment(s, 0x20 | 3, 0, 0xFFFFFFFF, 0xC0F3);
    c.setCpl(3);
    c.eip = CODE;
    c.setCr(4, 0x90);
    c.setCr(3, PD);
    c.setCr(0, 0x80010011);
  } else if (mode === "v86") {
    c.setCr(0, 0x11);
    c.setSegment("cs", 0x08, 0, 0xFFFFFFFF, 0xC09B);
    c.setCpl(0);
    c.eflags = 0x20002 | (rng.below(2) ? 0x3000 : 0); // VM, IOPL 0 or 3
    if (rng.below(2)) {
      // CR4.VME with random VIF/VIP (the redirection bitmap is TSS bytes 48h-67h, below the I/O map base)
      c.setCr(4, 1);
      c.eflags |= rng.next() & 0x180000;
    }
    c.setCpl(3);
    for (const s of ["cs", "ds", "es", "fs", "gs", "ss"] as const) c.setSegReal(s, s === "cs" ? CODE >> 4 : 0);
    c.eip = 0;
  } else {
    c.setCr(0, 0x11);
    c.setSegment("cs", 0x08, 0, 0xFFFFFFFF, 0xC09B);
    for (const s of ["ds", "es", "fs", "gs", "ss"] as const) c.setSegment(s, 0x10, 0, 0xFFFFFFFF, 0xC093);
    c.setCpl(0);
    c.eip = CODE;
    if (mode === "pm32-paging") {
      c.setCr(4, 0x90); // PSE, PGE
      c.setCr(3, PD);
      c.setCr(0, 0x80010011);
    }
  }
  c.exports.stateChanged();
  if (mode !== "v86") c.eflags = 0x2 | (rng.next() & 0x8D5);
}

export interface FuzzResult {
  sequences: number; instructions: bigint; exits: Record<string, number>; byMode: Record<string, Record<string, number>>; failures: string[];
  /** What the JIT did (with "force": compiled code must have run, no module refused). */
  jit: JitWork;
}

/**
 * Run `count` random sequences from `seed`; collects failures instead of stopping at the first. `jit` sets the
 * core's JIT tier (default: Core.defaultJit; tracing, when `explain` and `trace` are set, runs without it).
 * `freshCoreEvery`: start a new core every n sequences (a run with the JIT forced on needs one now and then, see
 * test/jit/force.ts; a run compared with it must start new cores at the same sequences, since the random code
 * leaves its writes in RAM for the next sequences to read).
 */
export async function fuzz(seed: number, count: number, flavour: Flavour = "debug", budget = 400,
                           explain?: (mode: Mode, exit: number, c: Core, bytes: Uint8Array) => void,
                           trace = true, jit?: JitSetting, freshCoreEvery = 0): Promise<FuzzResult> {
  const rng = new Rng(seed);
  const newCore = async () => {
    const c = await createJitCore(RAM_SIZE, flavour, jit);
    c.exports.attachTestDevices(0xE9, 0xF4, 1);
    return c;
  };
  let c = await newCore();
  let jitDone = NO_JIT_WORK;
  const res: FuzzResult = { sequences: 0, instructions: 0n, exits: {}, byMode: {}, failures: [], jit: NO_JIT_WORK };
  const bytes = new Uint8Array(CODE_LEN);
  for (let i = 0; i < count; i++) {
    const mode = MODES[rng.below(MODES.length)];
    for (let k = 0; k < CODE_LEN; k++) bytes[k] = rng.next() & 0xFF;
    // bias: often start with a prefix or a common opcode so interesting paths come up more often
    if (rng.below(3) === 0) bytes[0] = [0x66, 0x67, 0xF3, 0xF2, 0xF0, 0x0F, 0x26, 0x64][rng.below(8)];
    try {
      if (freshCoreEvery && i > 0 && i % freshCoreEvery === 0) { jitDone = addJitWork(jitDone, jitWork(c)); c = await newCore(); }
      writeTables(c, mode);
      c.writePhys(CODE, bytes);
      enterMode(c, mode, rng);
      const before = c.icount;
      if (explain && trace) c.exports.setTrace(1);
      const exit = c.run(budget);
      if (explain) explain(mode, exit, c, bytes);
      res.exits[exit] = (res.exits[exit] ?? 0) + 1;
      const m = (res.byMode[mode] ??= {});
      m[exit] = (m[exit] ?? 0) + 1;
      res.instructions += c.icount - before;
      for (const ch of [Channel.DEBUGCON, Channel.COM1, Channel.POST]) c.drain(ch);
    } catch (e) {
      res.failures.push(`seed ${seed} sequence ${i} mode ${mode} bytes ${Buffer.from(bytes).toString("hex")}: ${(e as Error).message}`);
      // the instance may be corrupt after a trap: start a fresh one
      jitDone = addJitWork(jitDone, jitWork(c));
      c = await newCore();
    }
    res.sequences++;
  }
  res.jit = addJitWork(jitDone, jitWork(c));
  return res;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (n: string, d: string) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : d; };
  const seed = Number(arg("--seed", "1")), count = Number(arg("--count", "100000"));
  const flavour = arg("--flavour", "release") as Flavour;
  const t0 = performance.now();
  const r = await fuzz(seed, count, flavour);
  const s = (performance.now() - t0) / 1000;
  for (const f of r.failures.slice(0, 20)) console.log("FAIL", f);
  console.log(`exits by mode (0 budget, 1 hlt, 2 hlt-cli, 3 triple fault, 5 debug exit): ${JSON.stringify(r.byMode)}`);
  console.log(`${r.instructions} instructions in ${s.toFixed(1)} s`);
  console.log(`fuzz: ${r.sequences - r.failures.length} passed, ${r.failures.length} failed (seed ${seed}, ${flavour})`);
  process.exit(r.failures.length ? 1 : 0);
}

