// The MC146818A RTC and CMOS RAM (assembly/devices/rtc146818.ts) tested the QEMU way: the host sets the time of
// day, the test steps the virtual clock and reads the registers through ports 70h/71h. Register formats, UIP,
// SET, the periodic/alarm/update-ended flags and register C come from the MC146818A datasheet; calendar values
// are checked against JavaScript's Date (an independent calendar).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core } from "../web/machine/core.ts";
import { initPicsAsBios } from "./util/machines.ts";

const SEC = 1_000_000_000n;
const bcd = (v: number) => ((Math.floor(v / 10) << 4) | (v % 10));

async function rtcMachine(date: Date): Promise<Core> {
  const c = await createCore(1 << 20, "debug");
  initPicsAsBios(c);
  c.exports.setTimeOfDay(BigInt(Math.floor(date.getTime() / 1000)));
  return c;
}
const cmos = (c: Core) => ({
  r: (i: number) => { c.exports.ioWrite(0x70, i, 1); return c.exports.ioRead(0x71, 1); },
  w: (i: number, v: number) => { c.exports.ioWrite(0x70, i, 1); c.exports.ioWrite(0x71, v, 1); },
});
/** The time registers as a Date-like record (BCD, 24 h). */
function readBcd(c: Core) {
  const m = cmos(c);
  return { s: m.r(0), min: m.r(2), h: m.r(4), wd: m.r(6), d: m.r(7), mon: m.r(8), y: m.r(9), cent: m.r(0x32) };
}
function expectBcd(date: Date) {
  return { s: bcd(date.getUTCSeconds()), min: bcd(date.getUTCMinutes()), h: bcd(date.getUTCHours()), wd: date.getUTCDay() + 1,
    d: bcd(date.getUTCDate()), mon: bcd(date.getUTCMonth() + 1), y: bcd(date.getUTCFullYear() % 100), cent: bcd(Math.floor(date.getUTCFullYear() / 100)) };
}

test("RTC: the time of day from the host in BCD 24-hour format, and the clock running on virtual time", async () => {
  const t0 = new Date(Date.UTC(2026, 10, 30, 10, 20, 30));
  const c = await rtcMachine(t0);
  assert.deepEqual(readBcd(c), expectBcd(t0));
  c.exports.clockAdvanceNs(90n * SEC);
  assert.deepEqual(readBcd(c), expectBcd(new Date(t0.getTime() + 90_000)));
  assert.equal(cmos(c).r(0x0D), 0x80, "register D: VRT");
});

test("RTC: across the end of February in a leap year and of a year (calendar)", async () => {
  for (const start of [Date.UTC(2000, 1, 29, 23, 59, 59), Date.UTC(1999, 11, 31, 23, 59, 58), Date.UTC(2100, 1, 28, 23, 59, 59)]) {
    const c = await rtcMachine(new Date(start));
    c.exports.clockAdvanceNs(2n * SEC);
    assert.deepEqual(readBcd(c), expectBcd(new Date(start + 2000)), new Date(start).toISOString());
  }
});

test("RTC: binary data mode and the 12-hour format with the PM bit (register B DM, 24/12)", async () => {
  const c = await rtcMachine(new Date(Date.UTC(2026, 0, 5, 22, 7, 9))), m = cmos(c);
  m.w(0x0B, 0x06); // binary, 24 h
  assert.deepEqual([m.r(4), m.r(2), m.r(0), m.r(9)], [22, 7, 9, 26]);
  m.w(0x0B, 0x04); // binary, 12 h
  assert.equal(m.r(4), 0x80 | 10, "10 PM");
  m.w(0x0B, 0x00); // BCD, 12 h
  assert.equal(m.r(4), 0x80 | 0x10);
});

