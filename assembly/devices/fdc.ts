// The PC floppy disk controller: an Intel 82077AA (NEC uPD765 command set) in PC-AT mode with two drives, as
// SeaBIOS, Linux's floppy driver, FreeDOS (through the BIOS) and KolibriOS program it. Ports 3F0h-3F5h and 3F7h,
// IRQ 6, DMA channel 2 (devices/dma8237.ts). References: Intel 82077AA CHMOS single-chip floppy disk controller
// datasheet (May 1994): section 2 (registers), 3 (reset), 4 (controller phases), 5 (command set, Table 5-1, and
// the status register encodings ST0-ST3), 8.2 (initialization).
//
// Disk bytes live with the host (bus/disk.ts): a data transfer command asks the host for the sectors of one head
// of one track (a "segment"), the controller stays busy until machine.ts diskComplete() calls fdcDiskDone(), then
// moves the bytes through DMA channel 2 (or the FIFO in non-DMA mode) and, after a short delay on the virtual
// clock (TIMER_FDC), enters the result phase and raises IRQ 6. Seeks complete on the same timer.
//
// The media geometry follows from the image size (fdcGeometry); the drive presents the sector IDs of a standard
// track: C = physical cylinder, H = head, R = 1..SPT, N = 2 (512 bytes).
//
// Known gaps (plainly): SCAN commands are treated as invalid; FM (MFM = 0) media cannot be read (no ID found);
// sectors never carry deleted data marks (READ DELETED finds no sector, WRITE DELETED writes normal data);
// FORMAT TRACK cannot change the geometry of the image: it fills every sector of the track with the fill byte;
// N = 0 with DTL (128-byte partial sectors) is not supported (sector not found); the motor enable bits are not
// checked; overrun in non-DMA mode (the host not serving the FIFO in time) is not modelled; the FIFO threshold
// and the data rates only matter for matching the media's rate (no timing).
import { DEV_FDC } from "../layout";
import { setIsaIrq } from "../bus/intc";
import { timerSet, TIMER_FDC } from "../bus/timers";
import { clockNow, NEVER } from "../bus/clock";
import { dmaTransfer, dmaRemaining } from "./dma8237";
import {
  diskKind, diskHasMedia, diskReadOnly, diskSectors, diskBusy, diskBuffer, diskRequest, diskTakeChanged,
  DISK_FLOPPY, OP_READ, OP_WRITE, RESULT_OK,
} from "../bus/disk";

// ---- state at DEV_FDC (256 bytes) ---------------------------------------------------------------------------
const F_DOR: u32 = 0; // u8 digital output register (2.2): drive select 1-0, /RESET 2, DMAEN 3, motors 7-4
const F_RATE: u32 = 1; // u8 data rate select (DSR/CCR bits 1-0): 0 500K, 1 300K, 2 250K, 3 1M bit/s
const F_DSR: u32 = 2; // u8 DSR precompensation bits 4-2 as written
const F_TDR: u32 = 3; // u8 tape drive register bits 1-0
const F_PHASE: u32 = 4; // u8 PH_* below
const F_CMD_LEN: u32 = 5; // u8 bytes the current command takes
const F_CMD_POS: u32 = 6; // u8 command bytes received
const F_RES_LEN: u32 = 7; // u8 result bytes
const F_RES_POS: u32 = 8; // u8 result bytes read
const F_INT: u32 = 9; // u8 the controller's INT output
const F_LINE: u32 = 10; // u8 level driven on IRQ 6 (INT gated by DOR DMAEN)
const F_SPEC1: u32 = 11; // u8 SPECIFY byte 1: SRT 7-4, HUT 3-0
const F_SPEC2: u32 = 12; // u8 SPECIFY byte 2: HLT 7-1, ND 0 (non-DMA)
const F_CONFIG: u32 = 13; // u8 CONFIGURE byte 2: EIS 6, EFIFO 5, POLL 4, FIFOTHR 3-0
const F_PRETRK: u32 = 14; // u8
const F_LOCK: u32 = 15; // u8
const F_PERP: u32 = 16; // u8 PERPENDICULAR MODE: D3-D0 5-2, GAP 1, WGATE 0
const F_LAST_EOT: u32 = 17; // u8 SC/EOT reported by DUMPREG
const F_POLL_PENDING: u32 = 18; // u8 drives whose reset-polling status SENSE INTERRUPT STATUS still reports
const F_SEEK_PENDING: u32 = 19; // u8 drives with a seek-end status waiting for SENSE INTERRUPT STATUS
const F_XSTATE: u32 = 20; // u8 execution phase: XS_* below
const F_XOP: u32 = 21; // u8 the command executing: OPC_* below
const F_PIO: u32 = 23; // u8 non-DMA data phase: 0 none, 1 controller -> host, 2 host -> controller
const F_CMD: u32 = 24; // 16 x u8 command bytes
const F_RES: u32 = 40; // 16 x u8 result bytes
const F_CTRL_AT: u32 = 56; // u64 when the execution phase ends (result phase + INT); NEVER when idle
const F_SEEK_AT: u32 = 64; // 4 x u64 when drive d's seek ends
const F_RESET_AT: u32 = 96; // u64 when the reset-polling interrupt is raised
// the data transfer executing (segment = the sectors of one head of one track asked of the host at once)
const X_DRIVE: u32 = 104, X_HEAD: u32 = 105, X_C: u32 = 106, X_H: u32 = 107, X_R: u32 = 108, X_N: u32 = 109;
const X_EOT: u32 = 110, X_MT: u32 = 111, X_COUNT: u32 = 112, X_ST0: u32 = 113, X_ST1: u32 = 114, X_ST2: u32 = 115;
const X_END: u32 = 116; // why the segment ends: END_*
const X_LEFT: u32 = 117; // VERIFY with EC = 1: sectors still to verify
const X_MOVED: u32 = 118; // sectors of the segment moved (writes: before the host request)
const X_TC: u32 = 119; // terminal count seen during the segment
const X_OVR: u32 = 120; // overrun: DMA not served
const X_LBA: u32 = 124; // u32 first sector of the segment
const X_PIO_POS: u32 = 128; // u32 byte position in the non-DMA data phase
const X_PIO_LEN: u32 = 132; // u32
// drive d at DEV_FDC + 160 + 16 * d
const DR_PCN: u32 = 0; // u8 present cylinder number (the controller's)
const DR_TRACK: u32 = 1; // u8 physical head position
const DR_ST0: u32 = 2; // u8 ST0 of the last seek / recalibrate
const DR_CHANGE: u32 = 3; // u8 disk change line (DIR bit 7)
const DR_NEXT_R: u32 = 4; // u8 the sector under the head (READ ID)

