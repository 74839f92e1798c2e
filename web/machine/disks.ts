// Disk backends for the host (DESIGN.md 1.2: the host owns the bytes of every disk image) and checks that a file
// is a plausible image before a guest sees it. Browser-safe: no Node APIs here (web/node/file-disk.ts has the
// Node file backend).
//
//   MemoryDisk   the whole image in a Uint8Array (fixed size; downloaded images, dropped files, tests)
//   OverlayDisk  copy-on-write over any backend, in memory, block granular: writes never reach the base
//                (QEMU's -snapshot: the guest sees its writes until the machine stops, the image stays as it was)
//   checkDiskImage  size and signature checks with messages that name the image and say what is wrong

/** The bytes of one disk image, served by the host (memory, a file, HTTP ranges, an IndexedDB overlay). */
export interface DiskBackend {
  readonly size: number;
  readonly readOnly: boolean;
  read(offset: number, length: number): Uint8Array | Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): void | Promise<void>;
  flush(): void | Promise<void>;
}

/** A disk image that cannot be used (the message names the image and says why). */
export class DiskImageError extends Error {
  constructor(message: string) { super(message); this.name = "DiskImageError"; }
}

function checkRange(what: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`${what}: bad range ${offset}+${length}`);
  }
}

/** The whole image in memory. Reads past the end give zeros (a partial last sector); writes past it throw. */
export class MemoryDisk implements DiskBackend {
  readonly size: number;
  readonly readOnly: boolean;
  readonly bytes: Uint8Array;
  readonly name: string;
  constructor(bytes: Uint8Array, opts: { readOnly?: boolean; name?: string } = {}) {
    this.bytes = bytes;
    this.size = bytes.length;
    this.readOnly = opts.readOnly ?? false;
    this.name = opts.name ?? "memory disk";
  }
  read(offset: number, length: number): Uint8Array {
    checkRange(this.name, this.size, offset, length);
    const out = new Uint8Array(length);
    if (offset < this.size) out.set(this.bytes.subarray(offset, Math.min(this.size, offset + length)));
    return out;
  }
  write(offset: number, data: Uint8Array): void {
    checkRange(this.name, this.size, offset, data.length);
    if (this.readOnly) throw new Error(`${this.name}: read-only`);
    if (offset + data.length > this.size) throw new RangeError(`${this.name}: write at ${offset}+${data.length} is past the end (${this.size} bytes)`);
    this.bytes.set(data, offset);
  }
  flush(): void {}
}

/**
 * Copy-on-write over `base`, kept in memory (QEMU -snapshot semantics): the first write to a block copies the
 * block from the base (read-modify-write for partial writes), later reads of that block come from the copy. The
 * base is never written, so a read-only base gives a writable disk. `discard()` forgets every write.
 */
export class OverlayDisk implements DiskBackend {
  readonly size: number;
  readonly readOnly = false;
  readonly blockSize: number;
  private readonly blocks = new Map<number, Uint8Array>();
  constructor(readonly base: DiskBackend, blockSize = 4096) {
    if (!Number.isInteger(blockSize) || blockSize <= 0 || (blockSize & (blockSize - 1)) !== 0) {
      throw new RangeError(`OverlayDisk: block size must be a power of two (${blockSize})`);
    }
    this.size = base.size;
    this.blockSize = blockSize;
  }
  /** Blocks written so far (each blockSize bytes of memory). */
  get dirtyBlocks(): number { return this.blocks.size; }
  /** Forget every write: the disk reads as the base again. */
  discard(): void { this.blocks.clear(); }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange("overlay disk", this.size, offset, length);
    const out = new Uint8Array(length);
    const bs = this.blockSize;
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      // a run of blocks that are all clean is read from the base in one request
      const block = Math.floor(pos / bs);
      const copy = this.blocks.get(block);
      if (copy) {
        const inBlock = pos - block * bs;
        const n = Math.min(end - pos, bs - inBlock);
        out.set(copy.subarray(inBlock, inBlock + n), pos - offset);
        pos += n;
        continue;
      }
      let runEnd = Math.min(end, (block + 1) * bs);
      while (runEnd < end && !this.blocks.has(Math.floor(runEnd / bs))) runEnd = Math.min(end, runEnd + bs);
      const clamp = Math.min(runEnd, this.size);
      if (pos < clamp) out.set(await this.base.read(pos, clamp - pos), pos - offset);
      pos = runEnd;
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    checkRange("overlay disk", this.size, offset, data.length);
    if (offset + data.length > this.size) throw new RangeError(`overlay disk: write at ${offset}+${data.length} is past the end (${this.size} bytes)`);
    const bs = this.blockSize;
    let pos = offset;
    const end = offset + data.length;
    while (pos < end) {
      const block = Math.floor(pos / bs);
      const start = block * bs;
      const inBlock = pos - start;
      const n = Math.min(end - pos, bs - inBlock);
      let copy = this.blocks.get(block);
      if (!copy) {
        copy = new Uint8Array(bs);
        // a write covering the whole block needs nothing from the base
        if (n < bs) {
          const avail = Math.min(bs, this.size - start);
          copy.set(await this.base.read(start, avail));
        }
        this.blocks.set(block, copy);
      }
      copy.set(data.subarray(pos - offset, pos - offset + n), inBlock);
      pos += n;
    }
  }
  /** Nothing to make durable: the overlay lives only as long as the machine. */
  flush(): void {}
}

