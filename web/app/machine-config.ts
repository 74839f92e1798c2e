// The machine the page runs, as the picker, the settings and share links describe it (MachineConfig), how a
// user's image is classified (CD, floppy or hard disk), and the resolution of a config against the images
// manifest (public/images/manifest.json, written by images/build.ts) into what the worker boots: which file or URL
// goes to which firmware/kernel/disk slot, memory, boot order and command line. Pure and browser-safe.
//
// A config names a manifest profile and overrides parts of it; everything absent comes from the profile:
//   profile    a profile id from the manifest ("linux-direct" is the default machine)
//   memoryMiB  guest RAM, 2..2047 MiB (the PC's limits)
//   boot       "kernel" (direct kernel boot, profiles with a kernel) or QEMU -boot letters a (floppy), c (hard
//              disk), d (CD-ROM) in order, each at most once, e.g. "dc". Letters on a kernel profile boot the
//              disks through the BIOS instead: the kernel, initrd and command line are then not loaded.
//   cmdline    the kernel command line (only with a kernel boot)
//   images     the user's images by drive; one on a drive the profile also fills replaces the profile's
//   type       text to type once the guest is up (after the profile's ready text, else after a delay)
//   typeTo     where to type it: the PS/2 keyboard (default) or COM1
import type { DriveName } from "../machine/pc.ts";
import { FLOPPY_FORMATS, ISO_DESCRIPTOR_OFFSET, type MediaKind } from "../machine/disks.ts";
import { textToKeys } from "../machine/keyboard.ts";

export type { DriveName, MediaKind };
export const DRIVE_NAMES: readonly DriveName[] = ["fda", "fdb", "hda", "hdb", "hdc", "hdd"];

export type ImageSource = { kind: "url"; url: string } | { kind: "file"; name: string; size: number };
/** A user image on a drive (a file from the picker or drag and drop, or a URL). */
export interface ImageRef { drive: DriveName; media: MediaKind; source: ImageSource }

export interface MachineConfig {
  profile: string;
  memoryMiB?: number;
  boot?: string;
  cmdline?: string;
  images?: ImageRef[];
  type?: string;
  typeTo?: "keyboard" | "serial";
}

export const DEFAULT_PROFILE = "linux-direct";
export const MEMORY_MIN_MIB = 2;
export const MEMORY_MAX_MIB = 2047;
/** Linux's x86 COMMAND_LINE_SIZE is 2048 bytes including the terminating NUL. */
export const CMDLINE_MAX_BYTES = 2047;
/** Typed text is for a few commands, not files (typing runs at about 30 keys a second). */
export const TYPE_MAX_CHARS = 4096;
/** With no ready text in the profile, typing starts this long after power-on. */
export const TYPE_DELAY_MS = 15_000;

// ---- the manifest (the parts the app reads; images/manifest.schema.json has all of it) ------------------------
import type { ManifestSlot, ManifestArtefact, ManifestProfile, ImagesManifest } from "../machine/manifest.ts";
export type { ManifestSlot, ManifestArtefact, ManifestProfile, ImagesManifest };

/** The default machine's profile: linux-direct if the manifest has it, else the first profile. */
export function defaultProfileId(manifest?: ImagesManifest): string {
  if (!manifest || manifest.profiles.some((p) => p.id === DEFAULT_PROFILE)) return DEFAULT_PROFILE;
  return manifest.profiles[0]?.id ?? DEFAULT_PROFILE;
}

// ---- drives and media -----------------------------------------------------------------------------------------
/** Where each manifest disk slot goes (QEMU's -fda / -hda / -cdrom: the CD is the secondary master, hdc). */
export const SLOT_DRIVE: Record<"fda" | "hda" | "cdrom", { drive: DriveName; media: MediaKind }> = {
  fda: { drive: "fda", media: "floppy" }, hda: { drive: "hda", media: "hd" }, cdrom: { drive: "hdc", media: "cdrom" },
};
export const DEFAULT_DRIVE: Record<MediaKind, DriveName> = { floppy: "fda", hd: "hda", cdrom: "hdc" };
const MEDIA_WORD: Record<MediaKind, string> = { floppy: "floppy", hd: "hard disk", cdrom: "CD" };

