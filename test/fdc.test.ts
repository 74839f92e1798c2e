// The floppy disk controller (assembly/devices/fdc.ts) tested the QEMU way: the test is the guest (it programs
// the 82077AA through ports 3F0h-3F7h and DMA channel 2 through the 8237A's ports, as SeaBIOS and Linux do) and
// the host (it serves the drive's requests from a Uint8Array image through diskPending / the drive buffer /
// diskComplete). Expectations come from the Intel 82077AA datasheet: section 2 (DOR 2.2, DSR 2.4, MSR 2.5,
// FIFO 2.6, DIR 2.7, CCR 2.8), 3 (reset), 4 (command, execution and result phases; 4.2.3 termination),
// 5 (Table 5-1 command set, the ST0-ST3 encodings, 5.1 data transfer commands, 5.2 control commands).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { initPicsAsBios, startRealMode } from "./util/machines.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

interface DiskExports {
  diskAttachExport(d: number, kind: number, sectors: bigint, sectorSize: number, readOnly: number): number;
  diskEjectExport(d: number): void;
  diskPending(): number;
  diskBufferAddress(d: number): number;
  diskComplete(d: number, result: number): number;
}
const FLOPPY = 1;
const MSR = 0x3F4, FIFO = 0x3F5, DOR = 0x3F2, DIR = 0x3F7, DSR = 0x3F4, CCR = 0x3F7;

/** A byte of the test image: depends on the sector and the offset, so misplaced data shows. */
const pattern = (lba: number, i: number) => (lba * 13 + i * 7 + (i >> 8) * 3 + 1) & 0xFF;
function makeImage(sectors: number): Uint8Array {
  const img = new Uint8Array(sectors * 512);
  for (let lba = 0; lba < sectors; lba++) for (let i = 0; i < 512; i++) img[lba * 512 + i] = pattern(lba, i);
  return img;
}
const lbaOf = (c: number, h: number, r: number, spt = 18, heads = 2) => (c * heads + h) * spt + r - 1;

class Rig {
  images: (Uint8Array | null)[] = [null, null];
  requests: { drive: number; op: number; lba: number; count: number }[] = [];
  failNext = false;
  constructor(readonly c: Core) {}
  get disk(): DiskExports { return this.c.exports as unknown as DiskExports; }
  out(p: number, v: number) { this.c.exports.ioWrite(p, v, 1); }
  in(p: number): number { return this.c.exports.ioRead(p, 1); }
  msr(): number { return this.in(MSR); }
  attach(d: number, img: Uint8Array | null, readOnly = false) {
    this.images[d] = img;
    this.disk.diskAttachExport(d, FLOPPY, BigInt(img ? img.length / 512 : 0), 512, readOnly ? 1 : 0);
  }
  /** The host answers every pending floppy request (reads copy from the image, writes copy into it). */
  serve(): number {
    let served = 0;
    for (let d = 0; d < 2; d++) {
      if ((this.disk.diskPending() & (1 << d)) === 0) continue;
      const slot = this.c.L.DISKS + d * this.c.L.DISK_SLOT, dv = this.c.dv;
      const op = dv.getUint8(slot + 17), count = dv.getUint32(slot + 20, true);
      const lba = Number(dv.getBigUint64(slot + 24, true)), buf = this.disk.diskBufferAddress(d);
      this.requests.push({ drive: d, op, lba, count });
      const img = this.images[d]!;
      if (op === 1) this.c.u8.set(img.subarray(lba * 512, (lba + count) * 512), buf);
      else if (op === 2) img.set(this.c.u8.subarray(buf, buf + count * 512), lba * 512);
      this.disk.diskComplete(d, this.failNext ? 1 : 0);
      this.failNext = false;
      served++;
    }
    return served;
  }
  advance(ns = 5_000_000) { this.c.exports.clockAdvanceNs(BigInt(ns)); }
  /** IRQ 6 requested at the master PIC (IRR bit 6)? Acknowledges it (vector 0Eh) and sends EOI. */
  takeIrq6(): boolean {
    if ((this.c.exports.picState(0) & 0x40) === 0) return false;
    assert.equal(this.c.exports.intrAck(), 0x0E, "IRQ 6 is vector 0Eh after the BIOS's ICWs");
    this.out(0x20, 0x20);
    return true;
  }
  /** Command phase: each byte needs RQM = 1, DIO = 0 (2.5, 4.1). */
  send(...bytes: number[]) {
    for (const b of bytes) {
      assert.equal(this.msr() & 0xC0, 0x80, `RQM set and DIO clear before command byte ${b.toString(16)}`);
      this.out(FIFO, b);
    }
  }
  /** Result phase: bytes while RQM = 1 and DIO = 1 (4.3). */
  results(): number[] {
    const r: number[] = [];
    while ((this.msr() & 0xC0) === 0xC0 && r.length < 16) r.push(this.in(FIFO));
    return r;
  }
  /** Serve the disk, let the delay run out, expect IRQ 6 and return the result bytes. */
  complete(): number[] {
    this.serve(); this.advance(); this.serve(); this.advance(); this.serve(); this.advance();
    assert.ok(this.takeIrq6(), "IRQ 6 at the end of the execution phase");
    return this.results();
  }
  /** Controller out of reset with the four polling statuses taken, as SeaBIOS and Linux do (3, 8.2). */
  init() {
    this.out(DOR, 0x08); this.out(DOR, 0x1C); // reset pulse; then drive 0 selected, motor 0 on, DMA gate
    this.advance();
    this.takeIrq6();
    for (let i = 0; i < 4; i++) { this.send(0x08); this.results(); }
    this.send(0x03, 0xDF, 0x02); // SPECIFY: SRT 3 ms, HUT 240 ms, HLT 2 ms, DMA mode
    this.out(CCR, 0); // 500 kbit/s (1.44M media)
  }
  seek(d: number, cyl: number, head = 0): number[] {
    this.send(0x0F, (head << 2) | d, cyl);
    this.advance();
    assert.ok(this.takeIrq6(), "seek end interrupt");
    this.send(0x08);
    return this.results();
  }
  /** DMA channel 2 as a floppy driver programs it (8237A: mask, flip-flop, mode, address, page, count, unmask). */
  dma(mode: number, phys: number, bytes: number) {
    this.out(0x0A, 0x06); this.out(0x0C, 0); this.out(0x0B, mode);
    this.out(0x04, phys & 0xFF); this.out(0x04, (phys >> 8) & 0xFF); this.out(0x81, phys >> 16);
    this.out(0x05, (bytes - 1) & 0xFF); this.out(0x05, (bytes - 1) >> 8);
    this.out(0x0A, 0x02);
  }
}

