// The JIT differential fuzzer (test/jit-fuzz.test.ts): generated instruction sequences (test/jit/gen.ts) run in
// two cores, one interpreting (jit "off") and one compiling every block at its first run (jit "force"), in
// budget chunks; after every chunk both must agree on the registers, EIP, EFLAGS, the instructions counted, the
// exit reason, CR2, the exceptions delivered and the memory the code can touch. Reproducible: sequence i of
// seed S is the same everywhere.
//   node --import tsx test/jit/pair.ts [--seed N] [--count M] [--first I | --only I | --list I,J,..] [--flavour debug|release] [--jit force|THRESHOLD]
import { fileURLToPath } from "node:url";
import type { Flavour } from "../../web/machine/node.ts";
import { Core, Exit, EXIT_NAMES, REG_NAMES } from "../../web/machine/core.ts";
import { disassemble } from "../../web/debug/disasm.ts";
import { Rng } from "../fuzz/run.ts";
import { Gen, GenEnv, Bits } from "./gen.ts";
import { createJitCore, jitWork, addJitWork, wornOut, JitWork, NO_JIT_WORK } from "./force.ts";

export const JIT_FUZZ_MODES = ["real", "pm16", "pm32", "pm32-paging"] as const;
export type JitFuzzMode = typeof JIT_FUZZ_MODES[number];

// Physical memory plan: IVT, GDT, IDT, the exception handler (HLT: the run stops there, so the state at the
// fault is compared), page directory and table; the code page; a 128 KiB window of data segments and stack.
const RAM_SIZE = 1 << 20;
const GDT = 0x1000, IDT = 0x2000, HANDLER = 0x3000, PD = 0x4000, PT = 0x5000;
const CODE = 0x10000, CODE_PAGE = 0x1000;
/** The whole code segment (64 KiB from CODE): real-mode code can write it through a CS override. */
const CODE_SEG_LEN = 0x10000;
const ZEROS = new Uint8Array(CODE_SEG_LEN - CODE_PAGE);
const WIN = 0x20000, WIN_LEN = 0x20000, STACK_BASE = 0x30000;
/** Instructions a sequence may run in all (its loops are bounded; random RET targets are not). */
const MAX_INSNS = 4000;
const STOPS: number[] = [Exit.HLT, Exit.HLT_CLI, Exit.TRIPLE_FAULT, Exit.RESET];

/** The fixed part of the machine: tables and the handler (no sequence can write them: see the modes). */
function fixedSetup(c: Core): void {
  const dv = c.dv, R = c.L.RAM;
  for (let v = 0; v < 256; v++) dv.setUint32(R + v * 4, HANDLER, true); // real mode: 0000:HANDLER
  const gdt = [0, 0, 0x0000FFFF, 0x00CF9B00, 0x0000FFFF, 0x00CF9300]; // null, 08 flat code32, 10 flat data
  gdt.forEach((x, i) => dv.setUint32(R + GDT + 4 * i, x >>> 0, true));
  for (let v = 0; v < 32; v++) { // 32-bit interrupt gates to 08:HANDLER
    dv.setUint32(R + IDT + 8 * v, (0x08 << 16) | HANDLER, true);
    dv.setUint32(R + IDT + 8 * v + 4, 0x8E00, true);
  }
  c.u8[R + HANDLER] = 0xF4; // HLT (interrupt gates and real-mode INT clear IF: the run stops)
  c.exports.ramWritten(0, 0x6000);
}

interface Setup { mode: JitFuzzMode; bits: Bits; regs: number[]; eflags: number; segs: [string, number, number, number, number][]; eip: number; pte: number[] | null; hot: number[] }