/** The media a drive can hold: floppy drives take floppies; IDE drives take hard disks or CDs. */
export function driveAccepts(drive: DriveName, media: MediaKind): boolean {
  return drive.startsWith("fd") ? media === "floppy" : media !== "floppy";
}

// ---- classifying a user's image ---------------------------------------------------------------------------------
/** How many leading bytes classifyImage wants: enough for the ISO 9660 volume descriptor identifier. */
export const CLASSIFY_HEAD_BYTES = ISO_DESCRIPTOR_OFFSET + 8;

export type ImageClass =
  | { ok: true; media: MediaKind; drive: DriveName; reason: string; warnings: string[] }
  | { ok: false; error: string };

/** File signatures of things people pick by mistake, with what to do instead. */
const NOT_IMAGES: { magic: number[]; at?: number; what: string; advice: string }[] = [
  { magic: [0x50, 0x4B, 0x03, 0x04], what: "a ZIP archive", advice: "unpack it first and choose the image inside" },
  { magic: [0x50, 0x4B, 0x05, 0x06], what: "an empty ZIP archive", advice: "unpack it first and choose the image inside" },
  { magic: [0x1F, 0x8B], what: "a gzip-compressed file", advice: "decompress it first (gunzip)" },
  { magic: [0x42, 0x5A, 0x68], what: "a bzip2-compressed file", advice: "decompress it first (bunzip2)" },
  { magic: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], what: "an xz-compressed file", advice: "decompress it first (unxz)" },
  { magic: [0x28, 0xB5, 0x2F, 0xFD], what: "a zstd-compressed file", advice: "decompress it first (unzstd)" },
  { magic: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], what: "a 7-Zip archive", advice: "unpack it first and choose the image inside" },
  { magic: [0x52, 0x61, 0x72, 0x21, 0x1A, 0x07], what: "a RAR archive", advice: "unpack it first and choose the image inside" },
  { magic: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], what: "a PNG picture", advice: "choose a disk image (.img, .iso)" },
  { magic: [0xFF, 0xD8, 0xFF], what: "a JPEG picture", advice: "choose a disk image (.img, .iso)" },
  { magic: [0x47, 0x49, 0x46, 0x38], what: "a GIF picture", advice: "choose a disk image (.img, .iso)" },
  { magic: [0x25, 0x50, 0x44, 0x46, 0x2D], what: "a PDF document", advice: "choose a disk image (.img, .iso)" },
  { magic: [0x7F, 0x45, 0x4C, 0x46], what: "an ELF program", advice: "choose a disk image (.img, .iso)" },
  { magic: [0x51, 0x46, 0x49, 0xFB], what: "a QEMU qcow2 image", advice: "convert it to a raw image first (qemu-img convert -O raw in.qcow2 out.img)" },
  { magic: [0x4B, 0x44, 0x4D, 0x56], what: "a VMware VMDK image", advice: "convert it to a raw image first (qemu-img convert -O raw in.vmdk out.img)" },
  { magic: [0x63, 0x6F, 0x6E, 0x65, 0x63, 0x74, 0x69, 0x78], what: "a dynamic VHD image", advice: "convert it to a raw image first (qemu-img convert -O raw in.vhd out.img)" },
  { magic: [0x7F, 0x10, 0xDA, 0xBE], at: 0x40, what: "a VirtualBox VDI image", advice: "convert it to a raw image first (VBoxManage clonemedium --format RAW)" },
  { magic: [0x48, 0x64, 0x72, 0x53], at: 0x202, what: "a Linux kernel (bzImage)", advice: "choose a disk image; kernels boot only from the built-in profiles" },
];

function startsWith(head: Uint8Array, magic: number[], at = 0): boolean {
  if (head.length < at + magic.length) return false;
  return magic.every((b, i) => head[at + i] === b);
}

