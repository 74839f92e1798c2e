// AssemblyScript's abort() (failed assertions, bounds checks in the debug build). Reaching it is always a bug
// in the core, never a guest error: the host is told where, then the module traps.
// @ts-ignore: decorator
@external("host", "coreBug")
declare function coreBug(message: usize, file: usize, line: u32, column: u32): void;

export function coreAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  coreBug(changetype<usize>(message), changetype<usize>(fileName), lineNumber, columnNumber);
  unreachable();
}
