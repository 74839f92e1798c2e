// The PC as a library: one machine core set up as a late-1990s PC (DESIGN.md §4) with SeaBIOS, its VGA BIOS,
// disks served by the host, and direct Linux boot. Used by the Node runner (web/cli-vm.ts), the tests and, later,
// the browser worker; it never touches Node or browser APIs (callers pass bytes and disk backends in).
//
// The host's jobs here, and nothing else (DESIGN.md 1.2): put the firmware and the machine's configuration in
// (ROM, CMOS, fw_cfg items), run the core in slices, keep its clock in step with the wall clock (or not, for
// deterministic runs), answer disk requests, carry serial bytes, keys and the screen in and out.
import type { JitSetting } from "./jit-host.ts";
import { Core, Exit, Channel, EXIT_NAMES } from "./core.ts";
import { planLinuxBoot, isBzImage, KernelError } from "./linux-boot.ts";
import { ScancodeEncoder, scancodes, textToKeys, KeyEvent } from "./keyboard.ts";
import type { DiskBackend } from "./disks.ts";
import { LoadError, type ModuleSpec } from "./multiboot.ts";
import { planMultibootBoot, hasMultibootHeader, MULTIBOOT_PLAN_FILE, MULTIBOOT_DATA_FILE, MULTIBOOT_ROM_FILE } from "./multiboot-boot.ts";
import { stepCore, type StepOptions, type StepResult } from "./debugger.ts"; // teaching: PC.step

export type DriveName = "fda" | "fdb" | "hda" | "hdb" | "hdc" | "hdd";
export const DRIVES: DriveName[] = ["fda", "fdb", "hda", "hdb", "hdc", "hdd"];

export type { DiskBackend };
export interface DiskSpec { drive: DriveName; media: "floppy" | "hd" | "cdrom"; backend: DiskBackend }

export interface PCOptions {
  /** The JIT tier: "on" (default: Core.defaultJit), "off", "force" or a threshold (web/machine/jit-host.ts). */
  jit?: JitSetting;
  /** Guest RAM in MiB (default 128). */
  memoryMiB?: number;
  /** SeaBIOS (bios.bin): 64 KiB multiple, at most 1 MiB. */
  bios: Uint8Array;
  /** SeaVGABIOS for the standard VGA (vgabios-stdvga.bin). */
  vgaBios?: Uint8Array;
  /** Direct boot: a Linux bzImage, its initrd and command line; or a Multiboot kernel (ELF32 or a.out kludge),
   *  whose modules are `initrd` (if given, as module "initrd") and `multibootModules`, with `append` as its
   *  command line. */
  kernel?: Uint8Array; initrd?: Uint8Array; append?: string;
  /** Our option ROM that loads the kernel from fw_cfg (linuxboot.bin from the images build); needed with `kernel`. */
  linuxBootRom?: Uint8Array;
  /** multiboot: our option ROM for Multiboot kernels (multiboot.bin from the images build); needed with a
   *  multiboot `kernel`. */
  multibootRom?: Uint8Array;
  /** multiboot: more modules for a Multiboot kernel (as QEMU's -initrd "a,b"), after `initrd`. */
  multibootModules?: ModuleSpec[];
  /** Boot order as QEMU's -boot letters: a floppy, c hard disk, d CD-ROM, n network (default "cad"). */
  boot?: string;
  bootMenu?: boolean;
  disks?: DiskSpec[];
  /** The RTC's time of day at power-on (default: the host's clock). */
  timeOfDay?: Date;
  /** "realtime": the guest clock follows the wall clock (normal use). "virtual": the guest clock follows only the
   *  instructions executed and skips idle time, so the same inputs give the same run (tests, benchmarks). */
  clock?: "realtime" | "virtual";
  /** Guest nanoseconds one instruction stands for (default 10 with the "virtual" clock). With the real-time clock
   *  and no value given, the rate follows the core's measured pace, run by run, so the guest clock moves with the
   *  wall clock while instructions run and not only at the syncs between runs (a udelay busy-waits its true
   *  length; the kernel's TSC calibration against the PIT sees a steady clock), between 1 and 20 ns: a core
   *  faster than 1000 MIPS runs the guest's time ahead and an idle wait (HLT) sleeps until the wall clock catches
   *  up; one slower than 50 MIPS is caught up by the syncs between runs. A value given fixes the rate: a core
   *  slower than it is caught up by the wall clock at each sync, and a faster one runs ahead (at 10 ns a JIT
   *  running at 300 MIPS would be held to 100 MIPS). */
  nsPerInstruction?: number;
  /** The wall clock in milliseconds (default performance.now): tests and replays give their own. */
  wallClock?: () => number;
  /** The core (release build for real use). */
  wasm: BufferSource | WebAssembly.Module;
  /** Serial output: port 0 = COM1, 1 = COM2. */
  onSerial?: (port: number, bytes: Uint8Array) => void;
  /** The firmware's debug console (port 402h: SeaBIOS's log). */
  onDebug?: (bytes: Uint8Array) => void;
  /** The guest reset the machine (keyboard controller, port 92h/CF9h, triple fault). */
  onReset?: (why: string) => void;
  /** Disk backend failures (the guest sees an I/O error; the message is for the user). */
  onDiskError?: (drive: DriveName, message: string) => void;
}

