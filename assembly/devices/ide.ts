// SKELETON (being written): the PIIX3 IDE function with ATA disks and an ATAPI CD-ROM.
export function ideReset(): void {}
export function ideRead(port: u32, size: u32): u32 { return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF; }
export function ideWrite(port: u32, v: u32, size: u32): void {}
export function ideTimer(channel: u32, now: u64): void {}
export function ideDiskDone(drive: u32, result: u8): void {}
export function ideConfigWritten(cfg: u32, off: u32, size: u32): void {}
