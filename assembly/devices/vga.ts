// VGA with the Bochs VBE extension, as QEMU's "-vga std" (PCI 1234:1111): the register file and its ports, the
// PCI function and the memory windows. The memory access pipeline is in vga_mem.ts, the DISPI (VBE) registers in
// vbe.ts, the picture and the text readout in vga_render.ts.
//
// Register semantics: IBM "VGA Technical Reference" (Personal System/2 Hardware Interface Technical Reference,
// section "Video Subsystem": Sequencer, CRT Controller, Graphics Controller, Attribute Controller, Video DAC,
// General Registers). QEMU's stdvga PCI layout: docs/specs/standard-vga.rst in QEMU (BAR 0 framebuffer,
// BAR 2 MMIO: VGA ports at +400h, DISPI registers at +500h).
//
// State: vga_state.ts.
import { DEV_VGA, PT_UNMAPPED } from "../layout";
import {
  V_SR, V_GR, V_CR, V_AR, V_SR_INDEX, V_GR_INDEX, V_CR_INDEX, V_AR_INDEX, V_AR_FLIPFLOP, V_MISC, V_FEATURE, V_SUBSYS,
  V_DAC_WINDEX, V_DAC_RINDEX, V_DAC_WCOMP, V_DAC_RCOMP, V_PEL_MASK, V_DAC_STATE, V_DAC_WBUF, V_VBE_INDEX,
  V_LFB_MAPPED, V_MMIO_MAPPED, V_PCI_CFG, V_DAC, VIDEO_MEM, VIDEO_MEM_SIZE, NONE, LFB_SIZE, MMIO_BAR_SIZE,
  sr, gr, cr, ar, dac8bit, redrawAll, REDRAW_FULL,
} from "./vga_state";
export { PICTURE } from "./vga_state";
import { claimPorts, DEV_VGA as PORTS_VGA } from "../bus/ports";
import { mapMmio, setPageTypes, pageType } from "../bus/physmem";
import { MMIO_VGA } from "../bus/mmio";
import {
  pciAddFunction, pciSetHeader, pciSetBar, pciSetMask, pciBarAddress, PCI_OWNER_VGA, BAR_MEM, BAR_MEM_PREFETCH,
  PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBSYSTEM_ID,
} from "../bus/pci";
import { clockNow } from "../bus/clock";
import { tlbFlushAll } from "../cpu/paging";
import { vgaLegacyRead, vgaLegacyWrite, vramRead, vramWrite } from "./vga_mem";
import { vbeReset, vbeIndexWrite, vbeDataRead, vbeDataWrite, vbeRead, vbeWrite } from "./vbe";
import { inputStatus1 } from "./vga_render";

/** Mark the whole picture for redrawing (a register that changes how memory is shown). */
function changed(): void { redrawAll(REDRAW_FULL); }

// ---- reset ---------------------------------------------------------------------------------------------
// The registers of mode 03h (80 x 25 text, 720 x 400) as the IBM reference's mode table gives them, so a machine
// without a VGA BIOS (and guests that write B8000h directly) shows text; the VGA BIOS reprograms everything.
const MODE3_SR: StaticArray<u8> = [0x03, 0x00, 0x03, 0x00, 0x02];
const MODE3_CR: StaticArray<u8> = [
  0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x00,
  0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
];
const MODE3_GR: StaticArray<u8> = [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF];
const MODE3_AR: StaticArray<u8> = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
  0x0C, 0x00, 0x0F, 0x08, 0x00,
];

