// The ATAPI CD-ROM drive: the ATA commands a packet device accepts (ATA/ATAPI-6 8.17 IDENTIFY PACKET DEVICE,
// 8.21 PACKET, 8.9 DEVICE RESET), the packet protocol (9.10: command packet, interrupt reason in the Sector
// Count register, byte count in LBA Mid/High, PIO chunks or bus-master DMA) and the packet commands of
// SFF-8020i / MMC-2 (T10/1228D) a PC guest uses: TEST UNIT READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10/12),
// MODE SENSE(6/10), START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, READ TOC/PMA/ATIP, GET CONFIGURATION, GET EVENT
// STATUS NOTIFICATION, READ DISC INFORMATION, MECHANISM STATUS, READ SUB-CHANNEL, SET CD SPEED, SEEK.
// Media is a single data track (track 1 from LBA 0); audio and writing are not modelled.
import {
  drv, tf, setTf, setStatus, setPhase, raiseIrq, schedule, bufferOf, diskOf, setSignature, dmaMove, dmaEnd, bmStarted,
  ST_BSY, ST_DRDY, ST_DRQ, ST_ERR, ER_ABRT,
  T_FEATURE, T_NSECT, T_LBAM, T_LBAH, T_ERROR, T_CMD, T_SENSE, T_ASC, T_ASCQ, T_CDFLAGS, T_KIND, T_DMA,
  T_LBA, T_LEFT, T_POS, T_END, T_BLOCK_END, T_BLOCK, T_CHUNK, T_PACKET, T_WAITING, T_PHASE, T_XFER,
  PH_IDLE, PH_PIO_IN, PH_PACKET, PH_DMA, ACT_NEXT_BLOCK, ACT_PACKET, BLOCK_NS, CMD_NS,
} from "./ide";
import { putString, putChecksum, putDmaModes, diagnostic, w, resetResult } from "./ata";
import {
  diskRequest, diskSectors, diskSectorSize, diskHasMedia, diskTakeChanged, diskEject, OP_READ, RESULT_OK,
} from "../bus/disk";
import { DISK_BUFFER_SIZE } from "../layout";

const K_NONE: u8 = 0, K_IDENT: u8 = 1, K_DATA: u8 = 2, K_READ: u8 = 3;
const CD_UNIT_ATTENTION: u8 = 1, CD_EVENT_NEW: u8 = 2, CD_EVENT_REMOVED: u8 = 4, CD_LOCKED: u8 = 8;
// interrupt reason (Sector Count register, 9.10): CoD = 1, IO = 2
const IR_COD: u8 = 1, IR_IO: u8 = 2;
const BLOCK: u32 = 2048;
const CHUNK: u32 = DISK_BUFFER_SIZE / BLOCK;

// sense keys (SPC / MMC-2 table "sense key descriptions")
const SK_NOT_READY: u8 = 2, SK_MEDIUM_ERROR: u8 = 3, SK_ILLEGAL_REQUEST: u8 = 5, SK_UNIT_ATTENTION: u8 = 6;

function factor(d: u32): u32 { const s = diskSectorSize(diskOf(d)); return s >= BLOCK ? 1 : BLOCK / (s == 0 ? 512 : s); }
/** Media size in 2048-byte blocks (0: no disc). */
function blocks(d: u32): u64 { return diskSectors(diskOf(d)) / factor(d); }

/** Media changes since the last look: unit attention once and a media event for GET EVENT STATUS (MMC-2 5.6). */
function pollMedia(d: u32): void {
  if (!diskTakeChanged(diskOf(d))) return;
  let f = tf(d, T_CDFLAGS) | CD_UNIT_ATTENTION;
  f = diskHasMedia(diskOf(d)) ? (f | CD_EVENT_NEW) & ~CD_EVENT_REMOVED : (f | CD_EVENT_REMOVED) & ~CD_EVENT_NEW;
  setTf(d, T_CDFLAGS, f);
}

