// The PS/2 (MF II) keyboard behind the 8042's keyboard port (devices/i8042.ts). Sources: IBM Personal System/2
// Hardware Interface Technical Reference, "Keyboards (101/102-key)" (commands, typematic, buffer, scan code
// sets); IBM PC AT Technical Reference (the 8042's set 2 -> set 1 translation).
//
// - Commands from the system (port 60h writes) get their answers in a small response queue that the controller
//   empties before any scan code: FFh reset (FA AA), F2h identify (FA AB 83), F0h scan code set (0: report,
//   1/2: select), EDh LEDs, F3h typematic rate/delay, F4h enable, F5h default + disable, F6h default, EEh echo
//   (EE), FEh resend, F7h-FAh (set-3 key types) acknowledged and ignored, anything else FEh (resend request).
//   A byte of EDh or above that arrives where an option byte is expected is a new command (IBM: "the keyboard
//   treats it as a new command").
// - Host input: set-2 bytes, one at a time (machine.ts keyboardScancode). The keyboard collects a whole key
//   sequence ([E0] [F0] code, or Pause's 8-byte E1 sequence) before queueing it, so a full buffer never splits
//   one. In set 1 the keyboard itself converts with the same table the 8042 uses (set-1 codes of the keys).
// - The scan code buffer holds 16 bytes (IBM: 16-byte buffer); when a sequence does not fit, the overrun code
//   (00h in set 2, FFh in set 1) takes the last place. Bytes wait there while the controller inhibits the
//   interface (command byte bit 4, ADh), so keys typed meanwhile are not lost. With scanning disabled (F5h) keys
//   are not scanned at all, as on the real keyboard.
// - Typematic: the host sends only make on press and break on release; the last key pressed repeats its make
//   sequence after the programmed delay at the programmed rate, until it is released (IBM: "only the last key
//   pressed repeats; repeat stops when it is released"). Pause does not repeat. A repeat is only queued when the
//   buffer is empty, so repeats do not pile up while the system does not read (a choice: the real keyboard
//   would buffer them).
// Known gaps: scan code set 3 is refused (F0h 03h answers FEh); the keyboard does not send AAh at power-on; no
// "fake shift" codes around the grey keys (the host table sends the plain E0 codes, as most hosts do).
import { DEV_I8042 } from "../layout";
import { NEVER } from "../bus/clock";

// State (DEV_I8042 + 0x50 .. 0x9F; the controller owns 0x00-0x4F, the mouse 0xA0-0xFF)
const K: u32 = DEV_I8042 + 0x50;
const K_SCANNING: u32 = K + 0; // u8: 1 = scanning enabled (F4h), 0 = disabled (F5h)
const K_SET: u32 = K + 1; // u8: scan code set 1 or 2
const K_LEDS: u32 = K + 2; // u8: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock
const K_TYPEMATIC: u32 = K + 3; // u8: the F3h option byte
const K_PENDING: u32 = K + 4; // u8: command waiting for its option byte (EDh, F3h, F0h) or 0
const K_LAST: u32 = K + 5; // u8: last byte sent to the system (FEh resend)
const K_RESP_COUNT: u32 = K + 6; // u8
const K_RESP_HEAD: u32 = K + 7; // u8
const K_RESP: u32 = K + 8; // 8 bytes: answers to commands
const K_DATA_COUNT: u32 = K + 0x10; // u8
const K_DATA_HEAD: u32 = K + 0x11; // u8
const K_SEQ_LEN: u32 = K + 0x12; // u8: host bytes of the key sequence being collected
const K_HELD: u32 = K + 0x13; // u8: typematic key: 0 none, else its code; K_HELD_EXT says E0
const K_HELD_EXT: u32 = K + 0x14; // u8
const K_SEQ: u32 = K + 0x18; // 8 bytes: the host sequence being collected
const K_DATA: u32 = K + 0x20; // 16 bytes: scan code buffer
const K_REPEAT_AT: u32 = K + 0x30; // u64: virtual time of the next typematic repeat (NEVER: none)
const K_SCRATCH: u32 = K + 0x38; // 2 bytes: the repeated make sequence
// K + 0x3A .. 0x4F free

const RESP_SIZE: u32 = 8;
const DATA_SIZE: u32 = 16;
const DEFAULT_TYPEMATIC: u32 = 0x2B; // 500 ms delay, 10.9 characters/s (IBM: default after power-on/F6h)

/** The 8042's scan code translation, set 2 -> set 1 (IBM PC AT Technical Reference, keyboard controller): the
 *  codes 00h-7Fh map to the set-1 codes of the same key positions; 80h-FFh map to themselves except 83h (F7)
 *  -> 41h and 84h (Alt+SysRq) -> 54h. The controller applies it when command byte bit 6 is set; the keyboard
 *  uses it for its own set 1. */
const XLATE_LOW = memory.data<u8>([
  0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
  0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
  0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
  0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
  0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
  0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
  0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
  0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
]);

