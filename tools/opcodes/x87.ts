// x87 FPU rows of the opcode table (D8-DF). Format: see format.ts.
import { Row } from "./format.ts";

export const X87_ROWS: Row[] = [];
