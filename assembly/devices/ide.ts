// The PIIX3 IDE function (PCI 00:01.1, 8086:7010) in legacy mode: two channels (primary 1F0h-1F7h/3F6h on
// IRQ 14, secondary 170h-177h/376h on IRQ 15), two drives each (bus/disk.ts DRIVE_HDA..DRIVE_HDD), and the
// bus-master DMA block at BAR 4 (SFF-8038i, PIIX3 datasheet 2.6). This file is the controller: the task file
// registers and their read/write rules (ATA/ATAPI-6 section 7), drive selection, software reset and signatures
// (section 9), the PIO data port, the interrupt lines, the command latency on the virtual clock, the PCI header
// and the bus-master engine with its PRD tables. ATA commands are in ata.ts, ATAPI packet commands in atapi.ts.
//
// State at DEV_IDE (1 KiB):
//   channel c at DEV_IDE + c * 0x40:
//     +0 u8 ctrl (Device Control as written: nIEN, SRST, HOB)  +1 u8 INTRQ pending  +2 u8 IRQ level driven
//     +3 u8 timer action (ACT_*)  +4 u8 unit of the action  +5 u8 BM command  +6 u8 BM status  +7 u8 selected unit
//     +8 u32 PRD table pointer  +12 u32 current PRD entry  +16 u32 bytes used of that entry  +20 u8 EOT entry done
//   global at DEV_IDE + 0x80: +0 u32 bus-master I/O base claimed (0: none)
//   drive i (0-3 = DRIVE_HDA + i) at DEV_IDE + 0x100 + i * 0x80 (offsets T_* below)
import { DEV_IDE, RAM, MEM_SIZE } from "../layout";
import { claimPorts, DEV_IDE as PORTS_IDE, DEV_NONE } from "../bus/ports";
import { pciAddFunction, pciSetHeader, pciSetMask, pciSetBar, pciBarAddress, PCI_OWNER_IDE, BAR_IO } from "../bus/pci";
import { setIsaIrq } from "../bus/intc";
import { clockNow, NEVER } from "../bus/clock";
import { timerSet, TIMER_IDE0 } from "../bus/timers";
import { diskKind, diskBuffer, diskBusy, DISK_HD, DISK_CDROM, DRIVE_HDA } from "../bus/disk";
import { dmaWrite } from "../bus/physmem";
import { ataCommand, ataBlockDone, ataDiskDone, ataDmaStep, ataTimerBlock } from "./ata";
import { atapiCommand, atapiBlockDone, atapiDiskDone, atapiDmaStep, atapiTimerBlock, atapiPacket } from "./atapi";

// Status register (ATA/ATAPI-6 7.15.6)
export const ST_BSY: u8 = 0x80, ST_DRDY: u8 = 0x40, ST_DF: u8 = 0x20, ST_DSC: u8 = 0x10, ST_DRQ: u8 = 0x08, ST_ERR: u8 = 0x01;
// Error register (7.11.6)
export const ER_UNC: u8 = 0x40, ER_IDNF: u8 = 0x10, ER_ABRT: u8 = 0x04;

// Drive slot offsets
export const T_FEATURE: u32 = 0, T_NSECT: u32 = 2, T_LBAL: u32 = 4, T_LBAM: u32 = 6, T_LBAH: u32 = 8; // +1: HOB copy
export const T_DEVICE: u32 = 10, T_STATUS: u32 = 11, T_ERROR: u32 = 12, T_CMD: u32 = 13, T_FLAGS: u32 = 14;
export const T_MULT: u32 = 15; // sectors per DRQ block of READ/WRITE MULTIPLE (0: disabled)
export const T_HEADS: u32 = 16, T_SPT: u32 = 18; // u16 current CHS translation (INITIALIZE DEVICE PARAMETERS)
export const T_PHASE: u32 = 20, T_XFER: u32 = 21; // u8 PH_*, u8 transfer mode set by SET FEATURES 03h
export const T_SENSE: u32 = 22, T_ASC: u32 = 23, T_ASCQ: u32 = 24, T_CDFLAGS: u32 = 25; // ATAPI sense, CD_* flags
export const T_KIND: u32 = 26, T_DMA: u32 = 27; // u8 what the transfer is (K_*), u8 1 = DMA transfer
export const T_LBA: u32 = 32; // u64 next sector for the host disk (ATAPI: 2048-byte blocks)
export const T_LEFT: u32 = 40; // u32 sectors not yet read from / written to the disk
export const T_POS: u32 = 44, T_END: u32 = 48, T_BLOCK_END: u32 = 52; // u32 byte offsets in diskBuffer(drive)
export const T_BLOCK: u32 = 56; // u32 bytes per DRQ block (ATA) / byte count limit (ATAPI)
export const T_CHUNK: u32 = 60; // u32 sectors of the disk request in flight / being filled
export const T_PACKET: u32 = 64; // 12 bytes: the ATAPI command packet
export const T_WAITING: u32 = 76, T_LBA48: u32 = 77, T_USE_LBA: u32 = 78; // u8 each

