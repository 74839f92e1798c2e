// Intel 8254 programmable interval timer (Intel 8254 datasheet, order no. 231164: "Control Word Format",
// "Read-Back Command", "Modes" 0-5, "Operation Common to All Modes", and the GATE pin operations table).
//
// The device is lazy in virtual time (docs/devices.md): it never runs on its own. Every entry point takes the
// machine's virtual time `now` (u64 nanoseconds, never decreasing) and computes the counters from the tick at
// which their count was loaded. The input clock of all three counters is one free-running 1.193182 MHz clock:
// tick k (the k-th rising CLK edge since virtual time 0) happens at ceil(k * 1e9 / 1193182) ns, and at time t
// ticks(t) = floor(t * 1193182 / 1e9) edges have happened. A count written between edges k and k+1 is loaded
// into the counting element (CE) on edge k+1 ("the count is loaded on the next CLK pulse"), and is then
// decremented on the following edges: a counter is described by `origin`, the tick at which CE held the count N,
// so that its value and OUT at any later tick are closed-form. Commands, gate changes and reprogramming move
// `origin`; nothing is stepped.
//
// Known gaps: the count is read as a whole (no carry race between the two bytes of a live read, as a latch
// avoids on the chip); OUT and CE while GATE is low in mode 4 stay as they were at the falling edge; counts 1
// in modes 2 and 3 (illegal per the datasheet) give a constant OUT (low in mode 2, high in mode 3).
import { DEV_PIT } from "../layout";
import { setIsaIrq } from "../bus/intc";
import { timerSet, TIMER_PIT0 } from "../bus/timers";

const CLOCK_HZ: u64 = 1193182;
const NS: u64 = 1_000_000_000;
export const NEVER: u64 = 0xFFFFFFFFFFFFFFFF;

// per-counter fields (offsets in the counter's 64-byte slice; the table is in layout.ts)
const O_ORIGIN: u32 = 0;
const O_FREEZE: u32 = 8;
const O_PEND_AT: u32 = 16;
const O_TRANSFER: u32 = 24;
const O_N: u32 = 32;
const O_PEND_N: u32 = 36;
const O_CR: u32 = 40;
const O_LATCH: u32 = 42;
const O_CTRL: u32 = 44;
const O_FLAGS: u32 = 45;
const O_STATUS: u32 = 46;
const O_CR_LOW: u32 = 47;
const O_PRE_CE: u32 = 48;
const O_PRE_OUT: u32 = 50;
const O_PEND_ORIGIN: u32 = 56;

const PF_GATE: u32 = 1; // GATE input level
const PF_WRITE_MSB: u32 = 2; // write flip-flop: the next byte written is the MSB of a two-byte count
const PF_READ_MSB: u32 = 4; // read flip-flop: the next byte read is the MSB
const PF_COUNT_LATCHED: u32 = 8;
const PF_STATUS_LATCHED: u32 = 16;
const PF_NULL: u32 = 32; // a count was written (or a control word) and not yet transferred to CE
const PF_HAVE_COUNT: u32 = 64; // a complete count has been written since the control word

// @ts-ignore: decorator
@inline function st(ch: u32): u32 { return DEV_PIT + (ch << 6); }
// @ts-ignore: decorator
@inline function flags(s: u32): u32 { return load<u8>(s + O_FLAGS); }
// @ts-ignore: decorator
@inline function setFlags(s: u32, f: u32): void { store<u8>(s + O_FLAGS, <u8>f); }
// @ts-ignore: decorator
@inline function bcd(s: u32): bool { return (load<u8>(s + O_CTRL) & 1) != 0; }
// @ts-ignore: decorator
@inline function modulus(s: u32): u32 { return bcd(s) ? 10000 : 65536; }

/** The counter's mode 0-5 (modes 6 and 7 are 2 and 3: "Control Word Format", M2 is a don't-care for them). */
function mode(s: u32): u32 {
  const m = (<u32>load<u8>(s + O_CTRL) >> 1) & 7;
  return m > 5 ? m - 4 : m;
}

