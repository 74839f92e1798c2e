// A FAT12/FAT16 file system writer (Microsoft "FAT: General Overview of On-Disk Format", v1.03).
// Pure TypeScript on Uint8Array, no Node APIs: the web app reuses it to turn dropped files into a floppy or
// a hard-disk partition. Long names get VFAT long-name entries; all-lower-case 8.3 names use the NT case bits
// instead (as Windows and Linux do). Known gaps: FAT32 (volumes up to ~2 GiB only), no fragmentation support
// needed since everything is written once, contiguously.

export interface FatFile {
  /** Slash-separated path inside the volume. */
  path: string;
  data: Uint8Array;
  /** Set the hidden/system/read-only attributes (e.g. for boot loader files). */
  attributes?: number;
}

export interface FatOptions {
  /** Volume size in bytes (a multiple of 512). Standard floppy sizes get the standard floppy BPB. */
  sizeBytes: number;
  label?: string;
  oemName?: string;
  /** Sectors before this volume on its disk (the partition's start LBA); boot code uses it. */
  hiddenSectors?: number;
  /** Extra empty directories to create. */
  dirs?: string[];
  /** Timestamp of every entry (fixed so the output is reproducible). */
  date?: Date;
  volumeSerial?: number;
}

export const ATTR_READ_ONLY = 0x01, ATTR_HIDDEN = 0x02, ATTR_SYSTEM = 0x04, ATTR_VOLUME_ID = 0x08, ATTR_DIRECTORY = 0x10, ATTR_ARCHIVE = 0x20;
const ATTR_LONG_NAME = 0x0f;
const SECTOR = 512;

interface Geometry { spc: number; rootEntries: number; media: number; spt: number; heads: number; fixed: boolean }

/** Standard BPB values for the usual floppy formats; anything else is treated as a fixed-disk volume. */
const FLOPPIES: Record<number, Geometry> = {
  [368640]: { spc: 2, rootEntries: 112, media: 0xfd, spt: 9, heads: 2, fixed: false },
  [737280]: { spc: 2, rootEntries: 112, media: 0xf9, spt: 9, heads: 2, fixed: false },
  [1228800]: { spc: 1, rootEntries: 224, media: 0xf9, spt: 15, heads: 2, fixed: false },
  [1474560]: { spc: 1, rootEntries: 224, media: 0xf0, spt: 18, heads: 2, fixed: false },
  [2949120]: { spc: 2, rootEntries: 240, media: 0xf0, spt: 36, heads: 2, fixed: false },
};

interface Layout { type: 12 | 16; spc: number; fatSectors: number; rootSectors: number; clusters: number; totalSectors: number }

/** Picks the FAT type and FAT size: the type follows from the cluster count alone (spec section 3.5). */
function layoutFor(totalSectors: number, spc: number, rootEntries: number): Layout | null {
  const rootSectors = Math.ceil((rootEntries * 32) / SECTOR);
  for (const type of [12, 16] as const) {
    let fatSectors = 1, clusters = 0;
    for (let i = 0; i < 20; i++) {
      clusters = Math.floor((totalSectors - 1 - 2 * fatSectors - rootSectors) / spc);
      const bytes = type === 12 ? Math.ceil(((clusters + 2) * 3) / 2) : (clusters + 2) * 2;
      const need = Math.ceil(bytes / SECTOR);
      if (need === fatSectors) break;
      fatSectors = need;
    }
    if (clusters < 1) return null;
    if (type === 12 && clusters < 4085) return { type, spc, fatSectors, rootSectors, clusters, totalSectors };
    if (type === 16 && clusters >= 4085 && clusters < 65525) return { type, spc, fatSectors, rootSectors, clusters, totalSectors };
    if (type === 16 && clusters < 4085) {
      // Between the two: FAT12 sizing gave >= 4085 clusters, FAT16 sizing < 4085. Shrink the volume
      // slightly so it is unambiguously FAT12.
      const fat12 = Math.ceil(((4084 + 2) * 3) / 2 / SECTOR);
      return { type: 12, spc, fatSectors: fat12, rootSectors, clusters: 4084, totalSectors: 1 + 2 * fat12 + rootSectors + 4084 * spc };
    }
  }
  return null;
}