/** Random machine state for sequence i: mode, registers, segments (bases, limits), page table. */
function makeSetup(r: Rng): Setup {
  const mode = JIT_FUZZ_MODES[r.below(JIT_FUZZ_MODES.length)];
  const bits: Bits = mode === "real" || mode === "pm16" ? 16 : 32;
  const small = () => [0, 1, 0x7F, 0x80, 0xFFFF, 0x8000, 0xFFFFFFFF, 0x80000000][r.below(8)];
  const anyValue = () => (r.below(3) === 0 ? small() : r.below(2) ? r.next() : r.next() & 0xFF);
  const limits = [0xFFFF, 0xFFFF, 0x0FFF, 0x7FFF, 0x1000 + r.below(0xE000)];
  const flat = mode === "pm32-paging";
  const segs: Setup["segs"] = [];
  const hot = new Set<number>();
  let pte: number[] | null = null;
  if (mode === "real") {
    segs.push(["cs", CODE >> 4, CODE, 0xFFFF, 0x9B]);
    for (const s of ["ds", "es", "fs", "gs"]) { const sel = (WIN >> 4) + r.below(0x100); segs.push([s, sel, sel << 4, 0xFFFF, 0x93]); }
    segs.push(["ss", STACK_BASE >> 4, STACK_BASE, 0xFFFF, 0x93]);
  } else if (!flat) {
    const big = bits === 32 ? 0x4000 : 0;
    segs.push(["cs", 0x18, CODE, 0xFFFF, 0x9B | big]);
    for (const s of ["ds", "es", "fs", "gs"]) {
      const lim = limits[r.below(limits.length)];
      segs.push([s, 0x20 + 8 * segs.length, WIN + 16 * r.below(0x100), lim, 0x93 | big]);
      for (const d of [-3, -1, 0, 1]) hot.add((lim + d) & 0xFFFF);
    }
    segs.push(["ss", 0x50, STACK_BASE, 0xFFFF, 0x93 | big]);
  } else {
    segs.push(["cs", 0x08, 0, 0xFFFFFFFF, 0xC09B]);
    for (const s of ["ds", "es", "fs", "gs", "ss"]) segs.push([s, 0x10, 0, 0xFFFFFFFF, 0xC093]);
    // identity map of the low 256 KiB: tables read-only (CR0.WP), the code page and the window writable, one
    // window page not present and one read-only; everything above not present
    pte = [];
    for (let p = 0; p < 0x40; p++) pte.push(p < 6 ? (p << 12) | 1 : p === 0x10 || p >= 0x20 ? (p << 12) | 3 : 0);
    const np = 0x20 + r.below(0x20), ro = 0x20 + r.below(0x20);
    pte[np] = 0; pte[ro] = (ro << 12) | 1;
    for (const p of [np, ro, np + 1, 0x40]) for (const d of [-4, -2, -1, 0]) hot.add(((p << 12) + d) >>> 0);
  }
  // 16-bit offsets at page ends and at the ends of the segment
  for (const v of [0x0FFF, 0x0FFE, 0x0FFD, 0x1FFF, 0x7FFE, 0xFFFF, 0xFFFE, 0xFFFC, 0, 0x10]) hot.add(flat ? WIN + v : v);
  const ptr = () => { const h = [...hot]; const v = r.below(2) ? h[r.below(h.length)] : (flat ? WIN : 0) + r.below(0x10000); return v >>> 0; };
  const regs = [anyValue(), r.below(2) ? anyValue() : r.below(64), anyValue(), ptr(), 0, ptr(), ptr(), ptr()];
  regs[4] = flat ? STACK_BASE + 0x100 + r.below(0xFE00) : bits === 16 && r.below(4) === 0 ? r.below(0x10000) : 0x100 + r.below(0xFE00);
  if (bits === 16) for (const i of [3, 5, 6, 7]) if (r.below(2)) regs[i] = (regs[i] & 0xFFFF) | (r.next() & 0xFFFF0000);
  const eflags = 0x2 | (r.next() & 0xCD5); // arithmetic flags, DF; IF clear (HLT stops the run)
  return { mode, bits, regs, eflags, segs, eip: mode === "pm32-paging" ? CODE : 0, pte, hot: [...hot] };
}

const codePage = new Uint8Array(CODE_PAGE);

