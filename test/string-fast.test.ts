// The fast path of REP MOVS / STOS / LODS (assembly/cpu/ops/string_bulk.ts) against the element-by-element loop
// it replaces: two machines run the same random cases, one with the fast path and one forced element by element
// (stringFastPathEnable(0)), and must end in the same state: registers, EIP, EFLAGS, CR2, the exception frame,
// memory (data, page tables with their accessed/dirty bits), instructions counted, blocks invalidated.
//
// Each case: 32-bit protected mode with paging; a 512 KiB data window of 4 KiB pages mapped in a shuffled order,
// with aliases, not-present, read-only (CR0.WP on or off), not-yet-dirty, ROM and unmapped (MMIO) pages; random
// segment bases and limits (expand-up and expand-down, 16- and 32-bit); 16- or 32-bit addressing; DF 0 or 1;
// counts 0..10000 (sometimes past one chunk of iterations); source and destination at small distances (the
// overlapping-copy idioms); translated code in the window (a called function, or the REP instruction itself)
// being overwritten; sometimes TF set (a trap after every iteration). Exceptions go to a handler that stops the
// machine, so the state at the fault is what is compared. A subset runs again with the JIT forced on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { createJitCore, jitWork, formatJitWork } from "./jit/force.ts";

const GDT = 0x1000, IDT = 0x2000, PAGE_DIR = 0x3000, PAGE_TABLE = 0x4000;
const CODE = 0x10000, HANDLER = 0x11000, STACK_TOP = 0x20000;
const WIN = 0x100000, WIN_PAGES = 128, WIN_PHYS = 0x200000; // linear window and the RAM behind it
const ROM_PHYS = 0xFFF00000, UNMAPPED_PHYS = 0x3000000;
const RAM_SIZE = 16 << 20;
const CASES = Number(process.env.STRING_FAST_CASES ?? 3000);

/** xorshift32: the same cases on every run. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return n <= 0 ? 0 : s % n;
  };
}

function u32le(v: number): number[] { return [v & 0xFF, (v >>> 8) & 0xFF, (v >>> 16) & 0xFF, v >>> 24]; }

/** The fixed part: GDT (flat code 08h, flat data 10h, accessed bits set), IDT (every exception to HANDLER),
 *  the handler (OUT F4h: stop), a ROM window with random bytes. */
function fixedSetup(c: Core): void {
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(GDT, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0,
    0xFF, 0xFF, 0, 0, 0, 0x9B, 0xCF, 0, 0xFF, 0xFF, 0, 0, 0, 0x93, 0xCF, 0]));
  const idt: number[] = [];
  for (let v = 0; v < 32; v++) idt.push(HANDLER & 0xFF, (HANDLER >>> 8) & 0xFF, 0x08, 0, 0, 0x8E, (HANDLER >>> 16) & 0xFF, HANDLER >>> 24);
  c.writePhys(IDT, new Uint8Array(idt));
  c.writePhys(HANDLER, new Uint8Array([0xE6, 0xF4, 0xEB, 0xFC])); // out 0F4h, al; jmp back
  const dv = c.dv;
  dv.setUint32(c.L.GDTR_BASE, GDT, true); dv.setUint32(c.L.GDTR_LIMIT, 0x17, true);
  dv.setUint32(c.L.IDTR_BASE, IDT, true); dv.setUint32(c.L.IDTR_LIMIT, 32 * 8 - 1, true);
  const rom = new Uint8Array(0x10000);
  const r = rng(99);
  for (let i = 0; i < rom.length; i++) rom[i] = r(256);
  c.loadRom(rom, ROM_PHYS);
}

interface Case {
  pte: number[]; // window page table entries
  data: Uint8Array; // WIN_PAGES * 4 KiB behind the window
  code: Uint8Array; codeLin: number; codePhys: number;
  callee: number; // physical address of a RET that the code calls first (0: none)
  segs: { name: "es" | "ds" | "fs"; base: number; limit: number; access: number }[];
  regs: Record<"eax" | "ecx" | "esi" | "edi", number>;
  eflags: number; cr0: number; budget: number;
  describe: string;
}

