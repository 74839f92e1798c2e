// The 8042 keyboard controller of the PC/AT and PS/2 (ports 60h data, 64h status/command), with a PS/2 keyboard
// (ps2keyboard.ts) on its keyboard port (IRQ 1) and a PS/2 mouse (ps2mouse.ts) on its auxiliary port (IRQ 12).
// Sources: IBM PC AT Technical Reference, "Keyboard Controller" (status register, command byte, commands,
// input/output ports, scan code translation); IBM PS/2 Hardware Interface Technical Reference, "Keyboard/
// Auxiliary Device Controller" (auxiliary device commands A7h/A8h/A9h/D3h/D4h, status bit 5, IRQ 12).
//
// Status register (64h read): bit 0 OBF output buffer full, 1 IBF (always 0: a byte written is processed at
// once), 2 SYS system flag (set by the self test, then command byte bit 2), 3 A2 (last write was a command to
// 64h), 4 INH = 1 (keyboard not inhibited by the key lock), 5 AUXB (the output buffer holds a mouse byte),
// 6/7 timeout/parity errors (never: both devices are always present).
// Command byte (20h/60h; 8042 RAM byte 0): bit 0 IRQ 1 on keyboard data, 1 IRQ 12 on mouse data, 2 SYS,
// 4 keyboard interface disabled, 5 auxiliary interface disabled, 6 translate set 2 -> set 1. RAM bytes 1-31
// read and write through 21h-3Fh / 61h-7Fh.
// Output port (D0h/D1h): bit 0 = 0 resets the processor, bit 1 A20 gate, bit 4 output buffer full (keyboard),
// bit 5 output buffer full (mouse); Fxh pulses the bits that are 0 in the command's low nibble (bit 0 = reset).
// The A20 gate is shared with port 92h (devices/sysctrl.ts) by last writer: the chipset's OR of the two is not
// modelled.
//
// Output buffer: one byte at a time. The controller's own answers (20h, AAh, D0h, ...; D2h/D3h bytes) come
// first, then keyboard bytes (unless the keyboard interface is disabled, when they wait in the keyboard's
// buffer), then mouse bytes (unless the auxiliary interface is disabled). When the system reads 60h the buffer
// empties (OBF and the IRQ line drop) and the next byte is loaded OB_REFILL_NS later on the virtual clock: on
// the real machine the device only resumes sending after the controller releases the clock line, and a byte
// takes about 1 ms on the wire. The delay keeps the byte just read in the data register meanwhile, which DOS
// programs rely on when an INT 9 hook reads 60h and then chains to the BIOS handler that reads it again. A byte
// arriving at an idle, empty buffer is loaded at once. IRQ 1 / IRQ 12 are levels: high while the output buffer
// holds a keyboard (or controller) / mouse byte and the command byte enables that interrupt.
// Known gaps: C1h/C2h (input port to status), A5h-A6h passwords (A4h reports none installed), timeout and
// parity errors, and the AT-mode (non-PS/2) meaning of status bit 5 are not modelled.
import { DEV_I8042, EXIT_RESET } from "../layout";
import { clockNow, NEVER } from "../bus/clock";
import { timerSet, TIMER_I8042 } from "../bus/timers";
import { setIsaIrq } from "../bus/intc";
import { setA20Gate } from "./sysctrl";
import { resetCpu } from "../cpu/reset";
import { requestExit } from "../machine_events";
import {
  kbdReset, kbdWrite, kbdPending, kbdTake, kbdHostByte, kbdRepeat, kbdRepeatAt, kbdLeds, set2ToSet1,
} from "./ps2keyboard";
import { mouseReset, mouseWrite, mousePending, mouseTake, mouseHostInput, mouseStreaming } from "./ps2mouse";

