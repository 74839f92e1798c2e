// The VGA's CPU access to video memory: the A0000h-BFFFFh window through the sequencer and graphics controller
// (plane selection, latches, write modes 0-3, read modes 0-1), the DISPI bank window and the linear framebuffer.
// IBM VGA Technical Reference: Sequencer Memory Mode and Map Mask registers, Graphics Controller Set/Reset,
// Enable Set/Reset, Color Compare, Data Rotate, Read Map Select, Graphics Mode, Miscellaneous, Color Don't Care
// and Bit Mask registers.
//
// Plane p's byte at plane offset o lives at VIDEO_MEM + 4 * o + p. Chain-4 sends CPU address a to plane a & 3 at
// offset a >> 2, i.e. to VIDEO_MEM + a: the same bytes the linear framebuffer and the CRTC's doubleword mode see.
// (The IBM VGA puts it at offset a & ~3 and scans doubleword addresses shifted left by two; the picture is the same,
// only a program that switches chain-4 off and reads the planes back sees a different arrangement.)
import { V_GR, V_SR, V_LATCH, V_DIRTY, VIDEO_MEM, VIDEO_MEM_SIZE, gr, sr, redrawAll, REDRAW_FONT } from "./vga_state";
import { vbeEnabled, vbeBpp, vbeBankOffset } from "./vbe";

const VGA_PLANE_MASK: u32 = 0xFFFF; // 64 KiB per plane (256 KiB) in the VGA modes
const VBE_PLANE_MASK: u32 = (VIDEO_MEM_SIZE >> 2) - 1; // 4 MiB per plane for the DISPI 4-bpp modes

// @ts-ignore: decorator
@inline function markDirty(byteOff: u32): void {
  const page = (byteOff & (VIDEO_MEM_SIZE - 1)) >>> 12;
  const a = V_DIRTY + (page >> 3);
  store<u8>(a, <u8>(<u32>load<u8>(a) | (1 << (page & 7))));
}

/** Mark [off, off+len) of video memory as written (for the renderer's dirty tracking). */
export function markVideoDirty(off: u32, len: u32): void {
  if (len == 0) return;
  const last = (off + len - 1) >>> 12;
  for (let p = off >>> 12; p <= last && p < (VIDEO_MEM_SIZE >>> 12); p++) markDirty(p << 12);
}

/** Four plane bytes: bit n of the nibble becomes byte n all ones. */
// @ts-ignore: decorator
@inline function expand(nibble: u32): u32 {
  return ((nibble & 1) * 0xFF) | ((nibble & 2) * 0x7F80) | ((nibble & 4) * 0x3FC000) | ((nibble & 8) * 0x1FE00000);
}

// ---- linear access (framebuffer BAR, DISPI bank window in 8-32 bpp modes) --------------------------------------
export function vramRead(off: u32, size: u32): u32 {
  if (off + size > VIDEO_MEM_SIZE) return 0xFFFFFFFF >> ((4 - size) << 3);
  if (size == 4) return load<u32>(VIDEO_MEM + off);
  if (size == 2) return load<u16>(VIDEO_MEM + off);
  return load<u8>(VIDEO_MEM + off);
}

export function vramWrite(off: u32, v: u32, size: u32): void {
  if (off + size > VIDEO_MEM_SIZE) return;
  if (size == 4) store<u32>(VIDEO_MEM + off, v);
  else if (size == 2) store<u16>(VIDEO_MEM + off, <u16>v);
  else store<u8>(VIDEO_MEM + off, <u8>v);
  markDirty(off);
  if (((off + size - 1) ^ off) >= 0x1000) markDirty(off + size - 1);
}

// ---- the legacy window --------------------------------------------------------------------------------------
/** The CPU address inside the window for physical `phys` (A0000h-BFFFFh), or -1 where the memory map select
 *  (GR6 bits 3-2) does not decode it. With DISPI enabled the window is A0000h-AFFFFh, banked. */
function windowOffset(phys: u32): i32 {
  const a = phys - 0xA0000;
  if (vbeEnabled()) return a < 0x10000 ? <i32>a : -1;
  switch ((gr(6) >> 2) & 3) {
    case 0: return <i32>a; // A0000h, 128 KiB
    case 1: return a < 0x10000 ? <i32>a : -1; // A0000h, 64 KiB
    case 2: return a >= 0x10000 && a < 0x18000 ? <i32>(a - 0x10000) : -1; // B0000h, 32 KiB
    default: return a >= 0x18000 ? <i32>(a - 0x18000) : -1; // B8000h, 32 KiB
  }
}

