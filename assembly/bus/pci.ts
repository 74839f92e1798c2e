// PCI bus 0 and configuration mechanism #1 (PCI Local Bus Specification 2.1, 3.7.4.1): port CF8h holds
// CONFIG_ADDRESS (dword access only; byte access to CF9h is the PIIX3 reset register, devices/sysctrl.ts) and
// CFCh-CFFh read or write the addressed configuration dword in any width.
//
// Each function's configuration space lives in PCI_FUNCS with a write mask next to it, so the generic code gives
// every register its read-only and read/write bits (BAR sizing included: a BAR's mask is ~(size - 1)) and the
// owning device only hears about writes that matter to it (pciConfigWritten -> the device's hook: new BAR,
// command register, PAM, PIRQ routing). Functions register at reset with pciAddFunction.
import { PCI_STATE, PCI_FUNCS, PCI_MAX_FUNCS, PCI_FUNC_SIZE } from "../layout";
import { sysctrlRead, sysctrlWrite } from "../devices/sysctrl";
import { setIsaIrq } from "./intc";
import { i440fxConfigWritten } from "../devices/i440fx";
import { piix3ConfigWritten, piix3PirqRoute } from "../devices/piix3";
import { ideConfigWritten } from "../devices/ide";
import { vgaConfigWritten } from "../devices/vga";
import { pmConfigWritten } from "../devices/piix4pm";

// Owners: which device hears about configuration writes of a function.
export const PCI_OWNER_NONE: u32 = 0;
export const PCI_OWNER_I440FX: u32 = 1;
export const PCI_OWNER_PIIX3: u32 = 2;
export const PCI_OWNER_IDE: u32 = 3;
export const PCI_OWNER_PM: u32 = 4;
export const PCI_OWNER_VGA: u32 = 5;

// Standard header offsets
export const PCI_VENDOR_ID: u32 = 0x00;
export const PCI_DEVICE_ID: u32 = 0x02;
export const PCI_COMMAND: u32 = 0x04;
export const PCI_STATUS: u32 = 0x06;
export const PCI_REVISION: u32 = 0x08;
export const PCI_CLASS_PROG: u32 = 0x09;
export const PCI_CLASS_DEVICE: u32 = 0x0A;
export const PCI_HEADER_TYPE: u32 = 0x0E;
export const PCI_BAR0: u32 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID: u32 = 0x2C;
export const PCI_SUBSYSTEM_ID: u32 = 0x2E;
export const PCI_ROM_ADDRESS: u32 = 0x30;
export const PCI_INTERRUPT_LINE: u32 = 0x3C;
export const PCI_INTERRUPT_PIN: u32 = 0x3D;

export const PCI_CMD_IO: u32 = 1;
export const PCI_CMD_MEMORY: u32 = 2;
export const PCI_CMD_MASTER: u32 = 4;

export const BAR_IO: u32 = 1;
export const BAR_MEM: u32 = 0;
export const BAR_MEM_PREFETCH: u32 = 8;

const P_ADDRESS: u32 = 0; // u32 CONFIG_ADDRESS
const P_COUNT: u32 = 4; // u32 functions registered
const P_FUNCS: u32 = 0x10; // PCI_MAX_FUNCS x {u16 devfn, u8 owner, u8 INTx level}
const P_PCI_IRQS: u32 = 0x40; // u16: ISA IRQ lines PCI interrupts currently hold high

export function pciReset(): void { memory.fill(PCI_STATE, 0, 0x100 + PCI_MAX_FUNCS * PCI_FUNC_SIZE); }

/** Add function `devfn` (device << 3 | function) owned by `owner`; returns the address of its configuration
 *  space (256 bytes, all zero and read-only: the caller fills the header and sets write masks). */
export function pciAddFunction(devfn: u32, owner: u32): u32 {
  const n = load<u32>(PCI_STATE + P_COUNT);
  if (n >= PCI_MAX_FUNCS) return 0; // a build problem: caught by the platform tests
  store<u32>(PCI_STATE + P_COUNT, n + 1);
  store<u16>(PCI_STATE + P_FUNCS + n * 4, <u16>devfn);
  store<u8>(PCI_STATE + P_FUNCS + n * 4, <u8>owner, 2);
  store<u8>(PCI_STATE + P_FUNCS + n * 4, 0, 3);
  const cfg = PCI_FUNCS + n * PCI_FUNC_SIZE;
  memory.fill(cfg, 0, PCI_FUNC_SIZE);
  return cfg;
}

