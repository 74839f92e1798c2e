// PersistentOverlay (web/storage/idb-overlay.ts) on fake-indexeddb, and the disk export (web/storage/disk-export.ts).
// Stores are injected: wrappers that hold a transaction open until the test lets it commit, that fail with
// QuotaExceededError, or a factory without IndexedDB. No test waits on wall-clock time.
import "fake-indexeddb/auto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { keys, type UseStore } from "idb-keyval";
import { MemoryDisk, OverlayDisk } from "../web/machine/disks.ts";
import {
  PersistentOverlay, OverlayMismatchError, openOverlayStore, resetDisk, listOverlays, type PersistentOverlayOptions,
} from "../web/storage/idb-overlay.ts";
import { exportDisk, exportDiskStream } from "../web/storage/disk-export.ts";
import { pattern } from "./util/bytes.ts";

const KiB = 1024;


let dbCount = 0;
/** A database of its own for each test; `reopen()` gives a new connection to it (as a reloaded page would). */
function freshDb(): { name: string; store: UseStore; reopen: () => UseStore } {
  const name = `overlay-test-${++dbCount}`;
  return { name, store: openOverlayStore(name), reopen: () => openOverlayStore(name) };
}

function baseDisk(size = 100 * KiB + 512, seed = 1): { bytes: Uint8Array; disk: MemoryDisk } {
  const bytes = pattern(size, seed);
  return { bytes, disk: new MemoryDisk(bytes.slice(), { readOnly: true, name: "base.img" }) };
}

function options(base: MemoryDisk, store: UseStore, extra: Partial<PersistentOverlayOptions> = {}): PersistentOverlayOptions {
  return { machine: "m1", drive: "hda", base, baseName: "base.img", store, ...extra };
}

/** What the guest should see: the base with each write applied in order. */
function apply(bytes: Uint8Array, writes: [number, Uint8Array][]): Uint8Array {
  const out = bytes.slice();
  for (const [offset, data] of writes) out.set(data, offset);
  return out;
}

const ticks = async (n: number) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

test("writes read back, partial blocks merge with the base, the base is never written", async () => {
  const { bytes, disk } = baseDisk();
  const { store } = freshDb();
  const overlay = await PersistentOverlay.open(options(disk, store));
  const writes: [number, Uint8Array][] = [
    [1000, pattern(512, 2)],                 // inside block 0
    [4096 * 3 - 100, pattern(8192 + 300, 3)], // blocks 2-5: partial, whole, whole, partial
    [8192, pattern(4096, 4)],                // exactly block 2
    [disk.size - 512, pattern(512, 5)],      // the partial last block
  ];
  for (const [o, d] of writes) await overlay.write(o, d);
  const want = apply(bytes, writes);
  assert.deepEqual(await overlay.read(0, disk.size), want);
  assert.deepEqual(await overlay.read(4096 * 3 - 200, 300), want.subarray(4096 * 3 - 200, 4096 * 3 + 100));
  assert.deepEqual(disk.bytes, bytes, "base untouched");
  assert.equal(overlay.inMemory, false);
  await assert.rejects(overlay.write(disk.size - 10, new Uint8Array(20)), RangeError);
});

test("a reopened overlay (a page reload) serves the blocks written before; list and reset", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  const first = await PersistentOverlay.open(options(disk, db.store));
  const writes: [number, Uint8Array][] = [[0, pattern(600, 6)], [50 * KiB + 7, pattern(9000, 7)]];
  for (const [o, d] of writes) await first.write(o, d);

  const second = await PersistentOverlay.open(options(disk, db.reopen()));
  assert.deepEqual(await second.read(0, disk.size), apply(bytes, writes));
  assert.equal(second.blocks, 1 + 3);

  const list = await listOverlays(db.reopen());
  assert.equal(list.length, 1);
  assert.equal(list[0].machine, "m1");
  assert.equal(list[0].drive, "hda");
  assert.equal(list[0].blocks, 4);
  assert.equal(list[0].bytes, 4 * 4096);
  assert.equal(list[0].base.name, "base.img");
  assert.equal(list[0].base.size, disk.size);

  // another drive of another machine is listed apart and survives the reset
  const other = await PersistentOverlay.open(options(disk, db.store, { machine: "m2", drive: "hdb" }));
  await other.write(0, new Uint8Array(4096).fill(9));
  await resetDisk("m1", "hda", db.reopen());
  const third = await PersistentOverlay.open(options(disk, db.reopen()));
  assert.deepEqual(await third.read(0, disk.size), bytes, "reset: the base again");
  assert.deepEqual((await listOverlays(db.store)).map((o) => [o.machine, o.drive, o.blocks]), [["m2", "hdb", 1]]);
  const otherAgain = await PersistentOverlay.open(options(disk, db.reopen(), { machine: "m2", drive: "hdb" }));
  assert.deepEqual(await otherAgain.read(0, 4096), new Uint8Array(4096).fill(9));
});

