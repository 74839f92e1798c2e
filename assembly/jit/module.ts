// The frame of every module the JIT emits: types, imports, one exported function, then its body
// (written by jit/compile.ts between moduleBegin and moduleEnd).
//
// What a compiled block imports (web/machine/jit-host.ts supplies these from the core's own exports):
//   e.m   the core's memory          e.t   the core's function table (handlers are called through it)
//   e.s   `stopBlock` (mut i32)      e.f   `faulted` (mut i32)       e.c   `codeEpoch` (mut i32)
//   e.b   `codeBreakpoints` (mut i32: instruction breakpoints are armed)
//   e.cc  testCC(cc): i32            e.cf  getCF(): i32
// and exports "f": (eip0: i32, limit: i32) -> i32, the instructions it executed (jit/compile.ts).
import {
  byte, u32leb, sizeField, patchSize, name, T_I32, T_FUNCREF,
} from "./wasm";

// type indices
export const TYPE_BLOCK: u32 = 0; // (i32, i32) -> i32
export const TYPE_HANDLER: u32 = 1; // (i32) -> ()
export const TYPE_I32_I32: u32 = 2; // (i32) -> i32
export const TYPE_VOID_I32: u32 = 3; // () -> i32
// imported functions (function index space)
export const FN_TESTCC: u32 = 0;
export const FN_GETCF: u32 = 1;
// imported globals
export const G_STOP: u32 = 0;
export const G_FAULTED: u32 = 1;
export const G_EPOCH: u32 = 2;
export const G_BREAKPOINTS: u32 = 3;

/** Locals of the block function after its two parameters (all i32). */
export const LOCALS: u32 = 16;

let codeSizeAt: u32 = 0;
let bodySizeAt: u32 = 0;

function funcType(params: u32, results: u32): void {
  byte(0x60);
  u32leb(params); for (let i: u32 = 0; i < params; i++) byte(T_I32);
  u32leb(results); for (let i: u32 = 0; i < results; i++) byte(T_I32);
}

function importHeader(field: string, kind: u32): void { name("e"); name(field); byte(kind); }

/** Write everything up to the start of the function's instructions. */
export function moduleBegin(): void {
  byte(0x00); byte(0x61); byte(0x73); byte(0x6D); // "\0asm"
  byte(0x01); byte(0x00); byte(0x00); byte(0x00); // version 1

  byte(1); let at = sizeField(); // type section
  u32leb(4);
  funcType(2, 1); funcType(1, 0); funcType(1, 1); funcType(0, 1);
  patchSize(at);

  byte(2); at = sizeField(); // import section
  u32leb(8);
  importHeader("cc", 0); u32leb(TYPE_I32_I32);
  importHeader("cf", 0); u32leb(TYPE_VOID_I32);
  importHeader("m", 2); byte(0); u32leb(1); // memory, min 1 page, no maximum
  importHeader("t", 1); byte(T_FUNCREF); byte(0); u32leb(0); // table, min 0
  importHeader("s", 3); byte(T_I32); byte(1); // mutable global
  importHeader("f", 3); byte(T_I32); byte(1);
  importHeader("c", 3); byte(T_I32); byte(1);
  importHeader("b", 3); byte(T_I32); byte(1);
  patchSize(at);

  byte(3); at = sizeField(); u32leb(1); u32leb(TYPE_BLOCK); patchSize(at); // function section

  byte(7); at = sizeField(); u32leb(1); name("f"); byte(0); u32leb(2); patchSize(at); // export "f" = function 2

  byte(10); codeSizeAt = sizeField(); u32leb(1); // code section, one body
  bodySizeAt = sizeField();
  u32leb(1); u32leb(LOCALS); byte(T_I32); // one run of LOCALS i32 locals
}

/** Close the function body and the module. */
export function moduleEnd(): void {
  byte(0x0B); // end of the function
  patchSize(bodySizeAt);
  patchSize(codeSizeAt);
}
