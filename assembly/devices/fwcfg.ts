// SKELETON (being written): QEMU's firmware configuration interface (fw_cfg).
export function fwcfgReset(): void {}
export function fwcfgRead(port: u32, size: u32): u32 { return 0xFF; }
export function fwcfgWrite(port: u32, v: u32, size: u32): void {}