/** Put sequence `code` and state `s` into core `c` (the window from `window`). */
function load(c: Core, s: Setup, code: Uint8Array, window: Uint8Array): void {
  const dv = c.dv, R = c.L.RAM;
  codePage.fill(0xF4); codePage.set(code);
  c.writePhys(CODE, codePage);
  // the rest of the code segment is zeros (ADD [BX+SI],AL: where stray returns go); earlier sequences may have
  // written it through CS
  const rest = new Uint8Array(c.memory.buffer, R + CODE + CODE_PAGE, ZEROS.length);
  if (Buffer.compare(rest, ZEROS) !== 0) c.writePhys(CODE + CODE_PAGE, ZEROS);
  c.u8.set(window, R + WIN);
  c.exports.ramWritten(WIN, WIN_LEN);
  c.exports.reset();
  dv.setUint32(c.L.GDTR_BASE, GDT, true); dv.setUint32(c.L.GDTR_LIMIT, 0x17, true);
  if (s.mode === "real") { dv.setUint32(c.L.IDTR_BASE, 0, true); dv.setUint32(c.L.IDTR_LIMIT, 0x3FF, true); }
  else { dv.setUint32(c.L.IDTR_BASE, IDT, true); dv.setUint32(c.L.IDTR_LIMIT, 32 * 8 - 1, true); }
  if (s.pte || dv.getUint32(R + PD, true) !== 0) { // (cleared when not paging: the table is compared)
    for (let p = 0; p < 1024; p++) dv.setUint32(R + PT + 4 * p, s.pte?.[p] ?? 0, true);
    dv.setUint32(R + PD, s.pte ? PT | 3 : 0, true);
    for (let i = 1; i < 1024; i++) dv.setUint32(R + PD + 4 * i, 0, true);
  }
  if (s.mode !== "real") c.setCr(0, 0x11);
  for (const [name, sel, base, limit, access] of s.segs) {
    if (s.mode === "real") c.setSegReal(name as "cs", sel);
    else c.setSegment(name as "cs", sel, base, limit, access);
  }
  c.setCpl(0);
  if (s.pte) { c.setCr(3, PD); c.setCr(0, 0x80010011); }
  for (let i = 0; i < 8; i++) c.setReg(REG_NAMES[i], s.regs[i]);
  c.eip = s.eip;
  c.exports.stateChanged();
  c.eflags = s.eflags;
}

/** One core's state after a chunk, as the fields compared. */
function snapshot(c: Core, exit: number, icount0: bigint, exc0: number): Record<string, string> {
  const dv = c.dv;
  const f: Record<string, string> = { exit: EXIT_NAMES[exit] ?? String(exit) };
  for (let i = 0; i < 8; i++) f[REG_NAMES[i]] = hex(c.reg(REG_NAMES[i]));
  f.eip = hex(c.eip); f.cs = hex(c.seg("cs").sel); f.eflags = hex(c.eflags);
  f.icount = String(c.icount - icount0);
  f.cr2 = hex(c.cr(2));
  // the x87: TOP, status, tags, control, FIP, FCS, FOP, FDP, FDS, and the eight registers' images
  const L = c.L as Record<string, number>;
  f.x87 = ["FPU_TOP", "FPU_SW", "FPU_TAG", "FPU_CW", "FPU_FIP", "FPU_FCS", "FPU_FOP", "FPU_FDP", "FPU_FDS"].map(k => hex(dv.getUint32(L[k], true))).join(" ");
  f.st = Array.from({ length: 8 }, (_, r) => hex(dv.getUint16(L.FPU_RAW + 16 * r + 8, true)) + ":" +
    dv.getBigUint64(L.FPU_RAW + 16 * r, true).toString(16)).join(" ");
  const n = dv.getUint32(c.L.EXC_LOG_POS, true) - exc0;
  f.exceptions = c.exceptions(Math.min(n, 4)).map(e => `#${e.vector}(${e.code})@${hex(e.cs)}:${hex(e.eip)}`).join(" ") + (n > 4 ? ` (${n} in all)` : "");
  return f;
}

/** The first difference of the memory the code can touch, or null. */
function memoryDiff(a: Core, b: Core): string | null {
  for (const [from, len] of [[WIN, WIN_LEN], [CODE, CODE_SEG_LEN], [PT, 0x100]]) {
    const x = new Uint8Array(a.memory.buffer, a.L.RAM + from, len), y = new Uint8Array(b.memory.buffer, b.L.RAM + from, len);
    if (Buffer.compare(x, y) !== 0) {
      let i = 0;
      while (x[i] === y[i]) i++;
      return `memory [${hex(from + i)}]: interpreter ${hex(x[i])}, JIT ${hex(y[i])}`;
    }
  }
  return null;
}

