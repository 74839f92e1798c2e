// The 8259A pair (assembly/devices/pic8259.ts) tested the QEMU way: program it through its ports, drive the
// interrupt lines, look at INTR, the acknowledge cycle's vector and the IRR/ISR/IMR. Expected behaviour is the
// 8259A datasheet's ("Programming the 8259A": ICW1-4, OCW1-3, priority and nesting, poll, special mask mode,
// AEOI, rotation, cascade, spurious IR7) and the PIIX3's ELCR; the section is named next to each test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { initPicsAsBios, startRealMode } from "./util/machines.ts";

/** A machine whose PICs are initialised as a PC BIOS does: vectors 08h-0Fh and 70h-77h, slave on IR2, 8086 mode. */
async function pc(icw4 = 0x01): Promise<Core> {
  const c = await createCore(1 << 20, "debug");
  initPicsAsBios(c, icw4);
  return c;
}
const io = (c: Core) => ({
  out: (p: number, v: number) => c.exports.ioWrite(p, v, 1),
  in: (p: number) => c.exports.ioRead(p, 1),
  irq: (n: number, high: boolean) => c.exports.setIrq(n, high ? 1 : 0),
  intr: () => c.exports.intrLine() !== 0,
  ack: () => c.exports.intrAck(),
  isr: (slave = 0) => (c.exports.picState(slave) >>> 8) & 0xFF,
  irr: (slave = 0) => c.exports.picState(slave) & 0xFF,
});
const pulse = (p: ReturnType<typeof io>, n: number) => { p.irq(n, true); p.irq(n, false); };

test("PIC: initialization leaves everything unmasked; an edge request is acknowledged with base + IR and EOI ends it (ICW1-4, OCW2)", async () => {
  const c = await pc(), p = io(c);
  assert.equal(p.in(0x21), 0, "ICW1 clears the IMR");
  assert.equal(p.intr(), false);
  pulse(p, 1);
  assert.equal(p.irr(), 0x02, "the rising edge set IRR1 and the request stays after the line drops");
  assert.equal(p.intr(), true);
  assert.equal(p.ack(), 0x09);
  assert.equal(p.isr(), 0x02); assert.equal(p.irr(), 0, "INTA moves the request to in service");
  assert.equal(p.intr(), false);
  p.out(0x20, 0x20); // non-specific EOI
  assert.equal(p.isr(), 0);
});

test("PIC: fully nested priority: lower requests wait for the EOI, higher ones interrupt the service routine", async () => {
  const c = await pc(), p = io(c);
  pulse(p, 3); pulse(p, 1);
  assert.equal(p.ack(), 0x09, "IR1 before IR3");
  assert.equal(p.intr(), false, "IR3 is lower than IR1 in service");
  p.out(0x20, 0x20);
  assert.equal(p.intr(), true);
  assert.equal(p.ack(), 0x0B);
  pulse(p, 0);
  assert.equal(p.intr(), true, "IR0 is higher than IR3 in service: nesting");
  assert.equal(p.ack(), 0x08);
  assert.equal(p.isr(), 0x09);
  p.out(0x20, 0x20);
  assert.equal(p.isr(), 0x08, "a non-specific EOI ends the highest-priority service (IR0)");
  p.out(0x20, 0x63); // specific EOI for IR3
  assert.equal(p.isr(), 0);
});

test("PIC: the mask register (OCW1) holds requests back without losing them", async () => {
  const c = await pc(), p = io(c);
  p.out(0x21, 0x10);
  assert.equal(p.in(0x21), 0x10);
  pulse(p, 4);
  assert.equal(p.intr(), false);
  assert.equal(p.irr(), 0x10);
  p.out(0x21, 0x00);
  assert.equal(p.intr(), true);
  assert.equal(p.ack(), 0x0C);
});

test("PIC: edge sensing needs a new rising edge; level sensing (ELCR) requests while the line is high", async () => {
  const c = await pc(), p = io(c);
  p.irq(5, true);
  assert.equal(p.ack(), 0x0D);
  p.out(0x20, 0x20);
  assert.equal(p.intr(), false, "edge: the line still high is no new request");
  p.irq(5, false); p.irq(5, true);
  assert.equal(p.intr(), true, "a low-to-high transition is");
  p.ack(); p.out(0x20, 0x20); p.irq(5, false);
  p.out(0x4D0, 0x20); // IRQ 5 level-sensed
  p.irq(5, true);
  assert.equal(p.ack(), 0x0D);
  p.out(0x20, 0x20);
  assert.equal(p.intr(), true, "level: still high after the EOI, so it requests again");
  p.irq(5, false);
  assert.equal(p.intr(), false, "level: the request goes with the line");
});

test("PIC: the slave's requests come through IR2 of the master with the slave's vectors; each chip needs its EOI", async () => {
  const c = await pc(), p = io(c);
  pulse(p, 10);
  assert.equal(p.intr(), true);
  assert.equal(p.ack(), 0x72);
  assert.equal(p.isr(0), 0x04, "master: IR2 in service");
  assert.equal(p.isr(1), 0x04, "slave: IR2 (IRQ 10) in service");
  pulse(p, 9);
  assert.equal(p.intr(), false, "master IR2 in service blocks more slave requests (fully nested mode)");
  p.out(0xA0, 0x20); p.out(0x20, 0x20);
  assert.equal(p.intr(), true, "IRQ 9 comes after both EOIs");
  assert.equal(p.ack(), 0x71);
});

