// The machine's interface to the host (DESIGN.md 1.2): everything the host may call is exported here.
// Addresses of state and buffers are exported too (from layout.ts) so the host reads them without copies.
import {
  RAM, EXIT_BUDGET, EXIT_HLT, EXIT_RESET, EXIT_TRIPLE_FAULT, STATE_BASE, ICOUNT, IO_BUFFERS, CHANNELS, OUTPUT_MAX, INTR_LINE, INTR_VECTOR, INTR_TEST, NMI_PENDING, EXIT_REQUEST,
  EXIT_HOST_REQUEST, ROM, ROM_SIZE, TRACE_ENABLED, BLOCK_INSN_LIMIT, TRACE_POS, A20_MASK, CR0, CR2, CR3, CR4, SEG_SEL,
} from "./layout";
import { decoderInit } from "./cpu/decoder";
import { physmemInit, mapRom, dmaWrite, physRead32, physWrite32 } from "./bus/physmem";
import {
  portsInit, claimPorts, portRead, portWrite, DEV_NONE, DEV_DEBUGCON, DEV_POSTCODE, DEV_DEBUGEXIT, DEV_COM1, DEV_COM2,
  DEV_PIC, DEV_PIT, DEV_PORT61, DEV_RTC, DEV_DMA, DEV_SYSCTRL, DEV_I8042, DEV_FDC, DEV_FWCFG, DEV_PCI,
} from "./bus/ports";
import { pciReset, pciFind, pciSetIntx } from "./bus/pci";
import {
  diskReset, diskAttach, diskEject, diskFinish, diskPendingMask, diskBuffer, DRIVE_FDA, DRIVE_FDB, DISK_NONE,
} from "./bus/disk";
import { i440fxReset } from "./devices/i440fx";
import { piix3Reset } from "./devices/piix3";
import { pmReset } from "./devices/piix4pm";
import { ideReset, ideDiskDone } from "./devices/ide";
import { vgaReset } from "./devices/vga";
import { i8042Reset } from "./devices/i8042";
import { fdcReset, fdcDiskDone } from "./devices/fdc";
import { fwcfgReset, fwcfgSetItem, fwcfgClear } from "./devices/fwcfg";
import { i440fxFirmwareInstalled } from "./devices/i440fx";
import { pmPowerButton } from "./devices/piix4pm";
import { lapicReset, lapicHighestIsr } from "./devices/lapic";
import { ioapicReset, ioapicEntry } from "./devices/ioapic";
import { sysctrlReset, setA20Gate } from "./devices/sysctrl";
import { dmaReset, dmaTransfer } from "./devices/dma8237";
import { rtcReset, rtcSetTime, rtcNvramWrite } from "./devices/rtc146818";
import { clockNow, clockAt, clockAdvance, clockSetRate, clockReset, instructionsUntil, NEVER } from "./bus/clock";
import { timersFire, timersReset, nextDeadline } from "./bus/timers";
import { pitReset, pitRead, pitWrite, pitOut, pitNextChange, pitSetGate } from "./devices/pit8254";
import { port61Reset, port61Read, port61Write } from "./devices/port61";
import { getEflags } from "./cpu/flags";
import { setEflagsRaw } from "./cpu/interrupts";
import { uartReset, uartReceive, uartRoom } from "./devices/uart16550";
import { picReset, picSetIrq, picRegisters } from "./devices/pic8259";
import { intrUpdate, intrPending, intrAcknowledge, setIsaIrq } from "./bus/intc";
import { blocksInit, invalidateCodeRange, flushBlockCache, epochBaseValue, setEpochBase } from "./translate/blocks";
import { tlbFlushAll, updateTlbMasks } from "./cpu/paging";
import { resetCpu } from "./cpu/reset";
// VGA display exports
import {
  displayRender as vgaDisplayRender, displayWidth as vgaDisplayWidth, displayHeight as vgaDisplayHeight,
  displayDirtyTop as vgaDisplayDirtyTop, displayDirtyBottom as vgaDisplayDirtyBottom, displayMode as vgaDisplayMode,
  screenText as vgaScreenText, TEXT_BUFFER as VGA_TEXT_BUFFER,
} from "./devices/vga_render";
import { PICTURE as VGA_PICTURE } from "./devices/vga";
import { setPageTypes, physRead8, physRead16, physRead32, physWrite8, physWrite16, physWrite32 } from "./bus/physmem";
import { PT_RAM } from "./layout";
import { updateBreakpoints } from "./cpu/debug";
import { runCpu } from "./translate/execute";
import { setStringFastPath } from "./cpu/ops/string_bulk";
import { updateMode, updateAllSegChecks, setSegment, setCpl } from "./cpu/segments";

