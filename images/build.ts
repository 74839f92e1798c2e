// `npm run images`: builds the firmware and guest images into public/images/ with a manifest.json.
// Everything comes from Debian packages fetched by the system's apt (see images/README.md) plus our own
// writers and guest programs. Each artefact is keyed by a hash of its inputs; an unchanged artefact is not
// rebuilt, so a second run only resolves versions and checks hashes.
//
// Options: --soft      on a failure print the message and exit 0 (postinstall, npm test: tests then report)
//          --only a,b  build only these artefacts (and what they need)
//          --out DIR   output directory (default public/images)   --cache DIR (default .cache/images)
//          --debs DIR  where downloaded .deb files are kept (default .cache/debs)
//          --update-lock  write the resolved versions to images/versions.lock.json
//          --quiet     print only warnings and errors
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { checkApt, download, followMeta, resolveAll, useAptCache, type Resolved } from "./lib/apt.ts";
import { writeCpio, type CpioEntry } from "./lib/cpio.ts";
import { extractDeb } from "./lib/deb.ts";
import { stampRootEntries, writeFat, ATTR_HIDDEN, ATTR_READ_ONLY, ATTR_SYSTEM } from "./lib/fat.ts";
import { writeIso9660 } from "./lib/iso9660.ts";
import { makeExt4, mke2fsVersion } from "./lib/ext4.ts";
import { writeDisk } from "./lib/mbr.ts";
import { BuildError, run, sha256, sha256File, sudo, writeAtomic } from "./lib/node-util.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
/** Fixed timestamp for every file inside our images (reproducible output). */
const EPOCH = new Date(Date.UTC(2024, 0, 1));
// cryptomgr.notests: Debian's kernel runs the crypto API's self-tests at boot, RSA private-key operations among
// them; on an emulated processor they were most of the boot (several billion instructions) and test nothing of ours.
const KERNEL_CMDLINE = "console=tty0 console=ttyS0,115200 cryptomgr.notests";
export const GUEST_BANNER = "WEBPC-GUEST-READY";
/** The root shell's prompt in / (PS1 in images/guest/rootfs/etc/profile). */
export const GUEST_PROMPT = "webpc:/#";

// ---------------------------------------------------------------------------------------------- packages
type PkgKey = "seabios" | "kernel" | "busybox" | "e2fsck" | "isolinux" | "syslinuxCommon" | "syslinux" | "memtest";
interface PkgSpec { query: string; licence: string; meta?: RegExp }
const PACKAGES: Record<PkgKey, PkgSpec> = {
  seabios: { query: "seabios", licence: "LGPL-3.0-only" },
  // linux-image-686 is a meta-package: follow it to the versioned kernel package it depends on.
  kernel: { query: "linux-image-686:i386", licence: "GPL-2.0-only", meta: /^linux-image-\d[^ ]*-686$/ },
  busybox: { query: "busybox-static:i386", licence: "GPL-2.0-only" },
  // e2fsck, statically linked (BusyBox has no ext4 checker): the guest checks its ext4 partition after a crash.
  e2fsck: { query: "e2fsck-static:i386", licence: "GPL-2.0-only" },
  isolinux: { query: "isolinux", licence: "GPL-2.0-or-later" },
  syslinuxCommon: { query: "syslinux-common", licence: "GPL-2.0-or-later" },
  // The host-architecture installer program, run here to make the FAT disk bootable (uses mtools).
  syslinux: { query: "syslinux", licence: "GPL-2.0-or-later" },
  memtest: { query: "memtest86+", licence: "GPL-2.0-only" },
};

/** Driver modules the guest loads at boot (dependencies are added automatically, in load order). */
const GUEST_MODULES = [
  "ata_piix", "ata_generic", "sd_mod", "sr_mod", "floppy", // ATA disks, ATAPI CD-ROM, floppy
  "isofs", "vfat", "msdos", "nls_cp437", "nls_iso8859_1", "nls_ascii", "crc32c_generic", "ext4", // file systems (FAT needs the code page 437 table and its default I/O charset, ascii, or iso8859-1; ext4 asks the crypto API for crc32c)
  "virtio_pci", "virtio_blk", "virtio_net", "virtio_console", "9pnet_virtio", "9p", // virtio and 9p
  "ne2k_pci", "e1000", // network cards
  "psmouse", // the PS/2 mouse on the 8042's auxiliary port
];
/** Shipped but loaded only on request (ISA NE2000 needs io= from the command line). */
const GUEST_MODULES_ON_REQUEST = ["ne"];

