// A copy-on-write overlay kept in IndexedDB (through idb-keyval), so a guest's disk writes survive a reload or a
// closed tab. Browser-safe (runs in the Web Worker); tests run it in Node on fake-indexeddb.
//
// Storage, one object store ("overlay" in database "webpc-disks"), keys are arrays (IndexedDB key ordering puts
// all keys of one (machine, drive) next to each other, so a key range deletes, counts or lists them):
//   ["b", machine, drive, blockIndex] -> Uint8Array(blockSize)   one whole block of the disk as the guest wrote it
//   ["m", machine, drive]             -> OverlayMeta             block size and the identity of the base image
// The meta record goes in the same transaction as the first blocks, so no block is ever stored without it.
//
// Guarantees (issue 8, "Disks"):
// - write() resolves only when its transaction has completed (readwrite transactions ask for durability "strict":
//   the browser reports completion once the data is on disk); flush() resolves once everything before it has.
// - No torn block: a block is always stored whole (a partial write is merged with the block's current contents
//   first), and all the blocks of one write go in one transaction, so a write lands whole or not at all.
// - Order: reads and the preparation of writes run one at a time in call order; a read sees every earlier write,
//   even while its transaction is still committing. Transactions commit in the order they are created.
// - Storage failure (QuotaExceededError, IndexedDB unavailable in a private window...): reported once through
//   onStorageError, then the overlay keeps new blocks in memory (stored ones are still read from IndexedDB): the
//   guest's writes succeed and the machine keeps running; those blocks are lost when the tab closes.
// - An overlay is only ever applied to the base it was made over (size, hash of the first 64 KiB, and the
//   caller's tag such as an ETag or SHA-256): otherwise open() throws OverlayMismatchError and stores nothing.

import { get, getMany, setMany, promisifyRequest, type UseStore } from "idb-keyval";
import { DiskImageError, type DiskBackend } from "../machine/disks.ts";

export const OVERLAY_DB_NAME = "webpc-disks";
export const OVERLAY_STORE_NAME = "overlay";
/** Bytes of the base hashed into its identity: enough for a boot sector, partition table and first sectors. */
const HEAD_BYTES = 64 * 1024;

/** What an overlay was made over. */
export interface BaseIdentity {
  /** File name or URL (shown in messages; not compared: the same image may move). */
  name: string;
  size: number;
  /** FNV-1a hash of the first 64 KiB, hex. */
  head: string;
  /** A stronger identity the caller knows: the manifest's SHA-256, an HTTP ETag, a file's lastModified... */
  tag?: string;
}

export interface OverlayMeta {
  version: 1;
  machine: string;
  drive: string;
  blockSize: number;
  base: BaseIdentity;
  /** When the first block was stored (ms since 1970). */
  created: number;
}

export interface OverlayInfo extends OverlayMeta {
  /** Blocks stored, and the bytes they take (blocks * blockSize). */
  blocks: number;
  bytes: number;
}

export interface PersistentOverlayOptions {
  /** Which machine this disk belongs to: a profile id, or a hash of the image's URL / file name and size. */
  machine: string;
  /** Which drive of the machine ("hda", "fda", ...). */
  drive: string;
  /** The image under the overlay; never written. */
  base: DiskBackend;
  /** The base's name for messages and the listing. */
  baseName: string;
  /** A stronger identity of the base, if known (manifest SHA-256, ETag...). */
  baseTag?: string;
  /** Overlay block size, a power of two (default 4096); a stored overlay keeps the size it was made with. */
  blockSize?: number;
  /** Where the blocks go (default: overlayStore()). Tests inject stores that fail or hold commits. */
  store?: UseStore;
  /** Called once when the overlay cannot store blocks any more and keeps them in memory instead. */
  onStorageError?: (message: string) => void;
}

/** The stored overlay was made over another base image; it is left as it was. */
export class OverlayMismatchError extends DiskImageError {
  constructor(message: string, readonly stored: BaseIdentity, readonly current: BaseIdentity) { super(message); }
}

/**
 * An idb-keyval store like its createStore(), but its readwrite transactions ask for durability "strict", so
 * "complete" means the data is on disk (IndexedDB 3.0 §4.4, IDBTransactionDurability). `factory` defaults to
 * the global indexedDB; when there is none (or opening fails) every call rejects, and the overlay falls back.
 */
