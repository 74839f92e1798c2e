// The VGA with the Bochs VBE extension (assembly/devices/vga*.ts, vbe.ts) tested the QEMU way: registers through
// the ports, video memory through the physical bus (busRead/busWrite, as the CPU's MMIO slow path does), PCI
// configuration through CF8h/CFCh, time through the virtual clock; the picture through displayRender.
// Expected behaviour: IBM "VGA Technical Reference" (PS/2 Hardware Interface Technical Reference, Video Subsystem:
// Sequencer, CRT Controller, Graphics Controller, Attribute Controller, Video DAC registers; the mode 03h/13h
// register tables) and the Bochs DISPI interface (Bochs vbe_display_api / iodev/vga.h VBE_DISPI_*). The section is
// named next to each check.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core } from "../web/machine/core.ts";
import { startRealMode } from "./util/machines.ts";
import { spawnSync, spawn } from "node:child_process";
import { bootPC, bootSkipReason, memoryDisk, runUntil } from "./util/pc-boot.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

async function machine(): Promise<Core> { return createCore(16 << 20, "debug"); }

function vga(c: Core) {
  const e = c.exports;
  const out = (p: number, v: number) => e.ioWrite(p, v, 1);
  const inb = (p: number) => e.ioRead(p, 1);
  const self = {
    out, inb,
    seq: (i: number, v: number) => { out(0x3C4, i); out(0x3C5, v); },
    gc: (i: number, v: number) => { out(0x3CE, i); out(0x3CF, v); },
    crtc: (i: number, v: number) => { out(0x3D4, i); out(0x3D5, v); },
    crtcRead: (i: number) => { out(0x3D4, i); return inb(0x3D5); },
    /** Attribute controller: reset the flip-flop (read 3DAh), index (palette address source bit kept on), data. */
    attr: (i: number, v: number, pas = 0x20) => { inb(0x3DA); out(0x3C0, i | pas); out(0x3C0, v); },
    rd: (a: number) => e.busRead(a, 1),
    wr: (a: number, v: number) => e.busWrite(a, v, 1),
    /** Read plane p's byte at offset a (read mode 0, read map select), in planar addressing at A0000h. */
    plane: (p: number, a: number) => { self.gc(4, p); return e.busRead(0xA0000 + a, 1); },
    /** Planar 16-colour addressing as mode 12h: sequential (SR4 = 06h), graphics at A0000h/64K, all planes. */
    planar: () => { self.seq(2, 0x0F); self.seq(4, 0x06); self.gc(5, 0x00); self.gc(6, 0x05); self.gc(1, 0); self.gc(3, 0); self.gc(8, 0xFF); },
    render: () => e.displayRender(),
    /** RGBA of picture dot (x, y) as 0xRRGGBB. */
    pixel: (x: number, y: number) => {
      const a = e.displayBuffer() + (y * e.displayWidth() + x) * 4;
      const u = c.u8;
      return (u[a] << 16) | (u[a + 1] << 8) | u[a + 2];
    },
    text: () => {
      const r = e.screenText();
      const cols = r & 0xFFFF, rows = r >>> 16;
      const b = c.u8.subarray(e.screenTextBuffer(), e.screenTextBuffer() + cols * rows);
      const lines: string[] = [];
      for (let y = 0; y < rows; y++) lines.push(Buffer.from(b.subarray(y * cols, (y + 1) * cols)).toString("latin1"));
      return { cols, rows, lines };
    },
  };
  return self;
}

// 6-bit DAC value v as the 8-bit component the picture shows
const dac8 = (v: number) => (v << 2) | (v >> 4);
const rgb = (r: number, g: number, b: number) => (dac8(r) << 16) | (dac8(g) << 8) | dac8(b);

test("VGA: write mode 0 (set/reset, enable set/reset, rotate, logical function, bit mask) and the latches", async () => {
  const c = await machine(), v = vga(c);
  v.planar();
  v.wr(0xA0000, 0x0F);
  for (let p = 0; p < 4; p++) assert.equal(v.plane(p, 0), 0x0F, `plane ${p}: CPU data to every plane the map mask enables`);
  // IBM Graphics Controller: Enable Set/Reset planes take the Set/Reset value (00h/FFh) instead of CPU data; the Bit
  // Mask keeps latch bits where it is 0. The latches hold what the last read loaded (0Fh in every plane).
  v.rd(0xA0000);
  v.gc(1, 0x0F); v.gc(0, 0x05); v.gc(8, 0xF0);
  v.wr(0xA0000, 0x00);
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 0)), [0xFF, 0x0F, 0xFF, 0x0F]);
  // Data Rotate: rotate right by GR3 bits 2-0 before use
  v.gc(1, 0); v.gc(8, 0xFF); v.gc(3, 0x01);
  v.wr(0xA0001, 0x01);
  assert.equal(v.plane(2, 1), 0x80, "01h rotated right by 1");
  // Function select XOR (GR3 bits 4-3 = 11b) with the latches loaded by a read of the same byte
  v.gc(3, 0x18);
  v.rd(0xA0001);
  v.wr(0xA0001, 0xFF);
  for (let p = 0; p < 4; p++) assert.equal(v.plane(p, 1), 0x7F, "80h XOR FFh");
  // AND, OR
  v.gc(3, 0x08); v.rd(0xA0001); v.wr(0xA0001, 0x0F);
  assert.equal(v.plane(0, 1), 0x0F, "7Fh AND 0Fh");
  v.gc(3, 0x10); v.rd(0xA0001); v.wr(0xA0001, 0xC0);
  assert.equal(v.plane(3, 1), 0xCF, "0Fh OR C0h");
  // Map Mask (SR2): only enabled planes change
  v.gc(3, 0); v.seq(2, 0x02); v.wr(0xA0002, 0x55); v.seq(2, 0x0F);
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 2)), [0, 0x55, 0, 0]);
});

test("VGA: write mode 1 copies the latches; write mode 2 takes the colour from CPU data; write mode 3 masks with rotated data", async () => {
  const c = await machine(), v = vga(c);
  v.planar();
  // four planes with different bytes at offset 0
  for (let p = 0; p < 4; p++) { v.seq(2, 1 << p); v.wr(0xA0000, 0x11 * (p + 1)); }
  v.seq(2, 0x0F);
  // IBM Graphics Mode register, write mode 1: "the contents of the latches are written" (one read, one write: a
  // 4-plane copy), whatever the CPU data and bit mask
  v.gc(5, 0x01); v.gc(8, 0x00);
  v.rd(0xA0000);
  v.wr(0xA0010, 0xEE);
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 0x10)), [0x11, 0x22, 0x33, 0x44]);
  // write mode 2: CPU data bits 3-0 fill planes 3-0; bit mask keeps latch bits
  v.gc(5, 0x02); v.gc(8, 0x0F);
  v.rd(0xA0000); // latches 11h 22h 33h 44h
  v.wr(0xA0000, 0x0A); // planes 1 and 3 set
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 0)), [0x10, 0x2F, 0x30, 0x4F]);
  // write mode 3: bit mask = rotated CPU data AND GR8; colour from Set/Reset (planes 2, 3)
  v.gc(5, 0x03); v.gc(8, 0xFF); v.gc(0, 0x0C); v.gc(3, 0x00);
  v.rd(0xA0020); // latches 0
  v.wr(0xA0020, 0x3C);
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 0x20)), [0x00, 0x00, 0x3C, 0x3C]);
  v.gc(8, 0x30); v.rd(0xA0021); v.wr(0xA0021, 0xFF);
  assert.equal(v.plane(3, 0x21), 0x30, "CPU data FFh AND bit mask 30h");
});

