// ATA hard disk commands of the IDE drives (ATA/ATAPI-6, T13/1410D rev. 3b, section 8; protocols in section 9):
// IDENTIFY DEVICE, PIO READ/WRITE SECTOR(S) and MULTIPLE (28- and 48-bit), bus-master READ/WRITE DMA (EXT), READ
// VERIFY, SEEK, INITIALIZE DEVICE PARAMETERS, SET MULTIPLE MODE, SET FEATURES, FLUSH CACHE (EXT), the power
// commands and EXECUTE DEVICE DIAGNOSTIC. The controller side (registers, data port, DMA engine, timing) is ide.ts.
// Sectors come from the host in chunks of at most DISK_BUFFER_SIZE (bus/disk.ts), the drive BSY meanwhile.
import {
  drv, tf, tfHob, setTf, setStatus, setPhase, raiseIrq, schedule, bufferOf, diskOf, setSignature, dmaMove,
  dmaEnd, bmStarted, isAtapi, present, channelOf,
  ST_BSY, ST_DRDY, ST_DSC, ST_DRQ, ST_ERR, ST_DF, ER_UNC, ER_IDNF, ER_ABRT,
  T_FEATURE, T_NSECT, T_LBAL, T_LBAM, T_LBAH, T_DEVICE, T_ERROR, T_CMD, T_MULT, T_HEADS, T_SPT, T_XFER, T_KIND, T_DMA,
  T_LBA, T_LEFT, T_POS, T_END, T_BLOCK_END, T_BLOCK, T_CHUNK, T_WAITING, T_LBA48, T_USE_LBA,
  PH_IDLE, PH_PIO_IN, PH_PIO_OUT, PH_DMA, ACT_NEXT_BLOCK, BLOCK_NS,
} from "./ide";
import { diskRequest, diskSectors, OP_READ, OP_WRITE, OP_FLUSH, RESULT_OK } from "../bus/disk";
import { DISK_BUFFER_SIZE } from "../layout";

const K_NONE: u8 = 0, K_READ: u8 = 1, K_WRITE: u8 = 2, K_IDENT: u8 = 3, K_DMA_READ: u8 = 4, K_DMA_WRITE: u8 = 5;
const K_FLUSH: u8 = 6;
const MAX_MULTIPLE: u32 = 16; // IDENTIFY word 47: sectors per block of READ/WRITE MULTIPLE
const CHUNK: u32 = DISK_BUFFER_SIZE / 512; // 512-byte sectors per host request

/** IDENTIFY data word n. */
export function w(buf: u32, n: u32, v: u32): void { store<u16>(buf + n * 2, <u16>v); }

// ---- identification ------------------------------------------------------------------------------------------
/** ATA strings: two characters per word, the first in the high byte, padded with spaces (8.15.10). */
export function putString(buf: u32, word: u32, text: string, words: u32): void {
  for (let i: u32 = 0; i < words * 2; i++) {
    const ch: u32 = i < <u32>text.length ? <u32>text.charCodeAt(i) : 0x20;
    store<u8>(buf + word * 2 + (i ^ 1), <u8>ch);
  }
}

/** Word 255: signature A5h and a checksum that makes the 512 bytes sum to zero (8.15.64). */
export function putChecksum(buf: u32): void {
  store<u8>(buf + 510, 0xA5);
  let sum: u32 = 0;
  for (let i: u32 = 0; i < 511; i++) sum += load<u8>(buf + i);
  store<u8>(buf + 511, <u8>(-sum & 0xFF));
}

/** Transfer mode words 63 and 88 with the selected mode (SET FEATURES 03h) marked. */
export function putDmaModes(buf: u32, d: u32): void {
  const x = tf(d, T_XFER);
  let w63: u32 = 0x0007, w88: u32 = 0x003F; // multiword DMA 0-2, Ultra DMA 0-5 supported
  if ((x & 0xF8) == 0x20) w63 |= <u32>0x100 << (x & 7);
  if ((x & 0xF8) == 0x40) w88 |= <u32>0x100 << (x & 7);
  store<u16>(buf + 63 * 2, <u16>w63);
  store<u16>(buf + 88 * 2, <u16>w88);
}