const PH_CMD: u8 = 0, PH_EXEC: u8 = 1, PH_RESULT: u8 = 2, PH_RESET: u8 = 3;
const XS_NONE: u8 = 0, XS_DISK: u8 = 1, XS_DEFERRED: u8 = 2, XS_DONE: u8 = 3;
const END_EOT: u8 = 0, END_NOTFOUND: u8 = 1, END_COUNT: u8 = 2;

const OPC_INVALID: u8 = 0, OPC_READ: u8 = 1, OPC_WRITE: u8 = 2, OPC_VERIFY: u8 = 3, OPC_READ_TRACK: u8 = 4;
const OPC_READ_DELETED: u8 = 5, OPC_FORMAT: u8 = 6, OPC_READ_ID: u8 = 7, OPC_SPECIFY: u8 = 8;
const OPC_SENSE_DRIVE: u8 = 9, OPC_RECALIBRATE: u8 = 10, OPC_SENSE_INT: u8 = 11, OPC_SEEK: u8 = 12;
const OPC_RELATIVE_SEEK: u8 = 13, OPC_DUMPREG: u8 = 14, OPC_VERSION: u8 = 15, OPC_PERPENDICULAR: u8 = 16;
const OPC_CONFIGURE: u8 = 17, OPC_LOCK: u8 = 18;

// Status register bits (82077AA datasheet, status register encodings: ST0 Table 5-2 ... ST3 Table 5-5)
const ST0_ABNORMAL: u32 = 0x40, ST0_INVALID: u32 = 0x80, ST0_READY_CHANGE: u32 = 0xC0, ST0_SE: u32 = 0x20;
const ST0_EC: u32 = 0x10;
const ST1_EN: u32 = 0x80, ST1_DE: u32 = 0x20, ST1_OR: u32 = 0x10, ST1_ND: u32 = 0x04, ST1_NW: u32 = 0x02;
const ST1_MA: u32 = 0x01;
const ST2_DD: u32 = 0x20, ST2_WC: u32 = 0x10, ST2_BC: u32 = 0x02;
const ST3_WP: u32 = 0x40, ST3_T0: u32 = 0x10;

const MSR_RQM: u32 = 0x80, MSR_DIO: u32 = 0x40, MSR_NDMA: u32 = 0x20, MSR_CB: u32 = 0x10;

// Delays on the virtual clock. Shortened from a real drive (16 ms steps, 200 ms revolutions) so that guests
// waiting for IRQ 6 do not wait long; every guest we know waits for the interrupt, not for a time.
const RESET_POLL_NS: u64 = 20_000;
const SEEK_BASE_NS: u64 = 100_000;
const SEEK_STEP_NS: u64 = 20_000;
const XFER_NS: u64 = 100_000;
const NOT_FOUND_NS: u64 = 400_000; // "two index pulses" without the ID wanted

const SECTOR: u32 = 512;
const FORMAT_IDS: u32 = 0x10000; // the FORMAT ID fields go here, inside the drive's 128 KiB buffer

// @ts-ignore: decorator
@inline function rd(o: u32): u32 { return <u32>load<u8>(DEV_FDC + o); }
// @ts-ignore: decorator
@inline function wr(o: u32, v: u32): void { store<u8>(DEV_FDC + o, <u8>v); }
// @ts-ignore: decorator
@inline function drv(d: u32): u32 { return DEV_FDC + 160 + ((d & 3) << 4); }
// @ts-ignore: decorator
@inline function drd(d: u32, o: u32): u32 { return <u32>load<u8>(drv(d) + o); }
// @ts-ignore: decorator
@inline function dwr(d: u32, o: u32, v: u32): void { store<u8>(drv(d) + o, <u8>v); }

// ---- media geometry ----------------------------------------------------------------------------------------
// Standard PC formats by image size (sectors of 512 bytes): tracks, heads, sectors per track, data rate.
// Returns tracks | heads << 8 | spt << 16 | rate << 24, or 0 for no media.
function geometryOf(sectors: u64): u32 {
  if (sectors == 0) return 0;
  if (sectors <= 320) return 40 | 1 << 8 | 8 << 16 | 2 << 24; // 160K
  if (sectors <= 360) return 40 | 1 << 8 | 9 << 16 | 2 << 24; // 180K
  if (sectors <= 640) return 40 | 2 << 8 | 8 << 16 | 2 << 24; // 320K
  if (sectors <= 720) return 40 | 2 << 8 | 9 << 16 | 2 << 24; // 360K
  if (sectors <= 1440) return 80 | 2 << 8 | 9 << 16 | 2 << 24; // 720K at 250 kbit/s
  if (sectors <= 2400) return 80 | 2 << 8 | 15 << 16 | 0 << 24; // 1.2M at 500 kbit/s
  if (sectors <= 2880) return 80 | 2 << 8 | 18 << 16 | 0 << 24; // 1.44M
  if (sectors <= 3360) return 80 | 2 << 8 | 21 << 16 | 0 << 24; // 1.68M (DMF-style 21 sectors)
  if (sectors <= 3444) return 82 | 2 << 8 | 21 << 16 | 0 << 24; // 1.72M (82 tracks)
  return 80 | 2 << 8 | 36 << 16 | 3 << 24; // 2.88M at 1 Mbit/s (and anything bigger: the rest is not reachable)
}

function present(d: u32): bool { return d < 2 && diskKind(d) == DISK_FLOPPY; }
function geometry(d: u32): u32 { return present(d) && diskHasMedia(d) ? geometryOf(diskSectors(d)) : 0; }

