// HttpDisk (web/storage/http-disk.ts) against a small local HTTP server: ranges, coalescing, caching, servers
// without range support, errors the user must understand, retries (with a backoff that does not sleep).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpDisk, type HttpDiskOptions } from "../web/storage/http-disk.ts";
import { DiskImageError } from "../web/machine/disks.ts";
import { pattern } from "./util/bytes.ts";

const KiB = 1024;


interface Site {
  image: Uint8Array;
  etag?: string;
  /** answer 200 with the whole image whatever the Range */
  noRanges?: boolean;
  /** Content-Range "bytes a-b/*" and a HEAD without Content-Length */
  hideTotal?: boolean;
  /** a HEAD answers with Content-Length even when hideTotal */
  headLength?: boolean;
  status?: number;
  /** answer this many requests with 503 first */
  failFirst?: number;
}

const site: { current: Site; ranges: (string | undefined)[]; methods: string[] } = { current: { image: new Uint8Array() }, ranges: [], methods: [] };

function handle(req: IncomingMessage, res: ServerResponse): void {
  const s = site.current;
  site.methods.push(req.method!);
  site.ranges.push(req.headers.range);
  if (s.failFirst) { s.failFirst--; res.writeHead(503).end(); return; }
  if (s.status) { res.writeHead(s.status).end(); return; }
  const headers: Record<string, string> = {};
  if (s.etag) headers.ETag = s.etag;
  const size = s.image.length;
  if (req.method === "HEAD") {
    if (!s.hideTotal || s.headLength) headers["Content-Length"] = String(size);
    res.writeHead(200, headers).end();
    return;
  }
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
  if (s.noRanges || !m) {
    headers["Content-Length"] = String(size);
    res.writeHead(200, headers).end(s.image);
    return;
  }
  const start = Number(m[1]);
  if (start >= size) { res.writeHead(416, { "Content-Range": `bytes */${size}` }).end(); return; }
  const end = Math.min(Number(m[2]), size - 1);
  headers["Content-Range"] = `bytes ${start}-${end}/${s.hideTotal ? "*" : size}`;
  res.writeHead(206, headers).end(s.image.subarray(start, end + 1));
}

