// x87 cases compared against the host CPU (test/fpu/native.ts). Each writes results to [ebx+...].
// Some arithmetic cases set precision control to 53 bits (FLDCW 027Fh) to check double-precision rounding;
// the random differential test (test/fpu/random.ts, test/x87.test.ts) covers all precisions and roundings.
import { Case } from "./native.ts";

const PC53 = "  fldcw [.cw53]";
const CW53 = ".cw53: dw 0x027F\n";
const rcWord = (rc: number, pc = 3) => 0x007F | (pc << 8) | (rc << 10);
const sw = (off: number) => `  fnstsw [ebx+${off}]`;

function forRC(body: (rc: number, base: number) => string, stride: number): string {
  return [0, 1, 2, 3].map(rc => `  mov word [ebx+250], ${rcWord(rc)}\n  fldcw [ebx+250]\n${body(rc, rc * stride)}`).join("\n");
}

export const CASES: Case[] = [
  {
    // FXSAVE in 32-bit mode writes bytes 0-287 (legacy area and XMM0-7); the reserved bytes 288-463 and the
    // software-available bytes 464-511 are not written (SDM Vol. 2 FXSAVE, table 3-53; measured on the host).
    name: "FXSAVE leaves bytes 288-511 unwritten; header and register slots (reserved bytes zero)",
    code: `  fld1\n  fldpi\n  mov ebp, esp\n  sub esp, 1024\n  and esp, -16\n  mov edi, esp\n  mov ecx, 128\n  mov eax, 0xCCCCCCCC\n  rep stosd\n` +
      `  fxsave [esp]\n  lea edi, [esp+288]\n  mov ecx, 224\n  mov al, 0xCC\n  repe scasb\n  setz byte [ebx]\n  mov [ebx+1], cl\n` +
      `  mov eax, [esp]\n  mov [ebx+4], eax\n  mov ax, [esp+4]\n  mov [ebx+8], ax\n  lea esi, [esp+32]\n  lea edi, [ebx+16]\n  mov ecx, 8\n  rep movsd\n  mov esp, ebp`,
  },
  {
    name: "precision: 64-bit significands survive loads, moves and FADD at PC 64; 1/3 at PC 64/53/24",
    code: `  fld tword [.v]\n  fld st0\n  fxch st1\n  fchs\n  fabs\n  fstp tword [ebx]\n  fldz\n  faddp st1, st0\n  fstp tword [ebx+10]\n` +
      `  fild qword [.i64]\n  fistp qword [ebx+20]\n  fld1\n  fdiv qword [.three]\n  fstp tword [ebx+28]\n${sw(38)}\n` +
      [0x27F, 0x07F].map((cw, i) => `  mov word [ebx+250], ${cw}\n  fldcw [ebx+250]\n  fld1\n  fdiv qword [.three]\n  fstp tword [ebx+${40 + i * 10}]`).join("\n") +
      `\n  fninit\n  fld tword [.v]\n  fld tword [.w]\n  fmulp st1, st0\n  fstp tword [ebx+60]\n  fld tword [.v]\n  fsqrt\n  fstp tword [ebx+70]\n${sw(80)}`,
    data: `.v: dq 0xFFFFFFFFFFFFFFFF\n dw 0x3FFF\n.w: dq 0x8000000000000001\n dw 0x3FFF\n.i64: dq 0x7FFFFFFFFFFFFFFF\n.three: dq 3.0\n`,
  },
  {
    name: "FLD m80 / FSTP m80 round trip (64-bit significands, denormal, NaNs, -0, inf, unnormal)",
    code: [0, 1, 2, 3, 4, 5, 6, 7].map(i => `  fld tword [.v${i}]\n  fstp tword [ebx+${i * 10}]`).join("\n") + "\n" + sw(100),
    data: `.v0: dq 0xFFFFFFFFFFFFFFFF\n dw 0x3FFF\n.v1: dq 0x8000000000000001\n dw 0xC123\n.v2: dq 0x0000000000000123\n dw 0x0000\n` +
      `.v3: dq 0xA000000000000123\n dw 0x7FFF\n.v4: dq 0xC000000000000456\n dw 0xFFFF\n.v5: dq 0\n dw 0x8000\n.v6: dq 0x8000000000000000\n dw 0x7FFF\n.v7: dq 0xFFFFFFFFFFFFFFFF\n dw 0x7FFE\n`,
  },
  {
    name: "FLD m32 / m64: denormals, SNaN quieted with IE, payloads, -0; FSTP m64/m32",
    code: `  fld dword [.a]\n  fstp qword [ebx]\n  fld dword [.b]\n  fstp qword [ebx+8]\n${sw(16)}\n  fnclex\n  fld qword [.c]\n  fstp qword [ebx+24]\n  fld qword [.d]\n  fstp dword [ebx+32]\n  fld dword [.e]\n  fstp dword [ebx+36]\n${sw(40)}\n  fnclex\n  fld qword [.f]\n  fst dword [ebx+44]\n  fstp qword [ebx+48]\n${sw(56)}`,
    data: `.a: dd 0x00000001\n.b: dd 0xFF812345\n.c: dq 0x7FF0000000000123\n.d: dq 0x8000000000000000\n.e: dd 0x7FC12345\n.f: dq 0x0000000000000001\n`,
  },
  {
    name: "FST m32 rounding under RC with PE/C1, overflow and underflow",
    code: forRC((rc, b) => `  fld qword [.x]\n  fstp dword [ebx+${b}]\n  fld qword [.y]\n  fstp dword [ebx+${b + 4}]\n  fld qword [.big]\n  fstp dword [ebx+${b + 8}]\n  fld qword [.tiny]\n  fstp dword [ebx+${b + 12}]\n  fnstsw [ebx+${b + 16}]\n  fnclex`, 20),
    data: `.x: dq 0.1\n.y: dq -2.7182818284590452\n.big: dq -1.0e39\n.tiny: dq 1.0e-41\n`,
  },
  {
    name: "FIST/FISTP m16/m32/m64 under RC, out of range gives the integer indefinite",
    code: forRC((rc, b) => `  fld qword [.a]\n  fist word [ebx+${b}]\n  fistp dword [ebx+${b + 2}]\n  fld qword [.b]\n  fistp qword [ebx+${b + 6}]\n  fld qword [.c]\n  fistp word [ebx+${b + 14}]\n  fld qword [.d]\n  fistp dword [ebx+${b + 16}]\n  fnstsw [ebx+${b + 20}]\n  fnclex\n  fld qword [.e]\n  fistp word [ebx+${b + 22}]\n  fld qword [.f]\n  fistp qword [ebx+${b + 24}]\n  fld qword [.g]\n  fistp qword [ebx+${b + 32}]\n  fnstsw [ebx+${b + 40}]\n  fnclex`, 48) +
      `\n  fld qword [.h]\n  fistp word [ebx+200]\n  fld qword [.i]\n  fistp word [ebx+202]\n  fld qword [.e]\n  fistp dword [ebx+204]\n  fnstsw [ebx+208]`,
    data: `.a: dq -2.5\n.b: dq 123456789012.5\n.c: dq 40000.0\n.d: dq -0.5\n.e: dq 1.5\n.f: dq -9.3e18\n.g: dq 0x7FF8000000000000\n.h: dq 32767.4\n.i: dq -32768.6\n`,
  },
  {
    name: "FILD m16/m32/m64 and FISTP m64 exact for 64-bit integers",
    code: `  fild word [.a]\n  fstp tword [ebx]\n  fild dword [.b]\n  fstp tword [ebx+10]\n  fild qword [.c]\n  fistp qword [ebx+20]\n  fild qword [.d]\n  fistp qword [ebx+28]\n  fild qword [.c]\n  fstp tword [ebx+36]\n  fild qword [.e]\n  fstp tword [ebx+46]\n  fild word [.z]\n  fstp tword [ebx+56]\n${sw(66)}`,
    data: `.a: dw -12345\n.b: dd 0x80000000\n.c: dq 0x7FFFFFFFFFFFFFFF\n.d: dq 0x8000000000000001\n.e: dq 0x8000000000000000\n.z: dw 0\n`,
  },
  {
    name: "FBLD / FBSTP: signs, rounding, out of range gives the BCD indefinite",
    code: `  fbld tword [.a]\n  fbstp tword [ebx]\n  fbld tword [.b]\n  fstp qword [ebx+10]\n  fld qword [.c]\n  fbstp tword [ebx+18]\n  fld qword [.d]\n  fbstp tword [ebx+28]\n${sw(38)}\n  fnclex\n  fld qword [.e]\n  fbstp tword [ebx+40]\n  fbld tword [.b]\n  fstp tword [ebx+50]\n${sw(60)}`,
    data: `.a: db 0x78,0x56,0x34,0x12,0x90,0x78,0x56,0x34,0x12,0x00\n.b: db 0x99,0x99,0x99,0x99,0x99,0x99,0x99,0x99,0x99,0x80\n.c: dq -1234.5\n.d: dq 1.0e18\n.e: dq -0.0\n`,
  },
  {
    name: "arithmetic m32/m64/m16int/m32int forms (PC 53)",
    code: PC53 + "\n" + ["fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"].map((op, i) =>
      `  fld qword [.x]\n  ${op} dword [.f]\n  fstp qword [ebx+${i * 32}]\n  fld qword [.x]\n  ${op} qword [.d]\n  fstp qword [ebx+${i * 32 + 8}]\n  fld qword [.x]\n  fi${op.slice(1)} word [.w]\n  fstp qword [ebx+${i * 32 + 16}]\n  fld qword [.x]\n  fi${op.slice(1)} dword [.i]\n  fstp qword [ebx+${i * 32 + 24}]`).join("\n") + "\n" + sw(200),
    data: CW53 + `.x: dq 3.3333333333333335\n.f: dd 0.7\n.d: dq -1.0e-3\n.w: dw -7\n.i: dd 1000001\n`,
  },
  {
    name: "arithmetic register forms D8/DC/DE incl. reversed and popping (PC 53)",
    code: PC53 + "\n" + ["fadd", "fmul", "fsub", "fsubr", "fdiv", "fdivr"].map((op, i) =>
      `  fld qword [.a]\n  fld qword [.b]\n  fld qword [.c]\n  ${op} st0, st2\n  ${op} st1, st0\n  ${op}p st2, st0\n  fstp qword [ebx+${i * 24}]\n  fstp qword [ebx+${i * 24 + 8}]\n  fstsw [ebx+${i * 24 + 16}]\n  fninit\n  fldcw [.cw53]`).join("\n") +
      `\n  fld qword [.a]\n  fld qword [.b]\n  faddp\n  fld qword [.c]\n  fdivp\n  fstp qword [ebx+150]`,
    data: CW53 + `.a: dq 1.0e10\n.b: dq -3.0\n.c: dq 0.1\n`,
  },
  {
    name: "division, sqrt, multiply under the four rounding modes (PE, C1) at 53 and 24 bits",
    code: forRC((rc, b) => `  fld1\n  fdiv qword [.three]\n  fstp qword [ebx+${b}]\n  fld qword [.two]\n  fsqrt\n  fstp qword [ebx+${b + 8}]\n  fld qword [.m1]\n  fmul qword [.m2]\n  fst qword [ebx+${b + 16}]\n  fnstsw [ebx+${b + 24}]\n  fchs\n  fsub qword [.tenth]\n  fstp qword [ebx+${b + 26}]\n  fnstsw [ebx+${b + 34}]\n  fnclex`, 36).replace(/mov word \[ebx\+250\], (\d+)/g, (_m, v) => `mov word [ebx+250], ${(+v & ~0x300) | 0x200}`) +
      "\n" + `  mov word [ebx+250], 0x007F\n  fldcw [ebx+250]\n  fld1\n  fdiv qword [.three]\n  fstp qword [ebx+150]\n  fld qword [.two]\n  fsqrt\n  fstp qword [ebx+158]\n  fnstsw [ebx+166]`,
    data: `.three: dq 3.0\n.two: dq 2.0\n.m1: dq 1.0000000000000002\n.m2: dq 0.9999999999999999\n.tenth: dq 0.1\n`,
  },
  {
    name: "exceptions: zero divide, invalid (0/0, inf-inf, sqrt(-1)), overflow, underflow, denormal",
    code: PC53 + `\n  fld1\n  fdiv qword [.zero]\n  fstp qword [ebx]\n${sw(8)}\n  fnclex\n  fldz\n  fdiv qword [.zero]\n  fstp qword [ebx+10]\n${sw(18)}\n  fnclex\n  fld qword [.inf]\n  fsub qword [.inf]\n  fstp qword [ebx+20]\n  fld qword [.m1]\n  fsqrt\n  fstp qword [ebx+28]\n${sw(36)}\n  fnclex\n  fld qword [.big]\n  fstp dword [ebx+38]\n${sw(46)}\n  fnclex\n  fld qword [.small]\n  fmul qword [.small2]\n  fstp qword [ebx+48]\n${sw(56)}\n  fnclex\n  fld1\n  fadd dword [.den]\n  fstp qword [ebx+58]\n${sw(66)}`,
    data: CW53 + `.zero: dq 0.0\n.inf: dq 0x7FF0000000000000\n.m1: dq -1.0\n.big: dq 1.0e200\n.small: dq 1.0e-200\n.small2: dq 3.0e-120\n.den: dd 0x00000005\n`,
  },
  {
    name: "signed zeros and NaN payloads: FCHS, FABS, x+0, -0 stores, NaN propagation",
    code: `  fldz\n  fchs\n  fst dword [ebx]\n  fst qword [ebx+4]\n  fabs\n  fstp qword [ebx+12]\n  fld qword [.n1]\n  fchs\n  fstp qword [ebx+20]\n  fld qword [.n1]\n  fabs\n  fstp qword [ebx+28]\n  fld qword [.m0]\n  fadd qword [.p0]\n  fstp qword [ebx+36]\n  fld qword [.m0]\n  fadd qword [.m0]\n  fstp qword [ebx+44]\n  fld qword [.n1]\n  fadd qword [.n2]\n  fstp qword [ebx+52]\n  fld qword [.n2]\n  fmul qword [.n1]\n  fstp qword [ebx+60]\n  fld qword [.one]\n  fmul qword [.n1]\n  fstp qword [ebx+68]\n  fld tword [.s80]\n  fadd qword [.one]\n  fstp tword [ebx+76]\n${sw(86)}\n  fld qword [.m0]\n  fmul qword [.one]\n  fstp qword [ebx+88]\n  fld1\n  fsub qword [.one]\n  fstp qword [ebx+96]\n  mov word [ebx+250], 0x77F\n  fldcw [ebx+250]\n  fld1\n  fsub qword [.one]\n  fstp qword [ebx+104]`,
    data: `.n1: dq 0x7FF8000000012345\n.n2: dq 0xFFF80000000ABCDE\n.m0: dq 0x8000000000000000\n.p0: dq 0.0\n.one: dq 1.0\n.s80: dq 0xA000000000000777\n dw 0x7FFF\n`,
  },
  {
    name: "compares: FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP/FICOM/FTST condition codes",
    code: `  fld qword [.two]\n  fld qword [.one]\n  fcom st1\n${sw(0)}\n  fcom qword [.one]\n${sw(2)}\n  fcom dword [.f3]\n${sw(4)}\n  ficom word [.i0]\n${sw(6)}\n  ficom dword [.i1]\n${sw(8)}\n  ftst\n${sw(10)}\n  fucom st1\n${sw(12)}\n  fld qword [.qnan]\n  fucom st1\n${sw(14)}\n  fcom st1\n${sw(16)}\n  fnclex\n  fucomp st1\n${sw(18)}\n  fcomp st1\n${sw(20)}\n  fld qword [.one]\n  fld qword [.one]\n  fcompp\n${sw(22)}\n  fld qword [.qnan]\n  fld qword [.one]\n  fucompp\n${sw(24)}\n  fldz\n  fchs\n  ftst\n${sw(26)}\n  fld qword [.snan]\n  fucom st1\n${sw(28)}`,
    data: `.one: dq 1.0\n.two: dq 2.0\n.f3: dd 3.0\n.i0: dw 0\n.i1: dd 1\n.qnan: dq 0x7FF8000000000001\n.snan: dq 0x7FF0000000000001\n`,
  },
  {
    name: "FCOMI/FCOMIP/FUCOMI/FUCOMIP set ZF PF CF",
    code: [["fld qword [.one]", "fld qword [.two]", "fcomi st0, st1"], ["fld qword [.two]", "fld qword [.one]", "fcomi st0, st1"], ["fld qword [.one]", "fld qword [.one]", "fucomi st0, st1"],
      ["fld qword [.qnan]", "fld qword [.one]", "fucomip st0, st1"], ["fld qword [.qnan]", "fld qword [.one]", "fcomip st0, st1"]].map((l, i) =>
      `  ${l.join("\n  ")}\n  pushfd\n  pop eax\n  and eax, 0x8D5\n  mov [ebx+${i * 6}], eax\n  fnstsw [ebx+${i * 6 + 4}]\n  fninit`).join("\n"),
    data: `.one: dq 1.0\n.two: dq 2.0\n.qnan: dq 0x7FF8000000000001\n`,
  },
  {
    name: "FCMOVcc all eight conditions, taken and not taken",
    code: ["fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"].map((op, i) =>
      [["mov eax, 1", "cmp eax, 2"], ["mov eax, 2", "cmp eax, 2"], ["mov eax, 3", "cmp eax, 2"], ["mov al, 3", "test al, al"]].map((f, j) =>
        `  fld qword [.a]\n  fld qword [.b]\n  ${f.join("\n  ")}\n  ${op} st0, st1\n  fstp dword [ebx+${(i * 4 + j) * 4}]\n  fstp st0`).join("\n")).join("\n"),
    data: `.a: dq 1.0\n.b: dq 2.0\n`,
  },
  {
    name: "FXAM classes, FLD constants under the four rounding modes",
    code: [".z", ".mz", ".den", ".one", ".inf", ".nan", ".unn"].map((v, i) => `  fld tword [${v}]\n  fxam\n${sw(i * 2)}\n  fstp st0`).join("\n") +
      `\n  fld1\n  ffree st0\n  fxam\n${sw(14)}\n  fincstp\n` +
      forRC((rc, b) => ["fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2"].map((k, j) => `  ${k}\n  fstp tword [ebx+${16 + b + j * 10}]`).join("\n"), 50),
    data: `.z: dt 0.0\n.mz: dq 0\n dw 0x8000\n.den: dq 1\n dw 0\n.one: dt 1.0\n.inf: dq 0x8000000000000000\n dw 0xFFFF\n.nan: dq 0xC000000000000000\n dw 0x7FFF\n.unn: dq 0x4000000000000000\n dw 0x4000\n`,
  },
  {
    name: "transcendentals: FSIN FCOS FSINCOS FPTAN FPATAN F2XM1 FYL2X FYL2XP1 (a few ulp)",
    code: PC53 + `\n  fld qword [.x]\n  fsin\n  fstp qword [ebx]\n  fld qword [.x]\n  fcos\n  fstp qword [ebx+8]\n  fld qword [.x]\n  fsincos\n  fstp qword [ebx+16]\n  fstp qword [ebx+24]\n  fld qword [.x]\n  fptan\n  fstp qword [ebx+32]\n  fstp qword [ebx+40]\n  fld qword [.y]\n  fld qword [.x]\n  fpatan\n  fstp qword [ebx+48]\n  fld qword [.h]\n  f2xm1\n  fstp qword [ebx+56]\n  fld qword [.y]\n  fld qword [.x]\n  fyl2x\n  fstp qword [ebx+64]\n  fld qword [.y]\n  fld qword [.h]\n  fyl2xp1\n  fstp qword [ebx+72]\n  fld qword [.mx]\n  fsin\n  fstp qword [ebx+80]\n  fldz\n  fsin\n  fstp qword [ebx+88]\n  fld qword [.huge]\n  fsin\n  fstp qword [ebx+96]\n  fnstsw [ebx+104]\n  fld qword [.mx]\n  fld qword [.mz]\n  fpatan\n  fstp qword [ebx+112]`,
    data: CW53 + `.x: dq 0.75\n.mx: dq -2.5\n.y: dq -1.25\n.h: dq 0.25\n.mz: dq 0x8000000000000000\n.huge: dq 1.0e19\n`,
    ulps: [0, 8, 16, 24, 32, 48, 56, 64, 72, 80, 112],
  },
  {
    name: "FSQRT FSCALE FXTRACT FRNDINT FPREM FPREM1 exact results",
    code: `  fld qword [.a]\n  fsqrt\n  fstp qword [ebx]\n  fld qword [.s]\n  fld qword [.a]\n  fscale\n  fstp qword [ebx+8]\n  fstp st0\n  fld qword [.b]\n  fxtract\n  fstp qword [ebx+16]\n  fstp qword [ebx+24]\n  fldz\n  fchs\n  fxtract\n  fstp qword [ebx+32]\n  fstp qword [ebx+40]\n${sw(48)}\n  fnclex\n` +
      forRC((rc, b) => `  fld qword [.r]\n  frndint\n  fstp qword [ebx+${50 + b}]\n  fld tword [.r80]\n  frndint\n  fstp tword [ebx+${58 + b}]\n  fnstsw [ebx+${68 + b}]`, 20) +
      `\n  fninit\n` + [[".d", ".n"], [".n", ".d"], [".d2", ".n2"], [".m7", ".n"]].map(([d, n], i) => `  fld qword [${d}]\n  fld qword [${n}]\n  fprem\n  fstp qword [ebx+${130 + i * 20}]\n  fnstsw [ebx+${138 + i * 20}]\n  fld qword [${d}]\n  fld qword [${n}]\n  fprem1\n  fstp qword [ebx+${140 + i * 20}]\n  fnstsw [ebx+${148 + i * 20}]\n  fninit`).join("\n"),
    data: `.a: dq 6.25\n.s: dq -3.7\n.b: dq -1536.75\n.r: dq -2.5\n.r80: dq 0xFFFFFFFFFFFFFFFF\n dw 0x403D\n.d: dq 3.0\n.n: dq 17.5\n.d2: dq 0.1\n.n2: dq 1.0e10\n.m7: dq -7.0\n`,
  },
  {
    name: "register stack: FXCH, FFREE, FINCSTP/FDECSTP, FST ST(i), overflow and underflow masked responses",
    code: `  fld1\n  fldpi\n  fxch st1\n  fstp qword [ebx]\n  fstp qword [ebx+8]\n` + Array.from({ length: 9 }, () => "  fld1").join("\n") + `\n${sw(16)}\n  fstp tword [ebx+18]\n  fninit\n  fadd st0, st1\n${sw(28)}\n  fstp qword [ebx+30]\n  fninit\n  fstp qword [ebx+38]\n  fstp dword [ebx+46]\n  fistp dword [ebx+50]\n${sw(54)}\n  fninit\n  fld1\n  fldz\n  fst st2\n  fdecstp\n  fdecstp\n  fincstp\n  fstp tword [ebx+56]\n  fincstp\n  fstp tword [ebx+66]\n  fnstenv [ebx+76]\n  fninit\n  fld1\n  fld1\n  ffree st1\n  fnstenv [ebx+104]\n  fninit\n  fld1\n  fxch st3\n  fstp tword [ebx+132]\n  fnstsw [ebx+142]`,
    ignore: [[76 + 12, 76 + 28], [104 + 12, 104 + 28]],
  },
  {
    name: "FNSTENV/FNSAVE/FRSTOR/FLDENV 32-bit layouts; FNCLEX; FLDCW reserved bits; FNSTSW AX; FXSAVE legacy area",
    code: `  fld qword [.a]\n  fld tword [.b]\n  fldz\n  fld1\n  fdiv st0, st1\n  fnstenv [ebx]\n  fnstcw [ebx+28]\n  fnsave [ebx+30]\n  fnstsw ax\n  mov [ebx+138], ax\n  frstor [ebx+30]\n  fstp tword [ebx+140]\n  fnstsw [ebx+150]\n  fnclex\n  fnstsw [ebx+152]\n  mov word [ebx+154], 0xFFFF\n  fldcw [ebx+154]\n  fnstcw [ebx+156]\n  fldenv [ebx]\n  fnstsw [ebx+158]\n  fnstcw [ebx+160]\n  fninit\n  fld1\n  fldpi\n  fstp st0\n  mov ebp, esp\n  sub esp, 1024\n  and esp, -16\n  fxsave [esp]\n  mov eax, [esp]\n  mov [ebx+162], eax\n  mov al, [esp+4]\n  mov [ebx+166], al\n  mov eax, [esp+24]\n  mov [ebx+167], eax\n  mov eax, [esp+32]\n  mov [ebx+171], eax\n  mov eax, [esp+36]\n  mov [ebx+175], eax\n  mov eax, [esp+40]\n  mov [ebx+179], eax\n  mov eax, [esp+48]\n  mov [ebx+183], eax\n  fninit\n  fxrstor [esp]\n  mov esp, ebp\n  fstp tword [ebx+190]\n  fnstsw [ebx+200]`,
    data: `.a: dq 2.5\n.b: dt -7.125\n`,
    ignore: [[12, 28], [30 + 12, 30 + 28]],
  },
];