test("reset() on an open overlay forgets its writes, here and in storage", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  const overlay = await PersistentOverlay.open(options(disk, db.store));
  await overlay.write(4096, pattern(4096, 8));
  await overlay.reset();
  assert.deepEqual(await overlay.read(0, disk.size), bytes);
  assert.equal(overlay.blocks, 0);
  assert.deepEqual(await listOverlays(db.reopen()), []);
  await overlay.write(0, pattern(10, 9));
  const again = await PersistentOverlay.open(options(disk, db.reopen()));
  assert.deepEqual(await again.read(0, 20), apply(bytes, [[0, pattern(10, 9)]]).subarray(0, 20), "usable after a reset");
});

test("an overlay is not applied to another base image, and is kept untouched", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  const overlay = await PersistentOverlay.open(options(disk, db.store, { baseTag: "sha256:aaa" }));
  await overlay.write(8192, pattern(100, 10));

  const changed = bytes.slice();
  changed[20 * KiB] ^= 1; // inside the hashed first 64 KiB
  const other = new MemoryDisk(changed, { readOnly: true });
  await assert.rejects(PersistentOverlay.open(options(other, db.reopen())),
    (e: Error) => e instanceof OverlayMismatchError && /saved changes made over another image/.test(e.message) && /Reset disk/.test(e.message));
  await assert.rejects(PersistentOverlay.open(options(new MemoryDisk(bytes.slice(0, bytes.length - 512)), db.reopen())), OverlayMismatchError);
  await assert.rejects(PersistentOverlay.open(options(disk, db.reopen(), { baseTag: "sha256:bbb" })), /sha256:aaa/);

  const same = await PersistentOverlay.open(options(disk, db.reopen(), { baseTag: "sha256:aaa" }));
  assert.deepEqual(await same.read(8192, 100), pattern(100, 10), "still there");
  assert.equal((await listOverlays(db.store))[0].blocks, 1);
});

/**
 * A store whose readwrite transactions stay open (a chain of reads keeps them active, IndexedDB 3.0 §2.7.2)
 * until `release()`; `log` records when each one completes.
 */
function heldStore(db: { store: UseStore }) {
  let open = false;
  const log: string[] = [];
  const store: UseStore = (mode, callback) => db.store(mode, (s) => {
    if (mode === "readwrite") {
      const keepAlive = () => { if (!open) s.get(0).onsuccess = keepAlive; };
      keepAlive();
      s.transaction.addEventListener("complete", () => log.push("complete"));
    }
    return callback(s);
  });
  return { store, log, release: () => { open = true; } };
}

test("a write resolves only after its transaction completes; flush waits for earlier writes", async () => {
  const { disk } = baseDisk();
  const db = freshDb();
  const held = heldStore(db);
  const overlay = await PersistentOverlay.open(options(disk, held.store));
  const write = overlay.write(0, pattern(4096 * 2, 11)).then(() => held.log.push("write resolved"));
  const flush = overlay.flush().then(() => held.log.push("flush resolved"));
  await ticks(50);
  assert.deepEqual(held.log, [], "nothing resolves while the transaction is open");
  // a read sees the write while it is committing
  assert.deepEqual(await overlay.read(0, 4096 * 2), pattern(4096 * 2, 11));
  held.release();
  await Promise.all([write, flush]);
  assert.deepEqual(held.log, ["complete", "write resolved", "flush resolved"]);
});

test("concurrent writes and reads keep their order", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  const held = heldStore(db);
  const overlay = await PersistentOverlay.open(options(disk, held.store));
  const a = pattern(4096 * 3, 12), b = pattern(1000, 13), c = pattern(512, 14);
  const ops = [
    overlay.write(4096, a),
    overlay.read(4096, 4096 * 3),
    overlay.write(4096 + 2000, b),     // partial: merges with a, still committing
    overlay.read(0, 4096 * 5),
    overlay.write(4096 * 3 + 100, c),
    overlay.read(0, 4096 * 5),
  ];
  await ticks(20);
  held.release();
  const results = await Promise.all(ops);
  assert.deepEqual(results[1], a);
  assert.deepEqual(results[3], apply(bytes, [[4096, a], [4096 + 2000, b]]).subarray(0, 4096 * 5));
  const all = apply(bytes, [[4096, a], [4096 + 2000, b], [4096 * 3 + 100, c]]);
  assert.deepEqual(results[5], all.subarray(0, 4096 * 5));
  const reopened = await PersistentOverlay.open(options(disk, db.reopen()));
  assert.deepEqual(await reopened.read(0, disk.size), all, "stored in order: the last write wins");
});

/**
 * Readwrite transaction number n (0, 1, ...) fails as a full quota does when full(n): it stays open until
 * released() (a chain of reads keeps it active), then aborts, and the store rejects with QuotaExceededError.
 */
