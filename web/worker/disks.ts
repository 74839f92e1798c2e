// The worker's disks: each DiskPlan becomes a backend for web/machine/pc.ts. Images come from a URL (loaded
// lazily in blocks over HTTP range requests, web/storage/http-disk.ts) or a file the user gave (read in pieces
// from the Blob). Guest writes go to a copy-on-write overlay in IndexedDB (web/storage/idb-overlay.ts), keyed by
// machine and drive, so a reload finds them; the device completes a write only once the overlay holds it.
import { OverlayDisk, checkDiskImage, DiskImageError, type DiskBackend } from "../machine/disks.ts";
import type { DiskSpec } from "../machine/pc.ts";
import type { DiskPlan, MachinePlan } from "./protocol.ts";
import { HttpDisk } from "../storage/http-disk.ts";
import { PersistentOverlay, OverlayMismatchError, resetDisk } from "../storage/idb-overlay.ts";

export interface OpenedDisk {
  spec: DiskSpec;
  name: string;
  /** True when the drive served a request since the last call (the status bar's disk light). */
  activity(): boolean;
  /** Forget the guest's writes ("Reset disk"): the disk reads as its image again. */
  reset(): Promise<void>;
}

export interface DiskCallbacks {
  progress(what: string, loaded: number, total: number): void;
  warn(text: string): void;
  error(text: string): void;
}

/** A File or Blob read in pieces, never whole (a multi-gigabyte image costs no memory). */
export class BlobDisk implements DiskBackend {
  readonly size: number;
  readonly readOnly = true;
  constructor(private readonly blob: Blob) { this.size = blob.size; }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    if (offset < this.size) out.set(new Uint8Array(await this.blob.slice(offset, Math.min(this.size, offset + length)).arrayBuffer()));
    return out;
  }
  write(): void { throw new DiskImageError("the image file is read-only"); }
  flush(): void {}
}

/** Notes requests so the status bar can show which drive is busy. */
class Watched implements DiskBackend {
  busy = false;
  constructor(public inner: DiskBackend) {}
  get size() { return this.inner.size; }
  get readOnly() { return this.inner.readOnly; }
  read(offset: number, length: number) { this.busy = true; return this.inner.read(offset, length); }
  write(offset: number, data: Uint8Array) { this.busy = true; return this.inner.write(offset, data); }
  flush() { this.busy = true; return this.inner.flush(); }
}

async function openBase(d: DiskPlan, cb: DiskCallbacks): Promise<{ base: DiskBackend; tag?: string }> {
  if (d.source.kind === "file") return { base: new BlobDisk(d.source.file), tag: d.tag };
  const http = await HttpDisk.open(d.source.url, { name: d.name, onProgress: (loaded, total) => cb.progress(d.name, loaded, total) });
  return { base: http, tag: d.tag ?? (http.etag ? `etag:${http.etag}` : undefined) };
}

/**
 * One tab owns a machine's saved disks at a time: a second tab with the same machine would interleave its writes
 * with ours. The Web Locks API says whether another tab holds them; if so this one keeps its writes in memory.
 */
async function claimMachine(machineId: string): Promise<boolean> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return true;
  return new Promise<boolean>((resolve) => {
    void locks.request(`webpc-disks:${machineId}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // held until the worker ends
      return lock ? new Promise<void>(() => {}) : undefined;
    });
  });
}

export async function openDisks(plan: MachinePlan, cb: DiskCallbacks): Promise<OpenedDisk[]> {
  const out: OpenedDisk[] = [];
  const owner = plan.disks.some((d) => d.persist) ? await claimMachine(plan.machineId) : false;
  if (!owner && plan.disks.some((d) => d.persist)) {
    cb.warn(`This machine's disks are open in another tab: here the guest's writes are kept in memory only and are lost when the tab closes.`);
  }
  for (const d of plan.disks) {
    const { base, tag } = await openBase(d, cb);
    if (base.size === 0) throw new DiskImageError(`${d.name} is empty (0 bytes): it is not a disk image.`);
    for (const w of await checkDiskImage(d.name, d.media, base)) cb.warn(w);
    let overlay: DiskBackend | null = null;
    let persistent: PersistentOverlay | null = null;
    if (d.media !== "cdrom") {
      if (d.persist && owner) {
        try {
          persistent = await PersistentOverlay.open({ machine: plan.machineId, drive: d.drive, base, baseName: d.name, baseTag: tag, onStorageError: cb.error });
          overlay = persistent;
        } catch (e) {
          if (!(e instanceof OverlayMismatchError)) throw e;
          cb.error((e as Error).message);
        }
      }
      overlay ??= new OverlayDisk(base);
    }
    const watched = new Watched(overlay ?? base);
    out.push({
      spec: { drive: d.drive, media: d.media, backend: watched },
      name: d.name,
      activity: () => { const b = watched.busy; watched.busy = false; return b; },
      reset: async () => {
        if (persistent) await persistent.reset();
        else if (overlay instanceof OverlayDisk) overlay.discard();
        else if (d.persist) await resetDisk(plan.machineId, d.drive); // a mismatched saved overlay
      },
    });
  }
  return out;
}
