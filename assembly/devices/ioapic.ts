// The I/O APIC at FEC00000h (Intel 82093AA I/O Advanced Programmable Interrupt Controller datasheet, as on PIIX3
// boards): 24 interrupt input pins, each with a 64-bit redirection entry that turns the pin into an interrupt
// message for the local APIC (devices/lapic.ts, the only processor).
//
// Wiring (bus/intc.ts setIsaIrq): ISA IRQ n drives pin n, except IRQ 0 (the 8254), which drives pin 2, as the MP
// table and the ACPI MADT interrupt source override of SeaBIOS describe the board. Pins 16-23 and pin 0 have no
// source here (known gap: pin 0 is not connected to the 8259's INT output, so "virtual wire through the I/O
// APIC" does not work; the local APIC's LINT0 virtual wire does).
//
// State (DEV_IOAPIC, 256 bytes):
//   +0x00 u32      IOREGSEL (bits 7-0)
//   +0x04 u32      IOAPICID (bits 27-24)
//   +0x08 u32      input pin levels, bit n = pin n high (as driven; polarity is applied when it is read)
//   +0x10 u64[24]  redirection table entries
import { DEV_IOAPIC, INTR_LINE, NMI_PENDING } from "../layout";
import { requestStop } from "../cpu/fault";
import { intrUpdate } from "../bus/intc";
import { mapMmio } from "../bus/physmem";
import { MMIO_IOAPIC } from "../bus/mmio";
import { lapicAccept, lapicMatches, DM_FIXED, DM_LOWEST } from "./lapic";

export const IOAPIC_BASE: u32 = 0xFEC00000;
/** IOAPICVER (datasheet 3.2.2): version 11h, maximum redirection entry 17h (24 entries). */
export const IOAPIC_VERSION: u32 = 0x00170011;
export const IOAPIC_PINS: u32 = 24;

const REGSEL: u32 = 0x00;
const ID: u32 = 0x04;
const LEVELS: u32 = 0x08;
const TABLE: u32 = 0x10;

// redirection entry bits (datasheet 3.2.4, IOREDTBL)
const RE_DELIVERY_STATUS: u32 = 1 << 12;
const RE_POLARITY_LOW: u32 = 1 << 13;
const RE_REMOTE_IRR: u32 = 1 << 14;
const RE_LEVEL: u32 = 1 << 15;
const RE_MASK: u32 = 1 << 16;
const RE_LOW_WRITABLE: u32 = 0x0001AFFF; // vector, delivery mode, destination mode, polarity, trigger, mask

// @ts-ignore: decorator
@inline function entryLow(pin: u32): u32 { return load<u32>(DEV_IOAPIC + TABLE + (pin << 3)); }
// @ts-ignore: decorator
@inline function entryHigh(pin: u32): u32 { return load<u32>(DEV_IOAPIC + TABLE + (pin << 3) + 4); }
// @ts-ignore: decorator
@inline function setEntryLow(pin: u32, v: u32): void { store<u32>(DEV_IOAPIC + TABLE + (pin << 3), v); }

/** Reset (datasheet 3.2.4: the mask bits are set at reset; the rest of an entry is undefined, 0 here); ID 0. */
export function ioapicReset(): void {
  memory.fill(DEV_IOAPIC, 0, 0x100);
  for (let pin: u32 = 0; pin < IOAPIC_PINS; pin++) setEntryLow(pin, RE_MASK);
  mapMmio(IOAPIC_BASE, 0x1000, <u8>MMIO_IOAPIC);
}

/** Is pin `pin` asserted, after its polarity (datasheet: bit 13, 0 = active high)? */
function asserted(pin: u32): bool {
  const high = (load<u32>(DEV_IOAPIC + LEVELS) & (1 << pin)) != 0;
  return high != ((entryLow(pin) & RE_POLARITY_LOW) != 0);
}

/** Send pin `pin`'s interrupt message to the local APIC if it is addressed (physical or logical destination in
 *  bits 63-56). A level-triggered fixed/lowest-priority interrupt that the APIC accepted sets remote IRR until
 *  the EOI message (datasheet 3.2.4, bit 14). */
function deliver(pin: u32): void {
  const lo = entryLow(pin);
  if (!lapicMatches(entryHigh(pin) >> 24, (lo & (1 << 11)) != 0)) return;
  const mode = (lo >> 8) & 7;
  const level = (lo & RE_LEVEL) != 0 && (mode == DM_FIXED || mode == DM_LOWEST);
  if (lapicAccept(lo & 0xFF, mode, level) && level) setEntryLow(pin, lo | RE_REMOTE_IRR);
}

/** A level-triggered pin requests while asserted, unmasked and without remote IRR. */
function checkLevel(pin: u32): void {
  const lo = entryLow(pin);
  if ((lo & (RE_LEVEL | RE_MASK | RE_REMOTE_IRR)) == RE_LEVEL && asserted(pin)) deliver(pin);
}

/** ISA IRQ line `irq` changed level (bus/intc.ts). Edge-triggered pins deliver on the assertion edge; masked
 *  pins ignore edges altogether (datasheet: "not delivered or held pending"). */