const hex = (v: number) => (v >>> 0).toString(16).toUpperCase();

export function disassembleAll(code: Uint8Array, bits: Bits, eip: number): string {
  const lines: string[] = [];
  for (let o = 0; o < code.length;) {
    let d;
    try { d = disassemble(code.subarray(o), bits, eip + o); } catch { d = { text: "?", length: 1 }; }
    const len = Math.max(1, d.length);
    lines.push(`  ${hex(eip + o).padStart(8, "0")}  ${[...code.subarray(o, o + len)].map(b => b.toString(16).padStart(2, "0")).join(" ").padEnd(30)} ${d.text}`);
    o += len;
  }
  return lines.join("\n");
}

export interface JitFuzzResult {
  sequences: number; instructions: bigint; chunks: number; failures: string[];
  byMode: Record<string, number>; exits: Record<string, number>; faults: number;
  /** The forced core(s)' JIT work: compiled code must have run, no module refused. */
  jit: JitWork;
  /** The interpreting core must never have run compiled code. */
  interpreterJitRuns: bigint;
}

/** Sequence i of `seed`: its own generator, so any sequence can be replayed alone (--only). */
function sequenceRng(seed: number, i: number): Rng { return new Rng((Math.imul(seed, 0x9E3779B1) ^ Math.imul(i + 1, 0x85EBCA77)) | 0); }

/** Run sequences `first`..`first+count-1` of `seed` in both cores; stops collecting after `maxFailures`. */
export async function jitFuzz(opts: { seed: number; count: number; first?: number; indices?: number[]; flavour?: Flavour; maxFailures?: number; jit?: "force" | number }): Promise<JitFuzzResult> {
  const flavour = opts.flavour ?? "debug";
  // "force" compiles every block at its first run, when the blocks after it are not decoded yet: regions of
  // one block. A small threshold compiles a loop's blocks once the loop has run, so regions hold several
  // members and the transfers between them run.
  const jit = opts.jit ?? "force";
  const make = async (setting: "off" | "force" | number) => { const c = await createJitCore(RAM_SIZE, flavour, setting); fixedSetup(c); return c; };
  let interp = await make("off");
  let jitCore = await make(jit);
  let done = NO_JIT_WORK;
  const window = new Uint8Array(WIN_LEN);
  const wr = new Rng(opts.seed ^ 0x5EED);
  for (let i = 0; i < WIN_LEN; i += 4) new DataView(window.buffer).setUint32(i, wr.next(), true);
  const res: JitFuzzResult = { sequences: 0, instructions: 0n, chunks: 0, failures: [], byMode: {}, exits: {}, faults: 0, jit: NO_JIT_WORK, interpreterJitRuns: 0n };
  const first = opts.first ?? 0;
  const indices = opts.indices ?? Array.from({ length: opts.count }, (_, k) => first + k);
  for (const i of indices) {
    const r = sequenceRng(opts.seed, i);
    const setup = makeSetup(r);
    const env: GenEnv = { bits: setup.bits, hotOffsets: setup.hot };
    const code = new Gen(r, env).sequence();
    // half the sequences run in one chunk (whole blocks run compiled), half in small random chunks (budgets that
    // end inside blocks and inside self-loops)
    const sliced = r.below(2) === 0;
    // both cores start again together: their clocks (RDTSC, the timers) count every instruction since they began
    if (wornOut(jitCore)) { done = addJitWork(done, jitWork(jitCore)); jitCore = await make(jit); interp = await make("off"); }
    const cores = [interp, jitCore];
    const start = cores.map(c => ({ icount: c.icount, exc: c.dv.getUint32(c.L.EXC_LOG_POS, true) }));
    for (const c of cores) load(c, setup, code, window);
    let failure: string | null = null, ran = 0n, chunk = 0, exit = Exit.BUDGET as number;
    for (;;) {
      const budget = sliced ? 1 + r.below(r.below(4) === 0 ? 60 : 8) : MAX_INSNS;
      const exits = cores.map(c => c.run(budget));
      chunk++;
      const [a, b] = cores.map((c, k) => snapshot(c, exits[k], start[k].icount, start[k].exc));
      for (const k of Object.keys(a)) if (a[k] !== b[k]) { failure = `${k}: interpreter ${a[k]}, JIT ${b[k]}`; break; }
      failure ??= memoryDiff(interp, jitCore);
      exit = exits[0];
      ran = BigInt(a.icount);
      if (failure) {
        failure = [
          `seed ${opts.seed} sequence ${i} (${setup.mode}, ${setup.bits}-bit code, ${sliced ? "small chunks" : "one chunk"}): after chunk ${chunk} (budget ${budget}) first difference ${failure}`,
          `  start: ${REG_NAMES.map((n, k) => `${n}=${hex(setup.regs[k])}`).join(" ")} eflags=${hex(setup.eflags)}`,
          `  segments: ${setup.segs.map(([n, sel, base, lim, acc]) => `${n}=${hex(sel)} base ${hex(base)} limit ${hex(lim)} access ${hex(acc)}`).join("; ")}`,
          `  interpreter: ${JSON.stringify(a)}`,
          `  JIT:         ${JSON.stringify(b)}`,
          `  code (${code.length} bytes: ${Buffer.from(code).toString("hex")}):`,
          disassembleAll(code, setup.bits, setup.eip),
        ].join("\n");
        break;
      }
      if (STOPS.includes(exit) || ran >= BigInt(MAX_INSNS)) break;
    }
    res.sequences++;
    res.chunks += chunk;
    res.instructions += ran;
    res.byMode[setup.mode] = (res.byMode[setup.mode] ?? 0) + 1;
    res.exits[EXIT_NAMES[exit] ?? exit] = (res.exits[EXIT_NAMES[exit] ?? exit] ?? 0) + 1;
    if (interp.dv.getUint32(interp.L.EXC_LOG_POS, true) !== start[0].exc) res.faults++;
    if (failure) {
      res.failures.push(failure);
      if (res.failures.length >= (opts.maxFailures ?? 3)) break;
      // start the JIT's core again, so one bug does not hide behind the state it left
      done = addJitWork(done, jitWork(jitCore)); jitCore = await make(jit); interp = await make("off");
    }
  }
  res.jit = addJitWork(done, jitWork(jitCore));
  res.interpreterJitRuns = jitWork(interp).runs;
  return res;
}