test("VGA: read mode 1 compares every pixel with the colour compare register, planes filtered by colour don't care", async () => {
  const c = await machine(), v = vga(c);
  v.planar();
  // pixel colours at offset 0: bit 7 = colour 5, bit 6 = colour 7, bits 5-0 = colour 0
  v.seq(2, 0x01); v.wr(0xA0000, 0xC0);
  v.seq(2, 0x02); v.wr(0xA0000, 0x40);
  v.seq(2, 0x04); v.wr(0xA0000, 0xC0);
  v.seq(2, 0x0F);
  v.gc(5, 0x08); // read mode 1
  v.gc(7, 0x0F); v.gc(2, 0x05);
  assert.equal(v.rd(0xA0000), 0x80, "only the colour-5 pixel matches");
  v.gc(2, 0x00);
  assert.equal(v.rd(0xA0000), 0x3F, "colour 0 pixels");
  v.gc(7, 0x05); v.gc(2, 0x05); // ignore planes 1 and 3: colours 5 and 7 both match
  assert.equal(v.rd(0xA0000), 0xC0);
  v.gc(7, 0x00);
  assert.equal(v.rd(0xA0000), 0xFF, "no plane cares: every pixel matches");
});

test("VGA: chain-4 addressing (address bits 1-0 pick the plane) and odd/even addressing (A0 picks plane 0/1)", async () => {
  const c = await machine(), v = vga(c);
  // IBM Sequencer Memory Mode register bit 3 (chain 4)
  v.seq(2, 0x0F); v.seq(4, 0x0E); v.gc(5, 0x40); v.gc(6, 0x05);
  for (let i = 0; i < 8; i++) v.wr(0xA0000 + i, 0x10 + i);
  for (let i = 0; i < 8; i++) assert.equal(v.rd(0xA0000 + i), 0x10 + i, "chain-4 reads back");
  v.seq(4, 0x06); v.gc(5, 0x00);
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 0)), [0x10, 0x11, 0x12, 0x13], "bytes 0-3 in planes 0-3");
  assert.deepEqual([0, 1, 2, 3].map(p => v.plane(p, 1)), [0x14, 0x15, 0x16, 0x17], "bytes 4-7 at the next plane offset");
  // Odd/even (SR4 bit 2 = 0 for writes, GR5 bit 4 = 1 for reads), B8000h window: even bytes plane 0, odd plane 1
  v.seq(2, 0x03); v.seq(4, 0x02); v.gc(4, 0x00); v.gc(5, 0x10); v.gc(6, 0x0E);
  v.wr(0xB8000, 0x41); v.wr(0xB8001, 0x1F); v.wr(0xB8002, 0x42);
  assert.equal(v.rd(0xB8001), 0x1F); assert.equal(v.rd(0xB8002), 0x42);
  assert.equal(v.rd(0xA0000), 0xFF, "memory map select B8000h: A0000h is not decoded");
  v.seq(4, 0x06); v.gc(5, 0x00); v.gc(6, 0x05);
  assert.deepEqual([v.plane(0, 0), v.plane(1, 0), v.plane(0, 2)], [0x41, 0x1F, 0x42]);
  assert.equal(v.plane(1, 2), 0x00, "an even address writes plane 0 only");
});

test("VGA: DAC write and read sequences, auto-increment, 6-bit components, the DAC state register", async () => {
  const c = await machine(), v = vga(c);
  // IBM Video DAC: write the index to 3C8h, then red, green, blue to 3C9h; the index increments after blue
  v.out(0x3C8, 0x05);
  for (const x of [0x3F, 0x20, 0x01, 0xFF, 0x02, 0x03]) v.out(0x3C9, x);
  assert.equal(v.inb(0x3C8), 0x07, "two entries written");
  assert.equal(v.inb(0x3C7) & 3, 0, "DAC state: write mode");
  v.out(0x3C7, 0x05);
  assert.equal(v.inb(0x3C7) & 3, 3, "DAC state: read mode");
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(() => v.inb(0x3C9)), [0x3F, 0x20, 0x01, 0x3F, 0x02, 0x03], "6-bit values, read index increments");
  // an interrupted write: a new write index restarts the red-green-blue sequence; the entry changes only after blue
  v.out(0x3C8, 0x50); v.out(0x3C9, 0x11); v.out(0x3C9, 0x12);
  v.out(0x3C7, 0x50);
  assert.deepEqual([v.inb(0x3C9), v.inb(0x3C9), v.inb(0x3C9)], [0, 0, 0], "not written before blue");
  v.out(0x3C8, 0x50); v.out(0x3C9, 0x21); v.out(0x3C9, 0x22); v.out(0x3C9, 0x23);
  v.out(0x3C7, 0x50);
  assert.deepEqual([v.inb(0x3C9), v.inb(0x3C9), v.inb(0x3C9)], [0x21, 0x22, 0x23]);
  v.out(0x3C6, 0x0F);
  assert.equal(v.inb(0x3C6), 0x0F, "PEL mask");
});

test("VGA: attribute controller flip-flop (reset by reading input status 1), palette address source, index/data", async () => {
  const c = await machine(), v = vga(c);
  v.inb(0x3DA);
  v.out(0x3C0, 0x01); // index 1 with palette address source 0: the palette may be written
  v.out(0x3C0, 0x2A);
  v.out(0x3C0, 0x21); // the flip-flop is back on "index"
  assert.equal(v.inb(0x3C0), 0x21, "3C0h reads the index register");
  assert.equal(v.inb(0x3C1), 0x2A, "3C1h reads the data");
  v.out(0x3C0, 0x15); // data write with PAS = 1: palette registers are locked (IBM: Attribute Address bit 5)
  assert.equal(v.inb(0x3C1), 0x2A);
  v.inb(0x3DA); v.out(0x3C0, 0x13); v.out(0x3C0, 0x05); // pel panning (not a palette register)
  v.inb(0x3DA); v.out(0x3C0, 0x33);
  assert.equal(v.inb(0x3C1), 0x05);
  // a half-done pair: reading 3DAh resets the flip-flop, so the next write is an index again
  v.inb(0x3DA); v.out(0x3C0, 0x12); v.inb(0x3DA); v.out(0x3C0, 0x30);
  assert.equal(v.inb(0x3C0), 0x30);
});

