// Decimal arithmetic: DAA, DAS, AAA, AAS, AAM, AAD, and SALC (undocumented: AL = CF ? FFh : 00h).
import { REGS, I_IMM } from "../../layout";
import { R_EAX, R_AH, F_CF, F_AF, F_OF } from "../state";
import { raiseDE } from "../fault";
import { getCF, getAF, setResultFlags } from "../flags";

// @ts-ignore: decorator
@inline export function daa(p: u32): void {
  let al = <u32>load<u8>(REGS + R_EAX);
  const oldAl = al, oldCf = getCF();
  let cf: u32 = 0, af: u32 = 0;
  if ((al & 0xF) > 9 || getAF() != 0) { al += 6; cf = oldCf | (al >> 8); af = 1; al &= 0xFF; }
  if (oldAl > 0x99 || oldCf != 0) { al = (al + 0x60) & 0xFF; cf = 1; }
  store<u8>(REGS + R_EAX, <u8>al);
  setResultFlags<u8>(al, F_CF | F_AF | F_OF, cf | (af << 4));
}

// @ts-ignore: decorator
@inline export function das(p: u32): void {
  let al = <u32>load<u8>(REGS + R_EAX);
  const oldAl = al, oldCf = getCF();
  let cf: u32 = 0, af: u32 = 0;
  if ((al & 0xF) > 9 || getAF() != 0) { cf = oldCf | <u32>(al < 6); al = (al - 6) & 0xFF; af = 1; }
  if (oldAl > 0x99 || oldCf != 0) { al = (al - 0x60) & 0xFF; cf = 1; }
  store<u8>(REGS + R_EAX, <u8>al);
  setResultFlags<u8>(al, F_CF | F_AF | F_OF, cf | (af << 4));
}

// @ts-ignore: decorator
@inline export function aaa(p: u32): void {
  let ax = <u32>load<u16>(REGS + R_EAX);
  let c: u32 = 0;
  if ((ax & 0xF) > 9 || getAF() != 0) { ax = (ax + 0x106) & 0xFFFF; c = 1; }
  ax &= 0xFF0F;
  store<u16>(REGS + R_EAX, <u16>ax);
  setResultFlags<u8>(ax & 0xFF, F_CF | F_AF | F_OF, c | (c << 4));
}

// @ts-ignore: decorator
@inline export function aas(p: u32): void {
  let ax = <u32>load<u16>(REGS + R_EAX);
  let c: u32 = 0;
  if ((ax & 0xF) > 9 || getAF() != 0) { ax = (ax - 6) & 0xFFFF; ax = (ax - 0x100) & 0xFFFF; c = 1; }
  ax &= 0xFF0F;
  store<u16>(REGS + R_EAX, <u16>ax);
  setResultFlags<u8>(ax & 0xFF, F_CF | F_AF | F_OF, c | (c << 4));
}

// @ts-ignore: decorator
@inline export function aam(p: u32): void {
  const base = load<u32>(p, I_IMM) & 0xFF;
  if (base == 0) { raiseDE(); return; }
  const al = <u32>load<u8>(REGS + R_EAX);
  const r = al % base;
  store<u8>(REGS + R_AH, <u8>(al / base));
  store<u8>(REGS + R_EAX, <u8>r);
  setResultFlags<u8>(r, F_CF | F_AF | F_OF, 0);
}

// @ts-ignore: decorator
@inline export function aad(p: u32): void {
  const base = load<u32>(p, I_IMM) & 0xFF;
  const r = (<u32>load<u8>(REGS + R_EAX) + <u32>load<u8>(REGS + R_AH) * base) & 0xFF;
  store<u16>(REGS + R_EAX, <u16>r);
  setResultFlags<u8>(r, F_CF | F_AF | F_OF, 0);
}

// @ts-ignore: decorator
@inline export function salc(p: u32): void { store<u8>(REGS + R_EAX, getCF() != 0 ? 0xFF : 0); }
