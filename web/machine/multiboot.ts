// Loading and running test kernels: a Multiboot v1 loader (Multiboot Specification 0.6.96) for ELF32 and
// "a.out kludge" images, a raw-ROM loader started from the reset vector, and the run loop shared by the
// `npm run kernel` CLI (web/cli-kernel.ts) and the kernel tests (test/kernels.test.ts).
// No Node APIs here: the caller supplies file bytes and receives output through callbacks.
import { Core, Exit, Channel, REG_NAMES, SEG_NAMES } from "./core.ts";
import { disassemble } from "../debug/disasm.ts";

/** A problem with the user's input (file format, sizes): reported as one line, never as a stack trace. */
export class LoadError extends Error {}

export const MB_HEADER_MAGIC = 0x1BADB002;
export const MB_BOOT_MAGIC = 0x2BADB002;
const MB_SEARCH = 8192; // the header must lie in the first 8 KiB, 32-bit aligned (spec 3.1.1)

// Header flags (spec 3.1.2): bits 0-15 are requirements a loader must honour or refuse.
const HF_PAGE_ALIGN = 1 << 0;
const HF_MEMINFO = 1 << 1;
const HF_VIDEO = 1 << 2;
const HF_AOUT_KLUDGE = 1 << 16;

// Info structure flags (spec 3.3).
export const MBI_MEM = 1 << 0;
export const MBI_CMDLINE = 1 << 2;
export const MBI_MODS = 1 << 3;
export const MBI_MMAP = 1 << 6;
export const MBI_LOADER_NAME = 1 << 9;

/** Where QEMU's loader puts the info structure too: low memory, below the EBDA. */
export const DEFAULT_INFO_ADDR = 0x9000;
const LOW_MEM_END = 0x9FC00; // 639 KiB of conventional memory; EBDA above
const BOOT_LOADER_NAME = "webpc";

export interface MultibootHeader {
  offset: number;
  flags: number;
  /** a.out kludge address fields, present when flags bit 16 is set. */
  headerAddr: number; loadAddr: number; loadEndAddr: number; bssEndAddr: number; entryAddr: number;
}

export interface ModuleSpec { name: string; bytes: Uint8Array; cmdline?: string }
export interface MultibootOptions {
  cmdline?: string; modules?: ModuleSpec[]; infoAddr?: number;
  /** Bytes at the top of RAM that the firmware keeps for its tables (SeaBIOS on the full PC): nothing is placed
   *  there and the memory map leaves them out (default 0: the bare core has no firmware). */
  reservedTop?: number;
  /** Room in the info block for at least this many memory map entries, for a loader that writes the firmware's
   *  own map at boot time (images/firmware/multiboot.asm); the host's map fills the first ones. */
  mmapSlots?: number;
}

/** One block of bytes to place in RAM (zeroFill bytes of zeros follow `bytes`). */
export interface Placement { phys: number; bytes: Uint8Array; zeroFill: number; what: string }

export interface MultibootPlan {
  format: "elf" | "aout";
  entry: number;
  infoAddr: number;
  placements: Placement[];
  /** Physical end of the kernel image (including bss). */
  kernelEnd: number;
  modules: { start: number; end: number; cmdline: string }[];
  /** The memory map inside the info block, and how many 24-byte entries fit there. */
  mmapAddr: number; mmapSlots: number;
}

const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const hex = (v: number, w = 8) => (v >>> 0).toString(16).toUpperCase().padStart(w, "0");
const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/** Find the Multiboot header (magic, flags, checksum summing to zero) in the first 8 KiB. */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | null {
  const end = Math.min(image.length, MB_SEARCH) - 12;
  for (let o = 0; o <= end; o += 4) {
    if (u32(image, o) !== MB_HEADER_MAGIC) continue;
    const flags = u32(image, o + 4);
    if (((MB_HEADER_MAGIC + flags + u32(image, o + 8)) >>> 0) !== 0) {
      throw new LoadError(`multiboot header at offset 0x${o.toString(16)} has a bad checksum`);
    }
    const f = (i: number) => (o + 12 + 4 * i + 4 <= image.length ? u32(image, o + 12 + 4 * i) : 0);
    return { offset: o, flags, headerAddr: f(0), loadAddr: f(1), loadEndAddr: f(2), bssEndAddr: f(3), entryAddr: f(4) };
  }
  return null;
}