const DMA_TO_MEMORY = 0x46, DMA_FROM_MEMORY = 0x4A;

async function rig(sectors = 2880, readOnly = false): Promise<Rig> {
  const c = await createCore(4 << 20, "debug");
  initPicsAsBios(c);
  const r = new Rig(c);
  r.attach(0, makeImage(sectors), readOnly);
  return r;
}

test("FDC: reset (DOR /RESET), the polling interrupt and the four SENSE INTERRUPT STATUS results (3, 5.2)", async () => {
  const r = await rig();
  assert.equal(r.msr(), 0x00, "held in reset after power-on (DOR = 0)");
  r.out(DOR, 0x0C);
  assert.equal(r.msr(), 0x80, "out of reset: RQM, ready for a command (2.5)");
  assert.equal(r.takeIrq6(), false, "the polling interrupt comes after a short delay");
  r.advance();
  assert.ok(r.takeIrq6(), "IRQ 6 after reset with polling enabled");
  for (let d = 0; d < 4; d++) {
    r.send(0x08);
    assert.equal(r.msr(), 0xD0, "result phase: RQM, DIO, CB");
    assert.deepEqual(r.results(), [0xC0 | d, 0], `ST0 = C0h | drive ${d} (ready changed), PCN`);
    assert.equal(r.msr(), 0x80, "back to the command phase");
  }
  r.send(0x08);
  assert.deepEqual(r.results(), [0x80], "no interrupt pending: invalid command (ST0 = 80h)");
  // DSR software reset (bit 7): the same polling sequence
  r.out(DSR, 0x80);
  r.advance();
  assert.ok(r.takeIrq6());
  r.send(0x08);
  assert.deepEqual(r.results(), [0xC0, 0]);
  // CONFIGURE POLL = 1 does not survive a reset (the reset restores CONFIGURE's defaults, 5.2 CONFIGURE/LOCK)
  for (let d = 1; d < 4; d++) { r.send(0x08); r.results(); }
  r.send(0x13, 0x00, 0x30, 0x00);
  r.out(DOR, 0x08); r.out(DOR, 0x0C); r.advance();
  assert.ok(r.takeIrq6(), "polling enabled again by the reset");
  r.send(0x08);
  assert.deepEqual(r.results(), [0xC0, 0]);
});