// ---- virtual time <-> clock ticks (exact for any u64 time: no product can overflow) ----------------------------

/** CLK edges from virtual time 0 to `now` ns: floor(now * 1193182 / 1e9). */
export function ticksAt(now: u64): u64 {
  return (now / NS) * CLOCK_HZ + ((now % NS) * CLOCK_HZ) / NS;
}

/** Virtual time (ns) of CLK edge `k`: the smallest t with ticksAt(t) >= k, i.e. ceil(k * 1e9 / 1193182). */
export function tickTime(k: u64): u64 {
  if (k == NEVER) return NEVER;
  const a = k / CLOCK_HZ, b = k % CLOCK_HZ;
  const hi = a * NS;
  if (hi / NS != a) return NEVER;
  const t = hi + (b * NS + CLOCK_HZ - 1) / CLOCK_HZ;
  return t < hi ? NEVER : t;
}

// ---- counts ----------------------------------------------------------------------------------------------------

/** The count in CR as a number of clocks: binary or BCD, 0 = the largest (65536 or 10000). */
function decodeCount(s: u32): u32 {
  const v = <u32>load<u16>(s + O_CR);
  let n = v;
  if (bcd(s)) n = (v >> 12) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
  return n == 0 ? modulus(s) : n;
}

/** A CE value (0..modulus-1) as the counter shows it: binary, or four BCD digits. */
function encodeCount(s: u32, v: u32): u32 {
  if (!bcd(s)) return v & 0xFFFF;
  v %= 10000;
  return (v / 1000) << 12 | ((v / 100) % 10) << 8 | ((v / 10) % 10) << 4 | (v % 10);
}

/** Does GATE low suspend counting in this mode? (0, 2, 3, 4: "GATE Pin Operations Summary") */
// @ts-ignore: decorator
@inline function gateSuspends(m: u32): bool { return m != 1 && m != 5; }

/** Counted ticks from origin to tick `t` (t >= origin), leaving out ticks while GATE was low. */
function elapsed(s: u32, t: u64): u64 {
  const origin = load<u64>(s + O_ORIGIN);
  let end = t;
  if (gateSuspends(mode(s))) {
    const f = load<u64>(s + O_FREEZE);
    if (f < end) end = f;
  }
  return end > origin ? end - origin : 0;
}

/** Mode 3 "high" half of a period: (N + 1) / 2 clocks (Mode 3: odd counts are high one clock longer). */
// @ts-ignore: decorator
@inline function highLen(n: u32): u64 { return <u64>((n + 1) >> 1); }

/** The CE value (0..modulus-1) at tick `t` (state normalised to t). */
function ceAt(s: u32, t: u64): u32 {
  if (t < load<u64>(s + O_ORIGIN)) return load<u16>(s + O_PRE_CE);
  const e = elapsed(s, t);
  const n = load<u32>(s + O_N);
  const M = modulus(s);
  const m = mode(s);
  if (m == 2) {
    // Mode 2: N is loaded, decremented to 1 (OUT low for that clock), and reloaded on the next clock.
    return (n - <u32>(e % <u64>n)) % M;
  }
  if (m == 3) {
    // Mode 3: even N: N, N-2, ..., 2, reload (each half). Odd N: N-1, N-3, ..., 0 and one more clock at 0 in the
    // high half; N-1, ..., 2 in the low half ("Mode 3 ... Odd counts").
    const pos = e % <u64>n;
    const h = highLen(n);
    if ((n & 1) == 0) {
      const k = <u32>(pos < h ? pos : pos - h);
      return (n - 2 * k) % M;
    }
    const k = <u32>(pos < h ? pos : pos - h);
    return (n - 1 - 2 * k) % M;
  }
  // modes 0, 1, 4, 5: decrement from N, wrapping after terminal count (65535 / 9999 follow 0)
  return (n + M - <u32>(e % <u64>M)) % M;
}

