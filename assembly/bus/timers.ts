// Timer events on the virtual clock: one deadline per slot; the run loop (machine.ts run) stops the processor at
// the earliest deadline and fires the due timers, so devices never poll. A device arms its slot with the time of
// its next observable change (the 8254's next OUT edge) and re-arms it when the timer fires.
import { TIMERS, TIMER_SLOTS, SLICE_END_NS, EXIT_RESLICE } from "../layout";
import { requestExit } from "../machine_events";
import { NEVER } from "./clock";
import { pitTimer } from "../devices/pit8254";
import { rtcTimer } from "../devices/rtc146818";
import { lapicTimer } from "../devices/lapic";
import { fdcTimer } from "../devices/fdc";
import { ideTimer } from "../devices/ide";
import { vgaTimer } from "../devices/vga";
import { i8042Timer } from "../devices/i8042";

export const TIMER_PIT0: u32 = 0; // OUT0 of the 8254 -> IRQ 0
export const TIMER_RTC: u32 = 1; // the RTC's next periodic, update or alarm flag -> IRQ 8
export const TIMER_LAPIC: u32 = 2; // the local APIC timer
export const TIMER_FDC: u32 = 3; // floppy controller: seek / command completion
export const TIMER_IDE0: u32 = 4; // IDE primary channel: command completion
export const TIMER_IDE1: u32 = 5; // IDE secondary channel
export const TIMER_VGA: u32 = 6; // VGA: vertical retrace, cursor and text blink
export const TIMER_I8042: u32 = 7; // 8042: output buffer delivery, keyboard typematic repeat

export function timersReset(): void { for (let i: u32 = 0; i < TIMER_SLOTS; i++) store<u64>(TIMERS + (i << 3), NEVER); }

/** Arm (or move) timer `id` to virtual time `t`; NEVER disarms it. */
export function timerSet(id: u32, t: u64): void {
  store<u64>(TIMERS + (id << 3), t);
  // armed for a moment before the end of the running slice: stop the processor at the end of this instruction
  // so run() can fire it on time (a one-shot APIC timer of a few microseconds, a device's command completion)
  if (t < load<u64>(SLICE_END_NS)) requestExit(EXIT_RESLICE);
}

/** The earliest armed deadline, or NEVER. */
export function nextDeadline(): u64 {
  let t = NEVER;
  for (let i: u32 = 0; i < TIMER_SLOTS; i++) { const d = load<u64>(TIMERS + (i << 3)); if (d < t) t = d; }
  return t;
}

/**
 * Fire, in time order, every timer whose deadline is at or before `now`. Each fires at its own deadline (the
 * time of the device's change), so a long skip of the clock replays every edge in between; a device may re-arm
 * its slot. Bounded, so a device that keeps re-arming in the past cannot hang the machine.
 */
export function timersFire(now: u64): void {
  for (let guard = 0; guard < 1_000_000; guard++) {
    let at = NEVER, slot: u32 = 0;
    for (let i: u32 = 0; i < TIMER_SLOTS; i++) { const d = load<u64>(TIMERS + (i << 3)); if (d < at) { at = d; slot = i; } }
    if (at > now) return;
    store<u64>(TIMERS + (slot << 3), NEVER);
    switch (slot) {
      case TIMER_PIT0: pitTimer(at); break;
      case TIMER_RTC: rtcTimer(at); break;
      case TIMER_LAPIC: lapicTimer(at); break;
      case TIMER_FDC: fdcTimer(at); break;
      case TIMER_IDE0: ideTimer(0, at); break;
      case TIMER_IDE1: ideTimer(1, at); break;
      case TIMER_VGA: vgaTimer(at); break;
      case TIMER_I8042: i8042Timer(at); break;
      default: break;
    }
  }
}
