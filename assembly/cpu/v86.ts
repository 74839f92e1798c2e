// Virtual-8086 mode: what INT n does there (SDM Vol. 3A 20.3.3, table 20-2).
// INT3, INTO and INT1 are not IOPL-sensitive: they always go through the IDT (Vol. 2 "INT n/INTO/INT3/INT1").
import { EFLAGS } from "../layout";
import { F_IOPL } from "./state";
import { raiseGP } from "./fault";

/**
 * INT n in V86 mode, before the protected-mode delivery. Returns true when the interrupt goes through the IDT
 * (IOPL = 3); otherwise raises #GP(0) for the monitor and returns false.
 */
export function v86IntN(vector: u32): bool {
  if ((load<u32>(EFLAGS) & F_IOPL) == F_IOPL) return true;
  raiseGP(0);
  return false;
}