export function vgaReset(): void {
  memory.fill(DEV_VGA, 0, 0x800);
  memory.fill(VIDEO_MEM, 0, VIDEO_MEM_SIZE);
  for (let i: u32 = 0; i < 5; i++) store<u8>(V_SR + i, MODE3_SR[i]);
  for (let i: u32 = 0; i < 25; i++) store<u8>(V_CR + i, MODE3_CR[i]);
  for (let i: u32 = 0; i < 9; i++) store<u8>(V_GR + i, MODE3_GR[i]);
  for (let i: u32 = 0; i < 21; i++) store<u8>(V_AR + i, MODE3_AR[i]);
  store<u8>(V_AR_INDEX, 0x20); // palette address source: the display reads the palette
  store<u8>(V_MISC, 0x67);
  store<u8>(V_PEL_MASK, 0xFF);
  store<u8>(V_SUBSYS, 1);
  // the 64 EGA colours in DAC entries 0-63 (2/3 intensity from bits 2/1/0, 1/3 from bits 5/4/3 for R/G/B)
  for (let i: u32 = 0; i < 64; i++) {
    store<u8>(V_DAC + i * 3, <u8>(((i >> 2) & 1) * 0x2A + ((i >> 5) & 1) * 0x15));
    store<u8>(V_DAC + i * 3 + 1, <u8>(((i >> 1) & 1) * 0x2A + ((i >> 4) & 1) * 0x15));
    store<u8>(V_DAC + i * 3 + 2, <u8>((i & 1) * 0x2A + ((i >> 3) & 1) * 0x15));
  }
  vbeReset();
  claimPorts(0x3B0, 0x30, PORTS_VGA);
  claimPorts(0x1CE, 2, PORTS_VGA);
  mapMmio(0xA0000, 0x20000, <u8>MMIO_VGA);
  // PCI function 02.0 (QEMU's slot for -vga std)
  const cfg = pciAddFunction(2 << 3, PCI_OWNER_VGA);
  store<u32>(V_PCI_CFG, cfg);
  store<u32>(V_LFB_MAPPED, NONE);
  store<u32>(V_MMIO_MAPPED, NONE);
  if (cfg != 0) {
    pciSetHeader(cfg, 0x1234, 0x1111, 0x030000, 2, 0);
    store<u16>(cfg + PCI_SUBSYSTEM_VENDOR_ID, 0x1AF4);
    store<u16>(cfg + PCI_SUBSYSTEM_ID, 0x1100);
    pciSetBar(cfg, 0, LFB_SIZE, BAR_MEM | BAR_MEM_PREFETCH);
    pciSetBar(cfg, 2, MMIO_BAR_SIZE, BAR_MEM);
    pciSetMask(cfg, 0x3C, 1, 0xFF); // interrupt line (scratch for the firmware); no interrupt pin
  }
  changed();
}

// ---- PCI: the framebuffer (BAR 0) and MMIO (BAR 2) follow the guest's BARs and command register ----------------
export function lfbBase(): u32 { return load<u32>(V_LFB_MAPPED); }

/** Give [base, base+size) to the VGA where nothing else decodes (RAM and ROM keep priority, so a BAR being sized
 *  at FFxxxxxxh with memory decoding on cannot take the BIOS ROM away), or take it back. */
function claimRange(base: u32, size: u32, on: bool): void {
  for (let p: u32 = 0; p < size; p += 0x1000) {
    const a = base + p;
    if (a < base) break; // wrapped past 4 GiB
    const t = pageType(a);
    if (on && t == <u32>PT_UNMAPPED) mapMmio(a, 0x1000, <u8>MMIO_VGA);
    else if (!on && t == MMIO_VGA && !(a >= 0xA0000 && a < 0xC0000)) setPageTypes(a, 0x1000, PT_UNMAPPED);
  }
}

function remapBar(cfg: u32, bar: u32, slot: u32, size: u32): bool {
  const now = pciBarAddress(cfg, bar), old = load<u32>(slot);
  if (now == old) return false;
  if (old != NONE) claimRange(old, size, false);
  if (now != NONE) claimRange(now, size, true);
  store<u32>(slot, now);
  return true;
}

