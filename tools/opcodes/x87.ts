// x87 FPU rows of the opcode table (D8-DF). Format: see format.ts. Handlers: assembly/cpu/fpu/ops.ts, env.ts.
// Operands: Md m32 (real or integer by mnemonic), Mq m64, Mw m16, Mt m80, M environment/state area,
// ST = ST(0), STi = ST(i) from ModRM.rm. Impl arguments: fopHi = (opcode & 7) << 8 | reg << 3 for FOP;
// exact-ModRM rows pass the whole 11-bit FOP.
import { Row, row as r } from "./format.ts";

const ARITH = ["FADD", "FMUL", "FCOM", "FCOMP", "FSUB", "FSUBR", "FDIV", "FDIVR"];
// DC/DE register forms: the SDM names reg 4-7 the other way round (DC E0+i is FSUBR ST(i),ST(0))
const ARITH_REV = ["FADD", "FMUL", "FCOM", "FCOMP", "FSUBR", "FSUB", "FDIVR", "FDIV"];
const hx = (v: number) => "0x" + v.toString(16).toUpperCase();
const fopHi = (op: number, reg: number) => hx(((op & 7) << 8) | (reg << 3));
const fop = (op: number, modrm: number) => hx(((op & 7) << 8) | modrm);

function arithRows(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 8; i++) {
    const n = ARITH[i];
    const ni = n.replace(/^F/, "FI");
    rows.push(r(`D8/${i}m`, `${n} Md`, "m", `fArithMem<f32>(p, ${fopHi(0xD8, i)}, ${i})`));
    rows.push(r(`DC/${i}m`, `${n} Mq`, "m", `fArithMem<f64>(p, ${fopHi(0xDC, i)}, ${i})`));
    rows.push(r(`DA/${i}m`, `${ni} Md`, "m", `fArithMem<i32>(p, ${fopHi(0xDA, i)}, ${i})`));
    rows.push(r(`DE/${i}m`, `${ni} Mw`, "m", `fArithMem<i16>(p, ${fopHi(0xDE, i)}, ${i})`));
    if (i == 2 || i == 3) {
      rows.push(r(`D8/${i}r`, `${n} STi`, "r", `fcomReg(p, ${fopHi(0xD8, i)}, ${i - 2}, false, false)`));
      // DC D0+i / DC D8+i / DE D0+i: undocumented aliases of FCOM / FCOMP (P6 executes them)
      rows.push(r(`DC/${i}r`, `${n} STi`, "r", `fcomReg(p, ${fopHi(0xDC, i)}, ${i - 2}, false, false)`));
      continue;
    }
    rows.push(r(`D8/${i}r`, `${n} ST,STi`, "r", `fArithReg(p, ${fopHi(0xD8, i)}, ${i}, false, false)`));
    rows.push(r(`DC/${i}r`, `${ARITH_REV[i]} STi,ST`, "r", `fArithReg(p, ${fopHi(0xDC, i)}, ${i}, true, false)`));
    rows.push(r(`DE/${i}r`, `${ARITH_REV[i]}P STi,ST`, "r", `fArithReg(p, ${fopHi(0xDE, i)}, ${i}, true, true)`));
  }
  return rows;
}

const CONSTS = ["FLD1", "FLDL2T", "FLDL2E", "FLDPI", "FLDLG2", "FLDLN2", "FLDZ"];
// D9 F0-FF: kind numbers of ops.ts st0Dispatch (K_*), or other handlers
const D9_F: [number, string, string][] = [
  [0xF0, "F2XM1", "fst0Op(p, FOP, 8)"], [0xF1, "FYL2X", "fst0Op(p, FOP, 9)"], [0xF2, "FPTAN", "fst0Op(p, FOP, 6)"],
  [0xF3, "FPATAN", "fst0Op(p, FOP, 7)"], [0xF4, "FXTRACT", "fst0Op(p, FOP, 13)"], [0xF5, "FPREM1", "fst0Op(p, FOP, 12)"],
  [0xF6, "FDECSTP", "fincdecstp(p, FOP, -1)"], [0xF7, "FINCSTP", "fincdecstp(p, FOP, 1)"], [0xF8, "FPREM", "fst0Op(p, FOP, 11)"],
  [0xF9, "FYL2XP1", "fst0Op(p, FOP, 10)"], [0xFA, "FSQRT", "fst0Op(p, FOP, 0)"], [0xFB, "FSINCOS", "fst0Op(p, FOP, 5)"],
  [0xFC, "FRNDINT", "fst0Op(p, FOP, 1)"], [0xFD, "FSCALE", "fst0Op(p, FOP, 2)"], [0xFE, "FSIN", "fst0Op(p, FOP, 3)"],
  [0xFF, "FCOS", "fst0Op(p, FOP, 4)"],
];

