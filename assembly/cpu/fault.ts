// Guest exceptions raised while an instruction executes. Memory accesses and checks call raise*(); the
// instruction handler then returns early (it checks `faulted` after every access that can fault, before it
// changes any state) and the executor delivers the exception with EIP at the faulting instruction.
import { EXC_VECTOR, EXC_CODE, EXC_HAS_CODE } from "../layout";
import { EX_GP, EX_SS, EX_NP, EX_TS, EX_UD, EX_PF, EX_DE, EX_NM, EX_MF, EX_AC, EX_BR } from "./state";
import { dropDataMatches } from "./debug";

/** The current instruction raised an exception (details in EXC_*). */
export let faulted: bool = false;
/** Leave the current block after this instruction: a fault, a mode change, self-modifying code, an exit. */
export let stopBlock: bool = false;

export function raise(vector: i32, code: u32, hasCode: bool): void {
  if (faulted) return; // the first fault of an instruction wins
  dropDataMatches(); // a faulting instruction reports no data breakpoint (it did not complete)
  store<i32>(EXC_VECTOR, vector);
  store<u32>(EXC_CODE, code);
  store<u32>(EXC_HAS_CODE, hasCode ? 1 : 0);
  faulted = true;
  stopBlock = true;
}

export function requestStop(): void { stopBlock = true; }
export function clearFault(): void { faulted = false; stopBlock = false; }
export function clearStop(): void { stopBlock = false; }

export function raiseGP(code: u32): void { raise(EX_GP, code, true); }
export function raiseSS(code: u32): void { raise(EX_SS, code, true); }
export function raiseNP(code: u32): void { raise(EX_NP, code, true); }
export function raiseTS(code: u32): void { raise(EX_TS, code, true); }
export function raiseUD(): void { raise(EX_UD, 0, false); }
export function raiseDE(): void { raise(EX_DE, 0, false); }
export function raiseNM(): void { raise(EX_NM, 0, false); }
export function raiseMF(): void { raise(EX_MF, 0, false); }
export function raiseBR(): void { raise(EX_BR, 0, false); }
export function raiseAC(): void { raise(EX_AC, 0, true); }
export function raisePF(code: u32): void { raise(EX_PF, code, true); }
