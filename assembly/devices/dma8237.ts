// Two Intel 8237A DMA controllers as on the PC/AT (8237A datasheet; IBM AT technical reference for the wiring):
// DMA1 serves the 8-bit channels 0-3 at ports 00h-0Fh, DMA2 the 16-bit channels 4-7 at C0h-DEh (every other
// port; channel 4 cascades DMA1), with the page registers at 81h-8Fh for the address bits above 16. A device
// (the floppy controller, later) moves its data with dmaTransfer; the controller applies the channel's address,
// count, direction, auto-initialisation and terminal count. Memory-to-memory transfers (channels 0/1) are not
// modelled: no PC peripheral uses them.
import { DEV_DMA } from "../layout";
import { physRead8, physWrite8 } from "../bus/physmem";

// per channel (16 bytes at DEV_DMA + 16 * ch)
const C_BASE_ADDR: u32 = 0; // u16
const C_BASE_COUNT: u32 = 2; // u16
const C_CUR_ADDR: u32 = 4; // u16
const C_CUR_COUNT: u32 = 6; // u16
const C_MODE: u32 = 8; // u8: mode register bits 7-2
const C_PAGE: u32 = 9; // u8: page register
// per controller (16 bytes at DEV_DMA + 128 + 16 * controller)
const K_FLIPFLOP: u32 = 0; // u8: 1 = the next byte is the high byte
const K_MASK: u32 = 1; // u8: mask bits of the four channels
const K_STATUS: u32 = 2; // u8: TC bits 0-3, request bits 4-7
const K_COMMAND: u32 = 3; // u8
const K_REQUEST: u32 = 4; // u8: software requests

const MODE_AUTOINIT: u32 = 0x10;
const MODE_DECREMENT: u32 = 0x20;

// @ts-ignore: decorator
@inline function chan(ch: u32): u32 { return DEV_DMA + (ch << 4); }
// @ts-ignore: decorator
@inline function ctrl(k: u32): u32 { return DEV_DMA + 128 + (k << 4); }

export function dmaReset(): void {
  memory.fill(DEV_DMA, 0, 160);
  store<u8>(ctrl(0) + K_MASK, 0x0F);
  store<u8>(ctrl(1) + K_MASK, 0x0F);
}

/** Page register port -> channel (81h ch2, 82h ch3, 83h ch1, 87h ch0, 89h ch6, 8Ah ch7, 8Bh ch5, 8Fh ch4). */
function pageChannel(port: u32): i32 {
  switch (port) {
    case 0x87: return 0; case 0x83: return 1; case 0x81: return 2; case 0x82: return 3;
    case 0x8F: return 4; case 0x8B: return 5; case 0x89: return 6; case 0x8A: return 7;
    default: return -1;
  }
}

/** Controller register index (0-15) and controller of a port, or -1. */
function decode(port: u32): i32 {
  if (port < 0x10) return <i32>port;
  if (port >= 0xC0 && port <= 0xDF && (port & 1) == 0) return 0x100 | <i32>((port - 0xC0) >> 1);
  return -1;
}

function masterClear(k: u32): void {
  const c = ctrl(k);
  store<u8>(c + K_FLIPFLOP, 0);
  store<u8>(c + K_STATUS, 0);
  store<u8>(c + K_COMMAND, 0);
  store<u8>(c + K_REQUEST, 0);
  store<u8>(c + K_MASK, 0x0F);
}

export function dmaWrite(port: u32, v: u32): void {
  v &= 0xFF;
  const pc = pageChannel(port);
  if (pc >= 0) { store<u8>(chan(<u32>pc) + C_PAGE, <u8>v); return; }
  const d = decode(port);
  if (d < 0) return;
  const k = <u32>d >> 8, r = <u32>d & 15, c = ctrl(k);
  if (r < 8) {
    const ch = chan(k * 4 + (r >> 1));
    const hi = load<u8>(c + K_FLIPFLOP) != 0;
    store<u8>(c + K_FLIPFLOP, hi ? 0 : 1);
    const f = (r & 1) != 0 ? C_BASE_COUNT : C_BASE_ADDR;
    const cur = (r & 1) != 0 ? C_CUR_COUNT : C_CUR_ADDR;
    const old = <u32>load<u16>(ch + f);
    const nv = hi ? (old & 0xFF) | (v << 8) : (old & 0xFF00) | v;
    store<u16>(ch + f, <u16>nv);
    store<u16>(ch + cur, <u16>nv); // writing the base also writes the current register
    return;
  }
  switch (r) {
    case 8: store<u8>(c + K_COMMAND, <u8>v); return;
    case 9: { // request register: bit 2 set/clear, bits 1-0 channel
      const bit: u32 = 1 << (v & 3);
      const req = <u32>load<u8>(c + K_REQUEST);
      store<u8>(c + K_REQUEST, <u8>((v & 4) != 0 ? req | bit : req & ~bit));
      return;
    }
    case 10: { // single mask bit
      const bit: u32 = 1 << (v & 3);
      const m = <u32>load<u8>(c + K_MASK);
      store<u8>(c + K_MASK, <u8>((v & 4) != 0 ? m | bit : m & ~bit));
      return;
    }
    case 11: store<u8>(chan(k * 4 + (v & 3)) + C_MODE, <u8>(v & 0xFC)); return;
    case 12: store<u8>(c + K_FLIPFLOP, 0); return;
    case 13: masterClear(k); return;
    case 14: store<u8>(c + K_MASK, 0); return;
    case 15: store<u8>(c + K_MASK, <u8>(v & 0x0F)); return;
    default: return;
  }
}