export const F_INIT: u8 = 1; // power-on signature applied
export const F_STALE: u8 = 2; // reset while a host request was in flight: BSY until the host answers

export const PH_IDLE: u8 = 0, PH_PIO_IN: u8 = 1, PH_PIO_OUT: u8 = 2, PH_PACKET: u8 = 3, PH_DMA: u8 = 4;

const C_CTRL: u32 = 0, C_PENDING: u32 = 1, C_LEVEL: u32 = 2, C_ACTION: u32 = 3, C_ACT_UNIT: u32 = 4, C_BMCMD: u32 = 5;
const C_BMSTATUS: u32 = 6, C_SELECTED: u32 = 7, C_PRD: u32 = 8, C_PRD_CUR: u32 = 12, C_PRD_OFF: u32 = 16, C_PRD_EOT: u32 = 20;
const G_BM_BASE: u32 = 0x80;

const CTRL_NIEN: u8 = 2, CTRL_SRST: u8 = 4, CTRL_HOB: u8 = 0x80;
const BM_START: u8 = 1, BM_TO_MEMORY: u8 = 8;
const BMS_ACTIVE: u8 = 1, BMS_ERROR: u8 = 2, BMS_IRQ: u8 = 4;

export const ACT_NONE: u8 = 0, ACT_EXEC: u8 = 1, ACT_RESET_DONE: u8 = 2, ACT_NEXT_BLOCK: u8 = 3, ACT_PACKET: u8 = 4;

// Latencies on the virtual clock (drives take microseconds to decode a command; the exact values are ours)
export const CMD_NS: u64 = 20_000; // command written -> executed (BSY meanwhile)
export const BLOCK_NS: u64 = 2_000; // PIO block consumed -> next block ready (DRQ + interrupt)
const RESET_NS: u64 = 100_000; // SRST released -> drives ready with their signatures

const IDE_DEVFN: u32 = (1 << 3) | 1;

// ---- state helpers -----------------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function chan(c: u32): u32 { return DEV_IDE + c * 0x40; }
// @ts-ignore: decorator
@inline export function drv(d: u32): u32 { return DEV_IDE + 0x100 + d * 0x80; }
// @ts-ignore: decorator
@inline export function channelOf(d: u32): u32 { return d >> 1; }
export function diskOf(d: u32): u32 { return DRIVE_HDA + d; }
export function bufferOf(d: u32): u32 { return diskBuffer(DRIVE_HDA + d); }
export function present(d: u32): bool { const k = diskKind(DRIVE_HDA + d); return k == DISK_HD || k == DISK_CDROM; }
export function isAtapi(d: u32): bool { return diskKind(DRIVE_HDA + d) == DISK_CDROM; }
export function tf(d: u32, off: u32): u32 { return load<u8>(drv(d) + off); }
export function setTf(d: u32, off: u32, v: u32): void { store<u8>(drv(d) + off, <u8>v); }
export function tfHob(d: u32, off: u32): u32 { return load<u8>(drv(d) + off + 1); }
export function setStatus(d: u32, s: u8): void { store<u8>(drv(d) + T_STATUS, s); }
export function status(d: u32): u8 { return load<u8>(drv(d) + T_STATUS); }
export function setPhase(d: u32, p: u8): void { store<u8>(drv(d) + T_PHASE, p); }
export function phase(d: u32): u8 { return load<u8>(drv(d) + T_PHASE); }
function selectedDrive(c: u32): u32 { return c * 2 + load<u8>(chan(c) + C_SELECTED); }

