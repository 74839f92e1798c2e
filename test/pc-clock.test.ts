// The real-time clock of web/machine/pc.ts with a wall clock under the test's control: the guest clock follows
// the wall clock while the machine runs, and a stall (a paused machine, a throttled hidden tab, a sleeping host)
// is dropped instead of being caught up in one jump. The guest is SeaBIOS on a PC without disks: it halts
// between timer interrupts while it waits to retry booting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootPC, bootSkipReason, memoryDisk } from "./util/pc-boot.ts";

const skip = bootSkipReason();

/** A floppy whose boot sector spins on RDTSC (0F 31, EB FC): a guest that never halts. */
function spinningFloppy() {
  const floppy = new Uint8Array(1_474_560);
  floppy.set([0x0f, 0x31, 0xeb, 0xfc]);
  floppy.set([0x55, 0xaa], 510);
  return [{ drive: "fda" as const, media: "floppy" as const, backend: memoryDisk(floppy) }];
}

test("real-time clock: the guest follows the wall clock, and a 10 s stall is not caught up at once", { skip }, async () => {
  let wall = 1000;
  // every reading moves the fake wall clock on a little, as time passes while the machine runs
  const b = await bootPC({ clock: "realtime", wallClock: () => (wall += 0.05) });
  const pc = b.pc;
  const guest = () => Number(BigInt.asUintN(64, pc.core.exports.clockNowNs())) / 1e6; // ms
  for (let i = 0; i < 50; i++) await pc.runSlice(20); // SeaBIOS POST, then "No bootable device" and its wait
  assert.match(b.debug(), /No bootable device|Booting from/, "SeaBIOS ran");

  // steady running: 100 ms of wall time between slices reaches the guest as about 100 ms
  let g0 = guest();
  for (let i = 0; i < 5; i++) { wall += 100; await pc.runSlice(5); }
  const steady = guest() - g0;
  assert.ok(steady >= 400, `the guest clock follows the wall clock (${steady.toFixed(1)} ms for 500 ms)`);
  assert.ok(steady < 700, `and not much faster (${steady.toFixed(1)} ms for 500 ms)`);

  // a stall: 10 s of wall time pass while nothing runs
  g0 = guest();
  wall += 10_000;
  await pc.runSlice(5);
  const jump = guest() - g0;
  assert.ok(jump < 600, `after a 10 s stall the guest clock moved ${jump.toFixed(1)} ms, not 10 s`);
  // and it keeps following the wall clock from there
  g0 = guest();
  for (let i = 0; i < 3; i++) { wall += 100; await pc.runSlice(5); }
  assert.ok(guest() - g0 >= 200, "the clock runs on after the stall");
});

test("real-time clock, measured pace: a busy guest's clock moves with the wall clock inside runs, without jumps", { skip }, async () => {
  // the spinning floppy: the guest never halts, so only the pace keeps its clock with the wall clock. The fake
  // host runs 250 MIPS: its wall clock is the instruction count x 4 ns.
  let pc: import("../web/machine/pc.ts").PC | undefined;
  const b = await bootPC({
    clock: "realtime", boot: "a", disks: spinningFloppy(),
    wallClock: () => (pc ? Number(pc.core.icount) * 4e-6 : 0),
  });
  pc = b.pc;
  const guestNs = () => Number(BigInt.asUintN(64, pc!.core.exports.clockNowNs()));
  // time advanced inside runs (by instructions at the pace in force), as opposed to by the syncs between them
  let insideNs = 0;
  const core = pc.core as unknown as { exports: Record<string, unknown> };
  const run = core.exports.run as (budget: number) => number;
  core.exports = { ...core.exports, run: (budget: number) => { const t = guestNs(); const r = run(budget); insideNs += guestNs() - t; return r; } };
  for (let i = 0; i < 20; i++) await pc.runSlice(20); // SeaBIOS, the boot sector, and the pace settling
  assert.match(b.debug(), /Booting from Floppy/, "SeaBIOS booted the floppy");
  const g0 = guestNs(), w0 = Number(pc.core.icount) * 4;
  insideNs = 0;
  for (let i = 0; i < 20; i++) await pc.runSlice(20);
  const guest = guestNs() - g0, wall = Number(pc.core.icount) * 4 - w0;
  assert.ok(Math.abs(guest / wall - 1) < 0.05, `the guest clock moved ${(guest / 1e6).toFixed(1)} ms in ${(wall / 1e6).toFixed(1)} ms of wall time`);
  // all of it inside runs: a sync that moved the clock would be a jump between two of the guest's RDTSCs (Linux's
  // TSC calibration against the PIT gives up on one)
  assert.equal(insideNs, guest, `${(insideNs / guest * 100).toFixed(4)}% of the guest's time passed inside runs, the rest in jumps`);
});