/** The first 512 bytes are all printable text (no disk sector looks like that: boot code or zeros). */
function looksLikeText(head: Uint8Array): "html" | "text" | null {
  const n = Math.min(head.length, 512);
  if (n < 16) return null;
  let start = 0;
  if (head[0] === 0xEF && head[1] === 0xBB && head[2] === 0xBF) start = 3; // UTF-8 byte order mark
  for (let i = start; i < n; i++) {
    const b = head[i];
    // printable ASCII, tab, LF, CR, and UTF-8 lead/continuation bytes
    if (!(b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7F) || b >= 0x80)) return null;
  }
  const text = String.fromCharCode(...head.subarray(start, n)).trimStart().toLowerCase();
  return /^<(!doctype html|html|head|body|\?xml)/.test(text) ? "html" : "text";
}

function sizeText(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MiB`;
  if (n >= 1 << 10) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} byte${n === 1 ? "" : "s"}`;
}

const hasIsoDescriptor = (head: Uint8Array) =>
  head.length >= ISO_DESCRIPTOR_OFFSET + 6 && String.fromCharCode(...head.subarray(ISO_DESCRIPTOR_OFFSET + 1, ISO_DESCRIPTOR_OFFSET + 6)) === "CD001";

/**
 * What a user's image is and where it goes: an ISO 9660 image ("CD001" at byte 32769, or a .iso name when the
 * bytes are not at hand) is a CD on hdc; a file of a floppy format's size (FLOPPY_FORMATS) a floppy on fda;
 * anything else a hard disk on hda. `chosen` (the user's explicit choice of media and/or drive) wins over the
 * guess, but is still checked. `head` is the file's first bytes (CLASSIFY_HEAD_BYTES of them for the ISO check);
 * without it only the name and size are used. An empty file, a file too small for its media, and a file that is
 * clearly something else (archive, picture, document, program, web page, other VM formats) give an error that
 * names the file and says what to do.
 */
export function classifyImage(name: string, size: number, head?: Uint8Array, chosen?: { media?: MediaKind; drive?: DriveName }): ImageClass {
  const fail = (error: string): ImageClass => ({ ok: false, error });
  if (!Number.isSafeInteger(size) || size < 0) return fail(`${name}: unknown size`);
  if (size === 0) return fail(`${name} is empty (0 bytes), not a disk image: choose the image file itself`);
  if (head) {
    for (const sig of NOT_IMAGES) {
      if (startsWith(head, sig.magic, sig.at)) return fail(`${name} is ${sig.what}, not a disk image: ${sig.advice}`);
    }
    const text = looksLikeText(head);
    if (text === "html") return fail(`${name} is a web page (HTML), not a disk image: if it came from a URL, the server sent a page instead of the file; use the file's direct download address`);
    if (text === "text") return fail(`${name} is a text file, not a disk image: choose the image file itself`);
  }
  const lower = name.toLowerCase();
  const isoByName = /\.iso$/.test(lower);
  const headCoversIso = head !== undefined && head.length >= ISO_DESCRIPTOR_OFFSET + 6;
  const iso = head && hasIsoDescriptor(head);
  const floppy = FLOPPY_FORMATS.find((f) => f.size === size);
  const warnings: string[] = [];

  let media: MediaKind;
  let reason: string;
  const chosenMedia = chosen?.media ?? (chosen?.drive?.startsWith("fd") ? "floppy" : undefined);
  if (chosenMedia) {
    media = chosenMedia;
    reason = `chosen as a ${MEDIA_WORD[media]}`;
  } else if (iso) {
    media = "cdrom"; reason = "ISO 9660 volume descriptor (CD001) at byte 32769";
  } else if (isoByName && !headCoversIso) {
    media = "cdrom"; reason = "the name ends in .iso";
  } else if (isoByName) {
    return fail(`${name} is named like a CD image but has no ISO 9660 volume descriptor ("CD001" at byte 32769): if it is a hard-disk or floppy image, choose the kind explicitly`);
  } else if (floppy) {
    media = "floppy"; reason = `${size} bytes is the size of a ${floppy.name} floppy`;
  } else {
    media = "hd"; reason = `${sizeText(size)} is neither a CD image nor a floppy size`;
  }

  // the chosen or guessed media must be possible for these bytes
  if (media === "floppy" && !floppy) {
    return fail(`${name}: ${size} bytes is not the size of any floppy format (${FLOPPY_FORMATS.map((f) => `${f.name}: ${f.size}`).join(", ")} bytes); choose "hard disk" for other sizes`);
  }
  if (media === "cdrom") {
    if (size < ISO_DESCRIPTOR_OFFSET + 2048) return fail(`${name}: ${sizeText(size)} is too small for a CD image (an ISO 9660 image has at least 34816 bytes)`);
    if (headCoversIso && !iso) return fail(`${name} is not an ISO 9660 CD image (no "CD001" at byte 32769): choose "hard disk" or "floppy" instead`);
    if (size % 2048) warnings.push(`${name}: ${size} bytes is not a whole number of 2048-byte CD sectors; the last ${size % 2048} bytes are not visible to the guest`);
  }
  if (media === "hd") {
    if (size < 512) return fail(`${name}: ${sizeText(size)} is smaller than one 512-byte sector, not a hard-disk image`);
    if (size % 512) warnings.push(`${name}: ${size} bytes is not a whole number of 512-byte sectors; the last ${size % 512} bytes are not visible to the guest`);
  }

  const drive = chosen?.drive ?? DEFAULT_DRIVE[media];
  if (!driveAccepts(drive, media)) return fail(`${name}: a ${MEDIA_WORD[media]} cannot go in drive ${drive} (floppies go in fda/fdb, hard disks and CDs in hda-hdd)`);
  return { ok: true, media, drive, reason, warnings };
}

