// The machine as a teacher's debugger sees it: registers and flags, code around CS:EIP, guest memory through the
// guest's own paging, and single-stepping. Host library (DESIGN.md 1.2): it reads the core's state area and RAM
// (exported addresses, assembly/layout.ts) and steps through run(1) (setting only the interrupt shadow, and the
// clock at HLT), so it works the same whether an instruction is interpreted or, later, JIT-compiled. Browser- and Node-safe; every result is a plain,
// structured-cloneable object, so a worker can post it to the page as it is.
import { Core, Exit, PIT_NEVER, REG_NAMES, SEG_NAMES, type RegName, type SegName } from "./core.ts";
import { disassemble } from "../debug/disasm.ts";
import {
  FLAG_BITS, FLAG_NAMES, UNREADABLE_TEXT, exceptionName, type FlagName, type CpuMode, type SegmentView, type CpuView,
  type Unreadable, type Translation, type AddressSpace, type MemoryRead, type DisasmLine, type TeachingView,
  type StepOptions, type StepEvent, type StepStop, type StepResult,
} from "./debug-view.ts";
export * from "./debug-view.ts";

// ---- CPU state -------------------------------------------------------------------------------------------------

// layout.ts MODE_FLAGS bits and INT_SHADOW bits (cpu/state.ts)
const MODE_PROT = 1, MODE_V86 = 2, MODE_CS32 = 4;
const SHADOW_INTERRUPTS = 1;

const u32 = (core: Core, addr: number) => core.dv.getUint32(addr, true);

/** The CPU's registers, flags and mode now. */
export function cpuView(core: Core): CpuView {
  const L = core.L;
  const eflags = core.eflags;
  const flags = {} as Record<FlagName, boolean>;
  for (const f of FLAG_NAMES) flags[f] = ((eflags >>> FLAG_BITS[f]) & 1) === 1;
  const regs = {} as Record<RegName, number>;
  for (const r of REG_NAMES) regs[r] = core.reg(r);
  const segs = {} as Record<SegName, SegmentView>;
  for (const s of SEG_NAMES) segs[s] = core.seg(s);
  const mf = u32(core, L.MODE_FLAGS);
  const mode: CpuMode = (mf & MODE_PROT) === 0 ? "real" : (mf & MODE_V86) !== 0 ? "virtual-8086" : (mf & MODE_CS32) !== 0 ? "protected-32" : "protected-16";
  const cr0 = core.cr(0);
  return {
    eip: core.eip, eflags, flags, iopl: (eflags >>> 12) & 3, regs, segs,
    cr0, cr2: core.cr(2), cr3: core.cr(3), cr4: core.cr(4),
    gdtr: { base: u32(core, L.GDTR_BASE), limit: u32(core, L.GDTR_LIMIT) },
    idtr: { base: u32(core, L.IDTR_BASE), limit: u32(core, L.IDTR_LIMIT) },
    ldtr: u32(core, L.LDTR_SEL) & 0xFFFF, tr: u32(core, L.TR_SEL) & 0xFFFF,
    mode, paging: (cr0 & 0x8000_0000) !== 0, cpl: u32(core, L.CPL) & 3,
    halted: u32(core, L.HALTED) !== 0,
    interruptShadow: (u32(core, L.INT_SHADOW) & SHADOW_INTERRUPTS) !== 0,
    intrPending: u32(core, L.INTR_LINE) !== 0,
    nmiPending: u32(core, L.NMI_PENDING) !== 0 && u32(core, L.NMI_MASKED) === 0,
    instructions: Number(core.icount),
  };
}

// ---- guest memory, read without side effects ---------------------------------------------------------------

// layout.ts PT_* (physical page types)
const PT_RAM = 0, PT_ROM = 1, PT_UNMAPPED = 2, PT_RAM_READONLY = 3, PT_ROM_WRITE_RAM = 4;

