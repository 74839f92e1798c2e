// PIIX4 power management, PCI function 00:01.3 (82371AB datasheet, "Power management registers"), as QEMU's
// i440FX machine has it beside the PIIX3: SeaBIOS finds it (8086:7113), gives it an I/O block (PMBA, 40h) and
// builds the ACPI FADT around it; Linux then uses
//   - the ACPI PM timer (PMBA+08h): a 24-bit counter at 3.579545 MHz, here computed from the virtual clock;
//   - PM1 control (PMBA+04h): SCI_EN, and SUS_EN with SUS_TYP = 0 (the \_S5 "soft off" state of SeaBIOS's
//     DSDT) switches the machine off: run() returns EXIT_POWEROFF;
//   - the APM control port B2h: ACPI_ENABLE (F1h) / ACPI_DISABLE (F0h) from the FADT set or clear SCI_EN.
// This processor has no SMM, so no SMI handler exists: the effect the firmware's handler would have (SCI_EN) is
// done here directly, and DEVACTB's APMC_EN bit reads as set, which tells SeaBIOS its SMM set-up is done.
// SCI is IRQ 9 (hard-wired on this board), raised for the power button (host input) when enabled.
//
// QEMU's additions to this function, which the ACPI tables SeaBIOS builds (its DSDT/SSDT) read, and which must
// therefore answer sensibly: the GPE0 block at AFE0h (status, write one to clear; enable), the PCI hot-plug
// registers at AE00h (slots that came up, went down, eject, removable: all 0: nothing is hot-plugged) and the CPU
// present bitmap at AF00h (CPU 0 only). Unanswered, they read all ones, and Linux's ACPI hot-plug driver then
// believes every PCI slot was unplugged and removes the devices (the IDE controller with them).
import { DEV_PM, EXIT_POWEROFF } from "../layout";
import { pciAddFunction, pciSetHeader, pciSetMask, PCI_OWNER_PM, PCI_INTERRUPT_PIN } from "../bus/pci";
import { claimPorts, DEV_PM as PORT_DEV_PM, DEV_NONE } from "../bus/ports";
import { clockNow } from "../bus/clock";
import { setIsaIrq } from "../bus/intc";
import { requestExit } from "../machine_events";

const P_CFG: u32 = 0; // u32 configuration space address
const P_BASE: u32 = 4; // u32 PM I/O base currently claimed (0 = none)
const P_REGS: u32 = 8; // 48 bytes: PM I/O registers 00h-2Fh as written (PMTMR is computed; GPI/GPO read 0)
const P_APM: u32 = 0x3C; // u8 x 2: APM control (B2h) and status (B3h)
const P_GPE: u32 = 0x38; // u16 GPE0 status, u16 GPE0 enable (AFE0h-AFE3h)

const GPE0_PORT: u32 = 0xAFE0;
const PCI_HOTPLUG_PORT: u32 = 0xAE00; // 16 bytes: PCIU, PCID, B0EJ, PCRM
const CPU_PRESENT_PORT: u32 = 0xAF00; // 32 bytes: one bit per CPU
const P_SCI: u32 = 0x3F; // u8 SCI level

const PMBA: u32 = 0x40;
const DEVACTB: u32 = 0x5C;
const PMREGMISC: u32 = 0x80;

// PM I/O register offsets
const PMSTS: u32 = 0x00;
const PMEN: u32 = 0x02;
const PMCNTRL: u32 = 0x04;
const PMTMR: u32 = 0x08;
const STS_TMROF: u32 = 1, STS_GBL: u32 = 1 << 5, STS_PWRBTN: u32 = 1 << 8, STS_RTC: u32 = 1 << 10;
const CNT_SCI_EN: u32 = 1, CNT_SUS_EN: u32 = 1 << 13;