/** Word 93, hardware reset result (8.15.50): set by jumper, diagnostics passed, 80-conductor cable (bit 13);
 *  device 0 either saw device 1 (PDIAG-, DASP-: bits 4-5) or answers for it (bit 6). */
export function resetResult(d: u32): u32 {
  if ((d & 1) != 0) return 0x6B00; // device 1: bit 8 one, jumper (bits 10-9 = 01b), PDIAG- asserted (bit 11)
  return 0x600B | (present(d + 1) ? 0x0030 : 0x0040);
}

function defaultCylinders(total: u64): u32 {
  const c = total / (16 * 63);
  return c > 16383 ? 16383 : <u32>c;
}

function identify(d: u32): void {
  const buf = bufferOf(d);
  memory.fill(buf, 0, 512);
  const total = diskSectors(diskOf(d));
  const cyl = defaultCylinders(total);
  w(buf, 0, 0x0040); // ATA device, not removable (8.15.8 word 0)
  w(buf, 1, cyl); w(buf, 3, 16); w(buf, 6, 63); // default CHS translation (words 1, 3, 6)
  putString(buf, 10, "WEBPC" + (d + 1).toString() + "0000000000000", 10); // serial number (words 10-19)
  putString(buf, 23, "1.0", 4); // firmware revision (words 23-26)
  putString(buf, 27, "WEBPC ATA DISK", 20); // model number (words 27-46)
  w(buf, 47, 0x8000 | MAX_MULTIPLE); // READ/WRITE MULTIPLE: up to 16 sectors per block
  w(buf, 49, 0x0F00); // capabilities: DMA, LBA, IORDY may be disabled, IORDY supported
  w(buf, 50, 0x4000);
  w(buf, 51, 0x0200); // PIO timing mode 2 (obsolete word, DOS drivers read it)
  w(buf, 53, 0x0007); // words 54-58, 64-70 and 88 are valid
  const h = <u32>load<u16>(drv(d) + T_HEADS), s = <u32>load<u16>(drv(d) + T_SPT);
  if (h != 0 && s != 0) { // current translation (words 54-58)
    let limit = total < <u64>16514064 ? total : <u64>16514064; // CHS addresses at most 16383 x 16 x 63 sectors
    let cc = limit / (<u64>h * s);
    if (cc > 65535) cc = 65535;
    const cap = cc * h * s;
    w(buf, 54, <u32>cc); w(buf, 55, h); w(buf, 56, s); w(buf, 57, <u32>cap & 0xFFFF); w(buf, 58, <u32>(cap >> 16));
  }
  const mult = tf(d, T_MULT);
  w(buf, 59, mult != 0 ? 0x100 | mult : 0); // current multiple setting (word 59)
  const lba28 = total > <u64>0x0FFFFFFF ? <u64>0x0FFFFFFF : total;
  w(buf, 60, <u32>lba28 & 0xFFFF); w(buf, 61, <u32>(lba28 >> 16)); // LBA28 sectors (words 60-61)
  w(buf, 64, 0x0003); // PIO modes 3 and 4
  w(buf, 65, 120); w(buf, 66, 120); w(buf, 67, 120); w(buf, 68, 120); // cycle times (ns)
  w(buf, 80, 0x007E); // major version: ATA-1 .. ATA-6
  w(buf, 82, 0x4028); // supported: NOP, write cache, power management
  w(buf, 83, 0x7400); // supported: FLUSH CACHE EXT, FLUSH CACHE, 48-bit address; bit 14 one
  w(buf, 84, 0x4000);
  w(buf, 85, 0x4028); // enabled: as supported
  w(buf, 86, 0x3400);
  w(buf, 87, 0x4000);
  putDmaModes(buf, d);
  w(buf, 93, resetResult(d));
  w(buf, 100, <u32>total & 0xFFFF); w(buf, 101, <u32>(total >> 16) & 0xFFFF); // LBA48 sectors (words 100-103)
  w(buf, 102, <u32>(total >> 32) & 0xFFFF); w(buf, 103, <u32>(total >> 48) & 0xFFFF);
  putChecksum(buf);
}