/** Media geometry of drive `d` for the host and tests: tracks | heads << 8 | sectors per track << 16 | data
 *  rate code << 24 (0 = 500, 1 = 300, 2 = 250 kbit/s, 3 = 1 Mbit/s); 0 without a drive or media. */
export function fdcGeometry(d: u32): u32 { return geometry(d); }

/**
 * The drive type nibble of CMOS byte 10h for drive `d` (the platform writes it; IBM AT / SeaBIOS encoding):
 * 0 none, 1 360K 5.25", 2 1.2M 5.25", 3 720K 3.5", 4 1.44M 3.5", 5 2.88M 3.5". The drive is chosen to fit the
 * media; an empty floppy drive is a 1.44M drive.
 */
export function fdcDriveType(d: u32): u32 {
  if (!present(d)) return 0;
  const g = geometry(d);
  if (g == 0) return 4;
  const tracks = g & 0xFF, spt = (g >> 16) & 0xFF;
  if (tracks == 40) return 1;
  if (spt == 9) return 3;
  if (spt == 15) return 2;
  if (spt == 36) return 5;
  return 4;
}

/** Can the drive find sector IDs on the side `head` under its head now (media, data rate, MFM, track)? */
function idsVisible(d: u32, head: u32, mfm: bool): bool {
  const g = geometry(d);
  if (g == 0 || !mfm) return false;
  const rate = rd(F_RATE), mediaRate = g >>> 24;
  // 40-track media is read at 250 kbit/s (360K drive) or 300 kbit/s (in a 1.2M drive)
  if (rate != mediaRate && !((g & 0xFF) == 40 && rate == 1)) return false;
  return drd(d, DR_TRACK) < (g & 0xFF) && head < ((g >> 8) & 0xFF);
}

// ---- interrupt and timer -------------------------------------------------------------------------------------
function updateLine(): void {
  // PC-AT mode: DMAEN (DOR bit 3) gates INT and DRQ onto the bus (2.2)
  const level: u32 = rd(F_INT) != 0 && (rd(F_DOR) & 0x08) != 0 ? 1 : 0;
  if (level != rd(F_LINE)) { wr(F_LINE, level); setIsaIrq(6, level != 0); }
}
function setInt(on: bool): void { wr(F_INT, on ? 1 : 0); updateLine(); }

function rearm(): void {
  let t = load<u64>(DEV_FDC + F_CTRL_AT);
  const r = load<u64>(DEV_FDC + F_RESET_AT);
  if (r < t) t = r;
  for (let d: u32 = 0; d < 4; d++) { const s = load<u64>(DEV_FDC + F_SEEK_AT + (d << 3)); if (s < t) t = s; }
  timerSet(TIMER_FDC, t);
}

export function fdcTimer(now: u64): void {
  for (let d: u32 = 0; d < 4; d++) {
    const a = DEV_FDC + F_SEEK_AT + (d << 3);
    if (load<u64>(a) <= now) { // seek / recalibrate ended: status for SENSE INTERRUPT STATUS and INT (5.2)
      store<u64>(a, NEVER);
      wr(F_SEEK_PENDING, rd(F_SEEK_PENDING) | (1 << d));
      setInt(true);
    }
  }
  if (load<u64>(DEV_FDC + F_RESET_AT) <= now) { store<u64>(DEV_FDC + F_RESET_AT, NEVER); setInt(true); }
  if (load<u64>(DEV_FDC + F_CTRL_AT) <= now) {
    store<u64>(DEV_FDC + F_CTRL_AT, NEVER);
    if (rd(F_PHASE) == PH_EXEC && rd(F_XSTATE) == XS_DONE) { // execution over: result phase and INT (4.3)
      wr(F_XSTATE, XS_NONE);
      wr(F_PHASE, PH_RESULT);
      wr(F_RES_POS, 0);
      setInt(true);
    }
  }
  rearm();
}

// ---- reset (3: hardware reset, DOR reset, DSR reset) ---------------------------------------------------------
function softReset(): void {
  wr(F_PHASE, PH_CMD);
  wr(F_CMD_POS, 0); wr(F_RES_LEN, 0); wr(F_RES_POS, 0);
  wr(F_XSTATE, XS_NONE); wr(F_PIO, 0);
  wr(F_SEEK_PENDING, 0); wr(F_POLL_PENDING, 0);
  store<u64>(DEV_FDC + F_CTRL_AT, NEVER);
  store<u64>(DEV_FDC + F_RESET_AT, NEVER);
  for (let d: u32 = 0; d < 4; d++) store<u64>(DEV_FDC + F_SEEK_AT + (d << 3), NEVER);
  // 5.2 LOCK: with LOCK set, EFIFO, FIFOTHR and PRETRK survive a software reset
  if (rd(F_LOCK) != 0) wr(F_CONFIG, rd(F_CONFIG) & 0x2F);
  else { wr(F_CONFIG, 0x20); wr(F_PRETRK, 0); }
  wr(F_PERP, rd(F_PERP) & 0x3C); // GAP and WGATE clear on reset
  setInt(false);
  rearm();
}

/** Leaving reset: with drive polling enabled (CONFIGURE POLL = 0) the controller sees a "ready changed" on each
 *  of the four drives and interrupts; SENSE INTERRUPT STATUS then reports them one by one (ST0 C0h-C3h). */
function endReset(): void {
  wr(F_PHASE, PH_CMD);
  if ((rd(F_CONFIG) & 0x10) == 0) {
    wr(F_POLL_PENDING, 0x0F);
    store<u64>(DEV_FDC + F_RESET_AT, clockNow() + RESET_POLL_NS);
    rearm();
  }
}

export function fdcReset(): void {
  memory.fill(DEV_FDC, 0, 256);
  wr(F_RATE, 2); // 250 kbit/s after a hardware reset (2.4)
  wr(F_CONFIG, 0x20);
  softReset();
  wr(F_PHASE, PH_RESET); // DOR = 0: held in reset until the BIOS sets /RESET
}