export function openOverlayStore(dbName = OVERLAY_DB_NAME, storeName = OVERLAY_STORE_NAME, factory?: IDBFactory): UseStore {
  let dbp: Promise<IDBDatabase> | undefined;
  const getDB = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    const idb = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (!idb) return Promise.reject(new DOMException("IndexedDB is not available here", "InvalidStateError"));
    try {
      const request = idb.open(dbName, 1);
      request.onupgradeneeded = () => { request.result.createObjectStore(storeName); };
      dbp = promisifyRequest(request);
    } catch (e) {
      return Promise.reject(e); // e.g. SecurityError for an opaque origin
    }
    dbp.then((db) => {
      db.onclose = () => { dbp = undefined; };
      // another tab deleting or upgrading the database: let it, reopen on next use
      db.onversionchange = () => { db.close(); dbp = undefined; };
    }, () => { dbp = undefined; });
    return dbp;
  };
  return (mode, callback) => getDB().then((db) =>
    callback(db.transaction(storeName, mode, mode === "readwrite" ? { durability: "strict" } : undefined).objectStore(storeName)));
}

let defaultStore: UseStore | undefined;
/** The store every overlay uses unless told otherwise (created on first use). */
export function overlayStore(): UseStore {
  return defaultStore ??= openOverlayStore();
}

const blockKey = (machine: string, drive: string, block: number): IDBValidKey => ["b", machine, drive, block];
const metaKey = (machine: string, drive: string): IDBValidKey => ["m", machine, drive];
// [..., []] sorts after every number and string in that position (arrays sort last: IndexedDB 3.0 §2.8)
const blockRange = (machine: string, drive: string) => IDBKeyRange.bound(["b", machine, drive], ["b", machine, drive, []]);

/** FNV-1a (32 bit), as 8 hex digits: a cheap check that the base is the same image, not a cryptographic one. */
function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The identity of `base` as an overlay records it. */
export async function baseIdentity(base: DiskBackend, name: string, tag?: string): Promise<BaseIdentity> {
  const head = fnv1a(await base.read(0, Math.min(base.size, HEAD_BYTES)));
  return tag === undefined ? { name, size: base.size, head } : { name, size: base.size, head, tag };
}

function sameBase(a: BaseIdentity, b: BaseIdentity): boolean {
  return a.size === b.size && a.head === b.head && (a.tag === undefined || b.tag === undefined || a.tag === b.tag);
}

function describe(id: BaseIdentity): string {
  return `${id.name}, ${id.size} bytes${id.tag ? `, ${id.tag}` : ""}`;
}

export class PersistentOverlay implements DiskBackend {
  readonly size: number;
  readonly readOnly = false;
  readonly blockSize: number;
  readonly machine: string;
  readonly drive: string;
  readonly base: DiskBackend;

  /** Blocks committed to IndexedDB. */
  private readonly stored = new Set<number>();
  /** Blocks whose transaction is still committing (the newest contents of each). */
  private readonly committing = new Map<number, Uint8Array>();
  /** Blocks kept in memory since storage failed (newer than any stored or committing copy). */
  private readonly memory = new Map<number, Uint8Array>();
  /** Transactions not yet complete; each settles (never rejects) once its blocks are stored or in memory. */
  private readonly commits = new Set<Promise<void>>();
  /** The end of the queue that orders reads and the preparation of writes. */
  private tail: Promise<unknown> = Promise.resolve();
  /** The meta record to store with the next transaction, until one holding it has completed. */
  private meta: OverlayMeta;
  private metaStored: boolean;
  /** The transaction storing the meta: later ones wait for it, so no block is ever stored without its meta. */
  private metaCommit: Promise<void> | undefined;
  private memoryOnly: boolean;
  private reported = false;

  private constructor(private readonly opts: PersistentOverlayOptions, private readonly store: UseStore,
                      meta: OverlayMeta, metaStored: boolean, stored: number[], memoryOnly: boolean) {
    this.machine = opts.machine;
    this.drive = opts.drive;
    this.base = opts.base;
    this.size = opts.base.size;
    this.blockSize = meta.blockSize;
    this.meta = meta;
    this.metaStored = metaStored;
    for (const b of stored) this.stored.add(b);
    this.memoryOnly = memoryOnly;
  }

