// A remote disk image read lazily over HTTP range requests (RFC 9110 §14: Range, Content-Range, 206 Partial
// Content, 416 Range Not Satisfiable). Browser-safe: fetch only, so it runs in the Web Worker and in Node tests.
//
// The image is cut into blocks (256 KiB by default). A read fetches the blocks it lacks; adjacent missing blocks
// go out as one request. Fetched blocks stay in a cache: every block for images up to `keepWholeUpTo` (so the
// image ends up whole in memory once read), the most recently used `cacheBytes` worth for bigger ones. Small
// images (below `wholeBelow`), and any image on a server that ignores Range (200 instead of 206), are downloaded
// whole once, at open. The disk is read-only: a copy-on-write overlay takes the guest's writes.

import { DiskImageError, type DiskBackend } from "../machine/disks.ts";

export interface HttpDiskOptions {
  /** The fetch to use (tests give their own; default: globalThis.fetch). */
  fetch?: typeof fetch;
  /** Bytes per block fetched and cached (default 256 KiB). */
  blockSize?: number;
  /** Images smaller than this are downloaded whole at open (default 2 MiB). */
  wholeBelow?: number;
  /** Images up to this size keep every block once fetched (default 32 MiB). */
  keepWholeUpTo?: number;
  /** Bigger images keep at most this many bytes of blocks, least recently used dropped first (default 16 MiB). */
  cacheBytes?: number;
  /** Largest image downloaded whole from a server without range support (default 512 MiB). */
  maxWhole?: number;
  /** Extra tries after a transient failure (network error, 408, 429, 5xx, short body); default 2. */
  retries?: number;
  /** Waits before retry `attempt` (1, 2, ...); default 0.5 s, 1 s, 2 s... Tests pass one that does not sleep. */
  backoff?: (attempt: number) => Promise<void>;
  /** Download progress: bytes received from the network so far, and the image size (0 while unknown). */
  onProgress?: (loaded: number, total: number) => void;
  /** The name used in messages (default: the URL). */
  name?: string;
}

const KiB = 1024, MiB = 1024 * 1024;

/** Not worth (another round of) retrying: the server answered and meant it (404, a changed image...), or the
 * retries are used up. */
class PermanentError extends DiskImageError {}

function defaultBackoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
}

/** "bytes 0-262143/17825792" -> {start, end, total}; total is undefined for "*" (RFC 9110 §14.4). */
function parseContentRange(header: string | null): { start?: number; end?: number; total?: number } | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  return {
    start: m[1] === undefined ? undefined : Number(m[1]),
    end: m[2] === undefined ? undefined : Number(m[2]),
    total: m[3] === "*" ? undefined : Number(m[3]),
  };
}

