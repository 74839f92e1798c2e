// The integer instruction set of the emulated CPU (P6 level). The x87 rows are in x87.ts.
// Format: see format.ts. Handlers live in assembly/cpu/ops/ and are named after the row's impl.
import { Row, row as r } from "./format.ts";
import { X87_ROWS } from "./x87.ts";

const ALU = ["ADD", "OR", "ADC", "SBB", "AND", "SUB", "XOR", "CMP"];
const ALU_FLAGS = ["fw=oszapc", "fw=oszapc fu=a", "fr=c fw=oszapc", "fr=c fw=oszapc", "fw=oszapc fu=a", "fw=oszapc", "fw=oszapc fu=a", "fw=oszapc"];
const SHIFT = ["ROL", "ROR", "RCL", "RCR", "SHL", "SHR", "SAL", "SAR"];

function aluRows(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 8; i++) {
    const b = i * 8, n = ALU[i], f = ALU_FLAGS[i];
    const lock = n === "CMP" ? "" : "lock ";
    const hex = (x: number) => x.toString(16).toUpperCase().padStart(2, "0");
    rows.push(r(hex(b + 0), `${n} Eb,Gb`, `${lock}${f}`, `alu_EG<T,F>(p, ${i})`));
    rows.push(r(hex(b + 1), `${n} Ev,Gv`, `${lock}${f}`, `alu_EG<T,F>(p, ${i})`));
    rows.push(r(hex(b + 2), `${n} Gb,Eb`, f, `alu_GE<T,F>(p, ${i})`));
    rows.push(r(hex(b + 3), `${n} Gv,Ev`, f, `alu_GE<T,F>(p, ${i})`));
    rows.push(r(hex(b + 4), `${n} AL,Ib`, f, `alu_AI<T>(p, ${i})`));
    rows.push(r(hex(b + 5), `${n} eAX,Iz`, f, `alu_AI<T>(p, ${i})`));
    rows.push(r(`80/${i}`, `${n} Eb,Ib`, `${lock}${f}`, `alu_EI<T,F>(p, ${i})`));
    rows.push(r(`81/${i}`, `${n} Ev,Iz`, `${lock}${f}`, `alu_EI<T,F>(p, ${i})`));
    rows.push(r(`82/${i}`, `${n} Eb,Ib`, `${lock}${f}`, `alu_EI<T,F>(p, ${i})`));
    rows.push(r(`83/${i}`, `${n} Ev,Ibs`, `${lock}${f}`, `alu_EI<T,F>(p, ${i})`));
  }
  return rows;
}

function shiftRows(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 8; i++) {
    const n = SHIFT[i];
    const f = i < 4 ? (i >= 2 ? "fr=c fw=oc fu=o" : "fw=oc fu=o") : "fw=oszapc fu=oa";
    rows.push(r(`C0/${i}`, `${n} Eb,Ib`, `cpu=186 ${f}`, `shift_E<T,F>(p, ${i}, 2)`));
    rows.push(r(`C1/${i}`, `${n} Ev,Ib`, `cpu=186 ${f}`, `shift_E<T,F>(p, ${i}, 2)`));
    rows.push(r(`D0/${i}`, `${n} Eb,1`, f, `shift_E<T,F>(p, ${i}, 0)`));
    rows.push(r(`D1/${i}`, `${n} Ev,1`, f, `shift_E<T,F>(p, ${i}, 0)`));
    rows.push(r(`D2/${i}`, `${n} Eb,CL`, f, `shift_E<T,F>(p, ${i}, 1)`));
    rows.push(r(`D3/${i}`, `${n} Ev,CL`, f, `shift_E<T,F>(p, ${i}, 1)`));
  }
  return rows;
}

const SEGS = ["ES", "CS", "SS", "DS", "FS", "GS"];

