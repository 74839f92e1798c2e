// The host side of `npm run vm`: option parsing, profile resolution, disk backends and checks, the PNG encoder,
// and end-to-end runs of web/cli-vm.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, chmodSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import * as zlib from "node:zlib";
import { parseArgs, parseMemory, resolvePlan, unescapeText, UsageError, type Manifest, type VmArgs } from "../web/node/vm-options.ts";
import { MemoryDisk, OverlayDisk, checkDiskImage, DiskImageError, FLOPPY_FORMATS } from "../web/machine/disks.ts";
import { FileDisk, FileDiskError } from "../web/node/file-disk.ts";
import { encodePNG, crc32, adler32, zlibStored } from "../web/machine/png.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "webpc-vm-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

// ---- option parsing ----

type Want = Partial<VmArgs> | { error: RegExp };
const table: [string[], Want][] = [
  [[], { drives: {}, serial: [], snapshot: false }],
  [["-m", "256"], { memoryMiB: 256 }],
  [["-m", "512M"], { memoryMiB: 512 }],
  [["-m", "1G"], { memoryMiB: 1024 }],
  [["-m", "size=64M"], { memoryMiB: 64 }],
  [["--m", "32"], { memoryMiB: 32 }],
  [["-m", "lots"], { error: /-m: not a memory size: lots/ }],
  [["-m", "1.5M"], { error: /whole number of MiB/ }],
  [["-m", "8G"], { error: /between 2 and 2047 MiB/ }],
  [["-m", "1"], { error: /between 2 and 2047 MiB/ }],
  [["-m"], { error: /-m needs a value \(SIZE\)/ }],
  [["-kernel", "k", "-initrd", "i", "-append", "console=ttyS0 quiet"], { kernel: "k", initrd: "i", append: "console=ttyS0 quiet" }],
  [["-initrd", "i"], { error: /-initrd needs -kernel/ }],
  [["-hda", "a.img", "-hdb", "b.img", "-fda", "f.img"], { drives: { hda: { path: "a.img", media: "hd" }, hdb: { path: "b.img", media: "hd" }, fda: { path: "f.img", media: "floppy" } } }],
  [["-cdrom", "x.iso"], { drives: { hdc: { path: "x.iso", media: "cdrom" } } }],
  [["-hdc", "c.img", "-cdrom", "x.iso"], { error: /-cdrom: drive hdc is already given \(c\.img\)/ }],
  [["-fdb", "b.img", "-hdd", "d.img"], { drives: { fdb: { path: "b.img", media: "floppy" }, hdd: { path: "d.img", media: "hd" } } }],
  [["-boot", "d"], { boot: { order: "d" } }],
  [["-boot", "order=dc,menu=on"], { boot: { order: "dc", menu: true } }],
  [["-boot", "menu=off"], { boot: { menu: false } }],
  [["-boot", "order=xz"], { error: /-boot: bad drive letters "xz"/ }],
  [["-boot", "splash=x.bmp"], { error: /-boot: unknown key "splash"/ }],
  [["-serial", "stdio"], { serial: [{ kind: "stdio" }] }],
  [["-serial", "none", "-serial", "file:/tmp/com2.txt"], { serial: [{ kind: "none" }, { kind: "file", path: "/tmp/com2.txt" }] }],
  [["-serial", "tcp::4444"], { error: /-serial: unsupported back end "tcp::4444" \(use stdio, none or file:PATH\)/ }],
  [["-debugcon", "file:fw.log"], { debugcon: { kind: "file", path: "fw.log" } }],
  [["-display", "none"], {}],
  [["-display", "gtk"], { error: /only -display none/ }],
  [["-nographic", "-snapshot", "-no-reboot"], { snapshot: true, noReboot: true }],
  [["-bios", "my.bin", "-vga", "none"], { bios: "my.bin", vga: "none" }],
  [["-vga", "cirrus"], { error: /-vga: unsupported type "cirrus"/ }],
  [["-rtc", "base=2020-01-02T03:04:05"], { rtcBase: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)) }],
  [["-rtc", "base=yesterday"], { error: /-rtc: not a date/ }],
  [["--profile", "linux-cd", "--until", "login:", "--timeout", "30"], { profile: "linux-cd", until: "login:", timeout: 30 }],
  [["--profile=memtest86", "--timeout=2.5s"], { profile: "memtest86", timeout: 2.5 }],
  [["--timeout", "0"], { error: /--timeout: not a number of seconds > 0: 0/ }],
  [["--screenshot", "s.png", "--screen-text", "--stats", "--debug"], { screenshot: "s.png", screenText: true, stats: true, debug: true }],
  [["--type", "ls\\n", "--type-after", "# ", "--type-wait", "0"], { type: "ls\n", typeAfter: "# ", typeWait: 0 }],
  [["--send", "echo hi\\r"], { send: "echo hi\r" }],
  [["--stats=yes"], { error: /--stats takes no value/ }],
  [["--frobnicate"], { error: /unknown option --frobnicate; valid options: .*-m .*-kernel .*-cdrom .*--profile .*--until/ }],
  [["disk.img"], { error: /unexpected argument "disk\.img": disk images need an option \(-hda FILE/ }],
  [["-serial", "stdio", "-serial", "none", "-serial", "none"], { error: /at most 2 ports/ }],
  [["--clock", "virtual"], { clock: "virtual" }],
  [["--clock", "fast"], { error: /--clock: "fast": use realtime or virtual/ }],
];

