// Differential test of 32-bit code against the host CPU (acceptance item 2 of the CPU issue): generated
// instruction tests (generate.ts) run natively in 32-bit user mode (native/harness.c, built here with the i686
// cross compiler) and in the emulator in flat 32-bit protected mode; results are compared with the undefined
// flags masked. Library (test/diff.test.ts) and CLI:
//   node --import tsx test/diff/run.ts [--seed N] [--count M] [--only I] [--show K] [--flavour debug|release] [--jit off|on|force|N]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Flavour } from "../../web/machine/node.ts";
import type { JitSetting } from "../../web/machine/jit-host.ts";
import { createJitCore, jitWork, addJitWork, wornOut, JitWork, NO_JIT_WORK, formatJitWork } from "../jit/force.ts";
import { Core, Exit, EXIT_NAMES, REG_NAMES } from "../../web/machine/core.ts";
import { disassemble } from "../../web/debug/disasm.ts";
import { cannotRun32 } from "../util/native32.ts";
import { generate, DiffTest, DATA_ADDR, CODE_ADDR, PAGE, INSTR_OFF, allCases } from "./generate.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const HARNESS_SRC = join(HERE, "native", "harness.c");
export const CROSS_CC = "i686-linux-gnu-gcc";
export const CROSS_PACKAGES = "gcc-i686-linux-gnu and libc6-dev-i386-cross";

// record layouts (native/harness.c)
const IN_SIZE = 4 + 4 + 32 + 4 + 16 + 32 + 4 + PAGE;
const OUT_SIZE = 14 * 4 + PAGE;
const VECTOR_NAMES: Record<number, string> = { 0: "#DE", 1: "#DB", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 13: "#GP", 14: "#PF" };

/** Result of one side: where execution ended and the state there. */
export interface Outcome {
  kind: "exit" | "fault" | "stuck";
  exit: number; // exit stub index, or the exception vector
  regs: Uint32Array;
  eflags: number;
  faultEip: number; // EIP of the fault (faults) / pushed EIP for traps
  err: number; // error code of a fault that has one
  data: Uint8Array;
  detail?: string;
}

// ---- native side -------------------------------------------------------------------------------------------

/** Build the harness (cached by source hash); null with a reason when the cross compiler is missing. */
export function buildHarness(): { path: string } | { missing: string } {
  try { execFileSync(CROSS_CC, ["--version"], { stdio: "ignore" }); } catch {
    return { missing: `${CROSS_CC} not found: install the Debian packages ${CROSS_PACKAGES}` };
  }
  const src = readFileSync(HARNESS_SRC);
  const hash = createHash("sha256").update(src).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), "webpc-diff");
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `harness-${hash}`);
  if (!existsSync(exe) || statSync(exe).size === 0) {
    try {
      execFileSync(CROSS_CC, ["-static", "-O1", "-fno-pie", "-no-pie", "-Wall", "-o", exe + ".tmp", HARNESS_SRC], { stdio: ["ignore", "inherit", "pipe"] });
      renameSync(exe + ".tmp", exe);
    } catch (e) {
      return { missing: `cannot build the native harness with ${CROSS_CC} (are ${CROSS_PACKAGES} installed?): ${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 300)}` };
    }
  }
  const refused = cannotRun32(exe);
  if (refused) return { missing: refused };
  return { path: exe };
}

function encodeTests(tests: DiffTest[]): Buffer {
  const buf = Buffer.alloc(IN_SIZE * tests.length);
  tests.forEach((t, i) => {
    let o = i * IN_SIZE;
    buf.writeUInt32LE(INSTR_OFF, o); buf.writeUInt32LE(t.code.length, o + 4);
    buf.set(t.code, o + 8);
    o += 40;
    buf.writeUInt32LE(t.stubs.length, o);
    t.stubs.forEach((s, k) => buf.writeUInt32LE(s, o + 4 + 4 * k));
    o += 20;
    for (let r = 0; r < 8; r++) buf.writeUInt32LE(t.regs[r], o + 4 * r);
    buf.writeUInt32LE(t.eflags >>> 0, o + 32);
    buf.set(t.data, o + 36);
  });
  return buf;
}