/** Registers as after a reset: the signature that tells ATA from ATAPI devices (ATA/ATAPI-6 9.12). */
export function setSignature(d: u32): void {
  const s = drv(d);
  for (let i: u32 = 0; i < 10; i++) store<u8>(s + i, 0);
  store<u8>(s + T_NSECT, 1);
  store<u8>(s + T_LBAL, 1);
  if (isAtapi(d)) { store<u8>(s + T_LBAM, 0x14); store<u8>(s + T_LBAH, 0xEB); }
  store<u8>(s + T_DEVICE, 0);
  store<u8>(s + T_ERROR, 1); // diagnostic passed
}

function resetDrive(d: u32): void {
  const s = drv(d);
  setSignature(d);
  setStatus(d, isAtapi(d) ? 0 : ST_DRDY | ST_DSC); // ATAPI: DRDY stays 0 after reset (9.1)
  setPhase(d, PH_IDLE);
  store<u8>(s + T_WAITING, 0);
  if (diskBusy(DRIVE_HDA + d)) { // the host still owes an answer: the drive stays busy until then
    store<u8>(s + T_FLAGS, load<u8>(s + T_FLAGS) | F_STALE);
    setStatus(d, ST_BSY);
  }
}

/** The drive's power-on state, applied when the guest first looks (the host attaches drives after init). */
function powerOn(c: u32): void {
  for (let u: u32 = 0; u < 2; u++) {
    const d = c * 2 + u, s = drv(d);
    if ((load<u8>(s + T_FLAGS) & F_INIT) != 0) continue;
    store<u8>(s + T_FLAGS, F_INIT);
    store<u8>(s + T_MULT, 0);
    store<u16>(s + T_HEADS, 16);
    store<u16>(s + T_SPT, 63);
    store<u8>(s + T_XFER, 0);
    resetDrive(d);
  }
}

export function ideReset(): void {
  memory.fill(DEV_IDE, 0, 0x400);
  const cfg = pciAddFunction(IDE_DEVFN, PCI_OWNER_IDE);
  if (cfg != 0) {
    // PIIX3 datasheet 2.6 (PCI configuration, function 1): class 01h/01h, programming interface 80h = bus-master
    // capable, both channels in compatibility (legacy) mode; status 0280h (fast back-to-back, medium DEVSEL)
    pciSetHeader(cfg, 0x8086, 0x7010, 0x010180, 0x00, 0x00);
    store<u16>(cfg + 0x06, 0x0280);
    pciSetMask(cfg, 0x0D, 1, 0xF0); // master latency timer (MLT)
    pciSetBar(cfg, 4, 16, BAR_IO); // BMIBA: bus-master interface base address
    pciSetMask(cfg, 0x40, 2, 0xF3FF); // IDETIM primary (bit 15: IDE decode enable)
    pciSetMask(cfg, 0x42, 2, 0xF3FF); // IDETIM secondary
    pciSetMask(cfg, 0x44, 1, 0xFF); // SIDETIM
    store<u8>(cfg + 0x100 + 0x3C, 0xFF); // interrupt line: scratch
  }
  claimPorts(0x1F0, 8, PORTS_IDE);
  claimPorts(0x3F6, 1, PORTS_IDE);
  claimPorts(0x170, 8, PORTS_IDE);
  claimPorts(0x376, 1, PORTS_IDE);
  timerSet(TIMER_IDE0, NEVER);
  timerSet(TIMER_IDE0 + 1, NEVER);
}

/** BAR 4 or the command register changed: move the bus-master block's ports. */
export function ideConfigWritten(cfg: u32, off: u32, size: u32): void {
  const at = pciBarAddress(cfg, 4);
  const base: u32 = at == 0xFFFFFFFF ? 0 : at & 0xFFF0;
  const old = load<u32>(DEV_IDE + G_BM_BASE);
  if (base == old) return;
  if (old != 0) claimPorts(old, 16, DEV_NONE);
  if (base != 0) claimPorts(base, 16, PORTS_IDE);
  store<u32>(DEV_IDE + G_BM_BASE, base);
}

