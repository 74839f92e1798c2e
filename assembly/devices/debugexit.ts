// Debug exit (QEMU's isa-debug-exit): a write stops the machine; the host exits with status (value << 1) | 1.
import { LAST_EXIT_DETAIL, EXIT_DEBUG_EXIT } from "../layout";
import { requestExit } from "../machine_events";

export function debugexitWrite(v: u32): void {
  store<u32>(LAST_EXIT_DETAIL, v);
  requestExit(EXIT_DEBUG_EXIT);
}
