// System control port B (port 61h of the PC/AT, as the PIIX3 keeps it; IBM PC/AT Technical Reference,
// "System Control Port B"):
//   bit 0  GATE of PIT counter 2 (speaker tone, delay loops)        read back as written
//   bit 1  speaker data enable (stored; no audio yet)                read back as written
//   bit 2  parity check enable, bit 3 I/O channel check enable      read back as written (no NMI sources yet)
//   bit 4  refresh request toggle: flips every 15.085 us (DRAM refresh: 18 clocks of the PIT input); BIOSes and
//          DOS delay loops poll it, so it follows virtual time
//   bit 5  OUT of PIT counter 2
//   bits 6, 7  I/O channel check / parity error status: always 0
// Lazy in virtual time like the PIT: reads take `now` (ns).
import { DEV_PORT61 } from "../layout";
import { pitOut, pitSetGate } from "./pit8254";

const REFRESH_HALF_PERIOD_NS: u64 = 15085;

export function port61Reset(): void { store<u8>(DEV_PORT61, 0); }

export function port61Read(now: u64): u32 {
  let v = <u32>load<u8>(DEV_PORT61) & 0x0F;
  if (((now / REFRESH_HALF_PERIOD_NS) & 1) != 0) v |= 0x10;
  if (pitOut(2, now)) v |= 0x20;
  return v;
}

export function port61Write(v: u32, now: u64): void {
  store<u8>(DEV_PORT61, <u8>(v & 0x0F));
  pitSetGate(2, (v & 1) != 0, now);
}
