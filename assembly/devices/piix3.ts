// The PIIX3 PCI-to-ISA bridge, PCI function 00:01.0 (82371SB datasheet, section 2.2 "PCI to ISA bridge
// configuration registers"). What guests use:
//   - PIRQRC[A:D] (60h-63h, 2.2.13): routes the PCI interrupt lines PIRQA-D to an ISA IRQ (bits 3-0) unless
//     bit 7 disables the routing. SeaBIOS programs them (10, 10, 11, 11) and the ELCR (ports 4D0h/4D1h, in the
//     PIC file) to level; Linux reads them through the $PIR table and ACPI _PRT.
//   - the multi-function header (the IDE function 1.1 and the power management function 1.3 follow it).
// TOM, XBCS, the DMA and SMI registers are kept as plain registers (no effect here).
import { DEV_CHIPSET } from "../layout";
import {
  pciAddFunction, pciSetHeader, pciSetMask, pciFind, pciUpdateIrqs, PCI_OWNER_PIIX3,
} from "../bus/pci";

const PIRQRC: u32 = 0x60;

export function piix3Reset(): void {
  const cfg = pciAddFunction(1 << 3, PCI_OWNER_PIIX3);
  store<u32>(DEV_CHIPSET + 8, cfg);
  pciSetHeader(cfg, 0x8086, 0x7000, 0x060100, 0x00, 0x80);
  store<u16>(cfg + 0x06, 0x0200); // status: medium DEVSEL
  store<u8>(cfg + 0x4C, 0x4D); // IORT
  store<u16>(cfg + 0x4E, 0x0003); // XBCS
  for (let i: u32 = 0; i < 4; i++) store<u8>(cfg + PIRQRC + i, 0x80); // routing disabled at reset
  store<u8>(cfg + 0x69, 0x02); // TOM
  store<u16>(cfg + 0x6A, 0x0000);
  store<u8>(cfg + 0x70, 0x80); // MBIRQ0
  store<u8>(cfg + 0x71, 0x80);
  store<u8>(cfg + 0x76, 0x0C); // MBDMA
  store<u8>(cfg + 0x77, 0x0C);
  store<u8>(cfg + 0x82, 0x00); // DLC
  pciSetMask(cfg, 0x4C, 1, 0x7F);
  pciSetMask(cfg, 0x4E, 2, 0x07F7);
  pciSetMask(cfg, PIRQRC, 4, 0x8F8F8F8F);
  pciSetMask(cfg, 0x69, 1, 0xFE);
  pciSetMask(cfg, 0x6A, 2, 0x00D7);
  pciSetMask(cfg, 0x70, 2, 0xEFEF);
  pciSetMask(cfg, 0x76, 2, 0x8F8F);
  pciSetMask(cfg, 0x80, 1, 0x0F); // APIC base address relocation
  pciSetMask(cfg, 0x82, 1, 0x0F);
  pciSetMask(cfg, 0xA0, 4, 0xFFFFFFFF); // SMI control and enables
  pciSetMask(cfg, 0xA4, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0xA8, 1, 0xFF);
}

export function piix3ConfigWritten(cfg: u32, off: u32, size: u32): void {
  if (off + size > PIRQRC && off < PIRQRC + 4) pciUpdateIrqs();
}

/** The ISA IRQ PIRQ n (0-3 = A-D) is routed to, or 0x80 when routing is off (or the bridge is absent). */
export function piix3PirqRoute(pirq: u32): u32 {
  const cfg = load<u32>(DEV_CHIPSET + 8);
  if (cfg == 0 || cfg != pciFind(1 << 3)) return 0x80;
  const v = <u32>load<u8>(cfg + PIRQRC + (pirq & 3));
  if ((v & 0x80) != 0) return 0x80;
  const irq = v & 0x0F;
  // IRQs 0, 1, 2, 8 and 13 are reserved (datasheet 2.2.13): the bridge does not route to them
  return irq < 3 || irq == 8 || irq == 13 ? 0x80 : irq;
}
