// Command line of `npm run vm` (web/cli-vm.ts): QEMU's option names where QEMU has the option, ours (--profile,
// --until, ...) otherwise; and the resolution of a manifest profile plus options into one machine plan. Pure
// functions (no file access) so that the tests can drive them with tables; docs/runner.md documents the options.

export type DriveName = "fda" | "fdb" | "hda" | "hdb" | "hdc" | "hdd";
export type Media = "floppy" | "hd" | "cdrom";
export type OutputTarget = { kind: "stdio" } | { kind: "none" } | { kind: "file"; path: string };

export class UsageError extends Error {
  constructor(message: string) { super(message); this.name = "UsageError"; }
}

export interface DriveArg { path: string; media: Media }

export interface VmArgs {
  help: boolean;
  memoryMiB?: number;
  kernel?: string;
  initrd?: string;
  append?: string;
  bios?: string;
  vga?: "std" | "none";
  drives: Partial<Record<DriveName, DriveArg>>;
  boot?: { order?: string; menu?: boolean };
  /** -serial, in order: COM1, COM2, ... (default: COM1 on stdio) */
  serial: OutputTarget[];
  debugcon?: OutputTarget;
  snapshot: boolean;
  noReboot: boolean;
  rtcBase?: Date;
  profile?: string;
  images?: string;
  screenshot?: string;
  screenText: boolean;
  until?: string;
  timeout?: number;
  type?: string;
  send?: string;
  typeAfter?: string;
  typeWait?: number;
  stats: boolean;
  debug: boolean;
  clock?: "realtime" | "virtual";
}

interface OptionDef { names: string[]; value?: string; help: string; apply(a: VmArgs, v: string, name: string): void }

const DRIVES: DriveName[] = ["fda", "fdb", "hda", "hdb", "hdc", "hdd"];

function setDrive(a: VmArgs, drive: DriveName, path: string, media: Media, opt: string): void {
  if (a.drives[drive]) throw new UsageError(`${opt}: drive ${drive} is already given (${a.drives[drive]!.path})${drive === "hdc" ? "; -cdrom is the secondary master, hdc" : ""}`);
  if (path === "") throw new UsageError(`${opt} needs a file name`);
  a.drives[drive] = { path, media };
}

/** QEMU's -m: a number of MiB, or with a suffix (K, M, G, T; bytes with B), optionally as size=... */
export function parseMemory(s: string): number {
  const v = s.startsWith("size=") ? s.slice(5).split(",")[0] : s.split(",")[0];
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtTbB]?)i?[bB]?$/.exec(v);
  if (!m) throw new UsageError(`-m: not a memory size: ${s} (examples: 128, 256M, 1G)`);
  const n = Number(m[1]);
  const unit = m[2].toUpperCase();
  const mib = unit === "" || unit === "M" ? n : unit === "G" ? n * 1024 : unit === "T" ? n * 1024 * 1024 : unit === "K" ? n / 1024 : n / (1 << 20);
  if (!Number.isInteger(mib)) throw new UsageError(`-m: ${s} is not a whole number of MiB`);
  if (mib < 2 || mib > 2047) throw new UsageError(`-m: ${s}: memory must be between 2 and 2047 MiB`);
  return mib;
}

/** QEMU's -boot: "order=dc,menu=on" or plain drive letters ("dc"). Letters: a floppy, c hard disk, d CD-ROM, n network. */
export function parseBoot(s: string): { order?: string; menu?: boolean } {
  const out: { order?: string; menu?: boolean } = {};
  const checkOrder = (o: string) => {
    if (!/^[acdn]+$/.test(o)) throw new UsageError(`-boot: bad drive letters "${o}" (a floppy, c hard disk, d CD-ROM, n network)`);
    return o;
  };
  if (!s.includes("=")) { out.order = checkOrder(s); return out; }
  for (const part of s.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq), val = eq < 0 ? "" : part.slice(eq + 1);
    switch (key) {
      case "order": case "once": out.order = checkOrder(val); break;
      case "menu":
        if (val !== "on" && val !== "off") throw new UsageError(`-boot: menu=${val}: use menu=on or menu=off`);
        out.menu = val === "on"; break;
      default: throw new UsageError(`-boot: unknown key "${key}" (order=LETTERS, menu=on|off)`);
    }
  }
  return out;
}

