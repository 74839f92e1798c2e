// x87 FPU core. (Being written: until then the escapes D8-DF decode as #UD, see tools/opcodes/x87.ts.)
import { raiseUD } from "../fault";

/** Deliver a pending unmasked x87 exception (WAIT and most x87 instructions check this first). */
export function fpuCheckPending(): void {}

export function fxsaveImpl(seg: i32, ea: u32): void { raiseUD(); }
export function fxrstorImpl(seg: i32, ea: u32): void { raiseUD(); }

/** FNINIT state, used at reset. */
export function fpuReset(): void {}