const server = createServer(handle);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/disk.img`;
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function serve(s: Site): void {
  site.current = s;
  site.ranges = [];
  site.methods = [];
}

const noWait: HttpDiskOptions["backoff"] = async () => {};
const small: HttpDiskOptions = { blockSize: 64 * KiB, wholeBelow: 256 * KiB, keepWholeUpTo: 4096 * KiB, backoff: noWait };

test("opening fetches the first block and learns the size from Content-Range", async () => {
  const image = pattern(1024 * KiB + 300);
  serve({ image });
  const disk = await HttpDisk.open(url, small);
  assert.equal(disk.size, image.length);
  assert.equal(disk.isWhole, false);
  assert.deepEqual(site.ranges, [`bytes=0-${64 * KiB - 1}`]);
  assert.deepEqual(await disk.read(100, 1000), image.subarray(100, 1100));
  assert.equal(site.ranges.length, 1, "block 0 comes from the cache");
  // the partial last block, and reads past the end give zeros
  const tail = await disk.read(image.length - 200, 512);
  assert.deepEqual(tail.subarray(0, 200), image.subarray(image.length - 200));
  assert.deepEqual(tail.subarray(200), new Uint8Array(312));
  assert.throws(() => disk.write(), DiskImageError);
});

test("adjacent missing blocks go out as one request; cached blocks split the runs", async () => {
  const image = pattern(1024 * KiB, 7);
  serve({ image });
  const disk = await HttpDisk.open(url, small);
  const bs = 64 * KiB;
  site.ranges = [];
  // blocks 2..4
  assert.deepEqual(await disk.read(2 * bs + 10, 2 * bs + 100), image.subarray(2 * bs + 10, 4 * bs + 110));
  assert.deepEqual(site.ranges, [`bytes=${2 * bs}-${5 * bs - 1}`]);
  // blocks 1..6: 1, then 5..6 (2..4 are cached)
  site.ranges = [];
  assert.deepEqual(await disk.read(bs, 6 * bs), image.subarray(bs, 7 * bs));
  assert.deepEqual(site.ranges.sort(), [`bytes=${bs}-${2 * bs - 1}`, `bytes=${5 * bs}-${7 * bs - 1}`].sort());
  site.ranges = [];
  assert.deepEqual(await disk.read(0, 7 * bs), image.subarray(0, 7 * bs));
  assert.equal(site.ranges.length, 0);
});

test("two reads of the same missing block share one request", async () => {
  const image = pattern(1024 * KiB, 3);
  serve({ image });
  const disk = await HttpDisk.open(url, small);
  site.ranges = [];
  const [a, b] = await Promise.all([disk.read(300 * KiB, 512), disk.read(300 * KiB + 512, 512)]);
  assert.deepEqual(a, image.subarray(300 * KiB, 300 * KiB + 512));
  assert.deepEqual(b, image.subarray(300 * KiB + 512, 300 * KiB + 1024));
  assert.equal(site.ranges.length, 1);
});

test("progress reports bytes fetched out of the image size", async () => {
  const image = pattern(1024 * KiB, 5);
  serve({ image });
  const seen: [number, number][] = [];
  const disk = await HttpDisk.open(url, { ...small, onProgress: (loaded, total) => seen.push([loaded, total]) });
  await disk.read(512 * KiB, 128 * KiB);
  const last = seen[seen.length - 1];
  assert.deepEqual(last, [64 * KiB + 128 * KiB, image.length]);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], "progress never goes back");
  assert.equal(disk.loaded, 192 * KiB);
});

test("images bigger than keepWholeUpTo keep only cacheBytes of blocks", async () => {
  const image = pattern(1024 * KiB, 9);
  serve({ image });
  const bs = 64 * KiB;
  const disk = await HttpDisk.open(url, { ...small, keepWholeUpTo: 512 * KiB, cacheBytes: 2 * bs });
  await disk.read(bs, 1);
  await disk.read(2 * bs, 1); // cache now holds blocks 1, 2 (block 0 dropped)
  site.ranges = [];
  await disk.read(2 * bs, 1);
  assert.equal(site.ranges.length, 0, "block 2 is cached");
  assert.deepEqual(await disk.read(0, 10), image.subarray(0, 10));
  assert.equal(site.ranges.length, 1, "block 0 was dropped and is fetched again");
  // a read bigger than the cache still returns every byte
  assert.deepEqual(await disk.read(0, 6 * bs), image.subarray(0, 6 * bs));
});

test("a small image is downloaded whole at open", async () => {
  const image = pattern(200 * KiB, 11);
  serve({ image });
  const disk = await HttpDisk.open(url, small);
  assert.equal(disk.isWhole, true);
  assert.deepEqual(site.ranges, [`bytes=0-${64 * KiB - 1}`, `bytes=${64 * KiB}-${200 * KiB - 1}`]);
  site.ranges = [];
  assert.deepEqual(await disk.read(0, image.length), image);
  assert.equal(site.ranges.length, 0);
});

test("a server that ignores Range (200) gives the whole image once", async () => {
  const image = pattern(700 * KiB, 13);
  serve({ image, noRanges: true });
  const seen: number[] = [];
  const disk = await HttpDisk.open(url, { ...small, onProgress: (_l, total) => seen.push(total) });
  assert.equal(disk.isWhole, true);
  assert.equal(disk.size, image.length);
  assert.equal(site.ranges.length, 1);
  assert.deepEqual(await disk.read(300 * KiB, 100 * KiB), image.subarray(300 * KiB, 400 * KiB));
  assert.equal(site.ranges.length, 1);
  assert.ok(seen.length > 0 && seen.every((t) => t === image.length), "progress knows the total from Content-Length");
});

test("a server without Range support and an image too big to download whole is refused clearly", async () => {
  serve({ image: pattern(700 * KiB), noRanges: true });
  await assert.rejects(HttpDisk.open(url, { ...small, maxWhole: 512 * KiB }),
    (e: Error) => e instanceof DiskImageError && /does not support range requests/.test(e.message) && /too big/.test(e.message) && e.message.includes(url));
});

test("HTTP errors name the status and the URL, and are not retried", async () => {
  serve({ image: new Uint8Array(), status: 404 });
  let waits = 0;
  await assert.rejects(HttpDisk.open(url, { ...small, backoff: async () => { waits++; } }),
    (e: Error) => e instanceof DiskImageError && /404/.test(e.message) && /no image at this URL/.test(e.message) && e.message.includes(url));
  assert.equal(waits, 0);
  assert.equal(site.ranges.length, 1);
  serve({ image: new Uint8Array(), status: 403 });
  await assert.rejects(HttpDisk.open(url, small), /403.*refuses access/);
});

test("an unreachable URL says so after the retries", async () => {
  // a port that was just free: connection refused
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const waits: number[] = [];
  const dead = `http://127.0.0.1:${port}/disk.img`;
  await assert.rejects(HttpDisk.open(dead, { ...small, backoff: async (a) => { waits.push(a); } }),
    (e: Error) => e instanceof DiskImageError && e.message.startsWith(`could not reach URL: ${dead}`));
  assert.deepEqual(waits, [1, 2], "two retries with growing backoff");
});