// ---------------------------------------------------------------------------------------------- options
interface Options { soft: boolean; only: string[] | null; out: string; cache: string; debs: string; updateLock: boolean; quiet: boolean }
function parseArgs(argv: string[]): Options {
  const o: Options = { soft: false, only: null, out: join(ROOT, "public/images"), cache: join(ROOT, ".cache/images"), debs: join(ROOT, ".cache/debs"), updateLock: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--soft") o.soft = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--update-lock") o.updateLock = true;
    else if (a === "--only") o.only = argv[++i].split(",").filter(Boolean);
    else if (a === "--out") o.out = resolve(argv[++i]);
    else if (a === "--cache") o.cache = resolve(argv[++i]);
    else if (a === "--debs") o.debs = resolve(argv[++i]);
    else throw new Error(`images/build.ts: unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------- context
interface Pkg extends Resolved { key: PkgKey; licence: string; dir: string; meta?: Resolved }
interface Ctx {
  opts: Options;
  log: (s: string) => void;
  pkgs: Map<PkgKey, Pkg>;
  /** Bytes of artefacts built or found up to date in this run. */
  built: Map<string, Uint8Array>;
  recipeMeta: Map<string, Record<string, unknown>>;
}

function pkg(ctx: Ctx, key: PkgKey): Pkg {
  const p = ctx.pkgs.get(key);
  if (!p) throw new Error(`internal: package ${key} not prepared`);
  return p;
}
function pkgFile(ctx: Ctx, key: PkgKey, path: string): Uint8Array {
  const p = pkg(ctx, key);
  const full = join(p.dir, path);
  if (!existsSync(full)) throw new BuildError(`${p.name} ${p.version} has no ${path}`, `check images/build.ts against the package's file list (dpkg-deb -c)`, p.name);
  return readFileSync(full);
}
function artefact(ctx: Ctx, id: string): Uint8Array {
  const b = ctx.built.get(id);
  if (!b) throw new Error(`internal: artefact ${id} not built yet`);
  return b;
}
/** The kernel release (e.g. 6.1.0-50-686): the one directory under lib/modules of the kernel package. */
function kernelRelease(ctx: Ctx): string {
  const dirs = readdirSync(join(pkg(ctx, "kernel").dir, "lib/modules"));
  if (dirs.length !== 1) throw new Error(`kernel package has ${dirs.length} module trees`);
  return dirs[0];
}

function tool(ctx: Ctx, cmd: string, args: string[], debianPkg: string, cwd?: string): string {
  const r = run(cmd, args, { cwd });
  if (r.missing) throw new BuildError(`\`${cmd}\` is not installed.`, `${sudo}apt-get install ${debianPkg}`, debianPkg);
  if (r.status !== 0) throw new BuildError(`\`${cmd} ${args.join(" ")}\` failed:\n${r.stderr.trim()}`, `${sudo}apt-get install --reinstall ${debianPkg}`, debianPkg);
  return r.stdout;
}
function toolVersion(cmd: string, debianPkg: string): string {
  const r = run(cmd, ["--version"]);
  if (r.missing) throw new BuildError(`\`${cmd}\` is not installed.`, `${sudo}apt-get install ${debianPkg}`, debianPkg);
  return (r.stdout || r.stderr).split("\n")[0];
}

// ---------------------------------------------------------------------------------------------- recipes
type Kind = "firmware" | "kernel" | "initrd" | "cdrom" | "hda" | "fda" | "program";
interface Recipe {
  id: string;
  file: string;
  kind: Kind;
  title: string;
  description: string;
  licence: string;
  packages: PkgKey[];
  /** Artefacts whose bytes this one contains. */
  deps?: string[];
  /** Extra strings that change the output (tool versions). */
  extraKey?: () => string[];
  build(ctx: Ctx): Uint8Array;
}

/** Static i386 guest program from C files in images/guest (the first names the program). */
function compileC(ctx: Ctx, name: string, sources: string[] = [`${name}.c`]): Uint8Array {
  const dir = join(ctx.opts.cache, "guest");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.tmp-${process.pid}`);
  try {
    tool(ctx, "i686-linux-gnu-gcc", ["-static", "-O2", "-march=pentiumpro", "-mfpmath=387", "-Wall", "-s",
      "-ffile-prefix-map=" + ROOT + "=.", "-o", out, ...sources.map((s) => join(HERE, "guest", s)), "-lm"], "gcc-i686-linux-gnu libc6-dev-i386-cross");
    return readFileSync(out);
  } finally { rmSync(out, { force: true }); }
}

/** A freestanding multiboot kernel from C files in images/guest, linked at 1 MiB by images/guest/NAME.ld. */
function compileMultibootC(ctx: Ctx, name: string, sources: string[]): Uint8Array {
  const dir = join(ctx.opts.cache, "guest");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.elf.tmp-${process.pid}`);
  try {
    tool(ctx, "i686-linux-gnu-gcc", ["-ffreestanding", "-nostdlib", "-static", "-fno-pie", "-no-pie", "-fno-stack-protector",
      "-fno-asynchronous-unwind-tables", "-O2", "-march=pentiumpro", "-mfpmath=387", "-Wall", "-s",
      "-Wl,--build-id=none,--no-warn-rwx-segments", "-T", join(HERE, "guest", `${name}.ld`), "-ffile-prefix-map=" + ROOT + "=.",
      "-o", out, ...sources.map((s) => join(HERE, "guest", s)), "-lgcc"], "gcc-i686-linux-gnu");
    return readFileSync(out);
  } finally { rmSync(out, { force: true }); }
}