function isElf(image: Uint8Array): boolean {
  return image.length >= 52 && image[0] === 0x7F && image[1] === 0x45 && image[2] === 0x4C && image[3] === 0x46;
}

/** The kernel's own segments: from the a.out kludge address fields, or from the ELF program headers. */
function kernelPlacements(image: Uint8Array, h: MultibootHeader): { format: "elf" | "aout"; entry: number; placements: Placement[] } {
  if (h.flags & HF_AOUT_KLUDGE) {
    // Spec 3.1.3: the file offset of load_addr is header offset - (header_addr - load_addr).
    if (h.headerAddr < h.loadAddr) throw new LoadError("multiboot header: header_addr is below load_addr");
    const fileStart = h.offset - (h.headerAddr - h.loadAddr);
    if (fileStart < 0) throw new LoadError("multiboot header: load_addr lies before the start of the file");
    const loadEnd = h.loadEndAddr === 0 ? h.loadAddr + (image.length - fileStart) : h.loadEndAddr;
    if (loadEnd < h.loadAddr || fileStart + (loadEnd - h.loadAddr) > image.length) {
      throw new LoadError("multiboot header: load_end_addr lies beyond the end of the file");
    }
    const bssEnd = h.bssEndAddr === 0 ? loadEnd : h.bssEndAddr;
    if (bssEnd < loadEnd) throw new LoadError("multiboot header: bss_end_addr is below load_end_addr");
    const bytes = image.subarray(fileStart, fileStart + (loadEnd - h.loadAddr));
    return { format: "aout", entry: h.entryAddr, placements: [{ phys: h.loadAddr, bytes, zeroFill: bssEnd - loadEnd, what: "kernel" }] };
  }
  if (!isElf(image)) throw new LoadError("multiboot header without the a.out address fields, and the file is not ELF");
  if (image[4] !== 1 || image[5] !== 1) throw new LoadError("not a 32-bit little-endian ELF file");
  if (u16(image, 18) !== 3) throw new LoadError("ELF file is not for i386");
  if (u16(image, 16) !== 2) throw new LoadError("ELF file is not an executable");
  const phoff = u32(image, 28), phentsize = u16(image, 42), phnum = u16(image, 44);
  if (phentsize < 32 || phoff + phnum * phentsize > image.length) throw new LoadError("ELF program headers lie outside the file");
  const placements: Placement[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (u32(image, p) !== 1) continue; // PT_LOAD only
    const offset = u32(image, p + 4), paddr = u32(image, p + 12), filesz = u32(image, p + 16), memsz = u32(image, p + 20);
    if (offset + filesz > image.length) throw new LoadError(`ELF segment ${i} lies outside the file`);
    if (memsz < filesz) throw new LoadError(`ELF segment ${i} has memsz < filesz`);
    // Multiboot loads ELF segments at their physical addresses (spec 3.1.3, last paragraph).
    placements.push({ phys: paddr, bytes: image.subarray(offset, offset + filesz), zeroFill: memsz - filesz, what: `ELF segment ${i}` });
  }
  if (placements.length === 0) throw new LoadError("ELF file has no loadable segments");
  return { format: "elf", entry: u32(image, 24), placements };
}

