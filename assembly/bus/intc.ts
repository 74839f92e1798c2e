// The CPU's interrupt inputs: INTR (maskable, acknowledged to get a vector) and NMI. The platform's interrupt
// controllers (8259 PICs, local APIC) answer here; until they exist, a test source driven by the host
// (INTR_LINE / INTR_VECTOR, see machine.ts setIntr) stands in.
import { INTR_LINE, INTR_VECTOR } from "../layout";

/** Is a maskable interrupt requested? */
export function intrPending(): bool { return load<u32>(INTR_LINE) != 0; }

/** Interrupt acknowledge cycle: the vector to deliver. The test source is level-triggered and auto-clears. */
export function intrAcknowledge(): i32 {
  store<u32>(INTR_LINE, 0);
  return <i32>(load<u32>(INTR_VECTOR) & 0xFF);
}
