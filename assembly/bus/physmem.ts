// The physical address space: RAM, ROM windows and MMIO devices, by 4 KiB page (PHYS_PAGE_TYPE).
// The CPU's fast path never comes here: it uses TLB entries that point straight at RAM or ROM. This is the
// slow path for page-table walks, MMIO, ROM writes, unmapped space and accesses that cross a page.
import {
  RAM, ROM, ROM_SIZE, PHYS_PAGE_TYPE, PT_RAM, PT_ROM, PT_UNMAPPED, MEM_SIZE, ROM_WINDOWS, ROM_WINDOW_COUNT,
  A20_MASK, PT_RAM_READONLY, PT_ROM_WRITE_RAM,
} from "../layout";
import { mmioRead, mmioWrite } from "./mmio";
import { invalidateCodeRange } from "../translate/blocks";

const MAX_ROM_WINDOWS: u32 = 8;

// @ts-ignore: decorator
@inline export function pageType(phys: u32): u32 { return load<u8>(PHYS_PAGE_TYPE + (phys >>> 12)); }

/** Set up the map for `ramSize` bytes of RAM: RAM pages below it, everything else unmapped. */
export function physmemInit(ramSize: u32): void {
  store<u32>(MEM_SIZE, ramSize);
  const ramPages = ramSize >>> 12;
  memory.fill(PHYS_PAGE_TYPE, PT_RAM, ramPages);
  memory.fill(PHYS_PAGE_TYPE + ramPages, PT_UNMAPPED, 0x100000 - ramPages);
  store<u32>(ROM_WINDOW_COUNT, 0);
}

/** Map `size` bytes of the ROM area starting at `romOffset` at physical address `phys` (page aligned). */
export function mapRom(phys: u32, size: u32, romOffset: u32): bool {
  const n = load<u32>(ROM_WINDOW_COUNT);
  if (n >= MAX_ROM_WINDOWS || romOffset + size > ROM_SIZE || (phys & 0xFFF) != 0 || (size & 0xFFF) != 0) return false;
  const w = ROM_WINDOWS + n * 16;
  store<u32>(w, phys);
  store<u32>(w, size, 4);
  store<u32>(w, romOffset, 8);
  store<u32>(ROM_WINDOW_COUNT, n + 1);
  memory.fill(PHYS_PAGE_TYPE + (phys >>> 12), PT_ROM, size >>> 12);
  return true;
}

/** Set the type of the pages of [phys, phys + size) (the chipset's PAM registers, devices' BARs). The caller
 *  flushes the TLB and, where code may have been translated, the block cache. */
export function setPageTypes(phys: u32, size: u32, type: u8): void {
  memory.fill(PHYS_PAGE_TYPE + (phys >>> 12), type, (size + 0xFFF) >>> 12);
}

/** Is there a ROM window at `phys`? */
export function romMapped(phys: u32): bool {
  const n = load<u32>(ROM_WINDOW_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const w = ROM_WINDOWS + i * 16;
    if (phys - load<u32>(w) < load<u32>(w, 4)) return true;
  }
  return false;
}

/** Give a range of physical pages to an MMIO device (id >= PT_MMIO_FIRST). */
export function mapMmio(phys: u32, size: u32, device: u8): void {
  memory.fill(PHYS_PAGE_TYPE + (phys >>> 12), device, (size + 0xFFF) >>> 12);
}

/** Host address of the ROM byte at physical address `phys` (which must be in a ROM window). */
export function romHost(phys: u32): u32 {
  const n = load<u32>(ROM_WINDOW_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const w = ROM_WINDOWS + i * 16;
    const start = load<u32>(w), size = load<u32>(w, 4);
    if (phys - start < size) return ROM + load<u32>(w, 8) + (phys - start);
  }
  return ROM + ROM_SIZE - 0x1000; // not reached: page type and windows agree
}

/**
 * Host address of the 4 KiB page holding physical address `phys` for the TLB, and its kind:
 * returns the host page address; RAM pages map to RAM + phys, ROM to the ROM area, others to RAM + phys
 * as a placeholder (the TLB entry is flagged so that the placeholder is never dereferenced).
 */
export function hostPage(phys: u32): u32 {
  phys &= ~<u32>0xFFF;
  if (pageType(phys) == PT_ROM) return romHost(phys);
  return RAM + phys;
}

