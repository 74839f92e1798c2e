// Whatever a guest writes to any I/O port or device memory, the machine never traps (DESIGN.md principle 7):
// seeded random port and MMIO traffic over the whole platform on the checked (debug) build, where a wasm trap or
// an AssemblyScript assertion would end the test, with the virtual clock moving and the processor running between
// bursts so timers, DMA and interrupts fire on whatever state the traffic left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";

function rng(seed: number) { let s = seed >>> 0; return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; }; }

// ports where the platform has devices (plus anything else, less often)
const RANGES: [number, number][] = [
  [0x00, 0x20], [0x20, 2], [0x40, 4], [0x60, 1], [0x61, 1], [0x64, 1], [0x70, 2], [0x80, 0x10], [0x92, 1], [0xA0, 2],
  [0xB2, 2], [0xC0, 0x20], [0x170, 8], [0x1CE, 2], [0x1F0, 8], [0x2F8, 8], [0x376, 1], [0x3B0, 0x30], [0x3F0, 8],
  [0x3F8, 8], [0x4D0, 2], [0x510, 12], [0xAE00, 16], [0xAF00, 32], [0xAFE0, 4], [0xB000, 64], [0xC000, 16], [0xCF8, 8],
];
const MMIO: [number, number][] = [[0xA0000, 0x20000], [0xFEC00000, 0x1000], [0xFEE00000, 0x1000], [0xFD000000, 0x10000], [0xE0000, 0x20000]];

test("platform fuzz: 200,000 random port and MMIO accesses (PCI BARs moved, DMA and disk requests started) never trap", async () => {
  for (const seed of [1, 2, 3, 4]) {
    const c = await createCore(16 << 20, "debug");
    const x = c.exports;
    x.diskAttachExport(0, 1, 2880n, 512, 0);
    x.diskAttachExport(2, 2, 20000n, 512, 0);
    x.diskAttachExport(4, 3, 1000n, 2048, 1);
    c.writePhys(0x7C00, Uint8Array.of(0xFB, 0xF4, 0xEB, 0xFC)); // sti; hlt; jmp back: interrupts get taken
    c.setSegReal("cs", 0); c.eip = 0x7C00; x.stateChanged();
    const r = rng(seed * 7919);
    for (let i = 0; i < 50_000; i++) {
      const k = r() % 16;
      const size = [1, 1, 2, 4][r() & 3];
      if (k < 11) {
        const [base, len] = RANGES[r() % RANGES.length];
        const port = base + (r() % len);
        if (r() & 1) x.ioWrite(port, r(), size); else x.ioRead(port, size);
      } else if (k < 13) {
        const port = r() & 0xFFFF;
        if (r() & 1) x.ioWrite(port, r(), size); else x.ioRead(port, size);
      } else if (k < 15) {
        const [base, len] = MMIO[r() % MMIO.length];
        const phys = (base + (r() % len)) >>> 0;
        if (r() & 1) x.busWrite(phys, r(), size); else x.busRead(phys, size);
      } else {
        // let time pass and the processor run; answer the disk requests the traffic started
        x.clockAdvanceNs(BigInt(r() % 2_000_000));
        x.run(2000);
        const pending = x.diskPending();
        for (let d = 0; d < 6; d++) if (pending & (1 << d)) x.diskComplete(d, r() & 1);
        x.displayRender();
      }
    }
    assert.ok(c.icount >= 0n, `seed ${seed} survived`);
  }
});