// ---- interrupts ------------------------------------------------------------------------------------------
function updateIrq(c: u32): void {
  const ch = chan(c);
  const level: u8 = load<u8>(ch + C_PENDING) != 0 && (load<u8>(ch + C_CTRL) & CTRL_NIEN) == 0 ? 1 : 0;
  if (level == load<u8>(ch + C_LEVEL)) return;
  store<u8>(ch + C_LEVEL, level);
  // the bus-master Interrupt bit latches the rising edge of the channel's interrupt line (SFF-8038i BMISX bit 2);
  // with nIEN set the drive does not drive the line, so the bit stays clear
  if (level != 0) store<u8>(ch + C_BMSTATUS, load<u8>(ch + C_BMSTATUS) | BMS_IRQ);
  setIsaIrq(14 + c, level != 0); // legacy mode: primary IRQ 14, secondary IRQ 15 (PIIX3 2.6)
}

/** The drive asserts INTRQ. */
export function raiseIrq(d: u32): void {
  const ch = chan(channelOf(d));
  store<u8>(ch + C_PENDING, 1); // a line still asserted stays so: no new edge (the host has not read Status)
  updateIrq(channelOf(d));
}

function clearIrq(c: u32): void { store<u8>(chan(c) + C_PENDING, 0); updateIrq(c); }

/** Run `action` for drive d after `delay` ns of virtual time (the drive is BSY meanwhile). */
export function schedule(d: u32, action: u8, delay: u64): void {
  const c = channelOf(d);
  store<u8>(chan(c) + C_ACTION, action);
  store<u8>(chan(c) + C_ACT_UNIT, <u8>(d & 1));
  timerSet(TIMER_IDE0 + c, clockNow() + delay);
}

export function ideTimer(channel: u32, now: u64): void {
  const ch = chan(channel);
  const action = load<u8>(ch + C_ACTION);
  const d = channel * 2 + load<u8>(ch + C_ACT_UNIT);
  store<u8>(ch + C_ACTION, ACT_NONE);
  switch (action) {
    case ACT_EXEC: if (isAtapi(d)) atapiCommand(d); else ataCommand(d); break;
    case ACT_NEXT_BLOCK: if (isAtapi(d)) atapiTimerBlock(d); else ataTimerBlock(d); break;
    case ACT_PACKET: atapiPacket(d); break;
    case ACT_RESET_DONE:
      for (let u: u32 = 0; u < 2; u++) if (present(channel * 2 + u)) resetDrive(channel * 2 + u);
      store<u8>(ch + C_SELECTED, 0);
      break;
    default: break;
  }
}

/** The host answered drive `drive`'s request (machine.ts diskComplete). */
export function ideDiskDone(drive: u32, result: u8): void {
  if (drive < DRIVE_HDA || drive > DRIVE_HDA + 3) return;
  const d = drive - DRIVE_HDA, s = drv(d);
  const flags = load<u8>(s + T_FLAGS);
  if ((flags & F_STALE) != 0) { // the answer to a request from before a reset: the reset completes now
    store<u8>(s + T_FLAGS, flags & ~F_STALE);
    store<u8>(s + T_WAITING, 0);
    setStatus(d, isAtapi(d) ? 0 : ST_DRDY | ST_DSC);
    return;
  }
  if (load<u8>(s + T_WAITING) == 0) return;
  store<u8>(s + T_WAITING, 0);
  if (isAtapi(d)) atapiDiskDone(d, result); else ataDiskDone(d, result);
}

// ---- bus-master DMA (SFF-8038i) ------------------------------------------------------------------------------
export function bmStarted(d: u32): bool { return (load<u8>(chan(channelOf(d)) + C_BMCMD) & BM_START) != 0; }

/**
 * Move `len` bytes between the drive's buffer at `buf` and guest memory along the channel's PRD table (each
 * entry: u32 physical base, u16 byte count (0 = 64 KiB), bit 31 of the second dword = end of table). Returns
 * the bytes moved: fewer than `len` when the table ends first. RAM writes go through dmaWrite (translated code
 * is dropped); addresses outside RAM read as all ones and ignore writes.
 */