function assembleMultiboot(ctx: Ctx, name: string): Uint8Array {
  const dir = join(ctx.opts.cache, "guest");
  mkdirSync(dir, { recursive: true });
  const obj = join(dir, `${name}.o.tmp-${process.pid}`), elf = join(dir, `${name}.elf.tmp-${process.pid}`);
  try {
    // run from images/guest with a relative source name: nasm records the name in the object's symbol table,
    // and an absolute path would make the ELF differ between checkouts
    tool(ctx, "nasm", ["-f", "elf32", "-o", obj, `${name}.asm`], "nasm", join(HERE, "guest"));
    tool(ctx, "i686-linux-gnu-ld", ["-m", "elf_i386", "-Ttext=0x100000", "-e", "start", "--build-id=none", "-o", elf, obj], "binutils-i686-linux-gnu");
    return readFileSync(elf);
  } finally { rmSync(obj, { force: true }); rmSync(elf, { force: true }); }
}

/** An option ROM from images/firmware/NAME.asm (nasm -f bin): padded to 512-byte blocks, with its size byte, the
 *  PnP header checksum and the ROM checksum (all bytes sum to 0) filled in. */
function assembleOptionRom(ctx: Ctx, name: string): Uint8Array {
  const dir = join(ctx.opts.cache, "firmware");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.bin.tmp-${process.pid}`);
  try {
    tool(ctx, "nasm", ["-f", "bin", "-i", join(HERE, "firmware") + "/", "-o", out, join(HERE, "firmware", `${name}.asm`)], "nasm");
    const raw = readFileSync(out);
    const rom = new Uint8Array(Math.ceil(raw.length / 512) * 512);
    rom.set(raw);
    rom[2] = rom.length / 512;
    const pnp = rom[0x1A] | (rom[0x1B] << 8);
    if (pnp !== 0) {
      rom[pnp + 9] = 0;
      let sum = 0;
      for (let i = 0; i < rom[pnp + 5] * 16; i++) sum += rom[pnp + i];
      rom[pnp + 9] = (256 - (sum & 0xFF)) & 0xFF;
    }
    rom[rom.length - 1] = 0;
    let sum = 0;
    for (const b of rom) sum += b;
    rom[rom.length - 1] = (256 - (sum & 0xFF)) & 0xFF;
    return rom;
  } finally { rmSync(out, { force: true }); }
}

/**
 * A kernel module without its appended signature (the kernel's scripts/sign-file format: the module, the PKCS#7
 * signature, a 12-byte struct module_signature whose last field is the big-endian signature length, then the
 * marker "~Module signature appended~\n"). Checking a signature is an RSA operation that costs the emulated
 * processor tens of millions of instructions per module, most of the Linux guest's boot; Debian's kernel does
 * not enforce signatures, so unsigned modules load (the kernel notes it as a taint once).
 */
export function stripModuleSignature(ko: Uint8Array): Uint8Array {
  const marker = new TextEncoder().encode("~Module signature appended~\n");
  if (ko.length < marker.length + 12) return ko;
  const end = ko.length - marker.length;
  for (let i = 0; i < marker.length; i++) if (ko[end + i] !== marker[i]) return ko;
  const info = end - 12;
  const signerLen = ko[info + 3], keyIdLen = ko[info + 4];
  const sigLen = ((ko[info + 8] << 24) | (ko[info + 9] << 16) | (ko[info + 10] << 8) | ko[info + 11]) >>> 0;
  const start = info - sigLen - signerLen - keyIdLen;
  if (start < 0) throw new BuildError("a kernel module has a malformed signature trailer", "report this: the kernel package changed its module format", "kernel");
  return ko.subarray(0, start);
}

/** Module names (as in modinfo "depends=") -> .ko path, and each module's dependencies. */
function moduleIndex(ctx: Ctx): Map<string, { path: string; deps: string[] }> {
  const base = join(pkg(ctx, "kernel").dir, "lib/modules", kernelRelease(ctx));
  const index = new Map<string, { path: string; deps: string[] }>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ko")) index.set(e.name.slice(0, -3).replace(/-/g, "_"), { path: p, deps: [] });
    }
  };
  walk(join(base, "kernel"));
  return index;
}
function moduleDeps(path: string): string[] {
  // The .modinfo section holds NUL-separated "key=value" strings; "depends=" lists the modules needed first.
  const text = readFileSync(path).toString("latin1");
  const m = /\0depends=([^\0]*)\0/.exec(text);
  return m && m[1] ? m[1].split(",").map((s) => s.replace(/-/g, "_")) : [];
}
function moduleClosure(ctx: Ctx, wanted: string[]): { name: string; path: string }[] {
  const index = moduleIndex(ctx);
  const order: { name: string; path: string }[] = [];
  const done = new Set<string>();
  const visit = (name: string, chain: string[]) => {
    if (done.has(name)) return;
    const m = index.get(name);
    if (!m) throw new BuildError(`kernel module ${name} (needed by ${chain.join(" <- ") || "the guest"}) is not in ${pkg(ctx, "kernel").name}; it may be built in or renamed`, "edit GUEST_MODULES in images/build.ts", pkg(ctx, "kernel").name);
    done.add(name);
    for (const d of moduleDeps(m.path)) visit(d, [name, ...chain]);
    order.push({ name, path: m.path });
  };
  for (const w of wanted) visit(w, []);
  return order;
}

function guestFiles(): { path: string; data: Uint8Array }[] {
  const out: { path: string; data: Uint8Array }[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push({ path: rel + e.name, data: readFileSync(join(d, e.name)) });
    }
  };
  walk(join(HERE, "guest/rootfs"), "");
  return out;
}

function bootConfig(kind: "isolinux" | "syslinux", kernel: string, initrd: string, tag: string): Uint8Array {
  return new TextEncoder().encode(
    `# ${kind} configuration written by images/build.ts\n` +
    "SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\n" +
    `LABEL linux\n  KERNEL ${kernel}\n  INITRD ${initrd}\n  APPEND ${KERNEL_CMDLINE} webpc.boot=${tag}\n`);
}