test("PIC: a request that goes away before the acknowledge gives the spurious IR7 vector and no in-service bit", async () => {
  const c = await pc(), p = io(c);
  p.out(0x4D0, 0x08); p.out(0x4D1, 0x08); // IRQ 3 and 11 level-sensed
  p.irq(3, true);
  assert.equal(p.intr(), true);
  p.irq(3, false);
  assert.equal(p.ack(), 0x0F);
  assert.equal(p.isr(), 0);
  p.irq(11, true); p.irq(11, false);
  assert.equal(p.ack(), 0x77, "the master sent IR2 to the slave, which had nothing: the slave's IR7");
  assert.equal(p.isr(0), 0x04, "the master's cascade input is in service");
  assert.equal(p.isr(1), 0);
});

test("PIC: automatic EOI (ICW4 bit 1) sets no in-service bit", async () => {
  const c = await pc(0x03), p = io(c);
  pulse(p, 6);
  assert.equal(p.ack(), 0x0E);
  assert.equal(p.isr(), 0);
  pulse(p, 7);
  assert.equal(p.intr(), true, "nothing in service: any request gets through");
});

test("PIC: rotation: rotate on non-specific EOI, set priority, rotate in AEOI mode (OCW2)", async () => {
  const c = await pc(), p = io(c);
  pulse(p, 0);
  p.ack();
  p.out(0x20, 0xA0); // rotate on non-specific EOI: IR0 becomes the lowest
  pulse(p, 0); pulse(p, 1);
  assert.equal(p.ack(), 0x09, "IR1 now has the highest priority");
  p.out(0x20, 0x20);
  assert.equal(p.ack(), 0x08);
  p.out(0x20, 0x20);
  p.out(0x20, 0xC4); // set priority: IR4 lowest, IR5 highest
  pulse(p, 4); pulse(p, 5); pulse(p, 3);
  assert.equal(p.ack(), 0x0D); p.out(0x20, 0x20);
  assert.equal(p.ack(), 0x0B); p.out(0x20, 0x20);
  assert.equal(p.ack(), 0x0C); p.out(0x20, 0x20);
  const d = await pc(0x03), q = io(d);
  q.out(0x20, 0x80); // rotate in AEOI mode
  pulse(q, 2 + 4); pulse(q, 1);
  assert.equal(q.ack(), 0x09, "AEOI: IR1 acknowledged and rotated to the lowest");
  pulse(q, 1);
  assert.equal(q.ack(), 0x0E, "IR6 now outranks IR1");
});

test("PIC: OCW3 chooses IRR or ISR for the even port; poll acknowledges like INTA", async () => {
  const c = await pc(), p = io(c);
  pulse(p, 3); pulse(p, 4);
  assert.equal(p.in(0x20), 0x18, "reads the IRR after initialization");
  p.out(0x20, 0x0C); // poll
  assert.equal(p.in(0x20), 0x83, "request present, level 3");
  p.out(0x20, 0x0B);
  assert.equal(p.in(0x20), 0x08, "ISR: the poll put IR3 in service");
  p.out(0x20, 0x0A);
  assert.equal(p.in(0x20), 0x10, "IRR: IR4 still requesting");
  p.out(0x20, 0x20);
  p.out(0x20, 0x0C);
  assert.equal(p.in(0x20), 0x84);
  p.out(0x20, 0x20);
  p.out(0x20, 0x0C);
  assert.equal(p.in(0x20), 0x00, "no request: bit 7 clear");
});

test("PIC: special mask mode lets lower levels through while a masked level is in service (OCW3 ESMM/SMM)", async () => {
  const c = await pc(), p = io(c);
  pulse(p, 1);
  p.ack();
  pulse(p, 4);
  assert.equal(p.intr(), false);
  p.out(0x21, 0x02); // mask IR1 (in service)
  p.out(0x20, 0x68); // special mask mode on
  assert.equal(p.intr(), true, "IR4 gets through");
  assert.equal(p.ack(), 0x0C);
  p.out(0x20, 0x48); // off
  assert.equal(p.isr(), 0x12);
});

test("PIC: the ELCR keeps IRQ 0-2, 8 and 13 edge-sensed (PIIX3 ELCR1/ELCR2)", async () => {
  const c = await pc(), p = io(c);
  p.out(0x4D0, 0xFF); p.out(0x4D1, 0xFF);
  assert.equal(p.in(0x4D0), 0xF8);
  assert.equal(p.in(0x4D1), 0xDE);
});

test("PIC: an interrupt reaches the CPU: IRQ 0 runs the real-mode handler at vector 8, which sends the EOI", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await pc();
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  const code = assemble(`bits 16
org 0x7C00
    xor ax, ax
    mov ds, ax
    mov word [8 * 4], handler
    mov word [8 * 4 + 2], 0
    sti
.wait:
    cmp byte [done], 0
    je .wait
    mov al, 0
    out 0xF4, al
handler:
    mov al, 'I'
    out 0xE9, al
    in al, 0x20              ; read the IRR (OCW3 default): nothing requesting any more
    out 0xE9, al
    mov al, 0x20
    out 0x20, al
    mov byte [done], 1
    iret
done: db 0
`);
  c.writePhys(0x7C00, code);
  startRealMode(c);
  assert.equal(c.run(200), Exit.BUDGET);
  c.exports.setIrq(0, 1);
  assert.equal(c.run(10000), Exit.DEBUG_EXIT);
  assert.deepEqual([...c.drain(Channel.DEBUGCON)], [0x49, 0x00]);
  assert.equal((c.exports.picState(0) >>> 8) & 0xFF, 0, "EOI done");
});
