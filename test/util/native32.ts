// Whether this host can run 32-bit x86 Linux programs (the native oracles of the differential tests need it).
// A 64-bit kernel built without IA-32 emulation, or booted with ia32_emulation=0, refuses them; that is a fact
// about the host, not about the emulator, so the tests that need it skip with this reason instead of failing.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Runs `exe` (a static 32-bit program that exits 0 on empty input); null when it ran, else the reason. */
export function cannotRun32(exe: string): string | null {
  const r = spawnSync(exe, [], { input: Buffer.alloc(0), timeout: 60_000 });
  if (r.error) return `this host cannot run 32-bit x86 programs (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}; a kernel without IA-32 emulation?)`;
  if (r.status !== 0) return `the 32-bit test program exited with status ${r.status} signal ${r.signal} on empty input: ${String(r.stderr).slice(0, 200)}`;
  return null;
}

let probed: string | null | undefined;
/** Null when i686-linux-gnu-gcc exists and its static programs run here; else why the native oracle is missing. */
export function native32Unavailable(): string | null {
  if (probed !== undefined) return probed;
  const { mkdtempSync, writeFileSync, rmSync } = require("node:fs") as typeof import("node:fs");
  const { join } = require("node:path") as typeof import("node:path");
  const { tmpdir } = require("node:os") as typeof import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "webpc-probe32-"));
  try {
    writeFileSync(join(dir, "p.c"), "int main(void) { return 0; }\n");
    const cc = spawnSync("i686-linux-gnu-gcc", ["-static", "-o", join(dir, "p"), join(dir, "p.c")], { encoding: "utf8" });
    if (cc.error) probed = "i686-linux-gnu-gcc is not installed (Debian packages gcc-i686-linux-gnu and libc6-dev-i386-cross)";
    else if (cc.status !== 0) probed = `i686-linux-gnu-gcc cannot build a static program: ${cc.stderr.slice(0, 200)}`;
    else probed = cannotRun32(join(dir, "p"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}