test("transient failures (503) are retried", async () => {
  const image = pattern(1024 * KiB, 17);
  serve({ image, failFirst: 2 });
  let waits = 0;
  const disk = await HttpDisk.open(url, { ...small, backoff: async () => { waits++; } });
  assert.equal(waits, 2);
  assert.equal(disk.size, image.length);
  site.current.failFirst = 3; // one more than the retries
  await assert.rejects(disk.read(512 * KiB, 1), /503/);
  assert.deepEqual(await disk.read(512 * KiB, 4), image.subarray(512 * KiB, 512 * KiB + 4), "works again afterwards");
});

test("an image that changes on the server (size or ETag) stops the disk with a message", async () => {
  serve({ image: pattern(1024 * KiB), etag: '"v1"' });
  const disk = await HttpDisk.open(url, small);
  assert.equal(disk.etag, '"v1"');
  site.current = { image: pattern(1024 * KiB + 512) , etag: '"v1"' };
  await assert.rejects(disk.read(512 * KiB, 1), (e: Error) => e instanceof DiskImageError && /changed on the server/.test(e.message) && /size/.test(e.message));
  await assert.rejects(disk.read(0, 1), /changed on the server/, "stays failed, even for cached blocks");

  serve({ image: pattern(1024 * KiB), etag: '"v1"' });
  const disk2 = await HttpDisk.open(url, small);
  site.current = { image: pattern(1024 * KiB, 2), etag: '"v2"' };
  await assert.rejects(disk2.read(512 * KiB, 1), /changed on the server.*ETag/);
});

test("the size comes from a HEAD when Content-Range has no total; with neither, a clear error", async () => {
  const image = pattern(1024 * KiB, 19);
  serve({ image, hideTotal: true, headLength: true });
  const disk = await HttpDisk.open(url, small);
  assert.equal(disk.size, image.length);
  assert.deepEqual(site.methods, ["GET", "HEAD"]);
  assert.deepEqual(await disk.read(700 * KiB, 3), image.subarray(700 * KiB, 700 * KiB + 3));
  serve({ image, hideTotal: true });
  await assert.rejects(HttpDisk.open(url, small), /could not learn the image's size.*Access-Control-Expose-Headers/);
});

test("an empty image opens with size 0", async () => {
  serve({ image: new Uint8Array() });
  const disk = await HttpDisk.open(url, small);
  assert.equal(disk.size, 0);
  assert.deepEqual(await disk.read(0, 4), new Uint8Array(4));
});