test("VGA: CRTC write protect, misc output I/O address select, 16-bit OUTs write index and data", async () => {
  const c = await machine(), v = vga(c);
  // IBM CRT Controller: Vertical Retrace End bit 7 protects CR00-CR07 (mode 03h leaves it set), except CR07 bit 4
  assert.equal(v.crtcRead(0x11) & 0x80, 0x80);
  v.crtc(0x01, 0x27);
  assert.equal(v.crtcRead(0x01), 0x4F, "protected");
  v.crtc(0x07, 0x00);
  assert.equal(v.crtcRead(0x07), 0x0F, "only line compare bit 8 changes");
  v.crtc(0x11, 0x0E); v.crtc(0x01, 0x27);
  assert.equal(v.crtcRead(0x01), 0x27);
  // misc output bit 0 = 0: the CRTC answers at 3B4h/3B5h and 3D4h reads FFh
  v.out(0x3C2, 0x66);
  assert.equal(v.inb(0x3CC), 0x66);
  assert.equal(v.inb(0x3D5), 0xFF);
  v.out(0x3B4, 0x0C); v.out(0x3B5, 0x12);
  assert.equal(v.inb(0x3B5), 0x12);
  v.out(0x3C2, 0x67);
  c.exports.ioWrite(0x3C4, 0x0702, 2); // SR2 = 07h in one OUT DX, AX
  assert.equal(v.inb(0x3C4), 0x02); assert.equal(v.inb(0x3C5), 0x07);
  c.exports.ioWrite(0x3CE, 0x5508, 2);
  v.out(0x3CE, 0x08); assert.equal(v.inb(0x3CF), 0x55);
  c.exports.ioWrite(0x3D4, 0x340E, 2);
  assert.equal(v.crtcRead(0x0E), 0x34);
});

/** Load a glyph into font map 0 (plane 2 at char * 32) the way a VGA BIOS does, then go back to text addressing. */
function loadGlyph(v: ReturnType<typeof vga>, ch: number, rows: number[]): void {
  v.seq(2, 0x04); v.seq(4, 0x06); v.gc(4, 0x02); v.gc(5, 0x00); v.gc(6, 0x04);
  rows.forEach((r, i) => v.wr(0xA0000 + ch * 32 + i, r));
  v.seq(2, 0x03); v.seq(4, 0x02); v.gc(4, 0x00); v.gc(5, 0x10); v.gc(6, 0x0E);
}
const GLYPH_A = [0x81, 0x42, 0x24, 0x18, 0x18, 0x24, 0x42, 0x81, 0xFF, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00];

test("VGA text: a character from the font in plane 2 through the attribute palette and the DAC; 9th column rule", async () => {
  const c = await machine(), v = vga(c);
  loadGlyph(v, 0x41, GLYPH_A);
  loadGlyph(v, 0xC4, GLYPH_A); // a line-graphics code: the 9th dot repeats the 8th (AR10 bit 2, set in mode 03h)
  v.crtc(0x0A, 0x20); // cursor off
  v.wr(0xB8000, 0x41); v.wr(0xB8001, 0x1E); // yellow on blue
  v.wr(0xB8002, 0xC4); v.wr(0xB8003, 0x1E);
  assert.equal(v.render(), 1);
  assert.equal(c.exports.displayMode(), 1);
  assert.deepEqual([c.exports.displayWidth(), c.exports.displayHeight()], [720, 400], "80 x 9 dots, 400 lines (IBM mode 03h)");
  // mode 03h palette: AR0Eh = 3Eh (yellow), AR01h = 01h (blue); the EGA colours in DAC 00h-3Fh
  const fg = rgb(0x3F, 0x3F, 0x15), bg = rgb(0, 0, 0x2A);
  const row0 = [...Array(9)].map((_, x) => v.pixel(x, 0));
  assert.deepEqual(row0, [fg, bg, bg, bg, bg, bg, bg, fg, bg], "81h, 9th dot background for 41h");
  assert.deepEqual([...Array(9)].map((_, x) => v.pixel(x, 8)), [fg, fg, fg, fg, fg, fg, fg, fg, bg], "row 8: FFh");
  assert.equal(v.pixel(9 + 8, 0), fg, "C4h: 9th dot = 8th dot");
  assert.equal(v.pixel(9 + 8, 10), fg, "C4h row 10 (01h): 9th dot on");
  assert.equal(v.pixel(8, 10), bg, "41h row 10: 9th dot off");
  assert.equal(v.pixel(0, 12), bg);
  // 8-dot characters (Clocking Mode bit 0)
  v.seq(1, 0x01);
  v.render();
  assert.equal(c.exports.displayWidth(), 640);
  assert.equal(v.pixel(8, 0), fg, "second character starts at dot 8");
});

test("VGA text: blinking attribute, cursor shape and position, both blinking on the virtual clock", async () => {
  const c = await machine(), v = vga(c);
  loadGlyph(v, 0x41, GLYPH_A);
  for (let i = 0; i < 84; i++) { v.wr(0xB8000 + i * 2, 0x20); v.wr(0xB8001 + i * 2, 0x07); }
  v.wr(0xB8000 + 160 + 2, 0x41); v.wr(0xB8001 + 160 + 2, 0x8F); // row 1, column 1: blinking bright white
  // cursor at row 1, column 2, scan lines 14-15 (IBM: Cursor Start/End, Cursor Location High/Low)
  v.crtc(0x0A, 0x0E); v.crtc(0x0B, 0x0F); v.crtc(0x0E, 0x00); v.crtc(0x0F, 82);
  const grey = rgb(0x2A, 0x2A, 0x2A), white = rgb(0x3F, 0x3F, 0x3F), black = 0;
  v.render();
  assert.equal(v.pixel(9, 16), white, "blinking character visible in the first phase");
  assert.equal(v.pixel(18, 16 + 14), grey, "cursor line 14 in the foreground colour");
  assert.equal(v.pixel(26, 16 + 15), grey, "cursor covers the 9th dot");
  assert.equal(v.pixel(18, 16 + 13), black, "above the cursor start");
  // mode 03h timing: 449 lines of 900 dots at 28.322 MHz = 70.1 Hz. The cursor blinks every 16 frames (8 on, 8
  // off), blinking characters every 32 frames (IBM: Attribute Mode Control bit 3, cursor blink rate).
  const frame = 449n * 31777n;
  c.exports.clockAdvanceNs(frame * 8n);
  assert.equal(v.render(), 1, "the cursor phase changed");
  assert.equal(v.pixel(18, 16 + 14), black, "cursor off");
  assert.equal(v.pixel(9, 16), white, "character still on");
  c.exports.clockAdvanceNs(frame * 8n);
  v.render();
  assert.equal(v.pixel(9, 16), black, "blinking character off (background)");
  assert.equal(v.pixel(18, 16 + 14), grey, "cursor on again");
  // cursor start > end: no cursor; bit 5: cursor off
  v.crtc(0x0A, 0x2E); v.render();
  assert.equal(v.pixel(18, 16 + 14), black);
});

