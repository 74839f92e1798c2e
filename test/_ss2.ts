import { createJitCore } from "./jit/force.ts";
const c = await createJitCore(1 << 20, "debug", "force");
// tiny real-mode program: many distinct single-instruction blocks (nop; hlt) at different addresses
c.exports.setBlockLimit(1);
const t0 = performance.now();
for (let i = 0; i < 2000; i++) {
  c.setSegReal("cs", 0); c.eip = 0x1000 + (i % 200) * 4;
  c.writePhys(0x1000 + (i % 200) * 4, new Uint8Array([0x40, 0xF4]));
  c.dv.setUint32(c.L.HALTED, 0, true);
  c.exports.stateChanged();
  c.run(10);
}
console.log(c.jit.stats, (performance.now() - t0).toFixed(0), "ms", c.counters().jit_compiled);