export function dmaMove(d: u32, buf: u32, len: u32, toMemory: bool): u32 {
  const ch = chan(channelOf(d));
  let moved: u32 = 0;
  const memSize = load<u32>(MEM_SIZE);
  while (moved < len && load<u8>(ch + C_PRD_EOT) == 0) {
    const entry = load<u32>(ch + C_PRD_CUR);
    if (entry >= memSize || memSize - entry < 8) { store<u8>(ch + C_PRD_EOT, 1); break; }
    const base = load<u32>(RAM + entry) & 0xFFFFFFFE;
    const flags = load<u32>(RAM + entry + 4);
    let count = flags & 0xFFFE; // bit 0 of the count is zero (SFF-8038i 1.2)
    if (count == 0) count = 0x10000;
    const off = load<u32>(ch + C_PRD_OFF);
    let n = count - off;
    if (n > len - moved) n = len - moved;
    const phys = base + off;
    if (toMemory) dmaWrite(phys, buf + moved, n);
    else if (phys < memSize && n <= memSize - phys) memory.copy(buf + moved, RAM + phys, n);
    else memory.fill(buf + moved, 0xFF, n);
    moved += n;
    if (off + n >= count) {
      if ((flags & 0x80000000) != 0) store<u8>(ch + C_PRD_EOT, 1);
      store<u32>(ch + C_PRD_CUR, entry + 8);
      store<u32>(ch + C_PRD_OFF, 0);
    } else store<u32>(ch + C_PRD_OFF, off + n);
  }
  return moved;
}

/** The drive's DMA transfer is over: the engine stays Active only if its table still has room (SFF-8038i 3.1);
 *  a table that ended before the data sets the Error bit (our choice for an undefined case). */
export function dmaEnd(d: u32, short: bool): void {
  const ch = chan(channelOf(d));
  let s = load<u8>(ch + C_BMSTATUS);
  if (load<u8>(ch + C_PRD_EOT) != 0 || short) s &= ~BMS_ACTIVE;
  if (short) s |= BMS_ERROR;
  store<u8>(ch + C_BMSTATUS, s);
}

function dmaKick(c: u32): void {
  const d = selectedDrive(c);
  if (!present(d) || phase(d) != PH_DMA || tf(d, T_WAITING) != 0) return;
  if (isAtapi(d)) atapiDmaStep(d); else ataDmaStep(d);
}

function bmRead(off: u32): u32 {
  const c = off >> 3, ch = chan(c), r = off & 7;
  if (r == 0) return load<u8>(ch + C_BMCMD);
  if (r == 2) return load<u8>(ch + C_BMSTATUS);
  if (r >= 4) return (load<u32>(ch + C_PRD) >> ((r - 4) << 3)) & 0xFF;
  return 0;
}

function bmWrite(off: u32, v: u32): void {
  const c = off >> 3, ch = chan(c), r = off & 7;
  if (r == 0) {
    const old = load<u8>(ch + C_BMCMD);
    store<u8>(ch + C_BMCMD, <u8>(v & (BM_START | BM_TO_MEMORY)));
    if ((v & BM_START) != 0 && (old & BM_START) == 0) {
      store<u8>(ch + C_BMSTATUS, load<u8>(ch + C_BMSTATUS) | BMS_ACTIVE);
      store<u32>(ch + C_PRD_CUR, load<u32>(ch + C_PRD));
      store<u32>(ch + C_PRD_OFF, 0);
      store<u8>(ch + C_PRD_EOT, 0);
      dmaKick(c);
    } else if ((v & BM_START) == 0) store<u8>(ch + C_BMSTATUS, load<u8>(ch + C_BMSTATUS) & ~BMS_ACTIVE);
  } else if (r == 2) {
    // bits 6-5 drive DMA capable: read/write; bits 2 (interrupt) and 1 (error): write one to clear
    const s = load<u8>(ch + C_BMSTATUS);
    store<u8>(ch + C_BMSTATUS, <u8>((s & BMS_ACTIVE) | (v & 0x60) | (s & ~v & (BMS_IRQ | BMS_ERROR))));
  } else if (r >= 4) {
    const sh = (r - 4) << 3;
    const p = (load<u32>(ch + C_PRD) & ~(<u32>0xFF << sh)) | ((v & 0xFF) << sh);
    store<u32>(ch + C_PRD, p & 0xFFFFFFFC);
  }
}

// ---- task file ---------------------------------------------------------------------------------------------
function channelEmpty(c: u32): bool { return !present(c * 2) && !present(c * 2 + 1); }