export * from "./layout";

// ---- the JIT tier (jit/cache.ts): what the host and the compiled modules use ------------------------------------
export { jitInit, jitSetThreshold } from "./jit/cache";
export { stopBlock as jitStopBlock, faulted as jitFaulted } from "./cpu/fault";
export { codeEpoch as jitCodeEpoch, currentBlock as jitCurrentBlock } from "./translate/blocks";
export { codeBreakpoints as jitCodeBreakpoints } from "./cpu/debug";
import { testCC, getCF } from "./cpu/flags";
/** Condition `cc` on the current flags (compiled blocks call this when they cannot evaluate it inline). */
export function jitTestCC(cc: u32): u32 { return testCC(cc) ? 1 : 0; }
/** At most `n` instructions per cached block (1..64; 0 = 64): tests of single instructions use 1, so that every
 *  instruction runs as a whole (compiled) block. Drops the cache. */
export function setBlockLimit(n: u32): void { store<u32>(BLOCK_INSN_LIMIT, n); flushBlockCache(); }
/** CF of the current flags (compiled INC/DEC keep it). */
export function jitGetCF(): u32 { return getCF(); }
/** The x87 arithmetic and compares compiled code calls (cpu/fpu/fast.ts). */
export { x87Arith as jitX87Arith, x87Compare as jitX87Compare } from "./cpu/fpu/fast";

/** Errors init() can report. */
export const INIT_OK: i32 = 0;
export const INIT_STATIC_DATA_TOO_BIG: i32 = 1;
export const INIT_MEMORY_TOO_SMALL: i32 = 2;
export const INIT_BAD_RAM_SIZE: i32 = 3;

/** Set up an empty machine with `ramSize` bytes of RAM (multiple of 4 KiB). The memory must hold RAM + ramSize. */
export function init(ramSize: u32): i32 {
  if (<u32>__heap_base > STATE_BASE) return INIT_STATIC_DATA_TOO_BIG;
  if (ramSize == 0 || (ramSize & 0xFFF) != 0 || ramSize > 0x7FF00000) return INIT_BAD_RAM_SIZE;
  if (<u64>memory.size() * 65536 < <u64>RAM + <u64>ramSize) return INIT_MEMORY_TOO_SMALL;
  memory.fill(STATE_BASE, 0, RAM - STATE_BASE); // state, tables, ROM, VRAM
  memory.fill(RAM, 0, ramSize);
  decoderInit();
  physmemInit(ramSize);
  portsInit();
  blocksInit();
  clockReset();
  rtcReset();
  claimPorts(0x70, 2, DEV_RTC);
  diskReset();
  platformReset();
  resetCpu();
  return INIT_OK;
}

/**
 * The PC's reset signal (power-on, and every reset the guest causes: keyboard controller, port 92h/CF9h,
 * triple fault): the processor and every device go back to their reset state and claim their ports again.
 * What survives, as on a real PC: RAM, the RTC's time and CMOS (battery-backed), the virtual clock, the host's
 * disks with their media, the fw_cfg items and the installed firmware.
 */