export type StopReason = "running" | "poweroff" | "halted-forever" | "stopped";

/** Problems with what the user gave us (files, sizes, options): one clear line each. */
export class PCError extends Error {}

// fw_cfg keys (QEMU docs/specs/fw_cfg.rst)
const CFG = {
  SIGNATURE: 0x00, ID: 0x01, UUID: 0x02, RAM_SIZE: 0x03, NOGRAPHIC: 0x04, NB_CPUS: 0x05, NUMA: 0x0D, BOOT_MENU: 0x0E,
  MAX_CPUS: 0x0F, KERNEL_ADDR: 0x07, KERNEL_SIZE: 0x08, INITRD_ADDR: 0x0A, INITRD_SIZE: 0x0B, KERNEL_DATA: 0x11,
  INITRD_DATA: 0x12, CMDLINE_ADDR: 0x13, CMDLINE_SIZE: 0x14, CMDLINE_DATA: 0x15, SETUP_ADDR: 0x16, SETUP_SIZE: 0x17,
  SETUP_DATA: 0x18, FILE_DIR: 0x19, FILE_FIRST: 0x20, IRQ0_OVERRIDE: 0x8002,
} as const;

const DISK_KIND = { floppy: 1, hd: 2, cdrom: 3 } as const;
const NEVER = 0xFFFF_FFFF_FFFF_FFFFn;
/** Real-time clock: a stall longer than this (ns) is dropped rather than caught up at once. */
const MAX_CLOCK_JUMP_NS = 500_000_000n;
/** Real-time clock with the measured pace: its bounds (ns per instruction), and the smallest run measured. The
 *  upper bound keeps a run (200,000 instructions) within 4 ms of guest time even right after a host stall (a run
 *  descheduled for 100 ms measures as a very slow core): a slower core is caught up by the syncs instead. */
const MIN_PACE_NS = 1, MAX_PACE_NS = 20, PACE_MIN_INSNS = 20_000;
/** Real-time clock with the measured pace: a lag up to this (ns) is made up by pace, not by a jump of the clock. */
const SMOOTH_LAG_NS = 20_000_000n;
const le32 = (v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); return b; };
const le16 = (v: number) => { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, v, true); return b; };
const le64 = (v: number) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); return b; };

interface Item { key: number; bytes: Uint8Array }

export class PC {
  readonly core: Core;
  readonly opts: PCOptions;
  readonly ramSize: number;
  private disks = new Map<number, DiskSpec>();
  private serialQueue: number[][] = [[], []];
  private stopped = false;
  private poweredOff = false;
  private wallStart = 0;
  private virtualStart = 0n;
  /** Real-time clock: the guest ns per instruction now in use (0: fixed by options or the virtual clock). */
  private paceNs = 0;
  /** Real-time clock: the core's measured wall ns per instruction (smoothed; 0: none yet). */
  private measuredNs = 0;
  /** Real-time clock: how far the guest clock was ahead of the wall clock at the last sync (ns; negative: behind). */
  private leadNs = 0;
  private exits: Record<string, number> = {};
  private hostMs = 0;
  /** Host time spent asleep while the guest halted (real-time clock): an idle guest costs no CPU then. */
  idleMs = 0;
  private pendingDisk = new Set<number>();
  /** Keys waiting to be typed (typeText): one event every KEY_GAP_NS of virtual time, like a fast typist. */
  private keyQueue: KeyEvent[] = [];
  /** Held modifiers, for the Alt/Ctrl/Shift forms of Print Screen and Pause. */
  private readonly keyEncoder = new ScancodeEncoder();
  private nextKeyAt = 0n;
  private keyWaiters: (() => void)[] = [];

  private constructor(core: Core, opts: PCOptions, ramSize: number) {
    this.core = core; this.opts = opts; this.ramSize = ramSize;
  }

  static async create(opts: PCOptions): Promise<PC> {
    const mib = opts.memoryMiB ?? 128;
    if (!Number.isInteger(mib) || mib < 2 || mib > 2047) throw new PCError(`memory size ${mib} MiB: give 2 to 2047 MiB`);
    const ramSize = mib * 1048576;
    const bios = opts.bios;
    if (bios.length < 0x10000 || bios.length > 0x100000 || bios.length % 0x10000 !== 0) {
      throw new PCError(`the BIOS image is ${bios.length} bytes: expected a multiple of 64 KiB up to 1 MiB (SeaBIOS bios.bin is 128 or 256 KiB)`);
    }
    const items = PC.configItems(opts, ramSize);
    const blobBytes = items.reduce((n, it) => n + ((it.bytes.length + 15) & ~15), 0);
    const core = await Core.create(opts.wasm, ramSize, blobBytes, { jit: opts.jit });
    const pc = new PC(core, opts, ramSize);
    const measuredPace = opts.nsPerInstruction === undefined && (opts.clock ?? "realtime") === "realtime";
    const nsPerInstruction = opts.nsPerInstruction ?? (measuredPace ? MIN_PACE_NS : 10);
    core.exports.setClockRate(Math.max(1, Math.round(nsPerInstruction * 65536)));
    if (measuredPace) pc.paceNs = nsPerInstruction;
    pc.install(items);
    return pc;
  }

