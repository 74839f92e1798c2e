// Node-only helpers for the image build: errors that tell the user what to run, atomic writes, hashing,
// running system commands.
import { createHash } from "node:crypto";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";

/** A failure the user can fix: names the package (when one is involved) and the command that fixes it. */
export class BuildError extends Error {
  constructor(message: string, readonly fix: string, readonly pkg?: string) {
    super(message);
  }
  describe(): string {
    return `images: ${this.pkg ? `[package ${this.pkg}] ` : ""}${this.message}\n  fix: ${this.fix}`;
  }
}

export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
/** Prefix for commands we tell the user to run. */
export const sudo = isRoot ? "" : "sudo ";

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** Writes via a temporary file in the same directory plus rename, so readers never see half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, "w");
    try {
      const buf = typeof data === "string" ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface RunResult { status: number | null; stdout: string; stderr: string; missing: boolean }

/** Runs a command without a shell; `missing` is set when the program is not installed. */
export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { status: r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? ""), missing };
}

export function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