/** QEMU's -serial / -debugcon back ends we have: stdio (mon:stdio taken as stdio), none (null), file:PATH. */
export function parseTarget(s: string, opt: string): OutputTarget {
  if (s === "stdio" || s === "mon:stdio") return { kind: "stdio" };
  if (s === "none" || s === "null") return { kind: "none" };
  if (s.startsWith("file:") && s.length > 5) return { kind: "file", path: s.slice(5) };
  throw new UsageError(`${opt}: unsupported back end "${s}" (use stdio, none or file:PATH)`);
}

function parseSeconds(s: string, opt: string, allowZero = false): number {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(s);
  if (!m || (Number(m[1]) <= 0 && !allowZero)) throw new UsageError(`${opt}: not a number of seconds${allowZero ? "" : " > 0"}: ${s}`);
  return Number(m[1]);
}

/** --type/--send text: \n (Enter), \r, \t, \e (Escape), \xHH and \\ are escapes. */
export function unescapeText(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c: string) =>
    c[0] === "x" && c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16))
      : c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c === "e" ? "\x1b" : c);
}

const OPTIONS: OptionDef[] = [
  { names: ["h", "help"], help: "this text", apply: (a) => { a.help = true; } },
  { names: ["m"], value: "SIZE", help: "RAM in MiB, or with a suffix: 256M, 1G (default 128, or the profile's)", apply: (a, v) => { a.memoryMiB = parseMemory(v); } },
  { names: ["kernel"], value: "FILE", help: "boot a Linux bzImage or a multiboot kernel directly", apply: (a, v) => { a.kernel = v; } },
  { names: ["initrd"], value: "FILE", help: "initial RAM disk for -kernel", apply: (a, v) => { a.initrd = v; } },
  { names: ["append"], value: "CMDLINE", help: "kernel command line for -kernel", apply: (a, v) => { a.append = v; } },
  ...DRIVES.map((d): OptionDef => ({
    names: [d], value: "FILE", help: d.startsWith("fd") ? `floppy image in drive ${d === "fda" ? "A:" : "B:"}` : `hard-disk image, IDE ${d === "hda" ? "primary master" : d === "hdb" ? "primary slave" : d === "hdc" ? "secondary master" : "secondary slave"}`,
    apply: (a, v, n) => setDrive(a, d, v, d.startsWith("fd") ? "floppy" : "hd", n),
  })),
  { names: ["cdrom"], value: "FILE", help: "ISO 9660 CD image as an ATAPI CD-ROM (IDE secondary master, hdc)", apply: (a, v, n) => setDrive(a, "hdc", v, "cdrom", n) },
  { names: ["boot"], value: "ORDER", help: "boot order: letters (a floppy, c disk, d CD) or order=dc,menu=on", apply: (a, v) => { a.boot = { ...a.boot, ...parseBoot(v) }; } },
  { names: ["bios"], value: "FILE", help: "firmware image (default: SeaBIOS from public/images)", apply: (a, v) => { a.bios = v; } },
  {
    names: ["vga"], value: "TYPE", help: "std (Bochs/QEMU standard VGA, default) or none", apply: (a, v) => {
      if (v !== "std" && v !== "none") throw new UsageError(`-vga: unsupported type "${v}" (std or none)`);
      a.vga = v;
    },
  },
  { names: ["serial"], value: "DEV", help: "stdio (default for COM1), none, file:PATH; a second -serial is COM2", apply: (a, v, n) => { a.serial.push(parseTarget(v, n)); } },
  { names: ["debugcon"], value: "DEV", help: "firmware debug console (port 402h): stdio, none (default), file:PATH", apply: (a, v, n) => { a.debugcon = parseTarget(v, n); } },
  {
    names: ["display"], value: "TYPE", help: "none only (no window here; see --screenshot, --screen-text)", apply: (_a, v) => {
      if (v.split(",")[0] !== "none") throw new UsageError(`-display ${v}: this runner has no window; only -display none (use --screenshot FILE.png or --screen-text)`);
    },
  },
  { names: ["nographic"], help: "the same as -display none (the default)", apply: () => {} },
  { names: ["snapshot"], help: "guest writes go to a temporary in-memory copy; image files stay unchanged", apply: (a) => { a.snapshot = true; } },
  { names: ["no-reboot"], help: "exit when the guest resets instead of rebooting", apply: (a) => { a.noReboot = true; } },
  {
    names: ["rtc"], value: "base=WHEN", help: "RTC start: base=utc (now, default) or base=2020-01-01T00:00:00", apply: (a, v) => {
      const m = /^base=(.+?)(,.*)?$/.exec(v);
      if (!m) throw new UsageError(`-rtc: use base=utc or base=DATE`);
      if (m[1] === "utc" || m[1] === "localtime") { a.rtcBase = undefined; return; }
      const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(m[1]) ? m[1] : m[1] + "Z");
      if (isNaN(d.getTime())) throw new UsageError(`-rtc: not a date: ${m[1]}`);
      a.rtcBase = d;
    },
  },
  { names: ["profile"], value: "NAME", help: "a profile from public/images/manifest.json (default linux-direct); other options override it", apply: (a, v) => { a.profile = v; } },
  { names: ["images"], value: "DIR", help: "the images folder (default public/images)", apply: (a, v) => { a.images = v; } },
  { names: ["screenshot"], value: "FILE.png", help: "write the screen as PNG when the runner exits", apply: (a, v) => { a.screenshot = v; } },
  { names: ["screen-text"], help: "print the VGA text screen when the runner exits", apply: (a) => { a.screenText = true; } },
  { names: ["until"], value: "TEXT", help: "exit 0 as soon as TEXT appears on the serial console or the text screen", apply: (a, v) => { if (!v) throw new UsageError("--until needs a text"); a.until = v; } },
  { names: ["timeout"], value: "SECONDS", help: "give up after this much host (wall-clock) time: exit 1 with the last screen and serial output", apply: (a, v, n) => { a.timeout = parseSeconds(v, n); } },
  { names: ["type"], value: "TEXT", help: "type TEXT on the keyboard once the guest is up (see --type-after); \\n is Enter", apply: (a, v) => { a.type = unescapeText(v); } },
  { names: ["send"], value: "TEXT", help: "send TEXT to COM1 once the guest is up (like --type)", apply: (a, v) => { a.send = unescapeText(v); } },
  { names: ["type-after"], value: "TEXT", help: "--type/--send wait for TEXT on serial or screen (default: the profile's expected text)", apply: (a, v) => { if (!v) throw new UsageError("--type-after needs a text"); a.typeAfter = v; } },
  { names: ["type-wait"], value: "SECONDS", help: "then wait this much guest (virtual) time (default 0; 5 when there is no text to wait for)", apply: (a, v, n) => { a.typeWait = parseSeconds(v, n, true); } },
  { names: ["stats"], help: "print guest MIPS, instructions, blocks, exits, disk activity, virtual and host time on exit", apply: (a) => { a.stats = true; } },
  {
    names: ["clock"], value: "KIND", help: "realtime (guest time follows the wall clock, default) or virtual (idle time skipped: same inputs, same run)", apply: (a, v) => {
      if (v !== "realtime" && v !== "virtual") throw new UsageError(`--clock: "${v}": use realtime or virtual`);
      a.clock = v;
    },
  },
  { names: ["debug"], help: "use the checked debug build of the core (slow)", apply: (a) => { a.debug = true; } },
];