test("real-time clock, measured pace: after a host stall inside a run, no run moves the guest clock more than 4 ms", { skip }, async () => {
  // the same spinning guest on a fake 250 MIPS host; one run is stalled for 300 ms (descheduled, a GC pause): it
  // measures as a 1.5 MIPS core, but the runs after it must not pour the lost time into the guest in bursts (a
  // key held down through a burst would repeat)
  let pc: import("../web/machine/pc.ts").PC | undefined;
  let stall = 0;
  const b = await bootPC({
    clock: "realtime", boot: "a", disks: spinningFloppy(),
    wallClock: () => (pc ? Number(pc.core.icount) * 4e-6 + stall : 0),
  });
  pc = b.pc;
  const guestNs = () => Number(BigInt.asUintN(64, pc!.core.exports.clockNowNs()));
  const core = pc.core as unknown as { exports: Record<string, unknown> };
  const run = core.exports.run as (budget: number) => number;
  let stallNext = false, largest = 0;
  core.exports = { ...core.exports, run: (budget: number) => {
    const t = guestNs();
    const r = run(budget);
    if (stallNext) { stall += 300; stallNext = false; }
    largest = Math.max(largest, guestNs() - t);
    return r;
  } };
  for (let i = 0; i < 20; i++) await pc.runSlice(20);
  assert.match(b.debug(), /Booting from Floppy/, "SeaBIOS booted the floppy");
  stallNext = true;
  largest = 0;
  for (let i = 0; i < 20; i++) await pc.runSlice(20);
  assert.ok(largest <= 4_000_000, `a run moved the guest clock ${(largest / 1e6).toFixed(1)} ms`);
});

test("real-time clock: time the machine did not run is caught up before a live key press, not between it and its release", { skip }, async () => {
  // (E is 24h in scan code set 2, its release F0h 24h) the host was busy for 400 ms (the machine did not run), then a key press arrives, and its release 30 ms
  // later: the guest sees the two 30 ms apart, not 430 ms (long enough for its autorepeat to type the key twice)
  let wall = 1000;
  const b = await bootPC({ clock: "realtime", wallClock: () => (wall += 0.05) });
  const pc = b.pc;
  for (let i = 0; i < 50; i++) await pc.runSlice(20); // SeaBIOS halts between timer ticks, waiting to retry booting
  const guestNs = () => BigInt.asUintN(64, pc.core.exports.clockNowNs());
  const bytesAt: [number, bigint][] = [];
  const core = pc.core as unknown as { exports: Record<string, unknown> };
  const scancode = core.exports.keyboardScancode as (b: number) => void;
  core.exports = { ...core.exports, keyboardScancode: (v: number) => { bytesAt.push([v, guestNs()]); scancode(v); } };
  for (let i = 0; i < 5; i++) { wall += 10; await pc.runSlice(5); }
  wall += 400; // the stall
  pc.queueKey("KeyE", true);
  for (let i = 0; i < 3; i++) { wall += 10; await pc.runSlice(5); }
  pc.queueKey("KeyE", false);
  for (let i = 0; i < 5; i++) { wall += 10; await pc.runSlice(5); }
  const press = bytesAt.find(([v]) => v === 0x24), release = bytesAt.find(([v]) => v === 0xF0);
  assert.ok(press && release, `the keyboard got the press and the release: ${bytesAt.map(([v]) => v.toString(16)).join(" ")}`);
  const heldMs = Number(release[1] - press[1]) / 1e6;
  assert.ok(heldMs >= 15 && heldMs < 60, `the guest saw the key held ${heldMs.toFixed(1)} ms (the host held it 30 ms)`);
});