/** Host address (in the core's linear memory) of physical byte `phys`, or why it cannot be read. */
function physHost(core: Core, phys: number): number | Unreadable {
  const L = core.L;
  const type = core.u8[L.PHYS_PAGE_TYPE + (phys >>> 12)];
  if (type === PT_RAM || type === PT_RAM_READONLY) {
    return phys < u32(core, L.MEM_SIZE) ? L.RAM + phys : "no-memory";
  }
  if (type === PT_ROM || type === PT_ROM_WRITE_RAM) {
    const n = u32(core, L.ROM_WINDOW_COUNT);
    for (let i = 0; i < n; i++) {
      const w = L.ROM_WINDOWS + i * 16;
      const start = u32(core, w), size = u32(core, w + 4);
      if (((phys - start) >>> 0) < size) return L.ROM_BASE + u32(core, w + 8) + ((phys - start) >>> 0);
    }
    return "no-memory";
  }
  if (type === PT_UNMAPPED) return "no-memory";
  return "mmio";
}

function physRead32(core: Core, phys: number): number | Unreadable {
  const h = physHost(core, phys);
  return typeof h === "number" ? core.dv.getUint32(h, true) : h;
}

/**
 * Linear -> physical as the guest's MMU does it (Intel SDM Vol. 3A 4.3, 32-bit paging): no paging: the A20 gate
 * only (pageSize 0); else the page directory at CR3, a 4 MiB page when PDE.PS and CR4.PSE, otherwise a page
 * table. Reads the tables without setting their accessed bits and without filling the TLB. Never throws.
 */
export function translateLinear(core: Core, linear: number): Translation {
  const a20 = u32(core, core.L.A20_MASK);
  const lin = linear >>> 0;
  const cr0 = core.cr(0), cr4 = core.cr(4);
  if ((cr0 & 0x8000_0000) === 0) return { ok: true, phys: (lin & a20) >>> 0, pageSize: 0, writable: true, user: true };
  const pde = physRead32(core, ((core.cr(3) & 0xFFFF_F000) + ((lin >>> 22) << 2)) & a20);
  if (typeof pde !== "number") return { ok: false, why: pde, level: "pde" };
  if ((pde & 1) === 0) return { ok: false, why: "not-present", level: "pde" };
  if ((pde & 0x80) !== 0 && (cr4 & 0x10) !== 0) {
    if ((pde & 0x003F_E000) !== 0) return { ok: false, why: "reserved-bits", level: "pde" }; // no PSE-36
    return { ok: true, phys: (((pde & 0xFFC0_0000) | (lin & 0x003F_FFFF)) & a20) >>> 0, pageSize: 0x400000, writable: (pde & 2) !== 0, user: (pde & 4) !== 0 };
  }
  const pte = physRead32(core, ((pde & 0xFFFF_F000) + (((lin >>> 12) & 0x3FF) << 2)) & a20);
  if (typeof pte !== "number") return { ok: false, why: pte, level: "pte" };
  if ((pte & 1) === 0) return { ok: false, why: "not-present", level: "pte" };
  return { ok: true, phys: (((pte & 0xFFFF_F000) | (lin & 0xFFF)) & a20) >>> 0, pageSize: 4096, writable: (pde & pte & 2) !== 0, user: (pde & pte & 4) !== 0 };
}

/** The most bytes one readMemory call returns (a memory view shows a few hundred). */
export const MAX_MEMORY_READ = 1 << 20;

/** Read guest memory without side effects: linear addresses through the guest's paging, or physical ones. */
export function readMemory(core: Core, address: number, length: number, space: AddressSpace): MemoryRead {
  if (!Number.isInteger(length) || length < 0 || length > MAX_MEMORY_READ) throw new RangeError(`memory read of ${length} bytes: give 0 to ${MAX_MEMORY_READ}`);
  if (space !== "linear" && space !== "physical") throw new RangeError(`address space "${space}": linear or physical`);
  const start = address >>> 0;
  const bytes = new Uint8Array(length);
  const unreadable: MemoryRead["unreadable"] = [];
  const mark = (offset: number, n: number, why: Unreadable) => {
    const last = unreadable[unreadable.length - 1];
    if (last && last.why === why && last.offset + last.length === offset) last.length += n;
    else unreadable.push({ offset, length: n, why });
  };
  let off = 0;
  while (off < length) {
    const at = (start + off) >>> 0;
    const n = Math.min(length - off, 0x1000 - (at & 0xFFF)); // to the end of this 4 KiB page
    let phys: number;
    if (space === "linear") {
      const t = translateLinear(core, at);
      if (!t.ok) { mark(off, n, t.why); off += n; continue; }
      phys = t.phys;
    } else {
      phys = at;
    }
    const h = physHost(core, phys);
    if (typeof h !== "number") mark(off, n, h);
    else bytes.set(core.u8.subarray(h, h + n), off);
    off += n;
  }
  return { address: start, space, bytes, unreadable };
}