// ---- resolving a config against the manifest ------------------------------------------------------------------
/** A file of the images build, fetched from `url` (relative to the page), with its size and SHA-256. */
export interface ArtefactSource { kind: "artefact"; id: string; file: string; url: string; size: number; sha256: string }
export type DiskSource = ArtefactSource | ImageSource;
export interface ResolvedDisk { drive: DriveName; media: MediaKind; source: DiskSource; /** the user's image, not the profile's */ user: boolean }

/** What the worker needs to build the PC (web/machine/pc.ts PCOptions): every source is a file to load. */
export interface ResolvedMachine {
  profile: ManifestProfile;
  memoryMiB: number;
  /** QEMU -boot letters for PCOptions.boot (with a kernel, the kernel boots first whatever they say). */
  boot: string;
  firmware: { bios: ArtefactSource; vgabios?: ArtefactSource; linuxboot?: ArtefactSource; multibootrom?: ArtefactSource };
  /** Direct kernel boot (PCOptions.kernel/initrd/append), or absent for a BIOS boot from the disks. */
  kernel?: { kernel: ArtefactSource; initrd?: ArtefactSource; cmdline: string };
  disks: ResolvedDisk[];
  /** Text to type once the guest is up: after `afterSerial` appears on COM1 and then `afterPrompt` on the console
   *  typed to, else after `afterMs` of running (web/app/type-trigger.ts). */
  type?: { text: string; to: "keyboard" | "serial"; afterSerial?: string; afterPrompt?: string; afterMs?: number };
}

export type Resolution =
  | { ok: true; machine: ResolvedMachine; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] };

const BOOT_LETTER: Record<"cdrom" | "hda" | "fda", string> = { cdrom: "d", hda: "c", fda: "a" };
const LETTER_MEDIA: Record<string, { media: MediaKind; word: string }> = {
  a: { media: "floppy", word: "floppy" }, c: { media: "hd", word: "hard disk" }, d: { media: "cdrom", word: "CD-ROM" },
};

/** A boot order value is "kernel" or 1-3 distinct letters of a, c, d. */
export function bootOrderProblem(boot: string): string | null {
  if (boot === "kernel") return null;
  if (!/^[acd]{1,3}$/.test(boot) || new Set(boot).size !== boot.length) {
    return `boot order "${boot}": use "kernel" or the letters a (floppy), c (hard disk), d (CD-ROM) in the order to try, each once (e.g. "dc")`;
  }
  return null;
}

export function memoryProblem(mib: number): string | null {
  if (!Number.isInteger(mib) || mib < MEMORY_MIN_MIB || mib > MEMORY_MAX_MIB) return `memory size ${mib} MiB: give a whole number from ${MEMORY_MIN_MIB} to ${MEMORY_MAX_MIB}`;
  return null;
}

/** UTF-8 length (the kernel command line limit is in bytes). */
export function utf8Length(s: string): number { return new TextEncoder().encode(s).length; }