// ---- byte/word/dword access by physical address (A20 applied by the caller's translation) ---------------
export function physRead8(phys: u32): u32 {
  const t = pageType(phys);
  if (t == PT_RAM) return load<u8>(RAM + phys);
  if (t == PT_ROM || t == PT_ROM_WRITE_RAM) return load<u8>(romHost(phys));
  if (t == PT_RAM_READONLY) return load<u8>(RAM + phys);
  if (t == PT_UNMAPPED) return 0xFF;
  return mmioRead(t, phys, 1) & 0xFF;
}

export function physRead16(phys: u32): u32 {
  if ((phys & 0xFFF) == 0xFFF) return physRead8(phys) | (physRead8(phys + 1) << 8);
  const t = pageType(phys);
  if (t == PT_RAM) return load<u16>(RAM + phys);
  if (t == PT_ROM || t == PT_ROM_WRITE_RAM) return load<u16>(romHost(phys));
  if (t == PT_RAM_READONLY) return load<u16>(RAM + phys);
  if (t == PT_UNMAPPED) return 0xFFFF;
  return mmioRead(t, phys, 2) & 0xFFFF;
}

export function physRead32(phys: u32): u32 {
  if ((phys & 0xFFF) > 0xFFC) return physRead16(phys) | (physRead16(phys + 2) << 16);
  const t = pageType(phys);
  if (t == PT_RAM) return load<u32>(RAM + phys);
  if (t == PT_ROM || t == PT_ROM_WRITE_RAM) return load<u32>(romHost(phys));
  if (t == PT_RAM_READONLY) return load<u32>(RAM + phys);
  if (t == PT_UNMAPPED) return 0xFFFFFFFF;
  return mmioRead(t, phys, 4);
}

export function physWrite8(phys: u32, v: u32): void {
  const t = pageType(phys);
  if (t == PT_RAM) { store<u8>(RAM + phys, <u8>v); invalidateCodeRange(RAM + phys, 1); return; }
  if (t == PT_ROM_WRITE_RAM) { store<u8>(RAM + phys, <u8>v); invalidateCodeRange(RAM + phys, 1); return; }
  if (t == PT_ROM || t == PT_UNMAPPED || t == PT_RAM_READONLY) return;
  mmioWrite(t, phys, v & 0xFF, 1);
}

export function physWrite16(phys: u32, v: u32): void {
  if ((phys & 0xFFF) == 0xFFF) { physWrite8(phys, v); physWrite8(phys + 1, v >>> 8); return; }
  const t = pageType(phys);
  if (t == PT_RAM) { store<u16>(RAM + phys, <u16>v); invalidateCodeRange(RAM + phys, 2); return; }
  if (t == PT_ROM_WRITE_RAM) { store<u16>(RAM + phys, <u16>v); invalidateCodeRange(RAM + phys, 2); return; }
  if (t == PT_ROM || t == PT_UNMAPPED || t == PT_RAM_READONLY) return;
  mmioWrite(t, phys, v & 0xFFFF, 2);
}

export function physWrite32(phys: u32, v: u32): void {
  if ((phys & 0xFFF) > 0xFFC) { physWrite16(phys, v); physWrite16(phys + 2, v >>> 16); return; }
  const t = pageType(phys);
  if (t == PT_RAM) { store<u32>(RAM + phys, v); invalidateCodeRange(RAM + phys, 4); return; }
  if (t == PT_ROM_WRITE_RAM) { store<u32>(RAM + phys, <u32>v); invalidateCodeRange(RAM + phys, 4); return; }
  if (t == PT_ROM || t == PT_UNMAPPED || t == PT_RAM_READONLY) return;
  mmioWrite(t, phys, v, 4);
}

/** The A20 gate: physical addresses have bit 20 forced to 0 while the gate is closed. */
// @ts-ignore: decorator
@inline export function a20(phys: u32): u32 { return phys & load<u32>(A20_MASK); }

/**
 * Write guest RAM from outside the CPU (DMA, disk controllers, the host loading images): copies `len` bytes
 * from host address `src` to physical `phys` and invalidates any translated code there. Returns false if the
 * range is not RAM.
 */
export function dmaWrite(phys: u32, src: u32, len: u32): bool {
  const size = load<u32>(MEM_SIZE);
  if (phys >= size || len > size - phys) return false;
  memory.copy(RAM + phys, src, len);
  invalidateCodeRange(RAM + phys, len);
  return true;
}