  /**
   * Opens the overlay of (machine, drive) over `base`: blocks written in an earlier session are served again.
   * Throws OverlayMismatchError (leaving the stored overlay as it was) when it was made over another image.
   * When IndexedDB cannot be used, reports it through onStorageError and returns an in-memory overlay.
   */
  static async open(opts: PersistentOverlayOptions): Promise<PersistentOverlay> {
    const store = opts.store ?? overlayStore();
    const blockSize = opts.blockSize ?? 4096;
    if (!Number.isInteger(blockSize) || blockSize <= 0 || (blockSize & (blockSize - 1)) !== 0) {
      throw new RangeError(`PersistentOverlay: block size must be a power of two (${blockSize})`);
    }
    const base = await baseIdentity(opts.base, opts.baseName, opts.baseTag);
    const fresh: OverlayMeta = { version: 1, machine: opts.machine, drive: opts.drive, blockSize, base, created: 0 };
    let found: OverlayMeta | undefined, keys: IDBValidKey[];
    try {
      found = await get<OverlayMeta>(metaKey(opts.machine, opts.drive), store);
      keys = found ? await store("readonly", (s) => promisifyRequest(s.getAllKeys(blockRange(opts.machine, opts.drive)))) : [];
    } catch (e) {
      const overlay = new PersistentOverlay(opts, store, fresh, false, [], true);
      overlay.report(`Browser storage (IndexedDB) is not available (${errorText(e)}; a private window may block it): the changes to disk ${opts.drive} of machine "${opts.machine}" are kept in memory only and are lost when the tab closes.`);
      return overlay;
    }
    if (found && !sameBase(found.base, base)) {
      throw new OverlayMismatchError(`Disk ${opts.drive} of machine "${opts.machine}" has saved changes made over another image (saved over: ${describe(found.base)}; now: ${describe(base)}). They were left untouched and not used. Use "Reset disk" to discard them and start from the new image, or load the image they were made over.`, found.base, base);
    }
    const stored = keys.map((k) => (k as [string, string, string, number])[3]);
    return new PersistentOverlay(opts, store, found ?? fresh, found !== undefined, stored, false);
  }

  /** True once writes go to memory only (storage failed or is unavailable). */
  get inMemory(): boolean { return this.memoryOnly; }
  /** Blocks the overlay holds (stored, committing or in memory). */
  get blocks(): number {
    const all = new Set([...this.stored, ...this.committing.keys(), ...this.memory.keys()]);
    return all.size;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    this.checkRange(offset, length);
    return this.queue(() => this.readNow(offset, length));
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    this.checkRange(offset, data.length);
    if (offset + data.length > this.size) {
      return Promise.reject(new RangeError(`${this.opts.baseName}: write at ${offset}+${data.length} is past the end (${this.size} bytes)`));
    }
    const bytes = data.slice(); // the caller may reuse its buffer while the write is queued
    // the queue step returns the commit boxed, so the queue moves on without waiting for the commit
    return this.queue(async () => ({ committed: this.commit(await this.mergeBlocks(offset, bytes)) }))
      .then((step) => step.committed);
  }

  /** Resolves once every write before it has been committed. */
  flush(): Promise<void> {
    return this.queue(async () => ({ committed: Promise.all([...this.commits]).then(() => {}) }))
      .then((step) => step.committed);
  }

  /** Forgets every write ("Reset disk" while the disk is open): deletes the stored overlay too. */
  reset(): Promise<void> {
    return this.queue(async () => {
      await Promise.all([...this.commits]);
      this.memory.clear();
      this.committing.clear();
      this.stored.clear();
      this.metaStored = false;
      this.metaCommit = undefined;
      await resetDisk(this.machine, this.drive, this.store).then(
        () => { this.memoryOnly = false; this.reported = false; }, // space may be free again: try storing
        () => {});
    });
  }

  // ---- internals ------------------------------------------------------------------------------------------