// Controller state (DEV_I8042 + 0x00 .. 0x4F)
const C_STATUS: u32 = DEV_I8042 + 0x00; // u8: status bits 2 (SYS) and 3 (A2)
const C_OUTPORT: u32 = DEV_I8042 + 0x01; // u8: output port as last written (bits 4-5 are live)
const C_PENDING: u32 = DEV_I8042 + 0x02; // u8: command waiting for its data byte on 60h (0: none)
const C_OB: u32 = DEV_I8042 + 0x03; // u8: output buffer (60h read)
const C_OBF: u32 = DEV_I8042 + 0x04; // u8: 1 = output buffer full
const C_OB_AUX: u32 = DEV_I8042 + 0x05; // u8: 1 = the byte is from the auxiliary device (AUXB, IRQ 12)
const C_IRQ1: u32 = DEV_I8042 + 0x06; // u8: level driven on IRQ 1
const C_IRQ12: u32 = DEV_I8042 + 0x07; // u8: level driven on IRQ 12
const C_XLATE_BREAK: u32 = DEV_I8042 + 0x08; // u8: translation saw F0h: the next code gets bit 7
const C_Q_COUNT: u32 = DEV_I8042 + 0x09; // u8: controller answers queued
const C_Q_HEAD: u32 = DEV_I8042 + 0x0A; // u8
const C_Q: u32 = DEV_I8042 + 0x10; // 8 x u8 bytes
const C_Q_AUX: u32 = DEV_I8042 + 0x18; // 8 x u8: 1 = deliver as an auxiliary byte (D3h)
const C_RAM: u32 = DEV_I8042 + 0x20; // 32 bytes: 8042 RAM; byte 0 is the command byte
const C_READY_AT: u32 = DEV_I8042 + 0x40; // u64: the output buffer may be loaded again from this time
const C_DELIVER_AT: u32 = DEV_I8042 + 0x48; // u64: armed delivery time (NEVER: none)

const Q_SIZE: u32 = 8;
/** Delay between the system's read of 60h and the next byte (see the header). */
const OB_REFILL_NS: u64 = 100_000;

const ST_OBF: u32 = 0x01, ST_SYS: u32 = 0x04, ST_A2: u32 = 0x08, ST_INH: u32 = 0x10, ST_AUXB: u32 = 0x20;
const CB_KBD_INT: u32 = 0x01, CB_AUX_INT: u32 = 0x02, CB_SYS: u32 = 0x04, CB_KBD_DIS: u32 = 0x10, CB_AUX_DIS: u32 = 0x20;
const CB_XLATE: u32 = 0x40;
/** Input port (C0h): bit 7 keyboard not inhibited, bit 5 no manufacturing jumper, bit 4 full RAM, bit 6 = 0
 *  colour display (IBM PC AT Technical Reference, input port). */
const INPUT_PORT: u32 = 0xB0;

// @ts-ignore: decorator
@inline function cmdByte(): u32 { return load<u8>(C_RAM); }

function setCmdByte(v: u32): void {
  store<u8>(C_RAM, <u8>v);
  const st = <u32>load<u8>(C_STATUS);
  store<u8>(C_STATUS, <u8>((st & ~ST_SYS) | (v & CB_SYS)));
}

function updateIrqs(): void {
  const full = load<u8>(C_OBF) != 0, aux = load<u8>(C_OB_AUX) != 0, cb = cmdByte();
  const l1: u32 = full && !aux && (cb & CB_KBD_INT) != 0 ? 1 : 0;
  const l12: u32 = full && aux && (cb & CB_AUX_INT) != 0 ? 1 : 0;
  if (l1 != <u32>load<u8>(C_IRQ1)) { store<u8>(C_IRQ1, <u8>l1); setIsaIrq(1, l1 != 0); }
  if (l12 != <u32>load<u8>(C_IRQ12)) { store<u8>(C_IRQ12, <u8>l12); setIsaIrq(12, l12 != 0); }
}

function loadOutput(b: u32, aux: bool): void {
  store<u8>(C_OB, <u8>b);
  store<u8>(C_OBF, 1);
  store<u8>(C_OB_AUX, aux ? 1 : 0);
}

/** Queue an answer of the controller itself (or a D2h/D3h byte) ahead of the devices' bytes. */
function answer(b: u32, aux: bool): void {
  const n = <u32>load<u8>(C_Q_COUNT);
  if (n >= Q_SIZE) return;
  const at = (<u32>load<u8>(C_Q_HEAD) + n) & (Q_SIZE - 1);
  store<u8>(C_Q + at, <u8>b);
  store<u8>(C_Q_AUX + at, aux ? 1 : 0);
  store<u8>(C_Q_COUNT, <u8>(n + 1));
}

