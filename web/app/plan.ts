// From a MachineConfig (the picker, settings, a share link, the user's image) to the MachinePlan the worker boots:
// resolveMachine (machine-config.ts) checks it against the images manifest; here each source becomes a URL or
// the user's File, and the machine gets the id its disks' overlays are stored under.
import type { MachinePlan, DiskPlan } from "../worker/protocol.ts";
import { resolveMachine, type MachineConfig, type ImagesManifest } from "./machine-config.ts";

export async function loadManifest(url: string): Promise<ImagesManifest> {
  let res: Response;
  try { res = await fetch(url); } catch (e) { throw new Error(`Could not load the images manifest (${url}): ${(e as Error).message}`); }
  if (!res.ok) throw new Error(`The images manifest (${url}) is missing (HTTP ${res.status}). Run \`npm run images\` (npm start does it) to make the firmware and guest images.`);
  try {
    const m = await res.json() as ImagesManifest;
    if (!Array.isArray(m.profiles) || !Array.isArray(m.artefacts)) throw new Error("no profiles");
    return m;
  } catch (e) {
    throw new Error(`The images manifest (${url}) is not valid: ${(e as Error).message}. Rebuild it with \`npm run images\`.`);
  }
}

export interface Planned {
  plan?: MachinePlan;
  errors: string[];
  warnings: string[];
  /** Text to type once the guest is up, and when. */
  type?: { text: string; to: "keyboard" | "serial"; afterSerial?: string; afterPrompt?: string; afterMs?: number };
}

/** `files`: the user's files by name (a config only names them; files cannot travel in links). */
export function planMachine(cfg: MachineConfig, manifest: ImagesManifest, files: ReadonlyMap<string, File>, baseUrl: string): Planned {
  const res = resolveMachine(cfg, manifest, new URL("images/", baseUrl).href);
  if (!res.ok) return { errors: res.errors, warnings: res.warnings };
  const m = res.machine;
  const errors: string[] = [];
  const disks: DiskPlan[] = [];
  const ids: string[] = [];
  for (const d of m.disks) {
    const s = d.source;
    if (s.kind === "file") {
      const file = files.get(s.name);
      if (!file) { errors.push(`The file ${s.name} is not open any more (files cannot travel in links): choose it again.`); continue; }
      disks.push({ drive: d.drive, media: d.media, name: s.name, source: { kind: "file", file, name: s.name }, persist: d.media !== "cdrom", tag: `file:${file.size}:${file.lastModified}` });
      ids.push(`file:${s.name}:${file.size}`);
    } else if (s.kind === "url") {
      const name = decodeURIComponent(s.url.split("?")[0].split("/").pop() || s.url);
      disks.push({ drive: d.drive, media: d.media, name, source: { kind: "url", url: s.url }, persist: d.media !== "cdrom" });
      ids.push(`url:${s.url}`);
    } else {
      disks.push({ drive: d.drive, media: d.media, name: s.file, source: { kind: "url", url: s.url }, persist: d.media !== "cdrom", tag: `sha256:${s.sha256}` });
    }
  }
  if (errors.length) return { errors, warnings: res.warnings };
  const fw = m.firmware;
  const plan: MachinePlan = {
    // the overlays of a profile's own disks belong to the profile; a user's image has its own
    machineId: ids.length ? ids.join("+") : `profile:${m.profile.id}`,
    title: disks.find((d) => d.source.kind === "file" || !d.tag?.startsWith("sha256:"))?.name ?? m.profile.title,
    memoryMiB: m.memoryMiB,
    boot: m.kernel ? "" : m.boot,
    bios: fw.bios.url,
    vgaBios: fw.vgabios?.url ?? "",
    linuxBootRom: fw.linuxboot?.url,
    multibootRom: fw.multibootrom?.url,
    kernel: m.kernel?.kernel.url,
    initrd: m.kernel?.initrd?.url,
    cmdline: m.kernel?.cmdline,
    disks,
    readyText: m.profile.expect?.serial,
  };
  return { plan, errors: [], warnings: res.warnings, type: m.type };
}