// ---- disassembly -----------------------------------------------------------------------------------------------

const hex = (v: number, digits: number) => (v >>> 0).toString(16).padStart(digits, "0");
export const whereText = (cs: number, eip: number, bits: 16 | 32) => `${hex(cs, 4)}:${hex(eip, bits === 32 ? 8 : 4)}`;
const bytesText = (b: Uint8Array) => Array.from(b, (x) => hex(x, 2)).join(" ");

/**
 * Lines for the `after` instructions from CS:EIP on (the first is the current one), preceded by up to `before`
 * instructions the CPU executed last when the core keeps a trace (Core.trace, enabled by setTrace(1)); without
 * a trace there are none: x86 code cannot be disassembled backwards reliably. Never throws on guest state.
 */
export function disassembleAround(core: Core, before: number, after: number): DisasmLine[] {
  const lines: DisasmLine[] = [];
  const cs = core.seg("cs");
  const mf = u32(core, core.L.MODE_FLAGS);
  const realish = (mf & MODE_PROT) === 0 || (mf & MODE_V86) !== 0;
  if (before > 0 && u32(core, core.L.TRACE_ENABLED) !== 0) {
    for (const t of core.trace(before)) {
      const bits = (t.mode & MODE_CS32) !== 0 ? 32 : 16;
      const tReal = (t.mode & MODE_PROT) === 0 || (t.mode & MODE_V86) !== 0;
      // the trace keeps the selector, not the base: real/V86 bases follow from it, protected ones only for the
      // current CS
      const base = tReal ? (t.cs << 4) : t.cs === (cs.sel & 0xFFFF) && !realish ? cs.base : null;
      const d = safeDisassemble(t.bytes, bits, t.eip);
      lines.push({
        linear: base === null ? null : (base + t.eip) >>> 0, cs: t.cs, eip: t.eip, where: whereText(t.cs, t.eip, bits),
        bytes: bytesText(t.bytes.subarray(0, d.length)), text: d.text, length: d.length, current: false, executed: true,
      });
    }
  }
  const bits: 16 | 32 = (mf & MODE_CS32) !== 0 ? 32 : 16;
  const ipMask = bits === 32 ? 0xFFFF_FFFF : 0xFFFF;
  let eip = core.eip;
  for (let i = 0; i < after; i++) {
    const linear = (cs.base + eip) >>> 0;
    const where = whereText(cs.sel, eip, bits);
    const m = readMemory(core, linear, 15, "linear");
    // the bytes up to the first unreadable one; an instruction that fits in them disassembles
    const firstBad = m.unreadable.length ? m.unreadable[0].offset : 15;
    const d = firstBad > 0 ? safeDisassemble(m.bytes.subarray(0, firstBad), bits, eip) : null;
    if (!d || d.truncated) {
      const why = m.unreadable[0]?.why ?? "not-present";
      lines.push({ linear, cs: cs.sel, eip, where, bytes: bytesText(m.bytes.subarray(0, firstBad)), text: `(${UNREADABLE_TEXT[why]})`, length: 0, current: i === 0, executed: false, unreadable: why });
      break;
    }
    lines.push({ linear, cs: cs.sel, eip, where, bytes: bytesText(m.bytes.subarray(0, d.length)), text: d.text, length: d.length, current: i === 0, executed: false });
    eip = (eip + d.length) & ipMask;
  }
  return lines;
}

function safeDisassemble(bytes: Uint8Array, bits: 16 | 32, eip: number): { text: string; length: number; truncated: boolean } {
  try {
    const d = disassemble(bytes, bits, eip);
    return { text: d.text, length: Math.max(1, d.length), truncated: false };
  } catch {
    return { text: "(truncated)", length: bytes.length, truncated: true };
  }
}

