// The PS/2 mouse behind the 8042's auxiliary port (devices/i8042.ts). Sources: IBM Personal System/2 Hardware
// Interface Technical Reference, "Keyboard/Auxiliary Device Controller" and the PS/2 mouse command set
// (FFh reset, FEh resend, F6h set defaults, F5h/F4h disable/enable data reporting, F3h sample rate, F2h read
// device type, F0h remote mode, EEh wrap mode, ECh reset wrap mode, EBh read data, EAh stream mode, E9h status
// request, E8h resolution, E7h/E6h scaling 2:1 / 1:1); Microsoft "IntelliMouse" (wheel) extension: the sample
// rate sequence 200, 100, 80 switches the device ID to 03h and packets to 4 bytes, the fourth being the wheel
// movement as a two's complement value from -8 to +7.
//
// Host input (machine.ts mouseInput) adds relative movement (dy positive = up, as PS/2 counts) and sets the
// buttons. In stream mode with reporting enabled, packets are made at once from the accumulated movement, each
// carrying at most 255 counts per axis (larger moves become several packets, so the overflow bits only appear
// when 2:1 scaling pushes a value out of range); when the 32-byte packet queue is full, movement keeps
// accumulating and goes out when the system has read. In remote mode (or with reporting disabled) movement
// accumulates until EBh reads it. Packet byte 0: bit 0 left, 1 right, 2 middle, 3 always 1, 4 X sign, 5 Y sign,
// 6 X overflow, 7 Y overflow; bytes 1 and 2: X and Y (low 8 bits of the 9-bit two's complement values).
// Known gaps: the sample rate does not pace packets (they follow host events); the resolution is stored and
// reported but does not scale the host's counts; no 5-button (ID 04h) IntelliMouse Explorer mode; FEh (resend)
// repeats the last byte sent, not the whole last packet.
import { DEV_I8042 } from "../layout";

// State (DEV_I8042 + 0xA0 .. 0xFF)
const M: u32 = DEV_I8042 + 0xA0;
const M_ENABLED: u32 = M + 0; // u8: data reporting enabled (F4h)
const M_REMOTE: u32 = M + 1; // u8: 1 = remote mode, 0 = stream mode
const M_WRAP: u32 = M + 2; // u8: wrap (echo) mode
const M_RATE: u32 = M + 3; // u8: samples per second
const M_RESOLUTION: u32 = M + 4; // u8: 0-3 (1, 2, 4, 8 counts/mm)
const M_SCALING: u32 = M + 5; // u8: 1 = 2:1
const M_ID: u32 = M + 6; // u8: 00h, or 03h after the IntelliMouse sequence
const M_PENDING: u32 = M + 7; // u8: command waiting for its argument (F3h, E8h) or 0
const M_KNOCK: u32 = M + 8; // 3 bytes: the last three sample rates set, oldest first
const M_BUTTONS: u32 = M + 0x0B; // u8: buttons now (bit 0 left, 1 right, 2 middle)
const M_SENT_BUTTONS: u32 = M + 0x0C; // u8: buttons in the last packet queued
const M_LAST: u32 = M + 0x0D; // u8: last byte sent (FEh resend)
const M_RESP_COUNT: u32 = M + 0x0E; // u8
const M_RESP_HEAD: u32 = M + 0x0F; // u8
const M_RESP: u32 = M + 0x10; // 8 bytes: answers to commands
const M_DX: u32 = M + 0x18; // i32: accumulated movement not yet reported
const M_DY: u32 = M + 0x1C; // i32
const M_DZ: u32 = M + 0x20; // i32
const M_DATA_COUNT: u32 = M + 0x24; // u8
const M_DATA_HEAD: u32 = M + 0x25; // u8
const M_PACKET: u32 = M + 0x28; // 4 bytes of scratch: the packet being built
const M_DATA: u32 = M + 0x40; // 32 bytes: packet queue (to DEV_I8042 + 0x100)

const RESP_SIZE: u32 = 8;
const DATA_SIZE: u32 = 32;
const ACC_LIMIT: i32 = 1 << 20;

function respPush(b: u32): void {
  const n = <u32>load<u8>(M_RESP_COUNT);
  if (n >= RESP_SIZE) return;
  store<u8>(M_RESP + ((<u32>load<u8>(M_RESP_HEAD) + n) & (RESP_SIZE - 1)), <u8>b);
  store<u8>(M_RESP_COUNT, <u8>(n + 1));
}

function dataPush(b: u32): void {
  const n = <u32>load<u8>(M_DATA_COUNT);
  store<u8>(M_DATA + ((<u32>load<u8>(M_DATA_HEAD) + n) & (DATA_SIZE - 1)), <u8>b);
  store<u8>(M_DATA_COUNT, <u8>(n + 1));
}