function pk(d: u32, i: u32): u32 { return load<u8>(drv(d) + T_PACKET + i); }
function pk16(d: u32, i: u32): u32 { return (pk(d, i) << 8) | pk(d, i + 1); }
function pk32(d: u32, i: u32): u32 { return (pk16(d, i) << 16) | pk16(d, i + 2); }
function put16(buf: u32, i: u32, v: u32): void { store<u8>(buf + i, <u8>(v >> 8)); store<u8>(buf + i + 1, <u8>v); }
function put32(buf: u32, i: u32, v: u32): void { put16(buf, i, v >> 16); put16(buf, i + 2, v & 0xFFFF); }

function setSense(d: u32, key: u8, asc: u8, ascq: u8): void { setTf(d, T_SENSE, key); setTf(d, T_ASC, asc); setTf(d, T_ASCQ, ascq); }

// ---- completion (9.10: the status phase has IO = CoD = 1) -------------------------------------------------------
function complete(d: u32): void {
  setPhase(d, PH_IDLE);
  setTf(d, T_KIND, K_NONE);
  setTf(d, T_NSECT, IR_IO | IR_COD);
  setStatus(d, ST_DRDY);
  raiseIrq(d);
}

/** CHECK CONDITION: ERR, the sense key in error register bits 7-4 (8.21.5; ABRT left clear, as QEMU's drive
 *  does), sense data for REQUEST SENSE. */
function checkCondition(d: u32, key: u8, asc: u8, ascq: u8): void {
  setSense(d, key, asc, ascq);
  setPhase(d, PH_IDLE);
  setTf(d, T_KIND, K_NONE);
  setTf(d, T_ERROR, key << 4);
  setTf(d, T_NSECT, IR_IO | IR_COD);
  setStatus(d, ST_DRDY | ST_ERR);
  raiseIrq(d);
}

function abortAta(d: u32): void {
  setPhase(d, PH_IDLE);
  setTf(d, T_ERROR, ER_ABRT);
  setStatus(d, ST_DRDY | ST_ERR);
  raiseIrq(d);
}

// ---- data phase ----------------------------------------------------------------------------------------------
/** Start a PIO chunk of at most the byte count limit, or hand the data to the bus master. */
function startData(d: u32): void {
  const s = drv(d);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END);
  if (pos >= end) {
    if (tf(d, T_KIND) == K_READ && load<u32>(s + T_LEFT) > 0) { fetch(d); return; }
    if (tf(d, T_DMA) != 0) dmaEnd(d, false);
    complete(d);
    return;
  }
  if (tf(d, T_DMA) != 0) { setPhase(d, PH_DMA); setStatus(d, ST_BSY | ST_DRDY); atapiDmaStep(d); return; }
  let n = end - pos;
  const limit = load<u32>(s + T_BLOCK);
  if (n > limit) n = limit;
  store<u32>(s + T_BLOCK_END, pos + n);
  setTf(d, T_LBAM, n & 0xFF);
  setTf(d, T_LBAH, n >> 8);
  setTf(d, T_NSECT, IR_IO);
  setPhase(d, PH_PIO_IN);
  setStatus(d, ST_DRDY | ST_DRQ);
  raiseIrq(d);
}

/** Reply with `len` bytes already in the buffer, cut to the allocation length. */
function reply(d: u32, len: u32, alloc: u32): void {
  const s = drv(d);
  store<u32>(s + T_POS, 0);
  store<u32>(s + T_END, len < alloc ? len : alloc);
  store<u32>(s + T_LEFT, 0);
  setTf(d, T_KIND, K_DATA);
  startData(d);
}

function fetch(d: u32): void {
  const s = drv(d);
  const left = load<u32>(s + T_LEFT);
  const n = left < CHUNK ? left : CHUNK, f = factor(d);
  store<u32>(s + T_CHUNK, n);
  setStatus(d, ST_BSY);
  if (!diskRequest(diskOf(d), OP_READ, load<u64>(s + T_LBA) * f, n * f)) {
    if (!diskHasMedia(diskOf(d))) checkCondition(d, SK_NOT_READY, 0x3A, 0); else checkCondition(d, SK_ILLEGAL_REQUEST, 0x21, 0);
    return;
  }
  setTf(d, T_WAITING, 1);
}

