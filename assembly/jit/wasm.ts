// A writer of WebAssembly binary code into linear memory (WebAssembly Core Specification 2.0, chapter 5
// "Binary Format"). The JIT (jit/compile.ts) builds one module per compiled block with it; the host only hands
// the bytes to WebAssembly.Module.
//
// Sizes that are only known after their contents (sections, function bodies) are written as 5-byte padded
// LEB128 numbers and patched afterwards: the format allows non-minimal encodings up to ceil(32/7) bytes.

/** Write position (absolute address) and end of the buffer being written. */
let pos: u32 = 0;
let end: u32 = 0;
/** Set when a write would pass `end`: the module is dropped (the block stays interpreted). */
export let overflow: bool = false;

export function wasmBegin(buf: u32, size: u32): void { pos = buf; end = buf + size; overflow = false; }
export function wasmPos(): u32 { return pos; }

// @ts-ignore: decorator
@inline export function byte(b: u32): void {
  if (pos >= end) { overflow = true; return; }
  store<u8>(pos, <u8>b);
  pos++;
}

export function u32leb(v: u32): void {
  do {
    let b = v & 0x7F;
    v >>>= 7;
    if (v != 0) b |= 0x80;
    byte(b);
  } while (v != 0);
}

export function i32leb(v: i32): void {
  while (true) {
    const b = <u32>v & 0x7F;
    v >>= 7;
    if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) { byte(b); return; }
    byte(b | 0x80);
  }
}

export function i64leb(v: i64): void {
  while (true) {
    const b = <u32>(v & 0x7F);
    v >>= 7;
    if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) { byte(b); return; }
    byte(b | 0x80);
  }
}

/** Reserve a 5-byte size field; returns its address for patchSize(). */
export function sizeField(): u32 {
  const at = pos;
  for (let i = 0; i < 5; i++) byte(0x80);
  return at;
}

/** Fill the size field at `at` with the number of bytes written after it. */
export function patchSize(at: u32): void {
  if (overflow) return;
  let v = pos - (at + 5);
  for (let i: u32 = 0; i < 4; i++) { store<u8>(at + i, <u8>((v & 0x7F) | 0x80)); v >>>= 7; }
  store<u8>(at + 4, <u8>(v & 0x7F));
}

export function name(s: string): void {
  u32leb(<u32>s.length);
  for (let i = 0; i < s.length; i++) byte(<u32>s.charCodeAt(i));
}

// ---- value types and opcodes (the ones the JIT uses) ----------------------------------------------------------
export const T_I32: u32 = 0x7F;
export const T_I64: u32 = 0x7E;
export const T_FUNCREF: u32 = 0x70;
export const BLOCK_VOID: u32 = 0x40;

