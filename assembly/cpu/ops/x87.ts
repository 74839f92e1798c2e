// x87 instructions outside D8-DF that the integer table names: WAIT/FWAIT, FXSAVE, FXRSTOR.
// The D8-DF escapes are in cpu/fpu/.
import { CR0 } from "../../layout";
import { CR0_MP, CR0_TS, CR0_EM } from "../state";
import { raiseNM, raiseUD } from "../fault";
import { fpuCheckPending, fxsaveImpl, fxrstorImpl } from "../fpu/fpu";
import { ea, eaSeg } from "./common";

/** WAIT: #NM if MP and TS are set, then any pending unmasked x87 exception (#MF or IRQ13). */
// @ts-ignore: decorator
@inline export function fwait(p: u32): void {
  const cr0 = load<u32>(CR0);
  if ((cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) { raiseNM(); return; }
  fpuCheckPending();
}

// @ts-ignore: decorator
@inline export function fxsave(p: u32): void {
  const cr0 = load<u32>(CR0);
  if ((cr0 & CR0_EM) != 0) { raiseUD(); return; }
  if ((cr0 & CR0_TS) != 0) { raiseNM(); return; }
  fxsaveImpl(eaSeg(p), ea(p));
}

// @ts-ignore: decorator
@inline export function fxrstor(p: u32): void {
  const cr0 = load<u32>(CR0);
  if ((cr0 & CR0_EM) != 0) { raiseUD(); return; }
  if ((cr0 & CR0_TS) != 0) { raiseNM(); return; }
  fxrstorImpl(eaSeg(p), ea(p));
}