export function atapiDiskDone(d: u32, result: u8): void {
  const s = drv(d);
  if (result != RESULT_OK) { // unrecovered read error (MMC-2 sense 03/11/00)
    if (tf(d, T_DMA) != 0) dmaEnd(d, false);
    checkCondition(d, SK_MEDIUM_ERROR, 0x11, 0);
    return;
  }
  const n = load<u32>(s + T_CHUNK);
  store<u64>(s + T_LBA, load<u64>(s + T_LBA) + n);
  store<u32>(s + T_LEFT, load<u32>(s + T_LEFT) - n);
  store<u32>(s + T_POS, 0);
  store<u32>(s + T_END, n * BLOCK);
  startData(d);
}

export function atapiDmaStep(d: u32): void {
  if (!bmStarted(d)) return;
  const s = drv(d);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END);
  const moved = dmaMove(d, bufferOf(d) + pos, end - pos, true);
  store<u32>(s + T_POS, end);
  if (moved < end - pos) { dmaEnd(d, true); checkCondition(d, SK_ILLEGAL_REQUEST, 0x24, 0); return; } // table too short
  startData(d);
}

export function atapiBlockDone(d: u32): void {
  const s = drv(d);
  if (tf(d, T_PHASE) == PH_PACKET) { schedule(d, ACT_PACKET, CMD_NS); return; }
  if (tf(d, T_KIND) == K_IDENT) { setPhase(d, PH_IDLE); setTf(d, T_KIND, K_NONE); setStatus(d, ST_DRDY); return; }
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END);
  if (pos < end || load<u32>(s + T_LEFT) > 0) { schedule(d, ACT_NEXT_BLOCK, BLOCK_NS); return; }
  complete(d);
}

export function atapiTimerBlock(d: u32): void { startData(d); }

// ---- ATA commands on the packet device --------------------------------------------------------------------------
function identifyPacket(d: u32): void {
  const buf = bufferOf(d);
  memory.fill(buf, 0, 512);
  // word 0 (8.17.7): ATAPI (10b), CD-ROM device type 05h, removable, DRQ within 50 us (10b), 12-byte packets
  w(buf, 0, 0x85C0);
  putString(buf, 10, "WEBPC" + (d + 1).toString() + "0000000000000", 10);
  putString(buf, 23, "1.0", 4);
  putString(buf, 27, "WEBPC ATAPI CD-ROM", 20);
  w(buf, 49, 0x0F00); // DMA, LBA, IORDY
  w(buf, 53, 0x0006); // words 64-70 and 88 valid
  w(buf, 64, 0x0003);
  w(buf, 65, 120); w(buf, 66, 120); w(buf, 67, 120); w(buf, 68, 120);
  w(buf, 80, 0x007E);
  w(buf, 82, 0x4010); // NOP, PACKET command feature set
  w(buf, 83, 0x4000); w(buf, 84, 0x4000);
  w(buf, 85, 0x4010); w(buf, 86, 0x0000); w(buf, 87, 0x4000);
  putDmaModes(buf, d);
  w(buf, 93, resetResult(d));
  putChecksum(buf);
}