test("FDC: the DOR DMA gate (bit 3) gates IRQ 6 in PC-AT mode (2.2)", async () => {
  const r = await rig();
  r.out(DOR, 0x04); // out of reset, DMA gate off
  r.advance();
  assert.equal(r.takeIrq6(), false, "INT is not driven onto IRQ 6");
  r.out(DOR, 0x0C);
  assert.ok(r.takeIrq6(), "the pending INT reaches IRQ 6 when the gate opens");
});

test("FDC: MSR through the phases, SPECIFY, VERSION, DUMPREG, CONFIGURE, LOCK, PERPENDICULAR, invalid codes (2.5, 5.2, Table 5-1)", async () => {
  const r = await rig();
  r.init();
  r.out(FIFO, 0x03);
  assert.equal(r.msr(), 0x90, "command phase after the first byte: RQM and CB");
  r.out(FIFO, 0xAF); r.out(FIFO, 0x1E);
  assert.equal(r.msr(), 0x80, "SPECIFY has no result phase");
  r.send(0x10);
  assert.deepEqual(r.results(), [0x90], "VERSION: 90h = 82077AA");
  r.send(0x13, 0x00, 0x57, 0x22); // CONFIGURE: EIS, EFIFO, FIFOTHR 7, PRETRK 22h
  r.send(0x12, 0x83); // PERPENDICULAR: OW, GAP, WGATE
  r.send(0x0E);
  assert.deepEqual(r.results(), [0, 0, 0, 0, 0xAF, 0x1E, 0, 0x03, 0x57, 0x22],
    "DUMPREG: PCN 0-3, SRT/HUT, HLT/ND, SC/EOT, LOCK|perpendicular, EIS/EFIFO/POLL/FIFOTHR, PRETRK");
  r.send(0x94);
  assert.deepEqual(r.results(), [0x10], "LOCK: result LOCK << 4");
  r.out(DSR, 0x80); r.advance(); r.takeIrq6();
  for (let d = 0; d < 4; d++) { r.send(0x08); r.results(); }
  r.send(0x0E);
  const dump = r.results();
  assert.equal(dump[7], 0x80, "LOCK survives; GAP/WGATE cleared by the reset");
  assert.equal(dump[8], 0x07, "locked: EFIFO (0) and FIFOTHR survive the software reset, EIS and POLL do not");
  assert.equal(dump[9], 0x22, "locked: PRETRK survives");
  r.send(0x14);
  assert.deepEqual(r.results(), [0x00], "UNLOCK");
  for (const bad of [0x18, 0x00, 0x01, 0x11, 0x1F, 0x55]) {
    r.send(bad);
    assert.equal(r.msr(), 0xD0, `invalid code ${bad.toString(16)} goes straight to the result phase`);
    assert.deepEqual(r.results(), [0x80], "invalid command: ST0 = 80h");
  }
  assert.equal(r.takeIrq6(), false, "invalid commands do not interrupt");
});

test("FDC: RECALIBRATE, SEEK, RELATIVE SEEK, SENSE INTERRUPT STATUS (SE, PCN) and SENSE DRIVE STATUS (5.2, ST0/ST3)", async () => {
  const r = await rig();
  r.init();
  r.send(0x0F, 0x04, 10); // SEEK drive 0 head 1 to cylinder 10
  assert.equal(r.msr(), 0x81, "no result phase; drive 0 busy (D0B) while seeking");
  assert.equal(r.takeIrq6(), false);
  r.advance();
  assert.equal(r.msr(), 0x80);
  assert.ok(r.takeIrq6());
  r.send(0x08);
  assert.deepEqual(r.results(), [0x24, 10], "ST0: SE, head 1, drive 0; PCN 10");
  r.send(0x04, 0x04);
  assert.deepEqual(r.results(), [0x2C], "ST3: bits 5 and 3 set, head 1, not at track 0, not protected");
  r.send(0xCF, 0x00, 5); // RELATIVE SEEK inward by 5
  r.advance(); r.takeIrq6();
  r.send(0x08);
  assert.deepEqual(r.results(), [0x20, 15]);
  r.send(0x8F, 0x00, 3); // outward by 3
  r.advance(); r.takeIrq6();
  r.send(0x08);
  assert.deepEqual(r.results(), [0x20, 12]);
  r.send(0x07, 0x00); // RECALIBRATE
  r.advance(); assert.ok(r.takeIrq6());
  r.send(0x08);
  assert.deepEqual(r.results(), [0x20, 0], "recalibrated: SE, PCN 0");
  r.send(0x04, 0x00);
  assert.deepEqual(r.results(), [0x38], "ST3: track 0");
  r.send(0x07, 0x02); // drive 2 is not connected: no TRACK 0 after 79 steps
  r.advance(); r.takeIrq6();
  r.send(0x08);
  assert.deepEqual(r.results(), [0x72, 0], "ST0: abnormal, SE, equipment check, drive 2");
  r.send(0x08);
  assert.deepEqual(r.results(), [0x80], "statuses are reported once");
});