// ---- completion ----------------------------------------------------------------------------------------------
/** Command completed without error: DRDY, and the interrupt. */
function done(d: u32): void {
  setPhase(d, PH_IDLE);
  setTf(d, T_KIND, K_NONE);
  setStatus(d, ST_DRDY | ST_DSC);
  raiseIrq(d);
}

/** Command failed: ERR with `err` in the error register (ABRT, IDNF, UNC), and the interrupt. */
export function ataFail(d: u32, err: u8, fault: bool): void {
  setPhase(d, PH_IDLE);
  setTf(d, T_KIND, K_NONE);
  setTf(d, T_ERROR, err);
  setStatus(d, ST_DRDY | ST_DSC | ST_ERR | (fault ? ST_DF : 0));
  raiseIrq(d);
}

/** Put a sector address into the registers in the form the command used (LBA28, LBA48 or CHS): at completion the
 *  last sector transferred with a sector count of zero, after an error the failing sector (the drive manuals'
 *  READ SECTORS outputs, e.g. Seagate ST3636A 5.4.10; QEMU leaves the next sector instead). */
function setAddress(d: u32, lba: u64): void {
  const s = drv(d);
  store<u8>(s + T_NSECT, 0); store<u8>(s + T_NSECT + 1, 0);
  if (tf(d, T_LBA48) != 0) {
    store<u8>(s + T_LBAL, <u8>lba); store<u8>(s + T_LBAM, <u8>(lba >> 8)); store<u8>(s + T_LBAH, <u8>(lba >> 16));
    store<u8>(s + T_LBAL + 1, <u8>(lba >> 24)); store<u8>(s + T_LBAM + 1, <u8>(lba >> 32)); store<u8>(s + T_LBAH + 1, <u8>(lba >> 40));
  } else if (tf(d, T_USE_LBA) != 0) {
    store<u8>(s + T_LBAL, <u8>lba); store<u8>(s + T_LBAM, <u8>(lba >> 8)); store<u8>(s + T_LBAH, <u8>(lba >> 16));
    store<u8>(s + T_DEVICE, <u8>((tf(d, T_DEVICE) & 0xF0) | (<u32>(lba >> 24) & 0x0F)));
  } else {
    const h = <u64>load<u16>(s + T_HEADS), spt = <u64>load<u16>(s + T_SPT);
    if (h == 0 || spt == 0) return;
    const cyl = lba / (h * spt), rest = lba % (h * spt);
    store<u8>(s + T_LBAL, <u8>(rest % spt + 1));
    store<u8>(s + T_LBAM, <u8>cyl); store<u8>(s + T_LBAH, <u8>(cyl >> 8));
    store<u8>(s + T_DEVICE, <u8>((tf(d, T_DEVICE) & 0xF0) | <u32>(rest / spt)));
  }
}