export function atapiCommand(d: u32): void {
  setTf(d, T_DMA, 0);
  setTf(d, T_KIND, K_NONE);
  const cmd = tf(d, T_CMD);
  switch (cmd) {
    case 0xA0: { // PACKET (8.21): DMA from feature bit 0, byte count limit from LBA Mid/High
      setTf(d, T_DMA, tf(d, T_FEATURE) & 1);
      let limit = tf(d, T_LBAM) | (tf(d, T_LBAH) << 8);
      if (limit == 0 || limit == 0xFFFF) limit = 0xFFFE; // 0 is invalid; odd limits are rounded down (9.10)
      store<u32>(drv(d) + T_BLOCK, limit & 0xFFFE);
      store<u32>(drv(d) + T_POS, 0);
      setTf(d, T_NSECT, IR_COD);
      setPhase(d, PH_PACKET);
      setStatus(d, ST_DRDY | ST_DRQ); // no interrupt before the packet: DRQ within 50 us (word 0 bits 6-5)
      return;
    }
    case 0xA1: // IDENTIFY PACKET DEVICE (8.17)
      identifyPacket(d);
      store<u32>(drv(d) + T_POS, 0); store<u32>(drv(d) + T_END, 512); store<u32>(drv(d) + T_BLOCK_END, 512);
      setTf(d, T_KIND, K_IDENT);
      setPhase(d, PH_PIO_IN);
      setStatus(d, ST_DRDY | ST_DRQ);
      raiseIrq(d);
      return;
    case 0xEC: // IDENTIFY DEVICE on a packet device: aborted, with the signature in the registers (8.15)
      setSignature(d);
      abortAta(d);
      return;
    case 0x90: diagnostic(d); return;
    case 0xEF: { // SET FEATURES: transfer mode only
      const m = tf(d, T_NSECT);
      if (tf(d, T_FEATURE) == 0x03 && (m <= 1 || (m >= 0x08 && m <= 0x0C) || (m >= 0x20 && m <= 0x22) || (m >= 0x40 && m <= 0x45))) {
        setTf(d, T_XFER, m);
        setPhase(d, PH_IDLE); setStatus(d, ST_DRDY); raiseIrq(d);
      } else abortAta(d);
      return;
    }
    case 0xE5: setTf(d, T_NSECT, 0xFF); setStatus(d, ST_DRDY); raiseIrq(d); return; // CHECK POWER MODE
    case 0xE0: case 0xE1: case 0xE6: setStatus(d, ST_DRDY); raiseIrq(d); return; // STANDBY/IDLE IMMEDIATE, SLEEP
    default: abortAta(d); return;
  }
}

// ---- packet commands -------------------------------------------------------------------------------------------
function lbaToMsf(buf: u32, i: u32, lba: u32): void { // MSF addresses count 150 frames of lead-in (MMC-2 A.1)
  const f = lba + 150;
  store<u8>(buf + i, 0);
  store<u8>(buf + i + 1, <u8>(f / (75 * 60)));
  store<u8>(buf + i + 2, <u8>((f / 75) % 60));
  store<u8>(buf + i + 3, <u8>(f % 75));
}

function putAddress(buf: u32, i: u32, lba: u32, msf: bool): void { if (msf) lbaToMsf(buf, i, lba); else put32(buf, i, lba); }

/** READ TOC/PMA/ATIP (MMC-2 5.23): formats 0 (TOC), 1 (session info), 2 (full TOC, always MSF). */
function readToc(d: u32, buf: u32): i32 {
  const msf = (pk(d, 1) & 2) != 0;
  let format = pk(d, 2) & 0x0F;
  if (format == 0) format = pk(d, 9) >> 6; // SFF-8020i placed the format in the control byte
  const track = pk(d, 6), leadOut = <u32>blocks(d);
  let n: u32 = 4;
  if (format == 0) {
    if (track > 1 && track != 0xAA) return -1;
    if (track <= 1) { // track 1: data, ADR 1 (control 4)
      store<u8>(buf + n + 1, 0x14); store<u8>(buf + n + 2, 1); putAddress(buf, n + 4, 0, msf); n += 8;
    }
    store<u8>(buf + n + 1, 0x14); store<u8>(buf + n + 2, 0xAA); putAddress(buf, n + 4, leadOut, msf); n += 8;
    store<u8>(buf + 2, 1); store<u8>(buf + 3, 1);
  } else if (format == 1) {
    store<u8>(buf + 2, 1); store<u8>(buf + 3, 1);
    store<u8>(buf + n + 1, 0x14); store<u8>(buf + n + 2, 1); putAddress(buf, n + 4, 0, msf); n += 8;
  } else if (format == 2) {
    store<u8>(buf + 2, 1); store<u8>(buf + 3, 1);
    const points: u32[] = [0xA0, 0xA1, 0xA2, 1];
    for (let i = 0; i < 4; i++) { // session, ADR/control, TNO, POINT, Min, Sec, Frame, Zero, PMIN, PSEC, PFRAME
      const p = points[i];
      store<u8>(buf + n, 1); store<u8>(buf + n + 1, 0x14); store<u8>(buf + n + 3, <u8>p);
      if (p == 0xA0 || p == 0xA1) store<u8>(buf + n + 8, 1); // first / last track number; disc type 00h
      else if (p == 0xA2) { lbaToMsf(buf, n + 7, leadOut); store<u8>(buf + n + 7, 0); }
      else { lbaToMsf(buf, n + 7, 0); store<u8>(buf + n + 7, 0); }
      n += 11;
    }
  } else return -1;
  put16(buf, 0, n - 2);
  return <i32>n;
}