function clearMovement(): void {
  store<i32>(M_DX, 0); store<i32>(M_DY, 0); store<i32>(M_DZ, 0);
  store<u8>(M_DATA_COUNT, 0); store<u8>(M_DATA_HEAD, 0);
  store<u8>(M_SENT_BUTTONS, load<u8>(M_BUTTONS));
}

function packetSize(): u32 { return load<u8>(M_ID) == 3 ? 4 : 3; }

function clamp(v: i32, lo: i32, hi: i32): i32 { return v < lo ? lo : v > hi ? hi : v; }

/** 2:1 scaling (IBM: applies to stream mode reports): 1 -> 1, 2 -> 1, 3 -> 3, 4 -> 6, 5 -> 9, n >= 6 -> 2n. */
function scaled(v: i32): i32 {
  const a = v < 0 ? -v : v;
  let r: i32;
  switch (a) { case 0: r = 0; break; case 1: r = 1; break; case 2: r = 1; break; case 3: r = 3; break; case 4: r = 6; break; case 5: r = 9; break; default: r = 2 * a; }
  return v < 0 ? -r : r;
}

/** Build a packet at M_PACKET from the accumulated movement (taking at most 255 counts per axis). */
function buildPacket(useScaling: bool): void {
  const cx = clamp(load<i32>(M_DX), -255, 255), cy = clamp(load<i32>(M_DY), -255, 255), cz = clamp(load<i32>(M_DZ), -8, 7);
  store<i32>(M_DX, load<i32>(M_DX) - cx);
  store<i32>(M_DY, load<i32>(M_DY) - cy);
  store<i32>(M_DZ, packetSize() == 4 ? load<i32>(M_DZ) - cz : 0);
  let x = useScaling ? scaled(cx) : cx, y = useScaling ? scaled(cy) : cy;
  let b0: u32 = (<u32>load<u8>(M_BUTTONS) & 7) | 8;
  if (x > 255 || x < -256) { b0 |= 0x40; x = x < 0 ? -256 : 255; }
  if (y > 255 || y < -256) { b0 |= 0x80; y = y < 0 ? -256 : 255; }
  if (x < 0) b0 |= 0x10;
  if (y < 0) b0 |= 0x20;
  store<u8>(M_PACKET, <u8>b0);
  store<u8>(M_PACKET + 1, <u8>x);
  store<u8>(M_PACKET + 2, <u8>y);
  store<u8>(M_PACKET + 3, <u8>cz);
  store<u8>(M_SENT_BUTTONS, load<u8>(M_BUTTONS));
}

function somethingToReport(): bool {
  return load<i32>(M_DX) != 0 || load<i32>(M_DY) != 0 || (packetSize() == 4 && load<i32>(M_DZ) != 0)
    || load<u8>(M_BUTTONS) != load<u8>(M_SENT_BUTTONS);
}

/** Stream mode: turn accumulated movement into packets while the queue has room. */
export function mouseFlush(): void {
  if (load<u8>(M_ENABLED) == 0 || load<u8>(M_REMOTE) != 0 || load<u8>(M_WRAP) != 0) return;
  const size = packetSize();
  while (somethingToReport() && <u32>load<u8>(M_DATA_COUNT) + size <= DATA_SIZE) {
    buildPacket(load<u8>(M_SCALING) != 0);
    for (let i: u32 = 0; i < size; i++) dataPush(load<u8>(M_PACKET + i));
  }
}

/** Movement and buttons from the host: dy > 0 = up (PS/2 counts), dz > 0 = wheel turned towards the user
 *  (scrolling down, the IntelliMouse sign; a browser's WheelEvent deltaY has the same sign). */
export function mouseHostInput(dx: i32, dy: i32, dz: i32, buttons: u32): void {
  store<i32>(M_DX, clamp(load<i32>(M_DX) + clamp(dx, -ACC_LIMIT, ACC_LIMIT), -ACC_LIMIT, ACC_LIMIT));
  store<i32>(M_DY, clamp(load<i32>(M_DY) + clamp(dy, -ACC_LIMIT, ACC_LIMIT), -ACC_LIMIT, ACC_LIMIT));
  store<i32>(M_DZ, clamp(load<i32>(M_DZ) + clamp(dz, -ACC_LIMIT, ACC_LIMIT), -ACC_LIMIT, ACC_LIMIT));
  store<u8>(M_BUTTONS, <u8>(buttons & 7));
  mouseFlush();
}

export function mousePending(): bool { return load<u8>(M_RESP_COUNT) != 0 || load<u8>(M_DATA_COUNT) != 0; }

