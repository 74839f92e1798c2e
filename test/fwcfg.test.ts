// QEMU's fw_cfg (assembly/devices/fwcfg.ts) tested through its ports as the firmware uses them: the selector and
// data ports, the DMA interface with big-endian descriptors (read, skip, select, write refused, the error bit),
// reads past an item's end, the DMA signature, and the items the PC host publishes (web/machine/pc.ts): signature,
// feature bits, RAM size, the file directory and files. Expected values: QEMU's docs/specs/fw_cfg.rst.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Core } from "../web/machine/core.ts";
import { loadModule } from "../web/machine/node.ts";
import { PC } from "../web/machine/pc.ts";
import { bootSkipReason, image } from "./util/pc-boot.ts";

const RAM = 2 << 20;
/** A bare core with `items` published after RAM, as the PC host does. */
async function machine(items: [number, Uint8Array][]): Promise<Core> {
  const c = await Core.create(loadModule("debug"), RAM, 0x10000);
  let at = c.L.RAM + RAM;
  for (const [key, bytes] of items) { c.u8.set(bytes, at); assert.equal(c.exports.fwcfgItem(key, at, bytes.length), 1); at += (bytes.length + 15) & ~15; }
  return c;
}
const select = (c: Core, key: number) => c.exports.ioWrite(0x510, key, 2);
const readBytes = (c: Core, n: number) => Array.from({ length: n }, () => c.exports.ioRead(0x511, 1));
const text = (b: number[]) => String.fromCharCode(...b);

/** Write a DMA descriptor at guest physical `at` and start it (address halves big-endian, low half triggers). */
function dma(c: Core, at: number, control: number, length: number, address: number): number {
  const d = new DataView(new ArrayBuffer(16));
  d.setUint32(0, control >>> 0, false); d.setUint32(4, length, false); d.setUint32(8, 0, false); d.setUint32(12, address, false);
  c.writePhys(at, new Uint8Array(d.buffer));
  const swap = (v: number) => ((v & 0xFF) << 24 | (v & 0xFF00) << 8 | (v >>> 8) & 0xFF00 | v >>> 24) >>> 0;
  c.exports.ioWrite(0x514, 0, 4);
  c.exports.ioWrite(0x518, swap(at), 4);
  return new DataView(c.readPhys(at, 4).buffer).getUint32(0, false);
}

test("fw_cfg: selector and data port read an item byte by byte; past its end the data port reads 0; selecting restarts", async () => {
  const c = await machine([[0x0000, new TextEncoder().encode("QEMU")], [0x0003, Uint8Array.of(1, 2, 3)]]);
  select(c, 0x0000);
  assert.equal(text(readBytes(c, 4)), "QEMU");
  assert.deepEqual(readBytes(c, 2), [0, 0], "past the end");
  select(c, 0x0003);
  assert.deepEqual(readBytes(c, 2), [1, 2]);
  select(c, 0x0003);
  assert.deepEqual(readBytes(c, 4), [1, 2, 3, 0], "the offset restarts at a new selection");
  select(c, 0x1234);
  assert.deepEqual(readBytes(c, 2), [0, 0], "an unknown key reads zeros");
});

test("fw_cfg DMA: select + read into RAM, skip, read past the end zero-fills, write is refused with the error bit", async () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 1) & 0xFF);
  const c = await machine([[0x0020, data]]);
  const SELECT = 0x08, READ = 0x02, SKIP = 0x04, WRITE = 0x10;
  assert.equal(dma(c, 0x1000, (0x0020 << 16) | SELECT | READ, 100, 0x20000), 0, "control reads 0 when done");
  assert.deepEqual(Array.from(c.readPhys(0x20000, 100)), Array.from(data.subarray(0, 100)));
  assert.equal(dma(c, 0x1000, SKIP, 50, 0), 0);
  assert.equal(dma(c, 0x1000, READ, 10, 0x20100), 0);
  assert.deepEqual(Array.from(c.readPhys(0x20100, 10)), Array.from(data.subarray(150, 160)), "the skip moved the offset");
  c.writePhys(0x20200, new Uint8Array(200).fill(0xAA));
  assert.equal(dma(c, 0x1000, READ, 200, 0x20200), 0);
  assert.deepEqual(Array.from(c.readPhys(0x20200, 200)), [...data.subarray(160, 300), ...new Array(60).fill(0)], "zeros past the end");
  assert.equal(dma(c, 0x1000, (0x0020 << 16) | SELECT | WRITE, 4, 0x20000) & 1, 1, "items are read-only: error bit");
  // the DMA address register reads as the signature "QEMU CFG"
  const sig = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => c.exports.ioRead(0x514 + i, 1));
  assert.equal(text(sig), "QEMU CFG");
});

test("fw_cfg of the PC: signature, DMA feature bit, RAM size, a file directory naming the e820 map, boot order and option ROMs", { skip: bootSkipReason(["bios.bin", "vgabios-stdvga.bin"]) }, async () => {
  const pc = await PC.create({ wasm: loadModule("debug"), bios: image("bios.bin"), vgaBios: image("vgabios-stdvga.bin"), memoryMiB: 64, clock: "virtual" });
  const c = pc.core;
  select(c, 0x0000);
  assert.equal(text(readBytes(c, 4)), "QEMU");
  select(c, 0x0001);
  assert.equal(readBytes(c, 4)[0] & 3, 3, "traditional interface and DMA");
  select(c, 0x0003);
  const ram = readBytes(c, 8).reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
  assert.equal(ram, 64 << 20);
  select(c, 0x0019);
  const countBytes = readBytes(c, 4);
  const count = (countBytes[0] << 24) | (countBytes[1] << 16) | (countBytes[2] << 8) | countBytes[3];
  const files = new Map<string, { size: number; key: number }>();
  for (let i = 0; i < count; i++) {
    const e = readBytes(c, 64);
    const size = ((e[0] << 24) | (e[1] << 16) | (e[2] << 8) | e[3]) >>> 0, key = (e[4] << 8) | e[5];
    files.set(text(e.slice(8)).replace(/\0.*$/, ""), { size, key });
  }
  assert.deepEqual([...files.keys()].sort(), ["etc/e820", "pci1234,1111.rom"]);
  const e820 = files.get("etc/e820")!;
  assert.equal(e820.size, 20);
  select(c, e820.key);
  const entry = readBytes(c, 20);
  assert.deepEqual(entry.slice(8, 16), [0, 0, 0, 4, 0, 0, 0, 0], "length 64 MiB");
  assert.equal(entry[16], 1, "type 1: RAM");
  assert.equal(files.get("pci1234,1111.rom")!.size, image("vgabios-stdvga.bin").length);
});