/** The command's first sector from the registers; false (IDNF reported) when the address is invalid. */
function decodeAddress(d: u32, lba48: bool): bool {
  const s = drv(d);
  const dev = tf(d, T_DEVICE);
  let lba: u64;
  setTf(d, T_LBA48, lba48 ? 1 : 0);
  setTf(d, T_USE_LBA, lba48 || (dev & 0x40) != 0 ? 1 : 0);
  if (lba48) {
    lba = <u64>tf(d, T_LBAL) | (<u64>tf(d, T_LBAM) << 8) | (<u64>tf(d, T_LBAH) << 16) |
      (<u64>tfHob(d, T_LBAL) << 24) | (<u64>tfHob(d, T_LBAM) << 32) | (<u64>tfHob(d, T_LBAH) << 40);
  } else if ((dev & 0x40) != 0) {
    lba = <u64>tf(d, T_LBAL) | (<u64>tf(d, T_LBAM) << 8) | (<u64>tf(d, T_LBAH) << 16) | (<u64>(dev & 0x0F) << 24);
  } else {
    // CHS in the current translation (INITIALIZE DEVICE PARAMETERS; 6.2.1): sectors count from 1
    const h = <u32>load<u16>(s + T_HEADS), spt = <u32>load<u16>(s + T_SPT);
    const cyl = tf(d, T_LBAM) | (tf(d, T_LBAH) << 8), head = dev & 0x0F, sect = tf(d, T_LBAL);
    if (h == 0 || spt == 0 || sect == 0 || sect > spt || head >= h) { ataFail(d, ER_IDNF, false); return false; }
    lba = (<u64>cyl * h + head) * spt + sect - 1;
  }
  store<u64>(s + T_LBA, lba);
  return true;
}

/** Decode address and count and check them against the media; false when an error was reported. */
function setupTransfer(d: u32, lba48: bool): bool {
  if (!decodeAddress(d, lba48)) return false;
  let count: u32 = lba48 ? tf(d, T_NSECT) | (tfHob(d, T_NSECT) << 8) : tf(d, T_NSECT);
  if (count == 0) count = lba48 ? 65536 : 256;
  const lba = load<u64>(drv(d) + T_LBA), total = diskSectors(diskOf(d));
  if (lba >= total || <u64>count > total - lba) { setAddress(d, lba); ataFail(d, ER_IDNF, false); return false; } // 8.34: IDNF
  store<u32>(drv(d) + T_LEFT, count);
  return true;
}

// ---- PIO data ------------------------------------------------------------------------------------------------
function startPioIn(d: u32): void {
  const s = drv(d);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END), block = load<u32>(s + T_BLOCK);
  store<u32>(s + T_BLOCK_END, pos + block < end ? pos + block : end);
  setPhase(d, PH_PIO_IN);
  setStatus(d, ST_DRDY | ST_DSC | ST_DRQ);
  raiseIrq(d); // PIO data-in: an interrupt before every block (9.7)
}

function startPioOut(d: u32, irq: bool): void {
  const s = drv(d);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END), block = load<u32>(s + T_BLOCK);
  store<u32>(s + T_BLOCK_END, pos + block < end ? pos + block : end);
  setPhase(d, PH_PIO_OUT);
  setStatus(d, ST_DRDY | ST_DSC | ST_DRQ);
  if (irq) raiseIrq(d); // PIO data-out: no interrupt before the first block (9.8)
}

/** Ask the host for the next chunk (reads) or hand it the filled buffer (writes). */
function request(d: u32, op: u8): void {
  const s = drv(d);
  const left = load<u32>(s + T_LEFT);
  const n = op == OP_WRITE ? load<u32>(s + T_CHUNK) : left < CHUNK ? left : CHUNK;
  store<u32>(s + T_CHUNK, n);
  setStatus(d, ST_BSY);
  if (!diskRequest(diskOf(d), op, load<u64>(s + T_LBA), n)) {
    setAddress(d, load<u64>(s + T_LBA));
    ataFail(d, op == OP_WRITE ? ER_ABRT : ER_IDNF, false); // media gone or read-only
    return;
  }
  store<u8>(s + T_WAITING, 1);
}

/** Prepare the buffer for the next chunk the guest writes. */
function nextWriteChunk(d: u32): void {
  const s = drv(d);
  const left = load<u32>(s + T_LEFT);
  const n = left < CHUNK ? left : CHUNK;
  store<u32>(s + T_CHUNK, n);
  store<u32>(s + T_POS, 0);
  store<u32>(s + T_END, n * 512);
}