// ---- registers -----------------------------------------------------------------------------------------------
function msr(): u32 {
  const phase = rd(F_PHASE);
  if (phase == PH_RESET) return 0;
  let v: u32 = 0;
  for (let d: u32 = 0; d < 4; d++) if (load<u64>(DEV_FDC + F_SEEK_AT + (d << 3)) != NEVER) v |= 1 << d;
  if (phase == PH_CMD) return v | MSR_RQM | (rd(F_CMD_POS) != 0 ? MSR_CB : 0);
  if (phase == PH_RESULT) return v | MSR_RQM | MSR_DIO | MSR_CB;
  const pio = rd(F_PIO); // execution phase (4.2): RQM only while the non-DMA data phase waits for the host
  if (pio == 1) return v | MSR_RQM | MSR_DIO | MSR_NDMA | MSR_CB;
  if (pio == 2) return v | MSR_RQM | MSR_NDMA | MSR_CB;
  return v | MSR_CB;
}

/** The disk change line of drive d: set when the host changed the media (bus/disk.ts diskTakeChanged). */
function changeLine(d: u32): u32 {
  if (d < 2 && diskTakeChanged(d)) dwr(d, DR_CHANGE, 1);
  return drd(d, DR_CHANGE);
}

export function fdcRead(port: u32): u32 {
  switch (port) {
    case 0x3F2: return rd(F_DOR);
    case 0x3F3: return rd(F_TDR);
    case 0x3F4: return msr();
    case 0x3F5: return fifoRead();
    // DIR (2.7), PC-AT mode: bit 7 is the selected drive's disk change line; bits 6-0 are not driven (read 0)
    case 0x3F7: return changeLine(rd(F_DOR) & 3) != 0 ? 0x80 : 0;
    default: return 0xFF; // 3F0h/3F1h: status registers A/B exist in PS/2 mode only
  }
}

export function fdcWrite(port: u32, v: u32): void {
  v &= 0xFF;
  switch (port) {
    case 0x3F2: { // DOR (2.2); /RESET low holds the controller in reset (3.2)
      const old = rd(F_DOR);
      wr(F_DOR, v);
      if ((v & 0x04) == 0) { if (rd(F_PHASE) != PH_RESET) { softReset(); wr(F_PHASE, PH_RESET); } }
      else if ((old & 0x04) == 0 || rd(F_PHASE) == PH_RESET) endReset();
      updateLine();
      return;
    }
    case 0x3F3: wr(F_TDR, v & 3); return;
    case 0x3F4: // DSR (2.4): bit 7 software reset (self-clearing), bit 6 power down, precompensation, data rate
      wr(F_RATE, v & 3); wr(F_DSR, v & 0x1C);
      if ((v & 0x80) != 0 && rd(F_PHASE) != PH_RESET) { softReset(); endReset(); }
      return;
    case 0x3F5: fifoWrite(v); return;
    case 0x3F7: wr(F_RATE, v & 3); return; // CCR (2.8)
    default: return;
  }
}

// ---- command phase (4.1) -------------------------------------------------------------------------------------
function decode(c: u32): u8 {
  switch (c & 0x1F) { // data transfer commands: MT, MFM, SK in bits 7-5 (Table 5-1)
    case 0x06: return OPC_READ;
    case 0x0C: return OPC_READ_DELETED;
    case 0x16: return OPC_VERIFY;
    case 0x05: case 0x09: return (c & 0x20) == 0 ? OPC_WRITE : OPC_INVALID;
    case 0x02: return (c & 0x80) == 0 ? OPC_READ_TRACK : OPC_INVALID;
    case 0x0A: return (c & 0xA0) == 0 ? OPC_READ_ID : OPC_INVALID;
    case 0x0D: return (c & 0xA0) == 0 ? OPC_FORMAT : OPC_INVALID;
    case 0x0F: return c == 0x0F ? OPC_SEEK : (c & 0xBF) == 0x8F ? OPC_RELATIVE_SEEK : OPC_INVALID;
    case 0x14: return (c & 0x7F) == 0x14 ? OPC_LOCK : OPC_INVALID;
    default: break;
  }
  switch (c) {
    case 0x03: return OPC_SPECIFY;
    case 0x04: return OPC_SENSE_DRIVE;
    case 0x07: return OPC_RECALIBRATE;
    case 0x08: return OPC_SENSE_INT;
    case 0x0E: return OPC_DUMPREG;
    case 0x10: return OPC_VERSION;
    case 0x12: return OPC_PERPENDICULAR;
    case 0x13: return OPC_CONFIGURE;
    default: return OPC_INVALID; // including SCAN EQUAL/LOW/HIGH (gap) and the 82078's PART ID (18h)
  }
}

function commandLength(op: u8): u32 {
  switch (op) {
    case OPC_READ: case OPC_WRITE: case OPC_VERIFY: case OPC_READ_TRACK: case OPC_READ_DELETED: return 9;
    case OPC_FORMAT: return 6;
    case OPC_CONFIGURE: return 4;
    case OPC_SPECIFY: case OPC_SEEK: case OPC_RELATIVE_SEEK: return 3;
    case OPC_READ_ID: case OPC_SENSE_DRIVE: case OPC_RECALIBRATE: case OPC_PERPENDICULAR: return 2;
    default: return 1;
  }
}

function cmd(i: u32): u32 { return rd(F_CMD + i); }

function fifoWrite(v: u32): void {
  const phase = rd(F_PHASE);
  if (phase == PH_EXEC && rd(F_PIO) == 2) { pioIn(v); return; }
  if (phase != PH_CMD) return; // not expecting a byte (RQM or DIO say so): ignored
  let pos = rd(F_CMD_POS);
  if (pos == 0) {
    const op = decode(v);
    if (op == OPC_INVALID) { result1(ST0_INVALID); return; } // invalid command: one result byte, 80h, no INT
    wr(F_XOP, op);
    wr(F_CMD_LEN, commandLength(op));
  }
  wr(F_CMD + pos, v);
  pos++;
  wr(F_CMD_POS, pos);
  if (pos < rd(F_CMD_LEN)) return;
  wr(F_CMD_POS, 0);
  execute(<u8>rd(F_XOP));
}