function armTimer(): void {
  const d = load<u64>(C_DELIVER_AT), r = kbdRepeatAt();
  timerSet(TIMER_I8042, d < r ? d : r);
}

/** Load the output buffer with the next byte if it is empty and may be loaded at `now`; arm the timer. */
function refill(now: u64): void {
  store<u64>(C_DELIVER_AT, NEVER);
  while (load<u8>(C_OBF) == 0) {
    const cb = cmdByte();
    const fromCtrl = load<u8>(C_Q_COUNT) != 0;
    const fromKbd = !fromCtrl && (cb & CB_KBD_DIS) == 0 && kbdPending();
    const fromAux = !fromCtrl && !fromKbd && (cb & CB_AUX_DIS) == 0 && mousePending();
    if (!fromCtrl && !fromKbd && !fromAux) break;
    if (now < load<u64>(C_READY_AT)) { store<u64>(C_DELIVER_AT, load<u64>(C_READY_AT)); break; }
    if (fromCtrl) {
      const h = <u32>load<u8>(C_Q_HEAD);
      loadOutput(load<u8>(C_Q + h), load<u8>(C_Q_AUX + h) != 0);
      store<u8>(C_Q_HEAD, <u8>((h + 1) & (Q_SIZE - 1)));
      store<u8>(C_Q_COUNT, <u8>(load<u8>(C_Q_COUNT) - 1));
    } else if (fromKbd) {
      let b = kbdTake();
      if ((cb & CB_XLATE) != 0) { // translation: F0h is absorbed and sets bit 7 of the next code
        if (b == 0xF0) { store<u8>(C_XLATE_BREAK, 1); continue; }
        b = set2ToSet1(b) | (load<u8>(C_XLATE_BREAK) != 0 ? 0x80 : 0);
        store<u8>(C_XLATE_BREAK, 0);
      }
      loadOutput(b, false);
    } else {
      loadOutput(mouseTake(), true);
    }
  }
  updateIrqs();
  armTimer();
}

function resetProcessor(): void {
  resetCpu();
  requestExit(EXIT_RESET);
}

function writeOutputPort(v: u32): void {
  const old = <u32>load<u8>(C_OUTPORT);
  store<u8>(C_OUTPORT, <u8>v);
  if (((old ^ v) & 2) != 0) setA20Gate((v & 2) != 0);
  if ((v & 1) == 0) resetProcessor(); // bit 0 low: system reset (active low)
}

function readOutputPort(): u32 {
  const full = load<u8>(C_OBF) != 0, aux = load<u8>(C_OB_AUX) != 0;
  return (<u32>load<u8>(C_OUTPORT) & 0xCF) | (full && !aux ? 0x10 : 0) | (full && aux ? 0x20 : 0);
}

export function i8042Reset(): void {
  memory.fill(DEV_I8042, 0, 0x50);
  // The command byte is 0 until the BIOS programs it (SeaBIOS ps2port.c writes it before using the devices).
  store<u8>(C_OUTPORT, 0xCF); // reset inactive (bit 0 = 1), A20 open as the machine starts, lines idle high
  store<u64>(C_READY_AT, 0);
  store<u64>(C_DELIVER_AT, NEVER);
  kbdReset();
  mouseReset();
  setIsaIrq(1, false);
  setIsaIrq(12, false);
  armTimer();
}

export function i8042Read(port: u32): u32 {
  const now = clockNow();
  if (port == 0x64) {
    const full = load<u8>(C_OBF) != 0;
    return (<u32>load<u8>(C_STATUS) & (ST_SYS | ST_A2)) | ST_INH | (full ? ST_OBF : 0)
      | (full && load<u8>(C_OB_AUX) != 0 ? ST_AUXB : 0);
  }
  if (port != 0x60) return 0xFF;
  const v = <u32>load<u8>(C_OB);
  if (load<u8>(C_OBF) != 0) { // the buffer empties; the byte stays readable until the next one is loaded
    store<u8>(C_OBF, 0);
    store<u64>(C_READY_AT, now + OB_REFILL_NS);
    updateIrqs();
    refill(now);
  }
  return v;
}