export function ataBlockDone(d: u32): void {
  const s = drv(d), k = tf(d, T_KIND);
  const pos = load<u32>(s + T_POS), end = load<u32>(s + T_END);
  if (k == K_READ || k == K_IDENT) {
    if (pos < end) { setStatus(d, ST_BSY); schedule(d, ACT_NEXT_BLOCK, BLOCK_NS); return; }
    if (k == K_READ && load<u32>(s + T_LEFT) > 0) { request(d, OP_READ); return; }
    if (k == K_READ) setAddress(d, load<u64>(s + T_LBA) - 1);
    // last block read: ready, without an interrupt (9.7)
    setPhase(d, PH_IDLE);
    setTf(d, T_KIND, K_NONE);
    setStatus(d, ST_DRDY | ST_DSC);
  } else if (k == K_WRITE) {
    if (pos < end) { setStatus(d, ST_BSY); schedule(d, ACT_NEXT_BLOCK, BLOCK_NS); return; }
    request(d, OP_WRITE);
  }
}

/** The timer after a PIO block: the next block is ready. */
export function ataTimerBlock(d: u32): void {
  const k = tf(d, T_KIND);
  if (k == K_READ || k == K_IDENT) startPioIn(d);
  else if (k == K_WRITE) startPioOut(d, true);
}

export function ataDiskDone(d: u32, result: u8): void {
  const s = drv(d), k = tf(d, T_KIND);
  const n = load<u32>(s + T_CHUNK);
  if (result != RESULT_OK) {
    setAddress(d, load<u64>(s + T_LBA));
    if (k == K_READ || k == K_DMA_READ) ataFail(d, ER_UNC, false); // uncorrectable data error (8.34)
    else ataFail(d, ER_ABRT, k != K_FLUSH); // write failure: device fault (DF) with ABRT
    if (k == K_DMA_READ || k == K_DMA_WRITE) dmaEnd(d, false);
    return;
  }
  if (k == K_FLUSH) { done(d); return; }
  if (k == K_READ) {
    store<u64>(s + T_LBA, load<u64>(s + T_LBA) + n);
    store<u32>(s + T_LEFT, load<u32>(s + T_LEFT) - n);
    store<u32>(s + T_POS, 0);
    store<u32>(s + T_END, n * 512);
    startPioIn(d);
  } else if (k == K_WRITE) {
    store<u64>(s + T_LBA, load<u64>(s + T_LBA) + n);
    const left = load<u32>(s + T_LEFT) - n;
    store<u32>(s + T_LEFT, left);
    if (left == 0) { setAddress(d, load<u64>(s + T_LBA) - 1); done(d); return; }
    nextWriteChunk(d);
    startPioOut(d, true);
  } else if (k == K_DMA_READ) {
    store<u32>(s + T_POS, 0);
    store<u32>(s + T_END, n * 512);
    setPhase(d, PH_DMA);
    ataDmaStep(d);
  } else if (k == K_DMA_WRITE) {
    store<u64>(s + T_LBA, load<u64>(s + T_LBA) + n);
    const left = load<u32>(s + T_LEFT) - n;
    store<u32>(s + T_LEFT, left);
    if (left == 0) { dmaEnd(d, false); done(d); return; }
    nextWriteChunk(d);
    setPhase(d, PH_DMA);
    ataDmaStep(d);
  }
}

// ---- DMA -----------------------------------------------------------------------------------------------------
/** Move the current chunk when the bus master runs (called again by ide.ts when the guest starts it). */
export function ataDmaStep(d: u32): void {
  if (!bmStarted(d)) return; // the drive waits with DMARQ asserted
  const s = drv(d), k = tf(d, T_KIND);
  const end = load<u32>(s + T_END);
  const moved = dmaMove(d, bufferOf(d), end, k == K_DMA_READ);
  if (moved < end) { dmaEnd(d, true); ataFail(d, ER_ABRT, false); return; } // PRD table too short (gap: see docs)
  if (k == K_DMA_READ) {
    const n = load<u32>(s + T_CHUNK);
    store<u64>(s + T_LBA, load<u64>(s + T_LBA) + n);
    const left = load<u32>(s + T_LEFT) - n;
    store<u32>(s + T_LEFT, left);
    if (left == 0) { dmaEnd(d, false); done(d); return; }
    setPhase(d, PH_DMA);
    request(d, OP_READ);
  } else {
    request(d, OP_WRITE);
  }
}

