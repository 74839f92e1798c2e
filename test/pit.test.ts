// The 8254 PIT and port 61h, driven the QEMU way: write registers at chosen virtual times, read counts, OUT
// levels and next-change times. Expected values come from the Intel 8254 datasheet (order no. 231164): each
// test cites the section whose rule gives them.
//
// Clock model (assembly/devices/pit8254.ts): one free-running 1.193182 MHz clock; edge k is at
// ceil(k * 1e9 / 1193182) ns (`at(k)` below). A count written between edges k and k+1 is loaded on edge k+1
// ("Operation Common to All Modes: ... the count is loaded on the next CLK pulse"). Times below are given as
// edge numbers: `at(k)` is the instant of edge k, after it took effect. Virtual time never goes back, so each
// test's calls use non-decreasing times (a counter reprogrammed later starts from a later edge).
import { test, before, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, PIT_NEVER } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const HZ = 1193182n;
const NS = 1_000_000_000n;
/** Virtual time (ns) of clock edge k. */
const at = (k: number | bigint): bigint => (BigInt(k) * NS + HZ - 1n) / HZ;

let c: Core;
before(async () => { c = await createCore(1 << 20, "debug"); });
beforeEach(() => c.pit.reset());

const CTRL = 0x43;
const port = (ch: number) => 0x40 + ch;
/** Write a two-byte count (RW = 11: LSB then MSB). */
function count16(ch: number, n: number, k: number) {
  c.pit.write(port(ch), n & 0xFF, at(k));
  c.pit.write(port(ch), n >> 8, at(k));
}
/** Read a two-byte count (LSB then MSB). */
function read16(ch: number, k: number | bigint): number {
  const t = typeof k === "bigint" ? k : at(k);
  const lo = c.pit.read(port(ch), t);
  return lo | (c.pit.read(port(ch), t) << 8);
}
const out = (ch: number, k: number) => c.pit.out(ch, at(k));
const next = (ch: number, k: number) => c.pit.nextChange(ch, at(k));
/** Status byte through the read-back command (status only) of counter `ch`. */
function status(ch: number, k: number): number {
  c.pit.write(CTRL, 0xE0 | (2 << ch), at(k));
  return c.pit.read(port(ch), at(k));
}
/** Edges 1..n after `from` at which OUT is low. */
function lowEdges(ch: number, from: number, n: number): number[] {
  const r = [];
  for (let k = from; k <= from + n; k++) if (!out(ch, k)) r.push(k);
  return r;
}
/** The chain of OUT transitions from edge `from` (nextChange repeatedly), `n` of them, as edge numbers. */
function transitions(ch: number, from: number, n: number): number[] {
  const r: number[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    t = c.pit.nextChange(ch, t);
    if (t === PIT_NEVER) break;
    const k = Number((t * HZ) / NS);
    assert.equal(at(k), t, "a transition falls on a clock edge");
    r.push(k);
  }
  return r;
}

test("mode 0: count loaded on the next clock, OUT high N+1 clocks after the write, then counting wraps", () => {
  // Mode 0: "OUT will be initially low after the Mode set operation ... OUT does not go high until N + 1 CLK
  // pulses after the initial count is written"; after terminal count the counter keeps decrementing.
  c.pit.write(CTRL, 0x30, at(100));
  assert.equal(out(0, 100), false);
  count16(0, 10, 100);
  assert.equal(next(0, 100), at(111));
  assert.equal(read16(0, 101), 10);
  assert.equal(read16(0, 105), 6);
  assert.equal(read16(0, 110), 1);
  assert.equal(out(0, 110), false);
  assert.equal(read16(0, 111), 0);
  assert.equal(out(0, 111), true);
  assert.equal(read16(0, 112), 0xFFFF);
  assert.equal(out(0, 5000), true, "OUT stays high until a new count or control word");
  assert.equal(next(0, 5000), PIT_NEVER);
  // a control word sets OUT low again (Mode 0: initially low after the Mode set operation)
  c.pit.write(CTRL, 0x30, at(5000));
  assert.equal(out(0, 5000), false);
  assert.equal(next(0, 5000), PIT_NEVER, "no count: no transition");
});