/** The OUT level at tick `t` (state normalised to t). */
function outAt(s: u32, t: u64): bool {
  if (t < load<u64>(s + O_ORIGIN)) return load<u8>(s + O_PRE_OUT) != 0;
  const m = mode(s);
  const gate = (flags(s) & PF_GATE) != 0;
  if ((m == 2 || m == 3) && !gate) return true; // "OUT is set high immediately" when GATE goes low
  const e = elapsed(s, t);
  const n = <u64>load<u32>(s + O_N);
  switch (m) {
    case 0: return e >= n; // high at terminal count until a new count or control word
    case 1: return e >= n; // low from the clock after the trigger for N clocks
    case 2: return e % n != n - 1; // low for one clock when CE is 1
    case 3: return e % n < highLen(<u32>n);
    default: return e != n; // modes 4, 5: one clock low at terminal count
  }
}

/** Apply a reload that has become due (modes 2/3) and end the null count once the count reached CE. */
function normalise(s: u32, t: u64): void {
  const at = load<u64>(s + O_PEND_AT);
  if (at != NEVER && t >= at) {
    store<u64>(s + O_ORIGIN, load<u64>(s + O_PEND_ORIGIN));
    store<u32>(s + O_N, load<u32>(s + O_PEND_N));
    store<u64>(s + O_PEND_AT, NEVER);
  }
  if ((flags(s) & PF_NULL) != 0 && t >= load<u64>(s + O_TRANSFER)) setFlags(s, flags(s) & ~PF_NULL);
}

/** The first tick after `b` (b >= origin) at which OUT changes, with the current count; NEVER if none. */
function nextChangeFrom(s: u32, b: u64): u64 {
  const m = mode(s);
  const gate = (flags(s) & PF_GATE) != 0;
  if (gateSuspends(m) && !gate) return NEVER; // counting suspended: OUT constant until GATE rises
  const origin = load<u64>(s + O_ORIGIN);
  const n = <u64>load<u32>(s + O_N);
  const e = b - origin;
  switch (m) {
    case 0: case 1: return e < n ? origin + n : NEVER;
    case 2: {
      if (n == 1) return NEVER;
      const pos = e % n;
      return pos == n - 1 ? b + 1 : b + (n - 1 - pos);
    }
    case 3: {
      const h = highLen(<u32>n);
      if (h == n) return NEVER;
      const pos = e % n;
      return pos < h ? b + (h - pos) : b + (n - pos);
    }
    default: return e < n ? origin + n : e == n ? origin + n + 1 : NEVER;
  }
}

/** The first tick after `t` at which OUT changes (state normalised to t). */
function nextChangeTick(s: u32, t: u64): u64 {
  const origin = load<u64>(s + O_ORIGIN);
  if (origin == NEVER) return NEVER;
  const cur = outAt(s, t);
  let b = t;
  if (t < origin) {
    if (outAt(s, origin) != cur) return origin;
    b = origin;
  }
  const r = nextChangeFrom(s, b);
  const at = load<u64>(s + O_PEND_AT);
  if (at == NEVER || r <= at) return r;
  // no change before a pending reload (modes 2/3, e.g. count 1 in mode 3): look at the count it loads
  const n = load<u32>(s + O_N);
  store<u64>(s + O_ORIGIN, load<u64>(s + O_PEND_ORIGIN));
  store<u32>(s + O_N, load<u32>(s + O_PEND_N));
  const r2 = outAt(s, at) != cur ? at : nextChangeFrom(s, at);
  store<u64>(s + O_ORIGIN, origin);
  store<u32>(s + O_N, n);
  return r2;
}

// ---- loading counts ----------------------------------------------------------------------------------------

/** Start counting N from CR on the clock after tick `t`, keeping what CE and OUT show until then. */
function loadNext(s: u32, t: u64, preOut: bool): void {
  store<u16>(s + O_PRE_CE, <u16>ceAt(s, t));
  store<u8>(s + O_PRE_OUT, preOut ? 1 : 0);
  store<u64>(s + O_ORIGIN, t + 1);
  store<u32>(s + O_N, decodeCount(s));
  store<u64>(s + O_PEND_AT, NEVER);
  if ((flags(s) & PF_NULL) != 0) store<u64>(s + O_TRANSFER, t + 1);
}

