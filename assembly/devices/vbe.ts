// The Bochs VBE extension ("DISPI" interface): index port 1CEh, data port 1CFh (16-bit), as described by Bochs'
// vbe_display_api.txt / iodev/vga.h (VBE_DISPI_*) and used by SeaVGABIOS (vgasrc/bochsvga.c) and Linux bochs-drm.
//
//   index 0 ID          B0C0h-B0C5h: the interface version the guest asks for (others are ignored)
//         1 XRES, 2 YRES, 3 BPP (4, 8, 15, 16, 24, 32): changeable only while disabled
//         4 ENABLE      bit 0 ENABLED, 1 GETCAPS (XRES/YRES/BPP read the maxima), 5 8BIT_DAC, 6 LFB_ENABLED,
//                       7 NOCLEARMEM (enabling clears video memory unless set)
//         5 BANK        the 64 KiB bank seen at A0000h
//         6 VIRT_WIDTH  7 VIRT_HEIGHT (the virtual screen), 8 X_OFFSET, 9 Y_OFFSET (the displayed corner)
//         A VIDEO_MEMORY_64K (read only): 256 (16 MiB)
import { V_VBE, V_VBE_INDEX, VIDEO_MEM, VIDEO_MEM_SIZE, redrawAll, REDRAW_FULL } from "./vga_state";

export const VBE_MAX_XRES: u32 = 1920;
export const VBE_MAX_YRES: u32 = 1080;
export const VBE_MAX_BPP: u32 = 32;

const ID: u32 = 0, XRES: u32 = 1, YRES: u32 = 2, BPP: u32 = 3, ENABLE: u32 = 4, BANK: u32 = 5;
const VIRT_WIDTH: u32 = 6, VIRT_HEIGHT: u32 = 7, X_OFFSET: u32 = 8, Y_OFFSET: u32 = 9, VIDEO_MEMORY_64K: u32 = 10;

export const VBE_ENABLED: u32 = 0x01;
export const VBE_GETCAPS: u32 = 0x02;
export const VBE_8BIT_DAC: u32 = 0x20;
export const VBE_LFB_ENABLED: u32 = 0x40;
export const VBE_NOCLEARMEM: u32 = 0x80;

// @ts-ignore: decorator
@inline function reg(i: u32): u32 { return load<u16>(V_VBE + (i << 1)); }
// @ts-ignore: decorator
@inline function setReg(i: u32, v: u32): void { store<u16>(V_VBE + (i << 1), <u16>v); }

export function vbeReset(): void {
  for (let i: u32 = 0; i < 16; i++) setReg(i, 0);
  setReg(ID, 0xB0C5); // the newest version this interface implements, as -vga std reports before anyone asks
  setReg(BPP, 8);
  store<u16>(V_VBE_INDEX, 0);
}

export function vbeEnabled(): bool { return (reg(ENABLE) & VBE_ENABLED) != 0; }
export function vbeBpp(): u32 { return reg(BPP); }
export function vbeXres(): u32 { return reg(XRES); }
export function vbeYres(): u32 { return reg(YRES); }
export function vbeVirtWidth(): u32 { return reg(VIRT_WIDTH); }
export function vbeXOffset(): u32 { return reg(X_OFFSET); }
export function vbeYOffset(): u32 { return reg(Y_OFFSET); }
export function vbeBankOffset(): u32 { return reg(BANK) << 16; }

/** Bytes per scan line of the virtual screen (4 bpp: bytes per plane). */
export function vbeLineBytes(): u32 {
  const bpp = reg(BPP), w = reg(VIRT_WIDTH);
  if (bpp == 4) return w >> 3;
  return w * ((bpp + 7) >> 3);
}

function bytesPerPixel(bpp: u32): u32 { return bpp == 4 ? 1 : (bpp + 7) >> 3; }
function validBpp(v: u32): bool { return v == 4 || v == 8 || v == 15 || v == 16 || v == 24 || v == 32; }

