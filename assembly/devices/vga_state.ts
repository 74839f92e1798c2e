// The VGA's state layout (DEV_VGA) and video memory addresses, shared by vga.ts, vga_mem.ts, vbe.ts and
// vga_render.ts.
//
// State (DEV_VGA, 2 KiB):
//   +0x000 u8[8]   sequencer registers SR0-SR4 (index & 7)
//   +0x008 u8[16]  graphics controller GR0-GR8 (index & 15)
//   +0x018 u8[32]  CRT controller CR00-CR18 (index & 31)
//   +0x038 u8[32]  attribute controller AR00-AR14 (index & 31)
//   +0x058 u8 SR index, +0x059 GR index, +0x05A CR index, +0x05B AR index register (bit 5 = palette address
//          source), +0x05C AR flip-flop (0 = next 3C0h write is an index), +0x05D misc output, +0x05E feature
//          control, +0x05F video subsystem enable (3C3h)
//   +0x060 u32 latches (plane 0 in bits 0-7 ... plane 3 in bits 24-31)
//   +0x064 u8 DAC write index, +0x065 DAC read index, +0x066 write component (0-2), +0x067 read component,
//   +0x068 PEL mask, +0x069 DAC state (3C7h read: 0 = write mode, 3 = read mode), +0x06A u8[3] write buffer
//   +0x070 u16 DISPI index, +0x072 u16[16] DISPI registers (vbe.ts)
//   +0x094 u32 framebuffer BAR address mapped now (NONE), +0x098 u32 MMIO BAR address mapped now,
//   +0x09C u32 configuration space of the PCI function
//   +0x0A0 render state (vga_render.ts): +0xA0 width, +0xA4 height, +0xA8 mode, +0xAC dirty top, +0xB0 dirty
//          bottom, +0xB4 redraw flags, +0xB8 blink phases drawn, +0xBC geometry key drawn
//   +0x100 u8[768] DAC: 256 x {red, green, blue} (6-bit values, or 8-bit with the DISPI 8BIT_DAC bit)
//   +0x400 u8[512] dirty map: one bit per 4 KiB page of video memory written since the last render
import { DEV_VGA, VRAM } from "../layout";

// ---- state offsets ----------------------------------------------------------------------------------------
export const V_SR: u32 = DEV_VGA + 0x000;
export const V_GR: u32 = DEV_VGA + 0x008;
export const V_CR: u32 = DEV_VGA + 0x018;
export const V_AR: u32 = DEV_VGA + 0x038;
export const V_SR_INDEX: u32 = DEV_VGA + 0x058;
export const V_GR_INDEX: u32 = DEV_VGA + 0x059;
export const V_CR_INDEX: u32 = DEV_VGA + 0x05A;
export const V_AR_INDEX: u32 = DEV_VGA + 0x05B;
export const V_AR_FLIPFLOP: u32 = DEV_VGA + 0x05C;
export const V_MISC: u32 = DEV_VGA + 0x05D;
export const V_FEATURE: u32 = DEV_VGA + 0x05E;
export const V_SUBSYS: u32 = DEV_VGA + 0x05F;
export const V_LATCH: u32 = DEV_VGA + 0x060;
export const V_DAC_WINDEX: u32 = DEV_VGA + 0x064;
export const V_DAC_RINDEX: u32 = DEV_VGA + 0x065;
export const V_DAC_WCOMP: u32 = DEV_VGA + 0x066;
export const V_DAC_RCOMP: u32 = DEV_VGA + 0x067;
export const V_PEL_MASK: u32 = DEV_VGA + 0x068;
export const V_DAC_STATE: u32 = DEV_VGA + 0x069;
export const V_DAC_WBUF: u32 = DEV_VGA + 0x06A;
export const V_VBE_INDEX: u32 = DEV_VGA + 0x070;
export const V_VBE: u32 = DEV_VGA + 0x072;
export const V_LFB_MAPPED: u32 = DEV_VGA + 0x094;
export const V_MMIO_MAPPED: u32 = DEV_VGA + 0x098;
export const V_PCI_CFG: u32 = DEV_VGA + 0x09C;
export const V_RENDER: u32 = DEV_VGA + 0x0A0;
export const V_DAC: u32 = DEV_VGA + 0x100;
export const V_DIRTY: u32 = DEV_VGA + 0x400;

// ---- video memory -------------------------------------------------------------------------------------------
/** Video memory: 16 MiB. The four VGA planes are interleaved by byte: plane p's byte at offset o is at
 *  VIDEO_MEM + 4 * o + p, so a latch load is one u32 and chain-4 / VBE linear addresses index it directly. */
export const VIDEO_MEM: u32 = VRAM;
export const VIDEO_MEM_SIZE: u32 = 0x0100_0000;
/** The RGBA picture (max 1920 x 1080 x 4 bytes), then scratch space for the renderer (not machine state). */
export const PICTURE: u32 = VRAM + 0x0100_0000;
export const SCRATCH: u32 = VRAM + 0x0180_0000;

export const NONE: u32 = 0xFFFFFFFF;
export const LFB_SIZE: u32 = VIDEO_MEM_SIZE;
export const MMIO_BAR_SIZE: u32 = 0x1000;

// @ts-ignore: decorator
@inline export function sr(i: u32): u32 { return load<u8>(V_SR + i); }
// @ts-ignore: decorator
@inline export function gr(i: u32): u32 { return load<u8>(V_GR + i); }
// @ts-ignore: decorator
@inline export function cr(i: u32): u32 { return load<u8>(V_CR + i); }
// @ts-ignore: decorator
@inline export function ar(i: u32): u32 { return load<u8>(V_AR + i); }

export function dac8bit(): bool { return (load<u16>(V_VBE + 8) & 0x20) != 0; } // DISPI ENABLE.8BIT_DAC

// ---- redraw requests (vga_render.ts) ---------------------------------------------------------------------
export const R_FLAGS: u32 = V_RENDER + 0x14;
export const REDRAW_FULL: u32 = 1; // a register that changes the picture was written
export const REDRAW_FONT: u32 = 2; // plane 2 (the font) was written: text must be redrawn
export function redrawAll(flags: u32): void { store<u32>(R_FLAGS, load<u32>(R_FLAGS) | flags); }