/** Configuration space of `devfn`, or 0 when nothing answers there. */
export function pciFind(devfn: u32): u32 {
  const n = load<u32>(PCI_STATE + P_COUNT);
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u16>(PCI_STATE + P_FUNCS + i * 4) == devfn) return PCI_FUNCS + i * PCI_FUNC_SIZE;
  return 0;
}

function indexOf(cfg: u32): u32 { return (cfg - PCI_FUNCS) / PCI_FUNC_SIZE; }
function ownerOf(cfg: u32): u32 { return load<u8>(PCI_STATE + P_FUNCS + indexOf(cfg) * 4, 2); }
function devfnOf(cfg: u32): u32 { return load<u16>(PCI_STATE + P_FUNCS + indexOf(cfg) * 4); }

/** Header fields: vendor, device, class (base << 16 | sub << 8 | prog-if), revision, header type. */
export function pciSetHeader(cfg: u32, vendor: u32, device: u32, classCode: u32, revision: u32, headerType: u32): void {
  store<u16>(cfg + PCI_VENDOR_ID, <u16>vendor);
  store<u16>(cfg + PCI_DEVICE_ID, <u16>device);
  store<u8>(cfg + PCI_REVISION, <u8>revision);
  store<u8>(cfg + PCI_CLASS_PROG, <u8>classCode);
  store<u16>(cfg + PCI_CLASS_DEVICE, <u16>(classCode >> 8));
  store<u8>(cfg + PCI_HEADER_TYPE, <u8>headerType);
  // the command register's I/O, memory and bus-master enables and INTx disable are writable on every function
  pciSetMask(cfg, PCI_COMMAND, 2, 0x0407);
  store<u8>(cfg + 0x100 + PCI_INTERRUPT_LINE, 0xFF); // interrupt line: a scratch register for the firmware
}

/** Make `size` bytes (1, 2 or 4) at `off` writable where `mask` has ones. */
export function pciSetMask(cfg: u32, off: u32, size: u32, mask: u32): void {
  for (let i: u32 = 0; i < size; i++) store<u8>(cfg + 0x100 + off + i, <u8>(mask >> (i << 3)));
}

/** Declare BAR `bar` (0-5, or 6 for the expansion ROM) of `size` bytes (a power of two); `kind` is BAR_IO,
 *  BAR_MEM or BAR_MEM | BAR_MEM_PREFETCH. */
export function pciSetBar(cfg: u32, bar: u32, size: u32, kind: u32): void {
  const off = bar == 6 ? PCI_ROM_ADDRESS : PCI_BAR0 + bar * 4;
  store<u32>(cfg + off, kind);
  pciSetMask(cfg, off, 4, bar == 6 ? ~(size - 1) | 1 : ~(size - 1) & (kind & BAR_IO ? 0xFFFFFFFC : 0xFFFFFFF0));
}

/** The address BAR `bar` decodes, or 0xFFFFFFFF when its space is disabled in the command register (or, for the
 *  ROM, by its enable bit) or it holds no address yet. */
export function pciBarAddress(cfg: u32, bar: u32): u32 {
  const cmd = <u32>load<u16>(cfg + PCI_COMMAND);
  if (bar == 6) {
    const v = load<u32>(cfg + PCI_ROM_ADDRESS);
    return (v & 1) != 0 && (cmd & PCI_CMD_MEMORY) != 0 && (v & ~0x7FF) != 0 ? v & ~0x7FF : 0xFFFFFFFF;
  }
  const v = load<u32>(cfg + PCI_BAR0 + bar * 4);
  if ((v & BAR_IO) != 0) return (cmd & PCI_CMD_IO) != 0 && (v & ~3) != 0 ? v & 0xFFFC : 0xFFFFFFFF;
  return (cmd & PCI_CMD_MEMORY) != 0 && (v & ~0xF) != 0 ? v & ~0xF : 0xFFFFFFFF;
}

// ---- configuration mechanism #1 ------------------------------------------------------------------------
function addressed(): u32 {
  const a = load<u32>(PCI_STATE + P_ADDRESS);
  if ((a & 0x80000000) == 0 || ((a >> 16) & 0xFF) != 0) return 0; // disabled, or a bus other than 0
  return pciFind((a >> 8) & 0xFF);
}

export function pciConfigRead(cfg: u32, off: u32, size: u32): u32 {
  if (size == 4) return load<u32>(cfg + off);
  if (size == 2) return load<u16>(cfg + off);
  return load<u8>(cfg + off);
}

