// Processor reset (SDM Vol. 3A 9.1.1, table 9-1): the state after RESET or INIT.
import {
  REGS, EIP, EFLAGS, LF_MASK, CR0, CR2, CR3, CR4, DR, GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT, LDTR_SEL,
  LDTR_BASE, LDTR_LIMIT, LDTR_ACCESS, TR_SEL, TR_BASE, TR_LIMIT, TR_ACCESS, HALTED, INT_SHADOW, NMI_PENDING,
  NMI_MASKED, DEBUG_PENDING, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, RESET_COUNT, SEG_BASE, SEG_SEL,
} from "../layout";
import { CS, R_EDX, SEG_FLAT } from "./state";
import { setSegment, setCpl, updateMode, updateAllSegChecks } from "./segments";
import { tlbFlushAll } from "./paging";
import { CPUID_SIGNATURE } from "./cpuid";
import { fpuReset } from "./fpu/fpu";
import { clearFault } from "./fault";
import { flushBlockCache } from "../translate/blocks";
import { updateBreakpoints } from "./debug";
import { lapicReset } from "../devices/lapic";

export function resetCpu(): void {
  memory.fill(REGS, 0, 32);
  store<u32>(REGS + R_EDX, CPUID_SIGNATURE);
  store<u32>(EFLAGS, 2);
  store<u32>(LF_MASK, 0);
  store<u32>(CR0, 0x60000010);
  store<u32>(CR2, 0);
  store<u32>(CR3, 0);
  store<u32>(CR4, 0);
  memory.fill(DR, 0, 32);
  store<u32>(DR + 24, 0xFFFF0FF0);
  store<u32>(DR + 28, 0x400);
  store<u32>(DEBUG_PENDING, 0);
  updateBreakpoints();
  store<u32>(GDTR_BASE, 0); store<u32>(GDTR_LIMIT, 0xFFFF);
  store<u32>(IDTR_BASE, 0); store<u32>(IDTR_LIMIT, 0xFFFF);
  store<u32>(LDTR_SEL, 0); store<u32>(LDTR_BASE, 0); store<u32>(LDTR_LIMIT, 0xFFFF); store<u32>(LDTR_ACCESS, 0x82);
  store<u32>(TR_SEL, 0); store<u32>(TR_BASE, 0); store<u32>(TR_LIMIT, 0xFFFF); store<u32>(TR_ACCESS, 0x8B);
  store<u32>(HALTED, 0);
  store<u32>(INT_SHADOW, 0);
  store<u32>(NMI_PENDING, 0);
  store<u32>(NMI_MASKED, 0);
  store<u32>(MSR_SYSENTER_CS, 0);
  store<u32>(MSR_SYSENTER_ESP, 0);
  store<u32>(MSR_SYSENTER_EIP, 0);
  lapicReset(); // IA32_APIC_BASE = FEE00900h and the local APIC's power-up state (SDM 10.4.7.1)
  setCpl(0);
  for (let s = 0; s < 6; s++) setSegment(s, 0, 0, 0xFFFF, 0x93, true);
  setSegment(CS, 0xF000, 0xFFFF0000, 0xFFFF, 0x9B, true);
  setSegment(SEG_FLAT, 0, 0, 0xFFFFFFFF, 0x93, true);
  store<u32>(EIP, 0xFFF0);
  fpuReset();
  updateMode();
  updateAllSegChecks();
  tlbFlushAll();
  flushBlockCache();
  clearFault();
  store<u32>(RESET_COUNT, load<u32>(RESET_COUNT) + 1);
}

