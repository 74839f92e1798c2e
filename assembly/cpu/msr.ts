// Model-specific registers (RDMSR/WRMSR). Unknown MSRs raise #GP(0) as on real hardware.
import {
  ICOUNT, TSC_OFFSET, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_APIC_BASE, MSR_MISC_ENABLE,
  MSR_BIOS_SIGN_ID,
} from "../layout";
import { raiseGP } from "./fault";

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

/** The time-stamp counter: instructions executed plus an offset (virtual time). */
export function readTsc(): u64 { return load<u64>(ICOUNT) + load<u64>(TSC_OFFSET); }

/** RDMSR: the value, or raises #GP(0) (check `faulted`). */
export function readMsr(id: u32): u64 {
  switch (id) {
    case MSR_TSC: return readTsc();
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

/** WRMSR: raises #GP(0) for unknown MSRs. */
export function writeMsr(id: u32, v: u64): void {
  switch (id) {
    case MSR_TSC: store<u64>(TSC_OFFSET, v - load<u64>(ICOUNT)); return;
    case MSR_APICBASE: store<u32>(MSR_APIC_BASE, <u32>v & 0xFFFFF900); return;
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