/** One byte through the set 2 -> set 1 table (F0h prefixes are handled by the caller: they set bit 7). */
export function set2ToSet1(b: u32): u32 {
  b &= 0xFF;
  if (b < 0x80) return <u32>load<u8>(XLATE_LOW + b);
  if (b == 0x83) return 0x41;
  if (b == 0x84) return 0x54;
  return b;
}

// ---- queues ---------------------------------------------------------------------------------------------------

function respPush(b: u32): void {
  const n = <u32>load<u8>(K_RESP_COUNT);
  if (n >= RESP_SIZE) return;
  store<u8>(K_RESP + ((<u32>load<u8>(K_RESP_HEAD) + n) & (RESP_SIZE - 1)), <u8>b);
  store<u8>(K_RESP_COUNT, <u8>(n + 1));
}

function dataClear(): void { store<u8>(K_DATA_COUNT, 0); store<u8>(K_DATA_HEAD, 0); }

function dataPush(b: u32): void {
  const n = <u32>load<u8>(K_DATA_COUNT);
  store<u8>(K_DATA + ((<u32>load<u8>(K_DATA_HEAD) + n) & (DATA_SIZE - 1)), <u8>b);
  store<u8>(K_DATA_COUNT, <u8>(n + 1));
}

/** Bytes the keyboard has for the controller (answers first, then scan codes). */
export function kbdPending(): bool { return load<u8>(K_RESP_COUNT) != 0 || load<u8>(K_DATA_COUNT) != 0; }

/** Take the next byte the keyboard sends (call only when kbdPending()). */
export function kbdTake(): u32 {
  let b: u32;
  if (load<u8>(K_RESP_COUNT) != 0) {
    const h = <u32>load<u8>(K_RESP_HEAD);
    b = load<u8>(K_RESP + h);
    store<u8>(K_RESP_HEAD, <u8>((h + 1) & (RESP_SIZE - 1)));
    store<u8>(K_RESP_COUNT, <u8>(load<u8>(K_RESP_COUNT) - 1));
  } else if (load<u8>(K_DATA_COUNT) != 0) {
    const h = <u32>load<u8>(K_DATA_HEAD);
    b = load<u8>(K_DATA + h);
    store<u8>(K_DATA_HEAD, <u8>((h + 1) & (DATA_SIZE - 1)));
    store<u8>(K_DATA_COUNT, <u8>(load<u8>(K_DATA_COUNT) - 1));
  } else {
    return 0xFF;
  }
  store<u8>(K_LAST, <u8>b);
  return b;
}

/** Queue a whole set-2 key sequence (converted when set 1 is selected); overrun code when it does not fit
 *  (one place is kept for it). */
function queueSequence(seq: u32, len: u32): void {
  const set1 = load<u8>(K_SET) == 1;
  let out: u32 = 0; // bytes after conversion (F0 prefixes vanish in set 1)
  for (let i: u32 = 0; i < len; i++) if (!set1 || load<u8>(seq + i) != 0xF0) out++;
  const n = <u32>load<u8>(K_DATA_COUNT);
  if (n + out > DATA_SIZE - 1) {
    const overrun: u32 = set1 ? 0xFF : 0x00;
    if (n < DATA_SIZE) {
      const lastAt = K_DATA + ((<u32>load<u8>(K_DATA_HEAD) + n - 1) & (DATA_SIZE - 1));
      if (n == 0 || <u32>load<u8>(lastAt) != overrun) dataPush(overrun);
    }
    return;
  }
  let brk: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    const b = <u32>load<u8>(seq + i);
    if (!set1) { dataPush(b); continue; }
    if (b == 0xF0) { brk = 0x80; continue; }
    dataPush(set2ToSet1(b) | brk);
    brk = 0;
  }
}

// ---- typematic ------------------------------------------------------------------------------------------------

/** Typematic delay (bits 5-6: (1 + D) x 250 ms) and period (bits 0-4: (8 + A) x 2^B / 240 s, A = bits 0-2,
 *  B = bits 3-4; 30.0 to 2.0 characters per second), IBM PS/2 keyboard "Set Typematic Rate/Delay". */
function typematicDelayNs(): u64 { return <u64>(((<u32>load<u8>(K_TYPEMATIC) >> 5) & 3) + 1) * 250_000_000; }
function typematicPeriodNs(): u64 {
  const t = <u32>load<u8>(K_TYPEMATIC);
  return (<u64>((8 + (t & 7)) << ((t >> 3) & 3)) * 1_000_000_000) / 240;
}

/** Virtual time of the next repeat, or NEVER. */
export function kbdRepeatAt(): u64 { return load<u64>(K_REPEAT_AT); }

function stopRepeat(): void { store<u8>(K_HELD, 0); store<u64>(K_REPEAT_AT, NEVER); }

/** The repeat deadline `at` has come: queue the held key's make again (only into an empty buffer). */
export function kbdRepeat(at: u64): void {
  const code = <u32>load<u8>(K_HELD);
  if (code == 0 || load<u8>(K_SCANNING) == 0) { stopRepeat(); return; }
  if (load<u8>(K_DATA_COUNT) == 0) {
    let len: u32 = 0;
    if (load<u8>(K_HELD_EXT) != 0) { store<u8>(K_SCRATCH, 0xE0); len = 1; }
    store<u8>(K_SCRATCH + len, <u8>code);
    queueSequence(K_SCRATCH, len + 1);
  }
  store<u64>(K_REPEAT_AT, at + typematicPeriodNs());
}

