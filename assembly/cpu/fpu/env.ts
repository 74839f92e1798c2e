// FNSTENV / FLDENV / FNSAVE / FRSTOR (SDM Vol. 1 8.1.10, figures 8-9 to 8-12): 14-byte (16-bit operand
// size) or 28-byte (32-bit) environment, in the protected-mode or the real-mode/V86 format, followed for
// FSAVE/FRSTOR by the eight registers ST(0)-ST(7) as 80-bit images.
// Real-mode formats hold 20-bit (16-bit layout) or 32-bit linear instruction/data pointers; we store the
// linear address CS*16 + FIP and load it back as FIP with FCS = 0, so a save/restore round trip keeps it.
// Reserved words of the 32-bit layout read FFFFh, as on hardware.
import { FPU_CW, FPU_SW, FPU_TAG, FPU_FIP, FPU_FCS, FPU_FDP, FPU_FDS, FPU_FOP, MODE_FLAGS, MODE_PROT, MODE_V86, FPU_RESTORE_TMP } from "../../layout";
import { faulted } from "../fault";
import { readMem, writeMem } from "../memory";
import { ea, eaSeg } from "../ops/common";
import {
  fpuEnter, fpuEnterControl, statusWord, fullTagWord, probeWrite, stGet80, fpuInit, setTop, stSetRaw, readM80,
  recomputeES, TAG_EMPTY, physEmpty,
} from "./fpu";
import { pMant, pSE } from "./float80";

function realFormat(): bool {
  const m = load<i32>(MODE_FLAGS);
  return (m & MODE_PROT) == 0 || (m & MODE_V86) != 0;
}

function envSize(o32: bool): u32 { return o32 ? 28 : 14; }

/** Write the environment (the area is probed by the caller). */
function writeEnv(seg: i32, a: u32, o32: bool): void {
  const cw = load<u32>(FPU_CW), sw = statusWord(), tw = fullTagWord();
  const fop = load<u32>(FPU_FOP) & 0x7FF;
  const real = realFormat();
  let ip = load<u32>(FPU_FIP), dp = load<u32>(FPU_FDP);
  if (real) { ip += load<u32>(FPU_FCS) << 4; dp += load<u32>(FPU_FDS) << 4; }
  if (o32) {
    writeMem<u32>(seg, a, 0xFFFF0000 | cw);
    writeMem<u32>(seg, a + 4, 0xFFFF0000 | sw);
    writeMem<u32>(seg, a + 8, 0xFFFF0000 | tw);
    if (real) {
      writeMem<u32>(seg, a + 12, 0xFFFF0000 | (ip & 0xFFFF));
      writeMem<u32>(seg, a + 16, ((ip >> 16) << 12) | fop);
      writeMem<u32>(seg, a + 20, 0xFFFF0000 | (dp & 0xFFFF));
      writeMem<u32>(seg, a + 24, (dp >> 16) << 12);
    } else {
      writeMem<u32>(seg, a + 12, ip);
      writeMem<u32>(seg, a + 16, (fop << 16) | (load<u32>(FPU_FCS) & 0xFFFF));
      writeMem<u32>(seg, a + 20, dp);
      writeMem<u32>(seg, a + 24, 0xFFFF0000 | (load<u32>(FPU_FDS) & 0xFFFF));
    }
  } else {
    writeMem<u16>(seg, a, <u16>cw);
    writeMem<u16>(seg, a + 2, <u16>sw);
    writeMem<u16>(seg, a + 4, <u16>tw);
    if (real) {
      writeMem<u16>(seg, a + 6, <u16>ip);
      writeMem<u16>(seg, a + 8, <u16>(((ip >> 16) & 0xF) << 12 | fop));
      writeMem<u16>(seg, a + 10, <u16>dp);
      writeMem<u16>(seg, a + 12, <u16>(((dp >> 16) & 0xF) << 12));
    } else {
      writeMem<u16>(seg, a + 6, <u16>ip);
      writeMem<u16>(seg, a + 8, <u16>load<u32>(FPU_FCS));
      writeMem<u16>(seg, a + 10, <u16>dp);
      writeMem<u16>(seg, a + 12, <u16>load<u32>(FPU_FDS));
    }
  }
}

// the environment read by FLDENV/FRSTOR, committed only after every read succeeded
let eCw: u32 = 0, eSw: u32 = 0, eTw: u32 = 0, eIp: u32 = 0, eCs: u32 = 0, eDp: u32 = 0, eDs: u32 = 0, eOp: u32 = 0;