const OPS = [
  { name: "movs", byte: 0xA4 }, { name: "stos", byte: 0xAA }, { name: "lods", byte: 0xAC },
] as const;

function makeCase(r: (n: number) => number, index: number): Case {
  // half the cases are plain (every page present and writable, segments without limits in the way), so that
  // long runs complete; the others put pages and limits that fault or need the slow path in the way
  const hostile = r(2) === 1;
  // page table of the window: mostly a shuffled identity, with aliases and special pages
  const phys = Array.from({ length: WIN_PAGES }, (_, i) => i);
  for (let i = 0; i < WIN_PAGES; i++) {
    if (r(4) === 0) { const j = Math.min(WIN_PAGES - 1, i + r(4)); [phys[i], phys[j]] = [phys[j], phys[i]]; }
  }
  const pte = phys.map((p) => {
    const kind = hostile ? r(100) : 100;
    const flags = 1 | (hostile && r(10) === 0 ? 0 : 2) | (r(2) ? 0x20 : 0) | (r(2) ? 0x40 : 0); // P, RW (mostly), A, D
    if (kind < 4) return 0; // not present
    if (kind < 7) return (WIN_PHYS + r(WIN_PAGES) * 0x1000) | flags; // an alias of another page
    if (kind < 9) return (ROM_PHYS + r(16) * 0x1000) | flags;
    if (kind < 11) return (UNMAPPED_PHYS + r(16) * 0x1000) | flags;
    return (WIN_PHYS + p * 0x1000) | flags;
  });
  const data = new Uint8Array(WIN_PAGES * 0x1000);
  for (let i = 0; i < data.length; i += 4) {
    const v = r(0x7FFFFFFF) ^ (r(2) << 31);
    data[i] = v; data[i + 1] = v >>> 8; data[i + 2] = v >>> 16; data[i + 3] = v >>> 24;
  }

  const op = OPS[r(3)];
  const size = [1, 2, 4][r(3)];
  const a32 = r(2) === 1;
  const down = r(2) === 1;
  const srcSeg = (["ds", "fs", "es"] as const)[r(3)];
  // segments: base inside the window; limit mostly 4 GiB, sometimes inside the run; sometimes expand-down
  const segs: Case["segs"] = [];
  for (const name of ["es", "ds", "fs"] as const) {
    const base = WIN + (a32 && (!hostile || r(3) === 0) ? 0 : r(0x60000));
    const big = a32 && !hostile ? true : r(2) === 1;
    const expandDown = hostile && r(4) === 0;
    const readOnly = hostile && r(20) === 0;
    let limit = hostile && r(2) === 0 ? r(big ? 0x80000 : 0x10000) : (big ? 0xFFFFFFFF : 0xFFFF);
    if (expandDown) limit = r(big ? 0x40000 : 0x8000);
    const access = (readOnly ? 0x91 : 0x93) | (expandDown ? 0x04 : 0) | (big ? 0x4000 : 0);
    segs.push({ name, base, limit, access });
  }
  const segOf = (n: string) => segs.find((s) => s.name === n)!;
  /** an offset in `seg` that points into the window (wrapping at 4 GiB when needed) */
  const offsetInto = (seg: { base: number }, lin: number) => a32 ? (lin - seg.base) >>> 0 : r(0x10000);
  const srcLin = WIN + r(WIN_PAGES * 0x1000);
  let esi = offsetInto(segOf(srcSeg), srcLin);
  let edi: number;
  const near = r(3) === 0;
  if (near) {
    // destination close to the source: the overlapping copies (dst = src + 1 replicates a byte, ...)
    const dist = [1, 2, 3, 4, 5, 8, 63, 64, 65, 100, 4095, 4096][r(12)] * (r(2) ? 1 : -1);
    edi = a32 ? (esi + dist + segOf(srcSeg).base - segOf("es").base) >>> 0 : (esi + dist) & 0xFFFF;
  } else {
    edi = offsetInto(segOf("es"), WIN + r(WIN_PAGES * 0x1000));
  }
  if (!a32) { esi = (esi & 0xFFFF) | (r(0x10000) << 16); edi = (edi & 0xFFFF) | (r(0x10000) << 16); }
  let count = r(10) === 0 ? 16000 + r(8000) : r(r(2) ? 10001 : 40);
  if (!a32) count = (count & 0xFFFF) | (r(0x10000) << 16);

  // the instruction: [67] [66] [seg] F3 op
  const insn: number[] = [];
  if (!a32) insn.push(0x67);
  if (size === 2) insn.push(0x66);
  if (srcSeg === "fs") insn.push(0x64); else if (srcSeg === "es") insn.push(0x26);
  insn.push(0xF3, op.byte + (size === 1 ? 0 : 1));
  // translated code in the window: a function called first, or the REP instruction itself
  const smc = r(6);
  let callee = 0;
  let codeLin = CODE, codePhys = CODE;
  // where translated code goes: mostly just ahead of the destination (where the copy will overwrite it)
  const destLin = (segOf("es").base + (a32 ? edi : edi & 0xFFFF)) >>> 0;
  const spot = (room: number): { lin: number; phys: number } | undefined => {
    const lin = r(3) === 0 ? WIN + r(WIN_PAGES * 0x1000 - room) : destLin + (down ? -r(3000) - room : r(3000));
    const i = Math.floor((lin - WIN) / 0x1000), e = pte[i];
    if (i < 0 || i >= WIN_PAGES || !(e & 1) || (e & ~0xFFF) < WIN_PHYS || (e & ~0xFFF) >= WIN_PHYS + WIN_PAGES * 0x1000) return undefined;
    if ((lin & 0xFFF) > 0x1000 - room) return undefined; // the code stays in one page
    return { lin, phys: (e & ~0xFFF) + (lin & 0xFFF) };
  };
  if (smc === 1) {
    const at = spot(16);
    if (at) { codeLin = at.lin; codePhys = at.phys; }
  }
  const code: number[] = [];
  if (smc === 0) {
    const at = spot(1);
    if (at) {
      callee = at.phys;
      code.push(0xE8, ...u32le((at.lin - (codeLin + 5)) >>> 0)); // call the RET there first
    }
  }
  code.push(...insn, 0xE6, 0xF4, 0xEB, 0xFE); // out 0F4h, al; jmp $
  const tf = r(40) === 0;
  return {
    pte, data, code: new Uint8Array(code), codeLin, codePhys, callee, segs,
    regs: { eax: r(0x10000) | (r(0x10000) << 16), ecx: count >>> 0, esi: esi >>> 0, edi: edi >>> 0 },
    eflags: 0x2 | (down ? 0x400 : 0) | (tf ? 0x100 : 0),
    cr0: 0x80000001 | (r(2) ? 0x10000 : 0),
    budget: smc === 1 ? 3000 : 100000,
    describe: `case ${index}${hostile ? " (hostile)" : ""}: rep ${op.name} size ${size} a${a32 ? 32 : 16} DF=${down ? 1 : 0} src ${srcSeg}${near ? " near" : ""}` +
      ` smc=${smc} tf=${tf} ecx=${(count >>> 0).toString(16)} esi=${(esi >>> 0).toString(16)} edi=${(edi >>> 0).toString(16)}`,
  };
}