/** Everything the panel shows but memory, in one cloneable object (for the worker's answer to view()). */
export function teachingView(core: Core, running: boolean, before = 8, after = 16): TeachingView {
  return { running, cpu: cpuView(core), disasm: disassembleAround(core, before, after), tracing: u32(core, core.L.TRACE_ENABLED) !== 0 };
}

// ---- single-stepping -------------------------------------------------------------------------------------------

/** What the PC does between run(1) calls (answer disk requests, carry serial output); see PC.step. */
export interface StepHost {
  /** After each run(1) with its exit reason; resolves when the host has done its part. */
  afterRun(exit: number): Promise<void> | void;
  /** The user stopped the machine (PC.stop). */
  stopped?(): boolean;
}

/** Exits after which run(1) is simply called again (the core made no step yet, or is waiting for the host). */
const RETRY_EXITS: number[] = [Exit.OUTPUT, Exit.DISK, Exit.HOST_REQUEST, Exit.BREAKPOINT, Exit.DEBUG_EXIT];
const MAX_RETRIES = 1000;
/** How long a step at HLT lets guest time run for an interrupt that wakes the CPU: timer events, and guest time. */
const MAX_WAITS = 1000;
const MAX_WAIT_NS = 10_000_000_000n;

/**
 * Execute exactly `count` guest instructions with core.run(1) each (DESIGN.md 1.2: the same interface a JIT
 * keeps). run(budget) counts instructions (assembly/translate/execute.ts): with budget 1 it executes one, and
 * an interrupt or debug trap it delivers first happens before that one, so the instruction executed is then the
 * handler's first. With holdInterrupts the host sets the STI-style interrupt shadow (INT_SHADOW, SDM Vol. 3A
 * 6.8.3) before each run(1), which makes the core skip INTR and NMI for exactly that instruction; nothing else
 * changes. A halted CPU is never stepped (with the shadow set the core would run past the HLT).
 */
export async function stepCore(core: Core, count: number, opts: StepOptions, host: StepHost): Promise<StepResult> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`step count ${count}: give a whole number from 1`);
  const L = core.L, dv = core.dv;
  const hold = opts.holdInterrupts ?? true;
  const events: StepEvent[] = [];
  const start = core.icount;
  let stop: StepStop = "done";
  let retries = 0, waits = 0, waitedNs = 0n;
  while (Number(core.icount - start) < count) {
    if (host.stopped?.()) { stop = "stopped"; break; }
    let waited = false;
    // in HLT nothing happens until an interrupt: held (the shadow would make the core run past the HLT), masked
    // (IF = 0) or none coming, the CPU cannot step
    if (u32(core, L.HALTED) !== 0 && (hold || !takesInterrupt(core))) {
      if (hold || (core.eflags & 0x200) === 0 || ++waits > MAX_WAITS) { stop = "halted"; break; }
      const next = BigInt.asUintN(64, core.exports.nextEventNs());
      waitedNs += next;
      if (next === PIT_NEVER || waitedNs > MAX_WAIT_NS) { stop = "halted"; break; }
      core.exports.clockAdvanceNs(next); // fires the timer: its interrupt (if any reaches INTR) is taken below
      events.push({ kind: "waited", ns: Number(next) });
      waited = true;
    }
    const external = waited || (!hold && takesInterrupt(core));
    const shadowBefore = u32(core, L.INT_SHADOW);
    if (hold) dv.setUint32(L.INT_SHADOW, shadowBefore | SHADOW_INTERRUPTS, true);
    const icount = core.icount;
    const int0 = core.counter("CNT_INTERRUPTS");
    const excPos = u32(core, L.EXC_LOG_POS);
    const exit = core.run(1);
    const progressed = core.icount !== icount;
    // the shadow was not used when run(1) left before the instruction (an exit request): take it back
    if (hold && !progressed) dv.setUint32(L.INT_SHADOW, shadowBefore, true);
    const newExc = Math.min(u32(core, L.EXC_LOG_POS) - excPos, L.EXC_LOG_ENTRIES);
    for (const e of core.exceptions(newExc)) events.push({ kind: "exception", vector: e.vector, code: e.code, cs: e.cs, eip: e.eip });
    const newInt = Number(core.counter("CNT_INTERRUPTS") - int0);
    for (let i = 0; i < newInt; i++) events.push({ kind: "interrupt", external: external && i === 0 });
    await host.afterRun(exit);
    if (exit === Exit.POWEROFF) { stop = "poweroff"; break; }
    if (exit === Exit.RESET) { stop = "reset"; break; }
    if (exit === Exit.TRIPLE_FAULT) { stop = "triple-fault"; break; }
    if (progressed) { retries = 0; continue; }
    if (waited) continue; // a timer event that woke nothing (masked, or no IRQ): wait for the next one
    if ((exit === Exit.HLT || exit === Exit.HLT_CLI) && u32(core, L.HALTED) !== 0) { stop = "halted"; break; }
    if (!RETRY_EXITS.includes(exit) && exit !== Exit.BUDGET) { stop = "no-progress"; break; }
    if (++retries > MAX_RETRIES) { stop = "no-progress"; break; }
  }
  const executed = Number(core.icount - start);
  const eflags = core.eflags;
  const interruptPending = u32(core, L.INTR_LINE) !== 0 || (u32(core, L.NMI_PENDING) !== 0 && u32(core, L.NMI_MASKED) === 0);
  const result: StepResult = { requested: count, executed, stop, events, interruptsHeld: hold, interruptPending, message: "" };
  result.message = stepMessage(result, (eflags & 0x200) !== 0);
  return result;
}