function fifoRead(): u32 {
  const phase = rd(F_PHASE);
  if (phase == PH_EXEC && rd(F_PIO) == 1) return pioOut();
  if (phase != PH_RESULT) return 0xFF;
  const pos = rd(F_RES_POS);
  const v = rd(F_RES + pos);
  if (pos == 0) setInt(false); // reading the first result byte clears INT (4.3)
  if (pos + 1 >= rd(F_RES_LEN)) { wr(F_PHASE, PH_CMD); wr(F_RES_POS, 0); }
  else wr(F_RES_POS, pos + 1);
  return v;
}

function result1(v: u32): void {
  wr(F_RES, v); wr(F_RES_LEN, 1); wr(F_RES_POS, 0); wr(F_CMD_POS, 0); wr(F_PHASE, PH_RESULT);
}

function execute(op: u8): void {
  const d = cmd(1) & 3;
  switch (op) {
    case OPC_SPECIFY: wr(F_SPEC1, cmd(1)); wr(F_SPEC2, cmd(2)); wr(F_PHASE, PH_CMD); return;
    case OPC_SENSE_DRIVE: { // ST3 (Table 5-5): bits 5 and 3 read 1 on the 82077AA
      let st3: u32 = 0x28 | (cmd(1) & 7);
      if (present(d)) {
        if (!diskHasMedia(d) || diskReadOnly(d)) st3 |= ST3_WP; // no diskette: the write-protect sensor is dark
        if (drd(d, DR_TRACK) == 0) st3 |= ST3_T0;
      }
      result1(st3);
      return;
    }
    case OPC_RECALIBRATE: startSeek(d, 0, 0, true); return;
    case OPC_SEEK: startSeek(d, cmd(2), (cmd(1) >> 2) & 1, false); return;
    case OPC_RELATIVE_SEEK: { // 5.2 RELATIVE SEEK: DIR (bit 6) 1 = inward (higher cylinders)
      const pcn = <i32>drd(d, DR_PCN), rcn = <i32>cmd(2);
      let t = (cmd(0) & 0x40) != 0 ? pcn + rcn : pcn - rcn;
      startSeek(d, <u32>(t < 0 ? 0 : t > 255 ? 255 : t), (cmd(1) >> 2) & 1, false);
      return;
    }
    case OPC_SENSE_INT: senseInterrupt(); return;
    case OPC_DUMPREG: {
      for (let i: u32 = 0; i < 4; i++) wr(F_RES + i, drd(i, DR_PCN));
      wr(F_RES + 4, rd(F_SPEC1)); wr(F_RES + 5, rd(F_SPEC2)); wr(F_RES + 6, rd(F_LAST_EOT));
      wr(F_RES + 7, (rd(F_LOCK) << 7) | (rd(F_PERP) & 0x3F));
      wr(F_RES + 8, rd(F_CONFIG) & 0x7F); wr(F_RES + 9, rd(F_PRETRK));
      wr(F_RES_LEN, 10); wr(F_RES_POS, 0); wr(F_PHASE, PH_RESULT);
      return;
    }
    case OPC_VERSION: result1(0x90); return; // 82077AA (enhanced controller); a uPD765A answers 80h
    case OPC_PERPENDICULAR: { // OW (bit 7) = 1 updates D3-D0; GAP and WGATE always
      const v = cmd(1);
      wr(F_PERP, (v & 0x80) != 0 ? v & 0x3F : (rd(F_PERP) & 0x3C) | (v & 3));
      wr(F_PHASE, PH_CMD);
      return;
    }
    case OPC_CONFIGURE: wr(F_CONFIG, cmd(2) & 0x7F); wr(F_PRETRK, cmd(3)); wr(F_PHASE, PH_CMD); return;
    case OPC_LOCK: wr(F_LOCK, cmd(0) >> 7); result1(rd(F_LOCK) << 4); return;
    case OPC_READ_ID: readId(d); return;
    case OPC_FORMAT: format(d); return;
    default: startTransfer(op); return;
  }
}

// ---- seeks (5.2 RECALIBRATE, SEEK, RELATIVE SEEK; SENSE INTERRUPT STATUS) -----------------------------------------
function maxTrack(d: u32): u32 { const g = geometry(d); return g != 0 && (g & 0xFF) == 40 ? 41 : 83; }

function startSeek(d: u32, target: u32, head: u32, recal: bool): void {
  let st0: u32 = ST0_SE | (head << 2) | d, steps: u32 = 0;
  const pcn = drd(d, DR_PCN);
  if (recal) {
    // up to 79 step pulses outward until TRACK 0; without it, Equipment Check (abnormal termination)
    if (present(d) && drd(d, DR_TRACK) <= 79) { steps = drd(d, DR_TRACK); dwr(d, DR_TRACK, 0); }
    else {
      steps = 79;
      if (present(d)) dwr(d, DR_TRACK, drd(d, DR_TRACK) - 79);
      st0 |= ST0_ABNORMAL | ST0_EC;
    }
    dwr(d, DR_PCN, 0);
  } else {
    steps = target > pcn ? target - pcn : pcn - target;
    if (present(d)) {
      let t = <i32>drd(d, DR_TRACK) + <i32>target - <i32>pcn, m = <i32>maxTrack(d);
      dwr(d, DR_TRACK, <u32>(t < 0 ? 0 : t > m ? m : t)); // the head stops at the drive's end stops
    }
    dwr(d, DR_PCN, target);
  }
  // Moving the head with a diskette in the drive resets its disk change line. (Real drives need a step pulse;
  // BIOSes recalibrate at track 0 and expect the line cleared, so any seek command clears it here.)
  if (present(d) && diskHasMedia(d)) { changeLine(d); dwr(d, DR_CHANGE, 0); }
  dwr(d, DR_ST0, st0);
  wr(F_SEEK_PENDING, rd(F_SEEK_PENDING) & ~(1 << d));
  store<u64>(DEV_FDC + F_SEEK_AT + (d << 3), clockNow() + SEEK_BASE_NS + <u64>steps * SEEK_STEP_NS);
  wr(F_PHASE, PH_CMD); // no result phase: the drive busy bit shows in MSR until the seek ends (2.5)
  rearm();
}

