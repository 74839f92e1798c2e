// Shared set-ups of device and CPU tests: PICs programmed as a PC BIOS leaves them, real-mode start state, and a
// core running a test program in flat 32-bit protected mode.
import { Core } from "../../web/machine/core.ts";
import { loadModule } from "../../web/machine/node.ts";
import type { JitSetting } from "../../web/machine/jit-host.ts";

/** ICW1-ICW4 as a PC BIOS writes them: vectors 08h-0Fh (master) and 70h-77h (slave), slave on IR2. */
export function initPicsAsBios(c: Core, icw4 = 0x01): void {
  const out = (p: number, v: number) => c.exports.ioWrite(p, v, 1);
  out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x04); out(0x21, icw4);
  out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, icw4);
}

/** Start in real mode at 0000:`at` with every segment 0 and SP 7000h. */
export function startRealMode(c: Core, at = 0x7C00): void {
  for (const s of ["cs", "ds", "es", "ss", "fs", "gs"] as const) c.setSegReal(s, 0);
  c.eip = at;
  c.setReg("esp", 0x7000);
  c.exports.stateChanged();
}

/**
 * A debug core of 4 MiB (or `memoryMiB`) with the test devices (debug console E9h, exit port F4h) and the JIT as
 * `jit` says (with `jitSlots` table slots, else the default), `code` at `base`, started there in flat 32-bit
 * protected mode with ESP 90000h.
 */
export async function flatTestCore(jit: JitSetting, code: Uint8Array, base: number,
  opts: { memoryMiB?: number; jitSlots?: number } = {}): Promise<Core> {
  const c = await Core.create(loadModule("debug"), (opts.memoryMiB ?? 4) << 20, 0, { jit, jitSlots: opts.jitSlots });
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(base, code);
  c.enterFlatProtectedMode();
  c.eip = base;
  c.setReg("esp", 0x90000);
  return c;
}
