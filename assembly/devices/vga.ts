// SKELETON (being written): VGA with the Bochs VBE extension (PCI 1234:1111).
export function vgaReset(): void {}
export function vgaPortRead(port: u32, size: u32): u32 { return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF; }
export function vgaPortWrite(port: u32, v: u32, size: u32): void {}
export function vgaMemRead(phys: u32, size: u32): u32 { return size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF; }
export function vgaMemWrite(phys: u32, v: u32, size: u32): void {}
export function vgaConfigWritten(cfg: u32, off: u32, size: u32): void {}
export function vgaTimer(now: u64): void {}
