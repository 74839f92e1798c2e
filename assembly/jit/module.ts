// The frame of every module the JIT emits: types, imports, one exported function, then its body
// (written by jit/compile.ts between moduleBegin and moduleEnd).
//
// What a compiled block imports (web/machine/jit-host.ts supplies these from the core's own exports):
//   e.m   the core's memory          h.<n> the handler at index n of the core's function table (one import per
//                                          handler the module calls; importing the table itself would make every
//                                          later table.set cost more with each module, in V8)
//   e.s   `stopBlock` (mut i32)      e.f   `faulted` (mut i32)       e.c   `codeEpoch` (mut i32)
//   e.b   `codeBreakpoints` (mut i32: instruction breakpoints are armed)
//   e.k   `currentBlock` (mut i32: the block running, for self-modifying code and the instruction count of RDTSC)
//   e.cc  testCC(cc): i32            e.cf  getCF(): i32
//   e.xa  x87Arith(op, a, b, d): i32   e.xc  x87Compare(a, b, quiet): i32 (cpu/fpu/fast.ts)
// and exports "f": (eip0: i32, limit: i32) -> i32, the instructions it executed (jit/compile.ts).
import {
  byte, u32leb, sizeField, patchSize, name, T_I32, T_I64,
} from "./wasm";

// type indices
export const TYPE_BLOCK: u32 = 0; // (i32, i32) -> i32
export const TYPE_HANDLER: u32 = 1; // (i32) -> ()
export const TYPE_I32_I32: u32 = 2; // (i32) -> i32
export const TYPE_VOID_I32: u32 = 3; // () -> i32
export const TYPE_I32X4_I32: u32 = 4; // (i32, i32, i32, i32) -> i32
export const TYPE_I32X3_I32: u32 = 5; // (i32, i32, i32) -> i32
// imported functions (function index space)
export const FN_TESTCC: u32 = 0;
export const FN_GETCF: u32 = 1;
export const FN_X87_ARITH: u32 = 2;
export const FN_X87_COMPARE: u32 = 3;
export const FN_HANDLER0: u32 = 4;
// imported globals
export const G_STOP: u32 = 0;
export const G_FAULTED: u32 = 1;
export const G_EPOCH: u32 = 2;
export const G_BREAKPOINTS: u32 = 3;
export const G_CURRENT_BLOCK: u32 = 4;

/** Locals of the block function after its two parameters (all i32). */
export const LOCALS: u32 = 30;

let codeSizeAt: u32 = 0;
let bodySizeAt: u32 = 0;

function funcType(params: u32, results: u32): void {
  byte(0x60);
  u32leb(params); for (let i: u32 = 0; i < params; i++) byte(T_I32);
  u32leb(results); for (let i: u32 = 0; i < results; i++) byte(T_I32);
}

function importHeader(field: string, kind: u32): void { name("e"); name(field); byte(kind); }

/** Function index of the block function (after the imported functions). */
let blockFunction: u32 = FN_HANDLER0;

function decimal(v: u32): void {
  // the import's field name: the handler's table index in decimal
  let digits: u32 = 1;
  for (let x = v; x >= 10; x /= 10) digits++;
  u32leb(digits);
  let div: u32 = 1;
  for (let i: u32 = 1; i < digits; i++) div *= 10;
  for (; div > 0; div /= 10) byte(0x30 + (v / div) % 10);
}

/**
 * Write everything up to the start of the function's instructions. `handlers`: `count` u32 table indices of the
 * handlers the function calls; handler k is function FN_HANDLER0 + k.
 */
export function moduleBegin(handlers: u32, count: u32): void {
  byte(0x00); byte(0x61); byte(0x73); byte(0x6D); // "\0asm"
  byte(0x01); byte(0x00); byte(0x00); byte(0x00); // version 1

  byte(1); let at = sizeField(); // type section
  u32leb(6);
  funcType(2, 1); funcType(1, 0); funcType(1, 1); funcType(0, 1); funcType(4, 1); funcType(3, 1);
  patchSize(at);

  byte(2); at = sizeField(); // import section
  u32leb(10 + count);
  importHeader("cc", 0); u32leb(TYPE_I32_I32);
  importHeader("cf", 0); u32leb(TYPE_VOID_I32);
  importHeader("xa", 0); u32leb(TYPE_I32X4_I32);
  importHeader("xc", 0); u32leb(TYPE_I32X3_I32);
  for (let k: u32 = 0; k < count; k++) { name("h"); decimal(load<u32>(handlers + (k << 2))); byte(0); u32leb(TYPE_HANDLER); }
  importHeader("m", 2); byte(0); u32leb(1); // memory, min 1 page, no maximum
  importHeader("s", 3); byte(T_I32); byte(1); // mutable global
  importHeader("f", 3); byte(T_I32); byte(1);
  importHeader("c", 3); byte(T_I32); byte(1);
  importHeader("b", 3); byte(T_I32); byte(1);
  importHeader("k", 3); byte(T_I32); byte(1);
  patchSize(at);

  byte(3); at = sizeField(); u32leb(1); u32leb(TYPE_BLOCK); patchSize(at); // function section

  blockFunction = FN_HANDLER0 + count;
  byte(7); at = sizeField(); u32leb(1); name("f"); byte(0); u32leb(blockFunction); patchSize(at); // export "f"

  byte(10); codeSizeAt = sizeField(); u32leb(1); // code section, one body
  bodySizeAt = sizeField();
  // LOCALS i32 locals (2..31), three i64 (32-34), then the x87 arithmetic's (jit/x87.ts): 8 i32 (35-42), 6 i64 (43-48)
  u32leb(4); u32leb(LOCALS); byte(T_I32); u32leb(3); byte(T_I64); u32leb(8); byte(T_I32); u32leb(6); byte(T_I64);
}

/** Close the function body and the module. */
export function moduleEnd(): void {
  byte(0x0B); // end of the function
  patchSize(bodySizeAt);
  patchSize(codeSizeAt);
}
