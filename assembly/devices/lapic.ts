// The local APIC of a uniprocessor P6-family machine (Intel SDM Vol. 3A ch. 10, "Advanced Programmable Interrupt
// Controller"; section numbers below are those of the SDM editions that call it chapter 10). One processor, so
// every IPI goes to this APIC or to nobody.
//
// State (DEV_LAPIC, 1 KiB): the register page image, one u32 per 16-byte register slot (offset >> 4), then the
// internal state that the page does not show:
//   +0x000 u32[64]  registers by slot: ID 02, VER 03, TPR 08, LDR 0D, DFR 0E, SVR 0F, ISR 10-17, TMR 18-1F,
//                   IRR 20-27, ESR 28 (the latched value), ICR 30/31, LVT 32-37, timer initial count 38,
//                   divide configuration 3E (APR, PPR, current count are computed when read)
//   +0x100 u64      TIMER_START: virtual ns at which the current count held the initial count (the counter is
//                   lazy: its value at time t follows from this, the initial count and the divider)
//   +0x108 u32      ERR_PENDING: errors detected since the last ESR write (SDM 10.5.3)
//   +0x10C u32      ERR_ARMED: 1 while a new error may raise the error interrupt (a write to the ESR re-arms it)
//   +0x110 u32      MAPPED: physical page of the register page now mapped (NO_PAGE when none)
//   +0x114 u32      FIRED: the one-shot timer has counted down to 0 (no interrupt until a new initial count)
//   +0x118 u32      LINT0: last level seen on LINT0 (the 8259 pair's INT output), for edge detection
//   +0x11C u32      EXTINT: an ExtINT message from the I/O APIC waits for the 8259 acknowledge
//
// Timer clock: the APIC timer counts the processor's bus clock divided by the divide configuration register
// (SDM 10.5.4). This machine's bus clock is 100 MHz: one count every 10 ns x divider (1..128).
//
// Known gaps: SMI, INIT and start-up IPIs and LVT entries are accepted and ignored (no SMM, no other processors,
// INIT of the only processor is not modelled); LINT1 has no source on this board; the performance-counter LVT
// never fires (no performance counters); reads of the current count see virtual time at the start of the
// running block (bus/clock.ts).
import { DEV_LAPIC, MSR_APIC_BASE, NMI_PENDING, INTR_LINE, MEM_SIZE, PT_RAM, PT_ROM, PT_UNMAPPED } from "../layout";
import { clockNow, NEVER } from "../bus/clock";
import { timerSet, TIMER_LAPIC } from "../bus/timers";
import { intrUpdate } from "../bus/intc";
import { mapMmio, romMapped, setPageTypes } from "../bus/physmem";
import { MMIO_LAPIC } from "../bus/mmio";
import { tlbFlushAll } from "../cpu/paging";
import { requestStop } from "../cpu/fault";
import { setCpuidApic } from "../cpu/cpuid";
import { ioapicEoi } from "./ioapic";

// register slots (offset >> 4; SDM 10.4.1 table 10-1 "Local APIC Register Address Map")
const R_ID: u32 = 0x02;
const R_VERSION: u32 = 0x03;
const R_TPR: u32 = 0x08;
const R_APR: u32 = 0x09;
const R_PPR: u32 = 0x0A;
const R_EOI: u32 = 0x0B;
const R_RRD: u32 = 0x0C;
const R_LDR: u32 = 0x0D;
const R_DFR: u32 = 0x0E;
const R_SVR: u32 = 0x0F;
const R_ISR: u32 = 0x10;
const R_TMR: u32 = 0x18;
const R_IRR: u32 = 0x20;
const R_ESR: u32 = 0x28;
const R_ICR_LO: u32 = 0x30;
const R_ICR_HI: u32 = 0x31;
const R_LVT_TIMER: u32 = 0x32;
const R_LVT_THERMAL: u32 = 0x33; // not on P6 (max LVT entry 4): a reserved address here
const R_LVT_PERF: u32 = 0x34;
const R_LVT_LINT0: u32 = 0x35;
const R_LVT_LINT1: u32 = 0x36;
const R_LVT_ERROR: u32 = 0x37;
const R_TIMER_INITIAL: u32 = 0x38;
const R_TIMER_CURRENT: u32 = 0x39;
const R_TIMER_DIVIDE: u32 = 0x3E;