function senseInterrupt(): void {
  setInt(false);
  const poll = rd(F_POLL_PENDING);
  if (poll != 0) { // after reset with polling: ready changed on drives 0, 1, 2, 3 in turn
    const d = <u32>ctz(poll);
    wr(F_POLL_PENDING, poll & ~(1 << d));
    wr(F_RES, ST0_READY_CHANGE | d); wr(F_RES + 1, drd(d, DR_PCN));
    wr(F_RES_LEN, 2); wr(F_RES_POS, 0); wr(F_PHASE, PH_RESULT);
    return;
  }
  const seek = rd(F_SEEK_PENDING);
  if (seek != 0) {
    const d = <u32>ctz(seek);
    wr(F_SEEK_PENDING, seek & ~(1 << d));
    wr(F_RES, drd(d, DR_ST0)); wr(F_RES + 1, drd(d, DR_PCN));
    wr(F_RES_LEN, 2); wr(F_RES_POS, 0); wr(F_PHASE, PH_RESULT);
    return;
  }
  result1(ST0_INVALID); // no interrupt pending: treated as an invalid command
}

// ---- execution phase: data transfers (4.2, 5.1) ----------------------------------------------------------------
function dmaMode(): bool { return (rd(F_SPEC2) & 1) == 0; }

/** End of the execution phase: the seven result bytes (ST0 ST1 ST2 C H R N), result phase after `delay`. */
function finish(st0: u32, st1: u32, st2: u32, c: u32, h: u32, r: u32, n: u32, delay: u64): void {
  wr(F_RES, st0); wr(F_RES + 1, st1); wr(F_RES + 2, st2);
  wr(F_RES + 3, c); wr(F_RES + 4, h); wr(F_RES + 5, r); wr(F_RES + 6, n);
  wr(F_RES_LEN, 7); wr(F_RES_POS, 0);
  wr(F_PIO, 0);
  wr(F_PHASE, PH_EXEC);
  wr(F_XSTATE, XS_DONE);
  store<u64>(DEV_FDC + F_CTRL_AT, clockNow() + delay);
  rearm();
}

/** Abnormal termination at the current sector ID (ST0 IC = 01). */
function fail(st1: u32, st2: u32, delay: u64): void {
  finish(rd(X_ST0) | ST0_ABNORMAL, rd(X_ST1) | st1, rd(X_ST2) | st2, rd(X_C), rd(X_H), rd(X_R), rd(X_N), delay);
}

function startTransfer(op: u8): void {
  const d = cmd(1) & 3, head = (cmd(1) >> 2) & 1;
  wr(F_PHASE, PH_EXEC);
  wr(X_DRIVE, d); wr(X_HEAD, head);
  wr(X_C, cmd(2)); wr(X_H, cmd(3)); wr(X_R, op == OPC_READ_TRACK ? 1 : cmd(4)); wr(X_N, cmd(5));
  wr(X_EOT, cmd(6)); wr(F_LAST_EOT, cmd(6));
  wr(X_MT, op == OPC_READ_TRACK ? 0 : cmd(0) >> 7);
  wr(X_LEFT, cmd(8)); // VERIFY with EC = 1: SC in place of DTL
  wr(X_ST0, (head << 2) | d); wr(X_ST1, 0); wr(X_ST2, 0);
  // implied seek (CONFIGURE EIS): the head moves to cylinder C first
  if ((rd(F_CONFIG) & 0x40) != 0 && present(d)) {
    const c = cmd(2), m = maxTrack(d);
    if (c != drd(d, DR_PCN) && diskHasMedia(d)) { changeLine(d); dwr(d, DR_CHANGE, 0); } // step pulses
    dwr(d, DR_TRACK, c > m ? m : c); dwr(d, DR_PCN, c);
  }
  if (!idsVisible(d, head, (cmd(0) & 0x40) != 0)) { fail(ST1_MA, 0, NOT_FOUND_NS); return; } // no ID field found
  if (op == OPC_WRITE && diskReadOnly(d)) { fail(ST1_NW, 0, XFER_NS); return; } // write protected (5.1.4)
  if (op == OPC_READ_DELETED) { fail(ST1_ND, 0, NOT_FOUND_NS); return; } // no sector has a deleted data mark
  segment();
}

/** Look up sector R on the current head's track and ask the host for the run R..EOT of this side. */
function segment(): void {
  const d = rd(X_DRIVE), head = rd(X_HEAD), g = geometry(d);
  const track = drd(d, DR_TRACK), heads = (g >> 8) & 0xFF, spt = (g >> 16) & 0xFF;
  const c = rd(X_C), r = rd(X_R), eot = rd(X_EOT), op = <u8>rd(F_XOP);
  if (g == 0) { fail(ST1_MA, 0, NOT_FOUND_NS); return; } // media taken out meanwhile
  // the drive still serves a request of a command a reset abandoned: start when the host has answered it
  // (its data would land in the buffer this segment fills)
  if (diskBusy(d)) { wr(F_XSTATE, XS_DEFERRED); return; }
  if (op != OPC_READ_TRACK) { // the ID fields on the track: (track, head, 1..spt, 2)
    if (c != track) { fail(ST1_ND, c == 0xFF ? ST2_BC : ST2_WC, NOT_FOUND_NS); return; }
    if (rd(X_H) != head || rd(X_N) != 2 || r < 1 || r > spt) { fail(ST1_ND, 0, NOT_FOUND_NS); return; }
  }
  let last = spt, end = END_NOTFOUND;
  if (eot >= r && eot <= spt) { last = eot; end = END_EOT; }
  let count = last - r + 1;
  const lba = (track * heads + head) * spt + r - 1;
  const size = diskSectors(d);
  if (<u64>lba >= size) { fail(ST1_ND, 0, NOT_FOUND_NS); return; } // image shorter than its geometry
  if (<u64>(lba + count) > size) { count = <u32>(size - <u64>lba); end = END_NOTFOUND; }
  if (op == OPC_VERIFY && (cmd(1) & 0x80) != 0) { // EC = 1: stop after SC sectors
    const left = rd(X_LEFT);
    if (left == 0) { fail(ST1_ND, 0, NOT_FOUND_NS); return; }
    if (left <= count) { count = left; end = END_COUNT; }
  }
  wr(X_COUNT, count); wr(X_END, end); wr(X_MOVED, 0); wr(X_TC, 0); wr(X_OVR, 0);
  store<u32>(DEV_FDC + X_LBA, lba);
  if (op == OPC_WRITE) {
    if (dmaMode()) { dmaIn(diskBuffer(d), count); hostRequest(OP_WRITE); }
    else { wr(F_PIO, 2); pioStart(count * SECTOR); }
  } else hostRequest(OP_READ);
}

