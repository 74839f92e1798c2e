// Memory accesses made by the guest processor (so page types, shadow RAM and MMIO decode apply), for device
// tests: a few hand-encoded real-mode instructions at 0000:7C00 that read or write one byte and halt.
import { Core, Channel } from "../../web/machine/core.ts";
import { startRealMode } from "./machines.ts";

let attached = new WeakSet<Core>();

function runProgram(c: Core, code: number[]): void {
  if (!attached.has(c)) { c.exports.attachTestDevices(0xE9, 0, 0); attached.add(c); }
  c.writePhys(0x7C00, Uint8Array.from(code));
  startRealMode(c);
  c.dv.setUint32(c.L.HALTED, 0, true); // the previous program ended in HLT
  for (let i = 0; i < 10; i++) { const r = c.run(1000); if (r === 2 /* HLT with IF=0 */) return; }
  throw new Error("the peek/poke program did not halt");
}

const seg = (phys: number) => { const s = (phys >>> 4) & 0xF000; return [0xB8, s & 0xFF, s >>> 8, 0x8E, 0xD8]; }; // mov ax, seg; mov ds, ax
const off = (phys: number) => [phys & 0xFF, (phys >>> 8) & 0xFF];

/** The byte the processor reads at physical address `phys` (below 1 MiB). */
export function guestPeek(c: Core, phys: number): number {
  runProgram(c, [...seg(phys), 0xA0, ...off(phys), 0xE6, 0xE9, 0xF4]); // mov al,[off]; out E9h,al; hlt
  const out = c.drain(Channel.DEBUGCON);
  if (out.length !== 1) throw new Error(`expected one byte from the peek program, got ${out.length}`);
  return out[0];
}

/** The processor writes byte `v` at physical address `phys` (below 1 MiB). */
export function guestPoke(c: Core, phys: number, v: number): void {
  runProgram(c, [...seg(phys), 0xC6, 0x06, ...off(phys), v & 0xFF, 0xF4]); // mov byte [off], v; hlt
}