const TIMER_START: u32 = 0x100;
const ERR_PENDING: u32 = 0x108;
const ERR_ARMED: u32 = 0x10C;
const MAPPED: u32 = 0x110;
const FIRED: u32 = 0x114;
const LINT0_LEVEL: u32 = 0x118;
const EXTINT: u32 = 0x11C;
const NO_PAGE: u32 = 0xFFFFFFFF;

/** Version register: an integrated APIC (10h-15h), version 11h, max LVT entry 4 = five LVT entries (timer,
 *  performance counter, LINT0, LINT1, error) as the P6 family has (SDM 10.4.8, figure 10-7). */
export const LAPIC_VERSION: u32 = 0x00040011;
/** The bus clock that drives the timer (SDM 10.5.4): 100 MHz, 10 ns per count before the divider. */
export const LAPIC_BUS_NS: u64 = 10;
export const APIC_BASE_DEFAULT: u32 = 0xFEE00000;
const APIC_BASE_BSP: u32 = 1 << 8; // IA32_APIC_BASE bits (SDM 10.4.4, figure 10-5)
const APIC_BASE_ENABLE: u32 = 1 << 11;

// LVT and ICR fields (SDM 10.5.1 figure 10-8, 10.6.1 figure 10-12)
const LVT_MASK: u32 = 1 << 16;
const LVT_LEVEL: u32 = 1 << 15;
const LVT_REMOTE_IRR: u32 = 1 << 14;
const LVT_POLARITY_LOW: u32 = 1 << 13;
const TIMER_PERIODIC: u32 = 1 << 17;
const SVR_ENABLE: u32 = 1 << 8;
export const DM_FIXED: u32 = 0;
export const DM_LOWEST: u32 = 1;
export const DM_SMI: u32 = 2;
export const DM_NMI: u32 = 4;
export const DM_INIT: u32 = 5;
export const DM_STARTUP: u32 = 6;
export const DM_EXTINT: u32 = 7;
// ESR bits of the P6 family (SDM 10.5.3, figure 10-9)
const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

// Writable bits per LVT entry on the P6 (figure 10-8): delivery status and remote IRR are read-only
const LVT_TIMER_BITS: u32 = 0x000300FF; // vector, mask, periodic
const LVT_PERF_BITS: u32 = 0x000107FF; // vector, delivery mode, mask
const LVT_LINT_BITS: u32 = 0x0001A7FF; // vector, delivery mode, polarity, trigger, mask
const LVT_ERROR_BITS: u32 = 0x000100FF; // vector, mask

// @ts-ignore: decorator
@inline function reg(slot: u32): u32 { return load<u32>(DEV_LAPIC + (slot << 2)); }
// @ts-ignore: decorator
@inline function setReg(slot: u32, v: u32): void { store<u32>(DEV_LAPIC + (slot << 2), v); }
// @ts-ignore: decorator
@inline function field(off: u32): u32 { return load<u32>(DEV_LAPIC + off); }
// @ts-ignore: decorator
@inline function setField(off: u32, v: u32): void { store<u32>(DEV_LAPIC + off, v); }

// ---- 256-bit vector sets (ISR, TMR, IRR: eight 32-bit registers each, SDM 10.8.4) ---------------------------
function bitSet(base: u32, v: u32): void { setReg(base + (v >> 5), reg(base + (v >> 5)) | (1 << (v & 31))); }
function bitClear(base: u32, v: u32): void { setReg(base + (v >> 5), reg(base + (v >> 5)) & ~(1 << (v & 31))); }
function bitTest(base: u32, v: u32): bool { return (reg(base + (v >> 5)) & (1 << (v & 31))) != 0; }
/** The highest vector set, or -1. */
function highest(base: u32): i32 {
  for (let i: i32 = 7; i >= 0; i--) {
    const w = reg(base + <u32>i);
    if (w != 0) return (i << 5) + 31 - <i32>clz(w);
  }
  return -1;
}