function platformReset(): void {
  store<u32>(A20_MASK, 0xFFFFFFFF);
  picReset();
  uartReset(0);
  uartReset(1);
  claimPorts(0x3F8, 8, DEV_COM1);
  claimPorts(0x2F8, 8, DEV_COM2);
  claimPorts(0x20, 2, DEV_PIC);
  claimPorts(0xA0, 2, DEV_PIC);
  claimPorts(0x4D0, 2, DEV_PIC);
  timersReset();
  pitReset();
  port61Reset();
  claimPorts(0x40, 4, DEV_PIT);
  claimPorts(0x61, 1, DEV_PORT61);
  dmaReset();
  claimPorts(0x00, 16, DEV_DMA);
  claimPorts(0xC0, 32, DEV_DMA);
  claimPorts(0x81, 15, DEV_DMA);
  sysctrlReset();
  claimPorts(0x92, 1, DEV_SYSCTRL);
  claimPorts(0xCF8, 8, DEV_PCI); // CF9h bytes reach sysctrl through the PCI port handler
  // PCI functions register in slot order: 00.0 host bridge, 01.0 ISA bridge, 01.1 IDE, 01.3 PM, 02.0 VGA
  pciReset();
  i440fxReset();
  piix3Reset();
  ideReset();
  pmReset();
  vgaReset();
  i8042Reset();
  claimPorts(0x60, 1, DEV_I8042);
  claimPorts(0x64, 1, DEV_I8042);
  fdcReset();
  claimPorts(0x3F0, 6, DEV_FDC);
  claimPorts(0x3F7, 1, DEV_FDC);
  fwcfgReset();
  claimPorts(0x510, 2, DEV_FWCFG);
  claimPorts(0x514, 8, DEV_FWCFG);
  lapicReset();
  ioapicReset();
  resetCpu();
}

/**
 * Run up to `budget` instructions; returns an EXIT_* reason. The processor runs in slices that end at the next
 * timer deadline on the virtual clock, where the due timers fire (DESIGN.md 1.3). EXIT_HLT means the guest
 * waits for an interrupt: the host then advances the clock (nextEventNs says how far the next timer is).
 */
export function run(budget: u32): i32 {
  let left: u64 = <u64>budget;
  while (true) {
    timersFire(clockNow());
    let slice = left;
    const until = instructionsUntil(nextDeadline());
    if (until < slice) slice = until == 0 ? 1 : until;
    const before = load<u64>(ICOUNT);
    store<u64>(SLICE_END_NS, clockAt(before + slice));
    const r = runCpu(<u32>slice);
    store<u64>(SLICE_END_NS, 0); // outside run() nothing needs cutting short
    const ran = load<u64>(ICOUNT) - before;
    left = ran >= left ? 0 : left - ran;
    if (r == EXIT_RESLICE) { if (left > 0) continue; timersFire(clockNow()); return EXIT_BUDGET; }
    if (r == EXIT_RESET || r == EXIT_TRIPLE_FAULT) platformReset(); // the processor was reset: so is the board
    if (r != EXIT_BUDGET || left == 0) {
      timersFire(clockNow());
      // a timer that came due inside this slice (armed after the slice was sized, so the slice did not stop at
      // it) fires here, at the HLT; its interrupt ends the halt at once. EXIT_HLT would make the host skip ahead
      // to the next event, or give up with none armed, as a one-shot LAPIC timer that just fired leaves it
      // (Linux's idle loop hung so while ata_piix probed the IDE drives)
      if (r == EXIT_HLT && intrPending()) { if (left > 0) continue; return EXIT_BUDGET; }
      return r;
    }
  }
}

/** A device-side DMA transfer on channel `ch` between guest memory and `len` bytes at linear address `buf`
 *  (device tests; the floppy controller will call dmaTransfer itself). Returns the bytes moved. */
export function testDmaTransfer(ch: u32, buf: u32, len: u32): u32 { return dmaTransfer(ch, buf, len); }

/** The host's time of day for the RTC: seconds since 1970 (UTC or local, as the guest expects) at this moment. */
export function setTimeOfDay(unixSeconds: u64): void { rtcSetTime(unixSeconds, clockNow()); }
/** CMOS RAM byte `index` (14-127), as the platform fills it for the firmware. */
export function setCmos(index: u32, v: u32): void { rtcNvramWrite(index, v); }