  /** Everything the firmware reads through fw_cfg, as (key, bytes). */
  private static configItems(opts: PCOptions, ramSize: number): Item[] {
    const items: Item[] = [];
    const files: { name: string; bytes: Uint8Array }[] = [];
    const add = (key: number, bytes: Uint8Array) => items.push({ key, bytes });
    add(CFG.SIGNATURE, new TextEncoder().encode("QEMU"));
    add(CFG.ID, le32(3)); // traditional interface + DMA
    add(CFG.UUID, new Uint8Array(16));
    add(CFG.RAM_SIZE, le64(ramSize));
    add(CFG.NOGRAPHIC, le16(0));
    add(CFG.NB_CPUS, le16(1));
    add(CFG.MAX_CPUS, le16(1));
    add(CFG.NUMA, new Uint8Array(16)); // no NUMA nodes; node of CPU 0
    add(CFG.BOOT_MENU, le16(opts.bootMenu ? 1 : 0));
    add(CFG.IRQ0_OVERRIDE, le32(1)); // IRQ 0 reaches I/O APIC pin 2 (ACPI MADT / MP table override)
    // e820: all RAM usable; the BIOS reserves what it uses itself
    const e820 = new Uint8Array(20);
    const dv = new DataView(e820.buffer);
    dv.setBigUint64(0, 0n, true); dv.setBigUint64(8, BigInt(ramSize), true); dv.setUint32(16, 1, true);
    files.push({ name: "etc/e820", bytes: e820 });
    const bootorder: string[] = [];
    if (opts.kernel && !isBzImage(opts.kernel) && hasMultibootHeader(opts.kernel)) {
      // ---- multiboot: a Multiboot kernel through our option ROM (images/firmware/multiboot.asm) -------------
      if (!opts.multibootRom) throw new PCError("booting a multiboot kernel needs multiboot.bin (run `npm run images`)");
      const modules: ModuleSpec[] = [...(opts.initrd ? [{ name: "initrd", bytes: opts.initrd }] : []), ...(opts.multibootModules ?? [])];
      let mb;
      try { mb = planMultibootBoot(opts.kernel, ramSize, { cmdline: opts.append ?? "", modules }); }
      catch (e) { throw e instanceof LoadError ? new PCError(`multiboot kernel: ${e.message}`) : e; }
      files.push({ name: MULTIBOOT_PLAN_FILE, bytes: mb.planBytes }, { name: MULTIBOOT_DATA_FILE, bytes: mb.data });
      files.push({ name: MULTIBOOT_ROM_FILE, bytes: opts.multibootRom });
      bootorder.push(`/rom@${MULTIBOOT_ROM_FILE}`);
      // ---- end multiboot -------------------------------------------------------------------------------------
    } else if (opts.kernel) {
      if (!isBzImage(opts.kernel)) throw new PCError("the -kernel file is neither a Linux kernel (bzImage) nor a multiboot kernel (no multiboot header in its first 8 KiB)");
      if (!opts.linuxBootRom) throw new PCError("direct kernel boot needs linuxboot.bin (run `npm run images`)");
      let plan;
      try { plan = planLinuxBoot(opts.kernel, opts.initrd, opts.append ?? "", ramSize); }
      catch (e) { throw e instanceof KernelError ? new PCError(`kernel: ${e.message}`) : e; }
      add(CFG.SETUP_ADDR, le32(plan.setupAddr)); add(CFG.SETUP_SIZE, le32(plan.setup.length)); add(CFG.SETUP_DATA, plan.setup);
      add(CFG.KERNEL_ADDR, le32(plan.kernelAddr)); add(CFG.KERNEL_SIZE, le32(plan.kernel.length)); add(CFG.KERNEL_DATA, plan.kernel);
      add(CFG.INITRD_ADDR, le32(plan.initrdAddr)); add(CFG.INITRD_SIZE, le32(plan.initrd.length)); add(CFG.INITRD_DATA, plan.initrd);
      add(CFG.CMDLINE_ADDR, le32(plan.cmdlineAddr)); add(CFG.CMDLINE_SIZE, le32(plan.cmdline.length)); add(CFG.CMDLINE_DATA, plan.cmdline);
      files.push({ name: "genroms/linuxboot.bin", bytes: opts.linuxBootRom });
      bootorder.push("/rom@genroms/linuxboot.bin");
    } else if (opts.initrd || opts.append || opts.multibootModules?.length) {
      throw new PCError("-initrd and -append need -kernel");
    }
    // The VGA BIOS as the option ROM of our PCI VGA (1234:1111 at 00:02.0): SeaBIOS looks up the file
    // "pciVVVV,DDDD.rom" for each PCI device and runs it with the device's bus/device/function in AX, so
    // SeaVGABIOS reads the linear frame buffer address from BAR 0 (fd000000h), as in QEMU where the ROM comes
    // from the device's ROM BAR. Under "vgaroms/" it ran as a ROM of no device and fell back to a fixed
    // e0000000h, where nothing decodes (KolibriOS drew its whole desktop there: a black screen).
    if (opts.vgaBios) files.push({ name: "pci1234,1111.rom", bytes: opts.vgaBios });
    if (bootorder.length) files.push({ name: "bootorder", bytes: new TextEncoder().encode(bootorder.join("\n") + "\n") });
    // the file directory (big-endian count, then {be32 size, be16 select, be16 reserved, char name[56]})
    files.sort((a, b) => a.name.localeCompare(b.name));
    const dir = new Uint8Array(4 + 64 * files.length);
    const ddv = new DataView(dir.buffer);
    ddv.setUint32(0, files.length, false);
    files.forEach((f, i) => {
      const o = 4 + 64 * i;
      ddv.setUint32(o, f.bytes.length, false);
      ddv.setUint16(o + 4, CFG.FILE_FIRST + i, false);
      dir.set(new TextEncoder().encode(f.name).subarray(0, 55), o + 8);
      add(CFG.FILE_FIRST + i, f.bytes);
    });
    add(CFG.FILE_DIR, dir);
    return items;
  }

