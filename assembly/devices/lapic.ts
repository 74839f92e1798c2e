// SKELETON (being written): the local APIC at FEE00000h.
export function lapicReset(): void {}
export function lapicRead(phys: u32, size: u32): u32 { return 0; }
export function lapicWrite(phys: u32, v: u32, size: u32): void {}
export function lapicTimer(now: u64): void {}