test("VGA text: a blink phase change redraws only the cursor's character row and the rows with blinking characters", async () => {
  const c = await machine(), v = vga(c);
  loadGlyph(v, 0x41, GLYPH_A);
  for (let i = 0; i < 80 * 25; i++) { v.wr(0xB8000 + i * 2, 0x41); v.wr(0xB8001 + i * 2, 0x07); }
  v.wr(0xB8001 + 5 * 160 + 20, 0x87); // row 5, column 10: blinking
  v.crtc(0x0A, 0x0E); v.crtc(0x0B, 0x0F); v.crtc(0x0E, 0x00); v.crtc(0x0F, 2 * 80 + 3); // cursor at row 2, column 3
  v.render();
  const frame = 449n * 31777n; // mode 03h: 70.1 frames a second
  const dirty = () => [c.exports.displayDirtyTop(), c.exports.displayDirtyBottom()];
  // 8 frames: only the cursor's phase changes, so only its character row (lines 32-47) is drawn again
  c.exports.clockAdvanceNs(frame * 8n);
  assert.equal(v.render(), 1);
  assert.deepEqual(dirty(), [32, 47]);
  // 8 more: both phases change: the cursor's row and the blinking character's row (lines 80-95)
  c.exports.clockAdvanceNs(frame * 8n);
  assert.equal(v.render(), 1);
  assert.deepEqual(dirty(), [32, 95]);
  assert.equal(v.pixel(10 * 9 + 1, 5 * 16 + 2), 0, "the blinking character is off in this phase");
  // nothing changes within a phase: nothing is drawn
  c.exports.clockAdvanceNs(frame * 2n);
  assert.equal(v.render(), 0);
});

test("VGA text: start address scrolls, line compare splits the screen, the text readout follows", async () => {
  const c = await machine(), v = vga(c);
  loadGlyph(v, 0x41, GLYPH_A);
  loadGlyph(v, 0x42, GLYPH_A.map(x => x ^ 0xFF));
  for (let i = 0; i < 80 * 50; i++) { v.wr(0xB8000 + i * 2, i < 80 ? 0x41 : i < 160 ? 0x42 : 0x20); v.wr(0xB8001 + i * 2, 0x07); }
  const s = "HELLO, VGA";
  for (let i = 0; i < s.length; i++) v.wr(0xB8000 + (2 * 80 + 3) * 2 + i * 2, s.charCodeAt(i));
  let t = v.text();
  assert.deepEqual([t.cols, t.rows], [80, 25]);
  assert.equal(t.lines[0], "A".repeat(80));
  assert.equal(t.lines[2].slice(0, 16), "   HELLO, VGA   ");
  v.crtc(0x0A, 0x20);
  v.render();
  const grey = rgb(0x2A, 0x2A, 0x2A);
  assert.equal(v.pixel(0, 0), grey, "A row 0: 81h");
  assert.equal(v.pixel(1, 0), 0);
  // IBM Start Address High/Low: the screen starts at row 1
  v.crtc(0x0C, 0); v.crtc(0x0D, 80);
  t = v.text();
  assert.equal(t.lines[0], "B".repeat(80));
  assert.equal(t.lines[1].slice(3, 13), "HELLO, VGA");
  v.render();
  assert.equal(v.pixel(0, 0), 0, "B row 0: 7Eh");
  assert.equal(v.pixel(1, 0), grey);
  // Line Compare (CR18, CR07 bit 4, CR09 bit 6): from scan line 200 the display restarts at address 0 (row 0)
  v.crtc(0x11, 0x0E); // lift the write protection of CR07
  v.crtc(0x18, 200); v.crtc(0x07, v.crtcRead(0x07) & ~0x10); v.crtc(0x09, v.crtcRead(0x09) & ~0x40);
  v.render();
  assert.equal(v.pixel(0, 199), 0, "above the split: row 12 of the scrolled screen (blank)");
  assert.equal(v.pixel(0, 200), grey, "split: A row 0 at line 200");
  assert.equal(v.pixel(1, 200), 0);
  assert.equal(v.pixel(1, 201), grey, "A row 1: 42h");
});

test("VGA text: incremental rendering redraws only the lines whose video memory changed", async () => {
  const c = await machine(), v = vga(c);
  v.crtc(0x0A, 0x20);
  assert.equal(v.render(), 1, "first picture");
  assert.equal(v.render(), 0, "nothing changed");
  assert.equal(c.exports.displayDirtyTop(), -1);
  v.wr(0xB8000 + 24 * 160, 0x41); // last row
  assert.equal(v.render(), 1);
  assert.ok(c.exports.displayDirtyTop() > 0 && c.exports.displayDirtyBottom() === 399,
    `dirty ${c.exports.displayDirtyTop()}-${c.exports.displayDirtyBottom()}`);
  v.out(0x3C8, 0); v.out(0x3C9, 1); v.out(0x3C9, 2); v.out(0x3C9, 3); // a palette change redraws everything
  assert.equal(v.render(), 1);
  assert.deepEqual([c.exports.displayDirtyTop(), c.exports.displayDirtyBottom()], [0, 399]);
  assert.equal(v.pixel(5, 5), rgb(1, 2, 3));
});

test("VGA: input status 1 shows vertical retrace 70 times a second of virtual time (mode 03h timing)", async () => {
  const c = await machine(), v = vga(c);
  // IBM Input Status Register 1: bit 3 vertical retrace, bit 0 display disabled. Mode 03h: 449 lines, retrace from
  // line 412 for 2 lines (CR10h = 9Ch + CR07 bit 2, CR11h low nibble 0Eh), 31.777 us per line.
  const step = 5_000n, rises: bigint[] = [], falls: bigint[] = [];
  let last = v.inb(0x3DA) & 8, t = 0n, dispOffDuringRetrace = true;
  for (let i = 0; i < 7000; i++) {
    c.exports.clockAdvanceNs(step); t += step;
    const s = v.inb(0x3DA);
    if ((s & 8) && !(s & 1)) dispOffDuringRetrace = false;
    if ((s & 8) !== last) { (s & 8 ? rises : falls).push(t); last = s & 8; }
  }
  assert.ok(rises.length >= 2, `retrace seen ${rises.length} times in 35 ms`);
  const period = Number(rises[1] - rises[0]);
  assert.ok(Math.abs(period - 449 * 31777) <= 5000, `frame period ${period} ns`);
  const width = Number(falls.find(f => f > rises[0])! - rises[0]);
  assert.ok(Math.abs(width - 2 * 31777) <= 5000, `retrace lasts ${width} ns`);
  assert.ok(dispOffDuringRetrace, "bit 0 is set during vertical retrace");
});

