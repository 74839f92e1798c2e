// The 16550A UARTs (assembly/devices/uart16550.ts) tested the QEMU way through their ports: transmit to the host
// channel, receive from the host (holding register and FIFO, trigger levels, overrun), the interrupt
// identification priorities and their clearing rules, the OUT2 gate to the PIC's IRQ 4, loopback and the modem
// status deltas. Expected behaviour: the PC16550D datasheet (section named next to each check).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Channel } from "../web/machine/core.ts";
import { initPicsAsBios } from "./util/machines.ts";

const COM1 = 0x3F8;
const RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

async function machine(): Promise<Core> {
  const c = await createCore(1 << 20, "debug");
  initPicsAsBios(c);
  return c;
}
const io = (c: Core) => ({
  out: (r: number, v: number) => c.exports.ioWrite(COM1 + r, v, 1),
  in: (r: number) => c.exports.ioRead(COM1 + r, 1),
  rx: (b: number) => c.exports.serialInput(0, b) !== 0,
  irq4: () => ((c.exports.picState(0) & 0xFF) & 0x10) !== 0 || c.exports.intrLine() !== 0,
  irr: () => c.exports.picState(0) & 0xFF,
});

test("UART: THR bytes reach the host's COM1 channel; LSR shows THR and transmitter empty; the divisor latch", async () => {
  const c = await machine(), u = io(c);
  u.out(LCR, 0x80); u.out(RBR, 0x01); u.out(IER, 0x00); u.out(LCR, 0x03); // 115200 8N1
  u.out(LCR, 0x80);
  assert.equal(u.in(RBR), 0x01, "DLL"); assert.equal(u.in(IER), 0x00, "DLM");
  u.out(LCR, 0x03);
  for (const b of Buffer.from("hi\n")) u.out(RBR, b);
  assert.equal(Buffer.from(c.drain(Channel.COM1)).toString(), "hi\n");
  assert.equal(u.in(LSR) & 0x61, 0x60, "THRE and TEMT, no data ready");
  u.out(SCR, 0x5A);
  assert.equal(u.in(SCR), 0x5A, "scratch register");
});

test("UART: received bytes without FIFOs: one holding register, data ready, overrun when a second byte arrives", async () => {
  const c = await machine(), u = io(c);
  assert.equal(u.rx(0x41), true);
  assert.equal(u.in(LSR) & 1, 1, "DR");
  assert.equal(u.rx(0x42), false, "no room: lost");
  assert.equal(u.in(LSR) & 0x03, 0x03, "DR and OE");
  assert.equal(u.in(LSR) & 0x02, 0, "OE clears when LSR is read");
  assert.equal(u.in(RBR), 0x41);
  assert.equal(u.in(LSR) & 1, 0);
});

test("UART: the 16-byte receive FIFO, its trigger level and the character-timeout identification (FCR, IIR)", async () => {
  const c = await machine(), u = io(c);
  u.out(FCR, 0x81); // FIFOs on, trigger 8
  u.out(IER, 0x01);
  assert.equal(u.in(IIR) & 0xC0, 0xC0, "IIR bits 7-6: FIFOs enabled");
  for (let i = 0; i < 7; i++) u.rx(0x30 + i);
  assert.equal(u.in(IIR) & 0x0F, 0x0C, "below the trigger: character timeout");
  u.rx(0x37);
  assert.equal(u.in(IIR) & 0x0F, 0x04, "at the trigger: received data available");
  for (let i = 8; i < 16; i++) assert.equal(u.rx(0x30 + i), true);
  assert.equal(u.rx(0x99), false, "a 17th byte is lost");
  let got = "";
  while (u.in(LSR) & 1) got += String.fromCharCode(u.in(RBR));
  assert.equal(got, "0123456789:;<=>?");
  assert.equal(u.in(IIR) & 0x0F, 0x01, "no interrupt once empty");
  u.rx(1); u.out(FCR, 0x83);
  assert.equal(u.in(LSR) & 1, 0, "FCR bit 1 clears the receive FIFO");
});

test("UART: interrupt priorities: line status > data > THR empty > modem status; THRE clears on IIR read or THR write", async () => {
  const c = await machine(), u = io(c);
  u.out(IER, 0x02);
  assert.equal(u.in(IIR), 0x02, "enabling the THRE interrupt with THR empty raises it");
  assert.equal(u.in(IIR), 0x01, "reading IIR with THRE as the source cleared it");
  u.out(RBR, 0x41);
  assert.equal(u.in(IIR), 0x02, "THR empty again after a write");
  u.out(RBR, 0x42); // THR empty pending again
  u.out(IER, 0x0F);
  u.rx(1); u.rx(2); // overrun in non-FIFO mode
  assert.equal(u.in(IIR), 0x06, "receiver line status first");
  u.in(LSR);
  assert.equal(u.in(IIR), 0x04, "then received data");
  u.in(RBR);
  assert.equal(u.in(IIR), 0x02, "then THR empty");
  assert.equal(u.in(IIR), 0x01);
  u.out(MCR, 0x10); // loopback: the host's DCD, DSR, CTS drop (their deltas set)
  assert.equal(u.in(IIR), 0x00, "modem status");
  assert.equal(u.in(MSR), 0x0B, "DCTS DDSR DDCD, all lines low");
  u.out(MCR, 0x11); // DTR drives DSR
  assert.equal(u.in(IIR), 0x00, "modem status");
  assert.equal(u.in(MSR) & 0x2F, 0x22, "DSR with its delta");
  assert.equal(u.in(IIR), 0x01, "MSR read cleared the deltas");
});

test("UART: the interrupt reaches IRQ 4 only while MCR.OUT2 is set, and the PIC gives vector 0Ch", async () => {
  const c = await machine(), u = io(c);
  u.out(IER, 0x01);
  u.rx(0x55);
  assert.equal(u.irr() & 0x10, 0, "OUT2 off: the line stays low");
  u.out(MCR, 0x08);
  assert.equal(u.irr() & 0x10, 0x10, "OUT2 on: IRQ 4 requests");
  assert.equal(c.exports.intrAck(), 0x0C);
  c.exports.ioWrite(0x20, 0x20, 1);
  assert.equal(u.in(RBR), 0x55);
  assert.equal(u.irr() & 0x10, 0, "reading the data dropped the line");
});

test("UART: loopback sends transmitted bytes to the receiver, not the host, and mirrors the modem outputs", async () => {
  const c = await machine(), u = io(c);
  u.out(MCR, 0x1F);
  u.out(RBR, 0x77);
  assert.equal(c.drain(Channel.COM1).length, 0);
  assert.equal(u.in(RBR), 0x77);
  assert.equal(u.in(MSR) & 0xF0, 0xF0, "DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD");
  assert.equal(u.rx(0x12), false, "the line is disconnected in loopback");
  u.out(MCR, 0x00);
  assert.equal(u.in(MSR) & 0xF0, 0xB0, "back to the host's lines: DCD, DSR, CTS");
});
