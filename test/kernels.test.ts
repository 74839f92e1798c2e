// Acceptance 3 of the CPU issue: the test kernels in test/kernels/*.asm run in our emulator (same loader and run
// loop as `npm run kernel`) and print exactly what their oracle printed (test/kernels/expected/<name>.txt, made
// by `npm run kernels:expected`). When Bochs/QEMU are installed, the oracle is re-run too, so a committed
// expectation cannot go stale. Each kernel runs again with the JIT forced on (issue 9): same transcript, same
// exit status, and compiled code must have run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { listKernels, kernelMeta, buildKernel, runOurs, runOracle, readExpected, haveTool } from "./kernels/harness.ts";
import { formatJitWork } from "./jit/force.ts";

const hasNasm = haveTool("nasm");
const hasOracle = { bochs: haveTool("bochs"), qemu: haveTool("qemu-system-i386") };

for (const name of listKernels()) {
  const meta = kernelMeta(name);
  test(`kernel ${name}`, async (t) => {
    if (!hasNasm) { t.skip("nasm is not installed (Debian package nasm)"); return; }
    const expected = readExpected(name);
    assert.ok(expected, `test/kernels/expected/${name}.txt is missing: run npm run kernels:expected -- ${name}`);
    const image = buildKernel(name);
    const ours = await runOurs(image, { flavour: "debug" });
    assert.equal(ours.transcript, expected.transcript, `${name}: our output differs from ${expected.oracle}`);
    assert.equal(ours.status, meta.expectTriple ? 2 : 1, `${name}: runner exit status (${ours.detail})`);
    if (!hasOracle[meta.oracle]) { t.diagnostic(`${meta.oracle} not installed: expectation not re-checked`); return; }
    const fresh = await runOracle(name, image);
    assert.equal(fresh.transcript, expected.transcript, `${name}: ${fresh.oracle} now prints something else than the committed expectation`);
  });

  test(`kernel ${name} with the JIT forced on`, async (t) => {
    if (!hasNasm) { t.skip("nasm is not installed (Debian package nasm)"); return; }
    const expected = readExpected(name);
    assert.ok(expected, `test/kernels/expected/${name}.txt is missing: run npm run kernels:expected -- ${name}`);
    const ours = await runOurs(buildKernel(name), { flavour: "debug", jit: "force" });
    t.diagnostic(formatJitWork(ours.jit));
    assert.equal(ours.transcript, expected.transcript, `${name} with the JIT forced on: our output differs from ${expected.oracle}`);
    assert.equal(ours.status, meta.expectTriple ? 2 : 1, `${name} with the JIT forced on: runner exit status (${ours.detail})`);
    assert.equal(ours.jit.failures, 0, `the engine refused compiled modules: ${ours.jit.lastError}`);
    assert.ok(ours.jit.insns > 0n, `no instruction ran in compiled code (${formatJitWork(ours.jit)})`);
  });
}
