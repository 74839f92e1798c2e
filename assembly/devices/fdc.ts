// SKELETON (being written): the floppy disk controller (82077AA style). Ports 3F0h-3F5h, 3F7h; IRQ 6; DMA 2.
export function fdcReset(): void {}
export function fdcRead(port: u32): u32 { return 0xFF; }
export function fdcWrite(port: u32, v: u32): void {}
export function fdcTimer(now: u64): void {}
/** The host answered drive `drive`'s request (bus/disk.ts). */
export function fdcDiskDone(drive: u32, result: u8): void {}
