// The Node side of `npm run bench:web`'s worker-versus-Node comparison: boots the page's default machine (the
// same profile resolved from the images manifest by the same code, so the same firmware, kernel, command line,
// memory and disks) with web/machine/pc.ts on the virtual clock, in slices as long as the worker's, and prints
// one JSON line: instructions at the prompt and host seconds from the machine's creation to the prompt (as the
// worker's figure runs from its "ready" message). Run in a fresh process each time, as each page gets a fresh
// browser, so neither side reuses code the engine already optimised.
//   node --import tsx bench/web-node-boot.ts
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PC, type DiskSpec } from "../web/machine/pc.ts";
import { loadModule } from "../web/machine/node.ts";
import { resolveMachine, type ImagesManifest } from "../web/app/machine-config.ts";

const IMAGES = join(dirname(fileURLToPath(import.meta.url)), "..", "public", "images");
const BANNER = "WEBPC-GUEST-READY";
const PROMPT = "webpc:/# ";
/** The worker's slice (web/worker/vm-worker.ts SLICE_MS). */
const SLICE_MS = 12;
const LIMIT_INSTRUCTIONS = 20_000_000_000;

const manifest = JSON.parse(readFileSync(join(IMAGES, "manifest.json"), "utf8")) as ImagesManifest;
const profile = manifest.profiles[0].id; // the page with no fragment boots the first profile (linux-direct)
const res = resolveMachine({ profile }, manifest, "");
if (!res.ok) throw new Error(`the default machine does not resolve: ${res.errors.join("; ")}`);
const m = res.machine;
const file = (f: { file: string } | undefined) => (f ? new Uint8Array(readFileSync(join(IMAGES, f.file))) : undefined);
const disks: DiskSpec[] = m.disks.map((d) => {
  if (d.source.kind !== "artefact") throw new Error(`the default machine has a non-manifest disk (${d.drive})`);
  const bytes = file(d.source)!;
  return { drive: d.drive, media: d.media, backend: { size: bytes.length, readOnly: d.media === "cdrom", read: (o, l) => bytes.slice(o, o + l), write: (o, b) => { bytes.set(b, o); }, flush() {} } };
});

const wasm = loadModule("release");
let serial = "";
let promptAt: { t: number; instructions: number } | null = null;
let pc: PC | undefined;
pc = await PC.create({
  wasm, bios: file(m.firmware.bios)!, vgaBios: file(m.firmware.vgabios), linuxBootRom: file(m.firmware.linuxboot),
  multibootRom: file(m.firmware.multibootrom), kernel: file(m.kernel?.kernel), initrd: file(m.kernel?.initrd),
  append: m.kernel?.cmdline, memoryMiB: m.memoryMiB, boot: m.kernel ? undefined : m.boot, disks, clock: "virtual",
  onSerial: (port, bytes) => {
    if (port !== 0 || promptAt) return;
    serial += Buffer.from(bytes).toString("latin1");
    const b = serial.indexOf(BANNER);
    if (b >= 0 && serial.indexOf(PROMPT, b) >= 0) promptAt = { t: performance.now(), instructions: Number(pc!.core.icount) };
  },
});
const t0 = performance.now();
while (!promptAt) {
  const r = await pc.runSlice(SLICE_MS);
  if (r !== "running") throw new Error(`the machine stopped (${r}) before the prompt; serial tail: ${serial.slice(-400)}`);
  if (Number(pc.core.icount) > LIMIT_INSTRUCTIONS) throw new Error(`no prompt after ${LIMIT_INSTRUCTIONS} instructions; serial tail: ${serial.slice(-400)}`);
}
const p = promptAt as { t: number; instructions: number };
const seconds = (p.t - t0) / 1000;
console.log(JSON.stringify({ profile, instructions: p.instructions, seconds, mips: p.instructions / seconds / 1e6 }));