export function formatJitFuzz(r: JitFuzzResult, seed: number, ms: number): string {
  return [
    ...r.failures,
    `modes ${JSON.stringify(r.byMode)}; ends ${JSON.stringify(r.exits)}; ${r.faults} sequences took an exception`,
    `jit-fuzz: ${r.sequences - r.failures.length} passed, ${r.failures.length} failed (seed ${seed}, ${r.sequences} sequences, ${r.chunks} chunks, ${r.instructions} instructions, ${(ms / 1000).toFixed(1)} s)`,
    `JIT: ${r.jit.insns} instructions in ${r.jit.runs} runs of ${r.jit.compiled} compiled blocks, ${r.jit.failures} compile failures${r.jit.lastError ? ` (${r.jit.lastError})` : ""}`,
  ].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (n: string) => { const i = process.argv.indexOf(`--${n}`); return i > 0 ? process.argv[i + 1] : undefined; };
  const seed = Number(arg("seed") ?? 1), only = arg("only");
  const t0 = performance.now();
  const list = arg("list")?.split(",").map(Number);
  const jitArg = arg("jit");
  const r = await jitFuzz({ seed, indices: list, count: only !== undefined ? 1 : Number(arg("count") ?? 10000), first: only !== undefined ? Number(only) : Number(arg("first") ?? 0), flavour: (arg("flavour") ?? "debug") as Flavour, maxFailures: 5, jit: jitArg === undefined || jitArg === "force" ? "force" : Number(jitArg) });
  console.log(formatJitFuzz(r, seed, performance.now() - t0));
  process.exit(r.failures.length ? 1 : 0);
}