export function pmReset(): void {
  const had = load<u32>(DEV_PM + P_BASE);
  // (P_GPE, P_APM and P_SCI live in the same 64 bytes and are cleared below)
  if (had != 0) claimPorts(had, 64, DEV_NONE); // a reset takes the I/O block away until the firmware sets PMBA
  memory.fill(DEV_PM, 0, 64);
  const cfg = pciAddFunction((1 << 3) | 3, PCI_OWNER_PM);
  store<u32>(DEV_PM + P_CFG, cfg);
  pciSetHeader(cfg, 0x8086, 0x7113, 0x068000, 0x03, 0x00);
  store<u16>(cfg + 0x06, 0x0280);
  store<u8>(cfg + PCI_INTERRUPT_PIN, 1);
  store<u32>(cfg + PMBA, 1); // I/O space indicator
  store<u32>(cfg + DEVACTB, 1 << 25); // APMC_EN: see the header comment
  store<u32>(cfg + 0x90, 1); // SMBBA: I/O space indicator
  pciSetMask(cfg, PMBA, 4, 0x0000FFC0);
  pciSetMask(cfg, 0x44, 4, 0xFFFFFFFF); // CNTA, CNTB, GPICTL, DEVRESD..DEVACTB: plain registers
  pciSetMask(cfg, 0x48, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x4C, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x50, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x54, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x58, 4, 0xFFFFFFFF);
  pciSetMask(cfg, DEVACTB, 4, 0xFDFFFFFF);
  pciSetMask(cfg, 0x60, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x64, 4, 0xFFFFFFFF);
  pciSetMask(cfg, 0x68, 4, 0xFFFFFFFF);
  pciSetMask(cfg, PMREGMISC, 1, 0x01);
  pciSetMask(cfg, 0x90, 4, 0x0000FFF0); // SMBus base (no SMBus devices answer)
  pciSetMask(cfg, 0xD2, 1, 0x0F);
  claimPorts(0xB2, 2, PORT_DEV_PM); // APM control and status
  claimPorts(GPE0_PORT, 4, PORT_DEV_PM);
  claimPorts(PCI_HOTPLUG_PORT, 16, PORT_DEV_PM);
  claimPorts(CPU_PRESENT_PORT, 32, PORT_DEV_PM);
}

export function pmConfigWritten(cfg: u32, off: u32, size: u32): void {
  const enabled = (load<u8>(cfg + PMREGMISC) & 1) != 0;
  const want = enabled ? load<u32>(cfg + PMBA) & 0xFFC0 : 0;
  const had = load<u32>(DEV_PM + P_BASE);
  // (P_GPE, P_APM and P_SCI live in the same 64 bytes and are cleared below)
  if (want == had) return;
  if (had != 0) claimPorts(had, 64, DEV_NONE);
  if (want != 0) claimPorts(want, 64, PORT_DEV_PM);
  store<u32>(DEV_PM + P_BASE, want);
}

/** The ACPI PM timer: 24 bits at 3.579545 MHz since virtual time 0 (exact for any u64 time). */
function pmTimer(now: u64): u32 {
  const sec = now / 1_000_000_000, rem = now % 1_000_000_000;
  return <u32>((sec * 3579545 + rem * 3579545 / 1_000_000_000) & 0xFFFFFF);
}

function reg16(off: u32): u32 { return load<u16>(DEV_PM + P_REGS + off); }

function updateSci(): void {
  const level: u32 = (reg16(PMCNTRL) & CNT_SCI_EN) != 0 && (reg16(PMSTS) & reg16(PMEN) & (STS_TMROF | STS_GBL | STS_PWRBTN | STS_RTC)) != 0 ? 1 : 0;
  if (level != <u32>load<u8>(DEV_PM + P_SCI)) { store<u8>(DEV_PM + P_SCI, <u8>level); setIsaIrq(9, level != 0); }
}

/** The host pressed the power button: an ACPI guest shuts down cleanly. */
export function pmPowerButton(): void {
  store<u16>(DEV_PM + P_REGS + PMSTS, <u16>(reg16(PMSTS) | STS_PWRBTN));
  updateSci();
}