  private checkRange(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`${this.opts.baseName}: bad range ${offset}+${length}`);
    }
  }

  private queue<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Bytes [offset, offset+length) as the guest sees them; past the end reads as zeros. */
  private async readNow(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return out;
    const bs = this.blockSize;
    const fromDb: number[] = [];
    const baseRuns: [number, number][] = []; // [start, end) byte ranges of the base
    for (let b = Math.floor(offset / bs); b * bs < end; b++) {
      const start = b * bs;
      const from = Math.max(offset, start), to = Math.min(end, start + bs);
      const held = this.memory.get(b) ?? this.committing.get(b);
      if (held) out.set(held.subarray(from - start, to - start), from - offset);
      else if (this.stored.has(b)) fromDb.push(b);
      else if (baseRuns.length && baseRuns[baseRuns.length - 1][1] === from) baseRuns[baseRuns.length - 1][1] = to;
      else baseRuns.push([from, to]);
    }
    await Promise.all([
      ...baseRuns.map(async ([from, to]) => { out.set(await this.base.read(from, to - from), from - offset); }),
      fromDb.length === 0 ? undefined : getMany<Uint8Array>(fromDb.map((b) => blockKey(this.machine, this.drive, b)), this.store)
        .then((blocks) => blocks.forEach((data, i) => {
          const b = fromDb[i], start = b * bs;
          if (!data) throw new DiskImageError(`Disk ${this.drive} of machine "${this.machine}": saved block ${b} has disappeared from browser storage (was the disk reset in another tab?)`);
          const from = Math.max(offset, start), to = Math.min(end, start + bs);
          out.set(data.subarray(from - start, to - start), from - offset);
        })),
    ]);
    return out;
  }

  /** The new contents of every block the write touches: whole blocks, partial ones merged with what they hold. */
  private async mergeBlocks(offset: number, data: Uint8Array): Promise<Map<number, Uint8Array>> {
    const bs = this.blockSize;
    const end = offset + data.length;
    const blocks = new Map<number, Uint8Array>();
    for (let b = Math.floor(offset / bs); b * bs < end; b++) {
      const start = b * bs;
      const covered = offset <= start && end >= start + bs;
      // a block past the end of an image whose size is not a multiple of the block is zero-padded
      const block = covered ? new Uint8Array(bs) : await this.readNow(start, bs);
      const from = Math.max(offset, start), to = Math.min(end, start + bs);
      block.set(data.subarray(from - offset, to - offset), from - start);
      blocks.set(b, block);
    }
    return blocks;
  }

  /** Stores `blocks` in one transaction (or in memory); resolves when they are safe. Never rejects. */
  private commit(blocks: Map<number, Uint8Array>): Promise<void> {
    if (this.memoryOnly) {
      this.keepInMemory(blocks);
      return Promise.resolve();
    }
    for (const [b, data] of blocks) this.committing.set(b, data);
    const entries: [IDBValidKey, unknown][] = [...blocks].map(([b, data]) => [blockKey(this.machine, this.drive, b), data]);
    const withMeta = !this.metaStored && this.metaCommit === undefined;
    if (withMeta) {
      this.meta = { ...this.meta, created: Date.now() };
      entries.push([metaKey(this.machine, this.drive), this.meta]);
    }
    // transactions after the one carrying the meta wait for it: if it fails, they must not store blocks alone
    const before = withMeta ? Promise.resolve() : (this.metaCommit ?? Promise.resolve());
    const done = before.then(() => {
      if (this.memoryOnly) throw FELL_BACK; // an earlier transaction failed meanwhile: keep these in memory
      return setMany(entries, this.store);
    }).then(
      () => {
        if (withMeta) this.metaStored = true;
        for (const [b, data] of blocks) {
          this.stored.add(b);
          if (this.committing.get(b) === data) this.committing.delete(b);
        }
      },
      (e) => {
        if (e !== FELL_BACK) this.fallBack(e);
        if (withMeta) this.metaCommit = undefined;
        const mine = new Map([...blocks].filter(([b, data]) => this.committing.get(b) === data));
        for (const b of mine.keys()) this.committing.delete(b);
        this.keepInMemory(mine);
      });
    if (withMeta) this.metaCommit = done;
    this.commits.add(done);
    done.then(() => this.commits.delete(done));
    return done;
  }

  private keepInMemory(blocks: Map<number, Uint8Array>): void {
    for (const [b, data] of blocks) {
      this.memory.set(b, data);
      this.committing.delete(b); // memory holds the newest copy from now on
    }
  }

  private fallBack(e: unknown): void {
    this.memoryOnly = true;
    const quota = (e as { name?: string })?.name === "QuotaExceededError";
    this.report(quota
      ? `Browser storage is full (QuotaExceededError): the changes to disk ${this.drive} of machine "${this.machine}" are now kept in memory only and are lost when the tab closes. Use "Download disk" to keep them, and free space with "Reset disk" on machines you no longer need.`
      : `Saving disk ${this.drive} of machine "${this.machine}" in browser storage failed (${errorText(e)}): its changes are now kept in memory only and are lost when the tab closes. Use "Download disk" to keep them.`);
  }

  private report(message: string): void {
    if (this.reported) return;
    this.reported = true;
    this.opts.onStorageError?.(message);
  }
}

const FELL_BACK = Symbol("storage already failed");

function errorText(e: unknown): string {
  const err = e as { name?: string; message?: string } | undefined;
  if (!err) return String(e);
  return err.name && err.message ? `${err.name}: ${err.message}` : String(err.message ?? err.name ?? e);
}

/** Deletes the stored overlay of (machine, drive): "Reset disk". Close or reset() an open overlay first. */
export function resetDisk(machine: string, drive: string, store: UseStore = overlayStore()): Promise<void> {
  return store("readwrite", (s) => {
    s.delete(blockRange(machine, drive));
    s.delete(metaKey(machine, drive));
    return promisifyRequest(s.transaction);
  });
}

/** Every stored overlay with the space it takes, for a "stored disks" list. */
export async function listOverlays(store: UseStore = overlayStore()): Promise<OverlayInfo[]> {
  const metas = await store("readonly", (s) => promisifyRequest(s.getAll(IDBKeyRange.bound(["m"], ["m", []])))) as OverlayMeta[];
  const counts = await store("readonly", (s) => Promise.all(metas.map((m) => promisifyRequest(s.count(blockRange(m.machine, m.drive))))));
  return metas.map((m, i) => ({ ...m, blocks: counts[i], bytes: counts[i] * m.blockSize }));
}
