// Motorola MC146818A real-time clock and CMOS RAM (datasheet "MC146818A Real-Time Clock Plus RAM"), at ports
// 70h (index; bit 7 is the PC's NMI mask) and 71h (data), interrupting on IRQ 8.
//
// Lazy in virtual time (docs/devices.md): the time of day is a number of seconds counted from a base that the host
// sets (rtcSetTime: its wall clock, or a fixed date for reproducible runs) at a virtual time; the registers are
// computed from the clock when read. The update cycle happens at every whole second after the base: UIP is set
// in the last 244 us before it, UF and a matching alarm's AF at it. Periodic interrupts come every 2^(RS-1)
// periods of the 32.768 kHz time base. The flags of register C are derived from the virtual time of the last read
// of C; a timer (bus/timers.ts) raises IRQ 8 at the next flag that is enabled.
import { DEV_RTC } from "../layout";
import { setIsaIrq } from "../bus/intc";
import { timerSet, TIMER_RTC } from "../bus/timers";
import { NEVER } from "../bus/clock";

// state (DEV_RTC): 128 bytes of registers and RAM, then the time keeping
const R_RAM: u32 = 0; // registers 0-13 as last written, RAM 14-127
const R_INDEX: u32 = 128; // u8: selected register (bits 0-6) and the NMI mask (bit 7)
const R_BASE_SECONDS: u32 = 136; // u64: seconds since 1970 at R_BASE_NS
const R_BASE_NS: u32 = 144; // u64: virtual time of the base (a second boundary of the RTC)
const R_FLAGS_FROM: u32 = 152; // u64: virtual time from which register C's flags are counted (last read of C)
const R_C: u32 = 160; // u8: flags latched at the last evaluation
const R_IRQ: u32 = 161; // u8: the level on IRQ 8

const REG_A: u32 = 10, REG_B: u32 = 11, REG_C: u32 = 12, REG_D: u32 = 13;
const A_UIP: u32 = 0x80;
const B_SET: u32 = 0x80, B_PIE: u32 = 0x40, B_AIE: u32 = 0x20, B_UIE: u32 = 0x10, B_DM: u32 = 0x04, B_24H: u32 = 0x02;
const C_IRQF: u32 = 0x80, C_PF: u32 = 0x40, C_AF: u32 = 0x20, C_UF: u32 = 0x10;
const SECOND: u64 = 1_000_000_000;
const UIP_NS: u64 = 244_000; // the update cycle is announced 244 us ahead (datasheet "UIP")

// @ts-ignore: decorator
@inline function reg(i: u32): u32 { return <u32>load<u8>(DEV_RTC + R_RAM + i); }
// @ts-ignore: decorator
@inline function setReg(i: u32, v: u32): void { store<u8>(DEV_RTC + R_RAM + i, <u8>v); }

export function rtcReset(): void {
  memory.fill(DEV_RTC, 0, 192);
  setReg(REG_A, 0x26); // 32.768 kHz time base, 1024 Hz periodic rate (what BIOSes program)
  setReg(REG_B, B_24H); // 24-hour, BCD, no interrupts
  setReg(REG_D, 0x80); // VRT: RAM and time are valid
  store<u64>(DEV_RTC + R_BASE_SECONDS, 946684800); // 2000-01-01 00:00:00 until the host sets the time
}

/** The host's time of day: `unixSeconds` at virtual time `now` (ns). */
export function rtcSetTime(unixSeconds: u64, now: u64): void {
  store<u64>(DEV_RTC + R_BASE_SECONDS, unixSeconds);
  store<u64>(DEV_RTC + R_BASE_NS, now);
  store<u64>(DEV_RTC + R_FLAGS_FROM, now);
  rtcTimer(now);
}

/** The oscillator runs and the clock updates (divider 010, SET clear). */
function running(): bool { return (reg(REG_A) & 0x70) == 0x20 && (reg(REG_B) & B_SET) == 0; }

function secondsAt(now: u64): u64 {
  const base = load<u64>(DEV_RTC + R_BASE_SECONDS);
  const b = load<u64>(DEV_RTC + R_BASE_NS);
  return now <= b ? base : base + (now - b) / SECOND;
}

// ---- calendar (proleptic Gregorian; days since 1970-01-01) ------------------------------------------------------

