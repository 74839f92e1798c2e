// SingleStepTests 80286 (real mode) runner: loads each hardware-recorded test into the machine, runs the
// instruction up to the HLT that follows it, and compares registers and memory (../shared/testdata/singlestep-286,
// see its README for the rules followed here). Usable as a library (test/singlestep.test.ts) and as a CLI
// (`npm run test:singlestep [-- FILTER] [--jit=off|on|force|N]`).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Flavour } from "../../web/machine/node.ts";
import { Core, Exit, RegName, SegName } from "../../web/machine/core.ts";
import type { JitSetting } from "../../web/machine/jit-host.ts";
import { createJitCore, setBlockLimit, jitWork, addJitWork, wornOut, JitWork, NO_JIT_WORK, formatJitWork } from "../jit/force.ts";
import { disassemble } from "../../web/debug/disasm.ts";

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../shared/testdata/singlestep-286");

type Regs16 = Record<string, number>;
interface Test {
  idx: number; name: string; bytes: number[];
  initial: { regs: Regs16; ram: [number, number][] };
  final: { regs: Partial<Regs16>; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash: string;
}

export interface FileResult { file: string; passed: number; failed: number; skipped: number; failures: string[]; skipReasons: Map<string, number> }
export interface Summary {
  files: FileResult[]; passed: number; failed: number; skipped: number;
  /** The JIT's work during the run (compiled code must have run, and no module may have been refused). */
  jit: JitWork;
}

const REGS: [string, RegName][] = [["ax", "eax"], ["bx", "ebx"], ["cx", "ecx"], ["dx", "edx"], ["sp", "esp"], ["bp", "ebp"], ["si", "esi"], ["di", "edi"]];
const SEGS: [string, SegName][] = [["cs", "cs"], ["ss", "ss"], ["ds", "ds"], ["es", "es"]];

/** Tests whose 286 result differs on a 386-or-later CPU: how each category is handled. */
interface Divergence { category: string; mode: "skip" | "flags12" | "vector" | "integer"; vector?: number; reason: string }
const DIVERGENCE: Record<string, Divergence> = {
  // x87 escape on a 286 without 80287: this CPU executes it; integer registers and RAM must still match (FPU state is not compared)
  fpu_escape_no_coprocessor: { category: "fpu_escape_no_coprocessor", mode: "integer", reason: "" },
  popf_iret_iopl_nt: { category: "popf_iret_iopl_nt", mode: "flags12", reason: "" },
  lock_prefix_ud_on_386: { category: "lock_prefix_ud_on_386", mode: "vector", vector: 6, reason: "" },
  length_over_10: { category: "length_over_10", mode: "skip", reason: "over 10 bytes: #GP on a 286, executed on a 386+ (no recorded 386 result)" },
  ss_overrun_int13: { category: "ss_overrun_int13", mode: "vector", vector: 12, reason: "" },
  string_word_fault_imprecise: { category: "string_word_fault_imprecise", mode: "skip", reason: "the 286 faults imprecisely on word string ops at offset FFFFh; a 386+ is precise" },
  mov_sreg_fs_gs: { category: "mov_sreg_fs_gs", mode: "skip", reason: "MOV to/from FS/GS is #UD on a 286, valid on a 386+" },
};

function loadDivergent(): Map<string, Divergence> {
  const m = new Map<string, Divergence>();
  const f = join(DATA_DIR, "i386-divergent-tests.json");
  if (!existsSync(f)) return m;
  const j = JSON.parse(readFileSync(f, "utf8"));
  // a test in several categories gets the first that applies on a 386: LOCK's #UD comes before anything else
  const order = ["lock_prefix_ud_on_386"];
  const cats = Object.entries(j.categories as Record<string, { tests: string[] }>)
    .sort(([a], [b]) => (order.includes(b) ? 1 : 0) - (order.includes(a) ? 1 : 0));
  for (const [cat, v] of cats) {
    const d = DIVERGENCE[cat] ?? { category: cat, mode: "skip" as const, reason: `unhandled divergence category ${cat}` };
    for (const id of v.tests) if (!m.has(id)) m.set(id, d);
  }
  return m;
}

function flagsMask(meta: any, file: string): number {
  const [op, reg] = file.split(".");
  const o = meta.opcodes[op];
  if (!o) return 0xFFFF;
  const e = reg !== undefined && o.reg ? o.reg[reg] : o;
  return e && typeof e["flags-mask"] === "number" ? e["flags-mask"] : 0xFFFF;
}

function setup(c: Core, t: Test): void {
  const r = t.initial.regs;
  for (const [k, n] of REGS) c.setReg(n, r[k]);
  for (const [k, n] of SEGS) c.setSegReal(n, r[k]);
  c.setSegReal("fs", 0); c.setSegReal("gs", 0);
  c.eip = r.ip;
  const dv = c.dv;
  dv.setUint32(c.L.HALTED, 0, true);
  dv.setUint32(c.L.INT_SHADOW, 0, true);
  c.exports.stateChanged();
  c.eflags = (r.flags & 0x0FFF) | 2;
  for (const [a, b] of t.initial.ram) c.writeByte(a, b);
}

function cleanup(c: Core, t: Test): void {
  for (const [a] of t.initial.ram) c.writeByte(a, 0);
  for (const [a] of t.final.ram) c.writeByte(a, 0);
}

/** Compare the machine with the expected final state; returns a list of differences. */
function compare(c: Core, t: Test, mask: number, flags12: boolean): string[] {
  const diffs: string[] = [];
  const exp = { ...t.initial.regs, ...t.final.regs } as Regs16; // initial has all 14 registers
  for (const [k, n] of REGS) { const v = c.reg(n) & 0xFFFF; if (v !== exp[k]) diffs.push(`${k}=${hex(v)} want ${hex(exp[k])}`); }
  for (const [k, n] of SEGS) { const v = c.seg(n).sel; if (v !== exp[k]) diffs.push(`${k}=${hex(v)} want ${hex(exp[k])}`); }
  if ((c.eip & 0xFFFF) !== exp.ip || c.eip > 0xFFFF) diffs.push(`ip=${hex(c.eip)} want ${hex(exp.ip)}`);
  let fm = mask;
  if (flags12) fm &= 0x0FFF;
  const f = c.eflags & 0xFFFF;
  if ((f & fm) !== (exp.flags & fm)) diffs.push(`flags=${hex(f)} want ${hex(exp.flags)} (mask ${hex(fm)})`);
  // The FLAGS image of an exception frame holds the same undefined flags. Its place is SS:SP+4 of the final
  // state (flag_address in the data is one byte low when SP is odd).
  const fLo = t.exception ? exp.ss * 16 + ((exp.sp + 4) & 0xFFFF) : -1;
  const fHi = t.exception ? exp.ss * 16 + ((exp.sp + 5) & 0xFFFF) : -1;
  for (const [a, b] of t.final.ram) {
    let m = 0xFF;
    if (a === fLo) m = fm & 0xFF;
    if (a === fHi) m = (fm >> 8) & 0xFF;
    const v = c.readByte(a);
    if ((v & m) !== (b & m)) diffs.push(`[${hex(a)}]=${hex(v)} want ${hex(b)}`);
  }
  return diffs;
}

/** 386 behaviour for a test where the 286 differs by raising another vector: check that `vector` is taken. */
function checkVector(c: Core, t: Test, vector: number): string[] {
  const r = t.initial.regs;
  const ivt = (c.readByte(vector * 4) | (c.readByte(vector * 4 + 1) << 8));
  const ivtCs = (c.readByte(vector * 4 + 2) | (c.readByte(vector * 4 + 3) << 8));
  // put a HLT at the handler (unless the test placed bytes there) and run to it
  const handler = ivtCs * 16 + ivt;
  const placed = t.initial.ram.find(([a]) => a === handler);
  if (placed && placed[1] !== 0xF4) return ["SKIP: the handler's address holds the test's own bytes"];
  if (!placed) c.writeByte(handler, 0xF4);
  const exit = c.run(200);
  if (!placed) c.writeByte(handler, 0);
  const diffs: string[] = [];
  if (exit !== Exit.HLT && exit !== Exit.HLT_CLI) diffs.push(`did not halt (exit ${exit})`);
  if (c.seg("cs").sel !== ivtCs || c.eip !== ((ivt + 1) & 0xFFFF)) diffs.push(`expected #${vector}: cs:ip=${hex(c.seg("cs").sel)}:${hex(c.eip)} want ${hex(ivtCs)}:${hex(ivt + 1)}`);
  // the frame holds the faulting instruction's CS:IP
  const sp = c.reg("esp") & 0xFFFF, ss = c.seg("ss").base;
  const pushedIp = c.readByte(ss + sp) | (c.readByte(ss + ((sp + 1) & 0xFFFF)) << 8);
  const pushedCs = c.readByte(ss + ((sp + 2) & 0xFFFF)) | (c.readByte(ss + ((sp + 3) & 0xFFFF)) << 8);
  if (pushedIp !== r.ip || pushedCs !== r.cs) diffs.push(`frame ${hex(pushedCs)}:${hex(pushedIp)} want ${hex(r.cs)}:${hex(r.ip)}`);
  return diffs;
}

const hex = (v: number) => (v >>> 0).toString(16).toUpperCase();

/**
 * Run the suite. `jit` sets the core's JIT tier (default: Core.defaultJit); with "force" the block size is limited
 * to one instruction, so every recorded instruction runs as a whole compiled block. `sample` keeps every n-th
 * test of each file (a deterministic subset).
 */
export async function runSingleStep(opts: { filter?: RegExp; flavour?: Flavour; maxFailuresShown?: number; jit?: JitSetting; sample?: number } = {}): Promise<Summary | null> {
  if (!existsSync(DATA_DIR)) return null;
  const meta = JSON.parse(readFileSync(join(DATA_DIR, "metadata.json"), "utf8"));
  const revoked = new Set(readFileSync(join(DATA_DIR, "revocation_list.txt"), "utf8").split(/\r?\n/).map(s => s.trim()).filter(s => /^[0-9a-f]{40}$/i.test(s)));
  const divergent = loadDivergent();
  const newCore = async () => {
    const c = await createJitCore(16 << 20, opts.flavour ?? "debug", opts.jit);
    // one instruction per block: with "force", every recorded instruction runs as a whole compiled block
    if (opts.jit === "force") setBlockLimit(c, 1);
    // the data wants every port to read FFh (the recording rig had no devices): unplug every device's ports
    c.exports.releasePorts(0, 0x10000);
    // VGA: the whole first MiB is RAM for these tests (the VGA window A0000h-BFFFFh goes back to RAM)
    c.exports.releaseMemory(0xA0000, 0x20000);
    return c;
  };
  let c = await newCore();
  let jitDone = NO_JIT_WORK;
  const files = readdirSync(DATA_DIR).filter(f => f.endsWith(".json.gz")).sort();
  const summary: Summary = { files: [], passed: 0, failed: 0, skipped: 0, jit: NO_JIT_WORK };
  const sample = Math.max(1, opts.sample ?? 1);
  for (const gz of files) {
    const file = gz.replace(/\.json\.gz$/, "");
    if (opts.filter && !opts.filter.test(file)) continue;
    const tests: Test[] = JSON.parse(gunzipSync(readFileSync(join(DATA_DIR, gz))).toString("utf8"));
    const mask = flagsMask(meta, file);
    const fr: FileResult = { file, passed: 0, failed: 0, skipped: 0, failures: [], skipReasons: new Map() };
    for (let k = 0; k < tests.length; k += sample) {
      const t = tests[k];
      const id = `${file}#${t.idx}`;
      let div = divergent.get(id);
      // LOCK on an x87 escape is #UD on a 386+ (the divergence list filed these under the FPU category)
      if (div?.mode === "integer" && t.bytes.slice(0, t.bytes.indexOf(0xD8)).includes(0xF0)) div = DIVERGENCE.lock_prefix_ud_on_386;
      let skip: string | null = null;
      if (revoked.has(t.hash)) skip = "revoked upstream";
      else if (div && div.mode === "skip") skip = div.reason;
      if (skip) { fr.skipped++; fr.skipReasons.set(skip, (fr.skipReasons.get(skip) ?? 0) + 1); continue; }
      if (opts.jit === "force") {
        if (wornOut(c)) { jitDone = addJitWork(jitDone, jitWork(c)); c = await newCore(); }
      }
      setup(c, t);
      let diffs: string[];
      if (div && div.mode === "vector") {
        diffs = checkVector(c, t, div.vector!);
        if (diffs.length === 1 && diffs[0].startsWith("SKIP: ")) {
          cleanup(c, t);
          const why = `${div.category}: #${div.vector} taken by a 386+ cannot be checked (${diffs[0].slice(6)})`;
          fr.skipped++; fr.skipReasons.set(why, (fr.skipReasons.get(why) ?? 0) + 1);
          continue;
        }
      } else {
        const exit = c.run(200);
        diffs = exit === Exit.HLT || exit === Exit.HLT_CLI ? [] : [`did not halt (exit ${exit})`];
        diffs.push(...compare(c, t, mask, div?.mode === "flags12"));
      }
      cleanup(c, t);
      if (diffs.length === 0) fr.passed++;
      else {
        fr.failed++;
        if (fr.failures.length < (opts.maxFailuresShown ?? 3)) {
          let dis = "?";
          try { dis = disassemble(Uint8Array.from(t.bytes), 16).text; } catch { /* shown raw */ }
          fr.failures.push(`${id} ${t.name} [${dis}] (${t.bytes.map(b => b.toString(16).padStart(2, "0")).join(" ")}): ${diffs.join(", ")}`);
        }
      }
    }
    summary.files.push(fr);
    summary.passed += fr.passed; summary.failed += fr.failed; summary.skipped += fr.skipped;
  }
  summary.jit = addJitWork(jitDone, jitWork(c));
  return summary;
}

export function formatSummary(s: Summary, verbose = true): string {
  const lines: string[] = [];
  for (const f of s.files) {
    if (verbose || f.failed) lines.push(`${f.file.padEnd(8)} ${String(f.passed).padStart(4)} passed ${String(f.failed).padStart(4)} failed ${String(f.skipped).padStart(4)} skipped`);
    for (const [why, n] of f.skipReasons) if (verbose) lines.push(`         skipped ${n}: ${why}`);
    for (const x of f.failures) lines.push(`         FAIL ${x}`);
  }
  lines.push(`singlestep-286: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped; ${formatJitWork(s.jit)}`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = process.argv.slice(2).find(a => !a.startsWith("-"));
  const jitArg = process.argv.find(a => a.startsWith("--jit="))?.slice(6);
  const jit = jitArg === undefined ? undefined : /^\d+$/.test(jitArg) ? Number(jitArg) : jitArg as JitSetting;
  const s = await runSingleStep({ filter: arg ? new RegExp(`^(${arg})$`, "i") : undefined, maxFailuresShown: 5, jit });
  if (!s) { console.log(`singlestep-286: test data not found at ${DATA_DIR} (skipped)`); process.exit(0); }
  console.log(formatSummary(s, !process.argv.includes("--quiet")));
  process.exit(s.failed ? 1 : 0);
}