  private install(items: Item[]): void {
    const { core, opts } = this;
    const x = core.exports;
    // firmware
    core.u8.set(opts.bios, core.L.ROM_BASE);
    if (!x.biosInstall(opts.bios.length)) throw new PCError("the BIOS image could not be mapped");
    // fw_cfg items, after guest RAM
    let addr = core.L.RAM + this.ramSize;
    for (const it of items) {
      core.u8.set(it.bytes, addr);
      if (!x.fwcfgItem(it.key, addr, it.bytes.length)) throw new PCError("too many fw_cfg items");
      addr += (it.bytes.length + 15) & ~15;
    }
    // SeaBIOS's log on port 402h
    x.attachTestDevices(0x402, 0, 0);
    // disks
    for (const d of opts.disks ?? []) this.attachDisk(d);
    this.writeCmos();
    x.setTimeOfDay(BigInt(Math.floor((opts.timeOfDay ?? new Date()).getTime() / 1000)));
  }

  private attachDisk(d: DiskSpec): void {
    const idx = DRIVES.indexOf(d.drive);
    if (idx < 0) throw new PCError(`unknown drive ${d.drive}`);
    if (this.disks.has(idx)) throw new PCError(`drive ${d.drive} is given twice`);
    if ((d.media === "floppy") !== (idx < 2)) throw new PCError(`${d.drive} cannot hold ${d.media === "floppy" ? "a floppy" : "a disk"}`);
    const sectorSize = d.media === "cdrom" ? 2048 : 512;
    const size = d.backend.size;
    // an empty image is a drive without media (the firmware will find nothing to boot there)
    const sectors = Math.floor(size / sectorSize);
    if (sectors === 0 && size !== 0) throw new PCError(`the image for ${d.drive} is smaller than one ${sectorSize}-byte sector`);
    const readOnly = d.media === "cdrom" || d.backend.readOnly;
    if (!this.core.exports.diskAttachExport(idx, DISK_KIND[d.media], BigInt(sectors), sectorSize, readOnly ? 1 : 0)) {
      throw new PCError(`cannot attach ${d.drive}`);
    }
    this.disks.set(idx, d);
  }