/** Virtual time in nanoseconds (bus/clock.ts). */
export function clockNowNs(): u64 { return clockNow(); }
/** Add `ns` to virtual time: the host's time sync, or the skip to the next event while the guest halts. */
export function clockAdvanceNs(ns: u64): void { clockAdvance(ns); timersFire(clockNow()); }
/** Nanoseconds until the next timer event (all ones when none is armed). */
export function nextEventNs(): u64 {
  const d = nextDeadline(), now = clockNow();
  return d == NEVER ? NEVER : d <= now ? 0 : d - now;
}
/** Nominal nanoseconds per instruction, 16.16 fixed point (default 10 ns: a 100 MIPS processor). */
export function setClockRate(nsPerInsnQ16: u32): void { clockSetRate(nsPerInsnQ16); }

/** Reset the processor (a hard reset of the PC: RAM keeps its contents). */
export function reset(): void { resetCpu(); }

/** The PC's reset button: the board's reset line (every device and the processor; RAM, CMOS and the disks stay),
 *  as when the guest resets through the keyboard controller or CF9h. */
export function resetButton(): void {
  platformReset();
  tlbFlushAll();
  flushBlockCache();
}

/** Make the host ask for an exit at the next instruction boundary (e.g. pause button). */
export function requestHostExit(): void { store<i32>(EXIT_REQUEST, EXIT_HOST_REQUEST); }

/** Map `size` bytes already written to ROM + romOffset at physical `phys`. */
export function romMap(phys: u32, size: u32, romOffset: u32): bool {
  const ok = mapRom(phys, size, romOffset);
  tlbFlushAll();
  flushBlockCache();
  return ok;
}

/** The host wrote guest RAM [phys, phys+len) directly (image loading): drop translated code there. */
export function ramWritten(phys: u32, len: u32): void { invalidateCodeRange(RAM + phys, len); }

/** DMA-style copy into guest RAM from a host scratch address (with code invalidation). */
export function dmaToRam(phys: u32, src: u32, len: u32): bool { return dmaWrite(phys, src, len); }

/** Interrupt test source (besides the PICs): request INTR with `vector`, or drop it (vector < 0). */
export function setIntr(vector: i32): void {
  store<u32>(INTR_TEST, vector >= 0 ? 1 : 0);
  store<u32>(INTR_VECTOR, <u32>vector & 0xFF);
  intrUpdate();
}

/** Set the level of ISA interrupt line `irq` (0-15) at the 8259 PICs and the I/O APIC (tests, host-side devices). */
export function setIrq(irq: u32, high: bool): void { setIsaIrq(irq, high); }

/** A byte from the host arriving on serial port `n` (0 = COM1, 1 = COM2); false if the guest's buffer was full. */
export function serialInput(n: u32, b: u32): bool { return n < 2 ? uartReceive(n, b) : false; }

/** How many bytes serial port `n` can receive now without an overrun (the host's flow control). */
export function serialRoom(n: u32): u32 { return n < 2 ? uartRoom(n) : 0; }

/** The INTR line and the acknowledge cycle, as the CPU sees them (device tests). */
export function intrLine(): bool { return intrPending(); }
export function intrAck(): i32 { return intrAcknowledge(); }

/** Port I/O as the CPU's IN/OUT would do it (device tests, the debugger). */
export function ioRead(port: u32, size: u32): u32 { return portRead(port & 0xFFFF, size); }
export function ioWrite(port: u32, v: u32, size: u32): void { portWrite(port & 0xFFFF, v, size); }

/** PIC registers for tests and the debugger: IRR | ISR << 8 | IMR << 16 | priority << 24 (slave: 1). */
export function picState(slave: bool): u32 { return picRegisters(slave); }

export function raiseNmi(): void { store<u32>(NMI_PENDING, 1); }