test("mode 0: the first byte of a two-byte count stops counting and sets OUT low; the second loads it", () => {
  // Mode 0: "Writing the first byte disables counting. OUT is set low immediately (no clock pulse required).
  // Writing the second byte allows the new count to be loaded on the next CLK pulse."
  c.pit.write(CTRL, 0x30, at(0));
  count16(0, 5, 0); // loaded at 1, terminal count at 6
  assert.equal(out(0, 6), true);
  assert.equal(read16(0, 20), 0x10000 - 14);
  c.pit.write(port(0), 0x20, at(20));
  assert.equal(out(0, 20), false);
  assert.equal(read16(0, 30), 0x10000 - 14, "counting disabled between the bytes");
  assert.equal(next(0, 30), PIT_NEVER);
  c.pit.write(port(0), 0x00, at(30)); // count 0x20 = 32, loaded at 31, terminal count at 63
  assert.equal(next(0, 30), at(63));
  assert.equal(read16(0, 31), 32);
  assert.equal(out(0, 62), false);
  assert.equal(out(0, 63), true);
});

test("mode 0 with GATE: the count loads while GATE is low but only counts while it is high", () => {
  // GATE Pin Operations Summary, mode 0: low = disables counting, high = enables counting; Mode 0: "GATE has
  // no effect on OUT"
  c.pit.write(CTRL, 0xB0, at(10)); // counter 2 (GATE low after reset: port 61h bit 0 clear)
  count16(2, 5, 10);
  assert.equal(read16(2, 11), 5);
  assert.equal(read16(2, 20), 5);
  assert.equal(next(2, 20), PIT_NEVER);
  c.pit.setGate(2, true, at(20)); // edges 21.. count
  assert.equal(next(2, 20), at(25));
  assert.equal(read16(2, 22), 3);
  c.pit.setGate(2, false, at(23)); // CE = 2 after edge 23
  assert.equal(read16(2, 40), 2);
  assert.equal(out(2, 40), false);
  assert.equal(next(2, 40), PIT_NEVER);
  c.pit.setGate(2, true, at(40)); // 2 more edges: 41, 42
  assert.equal(next(2, 40), at(42));
  assert.equal(out(2, 41), false);
  assert.equal(out(2, 42), true);
});

test("mode 1: hardware retriggerable one-shot", () => {
  // Mode 1: "OUT will be initially high. OUT will go low on the CLK pulse following a trigger to begin the
  // one-shot pulse, and will remain low until the Counter reaches zero. ... A trigger results in loading the
  // Counter and setting OUT low on the next CLK pulse ... The one-shot is retriggerable." GATE low: no effect.
  c.pit.write(CTRL, 0xB2, at(10));
  count16(2, 4, 10);
  assert.equal(out(2, 50), true);
  assert.equal(next(2, 50), PIT_NEVER, "waits for a trigger");
  assert.equal(status(2, 50) & 0x40, 0x40, "null count: the count has not reached CE");
  c.pit.setGate(2, true, at(50)); // load at 51
  assert.equal(next(2, 50), at(51));
  assert.equal(out(2, 51), false);
  assert.equal(status(2, 51) & 0xC0, 0x00, "OUT low, count loaded");
  assert.equal(read16(2, 51), 4);
  assert.equal(next(2, 51), at(55));
  assert.equal(read16(2, 53), 2);
  c.pit.setGate(2, false, at(53));
  c.pit.setGate(2, true, at(53)); // retrigger: reload at 54, OUT stays low for 4 more clocks
  assert.equal(read16(2, 54), 4);
  c.pit.setGate(2, false, at(56)); // no effect in mode 1
  assert.deepEqual(transitions(2, 56, 4), [58]);
  assert.equal(out(2, 57), false);
  assert.equal(out(2, 58), true);
  // a new count during the one-shot waits for the next trigger
  c.pit.setGate(2, true, at(60));
  count16(2, 2, 61);
  assert.equal(next(2, 61), at(65), "the running one-shot keeps its count of 4");
  c.pit.setGate(2, false, at(70));
  c.pit.setGate(2, true, at(70));
  assert.deepEqual(transitions(2, 70, 3), [71, 73]);
});

