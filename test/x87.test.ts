// The x87 with a 64-bit significand: seeded random cases (all arithmetic, compare, conversion and store
// instructions, all precision and rounding controls, masked and unmasked exceptions, special and unsupported
// operands, stack faults) run on the host CPU's x87 and in the emulator, compared bit for bit
// (test/fpu/random.ts says what is compared and what is masked, and why).
// The transcendentals are compared within 1 ulp of the 64-bit significand (and without C1).
// More seeds: `npm run test:x87 -- --seed N --count M [--trans]`.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Core } from "../web/machine/core.ts";
import { loadModule } from "../web/machine/node.ts";
import { haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { native32Unavailable } from "./util/native32.ts";
import { generate, runNativeCases, runEmuCases, diffCase, describe, TEMPLATES, Rng, type XCase } from "./fpu/random.ts";

const SEED = 20260601, COUNT = 20_000, TRANS = 10_000;

/** A core for comparing with the host's x87, or undefined (the test skipped) without nasm or 32-bit native code. */
async function hostAndCore(t: TestContext, jit?: "force") {
  if (!haveNasm()) { t.skip(NASM_MISSING); return undefined; }
  const noNative = native32Unavailable();
  if (noNative) { t.skip(noNative); return undefined; }
  const c = await Core.create(loadModule(process.env.WEBPC_FPU_FLAVOUR === "release" ? "release" : "debug"), 16 << 20, 0, jit ? { jit } : {});
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  return c;
}

test(`x87 random differential: ${COUNT} cases bit-exact with the host (seed ${SEED})`, async (t) => {
  const c = await hostAndCore(t);
  if (!c) return;
  const failures: string[] = [];
  let total = 0;
  for (let batch = 0; batch < COUNT / 5000; batch++) {
    const cases = generate(SEED + batch, 5000);
    const nat = runNativeCases(cases);
    const emu = runEmuCases(c, cases);
    total += cases.length;
    cases.forEach((cs, i) => {
      const d = diffCase(cs, emu[i], nat[i]);
      if (d.length) failures.push(`seed ${SEED + batch} case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
    });
  }
  assert.equal(total, COUNT);
  assert.equal(failures.length, 0, `${failures.length} of ${COUNT} cases differ:\n${failures.slice(0, 30).join("\n")}`);
});

test(`x87 transcendentals: ${TRANS} random cases within 1 ulp of the host (seed ${SEED})`, async (t) => {
  const c = await hostAndCore(t);
  if (!c) return;
  const cases = generate(SEED, TRANS, ["trans"]);
  const nat = runNativeCases(cases);
  const emu = runEmuCases(c, cases);
  const failures: string[] = [];
  cases.forEach((cs, i) => {
    const d = diffCase(cs, emu[i], nat[i]);
    if (d.length) failures.push(`seed ${SEED} case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
  });
  assert.equal(failures.length, 0, `${failures.length} of ${TRANS} cases differ:\n${failures.slice(0, 30).join("\n")}`);
});

// arithOp's fast path (ext80.ts fastArith) runs only under the usual control word: 64-bit precision, round to
// nearest, every exception masked (037Fh after FNINIT). The cases above meet it in about 1 of 13; here all do.
test(`x87 under the FNINIT control word (the fast path of FADD/FSUB/FSUBR/FMUL): ${COUNT} random cases bit-exact with the host`, async (t) => {
  const c = await hostAndCore(t);
  if (!c) return;
  const failures: string[] = [];
  for (let batch = 0; batch < COUNT / 5000; batch++) {
    const cases = generate(SEED + 1000 + batch, 5000, ["arith"]).map((cs) => ({ ...cs, cw: 0x037F }));
    const nat = runNativeCases(cases);
    const emu = runEmuCases(c, cases);
    cases.forEach((cs, i) => {
      const d = diffCase(cs, emu[i], nat[i]);
      if (d.length) failures.push(`seed ${SEED + 1000 + batch} case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
    });
  }
  assert.equal(failures.length, 0, `${failures.length} of ${COUNT} cases differ:\n${failures.slice(0, 30).join("\n")}`);
});

// The same cases with the JIT compiling every block (jit/x87.ts compiles the register forms inline, with the
// handler for everything else): both sets, the general one (most cases take the handler) and the FNINIT control
// word (the inline arithmetic), bit-exact with the host.
for (const fninit of [false, true]) {
  test(`x87 with the JIT forced: ${COUNT / 2} random cases${fninit ? " under the FNINIT control word" : ""} bit-exact with the host`, async (t) => {
    const c = await hostAndCore(t, "force");
    if (!c) return;
    const failures: string[] = [];
    const seed = SEED + (fninit ? 3000 : 2000);
    const cases = generate(seed, COUNT / 2, fninit ? ["arith"] : undefined).map((cs) => fninit ? { ...cs, cw: 0x037F } : cs);
    const nat = runNativeCases(cases);
    const emu = runEmuCases(c, cases);
    cases.forEach((cs, i) => {
      const d = diffCase(cs, emu[i], nat[i]);
      if (d.length) failures.push(`seed ${seed} case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
    });
    assert.ok(c.counters().jit_runs > 0n, "compiled code ran");
    assert.equal(failures.length, 0, `${failures.length} of ${cases.length} cases differ:\n${failures.slice(0, 30).join("\n")}`);
  });
}

// Stores to m32/m64 round 40 or 11 bits away: ties (exactly half, even and odd kept parts), just around them, a
// carry into the exponent, the largest and smallest normals of the format: rare in random operands, and
// compiled code rounds them itself (jit/x87.ts emitStoreReal). Bit-exact with the host, JIT forced and not.
test("x87 FST/FSTP m32/m64 rounding cases (ties, carries, format limits) bit-exact with the host, JIT forced and not", async (t) => {
  const cases: XCase[] = [];
  const r = new Rng(SEED + 4000);
  for (const name of ["fst m64", "fstp m64", "fst m32", "fstp m32"]) {
    const tIndex = TEMPLATES.findIndex((x) => x.name === name);
    assert.ok(tIndex >= 0, name);
    const drop = name.endsWith("64") ? 11n : 40n, half = 1n << (drop - 1n);
    const bias = name.endsWith("64") ? 1023 : 127, maxE = name.endsWith("64") ? 2046 : 254;
    for (let k = 0; k < 200; k++) {
      const kept = ((BigInt(r.u32()) << 32n) | BigInt(r.u32())) >> drop | (1n << (63n - drop)); // integer bit set
      const low = [half, half, half - 1n, half + 1n, 0n, (1n << drop) - 1n][k % 6];
      let mant = (kept << drop) | low;
      if (k % 7 === 0) mant = ((1n << 64n) - 1n) ^ ((1n << drop) - 1n) | low; // all ones kept: a carry
      const e = [16383 + r.int(40) - 20, 16383 - bias + maxE, 16383 - bias + 1, 16383 - bias + maxE - 1][k % 4];
      const sign = r.chance(0.5) ? 0x8000n : 0n;
      cases.push({ t: tIndex, cw: 0x037F, a: ((sign | BigInt(e)) << 64n) | mant, b: 0n, mem: 0n, cc: 0, flags: 0 });
    }
  }
  for (const jit of [undefined, "force"] as const) {
    const c = await hostAndCore(t, jit);
    if (!c) return;
    const nat = runNativeCases(cases);
    const emu = runEmuCases(c, cases);
    const failures: string[] = [];
    cases.forEach((cs, i) => {
      const d = diffCase(cs, emu[i], nat[i]);
      if (d.length) failures.push(`case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
    });
    assert.equal(failures.length, 0, `${jit ?? "interpreter"}: ${failures.length} of ${cases.length} cases differ:\n${failures.slice(0, 20).join("\n")}`);
  }
});
