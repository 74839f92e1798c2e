// The PCI bus (assembly/bus/pci.ts), the i440FX host bridge with its PAM shadow-RAM registers, the PIIX3 ISA
// bridge's PIRQ routing and the PIIX4 power-management function, tested the QEMU way through ports CF8h/CFCh
// and the processor's own memory accesses. Expected values: PCI Local Bus Specification 2.1 (3.7.4.1,
// configuration mechanism #1; 6.2 header), the 82441FX (440FX PCIset) and 82371SB/AB (PIIX3/PIIX4) datasheets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { initPicsAsBios } from "./util/machines.ts";
import { guestPeek, guestPoke } from "./util/guest-peek.ts";

const cfgAddr = (dev: number, fn: number, reg: number, bus = 0) => (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xFC)) >>> 0;
function cfgRead(c: Core, dev: number, fn: number, reg: number, size = 4, bus = 0): number {
  c.exports.ioWrite(0xCF8, cfgAddr(dev, fn, reg, bus), 4);
  return c.exports.ioRead(0xCFC + (reg & 3), size) >>> 0;
}
function cfgWrite(c: Core, dev: number, fn: number, reg: number, v: number, size = 4): void {
  c.exports.ioWrite(0xCF8, cfgAddr(dev, fn, reg), 4);
  c.exports.ioWrite(0xCFC + (reg & 3), v >>> 0, size);
}

test("PCI: configuration mechanism #1 finds the host bridge, the ISA bridge and PM; empty slots and other buses read all ones", async () => {
  const c = await createCore(2 << 20, "debug");
  assert.equal(cfgRead(c, 0, 0, 0), 0x12378086, "00:00.0 i440FX");
  assert.equal(cfgRead(c, 0, 0, 0x2C), 0x11001AF4, "subsystem 1AF4:1100 (SeaBIOS's QEMU test)");
  assert.equal(cfgRead(c, 0, 0, 0x08) >>> 8, 0x060000, "class: host bridge");
  assert.equal(cfgRead(c, 1, 0, 0), 0x70008086, "00:01.0 PIIX3");
  assert.equal(cfgRead(c, 1, 0, 0x0C, 4) >>> 16 & 0xFF, 0x80, "header type: multi-function");
  assert.equal(cfgRead(c, 1, 3, 0), 0x71138086, "00:01.3 PIIX4 PM");
  assert.equal(cfgRead(c, 5, 0, 0), 0xFFFFFFFF, "no device in slot 5");
  assert.equal(cfgRead(c, 0, 0, 0, 4, 1), 0xFFFFFFFF, "bus 1 does not exist");
  c.exports.ioWrite(0xCF8, 0x80000010, 4);
  assert.equal(c.exports.ioRead(0xCF8, 4) >>> 0, 0x80000010, "CONFIG_ADDRESS reads back");
  assert.equal(cfgRead(c, 0, 0, 2, 2), 0x1237, "16-bit read at CFEh");
  assert.equal(cfgRead(c, 0, 0, 1, 1), 0x80, "8-bit read at CFDh");
  // the enable bit: CONFIG_ADDRESS without bit 31 selects nothing
  c.exports.ioWrite(0xCF8, 0x00000000, 4);
  assert.equal(c.exports.ioRead(0xCFC, 4) >>> 0, 0xFFFFFFFF);
  // a byte write to CF9h is the PIIX3 reset control register, not CONFIG_ADDRESS
  c.exports.ioWrite(0xCF8, 0x80000000, 4);
  c.exports.ioWrite(0xCF9, 0x02, 1);
  assert.equal(c.exports.ioRead(0xCF9, 1), 0x02, "reset control register");
  assert.equal(c.exports.ioRead(0xCF8, 4) >>> 0, 0x80000000, "CONFIG_ADDRESS untouched by the byte write");
});

test("PCI: read-only registers ignore writes; the command register takes its enable bits; status bits are write-one-to-clear", async () => {
  const c = await createCore(2 << 20, "debug");
  cfgWrite(c, 0, 0, 0, 0xDEADBEEF);
  assert.equal(cfgRead(c, 0, 0, 0), 0x12378086, "vendor and device ID are read-only");
  cfgWrite(c, 1, 3, 0x04, 0xFFFF, 2);
  assert.equal(cfgRead(c, 1, 3, 0x04, 2), 0x0407, "I/O, memory, bus master, INTx disable");
  cfgWrite(c, 1, 3, 0x3C, 0x09, 1);
  assert.equal(cfgRead(c, 1, 3, 0x3C, 1), 0x09, "interrupt line is a scratch register");
  assert.equal(cfgRead(c, 1, 3, 0x3D, 1), 0x01, "interrupt pin A");
});

