// Share links: a MachineConfig (web/app/machine-config.ts) in the URL fragment, so that opening the link boots
// the same machine. The fragment never reaches a server. Readable parameters, in this order:
//
//   #profile=linux-direct&mem=256&boot=dc&cmdline=console=ttyS0 quiet&hda=https://host/disk.img&type=ls\n
//
//   profile   manifest profile id. Absent: the default machine, or, when the link has image URLs and no profile,
//             the "any image" profile for the first bootable one (custom-iso, custom-hd, custom-floppy)
//   mem       MiB, 2..2047                      boot     "kernel" or letters of a, c, d (e.g. "dc")
//   cmdline   kernel command line               type     text to type once the guest is up
//   typeto    "keyboard" (default) or "serial"
//   fda fdb   floppy image URL on that drive    hda hdb hdc hdd   hard-disk image URL on that drive
//   cdrom     CD image URL (drive hdc)
//
// Values are percent-encoded UTF-8 (RFC 3986) except the characters that read well and are safe in a fragment
// (/ : , @ ; ? = and the ones encodeURIComponent keeps). "+" is a plus sign, not a space (this is not a form).
// Files the user picked cannot go in a link (the bytes are on their computer): encodeLinkWithNotes says which
// were left out. decodeLink never throws: each bad part gives a message and is dropped; an unknown profile gives
// the default machine.
import {
  DRIVE_NAMES, DEFAULT_DRIVE, TYPE_MAX_CHARS, defaultProfileId, memoryProblem, bootOrderProblem, cmdlineProblem, imageUrlProblem,
  type DriveName, type ImageRef, type ImagesManifest, type MachineConfig, type MediaKind,
} from "./machine-config.ts";

/** Longer fragments are refused whole (browsers and chat programs cut long links anyway). */
export const LINK_MAX_CHARS = 32 * 1024;
export const URL_MAX_CHARS = 4096;
/** The profiles a link with only image URLs boots, by the media of its first bootable image. */
export const IMAGE_PROFILES: Record<MediaKind, string> = { cdrom: "custom-iso", hd: "custom-hd", floppy: "custom-floppy" };

const IMAGE_PARAMS = [...DRIVE_NAMES, "cdrom"] as const;
type ImageParam = (typeof IMAGE_PARAMS)[number];
const KNOWN = ["profile", "mem", "boot", "cmdline", ...IMAGE_PARAMS, "type", "typeto"];

/** The drive and media an image parameter means: fd* floppies, hd* hard disks, cdrom the CD on hdc. */
function paramDrive(p: ImageParam): { drive: DriveName; media: MediaKind } {
  if (p === "cdrom") return { drive: DEFAULT_DRIVE.cdrom, media: "cdrom" };
  return { drive: p, media: p.startsWith("fd") ? "floppy" : "hd" };
}
function imageParam(img: ImageRef): ImageParam | null {
  if (img.media === "cdrom") return img.drive === DEFAULT_DRIVE.cdrom ? "cdrom" : null;
  if (img.media === "floppy" !== img.drive.startsWith("fd")) return null;
  return img.drive;
}

