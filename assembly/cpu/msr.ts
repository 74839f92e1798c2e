// Model-specific registers (RDMSR/WRMSR). Unknown MSRs raise #GP(0) as on real hardware.
import {
  ICOUNT, TSC_OFFSET, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_APIC_BASE, MSR_MISC_ENABLE,
  MSR_BIOS_SIGN_ID, INSN_SIZE, INSNS, TSC_LAST,
} from "../layout";
import { raiseGP } from "./fault";
import { currentBlock, blockAddr, B_FIRST } from "../translate/blocks";
import { clockAt } from "../bus/clock";
import { lapicWriteBaseMsr } from "../devices/lapic";

export const MSR_TSC: u32 = 0x10;
export const MSR_PLATFORM_ID: u32 = 0x17;
export const MSR_APICBASE: u32 = 0x1B;
export const MSR_EBL_CR_POWERON: u32 = 0x2A;
export const MSR_BIOS_UPDT_TRIG: u32 = 0x79;
export const MSR_BIOS_SIGN: u32 = 0x8B;
export const MSR_SYSENTER_CS_ID: u32 = 0x174;
export const MSR_SYSENTER_ESP_ID: u32 = 0x175;
export const MSR_SYSENTER_EIP_ID: u32 = 0x176;
export const MSR_MCG_CAP: u32 = 0x179;
export const MSR_MCG_STATUS: u32 = 0x17A;
export const MSR_MISC_ENABLE_ID: u32 = 0x1A0;

/** Instructions retired before the one whose decoded record is `p`: ICOUNT is brought up to date after each
 *  block, so the instructions already run in the current block are added. */
export function retiredBefore(p: u32): u64 {
  const b = currentBlock; // blocks always run from their first record (translate/execute.ts)
  if (b == 0) return load<u64>(ICOUNT); // an uncached instruction: counted after it
  const first = INSNS + load<u32>(blockAddr(b - 1), B_FIRST) * INSN_SIZE;
  return load<u64>(ICOUNT) + (p >= first ? <u64>((p - first) / INSN_SIZE) : 0);
}

/** Virtual time (ns) at the instruction with record `p`: the clock (bus/clock.ts) counted to the instruction. */
// @ts-ignore: decorator
@inline function nowAt(p: u32): u64 { return clockAt(retiredBefore(p)); }

/** The time-stamp counter seen by the instruction with record `p`: a 1 GHz counter of the virtual clock, so it
 *  advances with instructions and with the host's time sync like every timer; it never returns the same value
 *  twice, even when the clock runs at less than 1 ns per instruction. */
export function readTsc(p: u32): u64 {
  let t = nowAt(p) + load<u64>(TSC_OFFSET);
  const last = load<u64>(TSC_LAST);
  if (t <= last) t = last + 1;
  store<u64>(TSC_LAST, t);
  return t;
}

/** RDMSR by the instruction with record `p`: the value, or raises #GP(0) (check `faulted`). */
export function readMsr(id: u32, p: u32): u64 {
  switch (id) {
    case MSR_TSC: return readTsc(p);
    case MSR_PLATFORM_ID: return 0;
    case MSR_APICBASE: return <u64>load<u32>(MSR_APIC_BASE);
    case MSR_EBL_CR_POWERON: return 0;
    case MSR_BIOS_SIGN: return load<u64>(MSR_BIOS_SIGN_ID);
    case MSR_SYSENTER_CS_ID: return <u64>load<u32>(MSR_SYSENTER_CS);
    case MSR_SYSENTER_ESP_ID: return <u64>load<u32>(MSR_SYSENTER_ESP);
    case MSR_SYSENTER_EIP_ID: return <u64>load<u32>(MSR_SYSENTER_EIP);
    case MSR_MCG_CAP: case MSR_MCG_STATUS: return 0;
    case MSR_MISC_ENABLE_ID: return <u64>load<u32>(MSR_MISC_ENABLE);
  }
  raiseGP(0);
  return 0;
}

/** WRMSR by the instruction with record `p`: raises #GP(0) for unknown MSRs. */
export function writeMsr(id: u32, v: u64, p: u32): void {
  switch (id) {
    case MSR_TSC: store<u64>(TSC_OFFSET, v - nowAt(p)); store<u64>(TSC_LAST, v - 1); return;
    case MSR_APICBASE: lapicWriteBaseMsr(<u32>v); return; // moves, enables or disables the APIC page
    case MSR_BIOS_UPDT_TRIG: return;
    case MSR_BIOS_SIGN: store<u64>(MSR_BIOS_SIGN_ID, v); return;
    case MSR_SYSENTER_CS_ID: store<u32>(MSR_SYSENTER_CS, <u32>v & 0xFFFF); return;
    case MSR_SYSENTER_ESP_ID: store<u32>(MSR_SYSENTER_ESP, <u32>v); return;
    case MSR_SYSENTER_EIP_ID: store<u32>(MSR_SYSENTER_EIP, <u32>v); return;
    case MSR_MCG_STATUS: return;
    case MSR_MISC_ENABLE_ID: store<u32>(MSR_MISC_ENABLE, <u32>v); return;
  }
  raiseGP(0);
}