/** Take the next byte the mouse sends (answers first, then packet bytes); the queue refills from movement. */
export function mouseTake(): u32 {
  let b: u32 = 0xFF;
  if (load<u8>(M_RESP_COUNT) != 0) {
    const h = <u32>load<u8>(M_RESP_HEAD);
    b = load<u8>(M_RESP + h);
    store<u8>(M_RESP_HEAD, <u8>((h + 1) & (RESP_SIZE - 1)));
    store<u8>(M_RESP_COUNT, <u8>(load<u8>(M_RESP_COUNT) - 1));
  } else if (load<u8>(M_DATA_COUNT) != 0) {
    const h = <u32>load<u8>(M_DATA_HEAD);
    b = load<u8>(M_DATA + h);
    store<u8>(M_DATA_HEAD, <u8>((h + 1) & (DATA_SIZE - 1)));
    store<u8>(M_DATA_COUNT, <u8>(load<u8>(M_DATA_COUNT) - 1));
    mouseFlush();
  }
  store<u8>(M_LAST, <u8>b);
  return b;
}

/** Defaults (F6h, and part of FFh): 100 samples/s, 4 counts/mm, 1:1, stream mode, reporting disabled. */
function setDefaults(): void {
  store<u8>(M_RATE, 100);
  store<u8>(M_RESOLUTION, 2);
  store<u8>(M_SCALING, 0);
  store<u8>(M_REMOTE, 0);
  store<u8>(M_ENABLED, 0);
  store<u8>(M_PENDING, 0);
  clearMovement();
}

export function mouseReset(): void {
  memory.fill(M, 0, 0x60);
  setDefaults();
}

/** Is the guest's mouse driver listening (reporting enabled in stream mode)? For the host's pointer capture. */
export function mouseStreaming(): bool { return load<u8>(M_ENABLED) != 0 && load<u8>(M_REMOTE) == 0; }

/** A byte the system sends to the mouse (controller command D4h, then port 60h). */
export function mouseWrite(v: u32): void {
  v &= 0xFF;
  const pending = <u32>load<u8>(M_PENDING);
  if (pending != 0) {
    store<u8>(M_PENDING, 0);
    if (pending == 0xF3) {
      store<u8>(M_RATE, <u8>v);
      store<u8>(M_KNOCK, load<u8>(M_KNOCK + 1));
      store<u8>(M_KNOCK + 1, load<u8>(M_KNOCK + 2));
      store<u8>(M_KNOCK + 2, <u8>v);
      if (load<u8>(M_KNOCK) == 200 && load<u8>(M_KNOCK + 1) == 100 && v == 80) store<u8>(M_ID, 3);
    } else {
      store<u8>(M_RESOLUTION, <u8>(v & 3));
    }
    respPush(0xFA);
    return;
  }
  if (load<u8>(M_WRAP) != 0 && v != 0xEC && v != 0xFF) { respPush(v); return; } // wrap mode echoes
  switch (v) {
    case 0xE6: store<u8>(M_SCALING, 0); respPush(0xFA); break;
    case 0xE7: store<u8>(M_SCALING, 1); respPush(0xFA); break;
    case 0xE8: case 0xF3: store<u8>(M_PENDING, <u8>v); respPush(0xFA); break;
    case 0xE9: { // status: mode/enable/scaling/buttons (bit 2 left, 1 middle, 0 right), resolution, rate
      const btn = <u32>load<u8>(M_BUTTONS);
      const s: u32 = (<u32>load<u8>(M_REMOTE) << 6) | (<u32>load<u8>(M_ENABLED) << 5) | (<u32>load<u8>(M_SCALING) << 4)
        | ((btn & 1) << 2) | ((btn & 4) >> 1) | ((btn & 2) >> 1);
      respPush(0xFA); respPush(s); respPush(load<u8>(M_RESOLUTION)); respPush(load<u8>(M_RATE));
      break;
    }
    case 0xEA: store<u8>(M_REMOTE, 0); clearMovement(); respPush(0xFA); break;
    case 0xF0: store<u8>(M_REMOTE, 1); clearMovement(); respPush(0xFA); break;
    case 0xEB: { // read data: a packet of the accumulated movement (no scaling outside stream reports)
      respPush(0xFA);
      buildPacket(false);
      const size = packetSize();
      for (let i: u32 = 0; i < size; i++) respPush(load<u8>(M_PACKET + i));
      break;
    }
    case 0xEC: store<u8>(M_WRAP, 0); respPush(0xFA); break;
    case 0xEE: store<u8>(M_WRAP, 1); clearMovement(); respPush(0xFA); break;
    case 0xF2: respPush(0xFA); respPush(load<u8>(M_ID)); break;
    case 0xF4: clearMovement(); store<u8>(M_ENABLED, 1); respPush(0xFA); break;
    case 0xF5: store<u8>(M_ENABLED, 0); clearMovement(); respPush(0xFA); break;
    case 0xF6: setDefaults(); respPush(0xFA); break;
    case 0xFE: respPush(load<u8>(M_LAST)); break;
    case 0xFF: // reset: ACK, self-test passed (AAh), device ID 00h; defaults, standard (3-byte) mode
      store<u8>(M_RESP_COUNT, 0);
      setDefaults();
      store<u8>(M_WRAP, 0);
      store<u8>(M_ID, 0);
      respPush(0xFA); respPush(0xAA); respPush(0x00);
      break;
    default: respPush(0xFE); break;
  }
}
