// The host side of the machine core: instantiates the wasm module with its memory and gives typed access to
// its exports, state and buffers. Shared by the browser worker, the Node CLI, tests and benchmarks; it
// never touches a browser or Node API (the caller supplies the wasm bytes).

import { JitHost, type JitSetting } from "./jit-host.ts";

/** Exit reasons of run() (assembly/layout.ts EXIT_*). */
export const Exit = {
  BUDGET: 0, HLT: 1, HLT_CLI: 2, TRIPLE_FAULT: 3, OUTPUT: 4, DEBUG_EXIT: 5, HOST_REQUEST: 6, RESET: 7, BREAKPOINT: 8,
  DISK: 9, POWEROFF: 10,
} as const;
export const EXIT_NAMES = ["budget", "hlt", "hlt-cli", "triple-fault", "output", "debug-exit", "host-request", "reset", "breakpoint", "disk", "poweroff"];

/** pitNextChange's "no transition pending" (u64 all ones). */
export const PIT_NEVER = 0xFFFF_FFFF_FFFF_FFFFn;

/** Output channels (assembly/layout.ts CH_*). */
export const Channel = { DEBUGCON: 0, COM1: 1, COM2: 2, POST: 3 } as const;

export const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs"] as const;
export type RegName = typeof REG_NAMES[number];
export type SegName = typeof SEG_NAMES[number];