export function dmaRead(port: u32): u32 {
  const pc = pageChannel(port);
  if (pc >= 0) return load<u8>(chan(<u32>pc) + C_PAGE);
  const d = decode(port);
  if (d < 0) return 0xFF;
  const k = <u32>d >> 8, r = <u32>d & 15, c = ctrl(k);
  if (r < 8) {
    const ch = chan(k * 4 + (r >> 1));
    const v = <u32>load<u16>(ch + ((r & 1) != 0 ? C_CUR_COUNT : C_CUR_ADDR));
    const hi = load<u8>(c + K_FLIPFLOP) != 0;
    store<u8>(c + K_FLIPFLOP, hi ? 0 : 1);
    return hi ? v >> 8 : v & 0xFF;
  }
  if (r == 8) { // status: TC bits clear when read
    const s = <u32>load<u8>(c + K_STATUS) | ((<u32>load<u8>(c + K_REQUEST) & 0x0F) << 4);
    store<u8>(c + K_STATUS, <u8>(load<u8>(c + K_STATUS) & 0xF0));
    return s;
  }
  if (r == 15) return 0xF0 | <u32>load<u8>(c + K_MASK);
  return 0xFF;
}

/**
 * A device's transfer on channel `ch` (the DREQ/DACK cycles of a block): up to `len` bytes between the device's
 * buffer at linear-memory address `buf` and guest memory, in the direction of the channel's mode (write = device
 * to memory, read = memory to device). Stops at terminal count (status TC, and the mask bit set unless the mode
 * auto-initialises). Returns the bytes moved: 0 when the channel is masked or the controller disabled.
 */
export function dmaTransfer(ch: u32, buf: u32, len: u32): u32 {
  const k = ch >> 2, c = ctrl(k), cs = chan(ch), bit: u32 = 1 << (ch & 3);
  if ((load<u8>(c + K_MASK) & bit) != 0 || (load<u8>(c + K_COMMAND) & 4) != 0) return 0;
  const mode = <u32>load<u8>(cs + C_MODE);
  const type = (mode >> 2) & 3; // 0 verify, 1 write (to memory), 2 read (from memory)
  const wide = k == 1;
  const unit: u32 = wide ? 2 : 1;
  let done: u32 = 0;
  while (done + unit <= len) {
    const addr = <u32>load<u16>(cs + C_CUR_ADDR);
    const page = <u32>load<u8>(cs + C_PAGE);
    // 16-bit channels address words: the page's bit 0 is not used, the address is shifted left
    const phys = wide ? ((page & 0xFE) << 16) | (addr << 1) : (page << 16) | addr;
    for (let i: u32 = 0; i < unit; i++) {
      if (type == 1) physWrite8(phys + i, load<u8>(buf + done + i)); // (drops translated code it overwrites)
      else if (type == 2) store<u8>(buf + done + i, <u8>physRead8(phys + i));
    }
    done += unit;
    store<u16>(cs + C_CUR_ADDR, <u16>((mode & MODE_DECREMENT) != 0 ? addr - 1 : addr + 1));
    const count = <u32>load<u16>(cs + C_CUR_COUNT);
    store<u16>(cs + C_CUR_COUNT, <u16>(count - 1));
    if (count == 0) { // the count went past zero: terminal count
      store<u8>(c + K_STATUS, <u8>(load<u8>(c + K_STATUS) | bit));
      store<u8>(c + K_REQUEST, <u8>(load<u8>(c + K_REQUEST) & ~bit));
      if ((mode & MODE_AUTOINIT) != 0) {
        store<u16>(cs + C_CUR_ADDR, load<u16>(cs + C_BASE_ADDR));
        store<u16>(cs + C_CUR_COUNT, load<u16>(cs + C_BASE_COUNT));
      } else {
        store<u8>(c + K_MASK, <u8>(load<u8>(c + K_MASK) | bit));
      }
      break;
    }
  }
  return done;
}

/** Bytes channel `ch` moves before terminal count (current count + 1): a device that works in blocks (the
 *  floppy controller's sectors) sees whether TC falls at the end of the block it is about to transfer. */
export function dmaRemaining(ch: u32): u32 { return <u32>load<u16>(chan(ch) + C_CUR_COUNT) + 1; }