function command(c: u32, now: u64): void {
  store<u8>(C_PENDING, 0);
  if (c >= 0x20 && c <= 0x3F) { answer(load<u8>(C_RAM + (c - 0x20)), false); return; } // read RAM (20h: command byte)
  if ((c >= 0x60 && c <= 0x7F) || c == 0xD1 || c == 0xD2 || c == 0xD3 || c == 0xD4) { store<u8>(C_PENDING, <u8>c); return; }
  if (c >= 0xF0) { if ((c & 1) == 0) resetProcessor(); return; } // pulse output port bits (bit 0: reset)
  switch (c) {
    case 0xA4: answer(0xF1, false); break; // password installed? F1h = no
    case 0xA7: setCmdByte(cmdByte() | CB_AUX_DIS); break;
    case 0xA8: setCmdByte(cmdByte() & ~CB_AUX_DIS); break;
    case 0xA9: answer(0x00, false); break; // auxiliary interface test: no error
    case 0xAA: // self test: 55h; the system flag is set
      store<u8>(C_STATUS, load<u8>(C_STATUS) | <u8>ST_SYS);
      answer(0x55, false);
      break;
    case 0xAB: answer(0x00, false); break; // keyboard interface test: no error
    case 0xAD: setCmdByte(cmdByte() | CB_KBD_DIS); break;
    case 0xAE: setCmdByte(cmdByte() & ~CB_KBD_DIS); break;
    case 0xC0: answer(INPUT_PORT, false); break;
    case 0xD0: answer(readOutputPort(), false); break;
    case 0xE0: answer(0x00, false); break; // test inputs (keyboard clock and data lines as the 8042 sees them)
    default: break; // unknown commands are ignored
  }
  void now;
}

function dataByte(v: u32): void {
  const pending = <u32>load<u8>(C_PENDING);
  store<u8>(C_PENDING, 0);
  if (pending >= 0x60 && pending <= 0x7F) {
    if (pending == 0x60) setCmdByte(v); else store<u8>(C_RAM + (pending - 0x60), <u8>v);
    return;
  }
  switch (pending) {
    case 0xD1: writeOutputPort(v); return;
    case 0xD2: answer(v, false); return; // as if the keyboard sent it
    case 0xD3: answer(v, true); return; // as if the mouse sent it
    case 0xD4: mouseWrite(v); return;
    default: break;
  }
  // A byte for the keyboard. Transmitting to the keyboard enables its interface again (command byte bit 4
  // cleared), as QEMU's 8042 does; otherwise the keyboard's answer would wait behind a disabled interface.
  setCmdByte(cmdByte() & ~CB_KBD_DIS);
  kbdWrite(v);
}

export function i8042Write(port: u32, v: u32): void {
  const now = clockNow();
  v &= 0xFF;
  if (port == 0x64) {
    store<u8>(C_STATUS, load<u8>(C_STATUS) | <u8>ST_A2);
    command(v, now);
  } else if (port == 0x60) {
    store<u8>(C_STATUS, load<u8>(C_STATUS) & ~<u8>ST_A2);
    dataByte(v);
  } else {
    return;
  }
  refill(now);
}

/** Timer: a delayed output buffer load and/or a typematic repeat is due at `now`. */
export function i8042Timer(now: u64): void {
  if (kbdRepeatAt() <= now) kbdRepeat(now);
  refill(now);
}

// ---- host input (machine.ts) ----------------------------------------------------------------------------------

/** A set-2 byte from the host keyboard. */
export function i8042KeyboardByte(b: u32): void {
  const now = clockNow();
  kbdHostByte(b, now);
  refill(now);
}

/** Relative movement (dy > 0 = up), wheel and buttons (bit 0 left, 1 right, 2 middle) from the host mouse. */
export function i8042MouseInput(dx: i32, dy: i32, dz: i32, buttons: u32): void {
  mouseHostInput(dx, dy, dz, buttons);
  refill(clockNow());
}

export function i8042KeyboardLeds(): u32 { return kbdLeds(); }
export function i8042MouseStreaming(): bool { return mouseStreaming(); }
/** Debugger view: output buffer byte | OBF << 8 | AUXB << 9 | command byte << 16 | output port << 24. */
export function i8042Dump(): u32 {
  return <u32>load<u8>(C_OB) | (<u32>load<u8>(C_OBF) << 8) | (<u32>load<u8>(C_OB_AUX) << 9) | (cmdByte() << 16)
    | (readOutputPort() << 24);
}