test("mode 2: rate generator with OUT low for one clock per period, across periods", () => {
  // Mode 2: "OUT will initially be high. When the initial count has decremented to 1, OUT goes low for one CLK
  // pulse. OUT then goes high again, the Counter reloads the initial count and the process is repeated."
  c.pit.write(CTRL, 0x34, at(0));
  count16(0, 4, 0); // loaded at 1: CE 4,3,2,1 at 1..4 (low at 4), reload at 5
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(k => read16(0, k)), [4, 3, 2, 1, 4, 3]);
  assert.deepEqual(lowEdges(0, 6, 14), [8, 12, 16, 20]);
  assert.deepEqual(transitions(0, 20, 6), [21, 24, 25, 28, 29, 32]);
  // odd count
  c.pit.write(CTRL, 0x34, at(100));
  count16(0, 5, 100);
  assert.deepEqual(transitions(0, 102, 4), [105, 106, 110, 111]);
  assert.deepEqual(lowEdges(0, 111, 9), [115, 120]);
  // modes 6 and 7 are 2 and 3 ("Control Word Format": M2 is a don't-care); the status shows the bits written
  c.pit.write(CTRL, 0x3C, at(200));
  count16(0, 3, 200);
  assert.deepEqual(lowEdges(0, 200, 9), [203, 206, 209]);
  assert.equal(status(0, 209) & 0x3F, 0x3C);
});

test("mode 3: square wave with even and odd counts, CE values per half-cycle", () => {
  // Mode 3, even counts: "the initial count is loaded on one CLK pulse and then is decremented by two on
  // succeeding CLK pulses. When the count expires OUT changes value and the Counter is reloaded".
  c.pit.write(CTRL, 0x36, at(0));
  count16(0, 6, 0); // loaded at 1: high at 1-3, low at 4-6, high at 7
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(k => read16(0, k)), [6, 4, 2, 6, 4, 2, 6]);
  assert.deepEqual(lowEdges(0, 7, 11), [10, 11, 12, 16, 17, 18]);
  assert.deepEqual(transitions(0, 18, 6), [19, 22, 25, 28, 31, 34]);
  // Odd counts: "The initial count minus one (an even number) is loaded on one CLK pulse and then is
  // decremented by two on succeeding CLK pulses. One CLK pulse after the count expires, OUT goes low and the
  // Counter is reloaded with the initial count minus one. ... When the count expires, OUT goes high again ...
  // OUT will be high for (N + 1)/2 counts and low for (N - 1)/2 counts."
  c.pit.write(CTRL, 0x36, at(100));
  count16(0, 5, 100); // loaded at 101: 4,2,0 high (101-103); low at 104: 4,2 (104-105); high at 106: 4
  assert.equal(next(0, 100), at(104));
  assert.deepEqual([101, 102, 103, 104, 105, 106].map(k => read16(0, k)), [4, 2, 0, 4, 2, 4]);
  assert.deepEqual(lowEdges(0, 106, 9), [109, 110, 114, 115]);
  assert.deepEqual(transitions(0, 115, 6), [116, 119, 121, 124, 126, 129]);
});

test("modes 2 and 3: a count written while counting is loaded at the end of the period / half-cycle", () => {
  // Mode 2: "Writing a new count while counting does not affect the current counting sequence. ... the new
  // count will be loaded at the end of the current counting cycle."
  c.pit.write(CTRL, 0x34, at(0));
  count16(0, 10, 0); // loaded at 1, low at 10, reload at 11
  count16(0, 3, 4);
  assert.equal(status(0, 5) & 0x40, 0x40, "null count until the reload");
  assert.equal(read16(0, 9), 2);
  assert.equal(next(0, 9), at(10));
  assert.equal(next(0, 10), at(11));
  assert.equal(read16(0, 11), 3);
  assert.equal(status(0, 11) & 0x40, 0);
  assert.deepEqual(transitions(0, 11, 3), [13, 14, 16]);
  // Mode 3: "... the new count will be loaded at the end of the current half-cycle."
  c.pit.write(CTRL, 0x36, at(100));
  count16(0, 10, 100); // loaded at 101: high 101-105, low from 106
  count16(0, 4, 103); // the low half-cycle starting at 106 already uses 4: low 106-107, high 108-109, ...
  assert.equal(next(0, 103), at(106));
  assert.equal(read16(0, 105), 2);
  assert.equal(read16(0, 106), 4);
  assert.equal(read16(0, 107), 2);
  assert.deepEqual(transitions(0, 107, 4), [108, 110, 112, 114]);
  // written during a low half-cycle: the new count starts with the next high half-cycle
  count16(0, 6, 115); // the low half 114-115 ends at 116: high 116-118, low 119-121
  assert.deepEqual(transitions(0, 115, 4), [116, 119, 122, 125]);
});