test("FDC: READ DATA of one sector by DMA into guest RAM; MSR during execution (5.1.1, 4.2)", async () => {
  const r = await rig();
  r.init();
  assert.deepEqual(r.seek(0, 2, 1), [0x24, 2]);
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0xE6, 0x04, 2, 1, 5, 2, 18, 0x1B, 0xFF); // READ DATA MT MFM SK, head 1: C 2 H 1 R 5 N 2 EOT 18
  assert.equal(r.msr(), 0x10, "execution phase: CB, no RQM (DMA mode)");
  assert.equal(r.disk.diskPending(), 1, "drive 0 asks the host");
  r.serve();
  assert.deepEqual(r.requests[0], { drive: 0, op: 1, lba: lbaOf(2, 1, 5), count: 14 }, "sectors 5-18 of the side");
  assert.equal(r.msr(), 0x10, "still executing until the delay");
  assert.equal(r.takeIrq6(), false);
  r.advance();
  assert.ok(r.takeIrq6());
  assert.equal(r.msr(), 0xD0);
  assert.deepEqual(r.results(), [0x04, 0, 0, 2, 1, 6, 2], "normal termination by TC: next sector R = 6");
  const img = r.images[0]!, at = lbaOf(2, 1, 5) * 512;
  assert.deepEqual([...r.c.readPhys(0x12000, 512)], [...img.subarray(at, at + 512)]);
  assert.equal(r.c.readByte(0x12000 + 512), 0, "one sector only (TC)");
});

test("FDC: multi-sector, multi-track READ DATA, TC at EOT, and the end of cylinder without TC (5.1.1, 4.2.3)", async () => {
  const r = await rig();
  r.init();
  r.seek(0, 3);
  r.dma(DMA_TO_MEMORY, 0x20000, 4 * 512);
  r.send(0xC6, 0x00, 3, 0, 17, 2, 18, 0x1B, 0xFF); // MT: side 0 sectors 17-18, then side 1 sectors 1-2
  assert.deepEqual(r.complete(), [0x04, 0, 0, 3, 1, 3, 2], "ended on side 1 after R 2");
  const img = r.images[0]!, at = lbaOf(3, 0, 17) * 512;
  assert.deepEqual([...r.c.readPhys(0x20000, 2048)], [...img.subarray(at, at + 2048)], "17, 18, side 1: 1, 2");
  // the whole cylinder with TC on side 1's EOT: C + 1, H complemented, R 1
  r.dma(DMA_TO_MEMORY, 0x30000, 36 * 512);
  r.send(0xC6, 0x00, 3, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x04, 0, 0, 4, 0, 1, 2]);
  const cyl = lbaOf(3, 0, 1) * 512;
  assert.deepEqual([...r.c.readPhys(0x30000, 36 * 512)], [...img.subarray(cyl, cyl + 36 * 512)]);
  // MT on side 0 with TC at EOT: same C, H complemented, R 1
  r.dma(DMA_TO_MEMORY, 0x30000, 2 * 512);
  r.send(0xC6, 0x00, 3, 0, 17, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x00, 0, 0, 3, 1, 1, 2]);
  // no MT, more DMA count than sectors to EOT: end of cylinder (EN), abnormal, C + 1, R 1
  r.dma(DMA_TO_MEMORY, 0x30000, 8 * 512);
  r.send(0x46, 0x00, 3, 0, 16, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x40, 0x80, 0, 4, 0, 1, 2]);
  // EOT before the end of the track limits the run
  r.dma(DMA_TO_MEMORY, 0x30000, 8 * 512);
  r.send(0x46, 0x00, 3, 0, 2, 2, 3, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x40, 0x80, 0, 4, 0, 1, 2]);
  assert.equal(r.requests.at(-1)!.count, 2, "sectors 2 and 3 only");
});

