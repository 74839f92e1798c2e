// SKELETON (being written): the 8042 keyboard controller with PS/2 keyboard and mouse. Ports 60h and 64h.
export function i8042Reset(): void {}
export function i8042Read(port: u32): u32 { return 0xFF; }
export function i8042Write(port: u32, v: u32): void {}
export function i8042Timer(now: u64): void {}