/** Replaces unpaired UTF-16 surrogates (which have no UTF-8 form) by U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** encodeURIComponent, then back to the plain character for those that are safe and readable in a fragment. */
function encodeValue(v: string): string {
  return encodeURIComponent(wellFormed(v)).replace(/%(2F|3A|2C|40|3B|3F|3D)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The fragment (with "#") for `config`, and a note for each part that cannot go in a link. */
export function encodeLinkWithNotes(config: MachineConfig): { fragment: string; omitted: string[] } {
  const parts: string[] = [];
  const omitted: string[] = [];
  const put = (k: string, v: string | number | undefined) => { if (v !== undefined) parts.push(`${k}=${encodeValue(String(v))}`); };
  put("profile", config.profile);
  put("mem", config.memoryMiB);
  put("boot", config.boot);
  put("cmdline", config.cmdline);
  const images = [...(config.images ?? [])].sort((a, b) => DRIVE_NAMES.indexOf(a.drive) - DRIVE_NAMES.indexOf(b.drive));
  for (const img of images) {
    if (img.source.kind === "file") { omitted.push(`${img.source.name} (drive ${img.drive}) is a file on this computer and cannot go in a link: put it on a web server and give its URL instead`); continue; }
    const p = imageParam(img);
    if (!p) { omitted.push(`${img.source.url}: a ${img.media} in drive ${img.drive} cannot be described in a link`); continue; }
    put(p, img.source.url);
  }
  put("type", config.type);
  if (config.typeTo && config.typeTo !== "keyboard") put("typeto", config.typeTo);
  return { fragment: `#${parts.join("&")}`, omitted };
}

/** The URL fragment (with "#") for `config`; files are left out (see encodeLinkWithNotes). */
export function encodeLink(config: MachineConfig): string { return encodeLinkWithNotes(config).fragment; }

/** Shows a value in a message: quoted, and cut if long. */
function shown(v: string): string { return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v); }

/**
 * The machine a fragment describes (with or without its "#"), and a message for everything wrong with it. With
 * `manifest`, the profile must exist in it (else the default machine) and "boot=kernel" needs a kernel profile.
 */
export function decodeLink(fragment: string, manifest?: ImagesManifest): { config: MachineConfig; errors: string[] } {
  const errors: string[] = [];
  const fallback = (): { config: MachineConfig; errors: string[] } => ({ config: { profile: defaultProfileId(manifest) }, errors });
  let text = typeof fragment === "string" ? fragment : "";
  if (text.startsWith("#")) text = text.slice(1);
  if (text.trim() === "") return fallback();
  if (text.length > LINK_MAX_CHARS) {
    errors.push(`the link is ${text.length} characters long, more than the ${LINK_MAX_CHARS} a machine link can have: starting the default machine`);
    return fallback();
  }

  // split into parameters; each problem with one parameter drops just that parameter
  const values = new Map<string, string>();
  for (const part of text.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    let key: string;
    try { key = decodeURIComponent(rawKey).toLowerCase(); } catch { key = rawKey.toLowerCase(); }
    if (!KNOWN.includes(key)) {
      errors.push(`the link has an unknown setting ${shown(key)}: it is ignored (the settings are ${KNOWN.join(", ")})`);
      continue;
    }
    if (eq < 0) { errors.push(`the link's setting "${key}" has no value (write ${key}=...): it is ignored`); continue; }
    let value: string;
    try { value = wellFormed(decodeURIComponent(part.slice(eq + 1))); } catch {
      errors.push(`the link's setting "${key}" has a broken %-escape (a % must be followed by two hex digits of UTF-8): it is ignored`);
      continue;
    }
    if (values.has(key)) { errors.push(`the link gives "${key}" twice: the first one is used`); continue; }
    values.set(key, value);
  }

  // the profile: given, implied by image URLs, or the default
  const images: ImageRef[] = [];
  for (const p of IMAGE_PARAMS) {
    const url = values.get(p);
    if (url === undefined) continue;
    const where = paramDrive(p);
    if (p === "cdrom" && values.has("hdc")) { errors.push(`the link gives both "cdrom" and "hdc" (the CD-ROM is drive hdc): the hdc image is used`); continue; }
    if (url.length > URL_MAX_CHARS) { errors.push(`the link's ${p} URL is ${url.length} characters long (at most ${URL_MAX_CHARS}): it is ignored`); continue; }
    const bad = imageUrlProblem(url);
    if (bad) { errors.push(`the link's ${p} image: ${bad}; it is ignored`); continue; }
    images.push({ ...where, source: { kind: "url", url } });
  }
  images.sort((a, b) => DRIVE_NAMES.indexOf(a.drive) - DRIVE_NAMES.indexOf(b.drive));
  let profile = values.get("profile");
  if (profile === undefined && images.length) {
    const first = images.find((i) => i.media === "cdrom") ?? images.find((i) => i.media === "hd") ?? images[0];
    profile = IMAGE_PROFILES[first.media];
  }
  if (profile !== undefined) {
    const known = manifest?.profiles.map((p) => p.id);
    const bad = !/^[a-z0-9][a-z0-9-]{0,63}$/.test(profile) || (known && !known.includes(profile));
    if (bad) {
      const list = known ? ` (the machines are ${known.join(", ")})` : "";
      errors.push(`the link asks for an unknown machine ${shown(profile)}${list}: starting the default machine instead, without the link's other settings`);
      return fallback();
    }
  }
  const config: MachineConfig = { profile: profile ?? defaultProfileId(manifest) };
  const manifestProfile = manifest?.profiles.find((p) => p.id === config.profile);

  const mem = values.get("mem");
  if (mem !== undefined) {
    const n = /^\d{1,6}$/.test(mem.trim()) ? Number(mem.trim()) : NaN;
    const bad = Number.isNaN(n) ? `memory size ${shown(mem)} is not a number of MiB` : memoryProblem(n);
    if (bad) errors.push(`the link's ${bad}; the machine's own memory size is used`);
    else config.memoryMiB = n;
  }
  const boot = values.get("boot");
  if (boot !== undefined) {
    const b = boot.trim().toLowerCase();
    const bad = bootOrderProblem(b) ?? (b === "kernel" && manifestProfile && manifestProfile.media.kernel === undefined
      ? `boot order "kernel": ${manifestProfile.title} has no kernel` : null);
    if (bad) errors.push(`the link's ${bad}; the machine's own boot order is used`);
    else config.boot = b;
  }
  const cmdline = values.get("cmdline");
  if (cmdline !== undefined) {
    const bad = cmdlineProblem(cmdline);
    if (bad) errors.push(`the link's kernel command line is not used: ${bad}`);
    else config.cmdline = cmdline;
  }
  if (images.length) config.images = images;
  const type = values.get("type");
  if (type !== undefined) {
    if (type.length > TYPE_MAX_CHARS) errors.push(`the link's text to type is ${type.length} characters long (at most ${TYPE_MAX_CHARS}): nothing will be typed`);
    else config.type = type;
  }
  const typeTo = values.get("typeto");
  if (typeTo !== undefined) {
    if (typeTo === "keyboard" || typeTo === "serial") { if (typeTo === "serial") config.typeTo = "serial"; }
    else errors.push(`the link's typeto=${shown(typeTo)} is not "keyboard" or "serial": typing on the keyboard`);
  }
  return { config, errors };
}