/** The virtual height that fits in video memory for a line of `lineBytes` (DISPI computes it, capped at 16 bits). */
function fitHeight(lineBytes: u32): u32 {
  if (lineBytes == 0) return 0;
  const mem = reg(BPP) == 4 ? VIDEO_MEM_SIZE >> 2 : VIDEO_MEM_SIZE;
  const h = mem / lineBytes;
  return h > 0xFFFF ? 0xFFFF : h;
}

export function vbeIndexWrite(v: u32): void { store<u16>(V_VBE_INDEX, <u16>v); }
export function vbeDataRead(): u32 { return vbeRead(load<u16>(V_VBE_INDEX)); }
export function vbeDataWrite(v: u32): void { vbeWrite(load<u16>(V_VBE_INDEX), v); }

export function vbeRead(i: u32): u32 {
  const caps = (reg(ENABLE) & VBE_GETCAPS) != 0;
  switch (i) {
    case XRES: return caps ? VBE_MAX_XRES : reg(XRES);
    case YRES: return caps ? VBE_MAX_YRES : reg(YRES);
    case BPP: return caps ? VBE_MAX_BPP : reg(BPP);
    case VIDEO_MEMORY_64K: return VIDEO_MEM_SIZE >> 16;
    default: return i <= Y_OFFSET ? reg(i) : 0;
  }
}

export function vbeWrite(i: u32, v: u32): void {
  const enabled = vbeEnabled();
  switch (i) {
    case ID: if (v >= 0xB0C0 && v <= 0xB0C5) setReg(ID, v); return;
    case XRES: if (!enabled && v <= VBE_MAX_XRES) setReg(XRES, v); return;
    case YRES: if (!enabled && v <= VBE_MAX_YRES) setReg(YRES, v); return;
    case BPP: {
      if (v == 0) v = 8; // Bochs: 0 means 8
      if (!enabled && validBpp(v)) setReg(BPP, v);
      return;
    }
    case ENABLE: enableWrite(v); return;
    case BANK: {
      if ((v << 16) < VIDEO_MEM_SIZE) setReg(BANK, v); // a bank outside video memory is refused
      return;
    }
    case VIRT_WIDTH: {
      if (v == 0) return;
      const bpp = reg(BPP);
      const line = bpp == 4 ? v >> 3 : v * bytesPerPixel(bpp);
      if (line == 0 || line > VIDEO_MEM_SIZE) return;
      setReg(VIRT_WIDTH, v);
      setReg(VIRT_HEIGHT, fitHeight(line));
      redrawAll(REDRAW_FULL);
      return;
    }
    case VIRT_HEIGHT: {
      // the virtual height is bounded by the memory a line of the virtual width leaves room for
      const max = fitHeight(vbeLineBytes());
      setReg(VIRT_HEIGHT, v > max ? max : v);
      return;
    }
    case X_OFFSET: case Y_OFFSET: setReg(i, v); redrawAll(REDRAW_FULL); return;
    default: return;
  }
}

function enableWrite(v: u32): void {
  const was = vbeEnabled();
  v &= VBE_ENABLED | VBE_GETCAPS | VBE_8BIT_DAC | VBE_LFB_ENABLED | VBE_NOCLEARMEM;
  if ((v & VBE_ENABLED) != 0 && !was) {
    const x = reg(XRES), y = reg(YRES), bpp = reg(BPP);
    const line = bpp == 4 ? x >> 3 : x * bytesPerPixel(bpp);
    const planeMem = bpp == 4 ? VIDEO_MEM_SIZE >> 2 : VIDEO_MEM_SIZE;
    if (x == 0 || y == 0 || <u64>line * <u64>y > <u64>planeMem) v &= ~VBE_ENABLED; // the mode does not fit
    else {
      // a new mode starts with the virtual screen the size of the visible one, at the origin, bank 0
      setReg(VIRT_WIDTH, x);
      setReg(VIRT_HEIGHT, y);
      setReg(X_OFFSET, 0);
      setReg(Y_OFFSET, 0);
      setReg(BANK, 0);
      if ((v & VBE_NOCLEARMEM) == 0) memory.fill(VIDEO_MEM, 0, VIDEO_MEM_SIZE);
    }
  }
  setReg(ENABLE, v);
  redrawAll(REDRAW_FULL);
}
