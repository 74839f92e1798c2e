// Memory-mapped I/O dispatch: PHYS_PAGE_TYPE holds a device id (PT_MMIO_FIRST and up) for MMIO pages.
// Devices add their cases here (platform issue: VGA, local APIC, I/O APIC, ...).
export const MMIO_NONE: u32 = 16;

export function mmioRead(dev: u32, phys: u32, size: u32): u32 {
  switch (dev) {
    default: return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
  }
}

export function mmioWrite(dev: u32, phys: u32, v: u32, size: u32): void {
  switch (dev) {
    default: return;
  }
}