function readByte(off: u32): u32 {
  if (off >= PMTMR && off < PMTMR + 4) return (pmTimer(clockNow()) >> ((off - PMTMR) << 3)) & 0xFF;
  if (off >= 48) return 0;
  return load<u8>(DEV_PM + P_REGS + off);
}

export function pmRead(port: u32, size: u32): u32 {
  if (port >= GPE0_PORT && port < GPE0_PORT + 4) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size && port + i < GPE0_PORT + 4; i++) v |= <u32>load<u8>(DEV_PM + P_GPE + port + i - GPE0_PORT) << (i << 3);
    return v;
  }
  if (port >= PCI_HOTPLUG_PORT && port < PCI_HOTPLUG_PORT + 16) return 0; // nothing came, went or may go
  if (port >= CPU_PRESENT_PORT && port < CPU_PRESENT_PORT + 32) return port == CPU_PRESENT_PORT ? 1 : 0; // CPU 0
  if (port == 0xB2 || port == 0xB3) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size && port + i <= 0xB3; i++) v |= <u32>load<u8>(DEV_PM + P_APM + port + i - 0xB2) << (i << 3);
    return v;
  }
  const off = port - load<u32>(DEV_PM + P_BASE);
  let v: u32 = 0;
  for (let i: u32 = 0; i < size; i++) v |= readByte((off + i) & 63) << (i << 3);
  return v;
}

export function pmWrite(port: u32, v: u32, size: u32): void {
  if (port >= GPE0_PORT && port < GPE0_PORT + 4) {
    for (let i: u32 = 0; i < size && port + i < GPE0_PORT + 4; i++) {
      const o = port + i - GPE0_PORT, b = (v >> (i << 3)) & 0xFF;
      const a = DEV_PM + P_GPE + o;
      store<u8>(a, <u8>(o < 2 ? <u32>load<u8>(a) & ~b : b)); // status: write one to clear
    }
    return;
  }
  if (port >= PCI_HOTPLUG_PORT && port < CPU_PRESENT_PORT + 32) return; // eject requests: no slot is ejectable
  if (port == 0xB2 || port == 0xB3) {
    store<u8>(DEV_PM + P_APM + port - 0xB2, <u8>v);
    if (port == 0xB2) {
      // the FADT's ACPI_ENABLE / ACPI_DISABLE values (what the firmware's SMI handler would do)
      if ((v & 0xFF) == 0xF1) store<u16>(DEV_PM + P_REGS + PMCNTRL, <u16>(reg16(PMCNTRL) | CNT_SCI_EN));
      else if ((v & 0xFF) == 0xF0) store<u16>(DEV_PM + P_REGS + PMCNTRL, <u16>(reg16(PMCNTRL) & ~CNT_SCI_EN));
      updateSci();
    }
    return;
  }
  const off = (port - load<u32>(DEV_PM + P_BASE)) & 63;
  for (let i: u32 = 0; i < size; i++) {
    const o = off + i, b = (v >> (i << 3)) & 0xFF;
    if (o >= 48 || (o >= PMTMR && o < PMTMR + 4)) continue;
    if (o < 2) { // PMSTS: write one to clear
      const cur = <u32>load<u8>(DEV_PM + P_REGS + o);
      store<u8>(DEV_PM + P_REGS + o, <u8>(cur & ~b));
    } else if (o == PMCNTRL + 1) {
      store<u8>(DEV_PM + P_REGS + o, <u8>(b & ~(CNT_SUS_EN >> 8))); // SUS_EN is write-only
      if ((b & (CNT_SUS_EN >> 8)) != 0 && ((b >> 2) & 7) == 0) requestExit(EXIT_POWEROFF);
    } else {
      store<u8>(DEV_PM + P_REGS + o, <u8>b);
    }
  }
  updateSci();
}