/** MODE SENSE pages (MMC-2 5.5.x): 01h read error recovery, 0Dh CD parameters, 2Ah capabilities. */
function modePage(d: u32, buf: u32, page: u32): u32 {
  if (page == 0x01) { store<u8>(buf, 0x01); store<u8>(buf + 1, 0x0A); store<u8>(buf + 3, 5); return 12; }
  if (page == 0x0D) { store<u8>(buf, 0x0D); store<u8>(buf + 1, 0x06); put16(buf, 4, 60); put16(buf, 6, 75); return 8; }
  if (page == 0x2A) {
    store<u8>(buf, 0x2A); store<u8>(buf + 1, 0x12);
    store<u8>(buf + 2, 0x03); // reads CD-R and CD-RW
    store<u8>(buf + 4, 0x71); // audio play, multi-session, mode 2 form 1/2
    store<u8>(buf + 5, 0x03); // CD-DA commands, accurate stream
    store<u8>(buf + 6, 0x29 | ((tf(d, T_CDFLAGS) & CD_LOCKED) != 0 ? 2 : 0)); // tray, eject, lock (+ state)
    put16(buf, 8, 2816); // maximum read speed (kB/s): 16x
    put16(buf, 10, 256); put16(buf, 12, 512);
    put16(buf, 14, 2816);
    return 20;
  }
  return 0;
}

function modeSense(d: u32, buf: u32, ten: bool): i32 {
  const pc = pk(d, 2) >> 6, page = pk(d, 2) & 0x3F;
  if (pc == 3) return -2; // saved values: not supported (05/39)
  const head: u32 = ten ? 8 : 4;
  let n = head;
  if (page == 0x3F) { n += modePage(d, buf + n, 0x01); n += modePage(d, buf + n, 0x0D); n += modePage(d, buf + n, 0x2A); }
  else {
    const len = modePage(d, buf + n, page);
    if (len == 0) return -1;
    n += len;
  }
  if (pc == 1) for (let i = head + 2; i < n; i++) if (load<u8>(buf + i) != 0) store<u8>(buf + i, 0); // changeable: none
  const medium: u8 = diskHasMedia(diskOf(d)) ? 0x01 : 0x70; // 120 mm data CD / door closed, no disc
  if (ten) { put16(buf, 0, n - 2); store<u8>(buf + 2, medium); } else { store<u8>(buf, <u8>(n - 1)); store<u8>(buf + 1, medium); }
  return <i32>n;
}

function want(rt: u32, start: u32, f: u32): bool { return rt == 2 ? f == start : f >= start; } // RT 2: that feature only

/** GET CONFIGURATION (MMC-2 5.4): profile list (CD-ROM), core (ATAPI), removable medium. */
function getConfiguration(d: u32, buf: u32): u32 {
  const rt = pk(d, 1) & 3, start = pk16(d, 2);
  const media = diskHasMedia(diskOf(d));
  put16(buf, 6, media ? 0x0008 : 0);
  let n: u32 = 8;
  if (want(rt, start, 0x0000)) {
    put16(buf, n, 0x0000); store<u8>(buf + n + 2, 0x03); store<u8>(buf + n + 3, 4);
    put16(buf, n + 4, 0x0008); store<u8>(buf + n + 6, media ? 1 : 0); n += 8;
  }
  if (want(rt, start, 0x0001)) { // core: physical interface 2 = ATAPI
    put16(buf, n, 0x0001); store<u8>(buf + n + 2, 0x07); store<u8>(buf + n + 3, 4); put32(buf, n + 4, 2); n += 8;
  }
  if (want(rt, start, 0x0003)) { // removable medium: tray loader, eject, lock
    put16(buf, n, 0x0003); store<u8>(buf + n + 2, 0x03); store<u8>(buf + n + 3, 4); store<u8>(buf + n + 4, 0x29); n += 8;
  }
  put32(buf, 0, n - 4);
  return n;
}

