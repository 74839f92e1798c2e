// The i440FX PCI and memory controller (82441FX PMC), PCI function 00:00.0, as the PC's host bridge
// (Intel 440FX PCIset datasheet, 82441FX section). Guests see its configuration space; what matters to them:
//   - the PAM registers 59h-5Fh (3.2.17): for each 16 KiB segment of 0xC0000-0xEFFFF and the 64 KiB segment at
//     0xF0000, two bits choose where reads and writes go: RE (bit 0 of the nibble) sends reads to DRAM, WE (bit 1)
//     sends writes to DRAM; otherwise the access goes to the PCI/ISA side, where the BIOS ROM answers for
//     0xE0000-0xFFFFF. SeaBIOS copies itself into this "shadow RAM" and write-protects it.
//   - subsystem 1AF4:1100, by which SeaBIOS recognises "QEMU (i440fx)" and turns on its QEMU support (fw_cfg).
// The 82441FX decodes the rest (DRAM rows, caches, SMRAM) without effect on a guest here; SMRAM (72h) is kept
// as a plain register (no SMM in this processor).
import { DEV_CHIPSET, PT_RAM, PT_ROM, PT_UNMAPPED, PT_RAM_READONLY, PT_ROM_WRITE_RAM, MEM_SIZE } from "../layout";
import { pciAddFunction, pciSetHeader, pciSetMask, PCI_OWNER_I440FX, PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBSYSTEM_ID } from "../bus/pci";
import { setPageTypes, romMapped } from "../bus/physmem";
import { tlbFlushAll } from "../cpu/paging";
import { flushBlockCache } from "../translate/blocks";

const C_CFG: u32 = 0; // u32: address of the configuration space
const C_PAM_ACTIVE: u32 = 4; // u8: firmware installed, the PAM registers decide 0xC0000-0xFFFFF (else plain RAM);
                              // set once by the host, kept across resets (zeroed with the state area at init)

const PAM0: u32 = 0x59;
const SMRAM: u32 = 0x72;

export function i440fxReset(): void {
  const cfg = pciAddFunction(0, PCI_OWNER_I440FX);
  store<u32>(DEV_CHIPSET + C_CFG, cfg);
  pciSetHeader(cfg, 0x8086, 0x1237, 0x060000, 0x02, 0x00);
  store<u16>(cfg + PCI_SUBSYSTEM_VENDOR_ID, 0x1AF4);
  store<u16>(cfg + PCI_SUBSYSTEM_ID, 0x1100);
  store<u16>(cfg + 0x06, 0x0280); // status: fast back-to-back capable, medium DEVSEL timing (3.2.4)
  store<u8>(cfg + 0x50, 0x00); // PMCCFG
  store<u8>(cfg + SMRAM, 0x02); // SMRAM: C_BASE_SEG = 010b (A0000h), the reset default
  pciSetMask(cfg, 0x50, 2, 0x70FF); // PMCCFG, DETURBO
  pciSetMask(cfg, PAM0, 1, 0x30); // PAM0: only the F0000h segment field
  for (let r: u32 = PAM0 + 1; r <= PAM0 + 6; r++) pciSetMask(cfg, r, 1, 0x33);
  pciSetMask(cfg, SMRAM, 1, 0x78); // D_OPEN, D_CLS, D_LCK, G_SMRAME (no effect: no SMM)
  pciSetMask(cfg, 0x60, 8, 0xFFFFFFFF); // DRB0-7: the firmware sizes DRAM rows here
  pciSetMask(cfg, 0x64, 4, 0xFFFFFFFF);
  applyPam(); // after a reset with firmware installed, 0xC0000-0xFFFFF read from the ROM again
}

/** The host installed firmware: from now on the PAM registers decide what 0xC0000-0xFFFFF is. */
export function i440fxFirmwareInstalled(): void {
  store<u8>(DEV_CHIPSET + C_PAM_ACTIVE, 1);
  applyPam();
}

export function i440fxConfigWritten(cfg: u32, off: u32, size: u32): void {
  if (off + size > PAM0 && off <= PAM0 + 6) applyPam();
}

/** The attribute of one PAM segment (2 bits: RE, WE) -> a page type. */
function segmentType(phys: u32, attr: u32): u8 {
  const rom = romMapped(phys);
  switch (attr & 3) {
    case 0: return rom ? PT_ROM : PT_UNMAPPED; // both to PCI: the BIOS ROM where it is decoded
    case 1: return PT_RAM_READONLY;
    case 2: return rom ? PT_ROM_WRITE_RAM : PT_UNMAPPED; // gap: writes are lost where no ROM answers reads
    default: return PT_RAM;
  }
}

function applyPam(): void {
  if (load<u8>(DEV_CHIPSET + C_PAM_ACTIVE) == 0) return;
  if (load<u32>(MEM_SIZE) < 0x100000) return; // no RAM behind the segments: leave the map alone
  const cfg = load<u32>(DEV_CHIPSET + C_CFG);
  setPageTypes(0xF0000, 0x10000, segmentType(0xF0000, <u32>load<u8>(cfg + PAM0) >> 4));
  for (let i: u32 = 0; i < 12; i++) {
    const phys: u32 = 0xC0000 + i * 0x4000;
    const v = <u32>load<u8>(cfg + PAM0 + 1 + (i >> 1));
    setPageTypes(phys, 0x4000, segmentType(phys, (i & 1) != 0 ? v >> 4 : v));
  }
  tlbFlushAll();
  flushBlockCache();
}
