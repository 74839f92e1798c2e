// SKELETON (being written): the I/O APIC at FEC00000h.
export function ioapicReset(): void {}
export function ioapicRead(phys: u32, size: u32): u32 { return 0; }
export function ioapicWrite(phys: u32, v: u32, size: u32): void {}
export function ioapicSetIrq(irq: u32, high: bool): void {}