/** GET EVENT STATUS NOTIFICATION, polled (MMC-2 5.6): the media class only. */
function getEventStatus(d: u32, buf: u32): u32 {
  store<u8>(buf + 3, 0x10); // supported classes: media
  if ((pk(d, 4) & 0x10) == 0) { put16(buf, 0, 2); store<u8>(buf + 2, 0x80); return 4; } // no event available
  put16(buf, 0, 6);
  store<u8>(buf + 2, 0x04);
  const f = tf(d, T_CDFLAGS);
  let code: u8 = 0;
  if ((f & CD_EVENT_NEW) != 0) code = 2; else if ((f & CD_EVENT_REMOVED) != 0) code = 3;
  setTf(d, T_CDFLAGS, f & ~(CD_EVENT_NEW | CD_EVENT_REMOVED));
  store<u8>(buf + 4, code);
  store<u8>(buf + 5, diskHasMedia(diskOf(d)) ? 2 : 0); // media present (bit 1); tray closed
  return 8;
}

export function atapiPacket(d: u32): void {
  const buf = bufferOf(d), op = pk(d, 0);
  setStatus(d, ST_BSY);
  pollMedia(d);
  // unit attention once after a media change, for every command but these four (MMC-2 4.1.6 / SPC)
  const exempt = op == 0x12 || op == 0x03 || op == 0x46 || op == 0x4A;
  if (!exempt && (tf(d, T_CDFLAGS) & CD_UNIT_ATTENTION) != 0) {
    setTf(d, T_CDFLAGS, tf(d, T_CDFLAGS) & ~CD_UNIT_ATTENTION);
    checkCondition(d, SK_UNIT_ATTENTION, 0x28, 0); // not ready to ready change, medium may have changed
    return;
  }
  const media = diskHasMedia(diskOf(d));
  const needsMedia = op == 0x00 || op == 0x25 || op == 0x28 || op == 0xA8 || op == 0x43 || op == 0x51 || op == 0x2B;
  if (needsMedia && !media) { checkCondition(d, SK_NOT_READY, 0x3A, 0); return; } // medium not present
  if (op != 0x03) setSense(d, 0, 0, 0);
  memory.fill(buf, 0, 256);
  switch (op) {
    case 0x00: complete(d); return; // TEST UNIT READY
    case 0x03: { // REQUEST SENSE: fixed format, then the sense is cleared
      store<u8>(buf, 0x70); store<u8>(buf + 2, <u8>tf(d, T_SENSE)); store<u8>(buf + 7, 10);
      store<u8>(buf + 12, <u8>tf(d, T_ASC)); store<u8>(buf + 13, <u8>tf(d, T_ASCQ));
      setSense(d, 0, 0, 0);
      reply(d, 18, pk(d, 4));
      return;
    }
    case 0x12: // INQUIRY: CD-ROM, removable, ATAPI version 2 / response format 1
      store<u8>(buf, 0x05); store<u8>(buf + 1, 0x80); store<u8>(buf + 3, 0x21); store<u8>(buf + 4, 31);
      for (let i = 0; i < 28; i++) store<u8>(buf + 8 + i, 0x20);
      for (let i = 0; i < 5; i++) store<u8>(buf + 8 + i, <u8>"WEBPC".charCodeAt(i));
      for (let i = 0; i < 6; i++) store<u8>(buf + 16 + i, <u8>"CD-ROM".charCodeAt(i));
      for (let i = 0; i < 3; i++) store<u8>(buf + 32 + i, <u8>"1.0".charCodeAt(i));
      reply(d, 36, pk(d, 4));
      return;
    case 0x25: // READ CAPACITY: last block address and block length
      put32(buf, 0, <u32>blocks(d) - 1); put32(buf, 4, BLOCK);
      reply(d, 8, 8);
      return;
    case 0x28: case 0xA8: { // READ(10) / READ(12)
      const lba = <u64>pk32(d, 2);
      const count: u32 = op == 0x28 ? pk16(d, 7) : pk32(d, 6);
      if (lba >= blocks(d) || <u64>count > blocks(d) - lba) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x21, 0); return; }
      if (count == 0) { complete(d); return; }
      store<u64>(drv(d) + T_LBA, lba);
      store<u32>(drv(d) + T_LEFT, count);
      setTf(d, T_KIND, K_READ);
      fetch(d);
      return;
    }
    case 0x2B: complete(d); return; // SEEK(10)
    case 0x1A: case 0x5A: { // MODE SENSE(6) / (10)
      const n = modeSense(d, buf, op == 0x5A);
      if (n == -2) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x39, 0); return; }
      if (n < 0) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x24, 0); return; }
      reply(d, <u32>n, op == 0x5A ? pk16(d, 7) : pk(d, 4));
      return;
    }
    case 0x1B: { // START STOP UNIT: LoEj with Start = 0 ejects unless removal is prevented
      const b = pk(d, 4);
      if ((b & 3) == 2) {
        if ((tf(d, T_CDFLAGS) & CD_LOCKED) != 0) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x53, 0x02); return; }
        if (media) {
          diskEject(diskOf(d));
          diskTakeChanged(diskOf(d)); // our own eject: no unit attention, but a media removal event
          setTf(d, T_CDFLAGS, (tf(d, T_CDFLAGS) | CD_EVENT_REMOVED) & ~CD_EVENT_NEW);
        }
      }
      complete(d);
      return;
    }
    case 0x1E: // PREVENT ALLOW MEDIUM REMOVAL
      setTf(d, T_CDFLAGS, (pk(d, 4) & 1) != 0 ? tf(d, T_CDFLAGS) | CD_LOCKED : tf(d, T_CDFLAGS) & ~CD_LOCKED);
      complete(d);
      return;
    case 0x43: { // READ TOC/PMA/ATIP
      const n = readToc(d, buf);
      if (n < 0) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x24, 0); return; }
      reply(d, <u32>n, pk16(d, 7));
      return;
    }
    case 0x46: reply(d, getConfiguration(d, buf), pk16(d, 7)); return; // GET CONFIGURATION
    case 0x4A: // GET EVENT STATUS NOTIFICATION: only the polled form (asynchronous: invalid field)
      if ((pk(d, 1) & 1) == 0) { checkCondition(d, SK_ILLEGAL_REQUEST, 0x24, 0); return; }
      reply(d, getEventStatus(d, buf), pk16(d, 7));
      return;
    case 0x51: // READ DISC INFORMATION (MMC-2 5.19): complete disc, one session, track 1
      put16(buf, 0, 32); store<u8>(buf + 2, 0x0E); store<u8>(buf + 3, 1); store<u8>(buf + 4, 1);
      store<u8>(buf + 5, 1); store<u8>(buf + 6, 1);
      reply(d, 34, pk16(d, 7));
      return;
    case 0xBD: // MECHANISM STATUS (MMC-2 5.8): no changer; door open when there is no disc
      store<u8>(buf + 1, media ? 0 : 0x10);
      reply(d, 8, pk16(d, 8));
      return;
    case 0x42: { // READ SUB-CHANNEL (MMC-2 5.25): no audio status; current position of a data track
      store<u8>(buf + 1, 0x15);
      let n: u32 = 4;
      if ((pk(d, 2) & 0x40) != 0 && pk(d, 3) == 1) {
        put16(buf, 2, 12); store<u8>(buf + 4, 1); store<u8>(buf + 5, 0x14); store<u8>(buf + 6, 1); store<u8>(buf + 7, 1);
        n = 16;
      }
      reply(d, n, pk16(d, 7));
      return;
    }
    case 0xBB: complete(d); return; // SET CD SPEED: accepted, nothing to slow down
    default: checkCondition(d, SK_ILLEGAL_REQUEST, 0x20, 0); return; // invalid command operation code
  }
}