test("i440FX PAM: shadow RAM at 0xF0000 and 0xC0000 follows the RE/WE bits once firmware is installed", async () => {
  const c = await createCore(2 << 20, "debug");
  // a 128 KiB "BIOS" whose every byte is 0xB1, installed like SeaBIOS: below 4 GiB and at 0xE0000
  c.u8.fill(0xB1, c.L.ROM_BASE, c.L.ROM_BASE + 0x20000);
  assert.equal(c.exports.biosInstall(0x20000), 1);
  c.writePhys(0xF1000, Uint8Array.of(0x55)); // RAM behind the ROM
  assert.equal(guestPeek(c, 0xF1000), 0xB1, "PAM0 = 0: reads go to the ROM");
  guestPoke(c, 0xF1000, 0x77);
  assert.equal(c.readByte(0xF1000), 0x55, "writes do not reach RAM");
  cfgWrite(c, 0, 0, 0x59, 0x20, 1); // WE only: read ROM, write RAM (how SeaBIOS copies itself)
  guestPoke(c, 0xF1000, 0x66);
  assert.equal(c.readByte(0xF1000), 0x66, "write-enable: the write reached RAM");
  assert.equal(guestPeek(c, 0xF1000), 0xB1, "reads still from the ROM");
  cfgWrite(c, 0, 0, 0x59, 0x10, 1); // RE only: read RAM, writes lost (SeaBIOS's final state)
  assert.equal(guestPeek(c, 0xF1000), 0x66, "read-enable: RAM");
  guestPoke(c, 0xF1000, 0x11);
  assert.equal(guestPeek(c, 0xF1000), 0x66, "write-protected");
  cfgWrite(c, 0, 0, 0x59, 0x30, 1);
  guestPoke(c, 0xF1000, 0x22);
  assert.equal(guestPeek(c, 0xF1000), 0x22, "RE+WE: plain RAM");
  assert.equal(cfgRead(c, 0, 0, 0x59, 1), 0x30);
  // 0xC0000 (PAM1 low nibble): no ROM there, so "to PCI" reads all ones; RAM when enabled
  c.writePhys(0xC0000, Uint8Array.of(0x42));
  assert.equal(guestPeek(c, 0xC0000), 0xFF, "PAM1 = 0 and no ROM: nothing answers");
  cfgWrite(c, 0, 0, 0x5A, 0x03, 1);
  assert.equal(guestPeek(c, 0xC0000), 0x42);
  assert.equal(guestPeek(c, 0xC4000), 0xFF, "the next 16 KiB segment keeps its own setting");
  cfgWrite(c, 0, 0, 0x59, 0xFF, 1);
  assert.equal(cfgRead(c, 0, 0, 0x59, 1), 0x30, "PAM0's low nibble is reserved");
});

test("PIIX3 PIRQ routing: a PCI INTx line reaches the ISA IRQ its PIRQ register names, shared lines are or'ed, bit 7 disables", async () => {
  const c = await createCore(2 << 20, "debug");
  initPicsAsBios(c);
  const irr = () => c.exports.picState(0) & 0xFF | ((c.exports.picState(1) & 0xFF) << 8);
  // ELCR: IRQ 10 and 11 level-triggered (as SeaBIOS sets them)
  c.exports.ioWrite(0x4D1, 0x0C, 1);
  assert.equal(cfgRead(c, 1, 0, 0x60, 4), 0x80808080, "routing off at reset");
  // 00:01.3 has pin A; device 1, pin A -> PIRQB (the (device + pin - 1) mod 4 board wiring)
  c.exports.pciIntx((1 << 3) | 3, 1);
  assert.equal(irr() & 0x0C00, 0, "unrouted: no IRQ");
  cfgWrite(c, 1, 0, 0x60, 0x0B0A0B0A);
  assert.equal(irr() & 0x0C00, 0x0800, "PIRQB -> IRQ 11");
  cfgWrite(c, 1, 0, 0x61, 0x0A, 1);
  assert.equal(irr() & 0x0C00, 0x0400, "rerouted to IRQ 10");
  cfgWrite(c, 1, 0, 0x61, 0x8A, 1);
  assert.equal(irr() & 0x0C00, 0, "bit 7 disables the routing");
  cfgWrite(c, 1, 0, 0x61, 0x0A, 1);
  c.exports.pciIntx((1 << 3) | 3, 0);
  assert.equal(irr() & 0x0C00, 0, "line released");
  cfgWrite(c, 1, 3, 0x04, 0x0400, 2); // INTx disable in the command register
  c.exports.pciIntx((1 << 3) | 3, 1);
  assert.equal(irr() & 0x0C00, 0, "INTx disabled by the function's command register");
});