/** Ask the host for the segment's sectors. */
function hostRequest(op: u8): void {
  const d = rd(X_DRIVE);
  const count = op == OP_WRITE ? rd(X_MOVED) : rd(X_COUNT), lba = load<u32>(DEV_FDC + X_LBA);
  if (count == 0) { wr(F_XSTATE, XS_NONE); segmentDone(); return; } // nothing came from DMA (overrun)
  if (diskRequest(d, op, lba, count)) { wr(F_XSTATE, XS_DISK); return; }
  wr(F_XSTATE, XS_NONE);
  fail(ST1_ND, 0, NOT_FOUND_NS); // the host refused the range
}

/** Host -> guest memory for `count` sectors at buf; records moved sectors, TC and overrun. */
function dmaOut(buf: u32, count: u32): void {
  let moved: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if ((rd(F_DOR) & 0x08) == 0) { wr(X_OVR, 1); break; } // DRQ gated off: nobody answers (overrun)
    const left = dmaRemaining(2);
    const n = dmaTransfer(2, buf + i * SECTOR, SECTOR);
    if (n == 0) { wr(X_OVR, 1); break; }
    moved++;
    if (n < SECTOR || left <= SECTOR) { wr(X_TC, 1); break; } // terminal count ends the command (4.2.3)
  }
  wr(X_MOVED, moved);
}

/** Guest memory -> buffer for up to `count` sectors (WRITE DATA); a sector cut by TC is completed with zeros. */
function dmaIn(buf: u32, count: u32): void {
  let moved: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    if ((rd(F_DOR) & 0x08) == 0) { wr(X_OVR, 1); break; }
    const left = dmaRemaining(2);
    const n = dmaTransfer(2, buf + i * SECTOR, SECTOR);
    if (n == 0) { wr(X_OVR, 1); break; }
    if (n < SECTOR) memory.fill(buf + i * SECTOR + n, 0, SECTOR - n);
    moved++;
    if (n < SECTOR || left <= SECTOR) { wr(X_TC, 1); break; }
  }
  wr(X_MOVED, moved);
}

export function fdcDiskDone(drive: u32, result: u8): void {
  const xs = rd(F_XSTATE);
  if (rd(F_PHASE) != PH_EXEC || drive != rd(X_DRIVE)) return; // an answer to a command a reset abandoned
  if (xs == XS_DEFERRED) { wr(F_XSTATE, XS_NONE); if (rd(F_XOP) == OPC_FORMAT) formatBody(); else segment(); return; }
  if (xs != XS_DISK) return;
  wr(F_XSTATE, XS_NONE);
  const op = <u8>rd(F_XOP);
  if (result != RESULT_OK) { // the host could not read or write: a data error (CRC) in the data field
    fail(ST1_DE, op == OPC_WRITE || op == OPC_FORMAT ? 0 : ST2_DD, XFER_NS);
    return;
  }
  if (op == OPC_FORMAT) { formatDone(); return; }
  if (op == OPC_WRITE) { segmentDone(); return; }
  const buf = diskBuffer(drive), count = rd(X_COUNT);
  if (op == OPC_VERIFY) {
    if ((cmd(1) & 0x80) == 0 && dmaMode()) dmaOut(buf, count); // EC = 0: the DMA (verify mode) counts to TC
    else wr(X_MOVED, count);
    if ((cmd(1) & 0x80) != 0) wr(X_LEFT, rd(X_LEFT) - count);
    segmentDone();
    return;
  }
  if (dmaMode()) { dmaOut(buf, count); segmentDone(); return; }
  wr(F_PIO, 1); // non-DMA: the host reads the bytes from the FIFO
  pioStart(count * SECTOR);
}

/** The segment's data moved: terminal count, next side (multi-track), or the end of the track. */
function segmentDone(): void {
  const moved = rd(X_MOVED), r = rd(X_R), eot = rd(X_EOT);
  const lastR = r + moved - 1;
  if (rd(X_OVR) != 0) { wr(X_R, moved != 0 ? lastR + 1 : r); fail(ST1_OR, 0, XFER_NS); return; }
  const end = rd(X_END);
  if (rd(X_TC) != 0 || end == END_COUNT) { finishAt(lastR, 0, 0); return; }
  if (end == END_EOT) {
    if (rd(X_MT) != 0 && rd(X_HEAD) == 0) { // multi-track: side 1 sector 1 follows side 0 sector EOT
      wr(X_HEAD, 1); wr(X_H, rd(X_H) ^ 1); wr(X_R, 1); wr(X_ST0, rd(X_ST0) | 4);
      if (!idsVisible(rd(X_DRIVE), 1, true)) { fail(ST1_MA, 0, NOT_FOUND_NS); return; }
      segment();
      return;
    }
    // past EOT without TC: end of cylinder, abnormal termination (4.2.3: expected in non-DMA transfers)
    finishAt(lastR, ST0_ABNORMAL, ST1_EN);
    return;
  }
  wr(X_R, lastR + 1); // the next sector is not on the track (or past the image)
  fail(ST1_ND, 0, NOT_FOUND_NS);
}

/** Result after the last sector `lastR` transferred: the ID of the next sector (Table 5-1 notes, MT and EOT). */
function finishAt(lastR: u32, ic: u32, st1: u32): void {
  let c = rd(X_C), h = rd(X_H), r = lastR + 1;
  if (lastR == rd(X_EOT)) {
    r = 1;
    if (rd(X_MT) == 0) c++;
    else { if (rd(X_HEAD) != 0) c++; h ^= 1; }
  }
  const d = rd(X_DRIVE), g = geometry(d), spt = (g >> 16) & 0xFF;
  if (spt != 0) dwr(d, DR_NEXT_R, lastR % spt + 1);
  finish(rd(X_ST0) | ic, rd(X_ST1) | st1, rd(X_ST2), c & 0xFF, h, r & 0xFF, rd(X_N), XFER_NS);
}