/** A guest write: only the writable bits change, then the owner hears about it. */
export function pciConfigWrite(cfg: u32, off: u32, v: u32, size: u32): void {
  for (let i: u32 = 0; i < size; i++) {
    const m = <u32>load<u8>(cfg + 0x100 + off + i);
    const old = <u32>load<u8>(cfg + off + i);
    store<u8>(cfg + off + i, <u8>((old & ~m) | ((v >> (i << 3)) & m)));
  }
  if (off <= PCI_STATUS + 1 && off + size > PCI_STATUS) {
    // status: bits 11-15 are write-one-to-clear
    const w = (v << ((off & 3) << 3)) >> 16;
    store<u16>(cfg + PCI_STATUS, load<u16>(cfg + PCI_STATUS) & ~<u16>(w & 0xF800));
  }
  switch (ownerOf(cfg)) {
    case PCI_OWNER_I440FX: i440fxConfigWritten(cfg, off, size); break;
    case PCI_OWNER_PIIX3: piix3ConfigWritten(cfg, off, size); break;
    case PCI_OWNER_IDE: ideConfigWritten(cfg, off, size); break;
    case PCI_OWNER_PM: pmConfigWritten(cfg, off, size); break;
    case PCI_OWNER_VGA: vgaConfigWritten(cfg, off, size); break;
    default: break;
  }
}

/** Ports CF8h-CFFh (claimed as one device; CF9h bytes belong to the reset control register). */
export function pciPortRead(port: u32, size: u32): u32 {
  const ones: u32 = size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
  if (port == 0xCF8 && size == 4) return load<u32>(PCI_STATE + P_ADDRESS);
  if (port == 0xCF9 && size == 1) return sysctrlRead(port);
  if (port < 0xCFC) return ones;
  const cfg = addressed();
  if (cfg == 0) return ones;
  const off = (load<u32>(PCI_STATE + P_ADDRESS) & 0xFC) + (port & 3);
  if (off + size > 256) return ones;
  return pciConfigRead(cfg, off, size);
}

export function pciPortWrite(port: u32, v: u32, size: u32): void {
  if (port == 0xCF8 && size == 4) { store<u32>(PCI_STATE + P_ADDRESS, v & 0x80FFFFFC); return; }
  if (port == 0xCF9 && size == 1) { sysctrlWrite(port, v); return; }
  if (port < 0xCFC) return;
  const cfg = addressed();
  if (cfg == 0) return;
  const off = (load<u32>(PCI_STATE + P_ADDRESS) & 0xFC) + (port & 3);
  if (off + size > 256) return;
  pciConfigWrite(cfg, off, v, size);
}

// ---- interrupts: INTx pins -> PIRQA-D (device + pin - 1, the i440FX board wiring) -> PIIX3 routing -> ISA IRQ
/** Drive the function's INTx pin (the one in its Interrupt Pin register). */
export function pciSetIntx(cfg: u32, level: bool): void {
  const i = indexOf(cfg);
  store<u8>(PCI_STATE + P_FUNCS + i * 4, level ? 1 : 0, 3);
  pciUpdateIrqs();
}

/** Recompute the ISA IRQ lines PCI interrupts drive (after an INTx change or new PIRQ routing). */
export function pciUpdateIrqs(): void {
  let lines: u32 = 0;
  const n = load<u32>(PCI_STATE + P_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(PCI_STATE + P_FUNCS + i * 4, 3) == 0) continue;
    const cfg = PCI_FUNCS + i * PCI_FUNC_SIZE;
    const pin = <u32>load<u8>(cfg + PCI_INTERRUPT_PIN);
    if (pin == 0 || pin > 4) continue;
    if ((load<u16>(cfg + PCI_COMMAND) & 0x400) != 0) continue; // INTx disabled
    const pirq = ((devfnOf(cfg) >> 3) + pin - 1) & 3;
    const irq = piix3PirqRoute(pirq);
    if (irq < 16) lines |= 1 << irq;
  }
  const old = <u32>load<u16>(PCI_STATE + P_PCI_IRQS);
  store<u16>(PCI_STATE + P_PCI_IRQS, <u16>lines);
  const changed = old ^ lines;
  for (let irq: u32 = 0; irq < 16; irq++) if ((changed >> irq) & 1) setIsaIrq(irq, ((lines >> irq) & 1) != 0);
}