// ---- commands ------------------------------------------------------------------------------------------------
function pioRead(d: u32, lba48: bool, multiple: bool): void {
  const mult = tf(d, T_MULT);
  if (multiple && mult == 0) { ataFail(d, ER_ABRT, false); return; } // 8.25: multiple mode not enabled
  if (!setupTransfer(d, lba48)) return;
  store<u32>(drv(d) + T_BLOCK, multiple ? mult * 512 : 512);
  setTf(d, T_KIND, K_READ);
  request(d, OP_READ);
}

function pioWrite(d: u32, lba48: bool, multiple: bool): void {
  const mult = tf(d, T_MULT);
  if (multiple && mult == 0) { ataFail(d, ER_ABRT, false); return; }
  if (!setupTransfer(d, lba48)) return;
  store<u32>(drv(d) + T_BLOCK, multiple ? mult * 512 : 512);
  setTf(d, T_KIND, K_WRITE);
  nextWriteChunk(d);
  startPioOut(d, false);
}

function dmaCommand(d: u32, lba48: bool, write: bool): void {
  if (!setupTransfer(d, lba48)) return;
  setTf(d, T_DMA, 1);
  if (write) {
    setTf(d, T_KIND, K_DMA_WRITE);
    nextWriteChunk(d);
    setPhase(d, PH_DMA);
    setStatus(d, ST_BSY | ST_DRDY | ST_DSC);
    ataDmaStep(d);
  } else {
    setTf(d, T_KIND, K_DMA_READ);
    request(d, OP_READ);
  }
}

function setFeatures(d: u32): bool {
  const f = tf(d, T_FEATURE);
  if (f == 0x03) { // set transfer mode (8.37.10): PIO default/0-4, multiword DMA 0-2, Ultra DMA 0-5
    const m = tf(d, T_NSECT);
    const ok = m == 0 || m == 1 || (m >= 0x08 && m <= 0x0C) || (m >= 0x20 && m <= 0x22) || (m >= 0x40 && m <= 0x45);
    if (!ok) return false;
    setTf(d, T_XFER, m);
    return true;
  }
  // write cache on/off, read look-ahead on/off, revert to power-on defaults on/off: accepted
  return f == 0x02 || f == 0x82 || f == 0xAA || f == 0x55 || f == 0x66 || f == 0xCC;
}

/** Drives on the same channel after EXECUTE DEVICE DIAGNOSTIC (8.11): signatures, error 01h = passed. */
export function diagnostic(d: u32): void {
  const c = channelOf(d);
  for (let u: u32 = 0; u < 2; u++) {
    const e = c * 2 + u;
    if (!present(e)) continue;
    setSignature(e);
    setStatus(e, isAtapi(e) ? 0 : ST_DRDY | ST_DSC);
  }
  setStatus(d, isAtapi(d) ? ST_DRDY : ST_DRDY | ST_DSC);
  raiseIrq(d);
}

