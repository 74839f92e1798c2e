// Assemble small nasm sources for tests and benchmarks (flat binaries). Results are cached in
// build/nasm-cache by content hash, so repeated runs do not spawn nasm.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const cacheDir = join(root, "build", "nasm-cache");

let available: boolean | undefined;
/** Is nasm installed? (Tests that need it skip with a message naming the Debian package.) */
export function haveNasm(): boolean {
  if (available === undefined) available = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
  return available;
}
export const NASM_MISSING = "nasm is not installed (Debian package: nasm)";

/** Assemble `source` (nasm syntax, `bits` and `org` set by the source) into a flat binary. */
export function assemble(source: string): Uint8Array {
  const key = createHash("sha256").update(source).digest("hex").slice(0, 32);
  const out = join(cacheDir, `${key}.bin`);
  if (existsSync(out)) return new Uint8Array(readFileSync(out));
  mkdirSync(cacheDir, { recursive: true });
  const src = join(tmpdir(), `webpc-${process.pid}-${key}.asm`);
  const tmpOut = `${out}.${process.pid}.tmp`;
  writeFileSync(src, source);
  try {
    execFileSync("nasm", ["-f", "bin", "-o", tmpOut, src], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer };
    throw new Error(`nasm failed:\n${err.stderr?.toString() ?? e}`);
  } finally {
    rmSync(src, { force: true });
  }
  const bytes = readFileSync(tmpOut);
  writeFileSync(out, bytes);
  rmSync(tmpOut, { force: true });
  return new Uint8Array(bytes);
}