/** Work out where everything goes, without touching a machine (used by loadMultiboot and the unit tests). */
export function planMultiboot(image: Uint8Array, ramSize: number, opts: MultibootOptions = {}): MultibootPlan {
  const h = findMultibootHeader(image);
  if (!h) throw new LoadError(isElf(image) ? "ELF file without a multiboot header in its first 8 KiB" : "not a multiboot kernel (no multiboot header in the first 8 KiB)");
  const unsupported = h.flags & 0xFFFF & ~(HF_PAGE_ALIGN | HF_MEMINFO | HF_VIDEO);
  if (unsupported) throw new LoadError(`multiboot header requires unsupported features (flags 0x${hex(unsupported, 4)})`);
  // HF_VIDEO asks for a video mode; there is no display yet, so it is ignored and no video info is passed
  // (kernels must check info flag bit 11, which stays clear).
  const { format, entry, placements } = kernelPlacements(image, h);
  let kernelEnd = 0;
  const usableEnd = ramSize - (opts.reservedTop ?? 0);
  for (const p of placements) {
    const end = p.phys + p.bytes.length + p.zeroFill;
    if (p.phys < 0 || end > usableEnd) {
      throw new LoadError(`${p.what} (0x${hex(p.phys)}-0x${hex(end)}) lies outside RAM (${ramSize >> 20} MiB); try a larger --mem`);
    }
    kernelEnd = Math.max(kernelEnd, end);
  }
  // Modules: page-aligned after the kernel (alignment always, which satisfies HF_PAGE_ALIGN).
  const modules: MultibootPlan["modules"] = [];
  let next = alignUp(kernelEnd, 4096);
  for (const m of opts.modules ?? []) {
    const start = next, end = start + m.bytes.length;
    if (end > usableEnd) throw new LoadError(`module ${m.name} does not fit in RAM (${ramSize >> 20} MiB); try a larger --mem`);
    placements.push({ phys: start, bytes: m.bytes, zeroFill: 0, what: `module ${m.name}` });
    modules.push({ start, end, cmdline: m.cmdline ?? m.name });
    next = alignUp(end, 4096);
  }
  // The info block: structure, module list, memory map and strings, all in one placement.
  const info = buildInfo(ramSize, opts.cmdline ?? "", modules, opts.reservedTop ?? 0, opts.mmapSlots ?? 0);
  let infoAddr = opts.infoAddr ?? DEFAULT_INFO_ADDR;
  const overlaps = (a: number) => placements.some((p) => a < p.phys + p.bytes.length + p.zeroFill && p.phys < a + info.size);
  if (infoAddr + info.size > LOW_MEM_END || overlaps(infoAddr)) infoAddr = next;
  if (infoAddr + info.size > usableEnd) throw new LoadError("no room in RAM for the multiboot information structure");
  placements.push({ phys: infoAddr, bytes: info.build(infoAddr), zeroFill: 0, what: "multiboot info" });
  return { format, entry, infoAddr, placements, kernelEnd, modules, mmapAddr: infoAddr + info.mmapOffset, mmapSlots: info.mmapSlots };
}

/** The info structure (spec 3.3), relocatable: build(addr) returns its bytes for placement at `addr`. */
function buildInfo(ramSize: number, cmdline: string, modules: MultibootPlan["modules"], reservedTop: number, mmapSlots: number) {
  const enc = new TextEncoder();
  const strings: Uint8Array[] = [enc.encode(cmdline + "\0"), enc.encode(BOOT_LOADER_NAME + "\0"), ...modules.map((m) => enc.encode(m.cmdline + "\0"))];
  // Memory map (spec 3.3 "mmap_*"): conventional memory, EBDA, the 640K-1M hole (VGA, option ROMs, BIOS) left
  // out except the BIOS area as reserved, then extended memory (without the firmware's reserved top, if any).
  const mmap: [number, number, number][] = [
    [0, LOW_MEM_END, 1], [LOW_MEM_END, 0xA0000 - LOW_MEM_END, 2], [0xF0000, 0x10000, 2], [0x100000, ramSize - reservedTop - 0x100000, 1],
  ];
  if (reservedTop > 0) mmap.push([ramSize - reservedTop, reservedTop, 2]);
  const slots = Math.max(mmap.length, mmapSlots);
  const INFO = 0, MODS = 120, MMAP = MODS + 16 * modules.length, STR = MMAP + 24 * slots;
  const size = STR + strings.reduce((n, s) => n + s.length, 0);
  return {
    size, mmapOffset: MMAP, mmapSlots: slots,
    build(base: number): Uint8Array {
      const out = new Uint8Array(size);
      const dv = new DataView(out.buffer);
      const strAddr: number[] = [];
      let o = STR;
      for (const s of strings) { strAddr.push(base + o); out.set(s, o); o += s.length; }
      dv.setUint32(INFO + 0, MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME, true);
      dv.setUint32(INFO + 4, LOW_MEM_END >> 10, true); // mem_lower, KiB from 0
      dv.setUint32(INFO + 8, (ramSize - reservedTop - 0x100000) >> 10, true); // mem_upper, KiB from 1 MiB
      dv.setUint32(INFO + 16, strAddr[0], true);
      dv.setUint32(INFO + 20, modules.length, true);
      dv.setUint32(INFO + 24, base + MODS, true);
      dv.setUint32(INFO + 44, 24 * mmap.length, true);
      dv.setUint32(INFO + 48, base + MMAP, true);
      dv.setUint32(INFO + 64, strAddr[1], true);
      modules.forEach((m, i) => {
        dv.setUint32(MODS + 16 * i, m.start, true);
        dv.setUint32(MODS + 16 * i + 4, m.end, true);
        dv.setUint32(MODS + 16 * i + 8, strAddr[2 + i], true);
      });
      mmap.forEach(([b, len, type], i) => {
        const e = MMAP + 24 * i; // "size" excludes itself: 20
        dv.setUint32(e, 20, true);
        dv.setBigUint64(e + 4, BigInt(b), true);
        dv.setBigUint64(e + 12, BigInt(len), true);
        dv.setUint32(e + 20, type, true);
      });
      return out;
    },
  };
}