// ---- enable state ---------------------------------------------------------------------------------------------
/** IA32_APIC_BASE[11]: the APIC exists for software (SDM 10.4.3). */
export function lapicGloballyEnabled(): bool { return (load<u32>(MSR_APIC_BASE) & APIC_BASE_ENABLE) != 0; }
/** Globally enabled and SVR bit 8 set. */
function softwareEnabled(): bool { return lapicGloballyEnabled() && (reg(R_SVR) & SVR_ENABLE) != 0; }

// ---- power-up state and the register page ---------------------------------------------------------------------

/** Power-up or RESET (SDM 10.4.7.1): IRR, ISR, TMR, ICR, LDR, TPR, timer counts and divider 0; DFR all ones; LVT
 *  entries masked; SVR 0FFh (software disabled); APIC ID 0 (the only processor, the BSP); IA32_APIC_BASE =
 *  FEE00000h with the BSP and global enable bits (SDM 10.4.4). */
export function lapicReset(): void {
  if (load<u32>(MSR_APIC_BASE) == 0) setField(MAPPED, NO_PAGE); // the first reset after init: nothing mapped yet
  clearRegisters();
  setCpuidApic(true); // CPUID.1:EDX bit 9 follows the global enable (SDM 10.4.2)
  mapPage(APIC_BASE_DEFAULT | APIC_BASE_BSP | APIC_BASE_ENABLE);
  intrUpdate();
}

function clearRegisters(): void {
  memory.fill(DEV_LAPIC, 0, 0x100);
  setReg(R_ID, 0);
  setReg(R_VERSION, LAPIC_VERSION);
  setReg(R_DFR, 0xFFFFFFFF);
  setReg(R_SVR, 0xFF);
  for (let s = R_LVT_TIMER; s <= R_LVT_ERROR; s++) setReg(s, LVT_MASK);
  setReg(R_LVT_THERMAL, 0);
  store<u64>(DEV_LAPIC + TIMER_START, 0);
  setField(ERR_PENDING, 0);
  setField(ERR_ARMED, 1);
  setField(FIRED, 0);
  setField(LINT0_LEVEL, 0);
  setField(EXTINT, 0);
  timerSet(TIMER_LAPIC, NEVER);
}

/** What the page at `page` is when the APIC does not cover it: RAM below the top of memory, a ROM window, or
 *  nothing. */
function pageUnderneath(page: u32): u8 {
  if (page < load<u32>(MEM_SIZE)) return PT_RAM;
  if (romMapped(page)) return PT_ROM;
  return PT_UNMAPPED;
}

/** Set IA32_APIC_BASE and move the register page to where it says (nowhere while globally disabled). */
function mapPage(msr: u32): void {
  store<u32>(MSR_APIC_BASE, msr);
  const old = field(MAPPED);
  const page = (msr & APIC_BASE_ENABLE) != 0 ? msr & 0xFFFFF000 : NO_PAGE;
  if (old == page) return;
  if (old != NO_PAGE) setPageTypes(old, 0x1000, pageUnderneath(old));
  if (page != NO_PAGE) mapMmio(page, 0x1000, <u8>MMIO_LAPIC);
  setField(MAPPED, page);
  tlbFlushAll(); // TLB entries may point at RAM that the APIC now covers, or at the APIC page that moved
}

/**
 * WRMSR IA32_APIC_BASE (cpu/msr.ts). The BSP bit is read-only; bits 12-31 move the register page; clearing
 * the global enable bit (bit 11) makes the processor one without an APIC (SDM 10.4.3): the page is unmapped,
 * CPUID.1:EDX.APIC reads 0 and the APIC returns to its power-up state (which the SDM allows: "prior
 * initialization to the APIC may be lost"). Setting it again re-enables it, as FSB-based processors allow
 * (a P6's 3-wire APIC bus would need a RESET; there is no bus to lose track of here).
 */