export function cmdlineProblem(cmdline: string): string | null {
  if (/[\u0000-\u001F\u007F]/.test(cmdline)) return "the kernel command line contains control characters (line breaks, tabs...): use spaces";
  const n = utf8Length(cmdline);
  if (n > CMDLINE_MAX_BYTES) return `the kernel command line is ${n} bytes: Linux takes at most ${CMDLINE_MAX_BYTES}`;
  return null;
}

export function typeTextProblem(text: string, to: "keyboard" | "serial"): { error?: string; warning?: string } {
  if (text.length > TYPE_MAX_CHARS) return { error: `the text to type is ${text.length} characters: at most ${TYPE_MAX_CHARS}` };
  if (to === "keyboard") {
    const bad = [...new Set(textToKeys(text).untypable.map((u) => u.char))];
    if (bad.length) return { warning: `${bad.length} character${bad.length === 1 ? "" : "s"} of the text to type cannot be typed on a US keyboard and will be skipped: ${bad.join(" ")}` };
  }
  return {};
}

/** An image URL must be absolute http(s) (a link must not make the page fetch file:, data: or javascript: URLs). */
export function imageUrlProblem(url: string): string | null {
  let u: URL;
  try { u = new URL(url); } catch { return `"${url}" is not a valid URL: give a full http:// or https:// address`; }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `"${url}" is not an http(s) URL: images can only be loaded over http:// or https://`;
  return null;
}

/**
 * Checks `config` against `manifest` and says what the worker must load: the profile's artefacts by slot (their
 * URLs relative to `imagesBase`, the folder of manifest.json), the user's images on their drives (replacing the
 * profile's image on the same drive), memory, boot order and command line. Every problem is reported at once
 * (errors stop the boot; warnings are for the user to read).
 */
