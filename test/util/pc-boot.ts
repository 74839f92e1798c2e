// Booting the whole PC in tests: firmware and images from public/images (built by `npm run images`), the
// shared test images from ../shared/images, in-memory disks, the virtual clock (so a run depends only on its
// inputs), and waits bounded by guest instructions, never by host time.
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PC, PCOptions, DiskBackend } from "../../web/machine/pc.ts";
import { loadModule } from "../../web/machine/node.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const IMAGES = join(root, "public/images");
export const SHARED_IMAGES = join(root, "../shared/images");

/** Why boot tests cannot run here, or undefined when they can. */
export function bootSkipReason(files: string[] = ["bios.bin", "vgabios-stdvga.bin"]): string | undefined {
  for (const f of files) {
    const p = f.startsWith("shared:") ? join(SHARED_IMAGES, f.slice(7)) : join(IMAGES, f);
    if (!existsSync(p)) return f.startsWith("shared:") ? `${p} is missing (the shared test images are not on this machine)` : `${p} is missing: run \`npm run images\``;
  }
  return undefined;
}

export const image = (f: string) => new Uint8Array(readFileSync(f.startsWith("shared:") ? join(SHARED_IMAGES, f.slice(7)) : join(IMAGES, f)));

/** A disk in memory (writes stay in the copy). */
export function memoryDisk(bytes: Uint8Array, readOnly = false): DiskBackend {
  const b = bytes.slice();
  return { size: b.length, readOnly, read: (o, l) => b.slice(o, o + l), write: (o, d) => { b.set(d, o); }, flush() {} };
}

export interface BootedPC {
  pc: PC; serial: () => string; debug: () => string; clearSerial: () => void;
  /** Guest instruction count when each watched text first appeared on COM1 (taken as the output is drained,
   *  at a point that depends only on the run's inputs). */
  seenAt: Map<string, bigint>;
}

/** A PC with SeaBIOS and its VGA BIOS, the virtual clock and a fixed time of day, collecting COM1 and the BIOS log. */
export async function bootPC(opts: Partial<PCOptions>, watch: string[] = []): Promise<BootedPC> {
  let serial = "", debug = "";
  const seenAt = new Map<string, bigint>();
  let pc: PC | undefined;
  pc = await PC.create({
    wasm: loadModule("release"), bios: image("bios.bin"), vgaBios: image("vgabios-stdvga.bin"),
    clock: "virtual", timeOfDay: new Date("2026-01-01T12:00:00Z"),
    onSerial: (p, b) => {
      if (p !== 0) return;
      serial += Buffer.from(b).toString("latin1");
      for (const w of watch) if (!seenAt.has(w) && serial.includes(w)) seenAt.set(w, pc!.core.icount);
    },
    onDebug: (b) => { debug += Buffer.from(b).toString("latin1"); },
    ...opts,
  });
  return { pc, serial: () => serial, debug: () => debug, clearSerial: () => { serial = ""; }, seenAt };
}

/** Run until `done()` or until the guest has executed `maxInstructions` more instructions (then throw with `what`). */
export async function runUntil(b: BootedPC, done: () => boolean, maxInstructions: bigint, what: string): Promise<void> {
  const limit = b.pc.core.icount + maxInstructions;
  while (!done()) {
    const r = await b.pc.runSlice(50);
    if (r !== "running" && !done()) throw new Error(`${what}: the machine stopped (${r})\n${tail(b)}`);
    if (b.pc.core.icount > limit) throw new Error(`${what}: not after ${maxInstructions} instructions\n${tail(b)}`);
  }
}

function tail(b: BootedPC): string {
  const screen = b.pc.screenText();
  return `--- serial (last 1500 chars) ---\n${b.serial().slice(-1500)}\n--- screen ---\n${screen ? screen.join("\n") : "(graphics)"}\n--- BIOS log (last 800) ---\n${b.debug().slice(-800)}`;
}

/** The whole text screen as one string. */
export const screen = (pc: PC) => (pc.screenText() ?? []).join("\n");

/** Type `text` on the guest's keyboard and run the machine until the last key is released. */
export async function typeText(b: BootedPC, text: string, maxInstructions = 2_000_000_000n): Promise<void> {
  let done = false;
  void b.pc.typeText(text).then(() => { done = true; });
  await runUntil(b, () => done, maxInstructions, `typing ${JSON.stringify(text)}`);
}