interface CoreExports {
  init(ramSize: number): number;
  run(budget: number): number;
  reset(): void;
  requestHostExit(): void;
  romMap(phys: number, size: number, romOffset: number): number;
  ramWritten(phys: number, len: number): void;
  dmaToRam(phys: number, src: number, len: number): number;
  setIntr(vector: number): void;
  /** Level of ISA interrupt line 0-15 at the 8259 PICs and the I/O APIC. */
  setIrq(irq: number, high: number): void;
  /** IRR | ISR << 8 | IMR << 16 | highest-priority IR << 24 of the master (0) or slave (1) PIC. */
  picState(slave: number): number;
  /** The CPU's INTR input, and its acknowledge cycle (the vector). */
  intrLine(): number;
  intrAck(): number;
  /** A byte from the host on serial port n (0 = COM1); 0 when the guest's receive buffer was full. */
  serialInput(n: number, b: number): number;
  /** Bytes serial port n can take now without an overrun. */
  serialRoom(n: number): number;
  /** The virtual clock (ns, BigInt: u64 exports) and the time to the next timer event (all ones: none). */
  clockNowNs(): bigint;
  clockAdvanceNs(ns: bigint): void;
  nextEventNs(): bigint;
  /** Nominal nanoseconds per instruction in 16.16 fixed point (default 10 << 16). */
  setClockRate(nsPerInsnQ16: number): void;
  /** The RTC's time of day: seconds since 1970 (BigInt) at the current virtual time. */
  setTimeOfDay(unixSeconds: bigint): void;
  setCmos(index: number, v: number): void;
  /** A device-side DMA transfer on channel ch with `len` bytes at linear address `buf` (device tests). */
  testDmaTransfer(ch: number, buf: number, len: number): number;
  ioRead(port: number, size: number): number;
  ioWrite(port: number, v: number, size: number): void;
  raiseNmi(): void;
  attachTestDevices(debugPort: number, exitPort: number, post: number): void;
  setTrace(on: number): void;
  /** 1 (default): REP MOVS/STOS/LODS copy runs of elements at once; 0: element by element (test reference). */
  stringFastPathEnable(on: number): void;
  stateChanged(): void;
  flushCaches(): void;
  releasePorts(first: number, count: number): void;
  setA20(on: number): void;
  // ---- the PC platform (web/machine/pc.ts) ----
  /** Map the BIOS written at the start of the ROM area (below 4 GiB and at 0xE0000); PAM takes over. */
  biosInstall(size: number): number;
  /** fw_cfg item `key`: `size` bytes at linear address `addr`. */
  fwcfgItem(key: number, addr: number, size: number): number;
  fwcfgClearItems(): void;
  powerButton(): void;
  /** The reset button: the board's reset line (devices and processor; RAM, CMOS, disks stay). */
  resetButton(): void;
  /** Drive 0-5 (fda fdb hda hdb hdc hdd): kind 0 none, 1 floppy, 2 hard disk, 3 CD-ROM; sectors as BigInt. */
  diskAttachExport(drive: number, kind: number, sectors: bigint, sectorSize: number, readOnly: number): number;
  diskEjectExport(drive: number): void;
  diskPending(): number;
  diskBufferAddress(drive: number): number;
  diskComplete(drive: number, result: number): number;
  /** Drive the INTx pin of PCI function devfn (device tests). */
  pciIntx(devfn: number, level: number): number;
  // ---- 8042 keyboard controller, PS/2 keyboard and mouse (assembly/devices/i8042.ts) ----
  /** A set-2 scan code byte from the host keyboard (web/machine/keyboard.ts has the bytes of every key). */
  keyboardScancode(b: number): void;
  /** Relative movement (dy > 0 = up), wheel (dz > 0 = towards the user), buttons (bit 0 left, 1 right, 2 middle). */
  mouseInput(dx: number, dy: number, dz: number, buttons: number): void;
  /** Keyboard LEDs set by the guest: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock. */
  keyboardLeds(): number;
  /** 1 while the guest's mouse driver has the mouse reporting in stream mode. */
  mouseStreaming(): number;
  /** Output buffer | OBF << 8 | AUXB << 9 | command byte << 16 | output port << 24 (debugger). */
  i8042State(): number;
  // local APIC and I/O APIC
  /** A 32-bit access to physical address `phys` through the bus (RAM, ROM, MMIO). */
  mmioRead32(phys: number): number;
  mmioWrite32(phys: number, v: number): void;
  /** I/O APIC redirection entry `pin` (low | high << 32, BigInt). */
  ioapicEntryExport(pin: number): bigint;
  /** The local APIC's highest in-service vector (-1: none). */
  lapicInService(): number;
  // ---- floppy disk controller (assembly/devices/fdc.ts)
  /** CMOS byte 10h drive type nibble of floppy drive 0/1 for its media: 0 none, 1 360K, 2 1.2M, 3 720K, 4 1.44M,
   *  5 2.88M (an empty drive is a 1.44M drive). */
  fdcDriveType(drive: number): number;
  /** Media geometry: tracks | heads << 8 | sectors per track << 16 | data rate code << 24; 0 without media. */
  fdcGeometry(drive: number): number;
  table: WebAssembly.Table;
  // ---- VGA (assembly/devices/vga*.ts): the display for the host, text readout, bus access for device tests ----
  /** Bring the RGBA picture up to date at the current virtual time; nonzero if any line changed. */
  displayRender(): number;
  displayWidth(): number;
  displayHeight(): number;
  /** Linear address of the RGBA picture, row stride width * 4. */
  displayBuffer(): number;
  /** Lines changed by the last displayRender (-1 when none). */
  displayDirtyTop(): number;
  displayDirtyBottom(): number;
  /** 0 off/blank, 1 text, 2 graphics (as of the last displayRender). */
  displayMode(): number;
  /** The visible text screen as CP437 bytes at screenTextBuffer(): rows << 16 | columns, 0 outside text modes. */
  screenText(): number;
  screenTextBuffer(): number;
  /** Give [phys, phys+size) back to RAM (rigs that want the whole first MiB as RAM). */
  releaseMemory(phys: number, size: number): void;
  /** A physical memory access through the bus (RAM, ROM, MMIO devices). */
  busRead(phys: number, size: number): number;
  busWrite(phys: number, v: number, size: number): void;
  [name: string]: unknown;
}

const INIT_ERRORS: Record<number, string> = {
  1: "the core's static data overlaps its state area (build problem)",
  2: "the WebAssembly memory is too small for the requested RAM",
  3: "the RAM size must be a non-zero multiple of 4 KiB below 2 GiB",
};

export interface CoreOptions {
  /** The JIT tier: "on" (default), "off", "force" (compile every block at once) or a threshold. */
  jit?: JitSetting;
  /** Compiled regions kept at once (default and most: JIT_TABLE_SLOTS, 8192); tests of eviction use a few. */
  jitSlots?: number;
}

/** Thrown when the core reports a bug (an AssemblyScript abort): never a guest error. */
export class CoreBug extends Error {}

export class Core {
  readonly exports: CoreExports;
  readonly memory: WebAssembly.Memory;
  readonly ramSize: number;
  /** Addresses from assembly/layout.ts (exported globals). */
  readonly L: Record<string, number>;