const README_TXT = new TextEncoder().encode(
  "webpc guest media. BOOT/ holds Debian's Linux kernel and our initramfs; TOOLS/ holds our guest programs\n" +
  "(cpubench: CPU benchmark; mbhello.elf: multiboot test kernel). Built by images/build.ts.\n");

/** The hard disk's ext4 partition: size, label and the fixed identifiers that keep the image reproducible. */
const DATA_MIB = 16;
export const DATA_LABEL = "webpc-data";
const DATA_UUID = "57454250-6578-7434-8000-000000000001"; // "WEBP" "ext4"
const DATA_HASH_SEED = "57454250-6578-7434-8000-000000000002";

const RECIPES: Recipe[] = [
  {
    id: "bios", file: "bios.bin", kind: "firmware", title: "SeaBIOS", licence: PACKAGES.seabios.licence, packages: ["seabios"],
    description: "PC BIOS (SeaBIOS, QEMU build, 128 KiB): power-on self test, boot from floppy, disk, CD or kernel.",
    build: (ctx) => pkgFile(ctx, "seabios", "usr/share/seabios/bios.bin"),
  },
  {
    id: "vgabios", file: "vgabios-stdvga.bin", kind: "firmware", title: "SeaVGABIOS (stdvga)", licence: PACKAGES.seabios.licence, packages: ["seabios"],
    description: "VGA BIOS for the Bochs/QEMU standard VGA (PCI 1234:1111) with VBE linear-framebuffer modes.",
    build: (ctx) => pkgFile(ctx, "seabios", "usr/share/seabios/vgabios-stdvga.bin"),
  },
  {
    id: "linux-kernel", file: "vmlinuz", kind: "kernel", title: "Linux kernel (Debian 686)", licence: PACKAGES.kernel.licence, packages: ["kernel"],
    description: "Debian's 32-bit Linux kernel for i686 (bzImage); boots directly or from the CD and disk images.",
    build: (ctx) => {
      ctx.recipeMeta.set("linux-kernel", { release: kernelRelease(ctx) });
      return pkgFile(ctx, "kernel", `boot/vmlinuz-${kernelRelease(ctx)}`);
    },
  },
  {
    id: "cpubench", file: "cpubench", kind: "program", title: "cpubench", licence: "project", packages: [],
    description: "Our CPU benchmark (static i386 Linux program): sieve, CRC32, LZ77, integer mix, REP MOVS/STOS, recursion, bytecode interpreter and x87 kernels with timings and checksums.",
    extraKey: () => [toolVersion("i686-linux-gnu-gcc", "gcc-i686-linux-gnu")],
    build: (ctx) => compileC(ctx, "cpubench", ["cpubench.c", "cpubench-kernels.c"]),
  },
  {
    id: "cpubench-mb", file: "cpubench-mb.elf", kind: "kernel", title: "cpubench multiboot kernel", licence: "project", packages: [],
    description: "The cpubench kernels as a freestanding multiboot kernel (no OS): same output lines on COM1, TSC timings calibrated by the PIT; `scale=N` on its command line.",
    extraKey: () => [toolVersion("i686-linux-gnu-gcc", "gcc-i686-linux-gnu")],
    build: (ctx) => compileMultibootC(ctx, "cpubench-mb", ["cpubench-mb.c", "cpubench-kernels.c"]),
  },
  {
    id: "linuxboot", file: "linuxboot.bin", kind: "firmware", title: "Direct Linux boot option ROM", licence: "project", packages: [],
    description: "Our option ROM for direct kernel boot: SeaBIOS boots it, it loads setup, kernel, initrd and command line from fw_cfg and enters the kernel.",
    extraKey: () => [toolVersion("nasm", "nasm")],
    build: (ctx) => assembleOptionRom(ctx, "linuxboot"),
  },
  {
    id: "multibootrom", file: "multiboot.bin", kind: "firmware", title: "Multiboot option ROM", licence: "project", packages: [],
    description: "Our option ROM for multiboot kernels: SeaBIOS boots it, it loads the kernel, modules and info structure from fw_cfg, adds the BIOS's E820 map and enters the kernel in 32-bit protected mode.",
    extraKey: () => [toolVersion("nasm", "nasm")],
    build: (ctx) => assembleOptionRom(ctx, "multiboot"),
  },
  {
    id: "mbhello", file: "mbhello.elf", kind: "kernel", title: "Multiboot hello kernel", licence: "project", packages: [],
    description: "Our smallest multiboot test kernel: prints WEBPC-MBHELLO to port E9, COM1 and the VGA text screen, then halts.",
    extraKey: () => [toolVersion("nasm", "nasm"), toolVersion("i686-linux-gnu-ld", "binutils-i686-linux-gnu")],
    build: (ctx) => assembleMultiboot(ctx, "mbhello"),
  },
  {
    id: "linux-initrd", file: "initrd.gz", kind: "initrd", title: "Linux initramfs (BusyBox)", licence: "GPL-2.0-only", packages: ["busybox", "e2fsck", "kernel"], deps: ["cpubench"],
    description: `Our initramfs: BusyBox, e2fsck (static), the driver modules for ATA/ATAPI, floppy, ISO 9660, FAT, ext4, virtio, 9p, NE2000 and e1000, and our guest programs; prints ${GUEST_BANNER} and starts shells on ttyS0 and tty1.`,
    build: (ctx) => {
      const kver = kernelRelease(ctx);
      const mods = moduleClosure(ctx, GUEST_MODULES);
      const extra = moduleClosure(ctx, GUEST_MODULES_ON_REQUEST).filter((m) => !mods.some((x) => x.name === m.name));
      const fileName = (p: string) => p.slice(p.lastIndexOf("/") + 1, -3);
      const entries: CpioEntry[] = [];
      for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "mnt", "root", "run", "var", `lib/modules/${kver}`]) entries.push({ type: "dir", path: d });
      entries.push({ type: "chardev", path: "dev/console", major: 5, minor: 1 }); // needed before devtmpfs is mounted
      entries.push({ type: "chardev", path: "dev/null", major: 1, minor: 3, mode: 0o666 });
      entries.push({ type: "file", path: "bin/busybox", data: pkgFile(ctx, "busybox", "bin/busybox"), mode: 0o755 });
      entries.push({ type: "symlink", path: "bin/sh", target: "busybox" });
      entries.push({ type: "file", path: "sbin/e2fsck", data: pkgFile(ctx, "e2fsck", "sbin/e2fsck.static"), mode: 0o755 });
      for (const t of ["ext2", "ext3", "ext4"]) entries.push({ type: "symlink", path: `sbin/fsck.${t}`, target: "e2fsck" });
      entries.push({ type: "symlink", path: "etc/mtab", target: "/proc/mounts" }); // e2fsck refuses to check a mounted file system; it looks here
      entries.push({ type: "file", path: "init", data: readFileSync(join(HERE, "guest/init")), mode: 0o755 });
      for (const f of guestFiles()) entries.push({ type: "file", path: f.path, data: f.data });
      for (const m of [...mods, ...extra]) entries.push({ type: "file", path: `lib/modules/${kver}/${fileName(m.path)}.ko`, data: stripModuleSignature(readFileSync(m.path)) });
      entries.push({ type: "file", path: `lib/modules/${kver}/load-order`, data: new TextEncoder().encode(mods.map((m) => fileName(m.path)).join("\n") + "\n") });
      entries.push({ type: "file", path: "usr/bin/cpubench", data: artefact(ctx, "cpubench"), mode: 0o755 });
      ctx.recipeMeta.set("linux-initrd", { modules: mods.map((m) => fileName(m.path)), onRequest: extra.map((m) => fileName(m.path)), banner: GUEST_BANNER });
      return gzipSync(writeCpio(entries, { mtime: EPOCH.getTime() / 1000 }), { level: 9 });
    },
  },
  {
    id: "linux-cd", file: "linux.iso", kind: "cdrom", title: "Linux live CD (ISOLINUX)", licence: "GPL-2.0-only", packages: ["isolinux", "syslinuxCommon"],
    deps: ["linux-kernel", "linux-initrd", "cpubench", "mbhello"],
    description: "ISO 9660 CD with ISOLINUX (El Torito, no emulation) booting the same kernel and initramfs; our programs in TOOLS/.",
    build: (ctx) => writeIso9660([
      { path: "isolinux/isolinux.bin", data: pkgFile(ctx, "isolinux", "usr/lib/ISOLINUX/isolinux.bin") },
      { path: "isolinux/ldlinux.c32", data: pkgFile(ctx, "syslinuxCommon", "usr/lib/syslinux/modules/bios/ldlinux.c32") },
      { path: "isolinux/isolinux.cfg", data: bootConfig("isolinux", "/boot/vmlinuz", "/boot/initrd.gz", "cd") },
      ...bootMediaFiles(ctx, "boot/"),
    ], { volumeId: "WEBPC_LINUX", date: EPOCH, boot: { image: "isolinux/isolinux.bin", catalog: "isolinux/boot.cat", loadSectors: 4, bootInfoTable: true } }),
  },
  {
    id: "linux-hd", file: "linux-hd.img", kind: "hda", title: "Linux hard disk (SYSLINUX, FAT16 + ext4)", licence: "GPL-2.0-only", packages: ["syslinux", "syslinuxCommon"],
    deps: ["linux-kernel", "linux-initrd", "cpubench", "mbhello"],
    extraKey: () => [toolVersion("mcopy", "mtools"), mke2fsVersion()],
    description: `Hard-disk image: MBR (SYSLINUX mbr.bin) with an active FAT16 partition booted by SYSLINUX (same kernel, initramfs and programs) and an empty ext4 partition with a journal, label ${DATA_LABEL} (/dev/sda2 in the guest, for writing and crash tests).`,
    build: (ctx) => buildHardDisk(ctx),
  },
  {
    id: "guest-tools", file: "guest-tools.img", kind: "fda", title: "Guest tools floppy (FAT12)", licence: "project", packages: [], deps: ["cpubench", "mbhello"],
    description: "1.44 MB FAT12 floppy with our guest programs (mount /dev/fd0 in the Linux guest); not bootable.",
    build: (ctx) => writeFat([
      { path: "cpubench", data: artefact(ctx, "cpubench") },
      { path: "mbhello.elf", data: artefact(ctx, "mbhello") },
      { path: "readme.txt", data: README_TXT },
    ], { sizeBytes: 1474560, label: "WEBPC TOOLS", date: EPOCH }),
  },
  {
    id: "memtest86", file: "memtest86+ia32.bin", kind: "kernel", title: "Memtest86+ (32-bit)", licence: PACKAGES.memtest.licence, packages: ["memtest"],
    description: "Memtest86+ memory tester, 32-bit build, loaded like a Linux kernel (direct boot).",
    build: (ctx) => pkgFile(ctx, "memtest", "boot/memtest86+ia32.bin"),
  },
];

