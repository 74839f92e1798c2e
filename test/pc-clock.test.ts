// The real-time clock of web/machine/pc.ts with a wall clock under the test's control: the guest clock follows
// the wall clock while the machine runs, and a stall (a paused machine, a throttled hidden tab, a sleeping host)
// is dropped instead of being caught up in one jump. The guest is SeaBIOS on a PC without disks: it halts
// between timer interrupts while it waits to retry booting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootPC, bootSkipReason } from "./util/pc-boot.ts";

const skip = bootSkipReason();

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