test("FDC: WRITE DATA from guest RAM into the host image; write-protected media (5.1.4, ST1 NW)", async () => {
  const r = await rig();
  r.init();
  r.seek(0, 7);
  const data = Uint8Array.from({ length: 1024 }, (_, i) => (i * 5 + 0x33) & 0xFF);
  r.c.writePhys(0x40000, data);
  r.dma(DMA_FROM_MEMORY, 0x40000, 1024);
  r.send(0xC5, 0x04, 7, 1, 9, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x04, 0, 0, 7, 1, 11, 2]);
  assert.deepEqual(r.requests.at(-1), { drive: 0, op: 2, lba: lbaOf(7, 1, 9), count: 2 });
  const img = r.images[0]!, at = lbaOf(7, 1, 9) * 512;
  assert.deepEqual([...img.subarray(at, at + 1024)], [...data]);
  assert.equal(img[at + 1024], pattern(lbaOf(7, 1, 11), 0), "the next sector is untouched");

  const p = await rig(2880, true);
  p.init();
  const before = p.images[0]!.slice();
  p.dma(DMA_FROM_MEMORY, 0x40000, 512);
  p.send(0x45, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(p.complete(), [0x40, 0x02, 0, 0, 0, 1, 2], "abnormal termination, ST1 NW (not writable)");
  assert.equal(p.requests.length, 0, "nothing asked of the host");
  assert.deepEqual(p.images[0], before);
  p.send(0x04, 0x00);
  assert.equal(p.results()[0] & 0x40, 0x40, "ST3 WP");
});

test("FDC: READ ID, the data rate must match the media (CCR), FM finds nothing (5.2, ST1 MA)", async () => {
  const r = await rig();
  r.init();
  r.seek(0, 4, 1);
  r.send(0x4A, 0x04);
  assert.deepEqual(r.complete(), [0x04, 0, 0, 4, 1, 1, 2], "first ID: C 4 H 1 R 1 N 2");
  r.send(0x4A, 0x04);
  assert.deepEqual(r.complete(), [0x04, 0, 0, 4, 1, 2, 2], "the next sector comes round");
  r.out(CCR, 2); // 250 kbit/s: a 1.44M diskette gives no ID at this rate
  r.send(0x4A, 0x00);
  assert.deepEqual(r.complete().slice(0, 3), [0x40, 0x01, 0], "abnormal, missing address mark");
  r.out(DSR, 0x00); // the DSR sets the rate too
  r.send(0x0A, 0x00); // FM
  assert.deepEqual(r.complete().slice(0, 3), [0x40, 0x01, 0]);
  // a 720K diskette reads at 250 kbit/s
  const s = await rig(1440);
  s.init();
  s.out(CCR, 2);
  s.send(0x4A, 0x00);
  assert.deepEqual(s.complete(), [0x00, 0, 0, 0, 0, 1, 2]);
});

test("FDC: FORMAT TRACK takes the ID fields by DMA and writes the fill byte over the track (5.1.7)", async () => {
  const r = await rig();
  r.init();
  r.seek(0, 5, 1);
  const ids: number[] = [];
  for (let s = 1; s <= 18; s++) ids.push(5, 1, s, 2);
  r.c.writePhys(0x50000, Uint8Array.from(ids));
  r.dma(DMA_FROM_MEMORY, 0x50000, ids.length);
  r.send(0x4D, 0x04, 2, 18, 0x54, 0xF6);
  const res = r.complete();
  assert.deepEqual(res.slice(0, 3), [0x04, 0, 0], "normal termination");
  const img = r.images[0]!, at = lbaOf(5, 1, 1) * 512;
  assert.ok(img.subarray(at, at + 18 * 512).every((b) => b === 0xF6), "every sector of C 5 H 1 filled");
  assert.equal(img[at - 1], pattern(lbaOf(5, 0, 18), 511), "side 0 untouched");
  assert.equal(img[at + 18 * 512], pattern(lbaOf(6, 0, 1), 0), "the next cylinder untouched");
  r.send(0x0E);
  assert.equal(r.results()[6], 18, "DUMPREG shows SC after a FORMAT");
});

