// CPUID: a GenuineIntel family-6 processor (Pentium II class). Feature bits advertise exactly what this core
// implements: FPU, VME, DE, PSE, TSC, MSR, CX8, SEP, PGE, CMOV, FXSR. Not yet: PAE, MCE, APIC (set by the
// platform when a local APIC exists), MTRR, MCA, PAT, PSE-36, MMX, SSE.
import { REGS } from "../layout";
import { R_EAX, R_EBX, R_ECX, R_EDX } from "./state";

export const FEAT_FPU: u32 = 1 << 0;
export const FEAT_VME: u32 = 1 << 1; // CR4.VME and CR4.PVI (v86.ts)
export const FEAT_DE: u32 = 1 << 2; // debugging extensions: CR4.DE, I/O breakpoints (cpu/debug.ts)
export const FEAT_PSE: u32 = 1 << 3;
export const FEAT_TSC: u32 = 1 << 4;
export const FEAT_MSR: u32 = 1 << 5;
export const FEAT_CX8: u32 = 1 << 8;
export const FEAT_APIC: u32 = 1 << 9;
export const FEAT_SEP: u32 = 1 << 11;
export const FEAT_PGE: u32 = 1 << 13;
export const FEAT_CMOV: u32 = 1 << 15;
export const FEAT_FXSR: u32 = 1 << 24;

/** Feature bits in CPUID.1:EDX. The platform may add FEAT_APIC. */
export let cpuidFeatures: u32 = FEAT_FPU | FEAT_VME | FEAT_DE | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 | FEAT_SEP | FEAT_PGE | FEAT_CMOV | FEAT_FXSR;
export function setCpuidApic(on: bool): void {
  cpuidFeatures = on ? cpuidFeatures | FEAT_APIC : cpuidFeatures & ~FEAT_APIC;
}

export const CPUID_SIGNATURE: u32 = 0x00000652; // family 6, model 5, stepping 2

export function cpuid(): void {
  let leaf = load<u32>(REGS + R_EAX);
  if (leaf > 2 && leaf < 0x80000000) leaf = 2; // beyond the maximum: the highest basic leaf
  let a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0;
  switch (leaf) {
    case 0:
      a = 2;
      b = 0x756E6547; // "Genu"
      d = 0x49656E69; // "ineI"
      c = 0x6C65746E; // "ntel"
      break;
    case 1:
      a = CPUID_SIGNATURE;
      d = cpuidFeatures;
      break;
    case 2: // cache and TLB descriptors of a Pentium II
      a = 0x03020101;
      d = 0x0C040843;
      break;
    case 0x80000000:
      a = 0; // no extended leaves (as early P6 parts)
      break;
    default:
      break;
  }
  store<u32>(REGS + R_EAX, a);
  store<u32>(REGS + R_EBX, b);
  store<u32>(REGS + R_ECX, c);
  store<u32>(REGS + R_EDX, d);
}