/** Kernel-runner devices: debug console on `debugPort`, POST codes, isa-debug-exit on `exitPort` (0 = none). */
export function attachTestDevices(debugPort: u32, exitPort: u32, postPorts: bool): void {
  if (debugPort != 0) claimPorts(debugPort, 1, DEV_DEBUGCON);
  if (exitPort != 0) claimPorts(exitPort, 1, DEV_DEBUGEXIT);
  if (postPorts) { claimPorts(0x80, 1, DEV_POSTCODE); claimPorts(0x190, 1, DEV_POSTCODE); }
}

/** Turn instruction tracing (TRACE_RING) on or off. */
export function setTrace(on: bool): void {
  store<u32>(TRACE_ENABLED, on ? 1 : 0);
  store<u32>(TRACE_POS, 0);
}

/** Let REP MOVS/STOS/LODS copy whole runs at once (default), or force them element by element with the full
 *  checks (the reference the string tests compare with). */
export function stringFastPathEnable(on: bool): void { setStringFastPath(on); }

/** Recompute derived state after the host wrote registers directly (tests, snapshot restore). */
export function stateChanged(): void {
  updateBreakpoints();
  updateMode();
  updateAllSegChecks();
  updateTlbMasks();
  tlbFlushAll();
}

/** Flush the TLB and all translated code (after the host changed memory or tables wholesale). */
export function flushCaches(): void {
  tlbFlushAll();
  flushBlockCache();
}

export const CHANNEL_COUNT: u32 = CHANNELS;
export const IO_BUFFER_BASE: u32 = IO_BUFFERS;
export const OUTPUT_ENTRIES_MAX: u32 = OUTPUT_MAX;
export const ROM_BASE: u32 = ROM;
export const ROM_BYTES: u32 = ROM_SIZE;

/** EFLAGS with the lazy arithmetic flags materialised. */
export function getEflagsExport(): u32 { return getEflags(); }
/** Write EFLAGS from the host (tests, debugger); recomputes the mode if VM changed. */
export function setEflagsExport(v: u32): void { setEflagsRaw(v); }
/** Detach ports from any device (they then read all ones). */
export function releasePorts(first: u32, count: u32): void { claimPorts(first, count, DEV_NONE); }

/** Load a segment register's selector and hidden descriptor cache directly (loaders, tests, debugger).
 *  `access` is the descriptor's high dword bits 8-23 shifted down by 8 (type, S, DPL, P, AVL, D/B, G). */
export function setSegmentCache(seg: i32, sel: u32, base: u32, limit: u32, access: u32): void {
  setSegment(seg, sel, base, limit, access, (sel & 0xFFFC) != 0 || (load<u32>(CR0) & 1) == 0 || seg == 1);
}

/** Write a control register from the host (no privilege checks): 0, 2, 3 or 4. */
export function setControlRegister(cr: u32, v: u32): void {
  if (cr == 0) { store<u32>(CR0, v | 0x10); setCpl(load<u32>(CR0) & 1 ? (segSelOf(1) & 3) : 0); updateMode(); updateAllSegChecks(); }
  else if (cr == 2) store<u32>(CR2, v);
  else if (cr == 3) store<u32>(CR3, v);
  else if (cr == 4) { store<u32>(CR4, v); updateBreakpoints(); }
  tlbFlushAll();
}

/** Set the current privilege level (normally follows CS.RPL in protected mode). */
export function setCplExport(c: u32): void { setCpl(c & 3); }

function segSelOf(seg: i32): u32 { return load<u32>(SEG_SEL + (<u32>seg << 2)); }

/** Open or close the A20 gate (port 92h and the keyboard controller will call this on the platform). */
export function setA20(enabled: bool): void { setA20Gate(enabled); }