/** Mode 13h registers from the IBM mode table (CR11 bit 7 cleared first to lift the write protection). */
function setMode13(v: ReturnType<typeof vga>): void {
  v.out(0x3C2, 0x63);
  [0x03, 0x01, 0x0F, 0x00, 0x0E].forEach((x, i) => v.seq(i, x));
  v.crtc(0x11, 0x0E);
  [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x40, 0x96, 0xB9, 0xA3, 0xFF].forEach((x, i) => v.crtc(i, x));
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF].forEach((x, i) => v.gc(i, x));
  for (let i = 0; i < 16; i++) v.attr(i, i, 0);
  [0x41, 0x00, 0x0F, 0x00, 0x00].forEach((x, i) => v.attr(0x10 + i, x, 0));
  v.inb(0x3DA); v.out(0x3C0, 0x20);
}

test("VGA mode 13h: chain-4 pixels at A0000h + 320y + x, each pixel 2 x 2 dots, colours from the DAC", async () => {
  const c = await machine(), v = vga(c);
  setMode13(v);
  v.out(0x3C8, 0x80); v.out(0x3C9, 0x3F); v.out(0x3C9, 0x00); v.out(0x3C9, 0x20);
  v.wr(0xA0000 + 5 * 320 + 10, 0x04); // EGA red in DAC 04h
  v.wr(0xA0000 + 199 * 320 + 319, 0x80);
  v.render();
  assert.equal(c.exports.displayMode(), 2);
  assert.deepEqual([c.exports.displayWidth(), c.exports.displayHeight()], [640, 400]);
  const red = rgb(0x2A, 0, 0);
  for (const [x, y] of [[20, 10], [21, 10], [20, 11], [21, 11]]) assert.equal(v.pixel(x, y), red, `dot ${x},${y}`);
  assert.equal(v.pixel(22, 10), 0); assert.equal(v.pixel(20, 12), 0);
  assert.equal(v.pixel(639, 399), rgb(0x3F, 0, 0x20));
  assert.equal(v.text().cols, 0, "no text readout in graphics modes");
  // mode X: chain-4 off, byte mode; the same pixel is plane x & 3 at offset 80y + x / 4
  v.seq(4, 0x06); v.crtc(0x14, 0x00); v.crtc(0x17, 0xE3);
  v.seq(2, 1 << (12 & 3)); v.wr(0xA0000 + 5 * 80 + (12 >> 2), 0x04);
  v.render();
  assert.equal(v.pixel(24, 10), red, "mode X pixel (12, 5)");
});

test("VGA mode 12h-style planar graphics: 640 x 480, a pixel's colour from the four planes through the palette", async () => {
  const c = await machine(), v = vga(c);
  v.out(0x3C2, 0xE3);
  [0x03, 0x01, 0x0F, 0x00, 0x06].forEach((x, i) => v.seq(i, x));
  v.crtc(0x11, 0x0C);
  [0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0x0B, 0x3E, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xEA, 0x8C, 0xDF, 0x28, 0x00, 0xE7, 0x04, 0xE3, 0xFF].forEach((x, i) => v.crtc(i, x));
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF].forEach((x, i) => v.gc(i, x));
  for (let i = 0; i < 16; i++) v.attr(i, i === 6 ? 0x14 : i < 8 ? i : i + 0x30, 0);
  [0x01, 0x00, 0x0F, 0x00, 0x00].forEach((x, i) => v.attr(0x10 + i, x, 0));
  v.inb(0x3DA); v.out(0x3C0, 0x20);
  // pixel (9, 3) in colour 0Ch with write mode 2 and a bit mask
  v.gc(5, 0x02); v.gc(8, 0x80 >> (9 & 7));
  v.rd(0xA0000 + 3 * 80 + 1); v.wr(0xA0000 + 3 * 80 + 1, 0x0C);
  v.render();
  assert.deepEqual([c.exports.displayWidth(), c.exports.displayHeight()], [640, 480]);
  assert.equal(v.pixel(9, 3), rgb(0x3F, 0x15, 0x15), "colour 0Ch -> AR0Ch = 3Ch -> light red");
  assert.equal(v.pixel(8, 3), 0); assert.equal(v.pixel(10, 3), 0);
  // colour plane enable (AR12h) drops planes 2-3: colour 0Ch becomes 0
  v.attr(0x12, 0x03);
  v.render();
  assert.equal(v.pixel(9, 3), 0);
});

test("Bochs VBE: PCI function 02.0 (1234:1111), BAR 0 programmed through CF8h/CFCh, 1024x768x32 through the LFB", async () => {
  const c = await machine(), v = vga(c), e = c.exports;
  const cfg = (off: number) => 0x80000000 | (2 << 11) | off;
  const pciRead = (off: number) => { e.ioWrite(0xCF8, cfg(off), 4); return e.ioRead(0xCFC, 4) >>> 0; };
  const pciWrite = (off: number, x: number) => { e.ioWrite(0xCF8, cfg(off), 4); e.ioWrite(0xCFC, x, 4); };
  assert.equal(pciRead(0x00), 0x11111234, "vendor 1234h, device 1111h");
  assert.equal(pciRead(0x08), 0x03000002, "class 030000h (VGA), revision 2");
  assert.equal(pciRead(0x2C), 0x11001AF4, "subsystem 1AF4h:1100h");
  pciWrite(0x10, 0xFFFFFFFF);
  assert.equal(pciRead(0x10), 0xFF000008, "BAR 0: 16 MiB prefetchable memory");
  pciWrite(0x18, 0xFFFFFFFF);
  assert.equal(pciRead(0x18), 0xFFFFF000, "BAR 2: 4 KiB memory");
  pciWrite(0x10, 0xE0000000); pciWrite(0x18, 0xE1000000);
  assert.equal(e.busRead(0xE0000000, 4) >>> 0, 0xFFFFFFFF, "memory decoding off: nothing at the BAR");
  pciWrite(0x04, 0x0003);
  // DISPI: ID, mode, enable with the linear framebuffer
  const dispi = (i: number, x?: number) => { e.ioWrite(0x1CE, i, 2); if (x !== undefined) e.ioWrite(0x1CF, x, 2); return e.ioRead(0x1CF, 2); };
  assert.equal(dispi(0), 0xB0C5);
  dispi(0, 0xB0C0); assert.equal(dispi(0), 0xB0C0); dispi(0, 0x1234); assert.equal(dispi(0), 0xB0C0, "unknown IDs are ignored");
  dispi(0, 0xB0C5);
  dispi(4, 0x02); // GETCAPS
  assert.deepEqual([dispi(1), dispi(2), dispi(3)], [1920, 1080, 32], "maxima with GETCAPS");
  assert.equal(dispi(10), 256, "16 MiB in 64 KiB units");
  dispi(4, 0x00); dispi(1, 1024); dispi(2, 768); dispi(3, 32); dispi(4, 0x41);
  assert.deepEqual([dispi(1), dispi(2), dispi(3), dispi(6), dispi(7)], [1024, 768, 32, 1024, 768]);
  dispi(1, 800);
  assert.equal(dispi(1), 1024, "XRES does not change while enabled");
  const at = (x: number, y: number) => 0xE0000000 + (y * 1024 + x) * 4;
  e.busWrite(at(10, 20), 0x00FF8040, 4); // B = 40h, G = 80h, R = FFh
  e.busWrite(at(1023, 767), 0x00123456, 4);
  assert.equal(e.busRead(at(10, 20), 4), 0x00FF8040);
  assert.equal(e.busRead(at(10, 20) + 1, 2), 0xFF80, "unaligned reads of the framebuffer");
  assert.equal(v.render(), 1);
  assert.deepEqual([e.displayWidth(), e.displayHeight(), e.displayMode()], [1024, 768, 2]);
  assert.equal(v.pixel(10, 20), 0xFF8040);
  assert.equal(v.pixel(1023, 767), 0x123456);
  assert.equal(v.pixel(11, 20), 0);
  // the MMIO BAR: DISPI registers at +500h + index * 2, VGA ports at +400h + (port - 3C0h)
  assert.equal(e.busRead(0xE1000500 + 2 * 1, 2), 1024);
  e.busWrite(0xE1000400 + 0x08, 0x00, 1); // 3C8h
  for (const x of [1, 2, 3]) e.busWrite(0xE1000400 + 0x09, x, 1);
  v.out(0x3C7, 0); assert.deepEqual([v.inb(0x3C9), v.inb(0x3C9), v.inb(0x3C9)], [1, 2, 3]);
  // Y_OFFSET pans the virtual screen: line 20 shows at the top
  dispi(9, 20); v.render();
  assert.equal(v.pixel(10, 0), 0xFF8040);
  // moving BAR 0: the old range stops decoding, the new one shows the same memory
  pciWrite(0x10, 0xD0000000);
  assert.equal(e.busRead(0xE0000000 + (20 * 1024 + 10) * 4, 4) >>> 0, 0xFFFFFFFF);
  assert.equal(e.busRead(0xD0000000 + (20 * 1024 + 10) * 4, 4), 0x00FF8040);
});