test("modes 2 and 3 with GATE: low stops counting and forces OUT high; rising reloads on the next clock", () => {
  // Mode 2: "If GATE goes low during an output pulse, OUT is set high immediately. A trigger reloads the
  // Counter with the initial count on the next CLK pulse". Mode 3: "If GATE goes low while OUT is low, OUT is
  // set high immediately; no CLK pulse is required. A trigger reloads the Counter with the initial count on
  // the next CLK pulse."
  c.pit.setGate(2, true, at(0));
  c.pit.write(CTRL, 0xB4, at(0)); // counter 2 mode 2
  count16(2, 5, 0); // low at 5, 10, ...
  assert.equal(out(2, 5), false);
  c.pit.setGate(2, false, at(5));
  assert.equal(out(2, 5), true);
  assert.equal(read16(2, 20), 1, "CE keeps the value it had (1)");
  assert.equal(next(2, 20), PIT_NEVER);
  c.pit.setGate(2, true, at(20)); // reload at 21, low at 25
  assert.deepEqual(transitions(2, 20, 3), [25, 26, 30]);
  // mode 3
  c.pit.write(CTRL, 0xB6, at(100));
  count16(2, 8, 100); // high 101-104, low 105-108
  assert.equal(out(2, 106), false);
  c.pit.setGate(2, false, at(106));
  assert.equal(out(2, 106), true);
  assert.equal(read16(2, 130), 6, "CE keeps the value it had");
  c.pit.setGate(2, true, at(130)); // reload at 131: high 131-134, low 135-138
  assert.deepEqual(transitions(2, 130, 3), [135, 139, 143]);
  // a count written while GATE is low is the one the trigger loads
  c.pit.setGate(2, false, at(140));
  count16(2, 4, 141);
  c.pit.setGate(2, true, at(150));
  assert.deepEqual(transitions(2, 150, 3), [153, 155, 157]);
});

test("mode 4: software triggered strobe, retriggered by a new count", () => {
  // Mode 4: "OUT will be initially high. When the initial count expires, OUT will go low for one CLK pulse and
  // then go high again. The counting sequence is 'triggered' by writing the initial count." "If a new count is
  // written during counting, it will be loaded on the next CLK pulse and counting will continue from the new
  // count."
  c.pit.write(CTRL, 0x38, at(0));
  assert.equal(out(0, 0), true);
  count16(0, 3, 0); // loaded at 1: 3,2,1,0 at 1-4, OUT low at 4
  assert.deepEqual(transitions(0, 0, 3), [4, 5]);
  count16(0, 3, 10); // loaded at 11: the same sequence from 11
  assert.deepEqual([11, 12, 13, 14, 15].map(k => read16(0, k)), [3, 2, 1, 0, 0xFFFF]);
  count16(0, 3, 20);
  assert.deepEqual(lowEdges(0, 20, 30), [24]);
  count16(0, 100, 50); // loaded at 51, strobe at 151
  assert.equal(next(0, 50), at(151));
  count16(0, 2, 60); // replaces the running count: strobe at 63
  assert.deepEqual(transitions(0, 60, 3), [63, 64]);
});

test("mode 5: hardware triggered strobe, retriggerable", () => {
  // Mode 5: "OUT will initially be high. Counting is triggered by a rising edge of GATE. When the initial count
  // has expired, OUT will go low for one CLK pulse and then go high again. ... the Counter will be loaded with
  // the initial count on the CLK pulse after the trigger ... retriggerable"
  c.pit.write(CTRL, 0xBA, at(0));
  count16(2, 3, 0);
  assert.equal(next(2, 5), PIT_NEVER);
  c.pit.setGate(2, true, at(10)); // loaded at 11: 3,2,1,0 -> strobe at 14
  assert.equal(next(2, 10), at(14));
  c.pit.setGate(2, false, at(12));
  c.pit.setGate(2, true, at(12)); // reloaded at 13 -> strobe at 16
  assert.equal(read16(2, 13), 3);
  assert.deepEqual(transitions(2, 13, 3), [16, 17]);
});