export function lapicWriteBaseMsr(v: u32): void {
  const msr = (v & 0xFFFFF800) | APIC_BASE_BSP;
  const wasEnabled = lapicGloballyEnabled();
  const enable = (msr & APIC_BASE_ENABLE) != 0;
  if (wasEnabled && !enable) clearRegisters();
  setCpuidApic(enable);
  mapPage(msr);
  intrUpdate();
}

// ---- priorities (SDM 10.8.3.1, 10.8.3.2) ----------------------------------------------------------------------

function ppr(): u32 {
  const tpr = reg(R_TPR) & 0xFF;
  const isrv = highest(R_ISR);
  const isrClass: u32 = isrv < 0 ? 0 : (<u32>isrv) & 0xF0;
  return (tpr & 0xF0) >= isrClass ? tpr : isrClass;
}

function apr(): u32 {
  const tpr = reg(R_TPR) & 0xFF;
  const isrv = highest(R_ISR), irrv = highest(R_IRR);
  const isrClass: u32 = isrv < 0 ? 0 : (<u32>isrv) & 0xF0, irrClass: u32 = irrv < 0 ? 0 : (<u32>irrv) & 0xF0;
  if ((tpr & 0xF0) >= irrClass && (tpr & 0xF0) > isrClass) return tpr;
  let m = tpr & 0xF0;
  if (isrClass > m) m = isrClass;
  if (irrClass > m) m = irrClass;
  return m;
}

/** The vector the APIC would give the processor now, or -1: the highest IRR whose priority class is above the
 *  processor priority class (SDM 10.8.3.1). */
function deliverable(): i32 {
  if (!lapicGloballyEnabled()) return -1;
  const v = highest(R_IRR);
  if (v < 0 || ((<u32>v) & 0xF0) <= (ppr() & 0xF0)) return -1;
  return v;
}

// ---- interrupt acceptance ------------------------------------------------------------------------------------

/** Record an error (SDM 10.5.3); the first error after an ESR write raises the error interrupt. */
function error(bits: u32): void {
  setField(ERR_PENDING, field(ERR_PENDING) | bits);
  if (field(ERR_ARMED) == 0) return;
  setField(ERR_ARMED, 0);
  const lvt = reg(R_LVT_ERROR);
  if ((lvt & LVT_MASK) == 0) acceptFixed(lvt & 0xFF, false);
}

/** A fixed interrupt arrives: vectors 0-15 are illegal (SDM 10.5.2) and a software-disabled APIC takes none
 *  (SDM 10.4.7.2: it still responds to NMI, INIT, SMI, SIPI). The TMR records the trigger mode (SDM 10.8.4).
 *  Returns whether the IRR took it. */
function acceptFixed(vector: u32, level: bool): bool {
  vector &= 0xFF;
  if (!softwareEnabled()) return false;
  if (vector < 16) { error(ESR_RECEIVE_ILLEGAL_VECTOR); return false; }
  bitSet(R_IRR, vector);
  if (level) bitSet(R_TMR, vector); else bitClear(R_TMR, vector);
  return true;
}

/**
 * An interrupt message for this APIC (from the I/O APIC or an IPI to self): `mode` is the delivery mode, `level`
 * the trigger mode. Returns whether it was accepted (the I/O APIC then sets remote IRR for a level interrupt).
 * The caller updates INTR (intrUpdate).
 */
export function lapicAccept(vector: u32, mode: u32, level: bool): bool {
  if (!lapicGloballyEnabled()) return false;
  switch (mode) {
    case DM_FIXED: case DM_LOWEST: return acceptFixed(vector, level);
    case DM_NMI: store<u32>(NMI_PENDING, 1); return true;
    case DM_EXTINT: setField(EXTINT, 1); return true;
    default: return true; // SMI, INIT, start-up: not modelled (see the header)
  }
}