function readEnv(seg: i32, a: u32, o32: bool): bool {
  let f0: u32, f1: u32, f2: u32, f3: u32, f4: u32, f5: u32, f6: u32;
  if (o32) {
    f0 = readMem<u32>(seg, a); if (faulted) return false;
    f1 = readMem<u32>(seg, a + 4); if (faulted) return false;
    f2 = readMem<u32>(seg, a + 8); if (faulted) return false;
    f3 = readMem<u32>(seg, a + 12); if (faulted) return false;
    f4 = readMem<u32>(seg, a + 16); if (faulted) return false;
    f5 = readMem<u32>(seg, a + 20); if (faulted) return false;
    f6 = readMem<u32>(seg, a + 24); if (faulted) return false;
  } else {
    f0 = readMem<u16>(seg, a); if (faulted) return false;
    f1 = readMem<u16>(seg, a + 2); if (faulted) return false;
    f2 = readMem<u16>(seg, a + 4); if (faulted) return false;
    f3 = readMem<u16>(seg, a + 6); if (faulted) return false;
    f4 = readMem<u16>(seg, a + 8); if (faulted) return false;
    f5 = readMem<u16>(seg, a + 10); if (faulted) return false;
    f6 = readMem<u16>(seg, a + 12); if (faulted) return false;
  }
  eCw = f0 & 0xFFFF; eSw = f1 & 0xFFFF; eTw = f2 & 0xFFFF;
  if (realFormat()) {
    eCs = 0; eDs = 0;
    if (o32) {
      eIp = (f3 & 0xFFFF) | (((f4 >> 12) & 0xFFFF) << 16); eOp = f4 & 0x7FF;
      eDp = (f5 & 0xFFFF) | (((f6 >> 12) & 0xFFFF) << 16);
    } else {
      eIp = f3 | ((f4 >> 12) << 16); eOp = f4 & 0x7FF;
      eDp = f5 | ((f6 >> 12) << 16);
    }
  } else if (o32) {
    eIp = f3; eCs = f4 & 0xFFFF; eOp = (f4 >> 16) & 0x7FF; eDp = f5; eDs = f6 & 0xFFFF;
  } else {
    eIp = f3; eCs = f4; eOp = load<u32>(FPU_FOP); eDp = f5; eDs = f6;
  }
  return true;
}

function commitEnv(): void {
  store<u32>(FPU_CW, (eCw & 0x1F3F) | 0x40);
  store<u32>(FPU_SW, eSw & ~<u32>0x3800);
  setTop((eSw >> 11) & 7);
  store<u32>(FPU_FIP, eIp); store<u32>(FPU_FCS, eCs);
  store<u32>(FPU_FDP, eDp); store<u32>(FPU_FDS, eDs);
  store<u32>(FPU_FOP, eOp);
}

/** Tag word: only "empty" is taken from memory; other registers are re-tagged from their contents. */
function commitTags(): void {
  let t: u32 = 0;
  for (let r: u32 = 0; r < 8; r++) if (((eTw >> (r << 1)) & 3) == TAG_EMPTY) t |= TAG_EMPTY << (r << 1);
  store<u32>(FPU_TAG, t);
}

/** FNSTENV: store the environment, then mask all exceptions. Control instruction (no pending check). */
// @ts-ignore: decorator
@inline export function fstenvOp<T>(p: u32): void {
  if (!fpuEnterControl()) return;
  const seg = eaSeg(p), a = ea(p), o32 = sizeof<T>() == 4;
  if (!probeWrite(seg, a, envSize(o32))) return;
  writeEnv(seg, a, o32);
  store<u32>(FPU_CW, load<u32>(FPU_CW) | 0x3F);
}

/** FLDENV (waiting). */
// @ts-ignore: decorator
@inline export function fldenvOp<T>(p: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p), o32 = sizeof<T>() == 4;
  if (!readEnv(seg, a, o32)) return;
  commitEnv();
  commitTags();
  recomputeES();
}

/** FNSAVE: environment + ST(0)-ST(7), then FNINIT. */
// @ts-ignore: decorator
@inline export function fsaveOp<T>(p: u32): void {
  if (!fpuEnterControl()) return;
  const seg = eaSeg(p), a = ea(p), o32 = sizeof<T>() == 4;
  const n = envSize(o32);
  if (!probeWrite(seg, a, n + 80)) return;
  writeEnv(seg, a, o32);
  for (let i: u32 = 0; i < 8; i++) {
    stGet80(i);
    const r = a + n + i * 10;
    writeMem<u32>(seg, r, <u32>pMant);
    writeMem<u32>(seg, r + 4, <u32>(pMant >> 32));
    writeMem<u16>(seg, r + 8, <u16>pSE);
  }
  fpuInit();
}

/** FRSTOR (waiting). */
// @ts-ignore: decorator
@inline export function frstorOp<T>(p: u32): void {
  if (!fpuEnter()) return;
  const seg = eaSeg(p), a = ea(p), o32 = sizeof<T>() == 4;
  if (!readEnv(seg, a, o32)) return;
  const n = envSize(o32);
  for (let i: u32 = 0; i < 8; i++) {
    if (!readM80(seg, a + n + i * 10)) return;
    store<u64>(FPU_RESTORE_TMP + (i << 4), pMant);
    store<u32>(FPU_RESTORE_TMP + (i << 4) + 8, pSE);
  }
  commitEnv();
  for (let i: u32 = 0; i < 8; i++) stSetRaw(i, load<u64>(FPU_RESTORE_TMP + (i << 4)), load<u32>(FPU_RESTORE_TMP + (i << 4) + 8));
  commitTags();
  recomputeES();
}
