// Flag instructions: CLC STC CMC CLD STD CLI STI.
// CLI/STI are IOPL-sensitive in protected mode and V86 mode; where IOPL does not allow them, CR4.VME (V86) and
// CR4.PVI (CPL 3) make them act on VIF instead (SDM Vol. 3A 20.3, 20.4; v86.ts). STI enables interrupts only
// after the next instruction (interrupt shadow).
import { EFLAGS, INT_SHADOW } from "../../layout";
import { F_CF, F_DF, F_IF, F_IOPL, F_VIF, F_VIP, cpl } from "../state";
import { raiseGP, requestStop } from "../fault";
import { getCF, setArithFlags } from "../flags";
import { isProtected, isV86 } from "../segments";
import { cliStiVirtual } from "../v86";

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

const USE_IF = 0, USE_VIF = 1, DENIED = 2;

/** Which flag CLI/STI change: IF when IOPL allows, VIF with VME/PVI, else none (#GP(0) raised). */
function cliStiTarget(): i32 {
  if (!isProtected()) return USE_IF;
  const iopl = (load<u32>(EFLAGS) & F_IOPL) >> 12;
  if (isV86() ? iopl == 3 : cpl() <= iopl) return USE_IF;
  if (cliStiVirtual()) return USE_VIF;
  raiseGP(0);
  return DENIED;
}

// @ts-ignore: decorator
@inline export function cli(p: u32): void {
  const t = cliStiTarget();
  if (t == DENIED) return;
  store<u32>(EFLAGS, load<u32>(EFLAGS) & ~(t == USE_VIF ? F_VIF : F_IF));
}

// @ts-ignore: decorator
@inline export function sti(p: u32): void {
  const t = cliStiTarget();
  if (t == DENIED) return;
  const f = load<u32>(EFLAGS);
  if (t == USE_VIF) {
    if ((f & F_VIP) != 0) { raiseGP(0); return; } // a virtual interrupt is pending: the monitor delivers it
    store<u32>(EFLAGS, f | F_VIF);
    return;
  }
  if ((f & F_IF) == 0) { store<u32>(INT_SHADOW, 1); requestStop(); }
  store<u32>(EFLAGS, f | F_IF);
}