test("option parsing: argv -> options, and errors", () => {
  for (const [argv, want] of table) {
    if ("error" in want) {
      assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && want.error.test(e.message), argv.join(" "));
      continue;
    }
    const got = parseArgs(argv);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof VmArgs], v, `${argv.join(" ")}: ${k}`);
  }
});

test("memory sizes and text escapes", () => {
  assert.equal(parseMemory("2048K"), 2);
  assert.equal(parseMemory("134217728B"), 128);
  assert.equal(unescapeText("a\\tb\\\\n\\x41\\e"), "a\tb\\nA\x1b");
});

// ---- profiles ----

const art = (id: string, kind: string, file: string) => ({ id, kind, file, size: 1, title: id, sha256: "", description: "" });
const manifest: Manifest = {
  schemaVersion: 1,
  artefacts: [
    art("bios", "firmware", "bios.bin"),
    art("vgabios", "firmware", "vgabios-stdvga.bin"),
    art("linuxboot", "firmware", "linuxboot.bin"),
    art("multibootrom", "firmware", "multiboot.bin"),
    art("linux-kernel", "kernel", "vmlinuz"),
    art("linux-initrd", "initrd", "initrd.gz"),
    art("linux-cd", "cdrom", "linux.iso"),
    art("guest-tools", "fda", "guest-tools.img"),
  ],
  profiles: [
    { id: "linux-direct", title: "t", description: "d", memoryMiB: 128, boot: "kernel", cmdline: "console=ttyS0",
      media: { bios: "bios", vgabios: "vgabios", linuxboot: "linuxboot", kernel: "linux-kernel", initrd: "linux-initrd", fda: "guest-tools" }, expect: { serial: "READY" } },
    { id: "linux-cd", title: "t", description: "d", memoryMiB: 96, boot: "cdrom", media: { bios: "bios", vgabios: "vgabios", cdrom: "linux-cd" } },
    { id: "freedos", title: "t", description: "d", memoryMiB: 16, boot: "fda", media: { bios: "bios", vgabios: "vgabios" },
      user: { slot: "fda", accept: [".img"], hint: "a FreeDOS floppy", testImage: "../shared/images/freedos722.img" } },
    { id: "broken", title: "t", description: "d", memoryMiB: 16, boot: "kernel", media: { bios: "bios", kernel: "nonesuch" } },
  ],
};
const plan = (argv: string[]) => resolvePlan(parseArgs(argv), manifest, "/img");