/** Does a message with destination `dest` in mode `logical` address this APIC (SDM 10.6.2)? Physical: the 4-bit
 *  P6 APIC ID, 0Fh (or FFh) broadcasts. Logical: flat model ANDs the LDR's 8 bits, cluster model compares the
 *  cluster (FFh broadcasts) and ANDs the low 4 bits. */
export function lapicMatches(dest: u32, logical: bool): bool {
  dest &= 0xFF;
  if (!logical) {
    const d = dest & 0x0F;
    return d == 0x0F || d == ((reg(R_ID) >> 24) & 0x0F);
  }
  const ldr = reg(R_LDR) >> 24;
  if ((reg(R_DFR) >>> 28) == 0xF) return (dest & ldr) != 0;
  if (dest == 0xFF) return (ldr & 0x0F) != 0;
  return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0x0F) != 0;
}

// ---- the processor side: INTR and the acknowledge cycle (bus/intc.ts) ----------------------------------------

/** LINT0 ExtINT routing: the 8259's INT reaches INTR through LINT0 when the LVT entry is unmasked with delivery
 *  mode ExtINT (SDM 10.5.1, "virtual wire" of the MP specification), or straight when the APIC is globally
 *  disabled (SDM 10.4.3: a processor without APIC), or while the APIC has not been software-enabled (assumption:
 *  the power-up state has every LVT masked, yet a PC runs the BIOS and DOS on the 8259 before anything programs
 *  the APIC; QEMU gets there by resetting LINT0 to ExtINT, Bochs by wiring the 8259 to INTR). */
export function lapicPassesPic(): bool {
  if (!softwareEnabled()) return true;
  const lint0 = reg(R_LVT_LINT0);
  return (lint0 & LVT_MASK) == 0 && ((lint0 >> 8) & 7) == DM_EXTINT;
}

/** An ExtINT message from the I/O APIC waits for its acknowledge (the vector comes from the 8259). */
export function lapicExtIntPending(): bool { return field(EXTINT) != 0; }
export function lapicExtIntAcknowledged(): void { setField(EXTINT, 0); }

/** Is there a fixed interrupt for the processor? */
export function lapicIntr(): bool { return deliverable() >= 0; }

/** The acknowledge cycle for the APIC: the highest deliverable IRR moves to the ISR; if the interrupt went away
 *  (TPR raised, nothing left), the spurious vector and no ISR bit (SDM 10.9). */
export function lapicAcknowledge(): u32 {
  const v = deliverable();
  if (v < 0) return reg(R_SVR) & 0xFF;
  bitClear(R_IRR, <u32>v);
  bitSet(R_ISR, <u32>v);
  return <u32>v;
}

/** The level of LINT0 (the 8259 pair's INT output) changed, for LVT LINT0 in fixed or NMI mode (SDM 10.5.1): NMI
 *  and edge-triggered fixed take the rising edge; level-triggered fixed takes the line while it is high and
 *  remote IRR is clear. ExtINT needs nothing here (lapicPassesPic). Called by intrUpdate, which then reads
 *  lapicIntr. */
export function lapicLint0(high: bool): void {
  const was = field(LINT0_LEVEL) != 0;
  setField(LINT0_LEVEL, high ? 1 : 0);
  lintInput(R_LVT_LINT0, high, was);
}

function lintInput(slot: u32, line: bool, was: bool): void {
  const lvt = reg(slot);
  if (!softwareEnabled() || (lvt & LVT_MASK) != 0) return;
  const low = (lvt & LVT_POLARITY_LOW) != 0;
  const on = line != low, before = was != low;
  const mode = (lvt >> 8) & 7;
  if (mode == DM_NMI) { if (on && !before) store<u32>(NMI_PENDING, 1); return; }
  if (mode != DM_FIXED) return;
  if ((lvt & LVT_LEVEL) != 0) {
    if (on && (lvt & LVT_REMOTE_IRR) == 0 && acceptFixed(lvt & 0xFF, true)) setReg(slot, lvt | LVT_REMOTE_IRR);
  } else if (on && !before) {
    acceptFixed(lvt & 0xFF, false);
  }
}

