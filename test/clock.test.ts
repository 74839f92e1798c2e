// The virtual clock and timer events (assembly/bus/clock.ts, timers.ts; DESIGN.md 1.3): run() stops the CPU at
// the next timer deadline and fires it, the 8254's OUT0 drives IRQ 0 through the 8259, a halted guest lets the
// host skip the clock to the next event, and the same inputs give the same run. Expected times come from the
// 8254 datasheet (mode 2: one period is N input clocks of 1.193182 MHz).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { initPicsAsBios, startRealMode } from "./util/machines.ts";

const NEVER = 0xFFFFFFFFFFFFFFFFn;
const u64 = (v: bigint) => BigInt.asUintN(64, v); // wasm i64 results arrive signed
const PERIOD = 11932; // input clocks: 10.0002 ms

/** Real mode: PICs initialised as a BIOS does, PIT counter 0 in mode 2 with PERIOD, IRQ 0 counts into [0x500]. */
async function ticking(ticks: number): Promise<Core> {
  const c = await createCore(1 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(0x7C00, assemble(`bits 16
org 0x7C00
    xor ax, ax
    mov ds, ax
    mov word [8 * 4], irq0
    mov word [8 * 4 + 2], 0
    mov al, 0x11
    out 0x20, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0x34             ; counter 0, LSB then MSB, mode 2
    out 0x43, al
    mov al, ${PERIOD & 0xFF}
    out 0x40, al
    mov al, ${PERIOD >> 8}
    out 0x40, al
    sti
idle:
    hlt
    cmp word [0x500], ${ticks}
    jb idle
    mov al, 0
    out 0xF4, al
irq0:
    inc word [0x500]
    push ax
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
`));
  startRealMode(c);
  return c;
}

/** The host's loop for a headless run: on HLT, skip to the next event. */
function runUntilExit(c: Core, maxSlices = 10000): number {
  for (let i = 0; i < maxSlices; i++) {
    const r = c.run(100000);
    if (r === Exit.HLT) {
      const next = u64(c.exports.nextEventNs());
      assert.notEqual(next, NEVER, "halted with a timer armed");
      c.exports.clockAdvanceNs(next);
      continue;
    }
    if (r !== Exit.BUDGET) return r;
  }
  throw new Error("no exit");
}

test("clock: the 8254 in mode 2 interrupts through IRQ 0 every N input clocks; HLT skips to the next event", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await ticking(5);
  assert.equal(runUntilExit(c), Exit.DEBUG_EXIT);
  assert.equal(c.readByte(0x500), 5);
  // the control word takes OUT0 from low (reset) to high, mode 2's initial level: that edge is the first request;
  // then one rising edge per period, so the fifth interrupt comes four periods after the count was loaded
  const now = Number(c.exports.clockNowNs());
  const fifth = 4 * PERIOD * 1e9 / 1193182;
  assert.ok(now >= fifth && now < fifth + 100_000, `virtual time ${now} ns, fifth interrupt at ${fifth.toFixed(0)} ns`);
  assert.ok(c.icount < 2000n, `the guest slept between ticks: ${c.icount} instructions`);
});

test("clock: the same program gives the same instruction count and virtual time (determinism)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const a = await ticking(20), b = await ticking(20);
  runUntilExit(a); runUntilExit(b);
  assert.equal(a.icount, b.icount);
  assert.equal(a.exports.clockNowNs(), b.exports.clockNowNs());
});

test("clock: with nothing armed there is no next event; time advances with instructions at the nominal rate", async () => {
  const c = await createCore(1 << 20, "debug");
  assert.equal(u64(c.exports.nextEventNs()), NEVER);
  c.writePhys(0x7C00, new Uint8Array(4096).fill(0x90)); // NOPs
  for (const s of ["cs", "ds", "es", "ss"] as const) c.setSegReal(s, 0);
  c.eip = 0x7C00;
  c.exports.stateChanged();
  assert.equal(c.run(1000), Exit.BUDGET);
  assert.equal(c.exports.clockNowNs(), 10_000n, "1000 instructions at 10 ns");
  c.exports.clockAdvanceNs(5_000n);
  assert.equal(c.exports.clockNowNs(), 15_000n);
  c.exports.setClockRate(1 << 16);
  assert.equal(c.run(1000), Exit.BUDGET);
  assert.equal(c.exports.clockNowNs(), 16_000n, "then 1 ns each");
});

test("clock: a long skip replays every OUT0 edge, so the request is latched even if time jumps past a whole period", async () => {
  const c = await createCore(1 << 20, "debug");
  const out = (p: number, v: number) => c.exports.ioWrite(p, v, 1);
  initPicsAsBios(c);
  out(0x43, 0x34); out(0x40, 100); out(0x40, 0); // mode 2, 100 clocks
  assert.ok(c.exports.nextEventNs() < 100_000n, "the next OUT0 change is armed");
  // the control word took OUT0 high (mode 2 starts high): that rising edge is a request already; serve it
  assert.equal(c.exports.intrAck(), 0x08);
  out(0x20, 0x20);
  assert.equal(c.exports.picState(0) & 0xFFFF, 0, "nothing requested or in service");
  c.exports.clockAdvanceNs(1_000_000n); // about ten periods in one step
  assert.equal(c.exports.picState(0) & 1, 1, "IRR0 set by a rising edge inside the skipped time");
});

test("clock: the TSC counts virtual nanoseconds, so it moves with the host's time sync too", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await createCore(1 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(0x7C00, assemble(`bits 16
org 0x7C00
    rdtsc
    mov [0x600], eax
    mov [0x604], edx
    rdtsc
    mov [0x608], eax
    mov [0x60C], edx
    mov al, 0
    out 0xF4, al`));
  for (const s of ["cs", "ds", "es", "ss"] as const) c.setSegReal(s, 0);
  c.eip = 0x7C00;
  c.exports.stateChanged();
  assert.equal(c.run(3), Exit.BUDGET);
  c.exports.clockAdvanceNs(1_000_000n);
  assert.equal(c.run(100), Exit.DEBUG_EXIT);
  const q = (a: number) => c.dv.getBigUint64(c.L.RAM + a, true);
  const dt = q(0x608) - q(0x600);
  assert.ok(dt > 1_000_000n && dt < 1_000_000n + 100n, `TSC moved by ${dt}: the 1 ms skip plus three instructions at 10 ns`);
});