/** A complete count has been written to CR at tick `t` ("Mode n" paragraphs on writing a new count). */
function countWritten(s: u32, t: u64): void {
  setFlags(s, flags(s) | PF_NULL | PF_HAVE_COUNT);
  store<u64>(s + O_TRANSFER, NEVER);
  const m = mode(s);
  const origin = load<u64>(s + O_ORIGIN);
  const gate = (flags(s) & PF_GATE) != 0;
  if (m == 0) { loadNext(s, t, false); return; } // loaded on the next CLK; OUT low until terminal count
  if (m == 4) { loadNext(s, t, outAt(s, t)); return; } // loaded on the next CLK; counting goes on from it
  if (m == 1 || m == 5) return; // waits for a trigger (GATE rising edge)
  // modes 2 and 3
  if (origin == NEVER) { loadNext(s, t, true); return; } // first count after the control word
  if (!gate) return; // counting suspended: the GATE rising edge reloads from CR
  const n = decodeCount(s);
  if (t < origin) { store<u32>(s + O_N, n); store<u64>(s + O_TRANSFER, origin); return; } // not loaded yet
  // "Writing a new count while counting does not affect the current counting sequence": mode 2 loads it at
  // the end of the current period, mode 3 at the end of the current half-cycle.
  if (m == 2) {
    // the period ends with its low clock (CE = 1); the new count is loaded where the next period would start
    const cur = load<u32>(s + O_N);
    const pos = (t - origin) % <u64>cur;
    const end = t + (<u64>cur - pos);
    store<u64>(s + O_PEND_AT, end);
    store<u64>(s + O_PEND_ORIGIN, end);
    store<u32>(s + O_PEND_N, n);
    store<u64>(s + O_TRANSFER, end);
    return;
  }
  const at = nextChangeFrom(s, t); // the end of the current half-cycle (NEVER for N = 1: every clock ends one)
  let newOrigin: u64 = at == NEVER ? t + 1 : at;
  const pend = at == NEVER ? t + 1 : at;
  // entering the low half: place the new origin so that `pend` is the start of its low half
  if (at != NEVER && outAt(s, t)) newOrigin = at - highLen(n);
  store<u64>(s + O_PEND_AT, pend);
  store<u64>(s + O_PEND_ORIGIN, newOrigin);
  store<u32>(s + O_PEND_N, n);
  store<u64>(s + O_TRANSFER, pend);
}

// ---- the chip's interface ------------------------------------------------------------------------------------

function resetCounter(ch: u32): void {
  const s = st(ch);
  memory.fill(s, 0, 64);
  store<u64>(s + O_ORIGIN, NEVER);
  store<u64>(s + O_FREEZE, NEVER);
  store<u64>(s + O_PEND_AT, NEVER);
  store<u64>(s + O_TRANSFER, NEVER);
  store<u8>(s + O_CTRL, 0x30); // mode 0, LSB then MSB, binary (the power-on state is undefined)
  store<u32>(s + O_N, 65536);
  setFlags(s, PF_GATE);
}

/** Power-on state: no counts, GATE 0 and 1 high (tied on the PC), GATE 2 low (port 61h bit 0 clear). */
export function pitReset(): void {
  for (let ch: u32 = 0; ch < 3; ch++) resetCounter(ch);
  const s = st(2);
  setFlags(s, flags(s) & ~PF_GATE);
  store<u64>(s + O_FREEZE, 0);
}

/** Latch CE for reading ("Counter Latch Command"); ignored while a latched count is unread. */
function latchCount(s: u32, t: u64): void {
  if ((flags(s) & PF_COUNT_LATCHED) != 0) return;
  store<u16>(s + O_LATCH, <u16>encodeCount(s, ceAt(s, t)));
  setFlags(s, flags(s) | PF_COUNT_LATCHED);
}

