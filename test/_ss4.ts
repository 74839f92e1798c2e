import { createJitCore } from "./jit/force.ts";
const c = await createJitCore(1 << 20, "release", "force");
c.exports.setBlockLimit(1);
let last = 0, t0 = performance.now();
for (let i = 0; i < 12000; i++) {
  c.setSegReal("cs", 0); c.eip = 0x1000 + (i % 200) * 4;
  c.writePhys(0x1000 + (i % 200) * 4, new Uint8Array([0x40, 0xF4]));
  c.dv.setUint32(c.L.HALTED, 0, true);
  c.exports.stateChanged();
  c.dv.setBigInt64(c.L.JIT_TOKENS, 4n << 20n, true);
  c.run(10);
  if ((i + 1) % 2000 === 0) { const ms = c.jit.stats.compileMs; console.log(i + 1, "modules", c.jit.stats.modules, "ms/module over last 4000:", ((ms - last) / 4000).toFixed(3), "wall", (performance.now() - t0).toFixed(0)); last = ms; t0 = performance.now(); }
}
