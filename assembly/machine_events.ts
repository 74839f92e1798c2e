// How the core tells the run loop (and through it the host) that something needs attention.
import { EXIT_REQUEST, EXIT_RESLICE, EXIT_TRIPLE_FAULT, STATE_BASE, EFLAGS, TRIPLE_FAULT_STATE, TRIPLE_FAULT_STATE_SIZE } from "./layout";
import { getEflags } from "./cpu/flags";
import { requestStop } from "./cpu/fault";
import { resetCpu } from "./cpu/reset";

/** Leave run() at the end of the current instruction with `reason` (an EXIT_* value). */
export function requestExit(reason: i32): void {
  const cur = load<i32>(EXIT_REQUEST);
  if (cur == 0 || cur == EXIT_RESLICE) store<i32>(EXIT_REQUEST, reason); // a real reason beats the internal one
  requestStop();
}

/** A triple fault: the processor shuts down; the PC's chipset turns that into a reset. */
export function onTripleFault(): void {
  memory.copy(TRIPLE_FAULT_STATE, STATE_BASE, TRIPLE_FAULT_STATE_SIZE);
  store<u32>(TRIPLE_FAULT_STATE + (EFLAGS - STATE_BASE), getEflags());
  resetCpu();
  requestExit(EXIT_TRIPLE_FAULT);
}