/** Latch the status byte ("Read-Back Command", status format): OUT, NULL COUNT, control bits 5-0. */
function latchStatus(s: u32, t: u64): void {
  if ((flags(s) & PF_STATUS_LATCHED) != 0) return;
  let v = <u32>load<u8>(s + O_CTRL) & 0x3F;
  if (outAt(s, t)) v |= 0x80;
  if ((flags(s) & PF_NULL) != 0) v |= 0x40;
  store<u8>(s + O_STATUS, <u8>v);
  setFlags(s, flags(s) | PF_STATUS_LATCHED);
}

/** Read port 40h-42h (counter 0-2); 43h (the control word register) cannot be read. */
export function pitRead(port: u32, now: u64): u32 {
  const ch = (port - 0x40) & 3;
  if (ch == 3) return 0xFF;
  const s = st(ch);
  const t = ticksAt(now);
  normalise(s, t);
  let f = flags(s);
  if ((f & PF_STATUS_LATCHED) != 0) { setFlags(s, f & ~PF_STATUS_LATCHED); return load<u8>(s + O_STATUS); }
  const v: u32 = (f & PF_COUNT_LATCHED) != 0 ? load<u16>(s + O_LATCH) : encodeCount(s, ceAt(s, t));
  const rw = (<u32>load<u8>(s + O_CTRL) >> 4) & 3;
  let r: u32;
  let done = true; // the whole count has been read: a latch is released
  if (rw == 1) r = v & 0xFF;
  else if (rw == 2) r = v >> 8;
  else if ((f & PF_READ_MSB) == 0) { r = v & 0xFF; f |= PF_READ_MSB; done = false; }
  else { r = v >> 8; f &= ~PF_READ_MSB; }
  if (done) f &= ~PF_COUNT_LATCHED;
  setFlags(s, f);
  return r;
}

/** Write port 40h-42h (a count byte) or 43h (control word, counter latch or read-back command). */
export function pitWrite(port: u32, v: u32, now: u64): void {
  const t = ticksAt(now);
  v &= 0xFF;
  const reg = (port - 0x40) & 3;
  if (reg == 3) {
    const sc = v >> 6;
    if (sc == 3) {
      // Read-Back Command: bit 5 = /COUNT, bit 4 = /STATUS, bits 3-1 select counters 2-0
      for (let ch: u32 = 0; ch < 3; ch++) {
        if ((v & (2 << ch)) == 0) continue;
        const s = st(ch);
        normalise(s, t);
        if ((v & 0x20) == 0) latchCount(s, t);
        if ((v & 0x10) == 0) latchStatus(s, t);
      }
      return;
    }
    const s = st(sc);
    normalise(s, t);
    if ((v & 0x30) == 0) { latchCount(s, t); return; } // Counter Latch Command
    // Control word: "all Control Logic is immediately reset and OUT goes to a known initial state"
    const ce = ceAt(s, t);
    store<u8>(s + O_CTRL, <u8>(v & 0x3F));
    const f = flags(s) & PF_GATE;
    setFlags(s, f | PF_NULL);
    store<u16>(s + O_PRE_CE, <u16>ce);
    store<u8>(s + O_PRE_OUT, mode(s) == 0 ? 0 : 1);
    store<u64>(s + O_ORIGIN, NEVER);
    store<u64>(s + O_PEND_AT, NEVER);
    store<u64>(s + O_TRANSFER, NEVER);
    store<u64>(s + O_FREEZE, f != 0 ? NEVER : t);
    return;
  }
  const s = st(reg);
  normalise(s, t);
  const rw = (<u32>load<u8>(s + O_CTRL) >> 4) & 3;
  const f = flags(s);
  if (rw == 1) store<u16>(s + O_CR, <u16>v);
  else if (rw == 2) store<u16>(s + O_CR, <u16>(v << 8));
  else if ((f & PF_WRITE_MSB) == 0) {
    store<u8>(s + O_CR_LOW, <u8>v);
    setFlags(s, f | PF_WRITE_MSB);
    if (mode(s) == 0) {
      // Mode 0: "Writing the first byte disables counting. OUT is set low immediately"
      store<u16>(s + O_PRE_CE, <u16>ceAt(s, t));
      store<u8>(s + O_PRE_OUT, 0);
      store<u64>(s + O_ORIGIN, NEVER);
    }
    return;
  } else {
    store<u16>(s + O_CR, <u16>(<u32>load<u8>(s + O_CR_LOW) | v << 8));
    setFlags(s, f & ~PF_WRITE_MSB);
  }
  countWritten(s, t);
}

