// A disk image in a file, for Node (the CLI and tests): synchronous positional reads and writes on one file
// descriptor, so the machine's disk requests are answered at once. Writes go to the file (wrap it in an
// OverlayDisk for QEMU's -snapshot). Every error names the file.
import { openSync, closeSync, fstatSync, readSync, writeSync, fsyncSync, accessSync, constants } from "node:fs";
import type { DiskBackend } from "../machine/disks.ts";

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case "ENOENT": return "no such file";
    case "EACCES": case "EPERM": return "permission denied";
    case "EISDIR": return "is a directory";
    case "EROFS": return "read-only file system";
    case "ENOSPC": return "no space left on the device";
    default: return err?.message ?? String(e);
  }
}

export class FileDiskError extends Error {
  constructor(message: string) { super(message); this.name = "FileDiskError"; }
}

export class FileDisk implements DiskBackend {
  readonly size: number;
  readonly readOnly: boolean;
  /** Why the disk is read-only ("asked", "the file is not writable"), or "" when it is writable. */
  readonly readOnlyReason: string;
  private fd: number;

  /** Opens `path`; read-only when `opts.readOnly` or when the file cannot be opened for writing. */
  constructor(readonly path: string, opts: { readOnly?: boolean } = {}) {
    let fd = -1, ro = !!opts.readOnly, why = ro ? "asked" : "";
    try {
      accessSync(path, constants.R_OK);
    } catch (e) {
      throw new FileDiskError(`${path}: ${reason(e)}`);
    }
    if (!ro) {
      try { fd = openSync(path, "r+"); } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw new FileDiskError(`${path}: ${reason(e)}`);
        ro = true; why = "the file is not writable";
      }
    }
    if (fd < 0) {
      try { fd = openSync(path, "r"); } catch (e) { throw new FileDiskError(`${path}: ${reason(e)}`); }
    }
    const st = fstatSync(fd);
    if (!st.isFile() && !st.isBlockDevice()) { closeSync(fd); throw new FileDiskError(`${path}: not a regular file`); }
    this.fd = fd;
    this.size = st.size;
    this.readOnly = ro;
    this.readOnlyReason = why;
  }

  /** Reads `length` bytes at `offset`; bytes past the end of the file read as zeros. */
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    if (this.fd < 0) throw new FileDiskError(`${this.path}: closed`);
    let done = 0;
    try {
      while (done < length && offset + done < this.size) {
        const n = readSync(this.fd, out, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw new FileDiskError(`${this.path}: read at ${offset}: ${reason(e)}`);
    }
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.fd < 0) throw new FileDiskError(`${this.path}: closed`);
    if (this.readOnly) throw new FileDiskError(`${this.path}: read-only (${this.readOnlyReason})`);
    if (offset + data.length > this.size) throw new FileDiskError(`${this.path}: write at ${offset}+${data.length} is past the end (${this.size} bytes)`);
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
    } catch (e) {
      throw new FileDiskError(`${this.path}: write at ${offset}: ${reason(e)}`);
    }
  }

  flush(): void {
    if (this.fd < 0 || this.readOnly) return;
    try { fsyncSync(this.fd); } catch (e) { throw new FileDiskError(`${this.path}: flush: ${reason(e)}`); }
  }

  close(): void {
    if (this.fd < 0) return;
    try { this.flush(); } finally { closeSync(this.fd); this.fd = -1; }
  }
}
