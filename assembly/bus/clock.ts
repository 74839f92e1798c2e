// The machine's virtual clock as devices see it: one function, so that the real virtual clock (DESIGN.md 1.3:
// advanced by executed instructions and by the host's time-sync inputs) replaces it in one place.
//
// PLACEHOLDER until that clock lands: 1 ns per executed instruction (ICOUNT). This is monotonic and
// deterministic but not wall time (a 100 MIPS guest would see time run at a tenth of real speed), and ICOUNT is
// brought up to date once per block, so time does not advance inside a block.
import { ICOUNT } from "../layout";

/** Current virtual time in nanoseconds. */
export function clockNow(): u64 { return load<u64>(ICOUNT); }