  /** The CMOS bytes SeaBIOS (QEMU build) and DOS read: memory sizes, floppy types, equipment, boot order. */
  private writeCmos(): void {
    const set = (i: number, v: number) => this.core.exports.setCmos(i, v & 0xFF);
    const ram = this.ramSize;
    // the floppy controller knows what each drive presents (the media's geometry; an empty drive is a 1.44 MB one)
    const floppyTypes = [this.core.exports.fdcDriveType(0), this.core.exports.fdcDriveType(1)];
    set(0x10, (floppyTypes[0] << 4) | floppyTypes[1]);
    const floppies = floppyTypes.filter((t) => t !== 0).length;
    set(0x14, (floppies ? 1 | ((floppies - 1) << 6) : 0) | 0x02 /* x87 */ | 0x00 /* EGA/VGA */);
    set(0x15, 640 & 0xFF); set(0x16, 640 >> 8);
    const ext = Math.min(0xFFFF, ram / 1024 - 1024);
    set(0x17, ext); set(0x18, ext >> 8); set(0x30, ext); set(0x31, ext >> 8);
    const high = ram > 16 * 1048576 ? Math.min(0xFFFF, (ram - 16 * 1048576) / 65536) : 0;
    set(0x34, high); set(0x35, high >> 8);
    set(0x5B, 0); set(0x5C, 0); set(0x5D, 0);
    set(0x5F, 0); // CPUs - 1
    // boot order: CMOS 3Dh low/high nibble, 38h high nibble (1 floppy, 2 hard disk, 3 CD-ROM, 4 network)
    const code: Record<string, number> = { a: 1, b: 1, c: 2, d: 3, n: 4 };
    const order = (this.opts.boot ?? "cad").toLowerCase();
    for (const ch of order) if (!(ch in code)) throw new PCError(`boot order "${order}": use the letters a (floppy), c (hard disk), d (CD-ROM), n (network)`);
    const seq = [...order].map((c) => code[c]).slice(0, 3);
    while (seq.length < 3) seq.push(0);
    set(0x3D, seq[0] | (seq[1] << 4));
    set(0x38, (seq[2] << 4) | 0 /* check floppy boot signatures */);
    // IDE translation hints for SeaBIOS (CMOS 39h): LBA for disks beyond 1024 cylinders of 16 x 63
    let trans = 0;
    for (let i = 0; i < 4; i++) {
      const d = this.disks.get(2 + i);
      if (d && d.media === "hd" && d.backend.size / (16 * 63 * 512) > 1024) trans |= 3 << (2 * i);
    }
    set(0x39, trans);
    // checksum of 10h-2Dh at 2Eh (high) / 2Fh
    let sum = 0;
    for (let i = 0x10; i <= 0x2D; i++) sum += this.cmosShadow(i);
    set(0x2E, sum >> 8); set(0x2F, sum);
  }

  private cmosShadow(i: number): number {
    // the RTC keeps NVRAM bytes at DEV_RTC; read them back through the ports like the firmware would
    const x = this.core.exports;
    x.ioWrite(0x70, i, 1);
    return x.ioRead(0x71, 1);
  }

  // ---- running ----------------------------------------------------------------------------------------
  /**
   * Run for about `ms` of host time, or less when something happens; returns what state the machine is in.
   * Idle guests (HLT) sleep in real time ("realtime" clock) or skip ahead ("virtual").
   */
  async runSlice(ms = 20): Promise<StopReason> {
    if (this.poweredOff) return "poweroff";
    if (this.stopped) return "stopped";
    const x = this.core.exports;
    const now = (): number => this.wallNow();
    const t0 = now();
    if (this.wallStart === 0) { this.wallStart = t0; this.virtualStart = x.clockNowNs(); }
    const realtime = (this.opts.clock ?? "realtime") === "realtime";
    while (now() - t0 < ms) {
      this.feedSerial();
      this.feedKeys();
      const i0 = this.core.icount, w0 = realtime ? now() : 0;
      const r = x.run(200_000);
      const runMs = realtime ? now() - w0 : 0;
      const name = EXIT_NAMES[r] ?? String(r);
      this.exits[name] = (this.exits[name] ?? 0) + 1;
      this.drain();
      await this.serveDisks();
      if (realtime) { this.syncClock(now(), this.paceNs > 0); this.pace(runMs, Number(this.core.icount - i0)); }
      switch (r) {
        case Exit.POWEROFF: this.poweredOff = true; this.hostMs += now() - t0; return "poweroff";
        case Exit.RESET: this.opts.onReset?.("the guest reset the machine"); break;
        case Exit.TRIPLE_FAULT: this.opts.onReset?.("triple fault"); break;
        case Exit.HOST_REQUEST: this.hostMs += now() - t0; return this.stopped ? "stopped" : "running";
        case Exit.HLT: {
          const next = this.wakeNs();
          if (this.pendingDisk.size > 0) { await sleep(1); break; }
          if (!realtime) {
            if (next === NEVER) { this.hostMs += now() - t0; return "halted-forever"; }
            x.clockAdvanceNs(next);
          } else {
            // real time: sleep until the wall clock reaches the next event (at most the rest of this slice); the
            // guest clock then follows the wall clock to it
            const due = BigInt.asUintN(64, x.clockNowNs()) + next; // guest time of the event it waits for
            const dueMs = next === NEVER ? Infinity : this.wallMsAt(due);
            const wait = Math.min(dueMs - now(), ms - (now() - t0));
            if (wait > 0) { const s0 = now(); await sleep(wait); this.idleMs += now() - s0; }
            this.syncClock(now());
            if (now() < dueMs) { this.hostMs += now() - t0; return "running"; }
            // the wall clock reached the event: the guest clock goes to it (the sync rounds off a fraction of a
            // nanosecond), but no further: not to the event after it (a timer that came due and has not run yet
            // is not in nextEventNs), and not past a queued key (the sync stops there)
            const keyAt = this.keyQueue.length > 0 ? this.keyDue() : due;
            const upTo = keyAt < due ? keyAt : due;
            const cur = BigInt.asUintN(64, x.clockNowNs());
            if (upTo > cur) x.clockAdvanceNs(upTo - cur);
          }
          break;
        }
        case Exit.HLT_CLI: {
          // only an NMI or a reset could wake it: nothing will
          this.hostMs += now() - t0;
          return "halted-forever";
        }
        default: break;
      }
    }
    this.hostMs += now() - t0;
    return "running";
  }

