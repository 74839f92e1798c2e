// The Node side of `npm run bench:web`'s worker-versus-Node comparison: boots the page's default machine with
// web/machine/pc.ts on the virtual clock, in slices as long as the worker's, and prints one JSON line:
// instructions at the prompt and host seconds from the machine's creation to the prompt (as the worker's figure
// runs from its "ready" message). The machine is the same as the page's: the first profile of the app's images
// manifest resolved by the same code, every file fetched from the same server, so the bytes are the ones the
// worker gets (the preview server sends initrd.gz with Content-Encoding: gzip, so both receive the uncompressed
// initramfs and the guest has no decompression to do). Run in a fresh process each time, as each page gets a
// fresh browser, so neither side reuses code the engine already optimised.
//   node --import tsx bench/web-node-boot.ts http://127.0.0.1:PORT/
import { PC, type DiskSpec } from "../web/machine/pc.ts";
import { loadModule } from "../web/machine/node.ts";
import { resolveMachine, type ImagesManifest } from "../web/app/machine-config.ts";

const BANNER = "WEBPC-GUEST-READY";
const PROMPT = "webpc:/# ";
/** The worker's slice (web/worker/vm-worker.ts SLICE_MS). */
const SLICE_MS = 12;
const LIMIT_INSTRUCTIONS = 20_000_000_000;

const appUrl = process.argv[2];
if (!appUrl) { console.error("usage: web-node-boot.ts APP_URL (the app's server, as bench/web.ts gives it)"); process.exit(2); }
const images = new URL("images/", appUrl).href;
async function get(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const manifest = JSON.parse(new TextDecoder().decode(await get(`${images}manifest.json`))) as ImagesManifest;
const profile = manifest.profiles[0].id; // the page with no fragment boots the first profile (linux-direct)
const res = resolveMachine({ profile }, manifest, images);
if (!res.ok) throw new Error(`the default machine does not resolve: ${res.errors.join("; ")}`);
const m = res.machine;
const file = async (f: { url: string } | undefined) => (f ? get(f.url) : undefined);
const disks: DiskSpec[] = [];
for (const d of m.disks) {
  if (d.source.kind !== "artefact") throw new Error(`the default machine has a disk not from the manifest (${d.drive})`);
  const bytes = (await file(d.source))!;
  disks.push({ drive: d.drive, media: d.media, backend: { size: bytes.length, readOnly: d.media === "cdrom", read: (o, l) => bytes.slice(o, o + l), write: (o, b) => { bytes.set(b, o); }, flush() {} } });
}
const [bios, vgaBios, linuxBootRom, multibootRom, kernel, initrd] = await Promise.all([
  file(m.firmware.bios), file(m.firmware.vgabios), file(m.firmware.linuxboot), file(m.firmware.multibootrom), file(m.kernel?.kernel), file(m.kernel?.initrd),
]);

const wasm = loadModule("release");
let serial = "";
let promptAt: { t: number; instructions: number } | null = null;
let pc: PC | undefined;
pc = await PC.create({
  wasm, bios: bios!, vgaBios, linuxBootRom, multibootRom, kernel, initrd, append: m.kernel?.cmdline, memoryMiB: m.memoryMiB, boot: m.kernel ? undefined : m.boot, disks, clock: "virtual",
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
console.log(JSON.stringify({ profile, initrdBytes: initrd?.length, instructions: p.instructions, seconds, mips: p.instructions / seconds / 1e6 }));