test("profiles: default, named, overridden, user images, errors", () => {
  const d = plan([]);
  assert.equal(d.profile?.id, "linux-direct");
  assert.deepEqual([d.bios.path, d.vgaBios?.path, d.linuxBoot?.path, d.kernel?.path, d.initrd?.path, d.append, d.memoryMiB, d.boot, d.readyText],
    ["/img/bios.bin", "/img/vgabios-stdvga.bin", "/img/linuxboot.bin", "/img/vmlinuz", "/img/initrd.gz", "console=ttyS0", 128, undefined, "READY"]);
  // a kernel of one's own without a profile still gets the option ROM; disk boots do not need it
  assert.equal(plan(["-kernel", "bz"]).linuxBoot?.path, "/img/linuxboot.bin");
  assert.equal(plan(["-kernel", "mb.elf"]).multibootRom?.path, "/img/multiboot.bin");
  assert.equal(plan(["-hda", "h.img"]).linuxBoot, undefined);
  assert.deepEqual(d.drives, [{ drive: "fda", media: "floppy", file: { path: "/img/guest-tools.img", fromImages: true }, snapshot: true }]);
  // options with no boot media still use the default profile
  assert.equal(plan(["-m", "64", "--stats"]).profile?.id, "linux-direct");
  assert.equal(plan(["-m", "64"]).memoryMiB, 64);
  // overrides
  const o = plan(["--profile", "linux-direct", "-append", "quiet", "-m", "256", "-vga", "none"]);
  assert.deepEqual([o.append, o.memoryMiB, o.vgaBios], ["quiet", 256, undefined]);
  // another kernel drops the profile's initrd and command line
  const k = plan(["--profile", "linux-direct", "-kernel", "my.bz"]);
  assert.deepEqual([k.kernel, k.initrd, k.append], [{ path: "my.bz", fromImages: false }, undefined, undefined]);
  const cd = plan(["--profile", "linux-cd"]);
  assert.deepEqual([cd.boot, cd.memoryMiB, cd.drives.map((x) => [x.drive, x.media, x.file.path, x.snapshot])], ["d", 96, [["hdc", "cdrom", "/img/linux.iso", true]]]);
  assert.equal(plan(["--profile", "linux-cd", "-boot", "c"]).boot, "c");
  // the user's images are written through unless -snapshot
  assert.equal(plan(["-hda", "my.img"]).drives[0].snapshot, false);
  assert.equal(plan(["-hda", "my.img", "-snapshot"]).drives[0].snapshot, true);
  // media without a profile: firmware from the manifest, boot order from the media
  const m = plan(["-hda", "my.img"]);
  assert.deepEqual([m.profile, m.bios.path, m.boot, m.append], [undefined, "/img/bios.bin", "c", undefined]);
  assert.equal(plan(["-cdrom", "x.iso"]).boot, "dc");
  assert.equal(plan(["-fda", "f.img"]).boot, "a");
  assert.equal(plan(["-hda", "h.img", "-fda", "f.img", "-boot", "menu=on"]).boot, "ca");
  assert.equal(plan(["-hda", "h.img", "-boot", "menu=on"]).bootMenu, true);
  // a profile that needs the user's image
  assert.throws(() => plan(["--profile", "freedos"]), /profile freedos needs your image: -fda FILE \(a FreeDOS floppy; \.img\), e\.g\. -fda \.\.\/shared\/images\/freedos722\.img/);
  const f = plan(["--profile", "freedos", "-fda", "fd.img"]);
  assert.deepEqual([f.boot, f.drives[0].file, f.memoryMiB], ["a", { path: "fd.img", fromImages: false }, 16]);
  assert.throws(() => plan(["--profile", "nope"]), /unknown profile "nope"; profiles: linux-direct, linux-cd, freedos, broken/);
  assert.throws(() => plan(["--profile", "broken"]), /the manifest has no artefact "nonesuch" \(profile broken, kernel\); run `npm run images`/);
  // no manifest (images not built)
  assert.throws(() => resolvePlan(parseArgs([]), null, "/img"), /profile linux-direct needs \/img\/manifest\.json: run `npm run images`/);
  assert.throws(() => resolvePlan(parseArgs(["-hda", "x.img"]), null, "/img"), /no firmware: give -bios FILE, or run `npm run images`/);
  assert.equal(resolvePlan(parseArgs(["-hda", "x.img", "-bios", "b.bin"]), null, "/img").bios.path, "b.bin");
});

test("the real manifest's profiles all resolve (when public/images is built)", { skip: !existsSync(join(root, "public/images/manifest.json")) && "public/images not built" }, () => {
  const dir = join(root, "public/images");
  const real = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  for (const p of real.profiles) {
    const argv = ["--profile", p.id];
    if (p.user) argv.push(p.user.slot === "cdrom" ? "-cdrom" : `-${p.user.slot}`, "user.img");
    const r = resolvePlan(parseArgs(argv), real, dir);
    if (r.kernel) assert.ok(r.linuxBoot, `${p.id}: a direct boot needs linuxboot`);
    for (const f of [r.bios, r.vgaBios, r.linuxBoot, r.kernel, r.initrd, ...r.drives.map((d) => d.file)]) {
      if (f?.fromImages) assert.ok(existsSync(f.path), `${p.id}: ${f.path}`);
    }
  }
});