// ---- EOI ------------------------------------------------------------------------------------------------------

/** EOI (SDM 10.8.5): the highest in-service vector ends; a level-triggered one (TMR set) sends an EOI message to
 *  the I/O APIC and clears remote IRR of a LINT entry with that vector. */
function eoi(): void {
  const v = highest(R_ISR);
  if (v < 0) return;
  bitClear(R_ISR, <u32>v);
  if (!bitTest(R_TMR, <u32>v)) return;
  bitClear(R_TMR, <u32>v);
  for (let s = R_LVT_LINT0; s <= R_LVT_LINT1; s++) {
    const lvt = reg(s);
    if ((lvt & LVT_REMOTE_IRR) != 0 && (lvt & 0xFF) == <u32>v) setReg(s, lvt & ~LVT_REMOTE_IRR);
  }
  // a level-triggered LINT0 still high is taken again
  lintInput(R_LVT_LINT0, field(LINT0_LEVEL) != 0, false);
  ioapicEoi(<u32>v);
}

// ---- interprocessor interrupts (SDM 10.6.1) ----------------------------------------------------------------------

/** A write to ICR low sends the IPI. Shorthand 01 self, 10 all including self, 11 all excluding self (nobody
 *  else here), 00 the destination field. Fixed IPIs with vectors 0-15 are a send error (SDM 10.5.3: "send
 *  illegal vector", the write to the ICR; Bochs reports "receive illegal vector" instead). Delivery
 *  is immediate, so the delivery status bit (12) always reads idle. */
function sendIpi(icr: u32): void {
  const vector = icr & 0xFF, mode = (icr >> 8) & 7, shorthand = (icr >> 18) & 3;
  const level = (icr & LVT_LEVEL) != 0;
  if ((mode == DM_FIXED || mode == DM_LOWEST) && vector < 16) { error(ESR_SEND_ILLEGAL_VECTOR); return; }
  // the self shorthand is valid with fixed delivery only (SDM 10.6.1, tables 10-3 and 10-4: P6 and later); Bochs
  // ignores the other modes too
  if (shorthand == 1 && mode != DM_FIXED) return;
  let toSelf: bool;
  if (shorthand == 1 || shorthand == 2) toSelf = true;
  else if (shorthand == 3) toSelf = false;
  else toSelf = lapicMatches(reg(R_ICR_HI) >> 24, (icr & (1 << 11)) != 0);
  if (!toSelf) return;
  if (mode == DM_INIT || mode == DM_STARTUP || mode == DM_SMI || mode == DM_EXTINT) return; // see the header
  if (mode == DM_NMI) { store<u32>(NMI_PENDING, 1); return; }
  acceptFixed(vector, level); // the trigger mode bit goes to the TMR like any accepted interrupt's
}

// ---- the timer (SDM 10.5.4) ---------------------------------------------------------------------------------------

/** ns per timer count: the bus clock times the divider (divide configuration bits 0, 1, 3: 000 = 2 ... 110 =
 *  128, 111 = 1; SDM figure 10-10). */
function tickNs(): u64 {
  const d = reg(R_TIMER_DIVIDE);
  const code = (d & 3) | ((d >> 1) & 4);
  return code == 7 ? LAPIC_BUS_NS : LAPIC_BUS_NS << (<u64>code + 1);
}

function timerStart(): u64 { return load<u64>(DEV_LAPIC + TIMER_START); }

/** The current-count register at `now`: counts down from the initial count once per tick; a one-shot timer
 *  stays at 0, a periodic one reloads the initial count (SDM 10.5.4). 0 while no count is loaded. */
function currentCount(now: u64): u32 {
  const n = <u64>reg(R_TIMER_INITIAL);
  if (n == 0) return 0;
  const start = timerStart();
  const ticks = now > start ? (now - start) / tickNs() : 0;
  if ((reg(R_LVT_TIMER) & TIMER_PERIODIC) != 0) return <u32>(n - ticks % n);
  return ticks >= n ? 0 : <u32>(n - ticks);
}