const BY_NAME = new Map<string, OptionDef>();
for (const o of OPTIONS) for (const n of o.names) BY_NAME.set(n, o);

/** The help text (one line per option). */
export function helpText(): string {
  const lines = OPTIONS.map((o) => {
    const flag = o.names.map((n) => (n.length > 1 && OURS.has(n) ? "--" : "-") + n).join(", ") + (o.value ? ` ${o.value}` : "");
    return `  ${flag.padEnd(24)}${flag.length >= 24 ? "\n" + " ".repeat(26) : ""}${o.help}`;
  });
  return `usage: npm run vm -- [options]

Runs the PC headless (QEMU-like options; QEMU's single-dash names, ours with two dashes; either form works).
Without media options it boots the "linux-direct" profile. COM1 is on the terminal: when stdin is a terminal,
keys go to the guest (raw mode); Ctrl-A X quits, Ctrl-A H lists the other Ctrl-A keys.

options:
${lines.join("\n")}

exit status: 0 when --until's text appeared, the guest powered off, the user quit (Ctrl-A X) or, with -no-reboot,
the guest reset; 1 on --timeout, a guest that halted for good, or a guest that stopped before --until's text;
2 on bad usage or input (unknown option, missing or unusable file). See docs/runner.md.`;
}

const OURS = new Set(["help", "profile", "images", "screenshot", "screen-text", "until", "timeout", "type", "send", "type-after", "type-wait", "stats", "debug", "clock"]);