test("BCD counting and count 0 (65536 binary, 10000 BCD)", () => {
  // Control Word Format: BCD = 1 is a binary coded decimal counter (4 decades); "Operation Common to All
  // Modes": the largest initial count is 0, equivalent to 2^16 binary and 10^4 BCD.
  c.pit.write(CTRL, 0x31, at(0)); // mode 0 BCD
  count16(0, 0x0012, 0); // 12, loaded at 1
  assert.equal(next(0, 0), at(13));
  assert.equal(read16(0, 3), 0x10);
  assert.equal(read16(0, 5), 0x08);
  assert.equal(read16(0, 14), 0x9999, "wraps to 9999 after terminal count");
  c.pit.write(CTRL, 0x31, at(100));
  count16(0, 0, 100); // 10000
  assert.equal(next(0, 100), at(10101));
  assert.equal(read16(0, 101), 0x0000);
  assert.equal(read16(0, 102), 0x9999);
  assert.equal(read16(0, 1335), 0x8766);
  // mode 2 binary count 0: 65536
  const B = 20000;
  c.pit.write(CTRL, 0x34, at(B));
  count16(0, 0, B);
  assert.equal(read16(0, B + 1), 0x0000);
  assert.equal(read16(0, B + 2), 0xFFFF);
  assert.deepEqual(transitions(0, B + 2, 4), [B + 65536, B + 65537, B + 131072, B + 131073]);
  // mode 3 BCD count 0: 10000 clocks, 5000 high and 5000 low, counting down by two in BCD
  const B2 = 200000;
  c.pit.write(CTRL, 0x37, at(B2));
  count16(0, 0, B2);
  assert.equal(read16(0, B2 + 1), 0x0000);
  assert.equal(read16(0, B2 + 2), 0x9998);
  assert.deepEqual(transitions(0, B2 + 2, 3), [B2 + 5001, B2 + 10001, B2 + 15001]);
});

test("LSB-only and MSB-only counts and reads; the counter latch command", () => {
  // Control Word Format RW = 01: read/write least significant byte only; RW = 10: most significant byte only.
  c.pit.write(CTRL, 0x14, at(0)); // counter 0, LSB only, mode 2
  c.pit.write(port(0), 0x80, at(0)); // 128, loaded at 1
  assert.equal(c.pit.read(port(0), at(11)), 118);
  assert.equal(c.pit.read(port(0), at(11)), 118, "every read returns the LSB");
  assert.deepEqual(transitions(0, 11, 2), [128, 129]);
  c.pit.write(CTRL, 0x24, at(1000)); // MSB only: count 0x0100
  c.pit.write(port(0), 0x01, at(1000));
  assert.equal(c.pit.read(port(0), at(1001)), 0x01);
  assert.equal(c.pit.read(port(0), at(1002)), 0x00, "CE 0x00FF");
  // Counter Latch Command: "The selected Counter's output latch (OL) latches the count at the time the Counter
  // Latch Command is received. This count is held in the latch until it is read ... If a Counter is latched
  // and then, some time later, latched again before the count is read, the second Counter Latch Command is
  // ignored."
  c.pit.write(CTRL, 0x34, at(2000));
  count16(0, 1000, 2000); // loaded at 2001: CE = 3001 - k
  c.pit.write(CTRL, 0x00, at(2101)); // latch 900
  c.pit.write(CTRL, 0x00, at(2201)); // ignored
  assert.equal(read16(0, 2301), 900);
  assert.equal(read16(0, 2301), 700, "the latch is released once both bytes are read");
  // LSB-then-MSB flip-flop across a latch
  c.pit.write(CTRL, 0x00, at(2401));
  assert.equal(c.pit.read(port(0), at(2500)), 600 & 0xFF);
  assert.equal(c.pit.read(port(0), at(2900)), 600 >> 8);
});

