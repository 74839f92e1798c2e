// Whether this host can run 32-bit x86 Linux programs (the native oracles of the differential tests need it).
// A 64-bit kernel built without IA-32 emulation, or booted with ia32_emulation=0, refuses them; that is a fact
// about the host, not about the emulator, so the tests that need it skip with this reason instead of failing.
import { spawnSync } from "node:child_process";

/** Runs `exe` (a static 32-bit program that exits 0 on empty input); null when it ran, else the reason. */
export function cannotRun32(exe: string): string | null {
  const r = spawnSync(exe, [], { input: Buffer.alloc(0), timeout: 60_000 });
  if (r.error) return `this host cannot run 32-bit x86 programs (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}; a kernel without IA-32 emulation?)`;
  if (r.status !== 0) return `the 32-bit test program exited with status ${r.status} signal ${r.signal} on empty input: ${String(r.stderr).slice(0, 200)}`;
  return null;
}