  /** The JIT tier's host side (compile statistics, setting). */
  readonly jit: JitHost;
  /** The JIT setting of cores created without one (tests that run a suite with the JIT forced on change it). */
  static defaultJit: JitSetting = "on";

  private constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, ramSize: number, jit: JitHost) {
    this.jit = jit;
    this.exports = instance.exports as unknown as CoreExports;
    this.memory = memory;
    this.ramSize = ramSize;
    const L: Record<string, number> = {};
    for (const [k, v] of Object.entries(instance.exports)) {
      if (v instanceof WebAssembly.Global) L[k] = Number(v.value) >>> 0;
    }
    this.L = L;
  }

  /** Instantiate the core from its wasm bytes with `ramSize` bytes of guest RAM, plus `extraBytes` of linear
   *  memory after RAM for the host's fw_cfg items (kernel, initrd, tables: see web/machine/pc.ts). */
  static async create(wasm: BufferSource | WebAssembly.Module, ramSize: number, extraBytes = 0, options: CoreOptions = {}): Promise<Core> {
    const RAM_BASE = 0x0600_0000;
    const pages = Math.ceil((RAM_BASE + ramSize + extraBytes) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
    let core: Core | undefined;
    const jit = new JitHost(memory);
    const imports = {
      env: { memory },
      host: {
        jitInstall: jit.install,
        coreBug(msg: number, file: number, line: number, col: number) {
          const text = core ? `${core.readAsString(msg)} at ${core.readAsString(file)}:${line}:${col}` : `at line ${line}`;
          throw new CoreBug(`machine core bug: ${text}`);
        },
      },
    };
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    const instance = await WebAssembly.instantiate(module, imports);
    core = new Core(instance, memory, ramSize, jit);
    const rc = core.exports.init(ramSize);
    if (rc !== 0) throw new Error(`machine init failed: ${INIT_ERRORS[rc] ?? `code ${rc}`}`);
    jit.attach(instance.exports, options.jit ?? Core.defaultJit, options.jitSlots);
    return core;
  }

  /** An AssemblyScript string (UTF-16, length before the pointer) from linear memory. */
  readAsString(ptr: number): string {
    if (!ptr) return "";
    const len = new Uint32Array(this.memory.buffer, ptr - 4, 1)[0] >>> 1;
    return String.fromCharCode(...new Uint16Array(this.memory.buffer, ptr, Math.min(len, 512)));
  }

  get u8(): Uint8Array { return new Uint8Array(this.memory.buffer); }
  get dv(): DataView { return new DataView(this.memory.buffer); }

  run(budget: number): number { return this.exports.run(budget >>> 0); }

  // ---- registers and state --------------------------------------------------------------------------------
  reg(name: RegName): number { return this.dv.getUint32(this.L.REGS + REG_NAMES.indexOf(name) * 4, true); }
  setReg(name: RegName, v: number): void { this.dv.setUint32(this.L.REGS + REG_NAMES.indexOf(name) * 4, v >>> 0, true); }
  get eip(): number { return this.dv.getUint32(this.L.EIP, true); }
  set eip(v: number) { this.dv.setUint32(this.L.EIP, v >>> 0, true); }
  /** EFLAGS with lazy flags materialised (computed on the host from the lazy state). */
  get eflags(): number { return this.exportFn("getEflagsExport")() >>> 0; }
  set eflags(v: number) { this.exportFn("setEflagsExport")(v >>> 0); }
  seg(name: SegName): { sel: number; base: number; limit: number; access: number } {
    const i = SEG_NAMES.indexOf(name) * 4;
    const dv = this.dv;
    return {
      sel: dv.getUint32(this.L.SEG_SEL + i, true), base: dv.getUint32(this.L.SEG_BASE + i, true),
      limit: dv.getUint32(this.L.SEG_LIMIT + i, true), access: dv.getUint32(this.L.SEG_ACCESS + i, true),
    };
  }
  /** Load a segment register the real-mode way (selector and base = selector * 16, limit 64 KiB). */
  setSegReal(name: SegName, sel: number): void {
    const i = SEG_NAMES.indexOf(name) * 4;
    const dv = this.dv;
    dv.setUint32(this.L.SEG_SEL + i, sel & 0xFFFF, true);
    dv.setUint32(this.L.SEG_BASE + i, (sel & 0xFFFF) << 4, true);
    dv.setUint32(this.L.SEG_LIMIT + i, 0xFFFF, true);
    dv.setUint32(this.L.SEG_ACCESS + i, name === "cs" ? 0x9B : 0x93, true);
    dv.setUint32(this.L.SEG_VALID + i, 1, true);
  }
  /** Load a segment register with an explicit descriptor cache (access = descriptor high dword bits 8-23 >> 8). */
  setSegment(name: SegName, sel: number, base: number, limit: number, access: number): void {
    this.exportFn("setSegmentCache")(SEG_NAMES.indexOf(name), sel >>> 0, base >>> 0, limit >>> 0, access >>> 0);
  }
  /** Write CR0, CR2, CR3 or CR4 without checks (loaders and tests). */
  setCr(n: 0 | 2 | 3 | 4, v: number): void { this.exportFn("setControlRegister")(n, v >>> 0); }
  cr(n: 0 | 2 | 3 | 4): number { return this.dv.getUint32(this.L[`CR${n}`], true); }
  setCpl(c: number): void { this.exportFn("setCplExport")(c); }
  /**
   * The multiboot entry state: protected mode, CS = 08h flat 32-bit code, DS/ES/FS/GS/SS = 10h flat data,
   * paging off, CPL 0, interrupts off. (No GDT is written: the guest must load its own before reloading
   * segment registers, as the multiboot specification says.)
   */
  enterFlatProtectedMode(): void {
    this.setCr(0, (this.cr(0) | 1) & ~0x80000000);
    this.setSegment("cs", 0x08, 0, 0xFFFFFFFF, 0xC09B);
    for (const s of ["ds", "es", "fs", "gs", "ss"] as const) this.setSegment(s, 0x10, 0, 0xFFFFFFFF, 0xC093);
    this.setCpl(0);
    this.eflags = 0x2;
    this.exports.stateChanged();
  }
  get icount(): bigint { return this.dv.getBigUint64(this.L.ICOUNT, true); }
  counter(name: string): bigint { return this.dv.getBigUint64(this.L[name], true); }
  /** The core's counters: blocks translated, block-cache hits, invalidations, flushes, TLB misses, ... */
  counters(): Record<string, bigint> {
    const out: Record<string, bigint> = { instructions: this.icount };
    for (const k of Object.keys(this.L)) if (k.startsWith("CNT_")) out[k.slice(4).toLowerCase()] = this.counter(k);
    return out;
  }
  // ---- devices driven directly (device tests, QEMU style): virtual time `now` in ns as a bigint --------------
  /** The 8254 PIT (ports 40h-43h) and port 61h at virtual time `now`, bypassing the CPU. */
  readonly pit = {
    reset: (): void => { this.exportAny("testPitReset")(); },
    read: (port: number, now: bigint): number => Number(this.exportAny("testPitRead")(port >>> 0, now)) >>> 0,
    write: (port: number, v: number, now: bigint): void => { this.exportAny("testPitWrite")(port >>> 0, v >>> 0, now); },
    out: (ch: number, now: bigint): boolean => Number(this.exportAny("testPitOut")(ch >>> 0, now)) !== 0,
    /** Time (ns) of the next OUT transition after `now`; PIT_NEVER when none. */
    nextChange: (ch: number, now: bigint): bigint => BigInt.asUintN(64, BigInt(this.exportAny("testPitNextChange")(ch >>> 0, now) as bigint)),
    setGate: (ch: number, level: boolean, now: bigint): void => { this.exportAny("testPitSetGate")(ch >>> 0, level ? 1 : 0, now); },
  };
  /** Claim ports 40h-43h and 61h for the CPU (until the platform does it at init). */

  private exportAny(name: string): (...a: (number | bigint)[]) => number | bigint {
    const f = this.exports[name] as ((...a: (number | bigint)[]) => number | bigint) | undefined;
    if (!f) throw new Error(`core export ${name} missing`);
    return f;
  }
  private exportFn(name: string): (...a: number[]) => number {
    const f = this.exports[name] as ((...a: number[]) => number) | undefined;
    if (!f) throw new Error(`core export ${name} missing`);
    return f;
  }

  // ---- guest memory ----------------------------------------------------------------------------------------
  /** Copy bytes into guest RAM at physical `phys` (drops translated code there). */
  writePhys(phys: number, bytes: Uint8Array): void {
    if (phys < 0 || phys + bytes.length > this.ramSize) throw new RangeError(`RAM write ${phys.toString(16)}+${bytes.length} outside ${this.ramSize} bytes`);
    this.u8.set(bytes, this.L.RAM + phys);
    this.exports.ramWritten(phys, bytes.length);
  }
  readPhys(phys: number, len: number): Uint8Array { return this.u8.slice(this.L.RAM + phys, this.L.RAM + phys + len); }
  writeByte(phys: number, v: number): void { this.u8[this.L.RAM + phys] = v; this.exports.ramWritten(phys, 1); }
  readByte(phys: number): number { return this.u8[this.L.RAM + phys]; }

  /** Place a ROM image in the ROM area at `romOffset` and map it at physical `phys` (page-aligned sizes). */
  loadRom(bytes: Uint8Array, phys: number, romOffset = 0): void {
    const size = Math.ceil(bytes.length / 4096) * 4096;
    if (romOffset + size > this.L.ROM_BYTES) throw new RangeError("ROM image too large");
    this.u8.set(bytes, this.L.ROM_BASE + romOffset);
    if (!this.exports.romMap(phys >>> 0, size, romOffset)) throw new Error("cannot map ROM (too many windows or misaligned)");
  }

  // ---- output channels -----------------------------------------------------------------------------------
  /** Output taken from the machine but not yet asked for by `drain(ch)`, per channel. */
  private pending = new Map<number, number[]>();

  /**
   * Take everything the guest wrote to its output channels since the last call, in the order it was written:
   * runs of bytes of one channel. (Use this, not `drain`, when the order between channels matters, e.g. POST
   * codes between console text.)
   */
  drainOutput(): { channel: number; bytes: Uint8Array }[] {
    const base = this.L.IO_BUFFER_BASE, dv = this.dv;
    const n = dv.getUint32(base, true);
    const out: { channel: number; bytes: Uint8Array }[] = [];
    for (const [channel, bytes] of this.pending) if (bytes.length) out.push({ channel, bytes: Uint8Array.from(bytes) });
    this.pending.clear();
    let i = 0;
    while (i < n) {
      const ch = this.u8[base + 5 + 2 * i];
      let j = i;
      while (j < n && this.u8[base + 5 + 2 * j] === ch) j++;
      const bytes = new Uint8Array(j - i);
      for (let k = i; k < j; k++) bytes[k - i] = this.u8[base + 4 + 2 * k];
      out.push({ channel: ch, bytes });
      i = j;
    }
    dv.setUint32(base, 0, true);
    return out;
  }

  /** Take the bytes the guest wrote to channel `ch` since the last call (other channels' output is kept). */
  drain(ch: number): Uint8Array {
    for (const { channel, bytes } of this.drainOutput()) {
      let q = this.pending.get(channel);
      if (!q) this.pending.set(channel, (q = []));
      for (const b of bytes) q.push(b);
    }
    const mine = this.pending.get(ch) ?? [];
    this.pending.delete(ch);
    return Uint8Array.from(mine);
  }

  /** The last `n` exceptions (oldest first): vector, error code (-1: none), CS, EIP at delivery. */
  exceptions(n = 16): { vector: number; code: number; cs: number; eip: number }[] {
    const dv = this.dv;
    const pos = dv.getUint32(this.L.EXC_LOG_POS, true);
    const total = this.L.EXC_LOG_ENTRIES;
    const out = [];
    for (let i = Math.max(0, pos - Math.min(n, total)); i < pos; i++) {
      const e = this.L.EXC_LOG + (i % total) * 16;
      out.push({ vector: dv.getUint32(e, true), code: dv.getInt32(e + 4, true), cs: dv.getUint32(e + 8, true), eip: dv.getUint32(e + 12, true) });
    }
    return out;
  }

  /** The last `n` traced instructions (oldest first): CS, EIP, mode flags, bytes. */
  trace(n: number): { cs: number; eip: number; mode: number; bytes: Uint8Array }[] {
    const dv = this.dv;
    const pos = dv.getUint32(this.L.TRACE_POS, true);
    const total = this.L.TRACE_ENTRIES;
    const count = Math.min(n, pos, total);
    const out = [];
    for (let i = pos - count; i < pos; i++) {
      const t = this.L.TRACE_RING + (i % total) * 32;
      const len = this.u8[t + 8];
      out.push({ cs: dv.getUint16(t, true), mode: dv.getUint16(t + 2, true), eip: dv.getUint32(t + 4, true), bytes: this.u8.slice(t + 9, t + 9 + len) });
    }
    return out;
  }
}