test("read-back command: count and status of several counters, status first, null count and OUT", () => {
  // Read-Back Command: bits 7-6 = 11, bit 5 = /COUNT, bit 4 = /STATUS, bits 3-1 select counters 2-0. Status
  // byte: bit 7 OUT, bit 6 NULL COUNT, bits 5-0 as in the control word. "If both COUNT and STATUS of a counter
  // are latched, the first read operation of that counter will return the latched status, regardless of which
  // was latched first. The next one or two reads return the latched count." NULL COUNT: set when a control
  // word or count is written, cleared when the count is loaded into CE.
  c.pit.write(CTRL, 0x34, at(0));
  assert.equal(status(0, 0), 0x80 | 0x40 | 0x34, "after the control word: OUT high, null count");
  count16(0, 100, 0);
  assert.equal(status(0, 0) & 0x40, 0x40, "count written, not yet loaded");
  c.pit.write(CTRL, 0xB0, at(0)); // counter 2: mode 0, GATE low
  count16(2, 0x1234, 0);
  c.pit.write(CTRL, 0xCA, at(50)); // latch count and status of counters 0 and 2
  c.pit.write(CTRL, 0xCA, at(60)); // ignored for both: still latched
  assert.equal(c.pit.read(port(0), at(70)), 0x80 | 0x34, "status: OUT high, count loaded");
  assert.equal(read16(0, 70), 51);
  assert.equal(c.pit.read(port(2), at(80)), 0x30, "status: OUT low (mode 0), count loaded");
  assert.equal(read16(2, 80), 0x1234, "GATE 2 low: not counting");
  assert.equal(read16(0, 80), 21, "latches released");
  // count only (bit 4 = 1) and status only (bit 5 = 1)
  c.pit.write(CTRL, 0xD2, at(90));
  assert.equal(read16(0, 95), 11);
  c.pit.write(CTRL, 0xE2, at(100)); // CE = 1 at edge 100: OUT low (mode 2)
  assert.equal(c.pit.read(port(0), at(100)), 0x34);
  assert.equal(read16(0, 101), 100);
  // a latched status survives a later status latch (OUT low at 200: CE 1 again)
  c.pit.write(CTRL, 0xE2, at(200));
  c.pit.write(CTRL, 0xE2, at(202));
  assert.equal(c.pit.read(port(0), at(203)), 0x34);
});

test("port 61h: GATE 2 and speaker bits read back, refresh toggles every 15.085 us, OUT2 in bit 5", () => {
  // IBM PC/AT Technical Reference, System Control Port B: bits 0-3 read back; bit 4 refresh detect toggles with
  // each refresh cycle (15.085 us, 18 PIT clocks); bit 5 is OUT of timer counter 2.
  assert.equal(c.pit.read(0x61, 0n), 0x00);
  c.pit.write(CTRL, 0xB6, 0n); // counter 2 mode 3, count 4: high 2 clocks, low 2 clocks
  count16(2, 4, 0);
  c.pit.write(0x61, 0x03, at(0)); // GATE 2 high: reload at edge 1
  assert.equal(c.pit.read(0x61, at(0)) & 0x0F, 0x03);
  assert.deepEqual([1, 2, 3, 4, 5].map(k => (c.pit.read(0x61, at(k)) >> 5) & 1), [1, 1, 0, 0, 1]);
  c.pit.write(0x61, 0xF2, at(7)); // GATE 2 low: mode 3 OUT high; bits 4-7 are not stored
  assert.equal(c.pit.read(0x61, 14000n), 0x22);
  assert.deepEqual([15084n, 15085n, 30169n, 30170n, 45254n, 45255n, 60339n, 60340n].map(t => (c.pit.read(0x61, t) >> 4) & 1),
    [0, 1, 1, 0, 0, 1, 1, 0]);
});