export function runNative(exe: string, tests: DiffTest[]): Outcome[] {
  const r = spawnSync(exe, [], { input: encodeTests(tests), maxBuffer: OUT_SIZE * tests.length + 1024 });
  if (r.status !== 0 || r.stdout.length !== OUT_SIZE * tests.length) {
    throw new Error(`native harness failed (status ${r.status}, signal ${r.signal}, ${r.stdout?.length} bytes): ${r.stderr}`);
  }
  const out: Outcome[] = [];
  for (let i = 0; i < tests.length; i++) {
    const o = i * OUT_SIZE, b = r.stdout;
    const status = b.readUInt32LE(o), regs = new Uint32Array(8);
    for (let k = 0; k < 8; k++) regs[k] = b.readUInt32LE(o + 16 + 4 * k);
    out.push({
      kind: status === 0 ? "exit" : "fault",
      exit: status === 0 ? b.readUInt32LE(o + 4) : b.readUInt32LE(o + 8), // stub index / trap number
      regs, eflags: b.readUInt32LE(o + 48), faultEip: b.readUInt32LE(o + 52), err: b.readUInt32LE(o + 12),
      data: Uint8Array.from(b.subarray(o + 56, o + 56 + PAGE)),
      detail: status === 0 ? undefined : `signal ${b.readUInt32LE(o + 4)} err ${b.readUInt32LE(o + 12)}`,
    });
  }
  return out;
}

// ---- emulator side -----------------------------------------------------------------------------------------

// The emulator runs the tests at CPL 3 like the host: a flat ring-3 code and data segment, a TSS whose ring-0
// stack receives the interrupt frames (so the test's stack is not written), and an IDT whose handlers run
// `out 0F4h, al` (isa-debug-exit) at ring 0. Exit stubs are `int 20h` (a DPL-3 gate); #BP and #OF gates are
// DPL 3 as under Linux, the others DPL 0 (INT n from ring 3 to them is #GP).
const GDT_ADDR = 0x0030_0000, IDT_ADDR = 0x0030_1000, HANDLERS = 0x0030_2000; // vector v's handler at HANDLERS + 16v
const TSS_ADDR = 0x0030_3000, RING0_STACK = 0x0031_0000;
const EXIT_PORT = 0xF4, EXIT_VECTOR = 0x20;
const ERROR_CODE_VECTORS = new Set([8, 10, 11, 12, 13, 14, 17]);
const USER_CS = 0x1B, USER_DS = 0x23;

/** One core set up for the tests (see above), with the JIT tier set to `jit` (default: Core.defaultJit). */
export async function createEmulator(flavour: Flavour, jit?: JitSetting): Promise<Core> {
  const c = await createJitCore(64 << 20, flavour, jit);
  c.exports.attachTestDevices(0, EXIT_PORT, 0);
  const gdt = new Uint8Array(48);
  gdt.set([0xFF, 0xFF, 0, 0, 0, 0x9B, 0xCF, 0], 0x08); // ring-0 code
  gdt.set([0xFF, 0xFF, 0, 0, 0, 0x93, 0xCF, 0], 0x10); // ring-0 data
  gdt.set([0xFF, 0xFF, 0, 0, 0, 0xFB, 0xCF, 0], 0x18); // ring-3 code
  gdt.set([0xFF, 0xFF, 0, 0, 0, 0xF3, 0xCF, 0], 0x20); // ring-3 data
  gdt.set([0x67, 0, TSS_ADDR & 0xFF, (TSS_ADDR >> 8) & 0xFF, (TSS_ADDR >> 16) & 0xFF, 0x8B, 0, TSS_ADDR >>> 24], 0x28); // busy 32-bit TSS
  c.writePhys(GDT_ADDR, gdt);
  const tss = new Uint8Array(0x68), tv = new DataView(tss.buffer);
  tv.setUint32(4, RING0_STACK, true); tv.setUint32(8, 0x10, true); // ESP0, SS0
  tv.setUint16(0x66, 0x68, true); // no I/O permission bitmap: every port is #GP at CPL 3 with IOPL 0
  c.writePhys(TSS_ADDR, tss);
  const vectors = 0x21;
  const idt = new Uint8Array(vectors * 8), handlers = new Uint8Array(vectors * 16).fill(0xF4);
  for (let v = 0; v < vectors; v++) {
    const h = HANDLERS + 16 * v, dpl3 = v === 3 || v === 4 || v === EXIT_VECTOR;
    idt.set([h & 0xFF, (h >> 8) & 0xFF, 0x08, 0, 0, dpl3 ? 0xEE : 0x8E, (h >> 16) & 0xFF, h >>> 24], 8 * v);
    handlers.set([0xE6, EXIT_PORT], 16 * v); // out 0F4h, al
  }
  c.writePhys(IDT_ADDR, idt);
  c.writePhys(HANDLERS, handlers);
  const dv = c.dv;
  dv.setUint32(c.L.GDTR_BASE, GDT_ADDR, true); dv.setUint32(c.L.GDTR_LIMIT, gdt.length - 1, true);
  dv.setUint32(c.L.IDTR_BASE, IDT_ADDR, true); dv.setUint32(c.L.IDTR_LIMIT, idt.length - 1, true);
  dv.setUint32(c.L.TR_SEL, 0x28, true); dv.setUint32(c.L.TR_BASE, TSS_ADDR, true);
  dv.setUint32(c.L.TR_LIMIT, 0x67, true); dv.setUint32(c.L.TR_ACCESS, 0x8B, true);
  c.enterFlatProtectedMode();
  for (const s of ["ds", "es", "fs", "gs"] as const) c.setSegment(s, USER_DS, 0, 0xFFFFFFFF, 0xCFF3);
  return c;
}