/** The OUT pin of counter `ch` at `now`. */
export function pitOut(ch: u32, now: u64): bool {
  const s = st(ch);
  const t = ticksAt(now);
  normalise(s, t);
  return outAt(s, t);
}

/** Virtual time (ns) of the next OUT transition of counter `ch` after `now`; NEVER when OUT stays as it is
 *  until software or GATE changes something (the scheduler arms IRQ 0 on the rising edge of OUT0 from this). */
export function pitNextChange(ch: u32, now: u64): u64 {
  const s = st(ch);
  const t = ticksAt(now);
  normalise(s, t);
  return tickTime(nextChangeTick(s, t));
}

/** Drive the GATE input of counter `ch` ("GATE Pin Operations Summary"). */
export function pitSetGate(ch: u32, level: bool, now: u64): void {
  const s = st(ch);
  const t = ticksAt(now);
  normalise(s, t);
  const f = flags(s);
  const was = (f & PF_GATE) != 0;
  if (was == level) return;
  const m = mode(s);
  if (!level) {
    // falling edge: modes 0, 2, 3, 4 stop counting (OUT of modes 2, 3 goes high: outAt); a pending reload of
    // modes 2/3 waits for the rising edge, which reloads from CR anyway
    setFlags(s, f & ~PF_GATE);
    store<u64>(s + O_FREEZE, t);
    if ((m == 2 || m == 3) && load<u64>(s + O_PEND_AT) != NEVER) {
      store<u64>(s + O_PEND_AT, NEVER);
      store<u64>(s + O_TRANSFER, NEVER);
    }
    return;
  }
  // rising edge
  const origin = load<u64>(s + O_ORIGIN);
  if (m == 0 || m == 4) {
    // counting resumes on the next clock from where it stopped
    if (origin != NEVER && t >= origin) {
      const e = elapsed(s, t);
      store<u64>(s + O_ORIGIN, t - e);
    }
    setFlags(s, f | PF_GATE);
    store<u64>(s + O_FREEZE, NEVER);
    return;
  }
  // modes 1, 2, 3, 5: a trigger loads CR into CE on the next clock
  const ce = ceAt(s, t);
  const out = outAt(s, t) || m == 2 || m == 3;
  setFlags(s, f | PF_GATE);
  store<u64>(s + O_FREEZE, NEVER);
  if ((f & PF_HAVE_COUNT) == 0) return;
  store<u16>(s + O_PRE_CE, <u16>ce);
  store<u8>(s + O_PRE_OUT, out ? 1 : 0);
  store<u64>(s + O_ORIGIN, t + 1);
  store<u32>(s + O_N, decodeCount(s));
  store<u64>(s + O_PEND_AT, NEVER);
  if ((flags(s) & PF_NULL) != 0) store<u64>(s + O_TRANSFER, t + 1);
}

/** GATE input level of counter `ch` (port 61h reads back its bit 0 from here). */
export function pitGate(ch: u32): bool { return (flags(st(ch)) & PF_GATE) != 0; }

/** IRQ 0 follows OUT0: drive the line at `now` and arm the timer for OUT0's next change. Called after every
 *  write to the chip and when that timer fires (at the time of the change, so no edge is skipped). */
export function pitTimer(now: u64): void {
  setIsaIrq(0, pitOut(0, now));
  timerSet(TIMER_PIT0, pitNextChange(0, now));
}