function daysFromCivil(y: i32, m: i32, d: i32): i64 {
  const yy: i64 = m <= 2 ? y - 1 : y;
  const era: i64 = (yy >= 0 ? yy : yy - 399) / 400;
  const yoe: i64 = yy - era * 400;
  const mp: i64 = (m + 9) % 12;
  const doy: i64 = (153 * mp + 2) / 5 + d - 1;
  const doe: i64 = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

let cYear: i32 = 0, cMonth: i32 = 0, cDay: i32 = 0;
function civilFromDays(z0: i64): void {
  const z = z0 + 719468;
  const era: i64 = (z >= 0 ? z : z - 146096) / 146097;
  const doe: i64 = z - era * 146097;
  const yoe: i64 = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy: i64 = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp: i64 = (5 * doy + 2) / 153;
  cDay = <i32>(doy - (153 * mp + 2) / 5 + 1);
  cMonth = <i32>(mp < 10 ? mp + 3 : mp - 9);
  cYear = <i32>(yoe + era * 400) + (cMonth <= 2 ? 1 : 0);
}

function toBcd(v: u32): u32 { return ((v / 10) << 4) | (v % 10); }
function fromBcd(v: u32): u32 { return (v >> 4) * 10 + (v & 15); }
/** A value as the data mode shows it (BCD unless B.DM). */
function enc(v: u32): u32 { return (reg(REG_B) & B_DM) != 0 ? v : toBcd(v); }
function dec(v: u32): u32 { return (reg(REG_B) & B_DM) != 0 ? v : fromBcd(v); }

function encHour(h: u32): u32 {
  if ((reg(REG_B) & B_24H) != 0) return enc(h);
  const pm: u32 = h >= 12 ? 0x80 : 0;
  const h12 = h % 12 == 0 ? 12 : h % 12;
  return enc(h12) | pm;
}
function decHour(v: u32): u32 {
  if ((reg(REG_B) & B_24H) != 0) return dec(v);
  const h = dec(v & 0x7F) % 12;
  return (v & 0x80) != 0 ? h + 12 : h;
}

/** Write the time registers (0, 2, 4, 6-9) for `seconds` since 1970. */
function fillTime(seconds: u64): void {
  const days = <i64>(seconds / 86400);
  const sod = <u32>(seconds % 86400);
  civilFromDays(days);
  setReg(0, enc(sod % 60));
  setReg(2, enc((sod / 60) % 60));
  setReg(4, encHour(sod / 3600));
  setReg(6, enc(<u32>((days + 4) % 7) + 1)); // 1970-01-01 was a Thursday; Sunday = 1
  setReg(7, enc(<u32>cDay));
  setReg(8, enc(<u32>cMonth));
  setReg(9, enc(<u32>(cYear % 100)));
  setReg(0x32, enc(<u32>(cYear / 100))); // the century byte of the PC's CMOS map
}

/** The seconds since 1970 that the time registers say (after the guest set them). */
function timeFromRegisters(): u64 {
  const y = <i32>(dec(reg(0x32)) * 100 + dec(reg(9)));
  const days = daysFromCivil(y, <i32>dec(reg(8)), <i32>dec(reg(7)));
  const sod = <u64>decHour(reg(4)) * 3600 + <u64>dec(reg(2)) * 60 + <u64>dec(reg(0));
  return days < 0 ? 0 : <u64>days * 86400 + sod;
}

// ---- interrupt flags ---------------------------------------------------------------------------------------

/** Period of the periodic interrupt in ns (0: off), from register A's rate selection. */
function periodNs(): u64 {
  const rs = reg(REG_A) & 15;
  if (rs == 0) return 0;
  const shift: u32 = rs <= 2 ? rs + 7 : rs - 1; // rates 1 and 2 alias 8 and 9 (256 and 128 Hz)
  return ((<u64>1 << shift) * SECOND) / 32768;
}

/** Does the alarm match `seconds` (alarm bytes of C0h-FFh match anything)? */
function alarmMatches(seconds: u64): bool {
  const sod = <u32>(seconds % 86400);
  const sa = reg(1), ma = reg(3), ha = reg(5);
  if ((sa & 0xC0) != 0xC0 && dec(sa) != sod % 60) return false;
  if ((ma & 0xC0) != 0xC0 && dec(ma) != (sod / 60) % 60) return false;
  if ((ha & 0xC0) != 0xC0 && decHour(ha) != sod / 3600) return false;
  return true;
}

/** Latch into register C the flags of everything that happened in (FLAGS_FROM, now]. */
function evaluate(now: u64): void {
  const from = load<u64>(DEV_RTC + R_FLAGS_FROM);
  if (now <= from) return;
  let c = <u32>load<u8>(DEV_RTC + R_C);
  const p = periodNs();
  if (p != 0 && (reg(REG_A) & 0x70) == 0x20 && now / p > from / p) c |= C_PF; // a periodic tick in between
  if (running()) {
    const b = load<u64>(DEV_RTC + R_BASE_NS);
    const s0 = from <= b ? 0 : (from - b) / SECOND, s1 = now <= b ? 0 : (now - b) / SECOND;
    if (s1 > s0) {
      c |= C_UF;
      const base = load<u64>(DEV_RTC + R_BASE_SECONDS);
      const last = s1 - s0 > 86400 ? s0 + 86400 : s1; // one day covers every alarm time
      for (let s = s0 + 1; s <= last; s++) if (alarmMatches(base + s)) { c |= C_AF; break; }
    }
  }
  const b = reg(REG_B);
  if (((c & C_PF) != 0 && (b & B_PIE) != 0) || ((c & C_AF) != 0 && (b & B_AIE) != 0) || ((c & C_UF) != 0 && (b & B_UIE) != 0)) c |= C_IRQF;
  store<u8>(DEV_RTC + R_C, <u8>c);
  store<u64>(DEV_RTC + R_FLAGS_FROM, now);
}

/** The next virtual time at which an enabled interrupt flag would be set, or NEVER. */
function nextEvent(now: u64): u64 {
  const b = reg(REG_B);
  let t = NEVER;
  const p = periodNs();
  if ((b & B_PIE) != 0 && p != 0 && (reg(REG_A) & 0x70) == 0x20) t = (now / p + 1) * p;
  if ((b & (B_UIE | B_AIE)) != 0 && running()) {
    const base = load<u64>(DEV_RTC + R_BASE_NS);
    const next = now < base ? base + SECOND : base + ((now - base) / SECOND + 1) * SECOND;
    if (next < t) t = next;
  }
  return t;
}

/** Bring the flags up to `now`, drive IRQ 8 from IRQF and arm the timer for the next enabled event. */
export function rtcTimer(now: u64): void {
  evaluate(now);
  const level: u32 = (load<u8>(DEV_RTC + R_C) & C_IRQF) != 0 ? 1 : 0;
  if (level != <u32>load<u8>(DEV_RTC + R_IRQ)) { store<u8>(DEV_RTC + R_IRQ, <u8>level); setIsaIrq(8, level != 0); }
  timerSet(TIMER_RTC, level != 0 ? NEVER : nextEvent(now)); // while IRQF is set nothing new can be signalled
}

// ---- ports ------------------------------------------------------------------------------------------------------

export function rtcRead(port: u32, now: u64): u32 {
  if (port == 0x70) return 0xFF; // the index register is write-only
  const i = <u32>load<u8>(DEV_RTC + R_INDEX) & 0x7F;
  switch (i) {
    case 0: case 2: case 4: case 6: case 7: case 8: case 9: case 0x32:
      if (running()) fillTime(secondsAt(now));
      return reg(i);
    case REG_A: {
      let v = reg(REG_A) & 0x7F;
      if (running()) {
        const b = load<u64>(DEV_RTC + R_BASE_NS);
        const into = now <= b ? 0 : (now - b) % SECOND;
        if (into >= SECOND - UIP_NS) v |= A_UIP;
      }
      return v;
    }
    case REG_C: {
      evaluate(now);
      const v = <u32>load<u8>(DEV_RTC + R_C);
      store<u8>(DEV_RTC + R_C, 0); // reading C clears it
      rtcTimer(now);
      return v;
    }
    case REG_D: return 0x80;
    default: return reg(i);
  }
}

export function rtcWrite(port: u32, v: u32, now: u64): void {
  v &= 0xFF;
  if (port == 0x70) { store<u8>(DEV_RTC + R_INDEX, <u8>v); return; }
  const i = <u32>load<u8>(DEV_RTC + R_INDEX) & 0x7F;
  switch (i) {
    case REG_A: evaluate(now); setReg(REG_A, v & 0x7F); break;
    case REG_B: {
      evaluate(now);
      const old = reg(REG_B);
      if ((v & B_SET) != 0 && (old & B_SET) == 0) fillTime(secondsAt(now)); // freeze: registers hold the time
      setReg(REG_B, (v & B_SET) != 0 ? v & ~B_UIE : v); // SET clears UIE (datasheet "Register B")
      if ((v & B_SET) == 0 && (old & B_SET) != 0) { // the guest set the time: count from its registers, now
        store<u64>(DEV_RTC + R_BASE_SECONDS, timeFromRegisters());
        store<u64>(DEV_RTC + R_BASE_NS, now);
      }
      break;
    }
    case REG_C: case REG_D: return; // read-only
    case 0: case 2: case 4: case 6: case 7: case 8: case 9: case 0x32:
      if (running()) { // a write while the clock runs changes the time from now on
        fillTime(secondsAt(now));
        setReg(i, v);
        store<u64>(DEV_RTC + R_BASE_SECONDS, timeFromRegisters());
        store<u64>(DEV_RTC + R_BASE_NS, now);
      } else setReg(i, v);
      break;
    default: setReg(i, v); return;
  }
  rtcTimer(now);
}

/** CMOS RAM as the platform fills it (memory sizes, equipment, boot order): index 14-127. */
export function rtcNvramWrite(index: u32, v: u32): void { if (index >= 14 && index < 128) setReg(index, v); }
