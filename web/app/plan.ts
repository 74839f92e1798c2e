// From what the user asked for (a profile of the images manifest with overrides, or an image of their own) to
// the MachinePlan the worker boots: every firmware and image file becomes a URL or a Blob.
import type { MachinePlan, DiskPlan } from "../worker/protocol.ts";
import type { DriveName } from "../machine/pc.ts";
import type { MediaKind } from "../machine/disks.ts";
import { classifyImage } from "./machine-config.ts";

export interface ManifestProfile {
  id: string; title: string; description: string; memoryMiB: number; boot: string; cmdline?: string;
  media: Record<string, string>; expect?: { serial?: string; screen?: string };
  user?: { slot: string; accept: string[]; hint: string; testImage?: string };
}
export interface ManifestArtefact { id: string; title: string; kind: string; file: string; size: number; sha256: string }
export interface Manifest { profiles: ManifestProfile[]; artefacts: ManifestArtefact[] }

/** What a machine is: a profile with overrides, or (profile "") the user's own image. */
export interface AppConfig {
  profile: string;
  memoryMiB?: number;
  /** QEMU boot letters ("dc") or "kernel". */
  boot?: string;
  cmdline?: string;
  /** Text to type once the guest is up, on the keyboard (default) or the serial console. */
  type?: string;
  typeTo?: "keyboard" | "serial";
  /** The user's image by URL (links carry it; files cannot travel in a link). */
  imageUrl?: string;
  imageMedia?: MediaKind;
}

export interface UserImage { file?: File; name: string; media?: MediaKind; head?: Uint8Array }

export async function loadManifest(url: string): Promise<Manifest> {
  let res: Response;
  try { res = await fetch(url); } catch (e) { throw new Error(`Could not load the images manifest (${url}): ${(e as Error).message}`); }
  if (!res.ok) throw new Error(`The images manifest (${url}) is missing (HTTP ${res.status}). Run \`npm run images\` (npm start does it) to make the firmware and guest images.`);
  try {
    const m = await res.json() as Manifest;
    if (!Array.isArray(m.profiles) || !Array.isArray(m.artefacts)) throw new Error("no profiles");
    return m;
  } catch (e) {
    throw new Error(`The images manifest (${url}) is not valid: ${(e as Error).message}. Rebuild it with \`npm run images\`.`);
  }
}

const DRIVE_OF: Record<string, { drive: DriveName; media: MediaKind }> = {
  fda: { drive: "fda", media: "floppy" }, fdb: { drive: "fdb", media: "floppy" },
  hda: { drive: "hda", media: "hd" }, hdb: { drive: "hdb", media: "hd" },
  cdrom: { drive: "hdc", media: "cdrom" }, hdc: { drive: "hdc", media: "cdrom" },
};
const BOOT_LETTER: Record<string, string> = { kernel: "", cdrom: "d", hda: "c", fda: "a" };
const LETTER_OF_MEDIA: Record<MediaKind, string> = { floppy: "a", hd: "c", cdrom: "d" };

export function planMachine(cfg: AppConfig, manifest: Manifest, user?: UserImage): { config: AppConfig; plan?: MachinePlan; errors: string[] } {
  const errors: string[] = [];
  const file = (artefactId: string) => {
    const a = manifest.artefacts.find((x) => x.id === artefactId);
    if (!a) throw new Error(`the images manifest has no artefact "${artefactId}": rebuild the images`);
    return new URL(`images/${a.file}`, document.baseURI).href;
  };
  try {
    if (cfg.profile === "" || user || cfg.imageUrl) {
      // the user's own image on a plain PC
      const name = user?.name ?? cfg.imageUrl!.split("/").pop()!.split("?")[0] ?? "image";
      const c = classifyImage(name, user?.file?.size ?? -1, user?.head, user?.media ?? cfg.imageMedia);
      if ("error" in c) return { config: cfg, errors: [c.error] };
      const disk: DiskPlan = {
        drive: c.drive, media: c.media, name,
        source: user?.file ? { kind: "file", file: user.file, name } : { kind: "url", url: cfg.imageUrl! },
        persist: c.media !== "cdrom",
      };
      const plan: MachinePlan = {
        machineId: user?.file ? `file:${name}:${user.file.size}` : `url:${cfg.imageUrl}`,
        title: name, memoryMiB: cfg.memoryMiB ?? (c.media === "floppy" ? 32 : 256),
        boot: cfg.boot && cfg.boot !== "kernel" ? cfg.boot : LETTER_OF_MEDIA[c.media],
        bios: file("bios"), vgaBios: file("vgabios"), disks: [disk],
      };
      return { config: { ...cfg, profile: "" }, plan, errors };
    }
    const p = manifest.profiles.find((x) => x.id === cfg.profile);
    if (!p) return planMachine({ profile: "linux-direct" }, manifest);
    if (p.user) return { config: cfg, errors: [`${p.title} needs an image you provide (${p.user.hint}): choose a file, drop it on the screen, or give its URL.`] };
    const disks: DiskPlan[] = [];
    for (const [slot, id] of Object.entries(p.media)) {
      const d = DRIVE_OF[slot];
      if (!d) continue;
      const a = manifest.artefacts.find((x) => x.id === id);
      disks.push({ drive: d.drive, media: d.media, name: a?.file ?? id, source: { kind: "url", url: file(id) }, persist: d.media !== "cdrom" });
    }
    const boot = cfg.boot ?? BOOT_LETTER[p.boot] ?? "";
    const direct = boot === "" || boot === "kernel";
    const plan: MachinePlan = {
      machineId: p.id, title: p.title, memoryMiB: cfg.memoryMiB ?? p.memoryMiB,
      boot: direct ? "" : boot,
      bios: file(p.media.bios), vgaBios: file(p.media.vgabios),
      linuxBootRom: p.media.linuxboot ? file(p.media.linuxboot) : undefined,
      multibootRom: p.media.multibootrom ? file(p.media.multibootrom) : undefined,
      kernel: direct && p.media.kernel ? file(p.media.kernel) : undefined,
      initrd: direct && p.media.initrd ? file(p.media.initrd) : undefined,
      cmdline: direct && p.media.kernel ? (cfg.cmdline ?? p.cmdline ?? "") : undefined,
      disks, readyText: p.expect?.serial ?? p.expect?.screen,
    };
    return { config: cfg, plan, errors };
  } catch (e) {
    return { config: cfg, errors: [(e as Error).message] };
  }
}