test("RTC: UIP is set only in the last 244 us before each update (register A)", async () => {
  const c = await rtcMachine(new Date(Date.UTC(2026, 0, 1))), m = cmos(c);
  c.exports.clockAdvanceNs(500_000_000n);
  assert.equal(m.r(0x0A) & 0x80, 0);
  c.exports.clockAdvanceNs(499_800_000n); // 999.8 ms into the second
  assert.equal(m.r(0x0A) & 0x80, 0x80);
  c.exports.clockAdvanceNs(300_000n);
  assert.equal(m.r(0x0A) & 0x80, 0, "the update is done");
  assert.equal(m.r(0), 0x01);
});

test("RTC: the guest sets the time with SET, and it counts on from there", async () => {
  const c = await rtcMachine(new Date(Date.UTC(2026, 0, 1))), m = cmos(c);
  m.w(0x0B, 0x82); // SET, 24 h BCD
  m.w(0, 0x45); m.w(2, 0x59); m.w(4, 0x23); m.w(7, 0x31); m.w(8, 0x12); m.w(9, 0x99); m.w(0x32, 0x19);
  c.exports.clockAdvanceNs(5n * SEC);
  assert.equal(m.r(0), 0x45, "frozen while SET");
  m.w(0x0B, 0x02);
  c.exports.clockAdvanceNs(20n * SEC);
  assert.deepEqual(readBcd(c), expectBcd(new Date(Date.UTC(2000, 0, 1, 0, 0, 5))));
});

test("RTC: the periodic interrupt at 1024 Hz reaches IRQ 8; reading register C clears the flags and the line", async () => {
  const c = await rtcMachine(new Date(Date.UTC(2026, 0, 1))), m = cmos(c);
  m.w(0x0B, 0x42); // PIE
  const next = BigInt.asUintN(64, c.exports.nextEventNs());
  const period = 1_000_000_000n * 32n / 32768n; // rate 6: 2^5 periods of 32.768 kHz = 976.5625 us
  assert.ok(next > 0n && next <= period, `next periodic event in ${next} ns`);
  assert.equal(c.exports.picState(1) & 1, 0);
  c.exports.clockAdvanceNs(next);
  assert.equal(c.exports.picState(1) & 1, 1, "IRQ 8 requested at the slave PIC");
  assert.equal(c.exports.intrAck(), 0x70);
  assert.equal(m.r(0x0C), 0xC0, "IRQF and PF");
  assert.equal(m.r(0x0C), 0x00, "cleared by the read");
});

test("RTC: the update-ended and alarm interrupts (UIE, AIE with don't-care bytes)", async () => {
  const c = await rtcMachine(new Date(Date.UTC(2026, 0, 1, 12, 0, 0))), m = cmos(c);
  m.w(0x0B, 0x12); // UIE
  c.exports.clockAdvanceNs(BigInt.asUintN(64, c.exports.nextEventNs()));
  assert.equal(m.r(0x0C) & 0x90, 0x90, "UF with IRQF at the next update");
  m.w(0x0B, 0x22); // AIE only
  m.w(1, 0x05); m.w(3, 0xC0); m.w(5, 0xC0); // second 05 of any minute and hour
  m.r(0x0C);
  c.exports.clockAdvanceNs(3n * SEC); // 12:00:04
  assert.equal(m.r(0x0C) & 0x20, 0, "no alarm yet");
  c.exports.clockAdvanceNs(1n * SEC); // 12:00:05
  assert.equal(m.r(0x0C) & 0xA0, 0xA0, "AF with IRQF");
});

test("RTC: CMOS RAM bytes keep what is written, through the ports and from the platform", async () => {
  const c = await rtcMachine(new Date(0)), m = cmos(c);
  m.w(0x40, 0x5A);
  assert.equal(m.r(0x40), 0x5A);
  c.exports.setCmos(0x34, 0x12);
  assert.equal(m.r(0x34), 0x12);
  c.exports.ioWrite(0x70, 0x80 | 0x40, 1); // bit 7: the NMI mask, the index is 40h
  assert.equal(c.exports.ioRead(0x71, 1), 0x5A);
});