// ---- device test entry points: drive a device directly at a chosen virtual time (ns), QEMU style ----------
export function testPitReset(): void { pitReset(); port61Reset(); }
/** The code epoch's base (translate/blocks.ts), to test its wrap. */
export function testEpochBase(): u32 { return epochBaseValue(); }
export function testSetEpochBase(v: u32): void { setEpochBase(v); }
export function testPitRead(port: u32, now: u64): u32 { return port == 0x61 ? port61Read(now) : pitRead(port, now); }
export function testPitWrite(port: u32, v: u32, now: u64): void {
  if (port == 0x61) port61Write(v, now); else pitWrite(port, v, now);
}
export function testPitOut(ch: u32, now: u64): bool { return pitOut(ch, now); }
export function testPitNextChange(ch: u32, now: u64): u64 { return pitNextChange(ch, now); }
export function testPitSetGate(ch: u32, level: bool, now: u64): void { pitSetGate(ch, level, now); }

// ---- disks (bus/disk.ts): the host attaches drives and answers their requests ------------------------------
/** Attach drive `drive` (0 fda, 1 fdb, 2 hda, 3 hdb, 4 hdc, 5 hdd) of `kind` (0 none, 1 floppy, 2 hard disk,
 *  3 CD-ROM) with media of `sectors` sectors (0: empty drive). */
export function diskAttachExport(drive: u32, kind: u32, sectors: u64, sectorSize: u32, readOnly: bool): bool {
  return diskAttach(drive, <u8>kind, sectors, sectorSize, readOnly);
}
/** Take the media out of a drive (CD eject, floppy change). */
export function diskEjectExport(drive: u32): void { diskEject(drive); }
/** Drives waiting for the host: bit d set for drive d. */
export function diskPending(): u32 { return diskPendingMask(); }
/** The drive's data buffer (linear address). */
export function diskBufferAddress(drive: u32): u32 { return diskBuffer(drive); }
/** The host answers drive `drive`'s request: result 0 = done, 1 = I/O error. */
export function diskComplete(drive: u32, result: u32): bool {
  if (!diskFinish(drive, <u8>result)) return false;
  if (drive == DRIVE_FDA || drive == DRIVE_FDB) fdcDiskDone(drive, <u8>result); else ideDiskDone(drive, <u8>result);
  return true;
}

// ---- firmware and fw_cfg (devices/i440fx.ts, devices/fwcfg.ts) ---------------------------------------------
/** The host wrote the BIOS image (`size` bytes, 64 KiB multiple up to 1 MiB... at most ROM_SIZE) at the start of
 *  the ROM area: map it below 4 GiB and its last 128 KiB at 0xE0000 (the ISA BIOS window), and let the
 *  i440FX's PAM registers decide 0xC0000-0xFFFFF from now on. False if the size is not usable. */
export function biosInstall(size: u32): bool {
  if (size < 0x10000 || size > ROM_SIZE || (size & 0xFFFF) != 0) return false;
  if (!mapRom(<u32>(0x1_0000_0000 - <u64>size), size, 0)) return false;
  const low: u32 = size < 0x20000 ? size : 0x20000;
  if (!mapRom(0x100000 - low, low, size - low)) return false;
  i440fxFirmwareInstalled();
  tlbFlushAll();
  flushBlockCache();
  return true;
}
/** Register fw_cfg item `key` with `size` bytes at linear address `addr` (host memory after guest RAM). */
export function fwcfgItem(key: u32, addr: u32, size: u32): bool { return fwcfgSetItem(key, addr, size); }
export function fwcfgClearItems(): void { fwcfgClear(); }
/** The ACPI power button (a clean shutdown request to an ACPI guest). */
export function powerButton(): void { pmPowerButton(); }
/** Drive the INTx pin of PCI function `devfn` (device tests; devices call pciSetIntx themselves). */
export function pciIntx(devfn: u32, level: bool): bool {
  const cfg = pciFind(devfn);
  if (cfg == 0) return false;
  pciSetIntx(cfg, level);
  return true;
}
// ---- 8042 keyboard controller, PS/2 keyboard and mouse (devices/i8042.ts) ----------------------------------
import {
  i8042KeyboardByte, i8042MouseInput, i8042KeyboardLeds, i8042MouseStreaming, i8042Dump,
} from "./devices/i8042";
/** A set-2 scan code byte from the host keyboard (make on press, F0-prefixed break on release; the keyboard
 *  repeats held keys itself). web/machine/keyboard.ts has the bytes of every key. */