test("FDC: sector not found, wrong cylinder, no media, beyond the media; host I/O error (ST1 ND/MA/DE, ST2 WC/DD)", async () => {
  const r = await rig();
  r.init();
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0x46, 0x00, 0, 0, 19, 2, 19, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x40, 0x04, 0, 0, 0, 19, 2], "R 19 on an 18-sector track: no data");
  r.send(0x46, 0x00, 1, 0, 1, 2, 18, 0x1B, 0xFF); // head is on cylinder 0
  assert.deepEqual(r.complete(), [0x40, 0x04, 0x10, 1, 0, 1, 2], "wrong cylinder");
  r.send(0x46, 0x00, 0, 0, 1, 3, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete().slice(0, 3), [0x40, 0x04, 0], "N 3 does not match the IDs");
  assert.deepEqual(r.seek(0, 80), [0x20, 80]);
  r.send(0x46, 0x00, 80, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete().slice(0, 3), [0x40, 0x01, 0], "cylinder 80 of an 80-track diskette: no IDs");
  r.seek(0, 0);
  r.failNext = true;
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete().slice(0, 3), [0x40, 0x20, 0x20], "the host failed: data error (CRC) in the data field");
  // an empty drive
  r.attach(1, null);
  r.seek(1, 0);
  r.send(0x46, 0x01, 0, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0x41, 0x01, 0, 0, 0, 1, 2], "no diskette: missing address mark on drive 1");
  r.send(0x4A, 0x01);
  assert.deepEqual(r.complete().slice(0, 3), [0x41, 0x01, 0]);
  // an image shorter than its geometry: the sectors past its end are not found
  const s = await rig(2870);
  s.init();
  s.seek(0, 79, 1);
  s.dma(DMA_TO_MEMORY, 0x12000, 18 * 512);
  s.send(0x46, 0x04, 79, 1, 1, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(s.complete(), [0x44, 0x04, 0, 79, 1, 9, 2], "sectors 1-8 read, 9 not found");
});

test("FDC: the disk change line in DIR bit 7 after diskAttach, cleared by a seek with media (2.7)", async () => {
  const r = await rig();
  r.attach(1, makeImage(2880));
  r.init();
  assert.equal(r.in(DIR) & 0x80, 0x80, "drive 0 changed since power-on");
  r.seek(0, 1);
  assert.equal(r.in(DIR) & 0x80, 0, "cleared by the seek");
  r.out(DOR, 0x2D); // select drive 1, motor 1
  assert.equal(r.in(DIR) & 0x80, 0x80, "drive 1 still has its line set");
  r.seek(1, 1);
  assert.equal(r.in(DIR) & 0x80, 0);
  r.disk.diskEjectExport(1);
  assert.equal(r.in(DIR) & 0x80, 0x80, "eject");
  r.seek(1, 2);
  assert.equal(r.in(DIR) & 0x80, 0x80, "no diskette: a seek does not clear it");
  r.attach(1, makeImage(1440));
  r.seek(1, 0);
  assert.equal(r.in(DIR) & 0x80, 0, "new diskette, seek: cleared");
  r.out(DOR, 0x1C);
  assert.equal(r.in(DIR) & 0x80, 0, "drive 0 selected again: its line");
});

test("FDC: drive types for CMOS byte 10h and the media geometry from the image size", async () => {
  const c = await createCore(1 << 20, "debug");
  const r = new Rig(c);
  assert.equal(c.exports.fdcDriveType(0), 0, "no drive");
  const cases: [number, number, number][] = [
    [720, 1, 40 | 2 << 8 | 9 << 16 | 2 << 24], [1440, 3, 80 | 2 << 8 | 9 << 16 | 2 << 24],
    [2400, 2, 80 | 2 << 8 | 15 << 16 | 0 << 24], [2880, 4, 80 | 2 << 8 | 18 << 16 | 0 << 24],
    [3360, 4, 80 | 2 << 8 | 21 << 16 | 0 << 24], [5760, 5, 80 | 2 << 8 | 36 << 16 | 3 << 24],
    [320, 1, 40 | 1 << 8 | 8 << 16 | 2 << 24],
  ];
  for (const [sectors, type, geometry] of cases) {
    r.attach(0, new Uint8Array(sectors * 512));
    assert.equal(c.exports.fdcDriveType(0), type, `${sectors} sectors`);
    assert.equal(c.exports.fdcGeometry(0) >>> 0, geometry >>> 0);
  }
  r.attach(1, null);
  assert.equal(c.exports.fdcDriveType(1), 4, "an empty drive is a 1.44M drive");
  assert.equal(c.exports.fdcGeometry(1), 0);
});

