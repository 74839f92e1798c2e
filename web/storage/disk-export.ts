// "Download disk": the disk as the guest sees it (base + overlay), in chunks, for streaming to a file without
// holding the whole image in memory. Browser-safe. Reads go through the disk's own read(), so an overlay's
// ordering holds per chunk; pause the machine first for an image consistent across chunks.

import type { DiskBackend } from "../machine/disks.ts";

export interface ExportOptions {
  /** Bytes per chunk (default 1 MiB). */
  chunkSize?: number;
  /** Called after each chunk: bytes produced so far, and the disk size. */
  onProgress?: (done: number, total: number) => void;
}

/** Yields the disk's bytes in order, `chunkSize` at a time (the last chunk may be shorter). */
export async function* exportDisk(disk: DiskBackend, opts: ExportOptions = {}): AsyncGenerator<Uint8Array> {
  const chunkSize = opts.chunkSize ?? 1024 * 1024;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`exportDisk: bad chunk size ${chunkSize}`);
  for (let offset = 0; offset < disk.size; offset += chunkSize) {
    const n = Math.min(chunkSize, disk.size - offset);
    const chunk = await disk.read(offset, n);
    opts.onProgress?.(offset + n, disk.size);
    yield chunk;
  }
}

/**
 * The same bytes as a ReadableStream (pulled one chunk at a time, so a slow consumer slows the reads): give it to
 * `new Response(stream).blob()`, a File System Access writable, or transfer it from the worker to the page.
 */
export function exportDiskStream(disk: DiskBackend, opts: ExportOptions = {}): ReadableStream<Uint8Array> {
  const chunks = exportDisk(disk, opts);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() { await chunks.return(undefined); },
  }, { highWaterMark: 1 });
}
