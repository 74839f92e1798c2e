// An ISO 9660 (ECMA-119) image writer with optional El Torito "no emulation" boot (as ISOLINUX needs).
// Pure TypeScript on Uint8Array, no Node APIs: the web app reuses it to turn dropped files into a CD.
//
// Layout written: sectors 0-15 system area (zero), 16 primary volume descriptor, 17 El Torito boot record
// (when booting), then the set terminator, the L and M path tables, every directory (path-table order), and
// the file data. Names follow ISO 9660 level 2 (d-characters, up to 30 characters, "NAME.EXT;1").
// Not written (known gaps): Joliet and Rock Ridge (so Linux shows lower-case 8.3-ish names), multi-extent
// files (a file must be < 4 GiB), hybrid MBR.

export interface IsoFile {
  /** Slash-separated path; components are converted with isoName(). */
  path: string;
  data: Uint8Array;
}

export interface IsoBoot {
  /** Path (as given in files) of the no-emulation boot image, e.g. "isolinux/isolinux.bin". */
  image: string;
  /** Path of the boot catalog to create, e.g. "isolinux/boot.cat". */
  catalog: string;
  /** 512-byte sectors the BIOS loads; ISOLINUX wants 4. */
  loadSectors?: number;
  /** Patch a boot info table (PVD LBA, file LBA, length, checksum) into bytes 8-63 of the image (ISOLINUX needs it). */
  bootInfoTable?: boolean;
}

export interface IsoOptions {
  volumeId?: string;
  /** Timestamp of every record (fixed so the output is reproducible). */
  date?: Date;
  boot?: IsoBoot;
}

const SECTOR = 2048;

/** Converts one path component to an ISO 9660 level 2 identifier (upper-case d-characters). */
export function isoName(name: string, isDir: boolean): string {
  const up = name.toUpperCase();
  const clean = (s: string) => s.replace(/[^A-Z0-9_]/g, "_");
  if (isDir) return clean(up).slice(0, 31) || "_";
  const dot = up.lastIndexOf(".");
  let base = clean(dot > 0 ? up.slice(0, dot) : up);
  let ext = clean(dot > 0 ? up.slice(dot + 1) : "");
  ext = ext.slice(0, 8);
  base = base.slice(0, 30 - ext.length) || "_";
  return ext ? `${base}.${ext}` : base;
}

interface Dir { kind: "dir"; id: string; parent: Dir | null; children: Map<string, Node>; lba: number; size: number; number: number }
interface File { kind: "file"; id: string; data: Uint8Array; lba: number; source: string }
type Node = Dir | File;

const enc = new TextEncoder();

function bothEndian32(buf: Uint8Array, off: number, v: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset);
  dv.setUint32(off, v, true);
  dv.setUint32(off + 4, v, false);
}
function bothEndian16(buf: Uint8Array, off: number, v: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset);
  dv.setUint16(off, v, true);
  dv.setUint16(off + 2, v, false);
}
function putString(buf: Uint8Array, off: number, len: number, s: string, fill = 0x20): void {
  buf.fill(fill, off, off + len);
  buf.set(enc.encode(s).subarray(0, len), off);
}

/** ECMA-119 9.1.5: seven-byte recording date, GMT. */
function dirDate(d: Date): Uint8Array {
  return Uint8Array.of(d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0);
}
/** ECMA-119 8.4.26.1: 17-byte volume date "YYYYMMDDHHMMSScc" + GMT offset. */
function volDate(buf: Uint8Array, off: number, d: Date | null): void {
  if (!d) { putString(buf, off, 16, "0000000000000000", 0x30); buf[off + 16] = 0; return; }
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  putString(buf, off, 16, `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`);
  buf[off + 16] = 0;
}

function recordLength(idLen: number): number {
  return 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
}

/**
 * Identifier as stored in directory records: a file always has the separator dot (ECMA-119 7.5.1, even
 * without an extension: "VMLINUZ.;1") and version ";1"; "." and ".." are 0x00 and 0x01.
 */
function recordId(n: Node): string {
  return n.kind === "file" ? `${n.id}${n.id.includes(".") ? "" : "."};1` : n.id;
}