function load(c: Core, k: Case): void {
  c.writePhys(WIN_PHYS, k.data);
  const dir = new Uint8Array(0x1000), table = new Uint8Array(0x1000);
  const dv = new DataView(dir.buffer), tv = new DataView(table.buffer);
  dv.setUint32(0, PAGE_TABLE | 3, true); // the first 4 MiB through one table
  for (const p of [GDT, IDT]) tv.setUint32((p >>> 12) * 4, p | 0x21, true); // read-only, accessed
  for (const p of [CODE, HANDLER]) tv.setUint32((p >>> 12) * 4, p | 0x21, true);
  tv.setUint32(((STACK_TOP - 0x1000) >>> 12) * 4, (STACK_TOP - 0x1000) | 0x63, true);
  k.pte.forEach((e, i) => tv.setUint32(((WIN >>> 12) + i) * 4, e, true));
  c.writePhys(PAGE_DIR, dir);
  c.writePhys(PAGE_TABLE, table);
  c.writePhys(STACK_TOP - 0x1000, new Uint8Array(0x1000));
  c.writePhys(CODE, new Uint8Array(0x1000));
  if (k.callee) c.writeByte(k.callee, 0xC3);
  c.writePhys(k.codePhys, k.code);
  c.setCr(3, PAGE_DIR);
  c.setCr(2, 0);
  c.setCr(4, 0);
  c.setCr(0, k.cr0);
  c.setSegment("cs", 0x08, 0, 0xFFFFFFFF, 0xC09B);
  c.setSegment("ss", 0x10, 0, 0xFFFFFFFF, 0xC093);
  c.setSegment("gs", 0x10, 0, 0xFFFFFFFF, 0xC093);
  for (const s of k.segs) c.setSegment(s.name, 0x10, s.base, s.limit, s.access);
  c.setCpl(0);
  for (const [name, v] of Object.entries(k.regs)) c.setReg(name as "eax", v);
  c.setReg("ebx", 0); c.setReg("edx", 0); c.setReg("ebp", 0);
  c.setReg("esp", STACK_TOP);
  c.eflags = k.eflags;
  c.eip = k.codeLin;
  c.exports.flushCaches();
  c.exports.stateChanged();
}