/** The option names (with their usual dashes), for "unknown option" messages. */
export function optionNames(): string[] {
  return OPTIONS.flatMap((o) => o.names.filter((n) => n !== "h").map((n) => (n.length > 1 && OURS.has(n) ? "--" : "-") + n));
}

export function parseArgs(argv: string[]): VmArgs {
  const a: VmArgs = { help: false, drives: {}, serial: [], snapshot: false, noReboot: false, screenText: false, stats: false, debug: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("-") || arg === "-" || arg === "--") {
      throw new UsageError(`unexpected argument "${arg}": disk images need an option (-hda FILE, -cdrom FILE, -fda FILE; -kernel FILE)`);
    }
    let name = arg.replace(/^--?/, "");
    let inline: string | undefined;
    const eq = name.indexOf("=");
    if (arg.startsWith("--") && eq > 0) { inline = name.slice(eq + 1); name = name.slice(0, eq); }
    const def = BY_NAME.get(name);
    if (!def) throw new UsageError(`unknown option ${arg}; valid options: ${optionNames().join(" ")}`);
    let value = "";
    if (def.value) {
      if (inline !== undefined) value = inline;
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new UsageError(`${arg} needs a value (${def.value})`);
    } else if (inline !== undefined) {
      throw new UsageError(`${arg.slice(0, arg.indexOf("="))} takes no value`);
    }
    def.apply(a, value, arg.replace(/=.*$/, ""));
  }
  if (a.initrd && !a.kernel && !a.profile) throw new UsageError("-initrd needs -kernel");
  if (a.serial.length > 2) throw new UsageError("-serial: at most 2 ports (COM1, COM2)");
  return a;
}

// ---- profiles (images/manifest.schema.json) ----

import type { ManifestArtefact, ManifestSlot as Slot, ManifestProfile, ImagesManifest as Manifest } from "../machine/manifest.ts";
export type { ManifestArtefact, Slot, ManifestProfile, Manifest };

export const DEFAULT_PROFILE = "linux-direct";

/** Where a file comes from: the user's command line (written through unless -snapshot) or the built images
 * (always copy-on-write, so the artefacts keep the hashes the manifest records). */
export interface FileRef { path: string; fromImages: boolean }
export interface PlanDrive { drive: DriveName; media: Media; file: FileRef; snapshot: boolean }
export interface Plan {
  profile?: ManifestProfile;
  memoryMiB: number;
  bios: FileRef;
  vgaBios?: FileRef;
  kernel?: FileRef;
  initrd?: FileRef;
  /** The option ROM that loads a -kernel from fw_cfg (direct boot). */
  linuxBoot?: FileRef;
  /** The option ROM that loads a multiboot -kernel (the PC takes the one the kernel needs). */
  multibootRom?: FileRef;
  append?: string;
  boot?: string;
  bootMenu?: boolean;
  drives: PlanDrive[];
  /** What --type/--send wait for when --type-after is not given (the profile's expected serial text). */
  readyText?: string;
}

function join(dir: string, file: string): string { return dir.endsWith("/") ? dir + file : `${dir}/${file}`; }

/**
 * Profile (named, or the default when no boot media is given) + options -> the machine plan. `imagesDir` is
 * where the manifest's files are. Throws UsageError for an unknown profile or a profile that needs the user's
 * image and did not get one.
 */