const codePage = new Uint8Array(PAGE);
export function runEmulator(c: Core, t: DiffTest): Outcome {
  codePage.fill(0xCC);
  codePage.set(t.code, INSTR_OFF);
  for (const s of t.stubs) codePage.set([0xCD, EXIT_VECTOR], s); // int 20h
  c.writePhys(CODE_ADDR, codePage);
  c.writePhys(DATA_ADDR, t.data);
  for (let r = 0; r < 8; r++) c.setReg(REG_NAMES[r], t.regs[r]);
  c.eip = CODE_ADDR + INSTR_OFF;
  c.eflags = t.eflags;
  c.setSegment("cs", USER_CS, 0, 0xFFFFFFFF, 0xCFFB);
  c.setSegment("ss", USER_DS, 0, 0xFFFFFFFF, 0xCFF3);
  c.setCpl(3);
  c.dv.setUint32(c.L.HALTED, 0, true);
  c.dv.setUint32(c.L.INT_SHADOW, 0, true);
  c.exports.stateChanged();
  const exit = c.run(2000);
  const regs = new Uint32Array(8);
  for (let r = 0; r < 8; r++) regs[r] = c.reg(REG_NAMES[r]);
  const data = c.readPhys(DATA_ADDR, PAGE);
  const out: Outcome = { kind: "stuck", exit: -1, regs, eflags: c.eflags, faultEip: 0, err: 0, data };
  if (exit !== Exit.DEBUG_EXIT) { out.detail = `run() exit ${EXIT_NAMES[exit] ?? exit} at eip ${hex(c.eip)}`; return out; }
  const at = c.eip - 2, vector = (at - HANDLERS) / 16;
  if (!(at >= HANDLERS && Number.isInteger(vector) && vector <= EXIT_VECTOR) || regs[4] > RING0_STACK || regs[4] < RING0_STACK - 24) {
    out.detail = `stopped at unexpected eip ${hex(c.eip)} esp ${hex(regs[4])}`;
    return out;
  }
  // frame from ring 3 on the ring-0 stack: [error code,] EIP, CS, EFLAGS, ESP, SS
  const rd = (a: number) => new DataView(c.readPhys(a, 4).buffer).getUint32(0, true);
  const sp = regs[4] + (ERROR_CODE_VECTORS.has(vector) ? 4 : 0);
  const eip = rd(sp);
  out.eflags = rd(sp + 8); regs[4] = rd(sp + 12);
  if (vector === EXIT_VECTOR) {
    const stub = t.stubs.indexOf(eip - 2 - CODE_ADDR);
    if (stub < 0) { out.detail = `int 20h from unexpected eip ${hex(eip - 2)}`; return out; }
    out.kind = "exit"; out.exit = stub;
    return out;
  }
  out.kind = "fault"; out.exit = vector; out.faultEip = eip;
  if (ERROR_CODE_VECTORS.has(vector)) out.err = rd(sp - 4);
  return out;
}

// ---- host-dependent forms ----------------------------------------------------------------------------------

/** Forms whose outcome on the host is decided by the host's kernel or hypervisor, not by the CPU. Their
 *  expectation is corrected here from the SDM (and Bochs, which agrees), with the reason, so the suite gives the
 *  same verdict on every x86-64 Linux host. Each correction only touches the part that the host cannot be
 *  trusted on; everything else still comes from the host CPU. */