const enc = new TextEncoder();
const SHORT_OK = /^[A-Z0-9!#$%&'()\-@^_`{}~]+$/;

interface Entry { name: string; isDir: boolean; data: Uint8Array; attributes: number; children: Map<string, Entry>; cluster: number; clusters: number; short: Uint8Array; ntCase: number; lfn: string | null }

function fatDate(d: Date): number { return ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(); }
function fatTime(d: Date): number { return (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1); }

/** Checksum of an 11-byte short name, stored in each long-name entry (spec section 7). */
export function shortNameChecksum(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]) & 0xff;
  return sum;
}

function pad11(base: string, ext: string): Uint8Array {
  return enc.encode(base.padEnd(8, " ") + ext.padEnd(3, " "));
}

/**
 * Decides how a name is stored: a plain 8.3 entry (with NT lower-case bits when the parts are all lower
 * case), or a long name plus a generated "BASIS~N.EXT" short name unique in the directory.
 */
function assignNames(e: Entry, taken: Set<string>): void {
  const name = e.name;
  const dot = name.lastIndexOf(".");
  const base = dot > 0 ? name.slice(0, dot) : name, ext = dot > 0 ? name.slice(dot + 1) : "";
  const caseOk = (s: string) => s === s.toUpperCase() || s === s.toLowerCase();
  const fits = base.length >= 1 && base.length <= 8 && ext.length <= 3 && SHORT_OK.test(base.toUpperCase()) &&
    (ext === "" || SHORT_OK.test(ext.toUpperCase())) && caseOk(base) && caseOk(ext) && !(dot > 0 && ext === "");
  if (fits) {
    const key = base.toUpperCase() + "." + ext.toUpperCase();
    if (!taken.has(key)) {
      taken.add(key);
      e.short = pad11(base.toUpperCase(), ext.toUpperCase());
      e.ntCase = (base !== base.toUpperCase() ? 0x08 : 0) | (ext !== ext.toUpperCase() ? 0x10 : 0);
      e.lfn = null;
      return;
    }
  }
  const strip = (s: string) => s.toUpperCase().replace(/[ .]/g, "").replace(/[^A-Z0-9!#$%&'()\-@^_`{}~]/g, "_");
  const b = strip(base) || "_", x = strip(ext).slice(0, 3);
  for (let n = 1; n < 1000000; n++) {
    const tail = `~${n}`;
    const sb = b.slice(0, 8 - tail.length) + tail;
    const key = sb + "." + x;
    if (!taken.has(key)) { taken.add(key); e.short = pad11(sb, x); e.ntCase = 0; e.lfn = name; return; }
  }
  throw new Error(`fat: cannot make a short name for "${name}"`);
}

/** Number of 32-byte directory slots an entry takes (long-name entries + the short entry). */
function slots(e: Entry): number { return e.lfn === null ? 1 : Math.ceil(e.lfn.length / 13) + 1; }

export function writeFat(files: FatFile[], options: FatOptions): Uint8Array {
  const size = options.sizeBytes;
  if (size % SECTOR !== 0 || size < 64 * 1024) throw new Error(`fat: volume size ${size} must be a multiple of 512 and at least 64 KiB`);
  const totalSectors = size / SECTOR;
  const date = options.date ?? new Date(Date.UTC(2000, 0, 1));
  let geo = FLOPPIES[size];
  let layout: Layout | null = null;
  if (geo) {
    layout = layoutFor(totalSectors, geo.spc, geo.rootEntries);
  } else {
    geo = { spc: 1, rootEntries: 512, media: 0xf8, spt: 63, heads: totalSectors > 1024 * 16 * 63 ? 255 : 16, fixed: true };
    for (let spc = 1; spc <= 128 && !layout; spc *= 2) layout = layoutFor(totalSectors, spc, geo.rootEntries);
  }
  if (!layout) throw new Error(`fat: no FAT12/FAT16 layout for ${size} bytes (FAT32 is not supported)`);
  const { type, spc, fatSectors, rootSectors, clusters } = layout;
  const clusterBytes = spc * SECTOR;

  // Build the tree.
  const mk = (name: string, isDir: boolean, data: Uint8Array = new Uint8Array(0), attributes = 0): Entry =>
    ({ name, isDir, data, attributes, children: new Map(), cluster: 0, clusters: 0, short: new Uint8Array(11), ntCase: 0, lfn: null });
  const root = mk("", true);
  const dirAt = (parts: string[], path: string): Entry => {
    let d = root;
    for (const p of parts) {
      let next = d.children.get(p.toUpperCase());
      if (!next) { next = mk(p, true); d.children.set(p.toUpperCase(), next); }
      if (!next.isDir) throw new Error(`fat: "${p}" in "${path}" is both a file and a directory`);
      d = next;
    }
    return d;
  };
  const split = (path: string) => {
    const parts = path.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.length === 0 || parts.some((p) => p === ".." || p.length > 255 || /[\x00-\x1f"*/:<>?\\|]/.test(p))) throw new Error(`fat: bad path "${path}"`);
    return parts;
  };
  for (const d of options.dirs ?? []) dirAt(split(d), d);
  for (const f of files) {
    const parts = split(f.path);
    const dir = dirAt(parts.slice(0, -1), f.path);
    const key = parts[parts.length - 1].toUpperCase();
    if (dir.children.has(key)) throw new Error(`fat: duplicate path "${f.path}"`);
    dir.children.set(key, mk(parts[parts.length - 1], false, f.data, f.attributes ?? 0));
  }

  // Names, sizes and cluster allocation (directories first, breadth first, then files; all contiguous).
  const dirs: Entry[] = [root];
  for (let i = 0; i < dirs.length; i++) {
    const taken = new Set<string>([".", ".."]);
    for (const c of dirs[i].children.values()) { assignNames(c, taken); if (c.isDir) dirs.push(c); }
  }
  const rootSlots = [...root.children.values()].reduce((s, c) => s + slots(c), options.label ? 1 : 0);
  if (rootSlots > geo.rootEntries) throw new Error(`fat: too many entries in the root directory (${rootSlots} > ${geo.rootEntries})`);
  let next = 2;
  const alloc = (e: Entry, bytes: number) => {
    e.clusters = Math.ceil(bytes / clusterBytes);
    if (e.clusters === 0) return;
    e.cluster = next; next += e.clusters;
  };
  for (const d of dirs.slice(1)) alloc(d, [...d.children.values()].reduce((s, c) => s + slots(c) * 32, 64));
  for (const d of dirs) for (const c of d.children.values()) if (!c.isDir) alloc(c, c.data.length);
  if (next - 2 > clusters) throw new Error(`fat: files do not fit: ${next - 2} clusters needed, ${clusters} available`);

  const img = new Uint8Array(layout.totalSectors * SECTOR);
  const dv = new DataView(img.buffer);
  const fatStart = 1, rootStart = fatStart + 2 * fatSectors, dataStart = rootStart + rootSectors;
  const clusterOffset = (c: number) => (dataStart + (c - 2) * spc) * SECTOR;

  // Boot sector and BPB (spec section 3.1-3.2).
  img.set([0xeb, 0x3c, 0x90], 0);
  img.set(enc.encode((options.oemName ?? "WEBPC").padEnd(8, " ").slice(0, 8)), 3);
  dv.setUint16(11, SECTOR, true);
  img[13] = spc;
  dv.setUint16(14, 1, true); // reserved sectors
  img[16] = 2; // FATs
  dv.setUint16(17, geo.rootEntries, true);
  if (layout.totalSectors < 0x10000) dv.setUint16(19, layout.totalSectors, true); else dv.setUint32(32, layout.totalSectors, true);
  img[21] = geo.media;
  dv.setUint16(22, fatSectors, true);
  dv.setUint16(24, geo.spt, true);
  dv.setUint16(26, geo.heads, true);
  dv.setUint32(28, options.hiddenSectors ?? 0, true);
  img[36] = geo.fixed ? 0x80 : 0x00;
  img[38] = 0x29;
  dv.setUint32(39, options.volumeSerial ?? 0x12345678, true);
  const label = (options.label ?? "NO NAME").toUpperCase().slice(0, 11);
  img.set(enc.encode(label.padEnd(11, " ")), 43);
  img.set(enc.encode(type === 12 ? "FAT12   " : "FAT16   "), 54);
  // Boot code for a volume nobody made bootable: INT 18h (try the next boot device), then halt.
  img.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], 62);
  img[510] = 0x55; img[511] = 0xaa;

  // FATs.
  const setFat = (n: number, v: number) => {
    for (const copy of [0, 1]) {
      const base = (fatStart + copy * fatSectors) * SECTOR;
      if (type === 16) { dv.setUint16(base + n * 2, v, true); continue; }
      const off = base + Math.floor((n * 3) / 2);
      if (n & 1) { img[off] = (img[off] & 0x0f) | ((v << 4) & 0xf0); img[off + 1] = (v >> 4) & 0xff; }
      else { img[off] = v & 0xff; img[off + 1] = (img[off + 1] & 0xf0) | ((v >> 8) & 0x0f); }
    }
  };
  const eoc = type === 12 ? 0xfff : 0xffff;
  setFat(0, (type === 12 ? 0xf00 : 0xff00) | geo.media);
  setFat(1, eoc);
  const chain = (e: Entry) => { for (let i = 0; i < e.clusters; i++) setFat(e.cluster + i, i === e.clusters - 1 ? eoc : e.cluster + i + 1); };

  // Directory entries (spec section 6-7).
  const fd = fatDate(date), ft = fatTime(date);
  const writeShort = (off: number, short: Uint8Array, attr: number, ntCase: number, cluster: number, fileSize: number) => {
    img.set(short, off);
    img[off + 11] = attr;
    img[off + 12] = ntCase;
    dv.setUint16(off + 14, ft, true); dv.setUint16(off + 16, fd, true); dv.setUint16(off + 18, fd, true);
    dv.setUint16(off + 22, ft, true); dv.setUint16(off + 24, fd, true);
    dv.setUint16(off + 26, cluster, true);
    dv.setUint32(off + 28, fileSize, true);
  };
  const writeEntries = (start: number, d: Entry, parentCluster: number | null) => {
    let off = start;
    if (parentCluster !== null) {
      writeShort(off, pad11(".", ""), ATTR_DIRECTORY, 0, d.cluster, 0); off += 32;
      writeShort(off, pad11("..", ""), ATTR_DIRECTORY, 0, parentCluster, 0); off += 32;
    } else if (options.label) {
      writeShort(off, enc.encode(label.padEnd(11, " ")), ATTR_VOLUME_ID, 0, 0, 0); off += 32;
    }
    for (const c of d.children.values()) {
      if (c.lfn !== null) {
        const units: number[] = [...c.lfn].map((ch) => ch.charCodeAt(0));
        const n = Math.ceil(units.length / 13);
        const padded = units.concat(units.length % 13 ? [0] : []);
        while (padded.length < n * 13) padded.push(0xffff);
        const sum = shortNameChecksum(c.short);
        for (let seq = n; seq >= 1; seq--) {
          const part = padded.slice((seq - 1) * 13, seq * 13);
          img[off] = seq | (seq === n ? 0x40 : 0);
          [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30].forEach((p, i) => dv.setUint16(off + p, part[i], true));
          img[off + 11] = ATTR_LONG_NAME;
          img[off + 13] = sum;
          off += 32;
        }
      }
      const attr = c.isDir ? ATTR_DIRECTORY | c.attributes : ATTR_ARCHIVE | c.attributes;
      writeShort(off, c.short, attr, c.ntCase, c.cluster, c.isDir ? 0 : c.data.length);
      off += 32;
    }
  };
  writeEntries(rootStart * SECTOR, root, null);
  for (const d of dirs.slice(1)) {
    chain(d);
    const parent = dirs.find((p) => [...p.children.values()].includes(d))!;
    writeEntries(clusterOffset(d.cluster), d, parent === root ? 0 : parent.cluster);
  }
  for (const d of dirs) for (const c of d.children.values()) {
    if (c.isDir || c.clusters === 0) continue;
    chain(c);
    img.set(c.data, clusterOffset(c.cluster));
  }
  if (img.length < size) { const full = new Uint8Array(size); full.set(img); return full; }
  return img;
}

/**
 * Sets the times and dates of every root-directory entry of a FAT12/16 volume to `date`. Used after an
 * external tool (the SYSLINUX installer, through mtools) added files stamped with the current time, so the
 * image stays reproducible.
 */
export function stampRootEntries(volume: Uint8Array, date: Date): void {
  const dv = new DataView(volume.buffer, volume.byteOffset, volume.length);
  const bps = dv.getUint16(11, true), reserved = dv.getUint16(14, true), fats = volume[16];
  const rootEntries = dv.getUint16(17, true), fatSize = dv.getUint16(22, true);
  const start = (reserved + fats * fatSize) * bps;
  const fd = fatDate(date), ft = fatTime(date);
  for (let i = 0; i < rootEntries; i++) {
    const o = start + i * 32;
    if (volume[o] === 0) break;
    if (volume[o] === 0xe5 || volume[o + 11] === ATTR_LONG_NAME) continue;
    volume[o + 13] = 0;
    dv.setUint16(o + 14, ft, true); dv.setUint16(o + 16, fd, true); dv.setUint16(o + 18, fd, true);
    dv.setUint16(o + 22, ft, true); dv.setUint16(o + 24, fd, true);
  }
}