/** Load a multiboot kernel into `core` and set the machine state of spec 3.2 (EAX magic, EBX info, flat PM). */
export function loadMultiboot(core: Core, image: Uint8Array, opts: MultibootOptions = {}): MultibootPlan {
  const plan = planMultiboot(image, core.ramSize, opts);
  for (const p of plan.placements) {
    core.writePhys(p.phys, p.bytes);
    if (p.zeroFill) core.writePhys(p.phys + p.bytes.length, new Uint8Array(p.zeroFill));
  }
  core.enterFlatProtectedMode(); // CR0.PE=1, PG=0, flat CS/DS/..., EFLAGS=2 (IF=0, VM=0)
  core.setReg("eax", MB_BOOT_MAGIC);
  core.setReg("ebx", plan.infoAddr);
  core.eip = plan.entry;
  core.exports.flushCaches();
  return plan;
}

/**
 * Map a raw ROM image at `addr` and leave the CPU at its reset state (F000:FFF0). A ROM that ends at 1 MiB is
 * also mapped at the top of the 4 GiB space, where the reset vector is (the PC's BIOS aliasing).
 */
export function loadRom(core: Core, bytes: Uint8Array, addr: number): void {
  const size = alignUp(bytes.length, 4096);
  if (bytes.length === 0) throw new LoadError("ROM image is empty");
  if (size > core.L.ROM_BYTES) throw new LoadError(`ROM image too large (${bytes.length} bytes; at most ${core.L.ROM_BYTES})`);
  if (addr % 4096 !== 0) throw new LoadError(`ROM address 0x${hex(addr)} is not 4 KiB aligned`);
  if (addr + size > 0x1_0000_0000) throw new LoadError(`ROM at 0x${hex(addr)} runs past 4 GiB`);
  core.exports.reset();
  core.loadRom(bytes, addr, 0);
  if (addr + size === 0x100000) core.loadRom(bytes, 0x1_0000_0000 - size, 0);
  core.exports.flushCaches();
}

// ---- the run loop -------------------------------------------------------------------------------------------

/** nextEventNs() when no timer is armed. */
const NO_EVENT = 0xFFFFFFFFFFFFFFFFn;

export interface RunOptions {
  /** Wall-clock limit in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Instruction limit (default none). */
  maxInstructions?: number;
  /** Called with guest output: port E9 and COM1 bytes. */
  onOutput?: (bytes: Uint8Array) => void;
  /** Called with each POST code (ports 80h, 190h). */
  onPost?: (code: number) => void;
  /** Instructions per run() slice. */
  slice?: number;
}

export interface RunResult {
  /** Process exit status: F4 write (v<<1)|1, clean HLT 0, triple fault 2, timeout 3. */
  status: number;
  reason: "debug-exit" | "hlt" | "triple-fault" | "reset" | "timeout" | "interrupted";
  detail: string;
}

/** Attach the test devices the runner offers: port E9 console, isa-debug-exit at F4, POST ports. */
export function attachKernelDevices(core: Core): void {
  core.exports.attachTestDevices(0xE9, 0xF4, 1);
}

/**
 * Run until the guest stops: a write to port F4, HLT with interrupts off, a triple fault, or the timeout.
 * HLT with interrupts on: there is no interrupt source yet (no PIC/PIT), so nothing can wake the CPU; the loop
 * still waits out the timeout (the guest "waits forever") rather than guessing, then reports a timeout.
 */