export const HOST_DEPENDENT: Record<string, { why: string; correct(t: DiffTest, host: Outcome): void }> = {
  "INT1": {
    why: "INT1 (F1, ICEBP) raises #DB as a trap, so the frame holds the EIP after the instruction (SDM Vol. 2A " +
      "INT n/INTO/INT3/INT1, Vol. 3A 17.3.1.5; Bochs agrees). Under some hypervisors (seen on AMD EPYC, Linux 6.18) " +
      "the ICEBP intercept re-injects #DB with EIP at the instruction, and Linux reports that EIP in the signal.",
    correct(t, host) {
      if (host.kind === "fault" && host.exit === 1) host.faultEip = CODE_ADDR + t.stubs[0]; // the end of the instruction
    },
  },
  ...Object.fromEntries(["MOV Cd,Rd", "MOV Rd,Cd"].map((name) => [name, {
    why: "LOCK MOV to/from a control register is #UD on the P6 we model and on Intel hosts (SDM Vol. 2A LOCK: #UD " +
      "for an instruction that cannot be locked). AMD processors read it as MOV CR8 (CPUID 8000_0001h ECX.AltMovCr8), " +
      "which is privileged, so an AMD host reports #GP(0) at CPL 3.",
    correct(t: DiffTest, host: Outcome) {
      const opcodeAt = t.code.indexOf(0x0F);
      const locked = t.code.subarray(0, opcodeAt).includes(0xF0);
      if (locked && t.code.length <= 15 && host.kind === "fault" && host.exit === 13) { host.exit = 6; host.err = 0; }
    },
  }])),
};

/** The expected outcome of test `t` given what the host did (a copy, corrected for host-dependent forms). */
export function expectedOutcome(t: DiffTest, host: Outcome): Outcome {
  const fix = HOST_DEPENDENT[t.name];
  if (!fix) return host;
  const want = { ...host, regs: host.regs.slice(), data: host.data };
  fix.correct(t, want);
  return want;
}

// ---- comparison --------------------------------------------------------------------------------------------

const hex = (v: number) => (v >>> 0).toString(16).toUpperCase();

function compare(t: DiffTest, want: Outcome, got: Outcome): string[] {
  const d: string[] = [];
  const where = (o: Outcome) => o.kind === "exit" ? `exit stub ${o.exit}` : o.kind === "fault" ? `exception ${VECTOR_NAMES[o.exit] ?? o.exit}` : `stuck (${o.detail})`;
  if (want.kind !== got.kind || want.exit !== got.exit) { d.push(`ended at ${where(got)}, want ${where(want)}`); return d; }
  for (let r = 0; r < 8; r++) if (want.regs[r] !== got.regs[r]) d.push(`${REG_NAMES[r]}=${hex(got.regs[r])} want ${hex(want.regs[r])}`);
  const m = t.flagMask & (want.kind === "fault" ? ~0x10000 : ~0); // RF is set in the host's fault context
  if ((want.eflags & m) !== (got.eflags & m)) d.push(`eflags=${hex(got.eflags)} want ${hex(want.eflags)} (compared ${hex(m)}, differ ${hex((want.eflags ^ got.eflags) & m)})`);
  if (want.kind === "fault" && want.faultEip !== got.faultEip) d.push(`fault eip=${hex(got.faultEip)} want ${hex(want.faultEip)}`);
  if (want.kind === "fault" && ERROR_CODE_VECTORS.has(want.exit) && want.exit !== 14 && want.err !== got.err) d.push(`error code=${hex(got.err)} want ${hex(want.err)}`);
  let shown = 0;
  for (let i = 0; i < PAGE; i++) {
    if (want.data[i] !== got.data[i]) { if (shown++ < 8) d.push(`[${hex(DATA_ADDR + i)}]=${hex(got.data[i])} want ${hex(want.data[i])}`); }
  }
  if (shown > 8) d.push(`... ${shown} data bytes differ`);
  return d;
}

export interface DiffSummary {
  seed: number; count: number; passed: number; failed: number; invalid: number; failures: string[]; byName: Map<string, number>; ms: number; outcomes: Map<string, number>;
  /** The JIT's work in the emulator (with "force": compiled code must have run, no module refused). */
  jit: JitWork;
}

function describe(t: DiffTest, want: Outcome, got: Outcome, diffs: string[]): string {
  let dis = "?";
  try { dis = disassemble(t.code, 32, CODE_ADDR + INSTR_OFF).text; } catch { /* raw bytes below */ }
  const bytes = [...t.code].map(b => b.toString(16).padStart(2, "0")).join(" ");
  const regs = REG_NAMES.map((n, i) => `${n}=${hex(t.regs[i])}`).join(" ");
  const fin = (o: Outcome) => REG_NAMES.map((n, i) => `${n}=${hex(o.regs[i])}`).join(" ") + ` eflags=${hex(o.eflags)}`;
  return [
    `#${t.index} ${t.name}: ${dis}  [${bytes}]`,
    `    in:   ${regs} eflags=${hex(t.eflags)}`,
    `    host: ${want.kind} ${want.exit} ${fin(want)}${want.detail ? " (" + want.detail + ")" : ""}`,
    `    emu:  ${got.kind} ${got.exit} ${fin(got)}${got.detail ? " (" + got.detail + ")" : ""}`,
    `    diff: ${diffs.join(", ")}`,
    ...(t.notes.length ? [`    masked: ${t.notes.join("; ")}`] : []),
  ].join("\n");
}

