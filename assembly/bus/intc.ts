// The processor's maskable interrupt input (INTR) and its acknowledge cycle. INTR is the master 8259 PIC's INT
// output (devices/pic8259.ts), or'ed with a test source the host drives (machine.ts setIntr; it wins the
// acknowledge). INTR_LINE holds the current level so the executor can test it with one load between blocks;
// whatever changes an input of it calls intrUpdate().
import { INTR_LINE, INTR_VECTOR, INTR_TEST } from "../layout";
import { picIntr, picAcknowledge, picSetIrq } from "../devices/pic8259";
import { ioapicSetIrq } from "../devices/ioapic";

/** The level of ISA interrupt line `irq` (0-15): every device drives its line here, and the line goes to the
 *  8259 PICs and to the I/O APIC's input of the same number (the PC wiring; IRQ 0 reaches I/O APIC pin 2, done
 *  by ioapicSetIrq as the MP table and ACPI MADT of SeaBIOS describe it). */
export function setIsaIrq(irq: u32, high: bool): void {
  picSetIrq(irq, high);
  ioapicSetIrq(irq, high);
}

/** Recompute INTR after a change of the PIC or the test source. */
export function intrUpdate(): void {
  store<u32>(INTR_LINE, load<u32>(INTR_TEST) != 0 || picIntr() ? 1 : 0);
}

/** Is a maskable interrupt requested? */
// @ts-ignore: decorator
@inline export function intrPending(): bool { return load<u32>(INTR_LINE) != 0; }

/** Interrupt acknowledge cycle: the vector to deliver. The test source is level-triggered and auto-clears. */
export function intrAcknowledge(): i32 {
  let vector: u32;
  if (load<u32>(INTR_TEST) != 0) {
    store<u32>(INTR_TEST, 0);
    vector = load<u32>(INTR_VECTOR) & 0xFF;
  } else {
    vector = picAcknowledge();
  }
  intrUpdate();
  return <i32>vector;
}
