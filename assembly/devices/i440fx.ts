// SKELETON (being written): the i440FX host bridge (PAM shadow RAM).
export function i440fxReset(): void {}
export function i440fxConfigWritten(cfg: u32, off: u32, size: u32): void {}