// ---- host input -----------------------------------------------------------------------------------------------

/** A set-2 byte from the host's keyboard at virtual time `now`. Returns true when a sequence was queued. */
export function kbdHostByte(b: u32, now: u64): bool {
  b &= 0xFF;
  let len = <u32>load<u8>(K_SEQ_LEN);
  if (len >= 8) len = 0; // a malformed run of prefixes: start again
  store<u8>(K_SEQ + len, <u8>b);
  len++;
  const first = <u32>load<u8>(K_SEQ);
  let complete: bool;
  if (first == 0xE1) complete = len == 8; // Pause: E1 14 77 E1 F0 14 F0 77
  else complete = b != 0xE0 && b != 0xF0;
  if (!complete) { store<u8>(K_SEQ_LEN, <u8>len); return false; }
  store<u8>(K_SEQ_LEN, 0);
  if (load<u8>(K_SCANNING) == 0) return false; // not scanning (F5h): the key is not seen
  queueSequence(K_SEQ, len);
  if (first == 0xE1) return true; // Pause has no break and no repeat
  let ext: u32 = 0, brk = false;
  for (let i: u32 = 0; i + 1 < len; i++) {
    const p = <u32>load<u8>(K_SEQ + i);
    if (p == 0xE0) ext = 1;
    if (p == 0xF0) brk = true;
  }
  if (!brk) {
    store<u8>(K_HELD, <u8>b);
    store<u8>(K_HELD_EXT, <u8>ext);
    store<u64>(K_REPEAT_AT, now + typematicDelayNs());
  } else if (<u32>load<u8>(K_HELD) == b && <u32>load<u8>(K_HELD_EXT) == ext) {
    stopRepeat();
  }
  return true;
}

// ---- commands from the system ---------------------------------------------------------------------------------

function setDefaults(): void {
  store<u8>(K_TYPEMATIC, <u8>DEFAULT_TYPEMATIC);
  store<u8>(K_SET, 2);
  store<u8>(K_LEDS, 0);
  store<u8>(K_PENDING, 0);
  stopRepeat();
}

/** Power-on state (the keyboard is scanning, set 2, default typematic, LEDs off, buffers empty). */
export function kbdReset(): void {
  memory.fill(K, 0, 0x50);
  setDefaults();
  store<u8>(K_SCANNING, 1);
}

/** The LEDs as last set by EDh: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps Lock. */
export function kbdLeds(): u32 { return load<u8>(K_LEDS); }

/** A byte the system sends to the keyboard (port 60h). */
export function kbdWrite(v: u32): void {
  v &= 0xFF;
  const pending = <u32>load<u8>(K_PENDING);
  if (pending != 0 && v < 0xED) {
    store<u8>(K_PENDING, 0);
    switch (pending) {
      case 0xED: store<u8>(K_LEDS, <u8>(v & 7)); respPush(0xFA); break;
      case 0xF3: store<u8>(K_TYPEMATIC, <u8>(v & 0x7F)); respPush(0xFA); break;
      case 0xF0:
        if (v == 0) { respPush(0xFA); respPush(load<u8>(K_SET)); }
        else if (v == 1 || v == 2) { store<u8>(K_SET, <u8>v); dataClear(); stopRepeat(); respPush(0xFA); }
        else respPush(0xFE); // set 3 not supported (header)
        break;
      default: break;
    }
    return;
  }
  store<u8>(K_PENDING, 0);
  switch (v) {
    case 0xED: case 0xF3: case 0xF0: // option byte follows; scanning pauses until it comes (IBM)
      store<u8>(K_PENDING, <u8>v);
      respPush(0xFA);
      break;
    case 0xEE: respPush(0xEE); break; // echo
    case 0xF2: respPush(0xFA); respPush(0xAB); respPush(0x83); break; // MF II keyboard ID
    case 0xF4: dataClear(); store<u8>(K_SCANNING, 1); respPush(0xFA); break; // enable: clears the buffer
    case 0xF5: dataClear(); setDefaults(); store<u8>(K_SCANNING, 0); respPush(0xFA); break; // default, disable
    case 0xF6: dataClear(); setDefaults(); store<u8>(K_SCANNING, 1); respPush(0xFA); break; // set default
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: respPush(0xFA); break; // set-3 key types: ignored
    case 0xFE: respPush(load<u8>(K_LAST)); break; // resend the last byte sent
    case 0xFF: // reset: ACK, basic assurance test passed (AAh), power-on state
      store<u8>(K_RESP_COUNT, 0);
      dataClear();
      setDefaults();
      store<u8>(K_SCANNING, 1);
      respPush(0xFA);
      respPush(0xAA);
      break;
    default: respPush(0xFE); break; // not a command: resend request
  }
}