test("Bochs VBE: banked 64 KiB window at A0000h, 8 bpp through the DAC (6-bit and 8BIT_DAC), 16 bpp, clear on enable", async () => {
  const c = await machine(), v = vga(c), e = c.exports;
  const dispi = (i: number, x?: number) => { e.ioWrite(0x1CE, i, 2); if (x !== undefined) e.ioWrite(0x1CF, x, 2); return e.ioRead(0x1CF, 2); };
  dispi(1, 640); dispi(2, 480); dispi(3, 8); dispi(4, 0x01);
  dispi(5, 3); // bank 3: linear 30000h-3FFFFh
  v.wr(0xA0000 + 0x1234, 0x07);
  dispi(5, 0);
  const lin = 3 * 0x10000 + 0x1234, x = lin % 640, y = Math.floor(lin / 640);
  assert.equal(v.rd(0xA0000 + 0x1234), 0, "bank 0 is elsewhere");
  v.render();
  assert.equal(v.pixel(x, y), rgb(0x2A, 0x2A, 0x2A), "DAC entry 7 (EGA grey)");
  // 8-bit DAC: components are written and shown as full bytes
  dispi(4, 0x21 | 0x80);
  v.out(0x3C8, 7); v.out(0x3C9, 0xC0); v.out(0x3C9, 0x80); v.out(0x3C9, 0x40);
  v.render();
  assert.equal(v.pixel(x, y), 0xC08040);
  // 16 bpp 5:6:5, memory cleared when enabled without NOCLEARMEM
  dispi(4, 0); dispi(3, 16); dispi(4, 0x01);
  v.render();
  assert.equal(v.pixel(x, y), 0, "cleared");
  v.wr(0xA0000, 0x1F); v.wr(0xA0001, 0xF8); // red 31, green 0, blue 31 -> magenta
  v.render();
  assert.equal(v.pixel(0, 0), 0xFF00FF);
  // disabling returns to the VGA text picture
  dispi(4, 0); v.render();
  assert.equal(e.displayMode(), 1);
});

test("VGA mode 0Dh (320 x 200, 16 colours): half dot clock doubles dots, doublescan doubles lines", async () => {
  const c = await machine(), v = vga(c);
  // IBM mode table, mode 0Dh
  v.out(0x3C2, 0x63);
  [0x03, 0x09, 0x0F, 0x00, 0x06].forEach((x, i) => v.seq(i, x));
  v.crtc(0x11, 0x0E);
  [0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xE3, 0xFF].forEach((x, i) => v.crtc(i, x));
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0F, 0xFF].forEach((x, i) => v.gc(i, x));
  for (let i = 0; i < 16; i++) v.attr(i, i < 8 ? i : i + 8, 0);
  [0x01, 0x00, 0x0F, 0x00, 0x00].forEach((x, i) => v.attr(0x10 + i, x, 0));
  v.inb(0x3DA); v.out(0x3C0, 0x20);
  // pixel (17, 9) in colour 2 (green): byte 9 * 40 + 2, bit 7 - 1, plane 1
  v.seq(2, 0x02); v.wr(0xA0000 + 9 * 40 + 2, 0x40); v.seq(2, 0x0F);
  v.render();
  assert.deepEqual([c.exports.displayWidth(), c.exports.displayHeight()], [640, 400]);
  const green = rgb(0, 0x2A, 0);
  for (const [x, y] of [[34, 18], [35, 18], [34, 19], [35, 19]]) assert.equal(v.pixel(x, y), green, `dot ${x},${y}`);
  assert.equal(v.pixel(36, 18), 0); assert.equal(v.pixel(33, 18), 0); assert.equal(v.pixel(34, 20), 0);
});

test("VGA mode 04h (CGA 320 x 200, 4 colours): odd/even planes, interleaved shift, odd lines at +2000h", async () => {
  const c = await machine(), v = vga(c);
  // IBM mode table, mode 04h
  v.out(0x3C2, 0x63);
  [0x03, 0x09, 0x03, 0x00, 0x02].forEach((x, i) => v.seq(i, x));
  v.crtc(0x11, 0x0E);
  [0x2D, 0x27, 0x28, 0x90, 0x2B, 0x80, 0xBF, 0x1F, 0x00, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x14, 0x00, 0x96, 0xB9, 0xA2, 0xFF].forEach((x, i) => v.crtc(i, x));
  [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0F, 0x0F, 0xFF].forEach((x, i) => v.gc(i, x));
  [0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17].forEach((x, i) => v.attr(i, x, 0));
  [0x01, 0x00, 0x03, 0x00, 0x00].forEach((x, i) => v.attr(0x10 + i, x, 0));
  v.inb(0x3DA); v.out(0x3C0, 0x20);
  // pixel (5, 3) colour 1 and pixel (6, 2) colour 3: CGA layout, 2 bits per pixel, 80 bytes per line pair
  v.wr(0xB8000 + 0x2000 + 80 + 1, 0x10);
  v.wr(0xB8000 + 80 + 1, 0x0C);
  v.render();
  assert.deepEqual([c.exports.displayWidth(), c.exports.displayHeight()], [640, 400]);
  const cyan = rgb(0, 0x3F, 0x2A), grey = rgb(0x2A, 0x3F, 0x2A);
  for (const [x, y] of [[10, 6], [11, 7]]) assert.equal(v.pixel(x, y), cyan, `dot ${x},${y}: AR01h = 13h`);
  for (const [x, y] of [[12, 4], [13, 5]]) assert.equal(v.pixel(x, y), grey, `dot ${x},${y}: AR03h = 17h`);
  assert.equal(v.pixel(12, 6), 0); assert.equal(v.pixel(10, 4), 0);
});