// ---- disks ----

test("MemoryDisk: reads, zero fill past the end, writes, read-only", () => {
  const d = new MemoryDisk(new Uint8Array([1, 2, 3, 4, 5, 6]), { name: "m" });
  assert.deepEqual([...d.read(2, 3)], [3, 4, 5]);
  assert.deepEqual([...d.read(4, 4)], [5, 6, 0, 0]);
  d.write(0, new Uint8Array([9, 9]));
  assert.deepEqual([...d.bytes], [9, 9, 3, 4, 5, 6]);
  assert.throws(() => d.write(5, new Uint8Array(2)), /m: write at 5\+2 is past the end \(6 bytes\)/);
  assert.throws(() => new MemoryDisk(new Uint8Array(4), { readOnly: true, name: "r" }).write(0, new Uint8Array(1)), /r: read-only/);
});

test("OverlayDisk: copy-on-write, block granular, the base never written (QEMU -snapshot)", async () => {
  const base = new Uint8Array(10000).map((_, i) => i * 7);
  const orig = base.slice();
  const baseDisk = new MemoryDisk(base, { readOnly: true });
  let baseReads = 0;
  const counted = { size: baseDisk.size, readOnly: true, read: (o: number, n: number) => { baseReads++; return baseDisk.read(o, n); }, write: () => { throw new Error("base written"); }, flush: () => {} };
  const o = new OverlayDisk(counted, 512);
  assert.equal(o.readOnly, false);
  assert.equal(o.size, 10000);
  // a partial write reads its block from the base first; a whole-block write does not
  await o.write(1000, new Uint8Array([1, 2, 3]));
  assert.equal(baseReads, 1);
  await o.write(2048, new Uint8Array(512).fill(0xaa));
  assert.equal(baseReads, 1);
  assert.equal(o.dirtyBlocks, 2);
  // a write spanning blocks, and one at the (partial) last block
  await o.write(1020, new Uint8Array(10).fill(0x55)); // blocks 1 (1020-1023: dirty) and 2 (1024-1029: new)
  await o.write(9998, new Uint8Array([0xee, 0xff]));
  assert.equal(o.dirtyBlocks, 4);
  await assert.rejects(async () => o.write(9999, new Uint8Array(2)), /past the end/);
  const want = orig.slice();
  want.set([1, 2, 3], 1000); want.fill(0x55, 1020, 1030); want.fill(0xaa, 2048, 2560); want.set([0xee, 0xff], 9998);
  assert.deepEqual(await o.read(0, 10000), want);
  for (const [at, n] of [[990, 50], [1023, 2], [2047, 515], [9990, 20], [3000, 1]]) {
    const got = await o.read(at, n);
    const exp = new Uint8Array(n); exp.set(want.subarray(at, Math.min(10000, at + n)));
    assert.deepEqual(got, exp, `read ${at}+${n}`);
  }
  assert.deepEqual(base, orig, "the base is unchanged");
  o.discard();
  assert.deepEqual(await o.read(0, 10000), orig);
  assert.throws(() => new OverlayDisk(counted, 1000), /power of two/);
});