  /**
   * Nanoseconds until the halted guest has something to wake for: its next timer event, or the next queued key
   * (each key event is given at its own time, with the guest running in between, so a skip ahead never holds a
   * key down long enough for the keyboard's typematic repeat, nor pours keys into its 16-byte buffer).
   */
  private wakeNs(): bigint {
    const next = BigInt.asUintN(64, this.core.exports.nextEventNs());
    if (this.keyQueue.length === 0) return next;
    const now = BigInt.asUintN(64, this.core.exports.clockNowNs());
    const due = this.keyDue();
    const key = due > now ? due - now : 0n;
    return key < next ? key : next;
  }

  /** The host time (ms, performance.now() scale) at which the guest clock shows `virtualNs`, at real-time pace. */
  private wallMsAt(virtualNs: bigint): number { return this.wallStart + Number(virtualNs - this.virtualStart) / 1e6; }
  /** The guest time (ns) the clock shows at host time `wallMs`, at real-time pace (wallMsAt's inverse). */
  private guestNsAt(wallMs: number): bigint { return this.virtualStart + BigInt(Math.max(0, Math.floor((wallMs - this.wallStart) * 1e6))); }

  /**
   * Time sync: the guest clock never falls behind the wall clock (a slow host makes fewer instructions per second).
   * `smooth` (while the guest runs, with the measured pace): a lag below SMOOTH_LAG_NS is left to pace() to make
   * up, so that the guest clock has no jumps a guest can see (the kernel's TSC calibration fails on any jump
   * between two of its reads).
   */
  private syncClock(wallNow: number, smooth = false): void {
    const x = this.core.exports;
    const target = this.guestNsAt(wallNow);
    const cur = BigInt.asUintN(64, x.clockNowNs());
    this.leadNs = Number(cur - target);
    if (smooth && target > cur && target - cur < SMOOTH_LAG_NS) return;
    if (target - cur > MAX_CLOCK_JUMP_NS) {
      // the machine did not run for a while (paused, a hidden tab throttled, the host asleep): the guest clock
      // goes on from where it stopped instead of jumping ahead, as a paused VM's clock does in QEMU
      this.wallStart += Number(target - cur) / 1e6;
      return;
    }
    // a queued key comes due on the way: stop there (the run loop gives it, the guest takes it, the next sync
    // goes on), so a catch-up after a busy moment never holds a key down through a typematic repeat
    const due = this.keyQueue.length > 0 ? this.keyDue() : target;
    const goal = due < target ? (due > cur ? due : cur) : target;
    if (goal > cur) x.clockAdvanceNs(goal - cur);
  }

  /**
   * Real-time clock: set the guest ns per instruction of the next run to the pace the core ran at (smoothed over
   * runs), so guest time moves like wall time inside runs too, corrected by how far the guest clock is off the
   * wall clock: sped up (at most doubled) while it lags, slowed (at most halved) while it leads.
   */
  private pace(runMs: number, insns: number): void {
    if (this.paceNs === 0 || insns < PACE_MIN_INSNS) return;
    const measured = (runMs * 1e6) / insns;
    this.measuredNs = this.measuredNs === 0 ? measured : (this.measuredNs + measured) / 2;
    const correction = Math.min(2, Math.max(0.5, 1 - this.leadNs / (runMs * 1e6 + 1)));
    const ns = Math.min(MAX_PACE_NS, Math.max(MIN_PACE_NS, this.measuredNs * correction));
    if (Math.abs(ns - this.paceNs) < this.paceNs / 64) return; // changes below 1.5% are noise
    this.paceNs = ns;
    this.core.exports.setClockRate(Math.round(ns * 65536));
  }

  private drain(): void {
    for (const { channel, bytes } of this.core.drainOutput()) {
      if (channel === Channel.COM1) this.opts.onSerial?.(0, bytes);
      else if (channel === Channel.COM2) this.opts.onSerial?.(1, bytes);
      else if (channel === Channel.DEBUGCON) this.opts.onDebug?.(bytes);
    }
  }