test("VGA through the CPU: a real-mode program stores text with REP STOSW at B800:0000 and reads it back", async () => {
  const c = await machine();
  const code = [
    0xB8, 0x00, 0xB8, // mov ax, 0B800h
    0x8E, 0xC0, // mov es, ax
    0x31, 0xFF, // xor di, di
    0xB8, 0x48, 0x1F, // mov ax, 1F48h ('H', white on blue)
    0xB9, 0x03, 0x00, // mov cx, 3
    0xF3, 0xAB, // rep stosw
    0x26, 0x8B, 0x1E, 0x02, 0x00, // mov bx, es:[0002h]
    0xF4, // hlt
  ];
  code.forEach((b, i) => c.writeByte(0x7C00 + i, b));
  startRealMode(c);
  c.run(1000);
  assert.equal(c.reg("ebx") & 0xFFFF, 0x1F48, "read back through the VGA window");
  const v = vga(c);
  assert.equal(v.text().lines[0].slice(0, 3), "HHH");
});

// ---- the VGA BIOS on our PC: SeaBIOS must run SeaVGABIOS as the option ROM of 00:02.0, so that it knows the device
// and reads the frame buffer address from BAR 0 (as QEMU -vga std does: its debug log says "VBE DISPI:
// lfb_addr=fd000000"). Run as a ROM of no device it assumes e0000000h, where nothing decodes: KolibriOS drew its
// whole desktop there and the screen stayed black.
const vbeSkip = bootSkipReason() ?? (haveNasm() ? undefined : NASM_MISSING);
test("Bochs VBE through SeaBIOS: INT 10h 4F01h reports the linear frame buffer (PhysBasePtr) at the VGA's BAR 0", { skip: vbeSkip, timeout: 120_000 }, async () => {
  // A boot sector: mode info for 101h (640x480x8, VBE 3.0 "VBE Mode Numbers") into 0:0600h, the status in
  // AX at 0:0500h, a marker at 0:0504h, then CLI; HLT.
  const sector = assemble(`bits 16
org 7C00h
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov di, 0600h
  mov ax, 4F01h
  mov cx, 0101h
  int 10h
  mov [0500h], ax
  mov word [0504h], 4B4Fh
  cli
  hlt
times 510 - ($ - $$) db 0
dw 0AA55h
`);
  const floppy = new Uint8Array(1474560);
  floppy.set(sector);
  const b = await bootPC({ memoryMiB: 16, boot: "a", disks: [{ drive: "fda", media: "floppy", backend: memoryDisk(floppy) }] });
  const e = b.pc.core.exports;
  await runUntil(b, () => e.busRead(0x504, 2) === 0x4B4F, 200_000_000n, "the boot sector's INT 10h 4F01h");
  assert.equal(e.busRead(0x500, 2), 0x004F, "4F01h succeeds (AL = 4Fh supported, AH = 0 successful)");
  assert.ok(e.busRead(0x600, 2) & 0x80, "ModeAttributes bit 7: linear frame buffer available");
  e.ioWrite(0xCF8, 0x80000000 | (2 << 11) | 0x10, 4);
  const bar0 = (e.ioRead(0xCFC, 4) & ~0xF) >>> 0;
  assert.equal(bar0, 0xFD000000, "SeaBIOS places the 16 MiB BAR 0 as in QEMU");
  assert.equal(e.busRead(0x600 + 0x28, 4) >>> 0, bar0, "PhysBasePtr (mode info offset 28h) is BAR 0");
});

// ---- oracle: QEMU's -vga std through qtest (the same port and memory operations; the CPU never runs there, so
// no VGA BIOS touches the registers). Skipped when qemu-system-i386 is not installed.
type Op = ["out", number, number] | ["in", number] | ["inq", number] | ["wr", number, number] | ["rd", number] | ["outw", number, number] | ["inw", number];

/** Run the operations in QEMU's qtest (which answers every command with an OK line) and return what the reads gave;
 *  QEMU stays up after its input ends, so it is stopped once every answer is in. */
function runQemu(ops: Op[]): Promise<number[] | null> {
  const cmds = ops.map(o => o[0] === "out" ? `outb 0x${o[1].toString(16)} 0x${o[2]!.toString(16)}`
    : o[0] === "outw" ? `outw 0x${o[1].toString(16)} 0x${o[2]!.toString(16)}`
    : o[0] === "in" || o[0] === "inq" ? `inb 0x${o[1].toString(16)}` : o[0] === "inw" ? `inw 0x${o[1].toString(16)}`
    : o[0] === "wr" ? `writeb 0x${o[1].toString(16)} 0x${o[2]!.toString(16)}` : `readb 0x${o[1].toString(16)}`);
  return new Promise(resolve => {
    const q = spawn("qemu-system-i386", ["-machine", "pc", "-qtest", "stdio", "-display", "none", "-nodefaults", "-vga", "std"],
      { stdio: ["pipe", "pipe", "ignore"] });
    let buf = "", done = false;
    const finish = (v: number[] | null) => { if (!done) { done = true; clearTimeout(timer); q.kill(); resolve(v); } };
    const timer = setTimeout(() => finish(null), 30000);
    q.on("error", () => finish(null));
    q.on("exit", () => finish(null));
    q.stdout.setEncoding("utf8");
    q.stdout.on("data", (d: string) => {
      buf += d;
      const lines = buf.split("\n").filter(l => l.startsWith("OK"));
      if (lines.length < ops.length || !buf.endsWith("\n")) return;
      const vals: number[] = [];
      ops.forEach((o, i) => { if (o[0] === "in" || o[0] === "rd" || o[0] === "inw") vals.push(parseInt(lines[i].slice(3), 16)); });
      finish(vals);
    });
    q.stdin.end(cmds.join("\n") + "\n");
  });
}

