// Shared set-ups of device and CPU tests: PICs programmed as a PC BIOS leaves them, and real-mode start state.
import { Core } from "../../web/machine/core.ts";

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