  /** Answer the drives' requests (bus/disk.ts slot layout). */
  private async serveDisks(): Promise<void> {
    const x = this.core.exports;
    let mask = x.diskPending();
    if (mask === 0) return;
    const dv = this.core.dv;
    for (let d = 0; mask !== 0; d++, mask >>>= 1) {
      if ((mask & 1) === 0 || this.pendingDisk.has(d)) continue;
      const slot = this.core.L.DISKS + d * this.core.L.DISK_SLOT;
      const sectorSize = dv.getUint16(slot + 2, true);
      const op = this.core.u8[slot + 17];
      const count = dv.getUint32(slot + 20, true);
      const lba = Number(dv.getBigUint64(slot + 24, true));
      const buffer = dv.getUint32(slot + 32, true);
      const spec = this.disks.get(d);
      let result = 1;
      this.pendingDisk.add(d);
      try {
        if (!spec) throw new Error("no backend");
        const offset = lba * sectorSize, len = count * sectorSize;
        if (op === 1) {
          const data = await spec.backend.read(offset, len);
          if (data.length !== len) throw new Error(`short read at ${offset}: ${data.length} of ${len} bytes`);
          this.core.u8.set(data, buffer);
        } else if (op === 2) {
          await spec.backend.write(offset, this.core.u8.slice(buffer, buffer + len));
        } else if (op === 3) {
          await spec.backend.flush();
        }
        result = 0;
      } catch (e) {
        this.opts.onDiskError?.(DRIVES[d], (e as Error).message);
      } finally {
        this.pendingDisk.delete(d);
      }
      x.diskComplete(d, result);
    }
  }

  // ---- inputs -------------------------------------------------------------------------------------------
  sendSerial(port: number, bytes: Uint8Array): void {
    if (port !== 0 && port !== 1) throw new RangeError("serial port 0 (COM1) or 1 (COM2)");
    for (const b of bytes) this.serialQueue[port].push(b);
  }

  /** Give queued serial bytes to the UARTs as far as their receive buffers take them. */
  private feedSerial(): void {
    for (let p = 0; p < 2; p++) {
      const q = this.serialQueue[p];
      // only as many as the receiver has room for: a real terminal line would overrun it, we pace instead
      const n = Math.min(q.length, this.core.exports.serialRoom(p));
      let i = 0;
      while (i < n && this.core.exports.serialInput(p, q[i])) i++;
      if (i) q.splice(0, i);
    }
  }

  /** Press or release a key (KeyboardEvent.code names, web/machine/keyboard.ts). Unknown codes are refused. */
  keyDown(code: string): void { this.key(code, true); }
  keyUp(code: string): void { this.key(code, false); }
  /**
   * A key event from a live keyboard (the page): queued behind any text being typed and fed at the typing pace,
   * so a burst of events (a fast typist, a test) never overruns the keyboard's 16-byte buffer.
   */
  queueKey(code: string, down: boolean): void {
    if (!scancodes(code, down)) throw new PCError(`unknown key code "${code}"`);
    // real-time clock: stamped with the wall clock, so that it reaches the guest no earlier than the guest clock
    // shows its arrival. Time the machine did not run (a busy host between slices) is then caught up before this
    // press, not between it and its release, which the host sends later: the key would be held down through the
    // catch-up, and the guest's autorepeat would type it twice.
    const realtime = (this.opts.clock ?? "realtime") === "realtime" && this.wallStart !== 0;
    this.keyQueue.push({ code, down, arrivedMs: realtime ? this.wallNow() : undefined });
  }

  private wallNow(): number {
    return this.opts.wallClock ? this.opts.wallClock() : typeof performance !== "undefined" ? performance.now() : Date.now();
  }

  /** Guest time (ns) at which the next queued key event may be given: 15 ms after the last one, and not before
   *  the guest clock shows its arrival (live keys, real-time clock). */
  private keyDue(): bigint {
    const at = this.keyQueue[0]?.arrivedMs;
    if (at === undefined) return this.nextKeyAt;
    const arrival = this.guestNsAt(at);
    return arrival > this.nextKeyAt ? arrival : this.nextKeyAt;
  }
  private key(code: string, down: boolean): void {
    const bytes = this.keyEncoder.bytes(code, down);
    if (!bytes) throw new PCError(`unknown key code "${code}"`);
    for (const b of bytes) this.core.exports.keyboardScancode(b);
  }

  /**
   * Type `text` on the keyboard (US layout; "\n" is Enter), one key event every 15 ms of guest time, while
   * runSlice runs the machine. Resolves when the last key is released. Characters a US keyboard cannot type
   * are refused before anything is typed.
   */
  typeText(text: string): Promise<void> {
    const { events, untypable } = textToKeys(text);
    if (untypable.length) throw new PCError(`cannot type ${untypable.map((u) => JSON.stringify(u.char)).join(", ")} on a US keyboard`);
    this.keyQueue.push(...events);
    return new Promise((resolve) => this.keyWaiters.push(resolve));
  }

  private feedKeys(): void {
    if (this.keyQueue.length === 0) return;
    const now = BigInt.asUintN(64, this.core.exports.clockNowNs());
    if (now < this.keyDue()) return;
    const e = this.keyQueue.shift()!;
    this.key(e.code, e.down);
    this.nextKeyAt = now + 15_000_000n;
    if (this.keyQueue.length === 0) { const w = this.keyWaiters; this.keyWaiters = []; for (const f of w) f(); }
  }