/** A data-port read: `bytes` (2 or 4) from the current PIO block. */
function dataRead(c: u32, bytes: u32): u32 {
  const d = selectedDrive(c);
  if (!present(d) || phase(d) != PH_PIO_IN || (status(d) & ST_DRQ) == 0) return bytes == 4 ? 0xFFFFFFFF : 0xFFFF;
  const s = drv(d);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_BLOCK_END);
  if (pos + bytes > end) bytes = end - pos;
  let v: u32 = bytes >= 4 ? load<u32>(bufferOf(d) + pos) : bytes >= 2 ? <u32>load<u16>(bufferOf(d) + pos) : <u32>load<u8>(bufferOf(d) + pos);
  store<u32>(s + T_POS, pos + bytes);
  if (pos + bytes >= end) blockDone(d);
  return v;
}

function dataWrite(c: u32, v: u32, bytes: u32): void {
  const d = selectedDrive(c);
  if (!present(d) || (status(d) & ST_DRQ) == 0) return;
  const s = drv(d), ph = phase(d);
  if (ph == PH_PACKET) {
    const pos = load<u32>(s + T_POS);
    for (let i: u32 = 0; i < bytes && pos + i < 12; i++) store<u8>(s + T_PACKET + pos + i, <u8>(v >> (i << 3)));
    const np = pos + bytes;
    store<u32>(s + T_POS, np);
    if (np >= 12) blockDone(d);
    return;
  }
  if (ph != PH_PIO_OUT) return;
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_BLOCK_END);
  if (pos + bytes > end) bytes = end - pos;
  if (bytes >= 4) store<u32>(bufferOf(d) + pos, v);
  else if (bytes >= 2) store<u16>(bufferOf(d) + pos, <u16>v);
  else store<u8>(bufferOf(d) + pos, <u8>v);
  store<u32>(s + T_POS, pos + bytes);
  if (pos + bytes >= end) blockDone(d);
}

function blockDone(d: u32): void {
  setStatus(d, ST_BSY);
  if (isAtapi(d)) atapiBlockDone(d); else ataBlockDone(d);
}

function taskRead(c: u32, reg: u32): u32 {
  if (channelEmpty(c)) return 0xFF; // nothing drives the bus: a floating bus reads all ones
  const d = selectedDrive(c);
  // device 0 answers for an absent device 1: its registers read 00h (ATA/ATAPI-6 9.16, "device 0 responds for device 1")
  if (!present(d)) return 0;
  const hob = (load<u8>(chan(c) + C_CTRL) & CTRL_HOB) != 0;
  switch (reg) {
    case 1: return tf(d, T_ERROR);
    case 2: return hob ? tfHob(d, T_NSECT) : tf(d, T_NSECT);
    case 3: return hob ? tfHob(d, T_LBAL) : tf(d, T_LBAL);
    case 4: return hob ? tfHob(d, T_LBAM) : tf(d, T_LBAM);
    case 5: return hob ? tfHob(d, T_LBAH) : tf(d, T_LBAH);
    case 6: return tf(d, T_DEVICE) | 0xA0; // bits 7 and 5: obsolete, read as ones
    default: { // status: reading it clears the pending interrupt (7.15)
      const st = status(d);
      clearIrq(c);
      return st;
    }
  }
}

function taskWrite(c: u32, reg: u32, v: u32): void {
  const sel = selectedDrive(c);
  if (present(sel) && (status(sel) & ST_BSY) != 0 && !(reg == 7 && v == 0x08 && isAtapi(sel))) return; // busy: ignored
  const ch = chan(c);
  if (reg == 7) { command(c, v); return; }
  store<u8>(ch + C_CTRL, load<u8>(ch + C_CTRL) & ~CTRL_HOB); // a command block write clears HOB (7.9)
  for (let u: u32 = 0; u < 2; u++) { // both devices latch the command block registers
    const s = drv(c * 2 + u);
    if (reg == 6) { store<u8>(s + T_DEVICE, <u8>(v & 0x5F)); continue; }
    const off = reg == 1 ? T_FEATURE : reg == 2 ? T_NSECT : reg == 3 ? T_LBAL : reg == 4 ? T_LBAM : T_LBAH;
    store<u8>(s + off + 1, load<u8>(s + off)); // the previous value becomes the HOB byte (48-bit commands)
    store<u8>(s + off, <u8>v);
  }
  if (reg == 6) store<u8>(ch + C_SELECTED, <u8>((v >> 4) & 1));
}