// ---- non-DMA data phase (4.2.1): the host moves each byte through the FIFO --------------------------------------
function pioStart(len: u32): void {
  store<u32>(DEV_FDC + X_PIO_POS, 0);
  store<u32>(DEV_FDC + X_PIO_LEN, len);
  setInt(true); // INT signals "data ready" in non-DMA mode
}

function pioOut(): u32 {
  const pos = load<u32>(DEV_FDC + X_PIO_POS), len = load<u32>(DEV_FDC + X_PIO_LEN);
  const v = <u32>load<u8>(diskBuffer(rd(X_DRIVE)) + pos);
  if (pos == 0) setInt(false);
  store<u32>(DEV_FDC + X_PIO_POS, pos + 1);
  if (pos + 1 >= len) { wr(F_PIO, 0); wr(X_MOVED, rd(X_COUNT)); segmentDone(); }
  return v;
}

function pioIn(v: u32): void {
  const pos = load<u32>(DEV_FDC + X_PIO_POS), len = load<u32>(DEV_FDC + X_PIO_LEN);
  const d = rd(X_DRIVE);
  if (pos == 0) setInt(false);
  const base = rd(F_XOP) == OPC_FORMAT ? diskBuffer(d) + FORMAT_IDS : diskBuffer(d);
  store<u8>(base + pos, <u8>v);
  store<u32>(DEV_FDC + X_PIO_POS, pos + 1);
  if (pos + 1 < len) return;
  wr(F_PIO, 0);
  if (rd(F_XOP) == OPC_FORMAT) { formatWrite(); return; }
  wr(X_MOVED, rd(X_COUNT));
  hostRequest(OP_WRITE);
}

// ---- READ ID and FORMAT TRACK (5.2, 5.1) ------------------------------------------------------------------------
function readId(d: u32): void {
  const head = (cmd(1) >> 2) & 1;
  wr(F_PHASE, PH_EXEC);
  wr(X_DRIVE, d); wr(X_ST0, (head << 2) | d); wr(X_ST1, 0); wr(X_ST2, 0);
  wr(X_C, drd(d, DR_PCN)); wr(X_H, head); wr(X_R, 0); wr(X_N, 0);
  if (!idsVisible(d, head, (cmd(0) & 0x40) != 0)) { fail(ST1_MA, 0, NOT_FOUND_NS); return; }
  // the first ID field that passes under the head: the sectors of the track come round in order
  const spt = (geometry(d) >> 16) & 0xFF;
  let r = drd(d, DR_NEXT_R);
  if (r < 1 || r > spt) r = 1;
  dwr(d, DR_NEXT_R, r % spt + 1);
  finish((head << 2) | d, 0, 0, drd(d, DR_TRACK), head, r, 2, XFER_NS);
}

function format(d: u32): void {
  const head = (cmd(1) >> 2) & 1, sc = cmd(3);
  wr(F_PHASE, PH_EXEC);
  wr(X_DRIVE, d); wr(X_HEAD, head); wr(X_ST0, (head << 2) | d); wr(X_ST1, 0); wr(X_ST2, 0);
  wr(X_C, drd(d, DR_TRACK)); wr(X_H, head); wr(X_R, 1); wr(X_N, cmd(2));
  wr(F_LAST_EOT, sc);
  wr(X_COUNT, sc); wr(X_MOVED, 0); wr(X_TC, 0); wr(X_OVR, 0);
  if (!idsVisible(d, head, (cmd(0) & 0x40) != 0)) { fail(ST1_MA, 0, NOT_FOUND_NS); return; } // no media, rate, track
  if (diskReadOnly(d)) { fail(ST1_NW, 0, XFER_NS); return; } // 5.1.7: write protected
  if (diskBusy(d)) { wr(F_XSTATE, XS_DEFERRED); return; } // see segment()
  formatBody();
}

function formatBody(): void {
  const d = rd(X_DRIVE), sc = cmd(3), ids = diskBuffer(d) + FORMAT_IDS;
  if (!dmaMode()) { wr(F_PIO, 2); pioStart(sc * 4); return; }
  // the host supplies one 4-byte ID field (C, H, R, N) per sector through DMA
  if ((rd(F_DOR) & 0x08) == 0 || sc == 0) { fail(ST1_OR, 0, XFER_NS); return; }
  const n = dmaTransfer(2, ids, sc * 4);
  if (n == 0) { fail(ST1_OR, 0, XFER_NS); return; }
  store<u32>(DEV_FDC + X_PIO_LEN, n);
  formatWrite();
}

/** Write the fill byte over the track (every sector of the image's geometry: the format cannot change it). */
function formatWrite(): void {
  const d = rd(X_DRIVE), g = geometry(d), head = rd(X_HEAD);
  const heads = (g >> 8) & 0xFF, spt = (g >> 16) & 0xFF, track = drd(d, DR_TRACK);
  const ids = diskBuffer(d) + FORMAT_IDS, n = load<u32>(DEV_FDC + X_PIO_LEN) >> 2;
  if (n > 0) { // report the last ID field written
    const last = ids + (n - 1) * 4;
    wr(X_C, load<u8>(last)); wr(X_H, load<u8>(last + 1)); wr(X_R, load<u8>(last + 2)); wr(X_N, load<u8>(last + 3));
  }
  memory.fill(diskBuffer(d), <u8>cmd(5), spt * SECTOR);
  let lba = (track * heads + head) * spt, count = spt;
  const size = diskSectors(d);
  if (<u64>lba >= size) { fail(ST1_ND, 0, NOT_FOUND_NS); return; }
  if (<u64>(lba + count) > size) count = <u32>(size - <u64>lba);
  store<u32>(DEV_FDC + X_LBA, lba);
  wr(X_COUNT, count); wr(X_MOVED, count);
  hostRequest(OP_WRITE);
}

function formatDone(): void {
  finish(rd(X_ST0), rd(X_ST1), rd(X_ST2), rd(X_C), rd(X_H), rd(X_R), rd(X_N), XFER_NS);
}