export function resolvePlan(args: VmArgs, manifest: Manifest | null, imagesDir: string): Plan {
  const hasMedia = !!args.kernel || Object.keys(args.drives).length > 0;
  const profileId = args.profile ?? (hasMedia ? undefined : DEFAULT_PROFILE);
  let profile: ManifestProfile | undefined;
  if (profileId !== undefined) {
    if (!manifest) throw new UsageError(`profile ${profileId} needs ${join(imagesDir, "manifest.json")}: run \`npm run images\``);
    profile = manifest.profiles.find((p) => p.id === profileId);
    if (!profile) throw new UsageError(`unknown profile "${profileId}"; profiles: ${manifest.profiles.map((p) => p.id).join(", ")}`);
  }
  const artefact = (id: string, slot: string): FileRef => {
    const a = manifest?.artefacts.find((x) => x.id === id);
    if (!a) throw new UsageError(`the manifest has no artefact "${id}" (${profile ? `profile ${profile.id}, ` : ""}${slot}); run \`npm run images\``);
    return { path: join(imagesDir, a.file), fromImages: true };
  };
  const user = (path: string): FileRef => ({ path, fromImages: false });
  const media = profile?.media ?? {};

  // firmware: -bios, else the profile's, else the manifest's "bios"/"vgabios" artefacts
  let bios: FileRef;
  if (args.bios) bios = user(args.bios);
  else if (media.bios) bios = artefact(media.bios, "bios");
  else if (manifest) bios = artefact("bios", "bios");
  else throw new UsageError(`no firmware: give -bios FILE, or run \`npm run images\` to build SeaBIOS into ${imagesDir}`);
  let vgaBios: FileRef | undefined;
  if (args.vga !== "none") {
    if (media.vgabios) vgaBios = artefact(media.vgabios, "vgabios");
    else if (manifest?.artefacts.some((x) => x.id === "vgabios")) vgaBios = artefact("vgabios", "vgabios");
  }

  const plan: Plan = { profile, memoryMiB: args.memoryMiB ?? profile?.memoryMiB ?? 128, bios, vgaBios, drives: [] };
  if (args.kernel) plan.kernel = user(args.kernel); else if (media.kernel) plan.kernel = artefact(media.kernel, "kernel");
  if (args.initrd) plan.initrd = user(args.initrd); else if (media.initrd && !args.kernel) plan.initrd = artefact(media.initrd, "initrd");
  if (args.initrd && !plan.kernel) throw new UsageError("-initrd needs -kernel (the profile has no kernel)");
  plan.append = args.append ?? (args.kernel ? undefined : profile?.cmdline);
  if (plan.kernel) {
    if (media.linuxboot) plan.linuxBoot = artefact(media.linuxboot, "linuxboot");
    else if (manifest?.artefacts.some((x) => x.id === "linuxboot")) plan.linuxBoot = artefact("linuxboot", "linuxboot");
    if (media.multibootrom) plan.multibootRom = artefact(media.multibootrom, "multibootrom");
    else if (manifest?.artefacts.some((x) => x.id === "multibootrom")) plan.multibootRom = artefact("multibootrom", "multibootrom");
  }

  const drives = new Map<DriveName, PlanDrive>();
  const profileDrive = (slot: "cdrom" | "hda" | "fda", drive: DriveName, m: Media) => {
    if (media[slot]) drives.set(drive, { drive, media: m, file: artefact(media[slot]!, slot), snapshot: true });
  };
  profileDrive("fda", "fda", "floppy");
  profileDrive("hda", "hda", "hd");
  profileDrive("cdrom", "hdc", "cdrom");
  for (const d of DRIVES) {
    const g = args.drives[d];
    if (g) drives.set(d, { drive: d, media: g.media, file: user(g.path), snapshot: args.snapshot });
  }
  plan.drives = DRIVES.filter((d) => drives.has(d)).map((d) => drives.get(d)!);

  if (profile?.user) {
    const want: DriveName = profile.user.slot === "cdrom" ? "hdc" : profile.user.slot;
    const opt = profile.user.slot === "cdrom" ? "-cdrom" : `-${profile.user.slot}`;
    if (!drives.has(want)) {
      throw new UsageError(`profile ${profile.id} needs your image: ${opt} FILE (${profile.user.hint}; ${profile.user.accept.join(" ")})${profile.user.testImage ? `, e.g. ${opt} ${profile.user.testImage}` : ""}`);
    }
  }

  // boot device: -boot, else the profile's, else: a kernel boots directly, otherwise CD, disk, floppy in that order
  const letter = { cdrom: "d", hda: "c", fda: "a" } as const;
  if (args.boot?.order) plan.boot = args.boot.order;
  else if (profile && profile.boot !== "kernel" && !args.kernel) plan.boot = letter[profile.boot];
  else if (!plan.kernel) {
    const hasCd = plan.drives.some((d) => d.media === "cdrom"), hasHd = plan.drives.some((d) => d.media === "hd"), hasFd = plan.drives.some((d) => d.media === "floppy");
    plan.boot = hasFd && !hasHd && !hasCd ? "a" : hasCd && !hasHd ? "dc" : "c" + (hasCd ? "d" : "") + (hasFd ? "a" : "");
  }
  if (args.boot?.menu !== undefined) plan.bootMenu = args.boot.menu;
  plan.readyText = profile?.expect?.serial;
  return plan;
}