/** Would run() deliver an external interrupt or NMI before the next instruction? */
function takesInterrupt(core: Core): boolean {
  const L = core.L;
  if ((u32(core, L.INT_SHADOW) & SHADOW_INTERRUPTS) !== 0) return false;
  if (u32(core, L.NMI_PENDING) !== 0 && u32(core, L.NMI_MASKED) === 0) return true;
  return (core.eflags & 0x200) !== 0 && u32(core, L.INTR_LINE) !== 0;
}

function formatNs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(3)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns} ns`;
}

/** The one-line summary of a step for the panel. */
export function stepMessage(r: StepResult, interruptsEnabled: boolean): string {
  const parts: string[] = [];
  parts.push(`${r.executed} of ${r.requested} instruction${r.requested === 1 ? "" : "s"} executed`);
  for (const e of r.events) {
    if (e.kind === "exception") parts.push(`exception ${hex(e.vector, 2)}h (${exceptionName(e.vector)})${e.code >= 0 ? ` error code ${hex(e.code, 4)}h` : ""} at ${hex(e.cs, 4)}:${hex(e.eip, 8)}: now in its handler`);
    else if (e.kind === "waited") parts.push(`the CPU was halted: guest time ran ${formatNs(e.ns)} to the next timer event`);
    else parts.push(e.external ? "an external interrupt was taken before the instruction: now in its handler" : "an interrupt (INT n) was taken: now in its handler");
  }
  switch (r.stop) {
    case "halted": parts.push(interruptsEnabled
      ? (r.interruptsHeld
        ? "the CPU is halted (HLT), waiting for an interrupt: Continue, or step without holding interrupts, lets one arrive"
        : "the CPU is halted (HLT), waiting for an interrupt, and no timer will raise one soon: Continue runs until one arrives")
      : "the CPU is halted (HLT) with interrupts disabled (IF = 0): only an NMI or a reset can wake it"); break;
    case "poweroff": parts.push("the machine powered off"); break;
    case "reset": parts.push("the guest reset the machine"); break;
    case "triple-fault": parts.push("triple fault: the CPU was reset"); break;
    case "stopped": parts.push("the machine was stopped"); break;
    case "no-progress": parts.push("the CPU made no progress (it keeps asking the host for something)"); break;
    default: break;
  }
  if (r.interruptPending) parts.push(r.interruptsHeld ? "an external interrupt is pending (held while stepping)" : interruptsEnabled ? "an external interrupt is pending" : "an external interrupt is pending (IF = 0)");
  return parts.join("; ");
}
