// SKELETON (being written): PIIX4 ACPI power management (PM timer, S5 power off).
export function pmReset(): void {}
export function pmConfigWritten(cfg: u32, off: u32, size: u32): void {}
export function pmRead(port: u32, size: u32): u32 { return 0xFFFFFFFF; }
export function pmWrite(port: u32, v: u32, size: u32): void {}