test("hours of virtual time: exact tick arithmetic without overflow", () => {
  // 10 hours = 36000 s = 36000 * 1193182 clock edges exactly; a century still fits in the u64 of ns.
  const K = 36000 * 1193182;
  assert.equal(at(K), 36000n * NS);
  c.pit.write(CTRL, 0x34, at(K));
  count16(0, 1193, K); // mode 2, loaded at K+1: low at K+1193, K+2386, ...
  // mid-edge times round down to the last edge
  assert.equal(read16(0, at(K + 10) + 500n), 1184);
  assert.deepEqual(transitions(0, K + 10, 4), [K + 1193, K + 1194, K + 2386, K + 2387]);
  assert.equal(read16(0, K + 1193 * 1000 + 1), 1193);
  const century = 100n * 365n * 86400n * HZ;
  c.pit.write(CTRL, 0x30, at(century));
  count16(0, 50000, Number(century)); // mode 0: terminal count 50001 edges later
  assert.equal(c.pit.nextChange(0, at(century)), at(century + 50001n));
  assert.equal(read16(0, at(century + 40001n)), 10000);
  assert.equal(c.pit.out(0, at(century + 50001n)), true);
});

test("through the CPU: OUT/IN on ports 40h-43h and 61h on the virtual clock set to 1 ns per instruction", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // assembly/bus/clock.ts at 1 ns per instruction: virtual time = ICOUNT ns. The count is written in the
  // first block (time 0-6 ns: loaded at edge 1); 20,000 LOOP iterations later the latch command runs at about
  // 20,006 ns, i.e. after edge 23 (edges 23 and 24 are at 19,277 and 20,114 ns): 22 decrements of 65536.
  const d = await createCore(1 << 20, "debug");
  d.exports.setClockRate(1 << 16);
  d.exports.attachTestDevices(0xE9, 0xF4, 0);
  d.writePhys(0x7C00, assemble(`bits 16
org 0x7C00
    mov al, 0x34        ; counter 0, LSB then MSB, mode 2
    out 0x43, al
    mov al, 0
    out 0x40, al
    out 0x40, al        ; count 0 = 65536
    mov cx, 20000
l:  loop l
    mov al, 0x00        ; counter latch command, counter 0
    out 0x43, al
    in al, 0x40
    mov bl, al
    in al, 0x40
    mov bh, al
    mov al, 0x01        ; GATE 2 on
    out 0x61, al
    in al, 0x61         ; bit 0 as written, bit 4 refresh (15,085 <= t < 30,170 ns: 1), bit 5 OUT2 (0)
    mov dl, al
    cli
    hlt`));
  for (const s of ["cs", "ds", "es", "ss", "fs", "gs"] as const) d.setSegReal(s, 0);
  d.eip = 0x7C00;
  d.setReg("esp", 0x7000);
  d.exports.stateChanged();
  assert.equal(d.run(100000), Exit.HLT_CLI);
  assert.equal(d.reg("ebx") & 0xFFFF, 65536 - 22);
  assert.equal(d.reg("edx") & 0xFF, 0x11);
});

test("random register traffic: OUT holds until pitNextChange and changes exactly there (seeded)", () => {
  // DESIGN.md 6: fuzz the register interface. Invariant of the next-change contract: between `now` and the
  // returned time OUT keeps its level, at that edge it has the other one; with no change OUT stays put.
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  let k = 10;
  for (let step = 0; step < 3000; step++) {
    const op = rnd(10);
    const t = at(k);
    if (op < 2) c.pit.write(CTRL, rnd(256), t);
    else if (op < 6) c.pit.write(port(rnd(3)), rnd(4) === 0 ? rnd(256) : rnd(9), t);
    else if (op < 7) c.pit.write(0x61, rnd(4), t);
    else if (op < 8) c.pit.setGate(rnd(2), rnd(4) !== 0, t); // GATE 0/1 are tied high on the PC; exercised anyway
    else c.pit.read(port(rnd(3)), t);
    for (let ch = 0; ch < 3; ch++) {
      const cur = c.pit.out(ch, t);
      const n = c.pit.nextChange(ch, t);
      const edge = n === PIT_NEVER ? Infinity : Number((n * HZ) / NS);
      if (n !== PIT_NEVER) { assert.ok(n > t, "next change after now"); assert.equal(at(edge), n); }
      for (let j = k + 1; j <= k + 40 && j <= edge; j++) {
        assert.equal(c.pit.out(ch, at(j)), j < edge ? cur : !cur, `step ${step} counter ${ch} edge ${j - k}`);
      }
    }
    k += 40 + rnd(3);
  }
});