/** What the CD and the hard disk both carry: kernel and initramfs (under `kernelDir`), our programs, a readme. */
function bootMediaFiles(ctx: Ctx, kernelDir: string): { path: string; data: Uint8Array }[] {
  return [
    { path: `${kernelDir}vmlinuz`, data: artefact(ctx, "linux-kernel") },
    { path: `${kernelDir}initrd.gz`, data: artefact(ctx, "linux-initrd") },
    { path: "tools/cpubench", data: artefact(ctx, "cpubench") },
    { path: "tools/mbhello.elf", data: artefact(ctx, "mbhello") },
    { path: "readme.txt", data: README_TXT },
  ];
}

function buildHardDisk(ctx: Ctx): Uint8Array {
  const files = [
    { path: "syslinux.cfg", data: bootConfig("syslinux", "/vmlinuz", "/initrd.gz", "hd") },
    ...bootMediaFiles(ctx, ""),
  ];
  const MiB = 1024 * 1024;
  const content = files.reduce((s, f) => s + f.data.length, 0) + 256 * 1024; // + ldlinux.sys/.c32
  const partMiB = Math.max(16, Math.ceil((content * 1.25) / MiB) + 2);
  const start = 2048; // 1 MiB alignment, as fdisk does
  const volume = writeFat(files, { sizeBytes: partMiB * MiB, label: "WEBPC", hiddenSectors: start, date: EPOCH });
  // SYSLINUX's installer writes its boot sector and ldlinux.sys/ldlinux.c32 through mtools.
  const tmp = join(ctx.opts.cache, `hd-part.tmp-${process.pid}`);
  let installed: Uint8Array;
  try {
    writeFileSync(tmp, volume);
    if (run("mcopy", ["--version"]).missing) throw new BuildError("mtools is not installed (the SYSLINUX installer needs it)", `${sudo}apt-get install mtools`, "mtools");
    const r = run(join(pkg(ctx, "syslinux").dir, "usr/bin/syslinux"), ["--install", tmp], { env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
    if (r.status !== 0) throw new BuildError(`the SYSLINUX installer failed: ${r.stderr.trim() || r.stdout.trim()}`, `${sudo}apt-get install mtools && npm run images`, "syslinux");
    installed = readFileSync(tmp);
  } finally { rmSync(tmp, { force: true }); }
  stampRootEntries(installed, EPOCH);
  const partSectors = installed.length / 512;
  // Partition 2: an empty ext4 file system with a journal, right after the first (both 1 MiB aligned). Unlike FAT it
  // can show crash consistency: after the machine stops mid-write, mounting replays the journal and e2fsck finds
  // it clean. Its unwritten blocks are zeros, so the image compresses and stores sparsely.
  const dataStart = start + partSectors;
  const data = makeExt4({ sizeBytes: DATA_MIB * MiB, label: DATA_LABEL, uuid: DATA_UUID, hashSeed: DATA_HASH_SEED, date: EPOCH, tmpDir: ctx.opts.cache });
  return writeDisk(dataStart + data.length / 512, [
    { partition: { type: partMiB >= 32 ? 0x06 : 0x04, startLba: start, sectors: partSectors, active: true }, data: installed },
    { partition: { type: 0x83, startLba: dataStart, sectors: data.length / 512 }, data },
  ], { bootCode: pkgFile(ctx, "syslinuxCommon", "usr/lib/syslinux/mbr/mbr.bin") });
}

// ---------------------------------------------------------------------------------------------- profiles
/** Every profile boots through SeaBIOS and its VGA BIOS, even a direct kernel boot (as QEMU does). */
const FIRMWARE = { bios: "bios", vgabios: "vgabios" };
/** Direct kernel boots also need our option ROMs that load the kernel from fw_cfg (Linux and multiboot). */
const KERNEL_FIRMWARE = { ...FIRMWARE, linuxboot: "linuxboot", multibootrom: "multibootrom" };
const PROFILES = [
  { id: "linux-direct", title: "Linux (direct boot)", description: "Debian's kernel and our BusyBox initramfs, loaded directly by the emulator (fastest).", memoryMiB: 128,
    media: { ...KERNEL_FIRMWARE, kernel: "linux-kernel", initrd: "linux-initrd", fda: "guest-tools" }, cmdline: KERNEL_CMDLINE, boot: "kernel", expect: { serial: GUEST_BANNER, prompt: GUEST_PROMPT } },
  { id: "linux-cd", title: "Linux from CD", description: "Boots the ISOLINUX CD through the BIOS (El Torito, ATAPI).", memoryMiB: 128,
    media: { ...FIRMWARE, cdrom: "linux-cd" }, boot: "cdrom", expect: { serial: GUEST_BANNER, prompt: GUEST_PROMPT } },
  { id: "linux-hd", title: "Linux from hard disk", description: "Boots the FAT16 hard disk through the BIOS, MBR and SYSLINUX (ATA).", memoryMiB: 128,
    media: { ...FIRMWARE, hda: "linux-hd" }, boot: "hda", expect: { serial: GUEST_BANNER, prompt: GUEST_PROMPT } },
  { id: "memtest86", title: "memtest86+", description: "Memtest86+ 32-bit, loaded as a kernel.", memoryMiB: 64,
    media: { ...KERNEL_FIRMWARE, kernel: "memtest86" }, cmdline: "console=ttyS0,115200", boot: "kernel", expect: { serial: "Memtest86+" } },
  { id: "multiboot-hello", title: "Multiboot test kernel", description: "Our smallest test kernel (serial and port E9 output).", memoryMiB: 16,
    media: { ...KERNEL_FIRMWARE, kernel: "mbhello" }, cmdline: "", boot: "kernel", expect: { serial: "WEBPC-MBHELLO" } },
  { id: "freedos", title: "FreeDOS (your floppy image)", description: "Boot a FreeDOS floppy image you provide.", memoryMiB: 16,
    media: { ...FIRMWARE }, boot: "fda", user: { slot: "fda", accept: [".img", ".ima"], hint: "a FreeDOS boot floppy (720 KiB or 1.44 MB)", testImage: "../shared/images/freedos722.img" } },
  { id: "kolibrios", title: "KolibriOS (your floppy image)", description: "Boot a KolibriOS floppy image you provide (VBE graphics).", memoryMiB: 64,
    media: { ...FIRMWARE }, boot: "fda", user: { slot: "fda", accept: [".img"], hint: "kolibri.img (1.44 MB)", testImage: "../shared/images/kolibri.img" } },
  { id: "custom-iso", title: "Any CD image (ISO)", description: "Boot an ISO 9660 CD image you provide.", memoryMiB: 256,
    media: { ...FIRMWARE }, boot: "cdrom", user: { slot: "cdrom", accept: [".iso"], hint: "a bootable CD image" } },
  { id: "custom-floppy", title: "Any floppy image", description: "Boot a floppy image you provide.", memoryMiB: 32,
    media: { ...FIRMWARE }, boot: "fda", user: { slot: "fda", accept: [".img", ".ima", ".flp"], hint: "a bootable floppy image", testImage: "../shared/images/floppinux.img" } },
  { id: "custom-hd", title: "Any hard-disk image", description: "Boot a raw hard-disk image you provide.", memoryMiB: 256,
    media: { ...FIRMWARE }, boot: "hda", user: { slot: "hda", accept: [".img", ".raw", ".bin"], hint: "a raw disk image with an MBR" } },
];

// ---------------------------------------------------------------------------------------------- main
interface StateEntry { key: string; sha256: string; size: number; meta?: Record<string, unknown> }

/** Hash of everything in images/ that can change an output: code, guest sources, the recipes. */
function codeHash(): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.(md|json)$/.test(e.name)) parts.push(relative(HERE, p), sha256(readFileSync(p)));
    }
  };
  walk(HERE);
  return sha256(parts.join("\n"));
}