export const INTEGER_ROWS: Row[] = [
  ...aluRows(),
  r("06", "PUSH ES", "osize", "push_S<T>(p, 0)"),
  r("07", "POP ES", "osize", "pop_S<T>(p, 0)"),
  r("0E", "PUSH CS", "osize", "push_S<T>(p, 1)"),
  r("16", "PUSH SS", "osize", "push_S<T>(p, 2)"),
  r("17", "POP SS", "osize end", "pop_S<T>(p, 2)"),
  r("1E", "PUSH DS", "osize", "push_S<T>(p, 3)"),
  r("1F", "POP DS", "osize", "pop_S<T>(p, 3)"),
  r("0F A0", "PUSH FS", "osize cpu=386", "push_S<T>(p, 4)"),
  r("0F A1", "POP FS", "osize cpu=386", "pop_S<T>(p, 4)"),
  r("0F A8", "PUSH GS", "osize cpu=386", "push_S<T>(p, 5)"),
  r("0F A9", "POP GS", "osize cpu=386", "pop_S<T>(p, 5)"),
  r("27", "DAA", "fr=ac fw=oszapc fu=o", "daa(p)"),
  r("2F", "DAS", "fr=ac fw=oszapc fu=o", "das(p)"),
  r("37", "AAA", "fr=a fw=oszapc fu=oszp", "aaa(p)"),
  r("3F", "AAS", "fr=a fw=oszapc fu=oszp", "aas(p)"),
  r("40+r", "INC Zv", "fw=oszap", "inc_Z<T>(p)"),
  r("48+r", "DEC Zv", "fw=oszap", "dec_Z<T>(p)"),
  r("50+r", "PUSH Zv", "", "push_Z<T>(p)"),
  r("58+r", "POP Zv", "", "pop_Z<T>(p)"),
  r("60", "PUSHA|PUSHAD", "osize cpu=186", "pusha<T>(p)"),
  r("61", "POPA|POPAD", "osize cpu=186", "popa<T>(p)"),
  r("62", "BOUND Gv,Ma", "m cpu=186", "bound<T>(p)"),
  r("63", "ARPL Ew,Gw", "cpu=286 fw=z", "arpl<F>(p)"),
  r("68", "PUSH Iz", "cpu=186", "push_I<T>(p)"),
  r("69", "IMUL Gv,Ev,Iz", "cpu=186 fw=oszapc fu=szap", "imul_GEI<T,F>(p)"),
  r("6A", "PUSH Ibs", "cpu=186 osize", "push_I<T>(p)"),
  r("6B", "IMUL Gv,Ev,Ibs", "cpu=186 fw=oszapc fu=szap", "imul_GEI<T,F>(p)"),
  r("6C", "INSB Yb,DX", "str cpu=186", "ins<T>(p)"),
  r("6D", "INSW|INSD Yv,DX", "str cpu=186", "ins<T>(p)"),
  r("6E", "OUTSB DX,Xb", "str cpu=186", "outs<T>(p)"),
  r("6F", "OUTSW|OUTSD DX,Xv", "str cpu=186", "outs<T>(p)"),
  r("70+cc", "Jcc Jb", "end osize", "jcc<T>(p, cc)"),
  r("0F 80+cc", "Jcc Jz", "end cpu=386", "jcc<T>(p, cc)"),
  r("84", "TEST Eb,Gb", "fw=oszapc fu=a", "test_EG<T,F>(p)"),
  r("85", "TEST Ev,Gv", "fw=oszapc fu=a", "test_EG<T,F>(p)"),
  r("86", "XCHG Eb,Gb", "lock", "xchg_EG<T,F>(p)"),
  r("87", "XCHG Ev,Gv", "lock", "xchg_EG<T,F>(p)"),
  r("88", "MOV Eb,Gb", "", "mov_EG<T,F>(p)"),
  r("89", "MOV Ev,Gv", "", "mov_EG<T,F>(p)"),
  r("8A", "MOV Gb,Eb", "", "mov_GE<T,F>(p)"),
  r("8B", "MOV Gv,Ev", "", "mov_GE<T,F>(p)"),
  r("8C", "MOV Ev,Sw", "", "mov_ES<T,F>(p)"),
  r("8D", "LEA Gv,M", "m", "lea<T>(p)"),
  r("8E", "MOV Sw,Ew", "end", "mov_SE<F>(p)"),
  r("8F/0", "POP Ev", "", "pop_E<T,F>(p)"),
  r("90", "NOP", "", "nop(p)"),
  r("90+r", "XCHG Zv,eAX", "", "xchg_ZA<T>(p)"),
  r("98", "CBW|CWDE", "osize", "cbw<T>(p)"),
  r("99", "CWD|CDQ", "osize", "cwd<T>(p)"),
  r("9A", "CALLF Ap", "end osize", "callf_A<T>(p)"),
  r("9B", "WAIT", "", "fwait(p)"),
  r("9C", "PUSHF|PUSHFD", "osize", "pushf<T>(p)"),
  r("9D", "POPF|POPFD", "osize end", "popf<T>(p)"),
  r("9E", "SAHF", "fw=szapc", "sahf(p)"),
  r("9F", "LAHF", "fr=szapc", "lahf(p)"),
  r("A0", "MOV AL,Ob", "", "mov_AO<T>(p)"),
  r("A1", "MOV eAX,Ov", "", "mov_AO<T>(p)"),
  r("A2", "MOV Ob,AL", "", "mov_OA<T>(p)"),
  r("A3", "MOV Ov,eAX", "", "mov_OA<T>(p)"),
  r("A4", "MOVSB Yb,Xb", "str", "movs<T>(p)"),
  r("A5", "MOVSW|MOVSD Yv,Xv", "str", "movs<T>(p)"),
  r("A6", "CMPSB Xb,Yb", "str fw=oszapc", "cmps<T>(p)"),
  r("A7", "CMPSW|CMPSD Xv,Yv", "str fw=oszapc", "cmps<T>(p)"),
  r("A8", "TEST AL,Ib", "fw=oszapc fu=a", "test_AI<T>(p)"),
  r("A9", "TEST eAX,Iz", "fw=oszapc fu=a", "test_AI<T>(p)"),
  r("AA", "STOSB Yb,AL", "str", "stos<T>(p)"),
  r("AB", "STOSW|STOSD Yv,eAX", "str", "stos<T>(p)"),
  r("AC", "LODSB AL,Xb", "str", "lods<T>(p)"),
  r("AD", "LODSW|LODSD eAX,Xv", "str", "lods<T>(p)"),
  r("AE", "SCASB AL,Yb", "str fw=oszapc", "scas<T>(p)"),
  r("AF", "SCASW|SCASD eAX,Yv", "str fw=oszapc", "scas<T>(p)"),
  r("B0+r", "MOV Zb,Ib", "", "mov_ZI<T>(p)"),
  r("B8+r", "MOV Zv,Iv", "", "mov_ZI<T>(p)"),
  ...shiftRows(),
  r("C2", "RET Iw", "end osize", "ret_near<T>(p, true)"),
  r("C3", "RET", "end osize", "ret_near<T>(p, false)"),
  r("C4", "LES Gv,Mp", "m", "load_far<T>(p, 0)"),
  r("C5", "LDS Gv,Mp", "m", "load_far<T>(p, 3)"),
  r("C6/0", "MOV Eb,Ib", "", "mov_EI<T,F>(p)"),
  r("C7/0", "MOV Ev,Iz", "", "mov_EI<T,F>(p)"),
  r("C8", "ENTER Iw,Ib", "osize cpu=186", "enter<T>(p)"),
  r("C9", "LEAVE", "osize cpu=186", "leave<T>(p)"),
  r("CA", "RETF Iw", "end osize", "retf<T>(p, true)"),
  r("CB", "RETF", "end osize", "retf<T>(p, false)"),
  r("CC", "INT3", "end", "int3(p)"),
  r("CD", "INT Ib", "end", "int_I(p)"),
  r("CE", "INTO", "end fr=o", "into(p)"),
  r("CF", "IRET|IRETD", "end osize", "iret<T>(p)"),
  r("D4", "AAM Ib", "fw=oszapc fu=oac", "aam(p)"),
  r("D5", "AAD Ib", "fw=oszapc fu=oac", "aad(p)"),
  r("D6", "SALC", "fr=c", "salc(p)"),
  r("D7", "XLAT", "", "xlat(p)"),
  r("E0", "LOOPNE Jb", "end osize fr=z", "loop<T>(p, 0)"),
  r("E1", "LOOPE Jb", "end osize fr=z", "loop<T>(p, 1)"),
  r("E2", "LOOP Jb", "end osize", "loop<T>(p, 2)"),
  r("E3", "JCXZ|JECXZ Jb", "end osize", "loop<T>(p, 3)"),
  r("E4", "IN AL,Ib", "", "in_I<T>(p)"),
  r("E5", "IN eAX,Ib", "", "in_I<T>(p)"),
  r("E6", "OUT Ib,AL", "", "out_I<T>(p)"),
  r("E7", "OUT Ib,eAX", "", "out_I<T>(p)"),
  r("E8", "CALL Jz", "end", "call_J<T>(p)"),
  r("E9", "JMP Jz", "end", "jmp_J<T>(p)"),
  r("EA", "JMPF Ap", "end osize", "jmpf_A<T>(p)"),
  r("EB", "JMP Jb", "end osize", "jmp_J<T>(p)"),
  r("EC", "IN AL,DX", "", "in_D<T>(p)"),
  r("ED", "IN eAX,DX", "", "in_D<T>(p)"),
  r("EE", "OUT DX,AL", "", "out_D<T>(p)"),
  r("EF", "OUT DX,eAX", "", "out_D<T>(p)"),
  r("F1", "INT1", "end cpu=386", "int1(p)"),
  r("F4", "HLT", "end", "hlt(p)"),
  r("F5", "CMC", "fr=c fw=c", "cmc(p)"),
  r("F6/0", "TEST Eb,Ib", "fw=oszapc fu=a", "test_EI<T,F>(p)"),
  r("F6/1", "TEST Eb,Ib", "fw=oszapc fu=a", "test_EI<T,F>(p)"),
  r("F6/2", "NOT Eb", "lock", "not_E<T,F>(p)"),
  r("F6/3", "NEG Eb", "lock fw=oszapc", "neg_E<T,F>(p)"),
  r("F6/4", "MUL Eb", "fw=oszapc fu=szap", "mul_E<T,F>(p)"),
  r("F6/5", "IMUL Eb", "fw=oszapc fu=szap", "imul_E<T,F>(p)"),
  r("F6/6", "DIV Eb", "fu=oszapc", "div_E<T,F>(p)"),
  r("F6/7", "IDIV Eb", "fu=oszapc", "idiv_E<T,F>(p)"),
  r("F7/0", "TEST Ev,Iz", "fw=oszapc fu=a", "test_EI<T,F>(p)"),
  r("F7/1", "TEST Ev,Iz", "fw=oszapc fu=a", "test_EI<T,F>(p)"),
  r("F7/2", "NOT Ev", "lock", "not_E<T,F>(p)"),
  r("F7/3", "NEG Ev", "lock fw=oszapc", "neg_E<T,F>(p)"),
  r("F7/4", "MUL Ev", "fw=oszapc fu=szap", "mul_E<T,F>(p)"),
  r("F7/5", "IMUL Ev", "fw=oszapc fu=szap", "imul_E<T,F>(p)"),
  r("F7/6", "DIV Ev", "fu=oszapc", "div_E<T,F>(p)"),
  r("F7/7", "IDIV Ev", "fu=oszapc", "idiv_E<T,F>(p)"),
  r("F8", "CLC", "fw=c", "clc(p)"),
  r("F9", "STC", "fw=c", "stc(p)"),
  r("FA", "CLI", "", "cli(p)"),
  r("FB", "STI", "end", "sti(p)"),
  r("FC", "CLD", "", "cld(p)"),
  r("FD", "STD", "", "std(p)"),
  r("FE/0", "INC Eb", "lock fw=oszap", "incdec_E<T,F>(p, false)"),
  r("FE/1", "DEC Eb", "lock fw=oszap", "incdec_E<T,F>(p, true)"),
  r("FF/0", "INC Ev", "lock fw=oszap", "incdec_E<T,F>(p, false)"),
  r("FF/1", "DEC Ev", "lock fw=oszap", "incdec_E<T,F>(p, true)"),
  r("FF/2", "CALL Ev", "end", "call_E<T,F>(p)"),
  r("FF/3", "CALLF Mp", "end m", "callf_M<T>(p)"),
  r("FF/4", "JMP Ev", "end", "jmp_E<T,F>(p)"),
  r("FF/5", "JMPF Mp", "end m", "jmpf_M<T>(p)"),
  r("FF/6", "PUSH Ev", "", "push_E<T,F>(p)"),

  // ---- two-byte opcodes ----
  r("0F 00/0", "SLDT Ev", "cpu=286", "sldt<T,F>(p)"),
  r("0F 00/1", "STR Ev", "cpu=286", "str_<T,F>(p)"),
  r("0F 00/2", "LLDT Ew", "cpu=286", "lldt<F>(p)"),
  r("0F 00/3", "LTR Ew", "cpu=286", "ltr<F>(p)"),
  r("0F 00/4", "VERR Ew", "cpu=286 fw=z", "verr<F>(p, false)"),
  r("0F 00/5", "VERW Ew", "cpu=286 fw=z", "verr<F>(p, true)"),
  r("0F 01/0", "SGDT Ms", "m cpu=286", "sgdt<T>(p, false)"),
  r("0F 01/1", "SIDT Ms", "m cpu=286", "sgdt<T>(p, true)"),
  r("0F 01/2", "LGDT Ms", "m cpu=286", "lgdt<T>(p, false)"),
  r("0F 01/3", "LIDT Ms", "m cpu=286", "lgdt<T>(p, true)"),
  r("0F 01/4", "SMSW Ev", "cpu=286", "smsw<T,F>(p)"),
  r("0F 01/6", "LMSW Ew", "end cpu=286", "lmsw<F>(p)"),
  r("0F 01/7", "INVLPG M", "m end cpu=486", "invlpg(p)"),
  r("0F 02", "LAR Gv,Ew", "cpu=286 fw=z", "lar<T,F>(p)"),
  r("0F 03", "LSL Gv,Ew", "cpu=286 fw=z", "lsl<T,F>(p)"),
  r("0F 06", "CLTS", "cpu=286", "clts(p)"),
  r("0F 08", "INVD", "cpu=486", "wbinvd(p)"),
  r("0F 09", "WBINVD", "cpu=486", "wbinvd(p)"),
  r("0F 0B", "UD2", "end cpu=686", "ud(p)"),
  r("0F 19", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1A", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1B", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1C", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1D", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1E", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 1F", "NOP Ev", "cpu=686", "nop(p)"),
  r("0F 20", "MOV Rd,Cd", "rr cpu=386", "mov_RC(p)"),
  r("0F 21", "MOV Rd,Dd", "rr cpu=386", "mov_RD(p)"),
  r("0F 22", "MOV Cd,Rd", "rr end cpu=386", "mov_CR(p)"),
  r("0F 23", "MOV Dd,Rd", "rr end cpu=386", "mov_DR(p)"),
  r("0F 30", "WRMSR", "end cpu=586", "wrmsr(p)"),
  r("0F 31", "RDTSC", "cpu=586", "rdtsc(p)"),
  r("0F 32", "RDMSR", "cpu=586", "rdmsr(p)"),
  r("0F 33", "RDPMC", "cpu=686", "rdpmc(p)"),
  r("0F 34", "SYSENTER", "end cpu=686", "sysenter(p)"),
  r("0F 35", "SYSEXIT", "end cpu=686", "sysexit(p)"),
  r("0F 40+cc", "CMOVcc Gv,Ev", "cpu=686", "cmov<T,F>(p, cc)"),
  r("0F 90+cc", "SETcc Eb", "cpu=386", "setcc<F>(p, cc)"),
  r("0F A2", "CPUID", "cpu=586", "cpuid(p)"),
  r("0F A3", "BT Ev,Gv", "cpu=386 fw=c fu=osap", "bt_EG<T,F>(p, 0)"),
  r("0F A4", "SHLD Ev,Gv,Ib", "cpu=386 fw=oszapc fu=oa", "shld<T,F>(p, false)"),
  r("0F A5", "SHLD Ev,Gv,CL", "cpu=386 fw=oszapc fu=oa", "shld<T,F>(p, true)"),
  r("0F AB", "BTS Ev,Gv", "lock cpu=386 fw=c fu=osap", "bt_EG<T,F>(p, 1)"),
  r("0F AC", "SHRD Ev,Gv,Ib", "cpu=386 fw=oszapc fu=oa", "shrd<T,F>(p, false)"),
  r("0F AD", "SHRD Ev,Gv,CL", "cpu=386 fw=oszapc fu=oa", "shrd<T,F>(p, true)"),
  r("0F AF", "IMUL Gv,Ev", "cpu=386 fw=oszapc fu=szap", "imul_GE<T,F>(p)"),
  r("0F B0", "CMPXCHG Eb,Gb", "lock cpu=486 fw=oszapc", "cmpxchg<T,F>(p)"),
  r("0F B1", "CMPXCHG Ev,Gv", "lock cpu=486 fw=oszapc", "cmpxchg<T,F>(p)"),
  r("0F B2", "LSS Gv,Mp", "m end cpu=386", "load_far<T>(p, 2)"),
  r("0F B3", "BTR Ev,Gv", "lock cpu=386 fw=c fu=osap", "bt_EG<T,F>(p, 2)"),
  r("0F B4", "LFS Gv,Mp", "m cpu=386", "load_far<T>(p, 4)"),
  r("0F B5", "LGS Gv,Mp", "m cpu=386", "load_far<T>(p, 5)"),
  r("0F B6", "MOVZX Gv,Eb", "cpu=386", "movzx<T,u8,F>(p)"),
  r("0F B7", "MOVZX Gv,Ew", "cpu=386", "movzx<T,u16,F>(p)"),
  r("0F BA/4", "BT Ev,Ib", "cpu=386 fw=c fu=osap", "bt_EI<T,F>(p, 0)"),
  r("0F BA/5", "BTS Ev,Ib", "lock cpu=386 fw=c fu=osap", "bt_EI<T,F>(p, 1)"),
  r("0F BA/6", "BTR Ev,Ib", "lock cpu=386 fw=c fu=osap", "bt_EI<T,F>(p, 2)"),
  r("0F BA/7", "BTC Ev,Ib", "lock cpu=386 fw=c fu=osap", "bt_EI<T,F>(p, 3)"),
  r("0F BB", "BTC Ev,Gv", "lock cpu=386 fw=c fu=osap", "bt_EG<T,F>(p, 3)"),
  r("0F BC", "BSF Gv,Ev", "cpu=386 fw=z fu=osapc", "bsf<T,F>(p)"),
  r("0F BD", "BSR Gv,Ev", "cpu=386 fw=z fu=osapc", "bsr<T,F>(p)"),
  r("0F BE", "MOVSX Gv,Eb", "cpu=386", "movsx<T,u8,F>(p)"),
  r("0F BF", "MOVSX Gv,Ew", "cpu=386", "movsx<T,u16,F>(p)"),
  r("0F C0", "XADD Eb,Gb", "lock cpu=486 fw=oszapc", "xadd<T,F>(p)"),
  r("0F C1", "XADD Ev,Gv", "lock cpu=486 fw=oszapc", "xadd<T,F>(p)"),
  r("0F C7/1", "CMPXCHG8B Mq", "m lock cpu=586 fw=z", "cmpxchg8b(p)"),
  r("0F C8+r", "BSWAP Zd", "osize cpu=486", "bswap_Z<T>(p)"),
  r("0F AE/0", "FXSAVE M", "m cpu=686", "fxsave(p)"),
  r("0F AE/1", "FXRSTOR M", "m cpu=686", "fxrstor(p)"),
];

export const ALL_ROWS: Row[] = [...INTEGER_ROWS, ...X87_ROWS];
export { SEGS };