// Floppy formats a PC BIOS (and SeaBIOS's floppy code) knows, by image size: 5.25" and 3.5" drives, DMF.
export const FLOPPY_FORMATS: readonly { size: number; name: string; cylinders: number; heads: number; sectors: number }[] = [
  { size: 163840, name: "160 KiB 5.25\" SS", cylinders: 40, heads: 1, sectors: 8 },
  { size: 184320, name: "180 KiB 5.25\" SS", cylinders: 40, heads: 1, sectors: 9 },
  { size: 327680, name: "320 KiB 5.25\" DS", cylinders: 40, heads: 2, sectors: 8 },
  { size: 368640, name: "360 KiB 5.25\"", cylinders: 40, heads: 2, sectors: 9 },
  { size: 737280, name: "720 KiB 3.5\"", cylinders: 80, heads: 2, sectors: 9 },
  { size: 1228800, name: "1.2 MB 5.25\"", cylinders: 80, heads: 2, sectors: 15 },
  { size: 1474560, name: "1.44 MB 3.5\"", cylinders: 80, heads: 2, sectors: 18 },
  { size: 1720320, name: "1.68 MB 3.5\" DMF", cylinders: 80, heads: 2, sectors: 21 },
  { size: 2949120, name: "2.88 MB 3.5\"", cylinders: 80, heads: 2, sectors: 36 },
];

export type MediaKind = "floppy" | "hd" | "cdrom";

function sizeText(n: number): string {
  if (n >= 1 << 20) return `${n} bytes (${(n / (1 << 20)).toFixed(2)} MiB)`;
  if (n >= 1 << 10) return `${n} bytes (${(n / 1024).toFixed(1)} KiB)`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}

/** ISO 9660 (ECMA-119 8.4): the volume descriptor set starts at logical sector 16 (byte 32768), and each
 * descriptor has the standard identifier "CD001" at bytes 1-5. */
export const ISO_DESCRIPTOR_OFFSET = 16 * 2048;

/**
 * Checks that an image of `media` kind is usable; throws DiskImageError naming `name` when it is not, and returns
 * warnings (strings) for oddities a guest can live with. Reads at most one 2 KiB sector of the image.
 */
export async function checkDiskImage(name: string, media: MediaKind, disk: DiskBackend): Promise<string[]> {
  const size = disk.size;
  const warnings: string[] = [];
  // an empty file is a drive without media: the machine starts and its firmware says what it finds (nothing)
  if (size === 0) return [`${name} is empty (0 bytes): the ${media === "cdrom" ? "CD-ROM drive" : media === "hd" ? "hard disk" : "floppy drive"} has no media`];
  switch (media) {
    case "floppy": {
      if (!FLOPPY_FORMATS.some((f) => f.size === size)) {
        const known = FLOPPY_FORMATS.map((f) => `${f.name} = ${f.size}`).join(", ");
        throw new DiskImageError(`${name}: ${sizeText(size)} is not the size of any floppy format (${known} bytes); for a hard-disk image use -hda`);
      }
      break;
    }
    case "hd": {
      if (size < 512) throw new DiskImageError(`${name}: ${sizeText(size)} is smaller than one 512-byte sector, not a hard-disk image`);
      if (size % 512 !== 0) warnings.push(`${name}: ${sizeText(size)} is not a whole number of 512-byte sectors; the last ${size % 512} bytes are not visible to the guest`);
      break;
    }
    case "cdrom": {
      if (size < ISO_DESCRIPTOR_OFFSET + 2048) {
        throw new DiskImageError(`${name}: ${sizeText(size)} is too small for an ISO 9660 CD image (at least 34816 bytes: 32 KiB system area and a volume descriptor)`);
      }
      const d = await disk.read(ISO_DESCRIPTOR_OFFSET, 8);
      const id = String.fromCharCode(d[1], d[2], d[3], d[4], d[5]);
      if (id !== "CD001") {
        throw new DiskImageError(`${name}: not an ISO 9660 CD image (no "CD001" volume descriptor at byte 32769); for a hard-disk image use -hda`);
      }
      if (size % 2048 !== 0) warnings.push(`${name}: ${sizeText(size)} is not a whole number of 2048-byte sectors; the last ${size % 2048} bytes are not visible to the guest`);
      break;
    }
  }
  return warnings;
}