test("disk image checks: empty files, floppy sizes, ISO signature, partial sectors", async () => {
  const mem = (n: number) => new MemoryDisk(new Uint8Array(n));
  assert.deepEqual(await checkDiskImage("e.img", "floppy", mem(0)), ["e.img is empty (0 bytes): the floppy drive has no media"]);
  assert.deepEqual(await checkDiskImage("e.iso", "cdrom", mem(0)), ["e.iso is empty (0 bytes): the CD-ROM drive has no media"]);
  for (const f of FLOPPY_FORMATS) assert.deepEqual(await checkDiskImage("f.img", "floppy", mem(f.size)), []);
  await assert.rejects(checkDiskImage("odd.img", "floppy", mem(1474561)), /odd\.img: 1474561 bytes \(1\.41 MiB\) is not the size of any floppy format \(.*1\.44 MB 3\.5" = 1474560.*\); for a hard-disk image use -hda/);
  await assert.rejects(checkDiskImage("tiny.img", "hd", mem(100)), /tiny\.img: 100 bytes is smaller than one 512-byte sector/);
  assert.deepEqual(await checkDiskImage("hd.img", "hd", mem(1 << 20)), []);
  assert.match((await checkDiskImage("hd.img", "hd", mem(1000)))[0], /hd\.img: 1000 bytes .* not a whole number of 512-byte sectors; the last 488 bytes/);
  await assert.rejects(checkDiskImage("small.iso", "cdrom", mem(32768)), /small\.iso: 32768 bytes \(32\.0 KiB\) is too small for an ISO 9660 CD image/);
  const iso = new Uint8Array(40960);
  await assert.rejects(checkDiskImage("raw.iso", "cdrom", new MemoryDisk(iso)), /raw\.iso: not an ISO 9660 CD image \(no "CD001" volume descriptor at byte 32769\)/);
  iso.set([1, 0x43, 0x44, 0x30, 0x30, 0x31, 1], 0x8000);
  assert.deepEqual(await checkDiskImage("ok.iso", "cdrom", new MemoryDisk(iso)), []);
  assert.equal((await checkDiskImage("ok.iso", "cdrom", new MemoryDisk(iso.slice(0, 40000)))).length, 1);
});

test("FileDisk: positional reads and writes on a temp file, read-only modes, errors name the file", () => {
  const path = join(tmp, "disk.img");
  const bytes = new Uint8Array(4096).map((_, i) => i & 0xff);
  writeFileSync(path, bytes);
  const d = new FileDisk(path);
  assert.deepEqual([d.size, d.readOnly, d.readOnlyReason], [4096, false, ""]);
  assert.deepEqual(d.read(510, 4), new Uint8Array([254, 255, 0, 1]));
  assert.deepEqual(d.read(4094, 4), new Uint8Array([254, 255, 0, 0]));
  d.write(512, new Uint8Array([0xde, 0xad]));
  d.flush();
  assert.throws(() => d.write(4095, new Uint8Array(2)), (e: unknown) => e instanceof FileDiskError && e.message.startsWith(path + ": write at 4095+2 is past the end"));
  d.close();
  const after = readFileSync(path);
  assert.deepEqual([after[511], after[512], after[513], after[514]], [255, 0xde, 0xad, 2]);
  const ro = new FileDisk(path, { readOnly: true });
  assert.deepEqual([ro.readOnly, ro.readOnlyReason], [true, "asked"]);
  assert.throws(() => ro.write(0, new Uint8Array(1)), new RegExp(`^FileDiskError: ${path}: read-only \\(asked\\)$`.replace(/\//g, "\\/")));
  ro.close();
  if (process.getuid?.() !== 0) { // root may write any file
    chmodSync(path, 0o444);
    const nw = new FileDisk(path);
    assert.deepEqual([nw.readOnly, nw.readOnlyReason], [true, "the file is not writable"]);
    nw.close();
    chmodSync(path, 0o644);
  }
  assert.throws(() => new FileDisk(join(tmp, "nope.img")), new RegExp(`${join(tmp, "nope.img")}: no such file`));
  assert.throws(() => new FileDisk(tmp), /is a directory|not a regular file/);
});

// ---- PNG ----

/** An independent PNG reader: chunk CRCs with zlib.crc32, IDAT through zlib.inflateSync, the five filters undone. */
function decodePNG(png: Uint8Array): { width: number; height: number; rgba: Uint8Array; filters: number[] } {
  const buf = Buffer.from(png);
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "signature");
  let pos = 8, width = 0, height = 0;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    assert.equal(buf.readUInt32BE(pos + 8 + len), zlib.crc32(buf.subarray(pos + 4, pos + 8 + len)), `${type} CRC`);
    types.push(type);
    if (type === "IHDR") {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      assert.deepEqual([...data.subarray(8)], [8, 6, 0, 0, 0], "8-bit RGBA, deflate, adaptive filters, no interlace");
    } else if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  assert.deepEqual(types, ["IHDR", "IDAT", "IEND"]);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, height * (stride + 1));
  const rgba = new Uint8Array(width * height * 4);
  const filters: number[] = [];
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    filters.push(f);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= 4 ? rgba[y * stride + i - 4] : 0, b = y > 0 ? rgba[(y - 1) * stride + i] : 0, c = y > 0 && i >= 4 ? rgba[(y - 1) * stride + i - 4] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      assert.ok(pred !== undefined, `filter type ${f}`);
      rgba[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, rgba, filters };
}

test("PNG: CRC-32 and Adler-32 match zlib's", () => {
  const data = new Uint8Array(100000).map((_, i) => (i * 31 + (i >> 7)) & 0xff);
  assert.equal(crc32(data), zlib.crc32(data));
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const z = zlib.deflateSync(data);
  assert.equal(adler32(data), z.readUInt32BE(z.length - 4), "the zlib trailer is the Adler-32 of the data");
  // stored blocks over the 65535-byte limit, and an empty stream
  assert.deepEqual(new Uint8Array(zlib.inflateSync(zlibStored(data))), data);
  assert.equal(zlib.inflateSync(zlibStored(new Uint8Array(0))).length, 0);
});

test("PNG: stored and compressed images decode to the same pixels", () => {
  const w = 67, h = 45;
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 4;
    // areas that favour different filters: flat, horizontal gradient, vertical gradient, noise
    rgba.set(y < 10 ? [10, 20, 30, 255] : y < 20 ? [x * 3, x, 255 - x, 255] : y < 30 ? [y * 5, 0, y, 200] : [(x * 7919 + y * 104729) & 0xff, (x * y) & 0xff, x ^ y, 128], i);
  }
  const stored = encodePNG(w, h, rgba);
  const packed = encodePNG(w, h, rgba, { zlib: (d) => new Uint8Array(zlib.deflateSync(d)) });
  const a = decodePNG(stored), b = decodePNG(packed);
  assert.deepEqual([a.width, a.height, b.width, b.height], [w, h, w, h]);
  assert.deepEqual(a.rgba, rgba);
  assert.deepEqual(b.rgba, rgba);
  assert.ok(a.filters.every((f) => f === 0));
  assert.ok(new Set(b.filters).size > 1, `adaptive filters used: ${[...new Set(b.filters)]}`);
  assert.ok(packed.length < stored.length);
  assert.throws(() => encodePNG(2, 2, new Uint8Array(15)), /2x2 RGBA needs 16 bytes, got 15/);
  assert.throws(() => encodePNG(0, 2, new Uint8Array(0)), /bad size 0x2/);
  // the `file` tool, when installed, recognises the result
  const path = join(tmp, "t.png");
  writeFileSync(path, packed);
  const f = spawnSync("file", ["-b", path], { encoding: "utf8" });
  if (f.status === 0) assert.match(f.stdout, /PNG image data, 67 x 45, 8-bit\/color RGBA, non-interlaced/);
});

// ---- end to end: node --import tsx web/cli-vm.ts ----

const havePC = existsSync(join(root, "web/machine/pc.ts"));
const haveImages = existsSync(join(root, "public/images/manifest.json"));
function vm(args: string[], timeoutMs = 60_000) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "web/cli-vm.ts"), ...args], { cwd: root, encoding: "utf8", timeout: timeoutMs, input: "" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("cli: usage and input errors exit 2 with a message naming the problem", { skip: !havePC && "web/machine/pc.ts not there yet" }, () => {
  let r = vm(["--help"]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: npm run vm -- \[options\][^]*-cdrom FILE[^]*--until TEXT/);
  r = vm(["--frobnicate"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^vm: unknown option --frobnicate; valid options: .*-hda .*--screenshot/);
  const missing = join(tmp, "no-such-disk.img");
  r = vm(["-hda", missing, "-bios", join(tmp, "bios.bin")]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /firmware .*bios\.bin: no such file/);
  writeFileSync(join(tmp, "bios.bin"), new Uint8Array(65536));
  r = vm(["-hda", missing, "-bios", join(tmp, "bios.bin")]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`disk image ${missing} (-hda): no such file`), r.stderr);
  const odd = join(tmp, "odd.img");
  writeFileSync(odd, new Uint8Array(1000));
  r = vm(["-fda", odd, "-bios", join(tmp, "bios.bin")]);
  assert.equal(r.status, 2);
  assert.ok(r.stderr.includes(`${odd}: 1000 bytes is not the size of any floppy format`), r.stderr);
  // images not built
  r = vm(["--images", join(tmp, "no-images")]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /profile linux-direct needs .*no-images\/manifest\.json: run `npm run images`/);
});

test("cli: SeaBIOS starts in the runner; a timeout exits 1 and says so (debug console to a file)", { skip: (!havePC || !haveImages) && "needs web/machine/pc.ts and public/images" }, () => {
  const log = join(tmp, "seabios.log");
  const r = vm(["--profile", "custom-hd", "-hda", join(tmp, "blank.img"), "-snapshot", "--clock", "virtual", "--timeout", "4", "-debugcon", `file:${log}`], 60_000);
  assert.equal(r.status, 2, "the blank disk does not exist yet");
  writeFileSync(join(tmp, "blank.img"), new Uint8Array(1 << 20));
  const r2 = vm(["--profile", "custom-hd", "-hda", join(tmp, "blank.img"), "-snapshot", "--clock", "virtual", "--timeout", "4", "-debugcon", `file:${log}`], 60_000);
  assert.equal(r2.status, 1, r2.stderr);
  assert.match(r2.stderr, /the firmware found no bootable device/);
  const fw = readFileSync(log, "latin1");
  assert.match(fw, /SeaBIOS \(version/);
  assert.match(fw, /Booting from Hard Disk/);
  // a guest that is still busy when --timeout passes: exit 1 with the guest time and what it showed
  const r3 = vm(["--profile", "linux-direct", "--clock", "virtual", "--timeout", "3"], 60_000);
  assert.equal(r3.status, 1, r3.stderr);
  assert.match(r3.stderr, /vm: timeout: 3 s of host time passed \([\d.]+ s of guest time\)/);
});

test("cli: --profile multiboot-hello --until WEBPC-MBHELLO (SeaBIOS, our multiboot option ROM, COM1)", { skip: (!havePC || !haveImages) && "needs web/machine/pc.ts and public/images" }, () => {
  const r = vm(["--profile", "multiboot-hello", "--until", "WEBPC-MBHELLO", "--timeout", "50", "--clock", "virtual", "--stats"], 60_000);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WEBPC-MBHELLO/);
  assert.match(r.stderr, /stats: \d+ instructions, [\d.]+ guest MIPS/);
});

// The Linux boot: opt-in until the PC boots Linux (WEBPC_VM_BOOT=1 node --import tsx --test test/vm-cli.test.ts).
test("cli: linux-direct reaches the guest banner, then runs a command sent to COM1 (--send, --until)", { skip: (!havePC || !haveImages || !process.env.WEBPC_VM_BOOT) && "opt-in: WEBPC_VM_BOOT=1" }, () => {
  // about 70 s of host time on 2 cores (2026-11-30): longer than the suite's one-minute budget for a boot test
  const r = vm(["--send", "echo RUNNER-$((6*7))\\n", "--until", "RUNNER-42", "--timeout", "170", "--clock", "virtual", "--stats"], 180_000);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WEBPC-GUEST-READY Linux[^]*RUNNER-42/);
  assert.match(r.stderr, /stats: \d+ instructions/);
});

test("cli: an empty file, random bytes and a disk without a boot signature end with the firmware's \"No bootable device\", a message and exit 1", { skip: (!havePC || !haveImages) && "needs web/machine/pc.ts and public/images" }, () => {
  const cases: [string, string, Uint8Array][] = [
    ["-hda", "empty.img", new Uint8Array(0)],
    ["-hda", "random.img", Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761 >>> 13) & 0xFF)],
    ["-fda", "nosig.img", new Uint8Array(1474560)],
  ];
  for (const [opt, name, bytes] of cases) {
    const f = join(tmp, name);
    writeFileSync(f, bytes);
    const r = vm([opt, f, "-boot", opt === "-fda" ? "a" : "c", "--timeout", "120", "--screen-text"]);
    assert.equal(r.status, 1, `${name}: exit status\n${r.stderr}`);
    assert.match(r.stderr, /the firmware found no bootable device/, `${name}: the runner's message\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /No bootable device/, `${name}: SeaBIOS's text on the screen`);
    assert.doesNotMatch(r.stderr, /timeout/, `${name}: ended by the firmware's answer, not the guard`);
  }
});