export async function runKernel(core: Core, opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const slice = opts.slice ?? 1_000_000;
  const start = core.icount;
  // one ordered stream: POST codes, port E9 and COM1 text come out in the order the guest wrote them
  const drain = () => {
    for (const { channel, bytes } of core.drainOutput()) {
      if (channel === Channel.POST) { for (const p of bytes) opts.onPost?.(p); }
      else if (channel === Channel.DEBUGCON || channel === Channel.COM1) opts.onOutput?.(bytes);
    }
  };
  let lastYield = Date.now();
  for (;;) {
    let budget = slice;
    if (opts.maxInstructions !== undefined) {
      const left = opts.maxInstructions - Number(core.icount - start);
      if (left <= 0) { drain(); return { status: 3, reason: "timeout", detail: `instruction limit (${opts.maxInstructions}) reached` }; }
      budget = Math.min(budget, left);
    }
    const r = core.run(budget);
    drain();
    switch (r) {
      case Exit.DEBUG_EXIT: {
        const v = core.dv.getUint32(core.L.LAST_EXIT_DETAIL, true);
        return { status: ((v << 1) | 1) & 0xFF, reason: "debug-exit", detail: `guest wrote 0x${hex(v, 2)} to port F4` };
      }
      case Exit.HLT_CLI:
        return { status: 0, reason: "hlt", detail: "HLT with interrupts disabled" };
      case Exit.TRIPLE_FAULT:
        return { status: 2, reason: "triple-fault", detail: "triple fault\n" + tripleFaultDump(core) };
      case Exit.RESET:
        return { status: 2, reason: "reset", detail: "the guest reset the machine" };
      case Exit.HLT: {
        // The guest waits for an interrupt: skip the virtual clock to the next timer event (a headless run does
        // not wait in real time). With no timer armed nothing can wake it: sleep until the deadline.
        const next = BigInt.asUintN(64, core.exports.nextEventNs()); // wasm i64 arrives signed
        if (next !== NO_EVENT) { core.exports.clockAdvanceNs(next); break; }
        const wait = deadline - Date.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        return { status: 3, reason: "timeout", detail: `timeout after ${timeoutMs / 1000} s (HLT with interrupts enabled, no timer armed to wake the CPU)` };
      }
      case Exit.HOST_REQUEST:
        return { status: 130, reason: "interrupted", detail: "interrupted by the host" };
      default: break; // BUDGET, OUTPUT (drained above), BREAKPOINT
    }
    if (Date.now() >= deadline) return { status: 3, reason: "timeout", detail: `timeout after ${timeoutMs / 1000} s` };
    // Let timers and signals run now and then (the CLI's Ctrl-C, the test runner).
    if (Date.now() - lastYield > 200) { await new Promise((res) => setImmediate(res)); lastYield = Date.now(); }
  }
}

/** Registers as they were just before the triple-fault reset (TRIPLE_FAULT_STATE in assembly/layout.ts). */
export function tripleFaultDump(core: Core): string {
  const base = core.L.TRIPLE_FAULT_STATE;
  if (base === undefined) return "";
  const dv = core.dv, at = (name: string) => base + (core.L[name] - core.L.STATE_BASE);
  const rd = (name: string, i = 0) => dv.getUint32(at(name) + 4 * i, true);
  const lines = [REG_NAMES.map((r, i) => `${r.toUpperCase()}=${hex(rd("REGS", i))}`).join(" ")];
  lines.push(`EIP=${hex(rd("EIP"))} EFLAGS=${hex(rd("EFLAGS"))} CPL=${rd("CPL")}`);
  lines.push(SEG_NAMES.map((s, i) => `${s.toUpperCase()}=${hex(rd("SEG_SEL", i), 4)} base=${hex(rd("SEG_BASE", i))} limit=${hex(rd("SEG_LIMIT", i))} access=${hex(rd("SEG_ACCESS", i), 4)}`).join("\n"));
  lines.push(`GDTR=${hex(rd("GDTR_BASE"))}:${hex(rd("GDTR_LIMIT"), 4)} IDTR=${hex(rd("IDTR_BASE"))}:${hex(rd("IDTR_LIMIT"), 4)} LDTR=${hex(rd("LDTR_SEL"), 4)} TR=${hex(rd("TR_SEL"), 4)}`);
  lines.push(`CR0=${hex(rd("CR0"))} CR2=${hex(rd("CR2"))} CR3=${hex(rd("CR3"))} CR4=${hex(rd("CR4"))}`);
  return lines.join("\n");
}

/** The last `n` executed instructions, disassembled (needs core.exports.setTrace(1) before running). */
export function formatTrace(core: Core, n: number): string {
  return core.trace(n).map((t) => {
    const bits = t.mode & 4 ? 32 : 16; // MODE_CS32
    let text: string;
    try { text = disassemble(t.bytes, bits, t.eip).text; } catch { text = "(undecodable)"; }
    const bytes = [...t.bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    return `${hex(t.cs, 4)}:${hex(t.eip)}  ${bytes.padEnd(30)} ${text}`;
  }).join("\n");
}
