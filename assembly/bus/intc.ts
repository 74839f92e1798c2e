// The processor's maskable interrupt input (INTR) and its acknowledge cycle. Three sources:
//  - the master 8259 PIC's INT output (devices/pic8259.ts), through the local APIC's LINT0 when that is
//    programmed ExtINT, or straight while the APIC is disabled (lapicPassesPic), or after an ExtINT message
//    from the I/O APIC; its acknowledge cycle goes to the PIC;
//  - the local APIC (devices/lapic.ts), when it has a fixed interrupt above the processor priority;
//  - a test source the host drives (machine.ts setIntr; it wins the acknowledge).
// INTR_LINE holds the current level so the executor can test it with one load between blocks; whatever changes
// an input of it calls intrUpdate().
import { INTR_LINE, INTR_VECTOR, INTR_TEST } from "../layout";
import { picIntr, picAcknowledge, picSetIrq } from "../devices/pic8259";
import { ioapicSetIrq } from "../devices/ioapic";
import {
  lapicIntr, lapicAcknowledge, lapicPassesPic, lapicLint0, lapicExtIntPending, lapicExtIntAcknowledged,
} from "../devices/lapic";

/** The level of ISA interrupt line `irq` (0-15): every device drives its line here, and the line goes to the
 *  8259 PICs and to the I/O APIC's input of the same number (the PC wiring; IRQ 0 reaches I/O APIC pin 2, done
 *  by ioapicSetIrq as the MP table and ACPI MADT of SeaBIOS describe it). */
export function setIsaIrq(irq: u32, high: bool): void {
  picSetIrq(irq, high);
  ioapicSetIrq(irq, high);
}

/** Does the 8259's INT reach INTR now? */
function picRouted(pic: bool): bool { return pic && (lapicPassesPic() || lapicExtIntPending()); }

/** Recompute INTR after a change of the PIC, the local APIC or the test source. */
export function intrUpdate(): void {
  const pic = picIntr();
  lapicLint0(pic); // LINT0 in fixed or NMI mode takes the 8259's INT as an input line
  store<u32>(INTR_LINE, load<u32>(INTR_TEST) != 0 || picRouted(pic) || lapicIntr() ? 1 : 0);
}

/** Is a maskable interrupt requested? */
// @ts-ignore: decorator
@inline export function intrPending(): bool { return load<u32>(INTR_LINE) != 0; }

/** Interrupt acknowledge cycle: the vector to deliver. The test source is level-triggered and auto-clears. The
 *  8259 answers when it drives INTR (ExtINT bypasses the APIC's priorities: SDM Vol. 3A 10.8.1), else the local
 *  APIC (which answers with its spurious vector if its request went away, SDM 10.9). */
export function intrAcknowledge(): i32 {
  let vector: u32;
  if (load<u32>(INTR_TEST) != 0) {
    store<u32>(INTR_TEST, 0);
    vector = load<u32>(INTR_VECTOR) & 0xFF;
  } else if (picRouted(picIntr()) || (!lapicIntr() && lapicPassesPic())) {
    lapicExtIntAcknowledged();
    vector = picAcknowledge(); // (nothing left: the 8259's spurious IR7 vector)
  } else {
    vector = lapicAcknowledge();
  }
  intrUpdate();
  return <i32>vector;
}
