// SKELETON (being written): the PIIX3 PCI-to-ISA bridge (PIRQ routing).
export function piix3Reset(): void {}
export function piix3ConfigWritten(cfg: u32, off: u32, size: u32): void {}
/** The ISA IRQ PIRQ n (0-3 = A-D) is routed to, or 0x80 when routing is off. */
export function piix3PirqRoute(pirq: u32): u32 { return 0x80; }
