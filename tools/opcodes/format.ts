// The format of the opcode table (DESIGN.md principle 5). One row per instruction form:
//
//   code   which bytes select the form:
//            "00"          one-byte opcode
//            "0F AF"       two-byte opcode
//            "80/3"        opcode with ModRM.reg = 3 (a group)
//            "D9/0m"       ... and only the memory form (mod != 3)
//            "D9/0r"       ... and only the register form (mod == 3)
//            "D9 E8"       opcode with the exact ModRM byte E8 (register form)
//            "B8+r"        eight opcodes with the register in the low 3 bits
//            "70+cc"       sixteen condition codes (cc substituted into mnemonic and impl)
//   text   mnemonic and operands in the Intel manual's notation, e.g. "ADD Ev,Gv". A mnemonic written
//          "CBW|CWDE" names the 16-bit and 32-bit operand-size forms.
//   attrs  space separated words:
//            lock   a LOCK prefix is allowed (memory destination only)
//            end    ends a basic block (control transfer, mode or code-size change, interrupt window)
//            osize  operand-size dependent although no operand says 'v' (two handlers, o16 and o32)
//            m / r  ModRM must be memory / register (the other form is #UD)
//            rr     ModRM is always treated as a register (MOV CRn/DRn: mod is ignored)
//            str    string instruction (REP/REPNE prefixes are meaningful)
//            cpu=N  first CPU that has it (86, 186, 286, 386, 486, 586, 686)
//            fr=..  flags read, fw=.. flags written, fu=.. flags left undefined (letters of "odiszapc")
//   impl   the AssemblyScript call that implements the form. "T" is replaced by the operand type (u8, u16,
//          u32), "F" by the ModRM form marker (RegForm / MemForm), "cc" by the condition code number and "r"
//          by the register number of "+r" opcodes. The call receives the decoded record address as "p".
//
// Operand notation (Intel SDM Vol. 2, Appendix A): E = ModRM r/m, G = ModRM reg, I = immediate, J = relative
// offset, M = memory only, O = moffs, S = segment register (ModRM reg), C/D = control/debug register,
// R = general register from ModRM r/m, X = DS:eSI, Y = ES:eDI, Z = register in the opcode's low bits, A = far
// pointer immediate. Sizes: b byte, w word, d dword, v word/dword by operand size, z word for 16-bit operands
// else dword, q qword, p far pointer, s 6-byte table register, a two v operands (BOUND). "Ibs" is a byte
// immediate sign-extended to the operand size. Fixed operands: AL, eAX, CL, DX, 1, ES, CS, ...
export interface Row {
  code: string;
  text: string;
  attrs?: string;
  impl: string;
}

export function row(code: string, text: string, attrs: string, impl: string): Row {
  return { code, text, attrs, impl };
}

export const CONDITIONS = ["O", "NO", "B", "AE", "E", "NE", "BE", "A", "S", "NS", "P", "NP", "L", "GE", "LE", "G"];