test("PIIX4 PM: the I/O block appears at PMBA when enabled; the PM timer counts at 3.579545 MHz on the virtual clock", async () => {
  const c = await createCore(2 << 20, "debug");
  assert.equal(c.exports.ioRead(0xB008, 4) >>> 0, 0xFFFFFFFF, "no PM block before the firmware sets it up");
  cfgWrite(c, 1, 3, 0x40, 0xB001);
  cfgWrite(c, 1, 3, 0x80, 0x01, 1);
  assert.equal(cfgRead(c, 1, 3, 0x40), 0xB001);
  const t0 = c.exports.ioRead(0xB008, 4) >>> 0;
  c.exports.clockAdvanceNs(1_000_000_000n);
  const t1 = c.exports.ioRead(0xB008, 4) >>> 0;
  assert.equal((t1 - t0) & 0xFFFFFF, 3579545, "one second of virtual time = 3579545 ticks");
  assert.equal(t1 >>> 24, 0, "24-bit counter");
  // moving the block releases the old ports
  cfgWrite(c, 1, 3, 0x40, 0x6001);
  assert.equal(c.exports.ioRead(0xB008, 4) >>> 0, 0xFFFFFFFF);
  assert.notEqual(c.exports.ioRead(0x6008, 4) >>> 0, 0xFFFFFFFF);
  cfgWrite(c, 1, 3, 0x80, 0x00, 1);
  assert.equal(c.exports.ioRead(0x6008, 4) >>> 0, 0xFFFFFFFF, "PMIOSE off: not decoded");
});

test("PIIX4 PM: ACPI enable through port B2h, SLP_EN with the S5 type powers off, the power button raises SCI on IRQ 9", async () => {
  const c = await createCore(2 << 20, "debug");
  initPicsAsBios(c);
  c.exports.ioWrite(0x4D1, 0x02, 1); // IRQ 9 level (SCI)
  cfgWrite(c, 1, 3, 0x40, 0x6001);
  cfgWrite(c, 1, 3, 0x80, 0x01, 1);
  assert.equal(c.exports.ioRead(0x6004, 2) & 1, 0, "SCI_EN off at reset");
  c.exports.ioWrite(0xB2, 0xF1, 1);
  assert.equal(c.exports.ioRead(0x6004, 2) & 1, 1, "ACPI_ENABLE sets SCI_EN");
  c.exports.ioWrite(0x6002, 0x0100, 2); // PWRBTN_EN
  c.exports.powerButton();
  assert.equal(c.exports.ioRead(0x6000, 2) & 0x0100, 0x0100, "PWRBTN_STS");
  assert.equal((c.exports.picState(1) & 0xFF) & 0x02, 0x02, "SCI: IRQ 9 requested");
  c.exports.ioWrite(0x6000, 0x0100, 2); // write one to clear
  assert.equal(c.exports.ioRead(0x6000, 2) & 0x0100, 0);
  assert.equal((c.exports.picState(1) & 0xFF) & 0x02, 0, "SCI released");
  c.exports.ioWrite(0xB2, 0xF0, 1);
  assert.equal(c.exports.ioRead(0x6004, 2) & 1, 0, "ACPI_DISABLE");
  // SLP_TYP = 1 (not soft-off) does not power off; SLP_TYP = 0 with SLP_EN does
  c.writePhys(0x7C00, Uint8Array.of(0xEB, 0xFE)); // jmp $
  c.setSegReal("cs", 0); c.eip = 0x7C00; c.exports.stateChanged();
  c.exports.ioWrite(0x6004, 0x2400, 2);
  assert.equal(c.run(1000), Exit.BUDGET);
  assert.equal(c.exports.ioRead(0x6004, 2) & 0x2000, 0, "SLP_EN reads as 0");
  c.exports.ioWrite(0x6004, 0x2000, 2);
  assert.equal(c.run(1000), Exit.POWEROFF);
});