export function vgaConfigWritten(cfg: u32, off: u32, size: u32): void {
  const end = off + size;
  if (!(off < 0x06 && end > 0x04) && !(off < 0x14 && end > 0x10) && !(off < 0x1C && end > 0x18)) return;
  // The BARs only move between unmapped and VGA pages, which the TLB always sends down the slow path (it looks the
  // page type up again), so the flush is for safety, not correctness; BARs move a handful of times per boot.
  const moved = remapBar(cfg, 0, V_LFB_MAPPED, LFB_SIZE);
  if (remapBar(cfg, 2, V_MMIO_MAPPED, MMIO_BAR_SIZE) || moved) tlbFlushAll();
}

// ---- memory -----------------------------------------------------------------------------------------------
export function vgaMemRead(phys: u32, size: u32): u32 {
  const lfb = load<u32>(V_LFB_MAPPED);
  if (lfb != NONE && phys - lfb < LFB_SIZE) return vramRead(phys - lfb, size);
  const mmio = load<u32>(V_MMIO_MAPPED);
  if (mmio != NONE && phys - mmio < MMIO_BAR_SIZE) return mmioBarRead(phys - mmio, size);
  if (phys - 0xA0000 < 0x20000) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= vgaLegacyRead(phys + i) << (i << 3);
    return v;
  }
  return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
}

export function vgaMemWrite(phys: u32, v: u32, size: u32): void {
  const lfb = load<u32>(V_LFB_MAPPED);
  if (lfb != NONE && phys - lfb < LFB_SIZE) { vramWrite(phys - lfb, v, size); return; }
  const mmio = load<u32>(V_MMIO_MAPPED);
  if (mmio != NONE && phys - mmio < MMIO_BAR_SIZE) { mmioBarWrite(phys - mmio, v, size); return; }
  if (phys - 0xA0000 < 0x20000) {
    for (let i: u32 = 0; i < size; i++) vgaLegacyWrite(phys + i, (v >> (i << 3)) & 0xFF);
  }
}

// QEMU stdvga MMIO BAR: 400h-41Fh = ports 3C0h-3DFh (byte and word access), 500h-515h = DISPI register
// index * 2 (word access); the EDID blob (000h-3FFh) and QEMU's extension registers (600h) read as zero (absent).
function mmioBarRead(off: u32, size: u32): u32 {
  if (off >= 0x400 && off < 0x420) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size && off + i < 0x420; i++) v |= portRead8(0x3C0 + off - 0x400 + i) << (i << 3);
    return v;
  }
  if (off >= 0x500 && off < 0x520) return vbeRead((off - 0x500) >> 1);
  return 0;
}

function mmioBarWrite(off: u32, v: u32, size: u32): void {
  if (off >= 0x400 && off < 0x420) {
    for (let i: u32 = 0; i < size && off + i < 0x420; i++) portWrite8(0x3C0 + off - 0x400 + i, (v >> (i << 3)) & 0xFF);
    return;
  }
  if (off >= 0x500 && off < 0x520 && (off & 1) == 0) vbeWrite((off - 0x500) >> 1, v & 0xFFFF);
}

// ---- ports ------------------------------------------------------------------------------------------------
/** CRTC, input status 1 and feature control answer at 3Bxh or 3Dxh as misc output bit 0 selects (IBM: Miscellaneous
 *  Output Register, I/O Address Select); the other block does not respond. */
function crtcBlock(port: u32): bool {
  const colour = (load<u8>(V_MISC) & 1) != 0;
  return colour ? port >= 0x3D0 : port < 0x3C0;
}

export function vgaPortRead(port: u32, size: u32): u32 {
  if (port == 0x1CE || port == 0x1CF) {
    const v = port == 0x1CF ? vbeDataRead() : <u32>load<u16>(V_VBE_INDEX);
    return size == 1 ? v & 0xFF : v;
  }
  let v: u32 = 0;
  for (let i: u32 = 0; i < size; i++) v |= portRead8((port + i) & 0xFFFF) << (i << 3);
  return v;
}