test("FDC: a 360K diskette (40 tracks, 9 sectors) reads at 300 kbit/s too, READ DATA by DMA", async () => {
  const r = await rig(720);
  r.init();
  r.out(CCR, 1);
  r.seek(0, 39, 1);
  r.dma(DMA_TO_MEMORY, 0x12000, 9 * 512);
  r.send(0x46, 0x04, 39, 1, 1, 2, 9, 0x2A, 0xFF);
  assert.deepEqual(r.complete(), [0x04, 0, 0, 40, 1, 1, 2], "TC at EOT, no MT: C + 1, R 1");
  const at = lbaOf(39, 1, 1, 9) * 512;
  assert.deepEqual([...r.c.readPhys(0x12000, 9 * 512)], [...r.images[0]!.subarray(at, at + 9 * 512)]);
});

test("FDC: non-DMA mode (SPECIFY ND): bytes through the FIFO with RQM/DIO/NON-DMA, end at EOT is abnormal (4.2.1, 4.2.3)", async () => {
  const r = await rig();
  r.init();
  r.send(0x03, 0xDF, 0x03); // ND = 1
  r.send(0x46, 0x00, 0, 0, 3, 2, 3, 0x1B, 0xFF);
  r.serve();
  assert.equal(r.msr(), 0xF0, "data phase: RQM, DIO, NON-DMA, CB");
  assert.ok(r.takeIrq6(), "INT asks for service in non-DMA mode");
  const got: number[] = [];
  for (let i = 0; i < 512; i++) got.push(r.in(FIFO));
  const at = lbaOf(0, 0, 3) * 512;
  assert.deepEqual(got, [...r.images[0]!.subarray(at, at + 512)]);
  assert.equal(r.msr(), 0x10, "data done: executing");
  r.advance();
  assert.ok(r.takeIrq6());
  assert.deepEqual(r.results(), [0x40, 0x80, 0, 1, 0, 1, 2], "no TC in non-DMA mode: EN, abnormal termination");
  // a write: DIO = 0 while the controller takes the bytes
  r.send(0x45, 0x00, 0, 0, 4, 2, 4, 0x1B, 0xFF);
  assert.equal(r.msr(), 0xB0, "RQM, NON-DMA, CB");
  r.takeIrq6();
  for (let i = 0; i < 512; i++) r.out(FIFO, 0xA5);
  assert.deepEqual(r.complete(), [0x40, 0x80, 0, 1, 0, 1, 2]);
  const w = lbaOf(0, 0, 4) * 512;
  assert.ok(r.images[0]!.subarray(w, w + 512).every((b) => b === 0xA5));
});

test("FDC: VERIFY counts sectors without moving data (EC = 1) and the implied seek (CONFIGURE EIS) (5.1.6)", async () => {
  const r = await rig();
  r.init();
  r.send(0x13, 0x00, 0x60, 0x00); // EIS
  r.send(0xF6, 0x84, 6, 1, 2, 2, 18, 0x1B, 3); // VERIFY MT, EC = 1, SC = 3, head 1, C 6 (implied seek)
  assert.deepEqual(r.complete(), [0x04, 0, 0, 6, 1, 5, 2]);
  assert.equal(r.c.readByte(0x12000), 0, "no memory written");
  r.send(0x0E);
  assert.equal(r.results()[0], 6, "PCN after the implied seek");
});

test("FDC: a reset abandons a command waiting for the host; the next command's request waits its turn", async () => {
  const r = await rig();
  r.init();
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
  assert.equal(r.disk.diskPending(), 1);
  r.init(); // reset while the host has not answered
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0x46, 0x00, 0, 0, 2, 2, 18, 0x1B, 0xFF);
  r.serve(); // answers the old request; the new one is asked now
  assert.equal(r.disk.diskPending(), 1);
  assert.deepEqual(r.complete(), [0, 0, 0, 0, 0, 3, 2]);
  const at = lbaOf(0, 0, 2) * 512;
  assert.deepEqual([...r.c.readPhys(0x12000, 512)], [...r.images[0]!.subarray(at, at + 512)]);
});

