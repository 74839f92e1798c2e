// Debug console (Bochs/QEMU "port E9 hack"): bytes written to port E9h go to the host; reading E9h
// returns E9h so guests can detect it.
import { CH_DEBUGCON } from "../layout";
import { channelPut } from "../bus/channels";

export function debugconRead(port: u32): u32 { return 0xE9; }
export function debugconWrite(v: u32): void { channelPut(CH_DEBUGCON, v & 0xFF); }