function sizeText(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${Math.ceil(n / KiB)} KiB`;
}

/** A read-only DiskBackend over a URL. Make one with `HttpDisk.open(url, options)`. */
export class HttpDisk implements DiskBackend {
  readonly readOnly = true;
  readonly url: string;
  readonly name: string;
  /** Image size in bytes (Content-Range total or Content-Length at open). */
  readonly size: number;
  readonly blockSize: number;
  /** The server's ETag at open, if it sent one: part of the image's identity for the overlay. */
  readonly etag: string | undefined;
  /** The server's Last-Modified at open, if any. */
  readonly lastModified: string | undefined;
  /** Whether the whole image is in memory (small image, or a server without range support). */
  get isWhole(): boolean { return this.whole !== undefined; }
  /** HTTP requests made so far (open included). */
  requests = 0;
  /** Bytes received from the network so far. */
  loaded = 0;

  private readonly opts: Required<Omit<HttpDiskOptions, "onProgress" | "name">> & Pick<HttpDiskOptions, "onProgress">;
  private whole: Uint8Array | undefined;
  private readonly cache = new Map<number, Uint8Array>(); // block index -> bytes, oldest use first
  private readonly inflight = new Map<number, Promise<Uint8Array>>();
  private readonly maxCachedBlocks: number;
  /** Set once the server changed the image: every later read fails with it. */
  private broken: DiskImageError | undefined;

  private constructor(url: string, size: number, etag: string | undefined, lastModified: string | undefined,
                      opts: HttpDiskOptions) {
    this.url = url;
    this.name = opts.name ?? url;
    this.size = size;
    this.etag = etag;
    this.lastModified = lastModified;
    this.opts = {
      fetch: opts.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      blockSize: opts.blockSize ?? 256 * KiB,
      wholeBelow: opts.wholeBelow ?? 2 * MiB,
      keepWholeUpTo: opts.keepWholeUpTo ?? 32 * MiB,
      cacheBytes: opts.cacheBytes ?? 16 * MiB,
      maxWhole: opts.maxWhole ?? 512 * MiB,
      retries: opts.retries ?? 2,
      backoff: opts.backoff ?? defaultBackoff,
      onProgress: opts.onProgress,
    };
    this.blockSize = this.opts.blockSize;
    this.maxCachedBlocks = size <= this.opts.keepWholeUpTo ? Infinity
      : Math.max(1, Math.floor(this.opts.cacheBytes / this.blockSize));
  }

  /**
   * Opens `url`: a first ranged GET (the first block) learns the size from Content-Range and whether the server
   * honours ranges. Small images and servers that answer 200 are downloaded whole here. Throws DiskImageError
   * with a message for the user when the image cannot be used.
   */
  static async open(url: string, opts: HttpDiskOptions = {}): Promise<HttpDisk> {
    const blockSize = opts.blockSize ?? 256 * KiB;
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new RangeError(`HttpDisk: bad block size ${blockSize}`);
    // a disk object with size 0 does the fetching (retries, progress, messages) until the size is known
    const probe = new HttpDisk(url, 0, undefined, undefined, opts);
    const res = await probe.fetchWithRetry(`bytes=0-${blockSize - 1}`, [200, 206, 416]);
    const etag = res.headers.get("ETag") ?? undefined;
    const lastModified = res.headers.get("Last-Modified") ?? undefined;

    if (res.status === 416) {
      // only an empty image has no byte 0 (the server says "bytes */0")
      await res.body?.cancel();
      const total = parseContentRange(res.headers.get("Content-Range"))?.total;
      if (total !== 0) throw new DiskImageError(`${probe.name}: the server refused the first bytes of the image (416 Range Not Satisfiable); check the URL`);
      return new HttpDisk(url, 0, etag, lastModified, opts);
    }

    if (res.status === 200) {
      // no range support: the body is the whole image
      const length = res.headers.get("Content-Length");
      const max = probe.opts.maxWhole;
      if (length !== null && Number(length) > max) {
        await res.body?.cancel();
        throw new DiskImageError(`${probe.name}: the server does not support range requests (it answered 200 instead of 206), and the image (${sizeText(Number(length))}) is too big to download whole (limit ${sizeText(max)}); serve it from a server with range support, or download it and open it as a file`);
      }
      const bytes = await probe.readBody(res, length === null ? undefined : Number(length), max);
      const disk = new HttpDisk(url, bytes.length, etag, lastModified, opts);
      disk.whole = bytes;
      disk.requests = probe.requests;
      disk.loaded = probe.loaded;
      return disk;
    }

    // 206: Content-Range has the total; a cross-origin server must expose it (Access-Control-Expose-Headers)
    let total = parseContentRange(res.headers.get("Content-Range"))?.total;
    const first = await probe.readBody(res, undefined, blockSize);
    if (total === undefined) total = await probe.sizeFromHead();
    const disk = new HttpDisk(url, total, etag, lastModified, opts);
    disk.requests = probe.requests;
    disk.loaded = probe.loaded;
    disk.report();
    const firstLen = Math.min(blockSize, total);
    if (first.length !== firstLen) throw new DiskImageError(`${probe.name}: the server sent ${first.length} bytes for the first ${firstLen}; it does not serve ranges correctly`);
    if (total < disk.opts.wholeBelow) {
      const bytes = new Uint8Array(total);
      bytes.set(first);
      if (total > firstLen) bytes.set(await disk.fetchRange(firstLen, total), firstLen);
      disk.whole = bytes;
    } else {
      disk.remember(0, first);
    }
    return disk;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new RangeError(`${this.name}: bad range ${offset}+${length}`);
    }
    if (this.broken) throw this.broken;
    const out = new Uint8Array(length); // past the end reads as zeros, like MemoryDisk
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return out;
    if (this.whole) {
      out.set(this.whole.subarray(offset, end));
      return out;
    }
    return this.readBlocks(offset, end, out);
  }

  write(): never {
    throw new DiskImageError(`${this.name}: a remote image is read-only (writes go to the overlay)`);
  }

  flush(): void {}

  // ---- blocks --------------------------------------------------------------------------------------------

  private async readBlocks(offset: number, end: number, out: Uint8Array): Promise<Uint8Array> {
    const bs = this.blockSize;
    const first = Math.floor(offset / bs), last = Math.floor((end - 1) / bs);
    // collected here, not read back from the cache, which may drop blocks of a read bigger than itself
    const got = new Map<number, Uint8Array>();
    const waits: Promise<void>[] = [];
    let runStart = -1;
    const endRun = (lastOfRun: number) => {
      if (runStart < 0) return;
      waits.push(this.fetchBlocks(runStart, lastOfRun, got));
      runStart = -1;
    };
    for (let b = first; b <= last; b++) {
      const cached = this.cache.get(b);
      if (cached) {
        this.cache.delete(b); // most recently used goes last
        this.cache.set(b, cached);
        got.set(b, cached);
        endRun(b - 1);
        continue;
      }
      const pending = this.inflight.get(b);
      if (pending) {
        endRun(b - 1);
        waits.push(pending.then((data) => { got.set(b, data); }));
        continue;
      }
      if (runStart < 0) runStart = b;
    }
    endRun(last);
    await Promise.all(waits);
    for (let b = first; b <= last; b++) {
      const data = got.get(b)!;
      const start = b * bs;
      const from = Math.max(offset, start), to = Math.min(end, start + data.length);
      out.set(data.subarray(from - start, to - start), from - offset);
    }
    return out;
  }

  /** One request for blocks first..last; other reads of these blocks wait for it instead of asking again. */
  private fetchBlocks(first: number, last: number, got: Map<number, Uint8Array>): Promise<void> {
    const bs = this.blockSize;
    const start = first * bs, end = Math.min(this.size, (last + 1) * bs);
    const run = this.fetchRange(start, end);
    for (let b = first; b <= last; b++) {
      const block = run.then((bytes) => bytes.subarray((b - first) * bs, Math.min(bytes.length, (b - first + 1) * bs)));
      block.catch(() => {}); // the reader awaiting `run` sees the error; this copy must not be "unhandled"
      this.inflight.set(b, block);
    }
    return run.then(
      (bytes) => {
        for (let b = first; b <= last; b++) {
          // a copy per block, so dropping one block from the cache frees its memory
          const data = bytes.slice((b - first) * bs, Math.min(bytes.length, (b - first + 1) * bs));
          got.set(b, data);
          this.remember(b, data);
          this.inflight.delete(b);
        }
      },
      (e) => {
        for (let b = first; b <= last; b++) this.inflight.delete(b);
        throw e;
      });
  }

  private remember(block: number, data: Uint8Array): void {
    this.cache.set(block, data);
    while (this.cache.size > this.maxCachedBlocks) this.cache.delete(this.cache.keys().next().value!);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  /** Bytes [start, end) of the image, checked against what the server said at open. */
  private async fetchRange(start: number, end: number): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.fetchWithRetry(`bytes=${start}-${end - 1}`, [206, 200]);
      try {
        if (res.status === 200) {
          await res.body?.cancel();
          throw this.changed(`the server now ignores range requests (200 instead of 206)`);
        }
        const range = parseContentRange(res.headers.get("Content-Range"));
        if (range?.total !== undefined && range.total !== this.size) {
          await res.body?.cancel();
          throw this.changed(`its size changed from ${this.size} to ${range.total} bytes`);
        }
        const etag = res.headers.get("ETag") ?? undefined;
        if (this.etag !== undefined && etag !== undefined && etag !== this.etag) {
          await res.body?.cancel();
          throw this.changed(`its ETag changed from ${this.etag} to ${etag}`);
        }
        if (range?.start !== undefined && (range.start !== start || range.end !== end - 1)) {
          await res.body?.cancel();
          throw new PermanentError(`${this.name}: asked for bytes ${start}-${end - 1}, the server sent ${range.start}-${range.end}; it does not serve ranges correctly`);
        }
        const bytes = await this.readBody(res, undefined, end - start);
        if (bytes.length !== end - start) throw new Error(`short response: ${bytes.length} of ${end - start} bytes`);
        this.report();
        return bytes;
      } catch (e) {
        if (e instanceof PermanentError || attempt >= this.opts.retries) throw this.userError(e);
        await this.opts.backoff(attempt + 1);
      }
    }
  }

  /**
   * A GET with `Range` (or a HEAD when range is undefined) that retries network failures and transient statuses.
   * Resolves with a response whose status is in `accept`; anything else becomes a DiskImageError.
   */
  private async fetchWithRetry(range: string | undefined, accept: number[]): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.requests++;
        res = await this.opts.fetch(this.url, range === undefined ? { method: "HEAD" } : { headers: { Range: range } });
      } catch (e) {
        if (attempt >= this.opts.retries) {
          throw new PermanentError(`could not reach URL: ${this.url} (${(e as Error).message}); check the address, that the server is up and allows this page (CORS), and your connection`);
        }
        await this.opts.backoff(attempt + 1);
        continue;
      }
      if (accept.includes(res.status)) return res;
      await res.body?.cancel();
      const transient = res.status === 408 || res.status === 429 || res.status >= 500;
      if (!transient || attempt >= this.opts.retries) {
        throw new PermanentError(`${this.name}: the server answered ${res.status}${res.statusText ? " " + res.statusText : ""}${hint(res.status)}`);
      }
      await this.opts.backoff(attempt + 1);
    }
  }

  /** The size from a HEAD's Content-Length, when a 206 had no readable Content-Range total. */
  private async sizeFromHead(): Promise<number> {
    const res = await this.fetchWithRetry(undefined, [200]);
    const length = res.headers.get("Content-Length");
    if (length !== null && /^\d+$/.test(length)) return Number(length);
    throw new DiskImageError(`${this.name}: could not learn the image's size (no total in Content-Range, no Content-Length); a server on another origin must send "Access-Control-Expose-Headers: Content-Range"`);
  }

  /** The body, streamed so progress moves; fails past `max` bytes (a whole download over the limit). */
  private async readBody(res: Response, expected: number | undefined, max: number): Promise<Uint8Array> {
    if (!res.body) return new Uint8Array(await res.arrayBuffer());
    const reader = res.body.getReader();
    const parts: Uint8Array[] = [];
    let n = 0;
    const total = () => this.size || expected || 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > max) {
        await reader.cancel();
        if (res.status === 200) {
          throw new DiskImageError(`${this.name}: the server does not support range requests (it answered 200 instead of 206), and the image is bigger than the ${sizeText(max)} that can be downloaded whole; serve it from a server with range support, or download it and open it as a file`);
        }
        throw new PermanentError(`${this.name}: the server sent more bytes than asked for (${max}); it does not serve ranges correctly`);
      }
      parts.push(value);
      this.loaded += value.length;
      this.opts.onProgress?.(this.loaded, total());
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  private report(): void { this.opts.onProgress?.(this.loaded, this.size); }

  private changed(what: string): DiskImageError {
    this.broken = new PermanentError(`${this.name} changed on the server while in use (${what}); reload the page to start again from the new image`);
    return this.broken;
  }

  private userError(e: unknown): DiskImageError {
    if (e instanceof DiskImageError) return e;
    return new DiskImageError(`${this.name}: reading the image failed (${(e as Error).message}); check your connection and try again`);
  }
}

function hint(status: number): string {
  if (status === 404 || status === 410) return ": no image at this URL; check the address";
  if (status === 401 || status === 403) return ": the server refuses access to this image";
  if (status >= 500) return ": the server failed; try again later";
  return "";
}