/** 16-bit OUTs to an index port write index (low byte) and data (high byte), as on the VGA's 8-bit bus. */
export function vgaPortWrite(port: u32, v: u32, size: u32): void {
  if (port == 0x1CE) { vbeIndexWrite(v & 0xFFFF); return; }
  if (port == 0x1CF) { vbeDataWrite(v & 0xFFFF); return; }
  for (let i: u32 = 0; i < size; i++) portWrite8((port + i) & 0xFFFF, (v >> (i << 3)) & 0xFF);
}

function portRead8(port: u32): u32 {
  switch (port) {
    case 0x3C0: return load<u8>(V_AR_INDEX);
    case 0x3C1: { const i = <u32>load<u8>(V_AR_INDEX) & 0x1F; return i < 0x15 ? ar(i) : 0; }
    case 0x3C2: return 0x00; // input status 0: no switch sense, no vertical retrace interrupt pending
    case 0x3C3: return load<u8>(V_SUBSYS);
    case 0x3C4: return load<u8>(V_SR_INDEX);
    case 0x3C5: return sr(load<u8>(V_SR_INDEX) & 7);
    case 0x3C6: return load<u8>(V_PEL_MASK);
    case 0x3C7: return load<u8>(V_DAC_STATE);
    case 0x3C8: return load<u8>(V_DAC_WINDEX);
    case 0x3C9: return dacRead();
    case 0x3CA: return load<u8>(V_FEATURE);
    case 0x3CC: return load<u8>(V_MISC);
    case 0x3CE: return load<u8>(V_GR_INDEX);
    case 0x3CF: return gr(load<u8>(V_GR_INDEX) & 15);
    default: break;
  }
  if (port >= 0x3B0 && port < 0x3C0 || port >= 0x3D0) {
    if (!crtcBlock(port)) return 0xFF;
    const r = port & 0xF;
    if (r == 4) return load<u8>(V_CR_INDEX);
    if (r == 5) return cr(load<u8>(V_CR_INDEX) & 31);
    if (r == 0xA) {
      store<u8>(V_AR_FLIPFLOP, 0); // reading input status 1 resets the attribute flip-flop to "index"
      return inputStatus1(clockNow());
    }
  }
  return 0xFF;
}

function portWrite8(port: u32, v: u32): void {
  switch (port) {
    case 0x3C0: attrWrite(v); return;
    case 0x3C2: {
      if (((v ^ load<u8>(V_MISC)) & 0x0D) != 0) changed(); // I/O select, clock select (frame timing)
      store<u8>(V_MISC, <u8>v); return;
    }
    case 0x3C3: store<u8>(V_SUBSYS, <u8>(v & 1)); return;
    case 0x3C4: store<u8>(V_SR_INDEX, <u8>v); return;
    case 0x3C5: seqWrite(load<u8>(V_SR_INDEX) & 7, v); return;
    case 0x3C6: if (v != load<u8>(V_PEL_MASK)) { store<u8>(V_PEL_MASK, <u8>v); changed(); } return;
    case 0x3C7: store<u8>(V_DAC_RINDEX, <u8>v); store<u8>(V_DAC_RCOMP, 0); store<u8>(V_DAC_STATE, 3); return;
    case 0x3C8: store<u8>(V_DAC_WINDEX, <u8>v); store<u8>(V_DAC_WCOMP, 0); store<u8>(V_DAC_STATE, 0); return;
    case 0x3C9: dacWrite(v); return;
    case 0x3CE: store<u8>(V_GR_INDEX, <u8>v); return;
    case 0x3CF: grWrite(load<u8>(V_GR_INDEX) & 15, v); return;
    default: break;
  }
  if (port >= 0x3B0 && port < 0x3C0 || port >= 0x3D0) {
    if (!crtcBlock(port)) return;
    const r = port & 0xF;
    if (r == 4) store<u8>(V_CR_INDEX, <u8>v);
    else if (r == 5) crtcWrite(load<u8>(V_CR_INDEX) & 31, v);
    else if (r == 0xA) store<u8>(V_FEATURE, <u8>(v & 3));
  }
}