/** Arm TIMER_LAPIC at the next time the count reaches 0: a one-shot that has not fired yet, or the next period
 *  end after `now` of an unmasked periodic timer (a masked periodic timer is re-armed when unmasked). */
function timerArm(now: u64): void {
  const n = <u64>reg(R_TIMER_INITIAL);
  const lvt = reg(R_LVT_TIMER);
  if (n == 0) { timerSet(TIMER_LAPIC, NEVER); return; }
  const period = n * tickNs(), start = timerStart();
  if ((lvt & TIMER_PERIODIC) == 0) {
    timerSet(TIMER_LAPIC, field(FIRED) != 0 ? NEVER : start + period);
  } else if ((lvt & LVT_MASK) != 0) {
    timerSet(TIMER_LAPIC, NEVER);
  } else {
    const done = now > start ? (now - start) / period : 0;
    timerSet(TIMER_LAPIC, start + (done + 1) * period);
  }
}

/** TIMER_LAPIC fired at `now`: the count reached 0. The timer interrupt is edge-triggered and goes to the IRR
 *  unless the LVT entry is masked (the count goes on either way). */
export function lapicTimer(now: u64): void {
  const lvt = reg(R_LVT_TIMER);
  if ((lvt & TIMER_PERIODIC) == 0) setField(FIRED, 1);
  if ((lvt & LVT_MASK) == 0 && reg(R_TIMER_INITIAL) != 0) acceptFixed(lvt & 0xFF, false);
  // periodic: the next period end after the present (a long skip of the clock collapses into one interrupt,
  // as the IRR bit would hold them anyway)
  const t = clockNow();
  timerArm(t > now ? t : now);
  intrUpdate();
}

// ---- register access ---------------------------------------------------------------------------------------------

function validSlot(slot: u32): bool {
  return slot == R_ID || slot == R_VERSION || (slot >= R_TPR && slot <= R_ESR) || (slot >= R_ICR_LO && slot <= R_TIMER_CURRENT
    && slot != R_LVT_THERMAL) || slot == R_TIMER_DIVIDE;
}

function readSlot(slot: u32): u32 {
  switch (slot) {
    case R_APR: return apr();
    case R_PPR: return ppr();
    case R_EOI: case R_RRD: return 0; // write-only; remote read is not supported by this APIC
    case R_TIMER_CURRENT: return currentCount(clockNow());
    case R_LDR: return reg(R_LDR) & 0xFF000000;
    default: return reg(slot);
  }
}

/** MMIO read of the register page (SDM 10.4.1: registers are 32 bits at 16-byte-aligned offsets; narrower reads
 *  see the bytes of the register, bytes 4-15 of a slot read 0). */
export function lapicRead(phys: u32, size: u32): u32 {
  const off = phys & 0xFFF, slot = off >> 4, sub = off & 15;
  if (off >= 0x400 || !validSlot(slot)) { error(ESR_ILLEGAL_REGISTER); intrUpdate(); return 0; }
  if (sub >= 4) return 0;
  const v = readSlot(slot) >>> (sub << 3);
  return size >= 4 ? v : v & ((1 << (size << 3)) - 1);
}

/** MMIO write. A narrower write changes its bytes of the register (model specific in the SDM; the whole register
 *  is then written). */
export function lapicWrite(phys: u32, v: u32, size: u32): void {
  const off = phys & 0xFFF, slot = off >> 4, sub = off & 15;
  if (off >= 0x400 || !validSlot(slot)) { error(ESR_ILLEGAL_REGISTER); intrUpdate(); return; }
  if (sub >= 4) return;
  if (size < 4 || sub != 0) {
    const mask: u32 = (size >= 4 ? 0xFFFFFFFF : ((1 << (size << 3)) - 1)) << (sub << 3);
    v = (reg(slot) & ~mask) | ((v << (sub << 3)) & mask);
  }
  writeSlot(slot, v);
  intrUpdate();
  // an interrupt this write made pending (self IPI, EOI, TPR) is taken after this instruction, not at the end of
  // the running block
  if (load<u32>(INTR_LINE) != 0 || load<u32>(NMI_PENDING) != 0) requestStop();
}

