// Virtual-8086 mode: the IOPL-sensitive instructions at IOPL < 3 and the extensions that virtualise IF
// (SDM Vol. 3A 20.2.7, 20.3 CR4.VME, 20.4 CR4.PVI).
//
// Without extensions, CLI/STI/PUSHF/POPF/INT n/IRET in V86 mode at IOPL < 3 raise #GP(0) for the monitor.
// With CR4.VME:
//   - CLI/STI act on EFLAGS.VIF; STI with VIP = 1 raises #GP(0);
//   - 16-bit PUSHF pushes FLAGS with VIF in IF's place and IOPL = 3; 16-bit POPF/IRET load VIF from the image's
//     IF and keep IF and IOPL; #GP(0) if the image has TF = 1, or IF = 1 while VIP = 1; 32-bit forms #GP(0);
//   - INT n follows table 20-2: the interrupt redirection bitmap (32 bytes just below the TSS I/O map base)
//     sends INT n either to the IDT (bit set; #GP(0) instead when IOPL < 3) or to the V86 task's own IVT at
//     linear 0 (bit clear), with the frame on the V86 stack.
// With CR4.PVI, CLI/STI at CPL 3 in protected mode with IOPL < 3 act on VIF (POPF and IRET do not).
// INT3, INTO and INT1 are never IOPL-sensitive nor redirected: they always go through the IDT (Vol. 2 "INT n/
// INTO/INT3/INT1"). Hardware interrupts are not redirected either: they test the real IF and use the IDT.
import { EFLAGS, CR4, TR_BASE, TR_LIMIT, TR_ACCESS } from "../layout";
import { CS, F_IF, F_TF, F_RF, F_IOPL, F_VIF, F_VIP, CR4_VME, CR4_PVI, cpl, setEip, getEip, segSel } from "./state";
import { faulted, raiseGP } from "./fault";
import { getEflags } from "./flags";
import { readSys8, readSys16 } from "./memory";
import { isV86, loadSegReal } from "./segments";
import { getEsp, setEsp, pushAt, readAt } from "./stack";
import { setEflagsRaw, noteRedirectedInterrupt } from "./interrupts";

// @ts-ignore: decorator
@inline function iopl3(): bool { return (load<u32>(EFLAGS) & F_IOPL) == F_IOPL; }

/** CR4.VME in V86 mode. */
// @ts-ignore: decorator
@inline export function vmeActive(): bool { return isV86() && (load<u32>(CR4) & CR4_VME) != 0; }

/** CLI/STI that IOPL does not allow: do they act on VIF (CR4.VME in V86, CR4.PVI at CPL 3)? */
export function cliStiVirtual(): bool {
  const cr4 = load<u32>(CR4);
  if (isV86()) return (cr4 & CR4_VME) != 0;
  return (cr4 & CR4_PVI) != 0 && cpl() == 3;
}

/** The FLAGS image PUSHF and a redirected INT n push at IOPL < 3 with VME: VIF as IF, IOPL = 3. */
export function virtualFlagsImage(f: u32): u32 {
  return (f & 0xFFFF & ~F_IF) | F_IOPL | ((f & F_VIF) != 0 ? F_IF : 0);
}

/**
 * Load a FLAGS image popped by POPF or IRET at IOPL < 3 with VME (16-bit operand): #GP(0) and false if it sets
 * TF, or IF while VIP = 1; otherwise bits 15:0 except IF and IOPL are loaded and VIF takes the image's IF.
 */
export function loadVirtualFlags(img: u32): bool {
  const old = getEflags();
  if ((img & F_TF) != 0 || ((img & F_IF) != 0 && (old & F_VIP) != 0)) { raiseGP(0); return false; }
  const keep: u32 = 0xFFFF0000 | F_IF | F_IOPL;
  let nf = (old & keep) | (img & ~keep);
  nf = (img & F_IF) != 0 ? nf | F_VIF : nf & ~F_VIF;
  setEflagsRaw(nf);
  return true;
}

/** IRET in V86 mode at IOPL < 3: with VME a 16-bit IRET as above, otherwise #GP(0). */
export function iretV86Virtual(o32: bool): void {
  if (o32 || !vmeActive()) { raiseGP(0); return; }
  const esp = getEsp();
  const ip = <u32>readAt<u16>(esp);
  if (faulted) return;
  const cs = <u32>readAt<u16>(esp + 2);
  if (faulted) return;
  const fl = <u32>readAt<u16>(esp + 4);
  if (faulted) return;
  if (!loadVirtualFlags(fl)) return;
  setEsp(esp + 6);
  loadSegReal(CS, cs);
  setEip(ip);
}

/**
 * INT n in V86 mode, before the protected-mode delivery (table 20-2). Returns true when the interrupt goes
 * through the IDT; otherwise it was redirected to the V86 IVT or raised #GP(0), and returns false.
 */
export function v86IntN(vector: u32): bool {
  if ((load<u32>(CR4) & CR4_VME) != 0) {
    const redirectBit = redirectionBit(vector);
    if (faulted) return false;
    if (!redirectBit) { redirectToIvt(vector); return false; } // methods 5 and 6
  }
  if (iopl3()) return true; // methods 1 and 4
  raiseGP(0); // methods 2 and 3
  return false;
}

/**
 * Bit `vector` of the interrupt redirection bitmap, 32 bytes below the I/O map base of the current 32-bit TSS
 * (SDM Vol. 3A 20.3.3, figure 20-5). #GP(0) when there is no such TSS or the byte is beyond its limit.
 */
function redirectionBit(vector: u32): bool {
  const limit = load<u32>(TR_LIMIT);
  if ((load<u32>(TR_ACCESS) & 0x8) == 0 || limit < 0x67) { raiseGP(0); return false; }
  const base = load<u32>(TR_BASE);
  const mapBase = readSys16(base + 0x66);
  if (faulted) return false;
  const off = mapBase - 32 + (vector >> 3);
  if (off > limit) { raiseGP(0); return false; }
  const bits = readSys8(base + off);
  return ((bits >> (vector & 7)) & 1) != 0;
}

/**
 * Methods 5 and 6 of table 20-2: like real mode, through the IVT at linear 0, with FLAGS CS IP pushed on the
 * V86 stack. IOPL = 3: IF and TF are cleared. IOPL < 3: the pushed FLAGS carry VIF as IF and IOPL = 3, and VIF
 * (not IF) is cleared with TF.
 */
function redirectToIvt(vector: u32): void {
  const ip = readSys16(vector << 2);
  if (faulted) return;
  const cs = readSys16((vector << 2) + 2);
  if (faulted) return;
  const f = getEflags();
  const clear = F_TF | F_RF | (iopl3() ? F_IF : F_VIF);
  const img = iopl3() ? f & 0xFFFF : virtualFlagsImage(f);
  let esp = pushAt<u16>(getEsp(), <u16>img);
  if (faulted) return;
  esp = pushAt<u16>(esp, <u16>segSel(CS));
  if (faulted) return;
  esp = pushAt<u16>(esp, <u16>getEip());
  if (faulted) return;
  noteRedirectedInterrupt();
  setEsp(esp);
  setEflagsRaw(f & ~clear);
  loadSegReal(CS, cs);
  setEip(ip);
}
