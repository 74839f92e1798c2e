// Flag instructions: CLC STC CMC CLD STD CLI STI.
// CLI/STI are IOPL-sensitive in protected mode and V86 mode (no PVI/VME). STI enables interrupts only after
// the next instruction (interrupt shadow).
import { EFLAGS, INT_SHADOW } from "../../layout";
import { F_CF, F_DF, F_IF, F_IOPL, cpl } from "../state";
import { raiseGP, requestStop } from "../fault";
import { getCF, setArithFlags } from "../flags";
import { isProtected, isV86 } from "../segments";

// @ts-ignore: decorator
@inline export function clc(p: u32): void { setArithFlags(F_CF, 0); }
// @ts-ignore: decorator
@inline export function stc(p: u32): void { setArithFlags(F_CF, F_CF); }
// @ts-ignore: decorator
@inline export function cmc(p: u32): void { setArithFlags(F_CF, getCF() ^ 1); }
// @ts-ignore: decorator
@inline export function cld(p: u32): void { store<u32>(EFLAGS, load<u32>(EFLAGS) & ~F_DF); }
// @ts-ignore: decorator
@inline export function std(p: u32): void { store<u32>(EFLAGS, load<u32>(EFLAGS) | F_DF); }

/** May the current code change IF? (#GP(0) if not) */
function ifChangeAllowed(): bool {
  if (!isProtected()) return true;
  const iopl = (load<u32>(EFLAGS) & F_IOPL) >> 12;
  if (isV86() ? iopl == 3 : cpl() <= iopl) return true;
  raiseGP(0);
  return false;
}

// @ts-ignore: decorator
@inline export function cli(p: u32): void {
  if (!ifChangeAllowed()) return;
  store<u32>(EFLAGS, load<u32>(EFLAGS) & ~F_IF);
}

// @ts-ignore: decorator
@inline export function sti(p: u32): void {
  if (!ifChangeAllowed()) return;
  const f = load<u32>(EFLAGS);
  if ((f & F_IF) == 0) { store<u32>(INT_SHADOW, 1); requestStop(); }
  store<u32>(EFLAGS, f | F_IF);
}