export function ioapicSetIrq(irq: u32, high: bool): void {
  if (irq >= 16) return;
  const pin = irq == 0 ? 2 : irq;
  setPin(pin, high);
}

/** Set the level of input pin `pin` (0-23). */
export function ioapicSetPin(pin: u32, high: bool): void { if (pin < IOAPIC_PINS) setPin(pin, high); }

function setPin(pin: u32, high: bool): void {
  const wasAsserted = asserted(pin);
  const levels = load<u32>(DEV_IOAPIC + LEVELS);
  store<u32>(DEV_IOAPIC + LEVELS, high ? levels | (1 << pin) : levels & ~(1 << pin));
  const lo = entryLow(pin);
  if ((lo & RE_MASK) != 0) return;
  if ((lo & RE_LEVEL) != 0) checkLevel(pin);
  else if (asserted(pin) && !wasAsserted) deliver(pin);
  intrUpdate();
}

/** The local APIC's EOI message for a level-triggered `vector` (SDM 10.8.5): remote IRR of every entry with that
 *  vector clears, and a pin still asserted is delivered again. The caller updates INTR. */
export function ioapicEoi(vector: u32): void {
  for (let pin: u32 = 0; pin < IOAPIC_PINS; pin++) {
    const lo = entryLow(pin);
    if ((lo & 0xFF) != vector || (lo & RE_REMOTE_IRR) == 0) continue;
    setEntryLow(pin, lo & ~RE_REMOTE_IRR);
    checkLevel(pin);
  }
}

// ---- registers (datasheet 3.1: IOREGSEL at +00h, IOWIN at +10h; 3.2: the indirect registers) ---------------

function readRegister(index: u32): u32 {
  if (index == 0x00) return load<u32>(DEV_IOAPIC + ID);
  if (index == 0x01) return IOAPIC_VERSION;
  if (index == 0x02) return load<u32>(DEV_IOAPIC + ID); // IOAPICARB: the arbitration ID follows the ID here
  if (index >= 0x10 && index < 0x10 + 2 * IOAPIC_PINS) {
    const pin = (index - 0x10) >> 1;
    return (index & 1) != 0 ? entryHigh(pin) : entryLow(pin);
  }
  return 0;
}

function writeRegister(index: u32, v: u32): void {
  if (index == 0x00) { store<u32>(DEV_IOAPIC + ID, v & 0x0F000000); return; }
  if (index < 0x10 || index >= 0x10 + 2 * IOAPIC_PINS) return; // version, arbitration: read-only
  const pin = (index - 0x10) >> 1;
  if ((index & 1) != 0) { store<u32>(DEV_IOAPIC + TABLE + (pin << 3) + 4, v & 0xFF000000); return; }
  const lo = entryLow(pin);
  let nv = (lo & (RE_DELIVERY_STATUS | RE_REMOTE_IRR)) | (v & RE_LOW_WRITABLE);
  if ((nv & RE_LEVEL) == 0) nv &= ~RE_REMOTE_IRR; // remote IRR means nothing for edge-triggered entries
  setEntryLow(pin, nv);
  // an unmasked level-triggered pin that is asserted requests now (an edge that came while masked is lost)
  checkLevel(pin);
  intrUpdate();
}

/** MMIO read: IOREGSEL and IOWIN are 32-bit registers; narrower reads see their bytes. Addresses beyond them
 *  read as ones (nothing decodes them). */
export function ioapicRead(phys: u32, size: u32): u32 {
  const off = phys & 0xFFF;
  let v: u32;
  if (off < 0x04) v = load<u32>(DEV_IOAPIC + REGSEL);
  else if (off >= 0x10 && off < 0x14) v = readRegister(load<u32>(DEV_IOAPIC + REGSEL) & 0xFF);
  else return 0xFFFFFFFF;
  v >>>= (off & 3) << 3;
  return size >= 4 ? v : v & ((1 << (size << 3)) - 1);
}

/** MMIO write: IOREGSEL selects the register (bits 7-0), IOWIN writes it; a narrower write to IOWIN merges into
 *  the selected register. */
export function ioapicWrite(phys: u32, v: u32, size: u32): void {
  const off = phys & 0xFFF;
  const sub = (off & 3) << 3;
  const mask: u32 = (size >= 4 ? 0xFFFFFFFF : ((1 << (size << 3)) - 1)) << sub;
  if (off < 0x04) {
    const old = load<u32>(DEV_IOAPIC + REGSEL);
    store<u32>(DEV_IOAPIC + REGSEL, ((old & ~mask) | ((v << sub) & mask)) & 0xFF);
  } else if (off >= 0x10 && off < 0x14) {
    const index = load<u32>(DEV_IOAPIC + REGSEL) & 0xFF;
    writeRegister(index, (readRegister(index) & ~mask) | ((v << sub) & mask));
    if (load<u32>(INTR_LINE) != 0 || load<u32>(NMI_PENDING) != 0) requestStop(); // taken after this instruction
  }
}

/** Redirection entry `pin` (low | high << 32) for tests and the debugger. */
export function ioapicEntry(pin: u32): u64 {
  return pin < IOAPIC_PINS ? <u64>entryLow(pin) | (<u64>entryHigh(pin) << 32) : 0;
}