function runCore(c: Core, ops: Op[]): number[] {
  const e = c.exports, vals: number[] = [];
  for (const o of ops) {
    if (o[0] === "out") e.ioWrite(o[1], o[2]!, 1);
    else if (o[0] === "outw") e.ioWrite(o[1], o[2]!, 2);
    else if (o[0] === "in") vals.push(e.ioRead(o[1], 1));
    else if (o[0] === "inq") e.ioRead(o[1], 1);
    else if (o[0] === "inw") vals.push(e.ioRead(o[1], 2));
    else if (o[0] === "wr") e.busWrite(o[1], o[2]!, 1);
    else vals.push(e.busRead(o[1], 1));
  }
  return vals;
}

/** Compare the core's reads with QEMU's. QEMU's answers to the same qtest commands are not always the same: once in a
 *  full parallel `npm test`, and often when the commands arrive with pauses between them (a time-dependent effect in
 *  QEMU, not found yet). So a mismatch is confirmed by a second QEMU run, and when QEMU disagrees with itself the
 *  comparison is reported as skipped rather than failed. */
async function compareWithQemu(t: { skip(msg: string): void }, ops: Op[]): Promise<void> {
  const mine = runCore(await machine(), ops);
  const reads = ops.filter(o => o[0] === "in" || o[0] === "rd" || o[0] === "inw");
  const diffOf = (q: number[]) => mine.map((v, i) => v === q[i] ? "" : `${JSON.stringify(reads[i])}: ${v.toString(16)} vs QEMU ${q[i].toString(16)}`).filter(x => x);
  const q1 = await runQemu(ops);
  assert.ok(q1, "QEMU ran");
  if (diffOf(q1).length === 0) return;
  const q2 = await runQemu(ops);
  assert.ok(q2, "QEMU ran");
  if (JSON.stringify(q1) !== JSON.stringify(q2)) { t.skip("QEMU gave different answers to the same commands"); return; }
  assert.deepEqual(diffOf(q2), []);
}

const qemuAvailable = spawnSync("qemu-system-i386", ["--version"]).status === 0;

test("VGA oracle (QEMU -vga std): seeded random graphics controller traffic, write/read modes and latches agree", { skip: !qemuAvailable }, async (t) => {
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  const ops: Op[] = [];
  const seq = (i: number, v: number) => { ops.push(["out", 0x3C4, i], ["out", 0x3C5, v]); };
  const gc = (i: number, v: number) => { ops.push(["out", 0x3CE, i], ["out", 0x3CF, v]); };
  ops.push(["out", 0x3C2, 0x67]);
  seq(2, 0x0F); seq(4, 0x06);
  [0, 0, 0, 0, 0, 0, 0x05, 0x0F, 0xFF].forEach((v, i) => gc(i, v));
  for (let a = 0; a < 32; a++) ops.push(["wr", 0xA0000 + a, rnd(256)]);
  for (let n = 0; n < 1500; n++) {
    const k = rnd(10);
    if (k < 3) {
      const i = [0, 1, 2, 3, 4, 5, 7, 8][rnd(8)];
      const mask = i === 5 ? 0x0B : i === 3 ? 0x1F : i === 4 ? 0x03 : i === 8 ? 0xFF : 0x0F;
      gc(i, rnd(256) & mask);
    } else if (k === 3) seq(2, rnd(16));
    else if (k < 7) ops.push(["wr", 0xA0000 + rnd(32), rnd(256)]);
    else ops.push(["rd", 0xA0000 + rnd(32)]);
  }
  // read every plane back at the end
  gc(5, 0); seq(2, 0x0F);
  for (let p = 0; p < 4; p++) { gc(4, p); for (let a = 0; a < 32; a++) ops.push(["rd", 0xA0000 + a]); }
  await compareWithQemu(t, ops);
});

// Known differences from QEMU, kept on purpose and tested above against the IBM reference / the brief: QEMU keeps 8 bits
// of DAC writes, ignores the PEL mask, reads 3C0h as 0 while the flip-flop points at data, toggles 3DAh per read, reports
// 16000 x 12000 with GETCAPS and makes VIRT_HEIGHT as large as video memory allows on enable (Bochs: the mode's height).
test("VGA oracle (QEMU -vga std): DAC, attribute controller, CRTC protection, DISPI registers read the same", { skip: !qemuAvailable }, async (t) => {
  const ops: Op[] = [];
  const out = (p: number, v: number) => ops.push(["out", p, v]);
  const inb = (p: number) => ops.push(["in", p]);
  const reset = () => ops.push(["inq", 0x3DA]); // read, not compared (retrace timing differs)
  out(0x3C2, 0x67);
  out(0x3C8, 0x60); for (const v of [0x3F, 0x01, 0x05, 0x11, 0x22]) out(0x3C9, v);
  out(0x3C7, 0x60); for (let i = 0; i < 7; i++) inb(0x3C9);
  inb(0x3C8); inb(0x3C7);
  out(0x3C8, 0x30); inb(0x3C7);
  reset(); out(0x3C0, 0x03); out(0x3C0, 0x2C); inb(0x3C0); inb(0x3C1); out(0x3C0, 0x10); out(0x3C0, 0x41);
  reset(); out(0x3C0, 0x10); inb(0x3C1); out(0x3C0, 0x4C); inb(0x3C0);
  reset(); out(0x3C0, 0x33); out(0x3C0, 0x05); out(0x3C0, 0x13); inb(0x3C1);
  // CRTC: write protect via CR11 bit 7
  const crtc = (i: number, v: number) => { out(0x3D4, i); out(0x3D5, v); };
  crtc(0x11, 0x00); crtc(0x01, 0x11); crtc(0x07, 0x22); crtc(0x0C, 0x33);
  crtc(0x11, 0x80); crtc(0x01, 0x4F); crtc(0x07, 0xFF); crtc(0x0C, 0x12);
  for (const i of [0x01, 0x07, 0x0C, 0x11]) { out(0x3D4, i); inb(0x3D5); }
  crtc(0x11, 0x00); crtc(0x01, 0x4F); out(0x3D4, 0x01); inb(0x3D5);
  out(0x3C2, 0x66); out(0x3B4, 0x0C); inb(0x3B5); inb(0x3D5); out(0x3C2, 0x67);
  // DISPI
  const dispi = (i: number, v?: number) => { ops.push(["outw", 0x1CE, i]); if (v !== undefined) ops.push(["outw", 0x1CF, v]); ops.push(["inw", 0x1CF]); };
  dispi(0); dispi(0, 0xB0C0); dispi(0, 0xB0C4); dispi(0, 0x1234); dispi(4, 0x02); dispi(3); dispi(10);
  dispi(4, 0); dispi(1, 800); dispi(2, 600); dispi(3, 16); dispi(4, 0x41); dispi(6); dispi(8); dispi(9); dispi(4);
  dispi(5, 2); dispi(8, 16); dispi(9, 4); dispi(4, 0); dispi(1, 640); dispi(4, 0x01); dispi(1);
  await compareWithQemu(t, ops);
});
