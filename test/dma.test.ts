// The 8237A DMA controllers (assembly/devices/dma8237.ts) tested the QEMU way: program a channel through the
// ports as a BIOS or driver does, let a device transfer a block, look at guest memory, the current address and
// count, the status TC bits and the mask. Rules from the 8237A datasheet (registers, flip-flop, modes, TC,
// auto-initialisation) and the AT's wiring (page registers, word addressing of channels 5-7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core } from "../web/machine/core.ts";

async function machine(): Promise<Core> { return createCore(4 << 20, "debug"); }
const io = (c: Core) => ({ out: (p: number, v: number) => c.exports.ioWrite(p, v, 1), in: (p: number) => c.exports.ioRead(p, 1) });
/** Program 8-bit channel 2 as a floppy driver does. */
function setupCh2(c: Core, mode: number, addr: number, page: number, count: number) {
  const p = io(c);
  p.out(0x0A, 0x06); // mask channel 2
  p.out(0x0C, 0); // clear the flip-flop
  p.out(0x0B, mode);
  p.out(0x04, addr & 0xFF); p.out(0x04, addr >> 8);
  p.out(0x81, page);
  p.out(0x05, count & 0xFF); p.out(0x05, count >> 8);
  p.out(0x0A, 0x02); // unmask
}
const readWord = (c: Core, port: number) => { const p = io(c); p.out(0x0C, 0); return p.in(port) | (p.in(port) << 8); };

test("DMA: a device-to-memory block on channel 2 stops at terminal count (count + 1 bytes), sets TC and masks the channel", async () => {
  const c = await machine(), p = io(c);
  const buf = c.L.ROM_BASE, data = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 3) & 0xFF);
  c.u8.set(data, buf);
  setupCh2(c, 0x46, 0x1234, 0x01, 0x00FF); // single mode, write to memory, channel 2
  assert.equal(c.exports.testDmaTransfer(2, buf, 512), 256);
  assert.deepEqual([...c.readPhys(0x11234, 256)], [...data.subarray(0, 256)]);
  assert.equal(c.readByte(0x11234 + 256), 0, "nothing past the count");
  assert.equal(readWord(c, 0x04), 0x1334, "current address");
  assert.equal(readWord(c, 0x05), 0xFFFF, "current count wrapped past zero");
  assert.equal(p.in(0x08) & 0x04, 0x04, "TC of channel 2");
  assert.equal(p.in(0x08) & 0x04, 0, "TC clears when the status is read");
  assert.equal(c.exports.testDmaTransfer(2, buf, 16), 0, "masked after TC");
});

test("DMA: auto-initialisation reloads the base address and count at TC and leaves the channel unmasked", async () => {
  const c = await machine();
  const buf = c.L.ROM_BASE;
  c.u8.fill(0xAB, buf, buf + 64);
  setupCh2(c, 0x56, 0x2000, 0x00, 15); // auto-init
  assert.equal(c.exports.testDmaTransfer(2, buf, 64), 16);
  assert.equal(readWord(c, 0x04), 0x2000);
  assert.equal(readWord(c, 0x05), 15);
  assert.equal(c.exports.testDmaTransfer(2, buf, 8), 8, "still enabled");
});

test("DMA: decrement mode and memory-to-device (read) transfers", async () => {
  const c = await machine();
  const buf = c.L.ROM_BASE;
  c.writePhys(0x3000, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  setupCh2(c, 0x6A, 0x3007, 0x00, 7); // decrement, read from memory
  assert.equal(c.exports.testDmaTransfer(2, buf, 8), 8);
  assert.deepEqual([...c.u8.subarray(buf, buf + 8)], [8, 7, 6, 5, 4, 3, 2, 1]);
  assert.equal(readWord(c, 0x04), 0x2FFF);
});

test("DMA: 16-bit channel 5 addresses words (page bit 0 unused, address shifted left)", async () => {
  const c = await machine(), p = io(c);
  const buf = c.L.ROM_BASE;
  c.u8.set([0x11, 0x22, 0x33, 0x44, 0x55, 0x66], buf);
  p.out(0xD4, 0x05); // mask channel 5
  p.out(0xD8, 0); // flip-flop
  p.out(0xD6, 0x45); // single, write, channel 5
  p.out(0xC4, 0x00); p.out(0xC4, 0x08); // word address 0800h
  p.out(0x8B, 0x03); // page 03h: bit 0 ignored
  p.out(0xC6, 0x01); p.out(0xC6, 0x00); // two words
  p.out(0xD4, 0x01); // unmask
  assert.equal(c.exports.testDmaTransfer(5, buf, 6), 4);
  assert.deepEqual([...c.readPhys(0x21000, 6)], [0x11, 0x22, 0x33, 0x44, 0, 0]);
});

test("DMA: masks (single, all, clear), master clear and the flip-flop", async () => {
  const c = await machine(), p = io(c);
  assert.equal(p.in(0x0F) & 0x0F, 0x0F, "all channels masked after reset");
  p.out(0x0E, 0);
  assert.equal(p.in(0x0F) & 0x0F, 0, "clear mask register");
  p.out(0x0F, 0x05);
  assert.equal(p.in(0x0F) & 0x0F, 0x05, "write all mask bits");
  p.out(0x0C, 0);
  p.out(0x00, 0x34); // low byte, flip-flop now high
  p.out(0x0D, 0); // master clear: flip-flop low again, all masked
  p.out(0x00, 0x12); p.out(0x00, 0x56);
  assert.equal(readWord(c, 0x00), 0x5612);
  assert.equal(p.in(0x0F) & 0x0F, 0x0F);
  p.out(0x87, 0x9A);
  assert.equal(p.in(0x87), 0x9A, "page registers read back");
});