/** Execute the command in the command register (the controller's latency is over). */
export function ataCommand(d: u32): void {
  setTf(d, T_DMA, 0);
  setTf(d, T_KIND, K_NONE);
  const cmd = tf(d, T_CMD);
  switch (cmd) {
    case 0xEC: // IDENTIFY DEVICE (8.15)
      identify(d);
      store<u32>(drv(d) + T_POS, 0); store<u32>(drv(d) + T_END, 512); store<u32>(drv(d) + T_BLOCK, 512);
      setTf(d, T_KIND, K_IDENT);
      startPioIn(d);
      return;
    case 0x20: case 0x21: pioRead(d, false, false); return; // READ SECTOR(S) (8.27), without retries
    case 0x24: pioRead(d, true, false); return; // READ SECTOR(S) EXT (8.28)
    case 0xC4: pioRead(d, false, true); return; // READ MULTIPLE (8.25)
    case 0x29: pioRead(d, true, true); return; // READ MULTIPLE EXT (8.26)
    case 0x30: case 0x31: pioWrite(d, false, false); return; // WRITE SECTOR(S) (8.50)
    case 0x34: pioWrite(d, true, false); return; // WRITE SECTOR(S) EXT (8.51)
    case 0xC5: pioWrite(d, false, true); return; // WRITE MULTIPLE (8.48)
    case 0x39: pioWrite(d, true, true); return; // WRITE MULTIPLE EXT (8.49)
    case 0xC8: case 0xC9: dmaCommand(d, false, false); return; // READ DMA (8.23)
    case 0x25: dmaCommand(d, true, false); return; // READ DMA EXT (8.24)
    case 0xCA: case 0xCB: dmaCommand(d, false, true); return; // WRITE DMA (8.45)
    case 0x35: dmaCommand(d, true, true); return; // WRITE DMA EXT (8.46)
    case 0x40: case 0x41: case 0x42: // READ VERIFY SECTOR(S) (8.33), EXT (8.34): nothing to move
      if (setupTransfer(d, cmd == 0x42)) { setAddress(d, load<u64>(drv(d) + T_LBA) + load<u32>(drv(d) + T_LEFT) - 1); done(d); }
      return;
    case 0x70: // SEEK (8.36)
      if (decodeAddress(d, false)) {
        if (load<u64>(drv(d) + T_LBA) >= diskSectors(diskOf(d))) ataFail(d, ER_IDNF, false); else done(d);
      }
      return;
    case 0x91: { // INITIALIZE DEVICE PARAMETERS (8.16): heads from the device register, sectors per track
      const spt = tf(d, T_NSECT), heads = (tf(d, T_DEVICE) & 0x0F) + 1;
      if (spt == 0) { ataFail(d, ER_ABRT, false); return; }
      store<u16>(drv(d) + T_HEADS, <u16>heads);
      store<u16>(drv(d) + T_SPT, <u16>spt);
      done(d);
      return;
    }
    case 0xC6: { // SET MULTIPLE MODE (8.39): 0 disables, else a power of two up to word 47
      const n = tf(d, T_NSECT);
      if (n > MAX_MULTIPLE || (n & (n - 1)) != 0) { ataFail(d, ER_ABRT, false); return; }
      setTf(d, T_MULT, n);
      done(d);
      return;
    }
    case 0xEF: if (setFeatures(d)) done(d); else ataFail(d, ER_ABRT, false); return; // SET FEATURES (8.37)
    case 0xE7: case 0xEA: // FLUSH CACHE (8.13) / FLUSH CACHE EXT (8.14): the host writes back its buffers
      setTf(d, T_KIND, K_FLUSH);
      setStatus(d, ST_BSY);
      if (diskRequest(diskOf(d), OP_FLUSH, 0, 0)) setTf(d, T_WAITING, 1); else done(d);
      return;
    case 0xE5: setTf(d, T_NSECT, 0xFF); done(d); return; // CHECK POWER MODE (8.6): active or idle
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6: // STANDBY/IDLE (IMMEDIATE), SLEEP: nothing spins
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17: // RECALIBRATE (obsolete)
    case 0x18: case 0x19: case 0x1A: case 0x1B: case 0x1C: case 0x1D: case 0x1E: case 0x1F:
      done(d); return;
    case 0x90: diagnostic(d); return; // EXECUTE DEVICE DIAGNOSTIC (8.11)
    default: // NOP, PACKET commands, DEVICE RESET and everything unknown: aborted (6.2.4)
      ataFail(d, ER_ABRT, false);
      return;
  }
}