/** ECMA-119 9.3: records sorted by identifier; comparing the padded name then extension gives that order. */
function compareIds(a: string, b: string): number {
  const [an, ae = ""] = a.split(".");
  const [bn, be = ""] = b.split(".");
  const w = Math.max(an.length, bn.length), x = Math.max(ae.length, be.length);
  const ka = an.padEnd(w, " ") + ae.padEnd(x, " "), kb = bn.padEnd(w, " ") + be.padEnd(x, " ");
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function sortedChildren(d: Dir): Node[] {
  return [...d.children.values()].sort((a, b) => compareIds(a.id, b.id));
}

export function writeIso9660(files: IsoFile[], options: IsoOptions = {}): Uint8Array {
  const date = options.date ?? new Date(Date.UTC(2000, 0, 1));
  const boot = options.boot;
  const root: Dir = { kind: "dir", id: "\0", parent: null, children: new Map(), lba: 0, size: 0, number: 1 };
  const bySource = new Map<string, File>();

  const addFile = (path: string, data: Uint8Array): File => {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0) throw new Error(`iso9660: empty path`);
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      const id = isoName(part, true);
      let next = dir.children.get(id);
      if (!next) { next = { kind: "dir", id, parent: dir, children: new Map(), lba: 0, size: 0, number: 0 }; dir.children.set(id, next); }
      if (next.kind !== "dir") throw new Error(`iso9660: "${part}" in "${path}" is both a file and a directory`);
      dir = next;
    }
    let id = isoName(parts[parts.length - 1], false);
    // Two source names that map to one identifier: make the second unique instead of losing it.
    for (let n = 1; dir.children.has(id); n++) {
      const dot = id.lastIndexOf(".");
      const base = dot > 0 ? id.slice(0, dot) : id, ext = dot > 0 ? id.slice(dot) : "";
      id = `${base.slice(0, 30 - ext.length - String(n).length - 1)}_${n}${ext}`;
    }
    const f: File = { kind: "file", id, data, lba: 0, source: path };
    dir.children.set(id, f);
    bySource.set(path, f);
    return f;
  };

  for (const f of files) addFile(f.path, f.data);
  let catalog: File | null = null, bootImage: File | null = null;
  if (boot) {
    bootImage = bySource.get(boot.image) ?? null;
    if (!bootImage) throw new Error(`iso9660: boot image "${boot.image}" is not among the files`);
    bootImage.data = bootImage.data.slice(); // patched below; do not touch the caller's bytes
    catalog = addFile(boot.catalog, new Uint8Array(SECTOR));
  }

  // Directories in path-table order: by level, then parent number, then identifier (ECMA-119 9.4).
  const dirs: Dir[] = [root];
  for (let i = 0; i < dirs.length; i++) {
    for (const c of sortedChildren(dirs[i])) if (c.kind === "dir") { c.number = dirs.length + 1; dirs.push(c); }
  }
  if (dirs.length > 65535) throw new Error("iso9660: too many directories");

  // Directory sizes: records may not cross a sector boundary (ECMA-119 6.8.1.1).
  for (const d of dirs) {
    let size = recordLength(1) * 2;
    for (const c of sortedChildren(d)) {
      const len = recordLength(enc.encode(recordId(c)).length);
      if ((size % SECTOR) + len > SECTOR) size = Math.ceil(size / SECTOR) * SECTOR;
      size += len;
    }
    d.size = Math.ceil(size / SECTOR) * SECTOR;
  }

  const pathTableSize = dirs.reduce((s, d) => s + 8 + d.id.length + (d.id.length % 2), 0);
  const ptSectors = Math.ceil(pathTableSize / SECTOR);

  // Allocate sectors.
  let lba = 16;
  const pvdLba = lba++;
  const bootRecordLba = boot ? lba++ : -1;
  lba++; // terminator
  const lPathLba = lba; lba += ptSectors;
  const mPathLba = lba; lba += ptSectors;
  for (const d of dirs) { d.lba = lba; lba += d.size / SECTOR; }
  const fileOrder: File[] = [];
  if (catalog) fileOrder.push(catalog);
  if (bootImage) fileOrder.push(bootImage);
  for (const d of dirs) for (const c of sortedChildren(d)) if (c.kind === "file" && c !== catalog && c !== bootImage) fileOrder.push(c);
  for (const f of fileOrder) {
    if (f.data.length >= 2 ** 32) throw new Error(`iso9660: ${f.source} is too large (4 GiB limit)`);
    f.lba = lba;
    lba += Math.max(1, Math.ceil(f.data.length / SECTOR));
  }
  const totalSectors = lba;
  const img = new Uint8Array(totalSectors * SECTOR);
  const dv = new DataView(img.buffer);

  const writeRecord = (off: number, id: Uint8Array, extent: number, length: number, isDir: boolean): number => {
    const len = recordLength(id.length);
    img[off] = len;
    img[off + 1] = 0; // extended attribute record length
    bothEndian32(img, off + 2, extent);
    bothEndian32(img, off + 10, length);
    img.set(dirDate(date), off + 18);
    img[off + 25] = isDir ? 0x02 : 0x00;
    img[off + 26] = 0; img[off + 27] = 0; // not interleaved
    bothEndian16(img, off + 28, 1); // volume sequence number
    img[off + 32] = id.length;
    img.set(id, off + 33);
    return len;
  };

  // El Torito: patch the boot info table before file data is copied (El Torito spec + ISOLINUX doc).
  if (boot && bootImage && catalog) {
    if (boot.bootInfoTable) {
      const b = bootImage.data;
      if (b.length < 64) throw new Error("iso9660: boot image too small for a boot info table");
      const bv = new DataView(b.buffer, b.byteOffset, b.length);
      let sum = 0;
      for (let i = 64; i < b.length; i += 4) {
        let w = 0;
        for (let k = 0; k < 4; k++) w |= (i + k < b.length ? b[i + k] : 0) << (8 * k);
        sum = (sum + (w >>> 0)) >>> 0;
      }
      b.fill(0, 8, 64);
      bv.setUint32(8, pvdLba, true);
      bv.setUint32(12, bootImage.lba, true);
      bv.setUint32(16, b.length, true);
      bv.setUint32(20, sum, true);
    }
    // Boot catalog: validation entry (platform 0 = 80x86) then the initial/default entry.
    const cat = catalog.data;
    const cv = new DataView(cat.buffer, cat.byteOffset);
    cat[0] = 1; cat[1] = 0;
    putString(cat, 4, 24, "WEBPC", 0);
    cat[30] = 0x55; cat[31] = 0xaa;
    let s = 0;
    for (let i = 0; i < 32; i += 2) s = (s + cv.getUint16(i, true)) & 0xffff;
    cv.setUint16(28, (0x10000 - s) & 0xffff, true); // words sum to zero
    cat[32] = 0x88; // bootable
    cat[33] = 0; // no emulation
    cv.setUint16(34, 0, true); // load segment 0 = default 07C0h
    cat[36] = 0; // system type
    cv.setUint16(38, boot.loadSectors ?? 4, true);
    cv.setUint32(40, bootImage.lba, true);
  }

  // Primary volume descriptor (ECMA-119 8.4).
  {
    const o = pvdLba * SECTOR;
    img[o] = 1; putString(img, o + 1, 5, "CD001"); img[o + 6] = 1;
    putString(img, o + 8, 32, "");
    putString(img, o + 40, 32, (options.volumeId ?? "CDROM").toUpperCase().replace(/[^A-Z0-9_]/g, "_"));
    bothEndian32(img, o + 80, totalSectors);
    bothEndian16(img, o + 120, 1); // volume set size
    bothEndian16(img, o + 124, 1); // volume sequence number
    bothEndian16(img, o + 128, SECTOR);
    bothEndian32(img, o + 132, pathTableSize);
    dv.setUint32(o + 140, lPathLba, true);
    dv.setUint32(o + 144, 0, true);
    dv.setUint32(o + 148, mPathLba, false);
    dv.setUint32(o + 152, 0, false);
    writeRecord(o + 156, Uint8Array.of(0), root.lba, root.size, true);
    putString(img, o + 190, 128, ""); // volume set
    putString(img, o + 318, 128, ""); // publisher
    putString(img, o + 446, 128, ""); // data preparer
    putString(img, o + 574, 128, "WEBPC IMAGES"); // application
    putString(img, o + 702, 37, ""); putString(img, o + 739, 37, ""); putString(img, o + 776, 37, "");
    volDate(img, o + 813, date); volDate(img, o + 830, date); volDate(img, o + 847, null); volDate(img, o + 864, null);
    img[o + 881] = 1; // file structure version
  }
  if (boot) {
    const o = bootRecordLba * SECTOR;
    img[o] = 0; putString(img, o + 1, 5, "CD001"); img[o + 6] = 1;
    putString(img, o + 7, 32, "EL TORITO SPECIFICATION", 0);
    dv.setUint32(o + 0x47, catalog!.lba, true);
  }
  {
    const o = (pvdLba + (boot ? 2 : 1)) * SECTOR;
    img[o] = 255; putString(img, o + 1, 5, "CD001"); img[o + 6] = 1;
  }

  // Path tables (ECMA-119 9.4), little-endian (L) and big-endian (M) copies.
  {
    let l = lPathLba * SECTOR, m = mPathLba * SECTOR;
    for (const d of dirs) {
      const id = d === root ? Uint8Array.of(0) : enc.encode(d.id);
      const parent = d.parent ? d.parent.number : 1;
      for (const [off, little] of [[l, true], [m, false]] as const) {
        img[off] = id.length;
        dv.setUint32(off + 2, d.lba, little);
        dv.setUint16(off + 6, parent, little);
        img.set(id, off + 8);
      }
      const len = 8 + id.length + (id.length % 2);
      l += len; m += len;
    }
  }

  // Directories.
  for (const d of dirs) {
    const base = d.lba * SECTOR;
    let off = 0;
    off += writeRecord(base + off, Uint8Array.of(0), d.lba, d.size, true);
    const parent = d.parent ?? d;
    off += writeRecord(base + off, Uint8Array.of(1), parent.lba, parent.size, true);
    for (const c of sortedChildren(d)) {
      const id = enc.encode(recordId(c));
      const len = recordLength(id.length);
      if ((off % SECTOR) + len > SECTOR) off = Math.ceil(off / SECTOR) * SECTOR;
      off += c.kind === "dir" ? writeRecord(base + off, id, c.lba, c.size, true) : writeRecord(base + off, id, c.lba, c.data.length, false);
    }
  }

  for (const f of fileOrder) img.set(f.data, f.lba * SECTOR);
  return img;
}