export const OP_UNREACHABLE: u32 = 0x00;
export const OP_BLOCK: u32 = 0x02;
export const OP_LOOP: u32 = 0x03;
export const OP_IF: u32 = 0x04;
export const OP_ELSE: u32 = 0x05;
export const OP_END: u32 = 0x0B;
export const OP_BR: u32 = 0x0C;
export const OP_BR_IF: u32 = 0x0D;
export const OP_BR_TABLE: u32 = 0x0E;
export const OP_RETURN: u32 = 0x0F;
export const OP_CALL: u32 = 0x10;
export const OP_CALL_INDIRECT: u32 = 0x11;
export const OP_DROP: u32 = 0x1A;
export const OP_SELECT: u32 = 0x1B;
export const OP_LOCAL_GET: u32 = 0x20;
export const OP_LOCAL_SET: u32 = 0x21;
export const OP_LOCAL_TEE: u32 = 0x22;
export const OP_GLOBAL_GET: u32 = 0x23;
export const OP_GLOBAL_SET: u32 = 0x24;
export const OP_I32_LOAD: u32 = 0x28;
export const OP_I64_LOAD: u32 = 0x29;
export const OP_I32_LOAD8_S: u32 = 0x2C;
export const OP_I32_LOAD8_U: u32 = 0x2D;
export const OP_I32_LOAD16_S: u32 = 0x2E;
export const OP_I32_LOAD16_U: u32 = 0x2F;
export const OP_I32_STORE: u32 = 0x36;
export const OP_I64_STORE: u32 = 0x37;
export const OP_I32_STORE8: u32 = 0x3A;
export const OP_I32_STORE16: u32 = 0x3B;
export const OP_I32_CONST: u32 = 0x41;
export const OP_I64_CONST: u32 = 0x42;
export const OP_I32_EQZ: u32 = 0x45;
export const OP_I32_EQ: u32 = 0x46;
export const OP_I32_NE: u32 = 0x47;
export const OP_I32_LT_S: u32 = 0x48;
export const OP_I32_LT_U: u32 = 0x49;
export const OP_I32_GT_S: u32 = 0x4A;
export const OP_I32_GT_U: u32 = 0x4B;
export const OP_I32_LE_S: u32 = 0x4C;
export const OP_I32_LE_U: u32 = 0x4D;
export const OP_I32_GE_S: u32 = 0x4E;
export const OP_I32_GE_U: u32 = 0x4F;
export const OP_I64_GT_S: u32 = 0x55;
export const OP_I64_LE_U: u32 = 0x58;
export const OP_I32_POPCNT: u32 = 0x69;
export const OP_I32_ADD: u32 = 0x6A;
export const OP_I32_SUB: u32 = 0x6B;
export const OP_I32_MUL: u32 = 0x6C;
export const OP_I32_DIV_S: u32 = 0x6D;
export const OP_I32_DIV_U: u32 = 0x6E;
export const OP_I64_DIV_S: u32 = 0x7F;
export const OP_I64_DIV_U: u32 = 0x80;
export const OP_I32_AND: u32 = 0x71;
export const OP_I32_OR: u32 = 0x72;
export const OP_I32_XOR: u32 = 0x73;
export const OP_I32_SHL: u32 = 0x74;
export const OP_I32_SHR_S: u32 = 0x75;
export const OP_I32_SHR_U: u32 = 0x76;
export const OP_I64_EQZ: u32 = 0x50;
export const OP_I64_EQ: u32 = 0x51;
export const OP_I64_NE: u32 = 0x52;
export const OP_I64_LT_S: u32 = 0x53;
export const OP_I64_GT_U: u32 = 0x56;
export const OP_I64_LT_U: u32 = 0x54;
export const OP_I64_GE_S: u32 = 0x59;
export const OP_I64_CLZ: u32 = 0x79;
export const OP_I64_SUB: u32 = 0x7D;
export const OP_I64_AND: u32 = 0x83;
export const OP_I64_OR: u32 = 0x84;
export const OP_I64_LOAD16_S: u32 = 0x32;
export const OP_I64_LOAD32_S: u32 = 0x34;
export const OP_I64_LOAD32_U: u32 = 0x35;
export const OP_I64_STORE32: u32 = 0x3E;
export const OP_I64_ADD: u32 = 0x7C;
export const OP_I64_MUL: u32 = 0x7E;
export const OP_I64_SHL: u32 = 0x86;
export const OP_I64_SHR_U: u32 = 0x88;
export const OP_I32_WRAP_I64: u32 = 0xA7;
export const OP_I64_EXTEND_I32_S: u32 = 0xAC;
export const OP_I64_EXTEND_I32_U: u32 = 0xAD;
export const OP_I32_EXTEND8_S: u32 = 0xC0;
export const OP_I32_EXTEND16_S: u32 = 0xC1;

// ---- instruction helpers ---------------------------------------------------------------------------------
// @ts-ignore: decorator
@inline export function op(o: u32): void { byte(o); }
export function i32c(v: u32): void { byte(OP_I32_CONST); i32leb(<i32>v); }
export function i64c(v: i64): void { byte(OP_I64_CONST); i64leb(v); }
export function get(l: u32): void { byte(OP_LOCAL_GET); u32leb(l); }
export function set(l: u32): void { byte(OP_LOCAL_SET); u32leb(l); }
export function tee(l: u32): void { byte(OP_LOCAL_TEE); u32leb(l); }
export function gget(g: u32): void { byte(OP_GLOBAL_GET); u32leb(g); }
export function br(depth: u32): void { byte(OP_BR); u32leb(depth); }
export function brIf(depth: u32): void { byte(OP_BR_IF); u32leb(depth); }
export function blockVoid(): void { byte(OP_BLOCK); byte(BLOCK_VOID); }
export function loopVoid(): void { byte(OP_LOOP); byte(BLOCK_VOID); }
export function ifVoid(): void { byte(OP_IF); byte(BLOCK_VOID); }
/** if with an i32 result */
export function ifI32(): void { byte(OP_IF); byte(T_I32); }
export function end_(): void { byte(OP_END); }

/** A memory access instruction with alignment hint `align` (log2) and a constant offset. */
export function memOp(o: u32, align: u32, offset: u32): void { byte(o); u32leb(align); u32leb(offset); }

/** Load of a `size`-byte (1, 2, 4) value zero-extended to i32 from [address on the stack + offset]. */
export function loadU(size: u32, offset: u32): void {
  if (size == 1) memOp(OP_I32_LOAD8_U, 0, offset);
  else if (size == 2) memOp(OP_I32_LOAD16_U, 1, offset);
  else memOp(OP_I32_LOAD, 2, offset);
}

/** Store of the low `size` bytes of an i32 to [address + offset] (the stack holds address, value). */
export function storeN(size: u32, offset: u32): void {
  if (size == 1) memOp(OP_I32_STORE8, 0, offset);
  else if (size == 2) memOp(OP_I32_STORE16, 1, offset);
  else memOp(OP_I32_STORE, 2, offset);
}

/** i32 load from a constant absolute address. */
export function loadAbs(addr: u32): void { i32c(0); memOp(OP_I32_LOAD, 2, addr); }
