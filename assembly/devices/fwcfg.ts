// QEMU's firmware configuration interface, fw_cfg (QEMU's docs/specs/fw_cfg.rst), as on the x86 PC: selector
// port 510h (16-bit write), data port 511h (8-bit reads, stepping through the selected item) and the DMA
// interface at 514h (address high) / 518h (address low, starts the transfer), both big-endian 32-bit halves of
// the physical address of a descriptor {be32 control, be32 length, be64 address}.
//
// The items are the host's configuration of the machine (RAM size, boot order, e820 map, the Linux kernel and
// initrd for direct boot, option ROMs): the host puts their bytes in linear memory after guest RAM (FWCFG_BLOBS
// in layout.ts) and registers each with fwcfgSetItem(key, address, size); the file directory (key 19h) is one
// of them. The device only reads them, so they are part of the machine's memory image like everything else.
import { DEV_FWCFG, FWCFG_ITEMS, FWCFG_ITEMS_SIZE, MEM_SIZE, RAM } from "../layout";
import { physRead32, physWrite8 } from "../bus/physmem";
import { invalidateCodeRange } from "../translate/blocks";

const F_SELECTOR: u32 = 0; // u32 selected key
const F_OFFSET: u32 = 4; // u32 read offset in the selected item
const F_DMA_HIGH: u32 = 8; // u32 high half of the DMA descriptor address (as written, byte-swapped)
const F_COUNT: u32 = 12; // u32 registered items

const ITEM_SIZE: u32 = 16; // {u32 key, u32 address, u32 size, u32 unused}
const MAX_ITEMS: u32 = FWCFG_ITEMS_SIZE / ITEM_SIZE;

const DMA_ERROR: u32 = 1, DMA_READ: u32 = 2, DMA_SKIP: u32 = 4, DMA_SELECT: u32 = 8, DMA_WRITE: u32 = 16;

/** Reset: no item selected. The items themselves are the host's configuration and stay. */
export function fwcfgReset(): void {
  store<u32>(DEV_FWCFG + F_SELECTOR, 0);
  store<u32>(DEV_FWCFG + F_OFFSET, 0);
  store<u32>(DEV_FWCFG + F_DMA_HIGH, 0);
}

/** The host's items: `size` bytes at linear address `addr` under `key` (replaces an item with the same key).
 *  False when the table is full. */
export function fwcfgSetItem(key: u32, addr: u32, size: u32): bool {
  const n = load<u32>(DEV_FWCFG + F_COUNT);
  let i: u32 = 0;
  while (i < n && load<u32>(FWCFG_ITEMS + i * ITEM_SIZE) != key) i++;
  if (i == n) {
    if (n >= MAX_ITEMS) return false;
    store<u32>(DEV_FWCFG + F_COUNT, n + 1);
  }
  const e = FWCFG_ITEMS + i * ITEM_SIZE;
  store<u32>(e, key);
  store<u32>(e, addr, 4);
  store<u32>(e, size, 8);
  return true;
}

/** Remove every item (the host rebuilds the configuration). */
export function fwcfgClear(): void { store<u32>(DEV_FWCFG + F_COUNT, 0); }

/** The selected item's entry, or 0 when the key has no item (reads give zeros). */
function selected(): u32 {
  const key = load<u32>(DEV_FWCFG + F_SELECTOR) & 0x3FFF | (load<u32>(DEV_FWCFG + F_SELECTOR) & 0x8000);
  const n = load<u32>(DEV_FWCFG + F_COUNT);
  for (let i: u32 = 0; i < n; i++) {
    const e = FWCFG_ITEMS + i * ITEM_SIZE;
    if (load<u32>(e) == key) {
      // an item outside linear memory would be a host bug: answer zeros rather than trap
      const end = <u64>load<u32>(e, 4) + <u64>load<u32>(e, 8);
      return end <= <u64>memory.size() << 16 ? e : 0;
    }
  }
  return 0;
}

function select(key: u32): void {
  store<u32>(DEV_FWCFG + F_SELECTOR, key & 0xFFFF);
  store<u32>(DEV_FWCFG + F_OFFSET, 0);
}

/** The next data byte of the selected item (0 past its end). */
function nextByte(): u32 {
  const e = selected();
  const off = load<u32>(DEV_FWCFG + F_OFFSET);
  if (e == 0 || off >= load<u32>(e, 8)) return 0;
  store<u32>(DEV_FWCFG + F_OFFSET, off + 1);
  return load<u8>(load<u32>(e, 4) + off);
}

export function fwcfgRead(port: u32, size: u32): u32 {
  if (port == 0x511) {
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= nextByte() << (i << 3);
    return v;
  }
  if (port >= 0x514 && port < 0x51C) {
    // the DMA address register reads as the signature "QEMU CFG" (big-endian)
    const sig: u64 = 0x51454D5520434647;
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const b = port - 0x514 + i;
      v |= <u32>((sig >> (<u64>(7 - (b & 7)) << 3)) & 0xFF) << (i << 3);
    }
    return v;
  }
  return size == 1 ? 0 : 0;
}

export function fwcfgWrite(port: u32, v: u32, size: u32): void {
  if (port == 0x510 && size >= 2) { select(v & 0xFFFF); return; }
  if (port == 0x514 && size == 4) { store<u32>(DEV_FWCFG + F_DMA_HIGH, bswap<u32>(v)); return; }
  if (port == 0x518 && size == 4) {
    const high = load<u32>(DEV_FWCFG + F_DMA_HIGH);
    store<u32>(DEV_FWCFG + F_DMA_HIGH, 0);
    if (high == 0) dma(bswap<u32>(v)); // descriptors above 4 GiB do not exist on this machine
  }
}

/** Copy `len` bytes of the selected item (zeros past its end) to guest physical `dst`. */
function dmaRead(dst: u32, len: u32): void {
  const e = selected();
  const off = load<u32>(DEV_FWCFG + F_OFFSET);
  const size = e != 0 ? load<u32>(e, 8) : 0;
  const avail = off < size ? size - off : 0;
  const n = len < avail ? len : avail;
  const ram = load<u32>(MEM_SIZE);
  if (n > 0 && dst < ram && n <= ram - dst) {
    memory.copy(RAM + dst, load<u32>(e, 4) + off, n);
    invalidateCodeRange(RAM + dst, n);
  } else {
    for (let i: u32 = 0; i < n; i++) physWrite8(dst + i, load<u8>(load<u32>(e, 4) + off + i));
  }
  for (let i: u32 = n; i < len; i++) physWrite8(dst + i, 0);
  store<u32>(DEV_FWCFG + F_OFFSET, off + n);
}

function dma(desc: u32): void {
  const control = bswap<u32>(physRead32(desc));
  const len = bswap<u32>(physRead32(desc + 4));
  const addrHigh = bswap<u32>(physRead32(desc + 8));
  const addr = bswap<u32>(physRead32(desc + 12));
  if ((control & DMA_SELECT) != 0) select(control >> 16);
  let result: u32 = 0;
  if ((control & DMA_WRITE) != 0) result = DMA_ERROR; // every item is read-only
  else if ((control & DMA_READ) != 0) { if (addrHigh != 0) result = DMA_ERROR; else dmaRead(addr, len); }
  else if ((control & DMA_SKIP) != 0) store<u32>(DEV_FWCFG + F_OFFSET, load<u32>(DEV_FWCFG + F_OFFSET) + len);
  // done: control becomes 0, or has only the error bit
  physWrite8(desc, 0); physWrite8(desc + 1, 0); physWrite8(desc + 2, 0); physWrite8(desc + 3, result);
}