/**
 * Generate, run on both sides and compare `count` tests of stream `seed` (with `sample`, only every n-th of
 * them: a deterministic subset). `jit` sets the emulator's JIT tier. Null when the compiler is missing.
 */
export async function runDiff(opts: { seed: number; count: number; only?: number; show?: number; flavour?: Flavour; batch?: number; jit?: JitSetting; sample?: number }): Promise<DiffSummary | { missing: string }> {
  const h = buildHarness();
  if ("missing" in h) return h;
  const start = performance.now();
  let c = await createEmulator(opts.flavour ?? "debug", opts.jit);
  let jitDone = NO_JIT_WORK;
  const s: DiffSummary = { seed: opts.seed, count: 0, passed: 0, failed: 0, invalid: 0, failures: [], byName: new Map(), ms: 0, outcomes: new Map(), jit: NO_JIT_WORK };
  const batch = opts.batch ?? 2000;
  const sample = Math.max(1, opts.sample ?? 1);
  const indices = opts.only !== undefined ? [opts.only] : Array.from({ length: Math.ceil(opts.count / sample) }, (_, i) => i * sample);
  for (let b0 = 0; b0 < indices.length; b0 += batch) {
    const tests = indices.slice(b0, b0 + batch).map(i => generate(opts.seed, i));
    const native = runNative(h.path, tests);
    for (let i = 0; i < tests.length; i++) {
      const t = tests[i], want = expectedOutcome(t, native[i]);
      s.count++;
      const oc = want.kind === "exit" ? (want.exit ? "branch taken" : "fall-through") : VECTOR_NAMES[want.exit] ?? `vector ${want.exit}`;
      s.outcomes.set(oc, (s.outcomes.get(oc) ?? 0) + 1);
      // a page fault on the host means the generator let an access leave the mapped pages: its bug, not the CPU's
      if (want.kind === "fault" && want.exit === 14) { s.invalid++; if (s.failures.length < (opts.show ?? 5)) s.failures.push(`INVALID #${t.index} ${t.name}: host page fault (generator bug)`); continue; }
      if (opts.jit === "force") {
        if (wornOut(c)) { jitDone = addJitWork(jitDone, jitWork(c)); c = await createEmulator(opts.flavour ?? "debug", opts.jit); }
      }
      const got = runEmulator(c, t);
      const diffs = compare(t, want, got);
      if (diffs.length === 0) { s.passed++; continue; }
      s.failed++;
      s.byName.set(t.name, (s.byName.get(t.name) ?? 0) + 1);
      if (s.failures.length < (opts.show ?? 5)) s.failures.push(describe(t, want, got, diffs));
    }
  }
  s.ms = performance.now() - start;
  s.jit = addJitWork(jitDone, jitWork(c));
  return s;
}

export function formatDiff(s: DiffSummary): string {
  const lines = [...s.failures];
  if (s.byName.size) lines.push("failures by form: " + [...s.byName].sort((a, b) => b[1] - a[1]).map(([n, k]) => `${n}: ${k}`).join(", "));
  lines.push("host outcomes: " + [...s.outcomes].sort((a, b) => b[1] - a[1]).map(([n, k]) => `${n} ${k}`).join(", "));
  lines.push(`diff-native: ${s.passed} passed, ${s.failed} failed${s.invalid ? `, ${s.invalid} invalid` : ""} (seed ${s.seed}, ${s.count} tests, ${allCases().length} forms, ${(s.ms / 1000).toFixed(1)} s; ${formatJitWork(s.jit)})`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };
  const s = await runDiff({
    seed: Number(arg("seed") ?? 1), count: Number(arg("count") ?? 20000),
    only: arg("only") !== undefined ? Number(arg("only")) : undefined, show: Number(arg("show") ?? 10),
    flavour: (arg("flavour") as Flavour | undefined) ?? "debug",
    jit: arg("jit") === undefined ? undefined : /^\d+$/.test(arg("jit")!) ? Number(arg("jit")) : arg("jit") as JitSetting,
  });
  if ("missing" in s) { console.log(`diff-native: skipped (${s.missing})`); process.exit(0); }
  console.log(formatDiff(s));
  process.exit(s.failed || s.invalid ? 1 : 0);
}