export function keyboardScancode(b: u32): void { i8042KeyboardByte(b); }
/** Relative mouse movement (dy > 0 = up), wheel (dz > 0 = towards the user) and buttons (bit 0 left, 1 right,
 *  2 middle) from the host. */
export function mouseInput(dx: i32, dy: i32, dz: i32, buttons: u32): void { i8042MouseInput(dx, dy, dz, buttons); }
/** The keyboard LEDs the guest set: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock. */
export function keyboardLeds(): u32 { return i8042KeyboardLeds(); }
/** True while the guest's mouse driver has the mouse reporting in stream mode (the host may capture the pointer). */
export function mouseStreaming(): bool { return i8042MouseStreaming(); }
/** Debugger: output buffer | OBF << 8 | AUXB << 9 | command byte << 16 | output port << 24. */
export function i8042State(): u32 { return i8042Dump(); }
// ---- local APIC and I/O APIC (devices/lapic.ts, devices/ioapic.ts) -----------------------------------------
/** A 32-bit access to physical address `phys` as the processor's bus does it (RAM, ROM, MMIO: APIC tests). */
export function mmioRead32(phys: u32): u32 { return physRead32(phys); }
export function mmioWrite32(phys: u32, v: u32): void { physWrite32(phys, v); }
/** I/O APIC redirection entry `pin` as a u64 (tests, debugger). */
export function ioapicEntryExport(pin: u32): u64 { return ioapicEntry(pin); }
/** The local APIC's highest in-service vector (-1: none). */
export function lapicInService(): i32 { return lapicHighestIsr(); }
// ---- floppy disk controller (devices/fdc.ts) -------------------------------------------------------------------
/** CMOS byte 10h nibble for floppy drive 0/1 (0 none, 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M), chosen to fit
 *  the media attached; and the media geometry (tracks | heads << 8 | sectors per track << 16 | rate << 24). */
export { fdcDriveType, fdcGeometry } from "./devices/fdc";
// ---- VGA (devices/vga.ts, vga_render.ts): the display for the host, and test helpers ---------------------------
/** Bring the RGBA picture up to date at the current virtual time; nonzero if any line changed since the last call
 *  (the changed lines are displayDirtyTop()..displayDirtyBottom(), -1 when none). */
export function displayRender(): u32 { return vgaDisplayRender(); }
export function displayWidth(): u32 { return vgaDisplayWidth(); }
export function displayHeight(): u32 { return vgaDisplayHeight(); }
/** Linear address of the RGBA picture (row stride = width * 4). */
export function displayBuffer(): u32 { return VGA_PICTURE; }
export function displayDirtyTop(): i32 { return vgaDisplayDirtyTop(); }
export function displayDirtyBottom(): i32 { return vgaDisplayDirtyBottom(); }
/** 0 off/blank, 1 text, 2 graphics (as of the last displayRender). */
export function displayMode(): u32 { return vgaDisplayMode(); }
/** Write the visible text screen as CP437 bytes to screenTextBuffer(); rows << 16 | columns, 0 if not text. */
export function screenText(): u32 { return vgaScreenText(); }
export function screenTextBuffer(): u32 { return VGA_TEXT_BUFFER; }
/** Give [phys, phys+size) back to RAM (test rigs that want the whole first MiB as RAM, e.g. SingleStepTests). */
export function releaseMemory(phys: u32, size: u32): void { setPageTypes(phys, size, PT_RAM); tlbFlushAll(); }
/** A physical memory access through the bus (RAM, ROM, MMIO devices), for device tests. */
export function busRead(phys: u32, size: u32): u32 {
  return size == 4 ? physRead32(phys) : size == 2 ? physRead16(phys) : physRead8(phys);
}
export function busWrite(phys: u32, v: u32, size: u32): void {
  if (size == 4) physWrite32(phys, v); else if (size == 2) physWrite16(phys, v); else physWrite8(phys, v);
}