function quotaStore(db: { store: UseStore }, full: (n: number) => boolean, released: () => boolean = () => true): UseStore {
  let n = 0;
  return (mode, callback) => db.store(mode, (s) => {
    if (mode !== "readwrite" || !full(n++)) return callback(s);
    const keepAlive = () => { if (released()) s.transaction.abort(); else s.get(0).onsuccess = keepAlive; };
    s.get(0).onsuccess = keepAlive;
    const quota = () => { throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); };
    return Promise.resolve(callback(s)).then(quota, quota);
  });
}

test("a full quota is reported once and the overlay goes on in memory without losing a write", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  const messages: string[] = [];
  const overlay = await PersistentOverlay.open(options(disk, quotaStore(db, (n) => n >= 1), { onStorageError: (m) => messages.push(m) }));
  const writes: [number, Uint8Array][] = [
    [0, pattern(4096, 15)],           // stored
    [4096, pattern(4096, 16)],        // fails: kept in memory
    [100, pattern(50, 17)],           // merges with the stored block 0, in memory
    [50 * KiB, pattern(5000, 18)],
  ];
  for (const [o, d] of writes) await overlay.write(o, d); // every write succeeds for the guest
  await overlay.flush();
  assert.equal(overlay.inMemory, true);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /storage is full \(QuotaExceededError\)/);
  assert.match(messages[0], /disk hda of machine "m1"/);
  assert.match(messages[0], /lost when the tab closes/);
  assert.deepEqual(await overlay.read(0, disk.size), apply(bytes, writes));
  // only the first write reached storage, whole
  const reopened = await PersistentOverlay.open(options(disk, db.reopen()));
  assert.deepEqual(await reopened.read(0, disk.size), apply(bytes, writes.slice(0, 1)));
});

test("a quota error on the very first transaction stores nothing at all (no blocks without their meta)", async () => {
  const { bytes, disk } = baseDisk();
  const db = freshDb();
  let messages = 0, released = false;
  // the first transaction (carrying the meta record) is held, a second write comes, then the first fails: the
  // second, which storage would take, must not store its block alone
  const store = quotaStore(db, (n) => n === 0, () => released);
  const overlay = await PersistentOverlay.open(options(disk, store, { onStorageError: () => messages++ }));
  const w1 = overlay.write(0, pattern(4096, 19));
  const w2 = overlay.write(4096, pattern(4096, 20));
  await ticks(20);
  released = true;
  await Promise.all([w1, w2]);
  assert.equal(messages, 1);
  assert.deepEqual(await overlay.read(0, 8192), apply(bytes, [[0, pattern(4096, 19)], [4096, pattern(4096, 20)]]).subarray(0, 8192));
  assert.deepEqual(await keys(db.reopen()), []);
});

test("without IndexedDB the overlay says so and runs in memory", async () => {
  const { bytes, disk } = baseDisk();
  const noIdb = { open() { throw new DOMException("The operation is insecure.", "SecurityError"); } } as unknown as IDBFactory;
  const messages: string[] = [];
  const overlay = await PersistentOverlay.open(options(disk, openOverlayStore("x", "y", noIdb), { onStorageError: (m) => messages.push(m) }));
  assert.equal(overlay.inMemory, true);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /IndexedDB\) is not available \(SecurityError/);
  await overlay.write(10, pattern(10, 21));
  await overlay.flush();
  assert.deepEqual(await overlay.read(0, 4096), apply(bytes, [[10, pattern(10, 21)]]).subarray(0, 4096));
});

test("export yields base + overlay in chunks, as a generator and as a ReadableStream", async () => {
  const { bytes, disk } = baseDisk(300 * KiB + 512, 22);
  const db = freshDb();
  const overlay = await PersistentOverlay.open(options(disk, db.store));
  const writes: [number, Uint8Array][] = [[5, pattern(70, 23)], [128 * KiB - 3, pattern(10000, 24)]];
  for (const [o, d] of writes) await overlay.write(o, d);
  const want = apply(bytes, writes);

  const chunks: Uint8Array[] = [];
  const progress: number[] = [];
  for await (const c of exportDisk(overlay, { chunkSize: 64 * KiB, onProgress: (done) => progress.push(done) })) chunks.push(c);
  assert.deepEqual(chunks.map((c) => c.length), [64, 64, 64, 64, 44].map((k) => k * KiB).map((n, i) => i === 4 ? n + 512 : n));
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(want));
  assert.equal(progress[progress.length - 1], want.length);

  const mem = new OverlayDisk(new MemoryDisk(bytes.slice()));
  for (const [o, d] of writes) await mem.write(o, d);
  const viaStream = new Uint8Array(await new Response(exportDiskStream(mem)).arrayBuffer());
  assert.deepEqual(viaStream, want);
});