function neededRecipes(only: string[] | null): Recipe[] {
  if (!only) return RECIPES;
  const want = new Set<string>();
  const add = (id: string) => {
    const r = RECIPES.find((x) => x.id === id);
    if (!r) throw new Error(`images/build.ts: unknown artefact "${id}" (known: ${RECIPES.map((x) => x.id).join(", ")})`);
    if (want.has(id)) return;
    want.add(id);
    for (const d of r.deps ?? []) add(d);
  };
  for (const id of only) add(id);
  return RECIPES.filter((r) => want.has(r.id)); // RECIPES is already in dependency order
}

export function build(opts: Options): void {
  const t0 = performance.now();
  const log = opts.quiet ? () => {} : (s: string) => console.log(`images: ${s}`);
  const warn = (s: string) => console.warn(`images: warning: ${s}`);
  const recipes = neededRecipes(opts.only);
  const ctx: Ctx = { opts, log, pkgs: new Map(), built: new Map(), recipeMeta: new Map() };

  // 1. Resolve the newest version of each package apt knows, fetch and unpack it.
  const keys = [...new Set(recipes.flatMap((r) => r.packages))];
  if (keys.length) checkApt(log);
  const lockPath = join(HERE, "versions.lock.json");
  const lock: { packages: Record<string, string> } = existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, "utf8")) : { packages: {} };
  useAptCache(join(opts.cache, "apt"));
  const first = resolveAll(keys.map((k) => PACKAGES[k].query), log);
  const realNames = new Map(keys.filter((k) => PACKAGES[k].meta).map((k) => [k, followMeta(first.get(PACKAGES[k].query)!, PACKAGES[k].meta!)]));
  const second = realNames.size ? resolveAll([...realNames.values()], log) : new Map<string, Resolved>();
  for (const key of keys) {
    const spec = PACKAGES[key];
    let r = first.get(spec.query)!;
    let meta: Resolved | undefined;
    if (spec.meta) { meta = r; r = second.get(realNames.get(key)!)!; }
    const path = download(r, opts.debs, log);
    const dir = extractDeb(path, join(opts.cache, "extract"), r.name);
    ctx.pkgs.set(key, { ...r, key, licence: spec.licence, dir, path, meta });
    for (const p of meta ? [meta, r] : [r]) {
      const locked = lock.packages[p.name];
      if (locked && locked !== p.version) warn(`${p.name} is ${p.version} now; the tests last passed with ${locked} (images/versions.lock.json). Run the tests, then \`npm run images -- --update-lock\`.`);
      if (!locked && !opts.updateLock) warn(`${p.name} ${p.version} is not in images/versions.lock.json`);
    }
  }

  // 2. Build each artefact whose input key changed.
  mkdirSync(opts.out, { recursive: true });
  const statePath = join(opts.cache, "state.json");
  mkdirSync(opts.cache, { recursive: true });
  const state: Record<string, StateEntry> = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : {};
  const code = codeHash();
  const manifestArtefacts: unknown[] = [];
  let rebuilt = 0;
  for (const r of recipes) {
    const key = sha256(JSON.stringify({
      code, id: r.id,
      packages: r.packages.map((k) => `${pkg(ctx, k).name}=${pkg(ctx, k).version}:${pkg(ctx, k).sha256}`),
      deps: (r.deps ?? []).map((d) => state[d].sha256),
      extra: r.extraKey?.() ?? [],
    }));
    const outPath = join(opts.out, r.file);
    const prev = state[r.id];
    let bytes: Uint8Array | null = null;
    if (prev && prev.key === key && existsSync(outPath) && statSync(outPath).size === prev.size) {
      const data = readFileSync(outPath);
      if (sha256(data) === prev.sha256) bytes = data;
    }
    if (bytes) {
      if (prev.meta) ctx.recipeMeta.set(r.id, prev.meta);
    } else {
      const t = performance.now();
      bytes = r.build(ctx);
      // Same bytes as the file already there (e.g. only a comment changed): keep the file and its mtime.
      if (!(existsSync(outPath) && statSync(outPath).size === bytes.length && sha256File(outPath) === sha256(bytes))) writeAtomic(outPath, bytes);
      state[r.id] = { key, sha256: sha256(bytes), size: bytes.length, meta: ctx.recipeMeta.get(r.id) };
      writeAtomic(statePath, JSON.stringify(state, null, 1));
      rebuilt++;
      log(`built ${r.file} (${bytes.length} bytes) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    ctx.built.set(r.id, bytes);
    manifestArtefacts.push({
      id: r.id, title: r.title, kind: r.kind, file: r.file, size: bytes.length, sha256: state[r.id].sha256,
      sources: r.packages.map((k) => ({ package: pkg(ctx, k).name, version: pkg(ctx, k).version, architecture: pkg(ctx, k).arch })),
      licence: r.licence, description: r.description,
      ...(ctx.recipeMeta.get(r.id) ? { meta: ctx.recipeMeta.get(r.id) } : {}),
    });
  }

  // 3. The manifest, written last and only when it changed (so an unchanged build touches no file).
  const packages = [...ctx.pkgs.values()].flatMap((p) => [
    ...(p.meta ? [{ name: p.meta.name, version: p.meta.version, architecture: p.meta.arch, sha256: p.meta.sha256, licence: p.licence, note: `meta-package for ${p.name}` }] : []),
    { name: p.name, version: p.version, architecture: p.arch, sha256: p.sha256, licence: p.licence },
  ]);
  const ids = new Set(recipes.map((r) => r.id));
  const profiles = PROFILES.filter((p) => Object.values(p.media).every((id) => ids.has(id)));
  const manifest = { schemaVersion: 1, generator: "images/build.ts", packages, artefacts: manifestArtefacts, profiles };
  const text = JSON.stringify(manifest, null, 2) + "\n";
  const manifestPath = join(opts.out, "manifest.json");
  if (!existsSync(manifestPath) || readFileSync(manifestPath, "utf8") !== text) writeAtomic(manifestPath, text);

  if (opts.updateLock) {
    const next = { comment: "Debian package versions the images tests last passed with; `npm run images -- --update-lock` rewrites it.", packages: Object.fromEntries(packages.map((p) => [p.name, p.version])) };
    writeAtomic(lockPath, JSON.stringify(next, null, 2) + "\n");
    log(`wrote ${relative(ROOT, lockPath)}`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  log(`${rebuilt ? `${rebuilt} artefact(s) rebuilt` : "everything up to date"}, ${recipes.length} in ${relative(ROOT, opts.out) || opts.out} (${secs} s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  try {
    build(opts);
  } catch (e) {
    const msg = e instanceof BuildError ? e.describe() : `images: build failed: ${(e as Error).stack ?? e}`;
    console.error(msg);
    if (opts.soft) console.error("images: continuing without images (--soft); the images tests will report what is missing.");
    process.exit(opts.soft ? 0 : 1);
  }
}