  // ---- the screen -------------------------------------------------------------------------------------------
  /** The VGA text screen as rows of text (CP437 shown as Unicode), or null in graphics modes. */
  screenText(): string[] | null {
    const x = this.core.exports;
    const rc = x.screenText() >>> 0;
    if (rc === 0) return null;
    const rows = rc >>> 16, cols = rc & 0xFFFF;
    const buf = this.core.u8.subarray(x.screenTextBuffer(), x.screenTextBuffer() + rows * cols);
    const out: string[] = [];
    for (let r = 0; r < rows; r++) {
      let line = "";
      for (let c = 0; c < cols; c++) line += CP437[buf[r * cols + c]];
      out.push(line.replace(/\s+$/, ""));
    }
    return out;
  }

  /** The picture as the guest shows it now (RGBA, row stride width * 4). */
  screenshot(): { width: number; height: number; rgba: Uint8Array } {
    const x = this.core.exports;
    x.displayRender();
    const width = x.displayWidth(), height = x.displayHeight();
    const at = x.displayBuffer();
    return { width, height, rgba: this.core.u8.slice(at, at + width * height * 4) };
  }

  displayMode(): { kind: "off" | "text" | "graphics"; width: number; height: number } {
    const x = this.core.exports;
    x.displayRender();
    const kind = (["off", "text", "graphics"] as const)[x.displayMode()] ?? "off";
    return { kind, width: x.displayWidth(), height: x.displayHeight() };
  }

  /** Ask a running runSlice to return at the next instruction boundary, and refuse to run again. */
  stop(): void { this.stopped = true; this.core.exports.requestHostExit(); }

  // ---- teaching: pause and single-step (web/machine/debugger.ts; the teaching panel, issue 8) ----------------
  /**
   * The host stopped calling runSlice to look at the machine (the teaching panel's Pause). The guest does not see
   * the time it stays paused: the next runSlice starts the wall-clock pacing afresh from the guest's clock.
   */
  pause(): void { this.wallStart = 0; }

  /**
   * Execute exactly `count` guest instructions (core.run(1) each), answering disk requests and passing serial
   * output on between them as runSlice does. External interrupts are held back while stepping unless
   * `opts.holdInterrupts` is false (see StepOptions). Stops early at HLT (a halted CPU cannot step; the result
   * says so), power-off, reset or stop(). Call it only while runSlice is not running (paused).
   */
  async step(count = 1, opts: StepOptions = {}): Promise<StepResult> {
    if (this.poweredOff) {
      return { requested: count, executed: 0, stop: "poweroff", events: [], interruptsHeld: opts.holdInterrupts ?? true, interruptPending: false, message: "the machine is powered off" };
    }
    this.wallStart = 0; // time spent stepping is not wall-clock time the guest should catch up on
    this.feedSerial();
    this.feedKeys();
    const result = await stepCore(this.core, count, opts, {
      afterRun: async (exit) => {
        const name = EXIT_NAMES[exit] ?? String(exit);
        this.exits[name] = (this.exits[name] ?? 0) + 1;
        this.drain();
        await this.serveDisks();
        if (exit === Exit.RESET) this.opts.onReset?.("the guest reset the machine");
        if (exit === Exit.TRIPLE_FAULT) this.opts.onReset?.("triple fault");
      },
      stopped: () => this.stopped,
    });
    if (result.stop === "poweroff") this.poweredOff = true;
    return result;
  }
  // ---- end teaching ---------------------------------------------------------------------------------------

  /** The ACPI power button: an ACPI guest shuts down cleanly. */
  powerButton(): void { this.core.exports.powerButton(); }

  /** The reset button: every device and the processor go back to their reset state; RAM, CMOS and disks stay. */
  resetButton(): void {
    this.keyQueue = [];
    this.core.exports.resetButton();
    this.poweredOff = false;
  }

  get isPoweredOff(): boolean { return this.poweredOff; }

  stats(): { instructions: bigint; virtualNs: bigint; hostMs: number; mips: number; blocks: bigint; exits: Record<string, number>; diskReads: number; diskWrites: number } {
    const c = this.core;
    let reads = 0, writes = 0;
    for (let d = 0; d < 6; d++) {
      const slot = c.L.DISKS + d * c.L.DISK_SLOT;
      reads += Number(c.dv.getBigUint64(slot + 40, true));
      writes += Number(c.dv.getBigUint64(slot + 48, true));
    }
    const instructions = c.icount;
    return {
      instructions, virtualNs: BigInt.asUintN(64, c.exports.clockNowNs()), hostMs: this.hostMs,
      mips: this.hostMs > 0 ? Number(instructions) / this.hostMs / 1000 : 0,
      blocks: c.counter("CNT_BLOCKS_TRANSLATED"), exits: { ...this.exits }, diskReads: reads, diskWrites: writes,
    };
  }
}

function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** Code page 437 (the VGA's character set) as Unicode; control-character positions show their glyphs. */
export const CP437 = [
  ..." ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼",
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), "⌂",
  ..."ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀",
  ..."αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■ ",
];