interface Outcome { exit: number; state: string; memory: Uint8Array[] }

/** Two runs of one case ended the same: exit, registers and flags, and the memory windows. */
function assertSameOutcome(describe: string, a: ReturnType<typeof runCase>, b: ReturnType<typeof runCase>): void {
  assert.equal(a.exit, b.exit, `${describe}: exit`);
  assert.equal(a.state, b.state, `${describe}: state`);
  const names = ["window", "page table", "stack"];
  a.memory.forEach((m, j) => {
    const at = firstDifference(m, b.memory[j]);
    assert.equal(at, -1, `${describe}: ${names[j]} differs at +${at.toString(16)}`);
  });
}

function runCase(c: Core, k: Case): Outcome {
  load(c, k);
  const i0 = c.icount, inv0 = c.counter("CNT_INVALIDATIONS");
  const exit = c.run(k.budget);
  const regs = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;
  const state = [
    ...regs.map((r) => `${r}=${c.reg(r).toString(16)}`), `eip=${c.eip.toString(16)}`,
    `eflags=${c.eflags.toString(16)}`, `cr2=${c.cr(2).toString(16)}`,
    `instructions=${c.icount - i0}`, `invalidations=${c.counter("CNT_INVALIDATIONS") - inv0}`,
  ].join(" ");
  return {
    exit, state,
    memory: [c.readPhys(WIN_PHYS, WIN_PAGES * 0x1000), c.readPhys(PAGE_TABLE, 0x1000), c.readPhys(STACK_TOP - 0x1000, 0x1000)],
  };
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test("REP MOVS/STOS/LODS fast path ends in exactly the state of the element loop (random cases)", async () => {
  const fast = await createCore(RAM_SIZE, "debug");
  const slow = await createCore(RAM_SIZE, "debug");
  slow.exports.stringFastPathEnable(0);
  fixedSetup(fast);
  fixedSetup(slow);
  const r = rng(0x5EED);
  const stats: Record<string, number> = { none: 0, few: 0, some: 0, many: 0 }; // elements done per case
  let faults = 0, runs0 = fast.counter("CNT_STRING_RUNS");
  for (let i = 0; i < CASES; i++) {
    const k = makeCase(r, i);
    assertSameOutcome(k.describe, runCase(fast, k), runCase(slow, k));
    if (fast.eip === HANDLER + 2) faults++;
    const moved = (k.regs.ecx - fast.reg("ecx")) & (k.describe.includes(" a16 ") ? 0xFFFF : 0xFFFFFFFF);
    stats[moved === 0 ? "none" : moved < 40 ? "few" : moved < 4096 ? "some" : "many"]++;
  }
  // the cases exercise both the fast path and faults (else this test would prove nothing)
  assert.ok(fast.counter("CNT_STRING_RUNS") - runs0 > BigInt(CASES), "the fast path ran");
  assert.equal(slow.counter("CNT_STRING_RUNS"), 0n, "the reference never used it");
  assert.ok(faults > CASES / 20, `faults in ${faults} cases`);
  assert.ok(stats.many > CASES / 20, `long runs in ${stats.many} cases`);
});

// With the JIT forced on (issue 9): the REP instruction, the code around it and the code it overwrites run as
// compiled blocks; the state must still be the element loop's. Every case is new code (a compile or two each),
// so this takes the first 500 cases of the same stream.
test("with the JIT forced on, the random cases end in exactly the state of the interpreted element loop", async () => {
  const jit = await createJitCore(RAM_SIZE, "debug", "force");
  const slow = await createJitCore(RAM_SIZE, "debug", "off");
  slow.exports.stringFastPathEnable(0);
  fixedSetup(jit);
  fixedSetup(slow);
  const r = rng(0x5EED);
  const n = Math.min(CASES, 500);
  for (let i = 0; i < n; i++) {
    const k = makeCase(r, i);
    assertSameOutcome(k.describe, runCase(jit, k), runCase(slow, k));
  }
  const w = jitWork(jit);
  console.log(`string-fast with the JIT forced on: ${formatJitWork(w)}`);
  assert.equal(w.failures, 0, `the engine refused compiled modules: ${w.lastError}`);
  assert.ok(w.runs >= BigInt(n), `only ${w.runs} runs of compiled blocks in ${n} cases`);
});

/** Flat 32-bit protected mode without paging, `code` at CODE, run to its OUT F4h. */
async function flat(code: number[], regs: Partial<Record<"eax" | "ecx" | "esi" | "edi", number>>, fastPath: boolean): Promise<Core> {
  const c = await createCore(RAM_SIZE, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.exports.stringFastPathEnable(fastPath ? 1 : 0);
  c.writePhys(CODE, new Uint8Array([...code, 0xE6, 0xF4]));
  c.enterFlatProtectedMode();
  c.eip = CODE;
  c.setReg("esp", STACK_TOP);
  for (const [name, v] of Object.entries(regs)) c.setReg(name as "eax", v);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  return c;
}

test("REP MOVSB with the destination one byte above the source replicates the first byte (memset idiom)", async () => {
  const src = 0x200000, n = 100_000;
  const c = await createCore(RAM_SIZE, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(src, new Uint8Array([0xA5, 1, 2, 3, 4, 5, 6, 7]));
  c.writePhys(CODE, new Uint8Array([0xF3, 0xA4, 0xE6, 0xF4]));
  c.enterFlatProtectedMode();
  c.eip = CODE;
  c.setReg("esi", src); c.setReg("edi", src + 1); c.setReg("ecx", n);
  const runs0 = c.counter("CNT_STRING_RUNS");
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.ok(c.readPhys(src, n + 1).every((b) => b === 0xA5), "every byte is the first one");
  assert.equal(c.readByte(src + n + 1), 0, "nothing past the end");
  assert.ok(c.counter("CNT_STRING_RUNS") > runs0, "the fast path did it");
});

test("a long REP counts one instruction per chunk of 16384 iterations, with the fast path as without", async () => {
  for (const [op, size] of [[0xA5, 4], [0xAB, 4], [0xA4, 1], [0xAC, 1]] as const) {
    const n = 100_000;
    const counts: bigint[] = [];
    for (const fastPath of [true, false]) {
      const c = await flat([0xF3, op], { esi: 0x200000, edi: 0x600000, ecx: n }, fastPath);
      assert.equal(c.reg("ecx"), 0);
      assert.equal(c.reg("edi"), op === 0xAC ? 0x600000 : 0x600000 + n * size);
      counts.push(c.icount);
    }
    assert.equal(counts[0], counts[1], `op ${op.toString(16)}`);
    assert.equal(counts[0], BigInt(Math.ceil(n / 16384) + 1), "chunks + the OUT");
  }
});