function writeLvt(slot: u32, v: u32, bits: u32): void {
  if (!softwareEnabled()) v |= LVT_MASK; // SDM 10.4.7.2: the mask bits cannot be cleared while software-disabled
  setReg(slot, (reg(slot) & ~bits) | (v & bits));
}

function writeSlot(slot: u32, v: u32): void {
  const now = clockNow();
  switch (slot) {
    case R_ID: setReg(R_ID, v & 0x0F000000); break; // P6: a 4-bit APIC ID in bits 27-24 (SDM 10.4.6)
    case R_TPR: setReg(R_TPR, v & 0xFF); break;
    case R_EOI: eoi(); break;
    case R_LDR: setReg(R_LDR, v & 0xFF000000); break;
    case R_DFR: setReg(R_DFR, v | 0x0FFFFFFF); break; // bits 27-0 read as ones
    case R_SVR: {
      // P6: bits 0-3 of the spurious vector are hardwired to 1 (SDM 10.9); bit 9 focus checking
      setReg(R_SVR, (v & 0x3F0) | 0x0F);
      if ((v & SVR_ENABLE) == 0) {
        for (let s = R_LVT_TIMER; s <= R_LVT_ERROR; s++) if (s != R_LVT_THERMAL) setReg(s, reg(s) | LVT_MASK);
        timerArm(now);
      }
      break;
    }
    case R_ESR: // latch the errors since the last write, clear them, re-arm the error interrupt (SDM 10.5.3)
      setReg(R_ESR, field(ERR_PENDING));
      setField(ERR_PENDING, 0);
      setField(ERR_ARMED, 1);
      break;
    case R_ICR_LO: setReg(R_ICR_LO, v & 0x000CCFFF); sendIpi(v); break;
    case R_ICR_HI: setReg(R_ICR_HI, v & 0xFF000000); break;
    case R_LVT_TIMER: {
      // changing the mode keeps the count where it is: re-base the start so the current count is unchanged
      const before = currentCount(now);
      writeLvt(R_LVT_TIMER, v, LVT_TIMER_BITS);
      rebaseTimer(now, before);
      timerArm(now);
      break;
    }
    case R_LVT_PERF: writeLvt(slot, v, LVT_PERF_BITS); break;
    case R_LVT_LINT0: case R_LVT_LINT1: writeLvt(slot, v, LVT_LINT_BITS); break;
    case R_LVT_ERROR: writeLvt(slot, v, LVT_ERROR_BITS); break;
    case R_TIMER_INITIAL: // a write (re)starts the count from the new value (SDM 10.5.4); 0 stops the timer
      setReg(R_TIMER_INITIAL, v);
      store<u64>(DEV_LAPIC + TIMER_START, now);
      setField(FIRED, 0);
      timerArm(now);
      break;
    case R_TIMER_DIVIDE: {
      const before = currentCount(now);
      setReg(R_TIMER_DIVIDE, v & 0xB);
      rebaseTimer(now, before);
      timerArm(now);
      break;
    }
    default: break; // VERSION, APR, PPR, RRD, ISR, TMR, IRR, current count: read-only
  }
}

/** Keep the current count `count` at `now` after the divider or mode changed: the count continues from there at
 *  the new rate (a change mid-tick restarts the tick). */
function rebaseTimer(now: u64, count: u32): void {
  const n = reg(R_TIMER_INITIAL);
  if (n == 0 || count == 0) return; // stopped, or a one-shot at 0 stays there
  store<u64>(DEV_LAPIC + TIMER_START, now - <u64>(n - count) * tickNs());
}

// ---- test helpers -----------------------------------------------------------------------------------------------
/** The in-service vector that an EOI would end (-1: none), for tests and the debugger. */
export function lapicHighestIsr(): i32 { return highest(R_ISR); }