test("FDC: a write waiting behind an abandoned request is not overwritten by that request's data", async () => {
  const r = await rig();
  r.init();
  r.dma(DMA_TO_MEMORY, 0x12000, 512);
  r.send(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
  r.init();
  r.c.writePhys(0x40000, new Uint8Array(512).fill(0x5A));
  r.dma(DMA_FROM_MEMORY, 0x40000, 512);
  r.send(0x45, 0x00, 0, 0, 9, 2, 18, 0x1B, 0xFF);
  assert.deepEqual(r.complete(), [0, 0, 0, 0, 0, 10, 2]);
  assert.deepEqual(r.requests.map((q) => q.op), [1, 2], "the old read, then the write");
  const at = lbaOf(0, 0, 9) * 512;
  assert.ok(r.images[0]!.subarray(at, at + 512).every((b) => b === 0x5A));
});

test("FDC: a real-mode guest resets, recalibrates and reads two sectors with IRQ 6 and DMA; run() exits for the disk", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const r = await rig();
  const c = r.c;
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(0x7C00, assemble(`bits 16
org 0x7C00
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov word [0x0E * 4], irq6
    mov word [0x0E * 4 + 2], 0
    mov al, 0xBF                ; unmask IRQ 6
    out 0x21, al
    sti
    mov dx, 0x3F2
    mov al, 0x08                ; reset, DMA gate
    out dx, al
    mov al, 0x1C                ; drive 0, motor 0
    out dx, al
    call waitirq
    mov cx, 4
sense4:
    mov al, 0x08
    call send
    call get
    call get
    loop sense4
    mov al, 0x03                ; SPECIFY
    call send
    mov al, 0xDF
    call send
    mov al, 0x02
    call send
    mov dx, 0x3F7               ; CCR: 500 kbit/s
    xor al, al
    out dx, al
    mov al, 0x07                ; RECALIBRATE drive 0
    call send
    xor al, al
    call send
    call waitirq
    mov al, 0x08
    call send
    call get
    mov [0x610], al
    call get
    mov [0x611], al
    mov al, 0x06                ; DMA channel 2: mask, mode 46h, 8000h, 1024 bytes
    out 0x0A, al
    out 0x0C, al
    mov al, 0x46
    out 0x0B, al
    xor al, al
    out 0x04, al
    mov al, 0x80
    out 0x04, al
    xor al, al
    out 0x81, al
    mov al, 0xFF
    out 0x05, al
    mov al, 0x03
    out 0x05, al
    mov al, 0x02
    out 0x0A, al
    mov si, readcmd
    mov cx, 9
sendcmd:
    lodsb
    call send
    loop sendcmd
    call waitirq
    mov di, 0x600
    mov cx, 7
results:
    call get
    stosb
    loop results
    mov al, 0
    out 0xF4, al
readcmd: db 0xE6, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF
waitirq:
    cli
    cmp byte [0x500], 0
    jne .got
    sti
    hlt
    jmp waitirq
.got:
    mov byte [0x500], 0
    sti
    ret
irq6:
    push ax
    mov byte [0x500], 1
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
send:
    push ax
    mov dx, 0x3F4
.poll:
    in al, dx
    and al, 0xC0
    cmp al, 0x80
    jne .poll
    pop ax
    mov dx, 0x3F5
    out dx, al
    ret
get:
    mov dx, 0x3F4
.poll:
    in al, dx
    and al, 0xC0
    cmp al, 0xC0
    jne .poll
    mov dx, 0x3F5
    in al, dx
    ret
`));
  startRealMode(c);
  const EXIT_DISK = 9;
  let exit = -1, diskExits = 0;
  for (let i = 0; i < 10000 && exit < 0; i++) {
    const e = c.run(100000);
    if (e === EXIT_DISK) { diskExits++; r.serve(); }
    else if (e === Exit.HLT) c.exports.clockAdvanceNs(BigInt.asUintN(64, c.exports.nextEventNs()));
    else if (e !== Exit.BUDGET) exit = e;
  }
  assert.equal(exit, Exit.DEBUG_EXIT);
  assert.ok(diskExits >= 1, "run() left with EXIT_DISK for the request");
  assert.deepEqual([...c.readPhys(0x610, 2)], [0x20, 0], "recalibrate: SE, PCN 0");
  assert.deepEqual([...c.readPhys(0x600, 7)], [0, 0, 0, 0, 0, 3, 2], "read: normal termination, next R 3");
  assert.deepEqual([...c.readPhys(0x8000, 1024)], [...r.images[0]!.subarray(0, 1024)]);
});

test("FDC: random port traffic never traps", async () => {
  const r = await rig();
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  const ports = [0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F4, 0x3F5, 0x3F7];
  for (let i = 0; i < 20000; i++) {
    const p = ports[rnd() % ports.length];
    if (rnd() & 1) r.out(p, rnd() & 0xFF); else r.in(p);
    if (i % 50 === 0) { r.serve(); r.advance(rnd() * 100); }
  }
});