test("real-time clock: a halted guest wakes for every timer tick (its clock never skips past the event it slept for)", { skip }, async () => {
  // SeaBIOS waits halted with the PIT ticking at 18.2 Hz; its tick count (BDA 46Ch) follows the wall clock. The
  // host's sleeps are made instant here: each moves the fake wall clock on by its length.
  let wall = 1000;
  const b = await bootPC({ clock: "realtime", wallClock: () => wall });
  const pc = b.pc;
  const guestMs = () => Number(BigInt.asUintN(64, pc.core.exports.clockNowNs())) / 1e6;
  const realSetTimeout = globalThis.setTimeout;
  try {
    (globalThis as { setTimeout: unknown }).setTimeout = (f: () => void, ms = 0) => { wall += ms; return setImmediate(f); };
    for (let i = 0; i < 100; i++) { wall += 1; await pc.runSlice(20); } // SeaBIOS POST and its wait to retry booting
    const ticks = () => pc.core.readPhys(0x46C, 4).reduce((a, v, i) => a + v * 2 ** (8 * i), 0);
    const t0 = ticks(), w0 = wall, g0 = guestMs();
    let lead = 0;
    for (let i = 0; i < 200; i++) { wall += 0.1; await pc.runSlice(20); lead = Math.max(lead, guestMs() - g0 - (wall - w0)); }
    const n = ticks() - t0, expected = (wall - w0) / (65536 / 1.193182 / 1000);
    assert.ok(Math.abs(n - expected) <= 2, `${n} timer ticks in ${(wall - w0).toFixed(0)} ms of wall time (${expected.toFixed(1)} expected)`);
    assert.ok(lead < 1, `the guest clock ran ${lead.toFixed(1)} ms ahead of the wall clock`);
  } finally {
    (globalThis as { setTimeout: unknown }).setTimeout = realSetTimeout;
  }
});

test("real-time clock: a core faster than 1000 MIPS runs the guest's time ahead at the default pace; at 1/16 ns per instruction (the benchmark's guest CPU program) it stays on the wall clock", { skip }, async () => {
  // the spinning floppy guest on a fake host running 4000 MIPS (its wall clock is the instruction count / 4 ns)
  async function guestPerWall(nsPerInstruction?: number): Promise<number> {
    let pc: import("../web/machine/pc.ts").PC | undefined;
    const b = await bootPC({
      clock: "realtime", boot: "a", disks: spinningFloppy(), nsPerInstruction,
      wallClock: () => (pc ? Number(pc.core.icount) * 0.25e-6 : 0),
    });
    pc = b.pc;
    for (let i = 0; i < 200; i++) await pc.runSlice(20);
    assert.match(b.debug(), /Booting from Floppy/, "SeaBIOS booted the floppy");
    const g0 = Number(BigInt.asUintN(64, pc.core.exports.clockNowNs())), w0 = Number(pc.core.icount) * 0.25;
    for (let i = 0; i < 200; i++) await pc.runSlice(20);
    return (Number(BigInt.asUintN(64, pc.core.exports.clockNowNs())) - g0) / (Number(pc.core.icount) * 0.25 - w0);
  }
  const ahead = await guestPerWall();
  assert.ok(ahead > 3.5 && ahead < 4.5, `default pace: the guest clock ran ${ahead.toFixed(2)}x the wall clock (1 ns x 4000 MIPS)`);
  const exact = await guestPerWall(1 / 16);
  assert.ok(Math.abs(exact - 1) < 0.05, `1/16 ns: the guest clock ran ${exact.toFixed(2)}x the wall clock`);
});
