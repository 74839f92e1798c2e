// A writer for "newc" cpio archives (the format the Linux kernel unpacks as an initramfs).
// Pure TypeScript on Uint8Array: no Node APIs, so the web app can build initramfs images in the browser too.
//
// Format (see the kernel's Documentation/driver-api/early-userspace/buffer-format.rst): each entry is a
// 110-byte ASCII header "070701" + 13 eight-digit hex fields, the NUL-terminated name, padding to 4 bytes,
// the data, padding to 4 bytes. The archive ends with an entry named "TRAILER!!!".

export type CpioEntry =
  | { type: "file"; path: string; data: Uint8Array; mode?: number }
  | { type: "dir"; path: string; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "chardev" | "blockdev"; path: string; major: number; minor: number; mode?: number };

export interface CpioOptions {
  /** Modification time of every entry, seconds since 1970 (fixed so the output is reproducible). */
  mtime?: number;
}

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000, S_IFBLK = 0o060000;
const encoder = new TextEncoder();

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio: field out of range: ${n}`);
  return n.toString(16).padStart(8, "0");
}

/** Normalises "/a/b/" or "./a/b" to "a/b" (the kernel accepts both, tools print the relative form). */
function cleanPath(p: string): string {
  const s = p.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  if (s === "" || s.split("/").some((c) => c === "" || c === "." || c === "..")) throw new Error(`cpio: bad path "${p}"`);
  return s;
}

/**
 * Builds a newc archive. Parent directories that are not listed are added automatically (mode 0755) so
 * the kernel never has to create a file in a missing directory. Entries keep the order given, after
 * their implicit parents.
 */
export function writeCpio(entries: CpioEntry[], options: CpioOptions = {}): Uint8Array {
  const mtime = options.mtime ?? 0;
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ino = 1;
  const seen = new Set<string>();

  const push = (b: Uint8Array) => { chunks.push(b); size += b.length; };
  const pad4 = () => { const r = size % 4; if (r) push(new Uint8Array(4 - r)); };

  const emit = (name: string, mode: number, data: Uint8Array, nlink: number, rmaj = 0, rmin = 0) => {
    const nameBytes = encoder.encode(name);
    const header =
      "070701" + hex8(ino++) + hex8(mode) + hex8(0) + hex8(0) + hex8(nlink) + hex8(mtime) + hex8(data.length) +
      hex8(0) + hex8(0) + hex8(rmaj) + hex8(rmin) + hex8(nameBytes.length + 1) + hex8(0);
    push(encoder.encode(header));
    push(nameBytes);
    push(new Uint8Array(1));
    pad4();
    if (data.length) push(data);
    pad4();
  };

  const ensureParents = (path: string) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!seen.has(dir)) { seen.add(dir); emit(dir, S_IFDIR | 0o755, new Uint8Array(0), 2); }
    }
  };

  for (const e of entries) {
    const path = cleanPath(e.path);
    if (seen.has(path)) {
      if (e.type === "dir") continue; // an explicit directory after an implicit one: already there
      throw new Error(`cpio: duplicate path "${path}"`);
    }
    ensureParents(path);
    seen.add(path);
    switch (e.type) {
      case "file": emit(path, S_IFREG | (e.mode ?? 0o644), e.data, 1); break;
      case "dir": emit(path, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), 2); break;
      case "symlink": emit(path, S_IFLNK | 0o777, encoder.encode(e.target), 1); break;
      case "chardev": emit(path, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), 1, e.major, e.minor); break;
      case "blockdev": emit(path, S_IFBLK | (e.mode ?? 0o600), new Uint8Array(0), 1, e.major, e.minor); break;
    }
  }
  ino = 0;
  emit("TRAILER!!!", 0, new Uint8Array(0), 1);

  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}
