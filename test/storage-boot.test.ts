// The web app's disk stack under a real guest, in Node: Linux boots from its hard-disk image served over HTTP
// ranges (HttpDisk), writes go to a PersistentOverlay on fake-indexeddb; after a "reload" (new HttpDisk, new
// IndexedDB connection, new PC) the file the guest wrote and synced is there. The guest is the oracle.
import "fake-indexeddb/auto";
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { bootPC, bootSkipReason, image, runUntil, BootedPC } from "./util/pc-boot.ts";
import { HttpDisk } from "../web/storage/http-disk.ts";
import { PersistentOverlay, openOverlayStore, listOverlays } from "../web/storage/idb-overlay.ts";

const PROMPT = "webpc:/# ";
const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linux-hd.img"]);

async function shell(b: BootedPC, command: string, limit = 3_000_000_000n): Promise<string> {
  b.clearSerial();
  b.pc.sendSerial(0, new TextEncoder().encode(command + "\n"));
  await runUntil(b, () => { const s = b.serial(); return s.indexOf(PROMPT, s.indexOf("\n")) > 0; }, limit, `the answer to ${JSON.stringify(command)}`);
  return b.serial().replace(/\r/g, "");
}

test("Linux on an HTTP disk with an IndexedDB overlay: a file written and synced is there after a reload", { skip }, async () => {
  const hd = skip ? new Uint8Array() : image("linux-hd.img");
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (!m) { res.writeHead(200, { "Content-Length": hd.length }).end(hd); return; }
    const start = Number(m[1]), end = Math.min(Number(m[2]), hd.length - 1);
    res.writeHead(206, { "Content-Range": `bytes ${start}-${end}/${hd.length}`, ETag: '"hd1"' }).end(hd.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/linux-hd.img`;

  async function machine(): Promise<{ b: BootedPC; overlay: PersistentOverlay }> {
    const base = await HttpDisk.open(url);
    const overlay = await PersistentOverlay.open({
      machine: "linux-hd", drive: "hda", base, baseName: url, baseTag: base.etag, store: openOverlayStore("boot-test"),
    });
    const b = await bootPC({ memoryMiB: 128, boot: "c", disks: [{ drive: "hda", media: "hd", backend: overlay }] });
    await runUntil(b, () => b.serial().includes(PROMPT), 10_000_000_000n, "the shell prompt after booting from the hard disk");
    return { b, overlay };
  }

  const first = await machine();
  assert.ok(requests > 1 && requests < hd.length / (256 * 1024), `lazily read in blocks (${requests} requests)`);
  const out = await shell(first.b, "mount -t vfat /dev/sda1 /mnt && echo persisted-$((6*7)) > /mnt/persist.txt && sync && umount /mnt && echo WROTE");
  assert.match(out, /^WROTE$/m, out);
  assert.ok(first.overlay.blocks > 0, "the guest's writes are in the overlay");
  assert.equal(first.overlay.inMemory, false);
  const stored = await listOverlays(openOverlayStore("boot-test"));
  assert.equal(stored.length, 1);
  assert.deepEqual(hd, image("linux-hd.img"), "the served image is unchanged");

  const second = await machine();
  const back = await shell(second.b, "mount -t vfat -o ro /dev/sda1 /mnt && cat /mnt/persist.txt; umount /mnt");
  assert.match(back, /^persisted-42$/m, back);
});
