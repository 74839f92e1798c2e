// Memory-mapped I/O dispatch: PHYS_PAGE_TYPE holds a device id (PT_MMIO_FIRST and up) for MMIO pages.
// Every device with memory-mapped registers or memory has an id here and a case in both switches.
import { vgaMemRead, vgaMemWrite } from "../devices/vga";
import { lapicRead, lapicWrite } from "../devices/lapic";
import { ioapicRead, ioapicWrite } from "../devices/ioapic";

export const MMIO_NONE: u32 = 16;
export const MMIO_VGA: u32 = 17; // A0000h-BFFFFh, the legacy VGA window, and the linear framebuffer (PCI BAR 0)
export const MMIO_LAPIC: u32 = 18; // FEE00000h (moves with IA32_APIC_BASE)
export const MMIO_IOAPIC: u32 = 19; // FEC00000h

export function mmioRead(dev: u32, phys: u32, size: u32): u32 {
  switch (dev) {
    case MMIO_VGA: return vgaMemRead(phys, size);
    case MMIO_LAPIC: return lapicRead(phys, size);
    case MMIO_IOAPIC: return ioapicRead(phys, size);
    default: return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
  }
}

export function mmioWrite(dev: u32, phys: u32, v: u32, size: u32): void {
  switch (dev) {
    case MMIO_VGA: vgaMemWrite(phys, v, size); return;
    case MMIO_LAPIC: lapicWrite(phys, v, size); return;
    case MMIO_IOAPIC: ioapicWrite(phys, v, size); return;
    default: return;
  }
}
