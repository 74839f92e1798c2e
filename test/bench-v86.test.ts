// The v86 contender of the side-by-side benchmark (bench/contenders/v86.ts): the machine it asks v86 for (kernel
// command line, memory, files), and how it reports a missing package. Its cpubench output is read by the parser
// every contender shares (bench/contenders/cpubench-output.ts), tested in bench-compare.test.ts. The real runs
// (boot, cpubench) belong to `npm run bench`, not to tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { available, boot, cpu, peakRssMiB, version, type Resolver } from "../bench/contenders/v86.ts";
import { childConfig, kernelCommandLine, MEMORY_MIB, RUN_EXIT } from "../bench/contenders/v86/config.ts";

test("RUN_EXIT matches the init's exit line only once it is complete", () => {
  assert.equal(RUN_EXIT.test("WEBPC-RUN-EXIT 1"), false); // more digits may follow
  assert.equal("WEBPC-RUN-EXIT 13\r\n".match(RUN_EXIT)?.[1], "13");
});

test("kernel command line: console on COM1, no crypto self-tests; webpc.run and webpc.args for a program", () => {
  const base = kernelCommandLine();
  assert.deepEqual(base.split(" ").sort(), ["console=ttyS0,115200", "cryptomgr.notests"]);
  assert.doesNotMatch(base, /webpc\./);
  assert.equal(kernelCommandLine({ run: "/usr/bin/cpubench" }), `${base} webpc.run=/usr/bin/cpubench`);
  assert.equal(kernelCommandLine({ run: "/usr/bin/cpubench", args: " 3  x " }), `${base} webpc.run=/usr/bin/cpubench webpc.args=3,x`);
  assert.equal(kernelCommandLine({ run: "/usr/bin/cpubench", args: "  " }), `${base} webpc.run=/usr/bin/cpubench`);
});

test("kernel command line: what the init cannot receive is refused with a message", () => {
  assert.throws(() => kernelCommandLine({ run: "cpubench" }), /absolute guest path/);
  assert.throws(() => kernelCommandLine({ run: "/usr/bin/cpu bench" }), /without blanks/);
  assert.throws(() => kernelCommandLine({ run: "/usr/bin/cpubench", args: "1,2" }), /commas/);
  assert.throws(() => kernelCommandLine({ args: "1" }), /without a program/);
});

test("child config: 128 MiB, our four image files from the images folder, JIT on", () => {
  const c = childConfig({ images: "/img", library: "/lib.mjs", wasm: "/v.wasm", cmdline: "x", marks: ["webpc:/# "] });
  assert.equal(MEMORY_MIB, 128);
  assert.equal(c.memoryBytes, 128 * 1024 * 1024);
  assert.deepEqual(c.files, { bios: "/img/bios.bin", vga_bios: "/img/vgabios-stdvga.bin", bzimage: "/img/vmlinuz", initrd: "/img/initrd.gz" });
  assert.equal(c.jit, true);
  assert.equal(c.cmdline, "x");
  assert.deepEqual(JSON.parse(JSON.stringify(c)), c); // travels as JSON on the child's command line
  assert.equal(childConfig({ images: "/i", library: "", wasm: "", cmdline: "", marks: [], jit: false, memoryMiB: 64 }).memoryBytes, 64 << 20);
});

test("available() and version(): a missing package is reported, not thrown", async () => {
  const missing: Resolver = (s) => { throw new Error(`Cannot find module '${s}'`); };
  const why = await available(missing);
  assert.match(why ?? "", /npm package v86 is not installed/);
  assert.match(why ?? "", /npm install/);
  assert.equal(await version(missing), null);
  // A package without its built wasm is as good as missing.
  const noWasm: Resolver = (s) => { if (s.endsWith(".wasm")) throw new Error("Cannot find module 'v86/build/v86.wasm'"); return `/x/${s}`; };
  assert.match((await available(noWasm)) ?? "", /v86\.wasm/);
});

test("available() and version(): an installed package reports its exact package.json version", async () => {
  const dir = mkdtempSync(join(tmpdir(), "v86-pkg-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "v86", version: "9.8.7+gabc" }));
  const installed: Resolver = (s) => (s === "v86/package.json" ? join(dir, "package.json") : join(dir, s));
  assert.equal(await available(installed), null);
  assert.equal(await version(installed), "9.8.7+gabc");
});

test("peak RSS is VmHWM from /proc/<pid>/status in MiB; unreadable means unknown", () => {
  const status = "Name:\tnode\nVmPeak:\t 999999 kB\nVmHWM:\t  345088 kB\nVmRSS:\t 100 kB\n";
  assert.equal(peakRssMiB(42, (p) => { assert.equal(p, "/proc/42/status"); return status; }), 337);
  assert.equal(peakRssMiB(42, () => { throw new Error("ENOENT"); }), undefined);
  assert.equal(peakRssMiB(undefined), undefined);
});

test("boot() and cpu() fail with a message, without starting v86, when images or arguments are wrong", async () => {
  const empty = mkdtempSync(join(tmpdir(), "v86-images-"));
  const bad = await cpu({ images: empty, timeoutMs: 1000, program: "cpubench" });
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.error : "", /absolute guest path/);
  const b = await boot({ images: empty, timeoutMs: 1000 });
  assert.equal(b.ok, false);
  const reason = await available();
  // Installed: the missing files are named. Not installed: that is the reason given.
  assert.match(!b.ok ? b.error : "", reason ? /not installed/ : new RegExp(`${join(empty, "bios.bin")}.*npm run images`));
});