function command(c: u32, v: u32): void {
  const d = selectedDrive(c);
  if (!present(d)) return; // an absent device 1: device 0 does not execute its commands
  clearIrq(c);
  setTf(d, T_CMD, v);
  setTf(d, T_ERROR, 0);
  setPhase(d, PH_IDLE);
  if (v == 0x08 && isAtapi(d)) { // DEVICE RESET (8.9): at once, no interrupt
    resetDrive(d);
    if (load<u8>(chan(c) + C_ACT_UNIT) == (d & 1)) store<u8>(chan(c) + C_ACTION, ACT_NONE);
    return;
  }
  setStatus(d, ST_BSY);
  schedule(d, ACT_EXEC, CMD_NS);
}

function controlWrite(c: u32, v: u32): void {
  const ch = chan(c);
  const old = load<u8>(ch + C_CTRL);
  store<u8>(ch + C_CTRL, <u8>(v & (CTRL_NIEN | CTRL_SRST | CTRL_HOB)));
  if ((v & CTRL_SRST) != 0 && (old & CTRL_SRST) == 0) {
    // software reset (9.2): both devices go busy and abandon their commands; no interrupt
    for (let u: u32 = 0; u < 2; u++) {
      const d = c * 2 + u;
      setPhase(d, PH_IDLE);
      setStatus(d, ST_BSY);
      if (tf(d, T_WAITING) != 0) { setTf(d, T_WAITING, 0); store<u8>(drv(d) + T_FLAGS, load<u8>(drv(d) + T_FLAGS) | F_STALE); }
    }
    store<u8>(ch + C_ACTION, ACT_NONE);
    timerSet(TIMER_IDE0 + c, NEVER);
    store<u8>(ch + C_PENDING, 0);
  } else if ((v & CTRL_SRST) == 0 && (old & CTRL_SRST) != 0) {
    schedule(c * 2, ACT_RESET_DONE, RESET_NS);
  }
  updateIrq(c);
}

// ---- port dispatch -------------------------------------------------------------------------------------------
export function ideRead(port: u32, size: u32): u32 {
  let c: u32 = 2, reg: u32 = 0;
  if (port >= 0x1F0 && port <= 0x1F7) { c = 0; reg = port - 0x1F0; }
  else if (port >= 0x170 && port <= 0x177) { c = 1; reg = port - 0x170; }
  else if (port == 0x3F6 || port == 0x376) {
    c = port == 0x3F6 ? 0 : 1;
    powerOn(c);
    if (channelEmpty(c)) return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
    const d = selectedDrive(c);
    return present(d) ? status(d) : 0; // alternate status: no interrupt side effect
  } else {
    const base = load<u32>(DEV_IDE + G_BM_BASE);
    if (base == 0 || port < base || port >= base + 16) return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= bmRead((port - base + i) & 15) << (i << 3);
    return v;
  }
  powerOn(c);
  if (reg == 0) {
    if (channelEmpty(c)) return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
    const v = dataRead(c, size == 4 ? 4 : 2); // a byte read still moves a whole word
    return size == 1 ? v & 0xFF : v;
  }
  let v: u32 = 0;
  for (let i: u32 = 0; i < size; i++) v |= taskRead(c, (reg + i) & 7) << (i << 3);
  return v;
}

export function ideWrite(port: u32, v: u32, size: u32): void {
  let c: u32 = 2, reg: u32 = 0;
  if (port >= 0x1F0 && port <= 0x1F7) { c = 0; reg = port - 0x1F0; }
  else if (port >= 0x170 && port <= 0x177) { c = 1; reg = port - 0x170; }
  else if (port == 0x3F6 || port == 0x376) { c = port == 0x3F6 ? 0 : 1; powerOn(c); controlWrite(c, v & 0xFF); return; }
  else {
    const base = load<u32>(DEV_IDE + G_BM_BASE);
    if (base == 0 || port < base || port >= base + 16) return;
    for (let i: u32 = 0; i < size; i++) bmWrite((port - base + i) & 15, (v >> (i << 3)) & 0xFF);
    return;
  }
  powerOn(c);
  if (reg == 0) { dataWrite(c, size == 4 ? v : v & 0xFFFF, size == 4 ? 4 : 2); return; }
  for (let i: u32 = 0; i < size; i++) taskWrite(c, (reg + i) & 7, (v >> (i << 3)) & 0xFF);
}