export function vgaLegacyRead(phys: u32): u32 {
  const w = windowOffset(phys);
  if (w < 0) return 0xFF;
  let a = <u32>w;
  let mask = VGA_PLANE_MASK;
  if (vbeEnabled()) {
    a += vbeBankOffset();
    if (vbeBpp() != 4) return vramRead(a, 1);
    mask = VBE_PLANE_MASK;
  }
  return planarRead(a, mask);
}

export function vgaLegacyWrite(phys: u32, v: u32): void {
  const w = windowOffset(phys);
  if (w < 0) return;
  let a = <u32>w;
  let mask = VGA_PLANE_MASK;
  if (vbeEnabled()) {
    a += vbeBankOffset();
    if (vbeBpp() != 4) { vramWrite(a, v, 1); return; }
    mask = VBE_PLANE_MASK;
  }
  planarWrite(a, v, mask);
}

/** A CPU read: the latches load all four planes at the offset; read mode 0 returns the selected plane's byte,
 *  read mode 1 the colour compare result (IBM: Graphics Mode Register bit 3, Color Compare, Color Don't Care). */
export function planarRead(a: u32, mask: u32): u32 {
  const sr4 = sr(4), gr5 = gr(5);
  let plane: u32, off: u32;
  if ((sr4 & 8) != 0) { plane = a & 3; off = a >> 2; } // chain-4
  else if ((gr5 & 0x10) != 0) { plane = (gr(4) & 2) | (a & 1); off = a & ~1; } // odd/even (host reads)
  else { plane = gr(4) & 3; off = a; }
  off &= mask;
  const latch = load<u32>(VIDEO_MEM + (off << 2));
  store<u32>(V_LATCH, latch);
  if ((gr5 & 8) == 0) return (latch >> (plane << 3)) & 0xFF;
  // read mode 1: a 1 for each pixel whose colour, in the planes that "care", equals the colour compare value
  const care = expand(gr(7) & 0xF);
  const diff = (latch ^ expand(gr(2) & 0xF)) & care;
  return ~(diff | (diff >> 8) | (diff >> 16) | (diff >> 24)) & 0xFF;
}

/** A CPU write through the write mode selected in GR5 bits 1-0 to the planes the map mask (SR2) enables. */
export function planarWrite(a: u32, v: u32, mask: u32): void {
  const sr4 = sr(4);
  let planes = sr(2) & 0xF;
  let off: u32;
  if ((sr4 & 8) != 0) { planes &= 1 << (a & 3); off = a >> 2; } // chain-4: the address picks the plane
  else if ((sr4 & 4) == 0) { planes &= (a & 1) != 0 ? 0xA : 0x5; off = a & ~1; } // odd/even: A0 picks 0/2 or 1/3
  else off = a;
  off &= mask;
  if (planes == 0) return;
  const latch = load<u32>(V_LATCH);
  const gr3 = gr(3);
  const rotate = gr3 & 7;
  let bitMask = gr(8);
  let data: u32;
  switch (gr(5) & 3) {
    case 0: { // rotated CPU data, or set/reset for the planes with enable set/reset
      const d = ((v >> rotate) | (v << (8 - rotate))) & 0xFF;
      const en = expand(gr(1) & 0xF);
      data = (d * 0x01010101 & ~en) | (expand(gr(0) & 0xF) & en);
      data = alu(data, latch, gr3);
      break;
    }
    case 1: data = latch; bitMask = 0xFF; break; // the latches are written as they are
    case 2: data = alu(expand(v & 0xF), latch, gr3); break; // CPU data bits 3-0 are the colour
    default: { // rotated CPU data ANDed with the bit mask is the bit mask; set/reset is the colour
      const d = ((v >> rotate) | (v << (8 - rotate))) & 0xFF;
      bitMask &= d;
      data = alu(expand(gr(0) & 0xF), latch, gr3);
      break;
    }
  }
  const m = bitMask * 0x01010101;
  data = (data & m) | (latch & ~m);
  const pm = expand(planes);
  const addr = VIDEO_MEM + (off << 2);
  store<u32>(addr, (load<u32>(addr) & ~pm) | (data & pm));
  markDirty(off << 2);
  if ((planes & 4) != 0) redrawAll(REDRAW_FONT); // plane 2 holds the text font
}

/** The function select of GR3 bits 4-3: replace, AND, OR, XOR with the latches. */
// @ts-ignore: decorator
@inline function alu(data: u32, latch: u32, gr3: u32): u32 {
  switch ((gr3 >> 3) & 3) {
    case 1: return data & latch;
    case 2: return data | latch;
    case 3: return data ^ latch;
    default: return data;
  }
}