export function resolveMachine(config: MachineConfig, manifest: ImagesManifest, imagesBase = "images/"): Resolution {
  const errors: string[] = [];
  const warnings: string[] = [];
  const profile = manifest.profiles.find((p) => p.id === config.profile);
  if (!profile) {
    return { ok: false, errors: [`unknown machine "${config.profile}": choose one of ${manifest.profiles.map((p) => p.id).join(", ")}`], warnings };
  }
  const base = imagesBase === "" || imagesBase.endsWith("/") ? imagesBase : `${imagesBase}/`;
  const artefact = (slot: ManifestSlot): ArtefactSource | undefined => {
    const id = profile.media[slot];
    if (id === undefined) return undefined;
    const a = manifest.artefacts.find((x) => x.id === id);
    if (!a) { errors.push(`the images manifest lists "${id}" for ${profile.id}'s ${slot} but has no such file: rebuild the images (npm run images)`); return undefined; }
    return { kind: "artefact", id: a.id, file: a.file, url: base + a.file, size: a.size, sha256: a.sha256 };
  };

  const memoryMiB = config.memoryMiB ?? profile.memoryMiB;
  const mem = memoryProblem(memoryMiB);
  if (mem) errors.push(mem);

  // boot order: the profile's, unless overridden
  const hasKernel = profile.media.kernel !== undefined;
  const boot = config.boot ?? (profile.boot === "kernel" ? "kernel" : BOOT_LETTER[profile.boot] + "cad".replace(BOOT_LETTER[profile.boot], ""));
  const bootErr = bootOrderProblem(boot);
  if (bootErr) errors.push(bootErr);
  if (boot === "kernel" && !hasKernel) errors.push(`${profile.title} has no kernel to boot directly: use a boot order of a (floppy), c (hard disk) or d (CD-ROM)`);
  const kernelBoot = boot === "kernel" && hasKernel;

  // firmware
  const bios = artefact("bios");
  if (!bios && profile.media.bios === undefined) errors.push(`${profile.title} names no BIOS in the images manifest: rebuild the images (npm run images)`);
  const firmware: ResolvedMachine["firmware"] = { bios: bios! };
  const vgabios = artefact("vgabios"); if (vgabios) firmware.vgabios = vgabios;

  // kernel
  let kernel: ResolvedMachine["kernel"];
  const cmdline = config.cmdline ?? profile.cmdline ?? "";
  if (config.cmdline !== undefined) {
    const c = cmdlineProblem(config.cmdline);
    if (c) errors.push(c);
    if (!kernelBoot) warnings.push(`the kernel command line is not used: ${hasKernel ? "the boot order starts from the disks" : `${profile.title} boots from its disks, not a kernel`}`);
  }
  if (kernelBoot) {
    const k = artefact("kernel");
    const initrd = artefact("initrd");
    const linuxboot = artefact("linuxboot"); if (linuxboot) firmware.linuxboot = linuxboot;
    const multibootrom = artefact("multibootrom"); if (multibootrom) firmware.multibootrom = multibootrom;
    if (k) kernel = { kernel: k, ...(initrd ? { initrd } : {}), cmdline };
  }

  // disks: the profile's, then the user's on top
  const disks: ResolvedDisk[] = [];
  for (const slot of ["fda", "hda", "cdrom"] as const) {
    const src = artefact(slot);
    if (src) disks.push({ ...SLOT_DRIVE[slot], source: src, user: false });
  }
  const userDrives = new Set<DriveName>();
  for (const img of config.images ?? []) {
    const what = img.source.kind === "url" ? img.source.url : img.source.name;
    if (!DRIVE_NAMES.includes(img.drive)) { errors.push(`${what}: unknown drive "${img.drive}" (use ${DRIVE_NAMES.join(", ")})`); continue; }
    if (!driveAccepts(img.drive, img.media)) { errors.push(`${what}: a ${MEDIA_WORD[img.media]} cannot go in drive ${img.drive} (floppies go in fda/fdb, hard disks and CDs in hda-hdd)`); continue; }
    if (userDrives.has(img.drive)) { errors.push(`two images for drive ${img.drive}: ${what} is not used; choose another drive for it`); continue; }
    if (img.source.kind === "url") { const u = imageUrlProblem(img.source.url); if (u) { errors.push(`drive ${img.drive}: ${u}`); continue; } }
    userDrives.add(img.drive);
    const i = disks.findIndex((d) => d.drive === img.drive);
    if (i >= 0) disks.splice(i, 1);
    disks.push({ drive: img.drive, media: img.media, source: img.source, user: true });
  }
  if (profile.user) {
    const need = SLOT_DRIVE[profile.user.slot];
    if (!disks.some((d) => d.user && d.drive === need.drive && d.media === need.media)) {
      errors.push(`${profile.title} needs your ${MEDIA_WORD[need.media]} image (${profile.user.hint}) in drive ${need.drive}: choose a file, drop it on the page, or give its URL`);
    }
  }
  disks.sort((a, b) => DRIVE_NAMES.indexOf(a.drive) - DRIVE_NAMES.indexOf(b.drive));

  // a BIOS boot needs something to boot from
  const letters = boot === "kernel" ? "" : boot;
  if (!bootErr && letters && ![...letters].some((l) => disks.some((d) => d.media === LETTER_MEDIA[l].media))) {
    warnings.push(`boot order "${letters}": there is no ${[...letters].map((l) => LETTER_MEDIA[l].word).join(" or ")} image, so the BIOS will find nothing to boot`);
  }

  // typing
  let type: ResolvedMachine["type"];
  if (config.type !== undefined && config.type !== "") {
    const to = config.typeTo ?? "keyboard";
    const t = typeTextProblem(config.type, to);
    if (t.error) errors.push(t.error);
    if (t.warning) warnings.push(t.warning);
    const ready = profile.expect?.serial;
    const prompt = ready ? profile.expect?.prompt : undefined;
    type = { text: config.type, to, ...(ready ? { afterSerial: ready } : { afterMs: TYPE_DELAY_MS }), ...(prompt ? { afterPrompt: prompt } : {}) };
  }

  if (errors.length) return { ok: false, errors, warnings };
  return {
    ok: true, warnings,
    // with a kernel the option ROM boots first; the letters only matter if the kernel returns to the BIOS
    machine: { profile, memoryMiB, boot: kernelBoot ? "cad" : boot, firmware, ...(kernel ? { kernel } : {}), disks, ...(type ? { type } : {}) },
  };
}
