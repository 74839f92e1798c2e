// The worker's disks: each DiskPlan becomes a backend for web/machine/pc.ts. Images come from a URL (loaded
// lazily) or a file the user gave (read in pieces from the Blob); guest writes go to a copy-on-write overlay.
import { OverlayDisk, checkDiskImage, type DiskBackend } from "../machine/disks.ts";
import type { DiskSpec } from "../machine/pc.ts";
import type { DiskPlan, MachinePlan } from "./protocol.ts";
import { fetchBytes } from "./fetch-bytes.ts";
import { MemoryDisk } from "../machine/disks.ts";

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
  write(): void { throw new Error("the image file is read-only"); }
  flush(): void {}
}

/** Counts requests so the status bar can show which drive is busy. */
class Watched implements DiskBackend {
  busy = false;
  constructor(private readonly inner: DiskBackend) {}
  get size() { return this.inner.size; }
  get readOnly() { return this.inner.readOnly; }
  read(offset: number, length: number) { this.busy = true; return this.inner.read(offset, length); }
  write(offset: number, data: Uint8Array) { this.busy = true; return this.inner.write(offset, data); }
  flush() { this.busy = true; return this.inner.flush(); }
}

async function openBase(d: DiskPlan, cb: DiskCallbacks): Promise<DiskBackend> {
  if (d.source.kind === "file") return new BlobDisk(d.source.file);
  const bytes = await fetchBytes(d.source.url, d.name, (loaded, total) => cb.progress(d.name, loaded, total));
  return new MemoryDisk(bytes, { readOnly: true, name: d.name });
}

export async function openDisks(plan: MachinePlan, cb: DiskCallbacks): Promise<OpenedDisk[]> {
  const out: OpenedDisk[] = [];
  for (const d of plan.disks) {
    const base = await openBase(d, cb);
    for (const w of await checkDiskImage(d.name, d.media, base)) cb.warn(w);
    const overlay = d.media === "cdrom" ? null : new OverlayDisk(base);
    const watched = new Watched(overlay ?? base);
    out.push({
      spec: { drive: d.drive, media: d.media, backend: watched },
      name: d.name,
      activity: () => { const b = watched.busy; watched.busy = false; return b; },
      reset: async () => { overlay?.discard(); },
    });
  }
  return out;
}
