// The machine's virtual clock (DESIGN.md 1.3): nanoseconds that advance with executed instructions at a
// nominal rate, plus whatever the host adds through clockAdvance (time sync while the guest runs, or the skip
// to the next timer event while it halts). Devices read only this clock, never the host's, so the same inputs
// give the same run. ICOUNT moves once per block, so time does not advance inside a block.
import { ICOUNT, CLOCK_BASE_NS, CLOCK_BASE_ICOUNT, CLOCK_NS_PER_INSN } from "../layout";

export const NEVER: u64 = 0xFFFFFFFFFFFFFFFF;
/** Nominal speed: 10 ns per instruction (a 100 MIPS processor), in 16.16 fixed point. */
export const DEFAULT_NS_PER_INSN_Q16: u32 = 10 << 16;

export function clockReset(): void {
  store<u64>(CLOCK_BASE_NS, 0);
  store<u64>(CLOCK_BASE_ICOUNT, load<u64>(ICOUNT));
  store<u32>(CLOCK_NS_PER_INSN, DEFAULT_NS_PER_INSN_Q16);
}

/** Virtual time in nanoseconds when `icount` instructions have run (cpu/msr.ts counts into the running block). */
export function clockAt(icount: u64): u64 {
  const insns = icount - load<u64>(CLOCK_BASE_ICOUNT);
  return load<u64>(CLOCK_BASE_NS) + ((insns * <u64>load<u32>(CLOCK_NS_PER_INSN)) >> 16);
}

/** Current virtual time in nanoseconds. */
export function clockNow(): u64 { return clockAt(load<u64>(ICOUNT)); }

/** Start counting from now (keeps the products small and lets the rate change without a jump). */
function rebase(): void {
  store<u64>(CLOCK_BASE_NS, clockNow());
  store<u64>(CLOCK_BASE_ICOUNT, load<u64>(ICOUNT));
}

/** Add `ns` to virtual time (the host's time sync, or skipping ahead while the guest halts). */
export function clockAdvance(ns: u64): void {
  rebase();
  store<u64>(CLOCK_BASE_NS, load<u64>(CLOCK_BASE_NS) + ns);
}

/** Change the nominal nanoseconds per instruction (16.16 fixed point, at least 1/65536 ns). */
export function clockSetRate(q16: u32): void {
  rebase();
  store<u32>(CLOCK_NS_PER_INSN, q16 == 0 ? 1 : q16);
}

/** How many instructions run before virtual time reaches `t` (0 if it has). */
export function instructionsUntil(t: u64): u64 {
  const now = clockNow();
  if (t <= now) return 0;
  const rate = <u64>load<u32>(CLOCK_NS_PER_INSN);
  const dt = t - now;
  if (dt > (NEVER >> 17)) return NEVER; // far enough to be "never" for any budget
  return ((dt << 16) + rate - 1) / rate;
}