function seqWrite(i: u32, v: u32): void {
  const old = sr(i);
  store<u8>(V_SR + i, <u8>v);
  // map mask (SR2) only steers CPU writes; the others change the picture
  if (i != 2 && old != (v & 0xFF)) changed();
}

function grWrite(i: u32, v: u32): void {
  const old = gr(i);
  store<u8>(V_GR + i, <u8>v);
  // GR0-4, 7, 8 and the write/read mode bits of GR5 only steer CPU accesses (redrawing on every bit mask write
  // would defeat the dirty tracking); GR5's shift register bits and GR6 change the picture
  if ((i == 5 && ((old ^ v) & 0x60) != 0) || (i == 6 && old != (v & 0xFF))) changed();
}

/** IBM: CR11 bit 7 write-protects CR00-CR07, except the line compare bit 8 in CR07 (bit 4). */
function crtcWrite(i: u32, v: u32): void {
  if (i > 0x18) return;
  if ((cr(0x11) & 0x80) != 0 && i <= 7) {
    if (i != 7) return;
    v = (cr(7) & ~0x10) | (v & 0x10);
  }
  const old = cr(i);
  store<u8>(V_CR + i, <u8>v);
  if (old != (v & 0xFF)) changed();
}

/** 3C0h: an internal flip-flop alternates index and data writes (IBM: Attribute Address Register). */
function attrWrite(v: u32): void {
  if (load<u8>(V_AR_FLIPFLOP) == 0) {
    const old = <u32>load<u8>(V_AR_INDEX);
    store<u8>(V_AR_INDEX, <u8>(v & 0x3F));
    store<u8>(V_AR_FLIPFLOP, 1);
    if (((old ^ v) & 0x20) != 0) changed(); // palette address source: the screen shows or blanks
    return;
  }
  store<u8>(V_AR_FLIPFLOP, 0);
  const i = <u32>load<u8>(V_AR_INDEX) & 0x1F;
  if (i >= 0x15) return;
  // IBM: the palette registers can be written only while the palette address source bit is 0
  if (i < 0x10 && (load<u8>(V_AR_INDEX) & 0x20) != 0) return;
  const old = ar(i);
  store<u8>(V_AR + i, <u8>(i < 0x10 ? v & 0x3F : v));
  if (old != (v & 0xFF)) changed();
}


function dacRead(): u32 {
  const idx = <u32>load<u8>(V_DAC_RINDEX), c = <u32>load<u8>(V_DAC_RCOMP);
  const v = <u32>load<u8>(V_DAC + idx * 3 + c);
  if (c == 2) { store<u8>(V_DAC_RCOMP, 0); store<u8>(V_DAC_RINDEX, <u8>(idx + 1)); }
  else store<u8>(V_DAC_RCOMP, <u8>(c + 1));
  return v;
}

/** IBM Video DAC: red, green, blue are collected and the entry is written when blue arrives; then the write index
 *  moves on. Values are 6 bits (the top two bits are ignored) unless the DISPI 8-bit DAC mode is on. */
function dacWrite(v: u32): void {
  const c = <u32>load<u8>(V_DAC_WCOMP);
  store<u8>(V_DAC_WBUF + c, <u8>(dac8bit() ? v : v & 0x3F));
  if (c < 2) { store<u8>(V_DAC_WCOMP, <u8>(c + 1)); return; }
  const idx = <u32>load<u8>(V_DAC_WINDEX);
  memory.copy(V_DAC + idx * 3, V_DAC_WBUF, 3);
  store<u8>(V_DAC_WCOMP, 0);
  store<u8>(V_DAC_WINDEX, <u8>(idx + 1));
  changed();
}

export function vgaTimer(now: u64): void {} // nothing is scheduled: retrace and blink are computed from the clock
