// One run of our machine for bench/contenders/webpc.ts, in a process of its own (its peak memory is the
// machine's): web/machine/pc.ts on the release build, the real-time clock (as a user runs it, and as QEMU and
// v86 run), the default Linux profile by direct kernel boot. COM1 goes to stdout; the last line is
//   WEBPC-BENCH-STATS {"promptMs":..,"mips":..,"peakRssMiB":..,"counters":{..}}
// Modes: boot (stop at the shell prompt; promptMs is from process start), cpu (the kernel command line's
// webpc.run program runs, then the guest powers off; mips is over the program's own output, first to last line).
//   node --import tsx bench/contenders/webpc-child.ts boot|cpu '{"imagesDir":..,"memoryMiB":..,"append":..}'
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PC } from "../../web/machine/pc.ts";
import { loadModule } from "../../web/machine/node.ts";

const [mode, json] = process.argv.slice(2);
const o = JSON.parse(json ?? "{}") as { imagesDir: string; memoryMiB: number; append: string };
const file = (f: string) => new Uint8Array(readFileSync(join(o.imagesDir, f)));
const PROMPT = /WEBPC-GUEST-READY[\s\S]*webpc:\/# /;

let serial = "";
let promptMs: number | undefined;
const marks: Record<string, { t: number; icount: bigint }> = {};
let pc: PC | undefined;
pc = await PC.create({
  wasm: loadModule("release"), bios: file("bios.bin"), vgaBios: file("vgabios-stdvga.bin"), linuxBootRom: file("linuxboot.bin"),
  kernel: file("vmlinuz"), initrd: file("initrd.gz"), append: o.append, memoryMiB: o.memoryMiB, clock: "realtime",
  // cpubench times itself with the guest clock, which must then follow the wall clock exactly, as QEMU's and
  // v86's do: the real-time clock's pace never goes below 1 ns per instruction (web/machine/pc.ts), and the
  // compiled integer loops run at several thousand MIPS, so the guest's time would run ahead of the wall clock.
  // 1/16 ns is faster than any rate reached here: the syncs between runs keep the guest clock on the wall clock.
  ...(mode === "cpu" ? { nsPerInstruction: 1 / 16 } : {}),
  onSerial: (port, bytes) => {
    if (port !== 0) return;
    const s = Buffer.from(bytes).toString("latin1");
    process.stdout.write(s);
    serial += s;
    const now = { t: performance.now(), icount: pc!.core.icount };
    if (promptMs === undefined && PROMPT.test(serial)) promptMs = now.t;
    for (const m of ["cpubench scale", "cpubench total"]) if (!marks[m] && serial.includes(m)) marks[m] = now;
  },
});

for (;;) {
  const r = await pc.runSlice(20);
  if (mode === "boot" && promptMs !== undefined) break;
  if (r !== "running") break;
}
const st = pc.stats();
const jc = pc.core.counters();
const a = marks["cpubench scale"], b = marks["cpubench total"];
const mips = mode === "boot"
  ? Number(st.instructions) / (promptMs ?? performance.now()) / 1000
  : a && b && b.t > a.t ? Number(b.icount - a.icount) / (b.t - a.t) / 1000 : undefined;
const stats = {
  promptMs, mips, peakRssMiB: process.resourceUsage().maxRSS / 1024,
  counters: {
    instructions: Number(st.instructions), blocksTranslated: Number(st.blocks), regionsCompiled: Number(jc.jit_compiled),
    wasmBytes: Number(jc.jit_bytes), compileMs: pc.core.jit.stats.compileMs, evictions: Number(jc.jit_evictions),
  },
};
process.stdout.write(`\nWEBPC-BENCH-STATS ${JSON.stringify(stats)}\n`);
process.exit(0);