function exact(op: number, modrm: number, text: string, impl: string): Row {
  return r(`${op.toString(16).toUpperCase()} ${modrm.toString(16).toUpperCase()}`, text, "", impl.replace("FOP", fop(op, modrm)));
}

export const X87_ROWS: Row[] = [
  ...arithRows(),
  // D9
  r("D9/0m", "FLD Md", "m", `fldMem<f32>(p, ${fopHi(0xD9, 0)})`),
  r("D9/0r", "FLD STi", "r", `fldReg(p, ${fopHi(0xD9, 0)})`),
  r("D9/1r", "FXCH STi", "r", `fxch(p, ${fopHi(0xD9, 1)})`),
  r("D9/2m", "FST Md", "m", `fstMem<f32>(p, ${fopHi(0xD9, 2)}, false)`),
  exact(0xD9, 0xD0, "FNOP", "fnop(p, FOP)"),
  r("D9/3m", "FSTP Md", "m", `fstMem<f32>(p, ${fopHi(0xD9, 3)}, true)`),
  r("D9/3r", "FSTP1 STi", "r", `fstReg(p, ${fopHi(0xD9, 3)}, true)`), // undocumented alias of FSTP ST(i)
  r("D9/4m", "FLDENV M", "m osize", "fldenvOp<T>(p)"),
  exact(0xD9, 0xE0, "FCHS", "fsignOp(p, FOP, false)"),
  exact(0xD9, 0xE1, "FABS", "fsignOp(p, FOP, true)"),
  exact(0xD9, 0xE4, "FTST", "ftst(p, FOP)"),
  exact(0xD9, 0xE5, "FXAM", "fxam(p, FOP)"),
  r("D9/5m", "FLDCW Mw", "m", "fldcw(p)"),
  ...CONSTS.map((n, k) => exact(0xD9, 0xE8 + k, n, `fldConst(p, FOP, ${k})`)),
  r("D9/6m", "FNSTENV M", "m osize", "fstenvOp<T>(p)"),
  ...D9_F.map(([m, n, impl]) => exact(0xD9, m, n, impl)),
  r("D9/7m", "FNSTCW Mw", "m", "fnstcw(p)"),
  // DA
  r("DA/0r", "FCMOVB ST,STi", "r", `fcmov(p, ${fopHi(0xDA, 0)}, 2)`),
  r("DA/1r", "FCMOVE ST,STi", "r", `fcmov(p, ${fopHi(0xDA, 1)}, 4)`),
  r("DA/2r", "FCMOVBE ST,STi", "r", `fcmov(p, ${fopHi(0xDA, 2)}, 6)`),
  r("DA/3r", "FCMOVU ST,STi", "r", `fcmov(p, ${fopHi(0xDA, 3)}, 10)`),
  exact(0xDA, 0xE9, "FUCOMPP", `fcomReg(p, ${fopHi(0xDA, 5)}, 2, true, false)`),
  // DB
  r("DB/0m", "FILD Md", "m", `fldMem<i32>(p, ${fopHi(0xDB, 0)})`),
  r("DB/2m", "FIST Md", "m", `fistMem<i32>(p, ${fopHi(0xDB, 2)}, false)`),
  r("DB/3m", "FISTP Md", "m", `fistMem<i32>(p, ${fopHi(0xDB, 3)}, true)`),
  r("DB/5m", "FLD Mt", "m", `fld80(p, ${fopHi(0xDB, 5)})`),
  r("DB/7m", "FSTP Mt", "m", `fstp80(p, ${fopHi(0xDB, 7)})`),
  r("DB/0r", "FCMOVNB ST,STi", "r", `fcmov(p, ${fopHi(0xDB, 0)}, 3)`),
  r("DB/1r", "FCMOVNE ST,STi", "r", `fcmov(p, ${fopHi(0xDB, 1)}, 5)`),
  r("DB/2r", "FCMOVNBE ST,STi", "r", `fcmov(p, ${fopHi(0xDB, 2)}, 7)`),
  r("DB/3r", "FCMOVNU ST,STi", "r", `fcmov(p, ${fopHi(0xDB, 3)}, 11)`),
  exact(0xDB, 0xE0, "FENI", "fnopControl(p)"), // 8087 only: no-op on a 387 and later
  exact(0xDB, 0xE1, "FDISI", "fnopControl(p)"),
  exact(0xDB, 0xE2, "FNCLEX", "fnclex(p)"),
  exact(0xDB, 0xE3, "FNINIT", "fninit(p)"),
  exact(0xDB, 0xE4, "FSETPM", "fnopControl(p)"), // 287 only
  r("DB/5r", "FUCOMI ST,STi", "r fw=oszapc", `fcomReg(p, ${fopHi(0xDB, 5)}, 0, true, true)`),
  r("DB/6r", "FCOMI ST,STi", "r fw=oszapc", `fcomReg(p, ${fopHi(0xDB, 6)}, 0, false, true)`),
  // DD
  r("DD/0m", "FLD Mq", "m", `fldMem<f64>(p, ${fopHi(0xDD, 0)})`),
  r("DD/2m", "FST Mq", "m", `fstMem<f64>(p, ${fopHi(0xDD, 2)}, false)`),
  r("DD/3m", "FSTP Mq", "m", `fstMem<f64>(p, ${fopHi(0xDD, 3)}, true)`),
  r("DD/4m", "FRSTOR M", "m osize", "frstorOp<T>(p)"),
  r("DD/6m", "FNSAVE M", "m osize", "fsaveOp<T>(p)"),
  r("DD/7m", "FNSTSW Mw", "m", "fnstswMem(p)"),
  r("DD/0r", "FFREE STi", "r", `ffree(p, ${fopHi(0xDD, 0)}, false)`),
  r("DD/1r", "FXCH4 STi", "r", `fxch(p, ${fopHi(0xDD, 1)})`), // undocumented alias
  r("DD/2r", "FST STi", "r", `fstReg(p, ${fopHi(0xDD, 2)}, false)`),
  r("DD/3r", "FSTP STi", "r", `fstReg(p, ${fopHi(0xDD, 3)}, true)`),
  r("DD/4r", "FUCOM STi", "r", `fcomReg(p, ${fopHi(0xDD, 4)}, 0, true, false)`),
  r("DD/5r", "FUCOMP STi", "r", `fcomReg(p, ${fopHi(0xDD, 5)}, 1, true, false)`),
  // DE
  r("DE/2r", "FCOMP5 STi", "r", `fcomReg(p, ${fopHi(0xDE, 2)}, 1, false, false)`), // undocumented alias
  exact(0xDE, 0xD9, "FCOMPP", `fcomReg(p, ${fopHi(0xDE, 3)}, 2, false, false)`),
  // DF
  r("DF/0m", "FILD Mw", "m", `fldMem<i16>(p, ${fopHi(0xDF, 0)})`),
  r("DF/2m", "FIST Mw", "m", `fistMem<i16>(p, ${fopHi(0xDF, 2)}, false)`),
  r("DF/3m", "FISTP Mw", "m", `fistMem<i16>(p, ${fopHi(0xDF, 3)}, true)`),
  r("DF/4m", "FBLD Mt", "m", `fbld(p, ${fopHi(0xDF, 4)})`),
  r("DF/5m", "FILD Mq", "m", `fild64(p, ${fopHi(0xDF, 5)})`),
  r("DF/6m", "FBSTP Mt", "m", `fbstp(p, ${fopHi(0xDF, 6)})`),
  r("DF/7m", "FISTP Mq", "m", `fistMem<i64>(p, ${fopHi(0xDF, 7)}, true)`),
  r("DF/0r", "FFREEP STi", "r", `ffree(p, ${fopHi(0xDF, 0)}, true)`), // undocumented, P6 has it
  r("DF/1r", "FXCH7 STi", "r", `fxch(p, ${fopHi(0xDF, 1)})`), // undocumented alias
  r("DF/2r", "FSTP8 STi", "r", `fstReg(p, ${fopHi(0xDF, 2)}, true)`), // undocumented alias
  r("DF/3r", "FSTP9 STi", "r", `fstReg(p, ${fopHi(0xDF, 3)}, true)`), // undocumented alias
  exact(0xDF, 0xE0, "FNSTSW AX", "fnstswAX(p)"),
  r("DF/5r", "FUCOMIP ST,STi", "r fw=oszapc", `fcomReg(p, ${fopHi(0xDF, 5)}, 1, true, true)`),
  r("DF/6r", "FCOMIP ST,STi", "r fw=oszapc", `fcomReg(p, ${fopHi(0xDF, 6)}, 1, false, true)`),
];
