// The cpubench kernels (images/guest/cpubench-kernels.c) as the multiboot program cpubench-mb.elf, without an OS,
// timed on the host: the guest's own figures count virtual time (10 ns per instruction), so this script times
// each kernel by when its line arrives (output drained every SLICE instructions) on the process's CPU clock, and
// reports the guest MIPS and the JIT's counters. Contenders (the JIT settings) run interleaved, N runs each.
//   npm run bench:kernels [-- --runs 3] [--jit off,on] [--scale 1]
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Core, Channel, Exit } from "../web/machine/core.ts";
import { loadModule } from "../web/machine/node.ts";
import { loadMultiboot, attachKernelDevices } from "../web/machine/multiboot.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { median } from "./compare/stats.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ELF = join(root, "public/images/cpubench-mb.elf");
const SLICE = 200_000;
const arg = (name: string, def: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const runs = Number(arg("--runs", "3"));
const scale = Number(arg("--scale", "1"));
const settings = arg("--jit", "off,on").split(",").map((s): JitSetting => (/^\d+$/.test(s) ? Number(s) : s as JitSetting));

interface KernelTime { name: string; ms: number; insns: number; checksum: string }
interface Run { kernels: KernelTime[]; totalMs: number; counters: Record<string, bigint>; compileMs: number }

function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }

async function runOnce(jit: JitSetting): Promise<Run> {
  const core = await Core.create(loadModule("release"), 128 << 20, 0, { jit });
  attachKernelDevices(core);
  loadMultiboot(core, new Uint8Array(readFileSync(ELF)), { cmdline: `scale=${scale}` });
  let text = "";
  const kernels: KernelTime[] = [];
  let t0 = cpuMs(), i0 = core.icount;
  const start = t0;
  for (;;) {
    const r = core.run(SLICE);
    for (const { channel, bytes } of core.drainOutput()) {
      if (channel !== Channel.COM1 && channel !== Channel.DEBUGCON) continue;
      text += new TextDecoder().decode(bytes);
      let nl: number;
      while ((nl = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const m = /^cpubench (\w+)\s+[\d.]+ ms\s+checksum ([0-9a-f]+)/.exec(line);
        const now = cpuMs();
        if (m) kernels.push({ name: m[1], ms: now - t0, insns: Number(core.icount - i0), checksum: m[2] });
        if (/^cpubench (timer|scale|\w+\s+[\d.]+ ms)/.test(line)) { t0 = now; i0 = core.icount; }
      }
    }
    if (r === Exit.DEBUG_EXIT || r === Exit.HLT_CLI || r === Exit.TRIPLE_FAULT) break;
  }
  return { kernels, totalMs: cpuMs() - start, counters: core.counters(), compileMs: core.jit.stats.compileMs };
}

if (!existsSync(ELF)) { console.error(`${ELF} is missing: run \`node images/run.mjs\` (npm start / npm test build it)`); process.exit(1); }
const results = new Map<string, Run[]>();
for (let r = 0; r < runs; r++) {
  for (const s of settings) {
    const run = await runOnce(s);
    const key = String(s);
    if (!results.has(key)) results.set(key, []);
    results.get(key)!.push(run);
    process.stderr.write(`run ${r + 1}/${runs} jit=${key}: ${run.totalMs.toFixed(0)} ms\n`);
  }
}
const names = results.values().next().value![0].kernels.map((k) => k.name);
const cols = [...results.keys()];
console.log(`cpubench-mb.elf scale ${scale}, ${runs} runs, median host CPU ms (guest MIPS)`);
console.log(["kernel".padEnd(9), ...cols.map((c) => `jit=${c}`.padStart(20))].join(""));
for (const n of [...names, "total"]) {
  const cells = cols.map((c) => {
    const rs = results.get(c)!;
    if (n === "total") {
      const ms = median(rs.map((r) => r.kernels.reduce((a, k) => a + k.ms, 0)));
      const ins = rs[0].kernels.reduce((a, k) => a + k.insns, 0);
      return `${ms.toFixed(0)} (${(ins / ms / 1000).toFixed(0)})`.padStart(20);
    }
    const ks = rs.map((r) => r.kernels.find((k) => k.name === n)!);
    const ms = median(ks.map((k) => k.ms));
    return `${ms.toFixed(0)} (${(ks[0].insns / ms / 1000).toFixed(0)})`.padStart(20);
  });
  console.log([n.padEnd(9), ...cells].join(""));
}
for (const c of cols) {
  const r = results.get(c)!.at(-1)!;
  const k = r.counters;
  const sums = new Set(results.get(c)!.flatMap((x) => x.kernels.map((q) => `${q.name}:${q.checksum}`)));
  console.log(`jit=${c}: compiled ${k.jit_compiled} blocks, ${k.jit_bytes} bytes, ${r.compileMs.toFixed(0)} ms compiling, evictions ${k.jit_evictions}, failures ${k.jit_failures}, ${Number(k.jit_insns) / Number(k.instructions) * 100 | 0}% of instructions compiled; checksums ${[...sums].join(" ")}`);
}
