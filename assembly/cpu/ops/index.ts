// All instruction handlers, for the generated decode tables (cpu/generated/decode_tables.ts).
// Each file holds one group of the instruction set; grep the impl name from tools/opcodes/table.ts.
export * from "./alu";
export * from "./mov";
export * from "./pushpop";
export * from "./control";
export * from "./string";
export * from "./shift";
export * from "./muldiv";
export * from "./bcd";
export * from "./bits";
export * from "./flagops";
export * from "./io";
export * from "./system";
export * from "./x87";
export * from "../fpu/ops"; // the x87 escapes D8-DF
