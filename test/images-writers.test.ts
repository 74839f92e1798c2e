// Unit tests of the image writers (images/lib): each output is read back by an independent Debian tool
// (cpio, isoinfo, xorriso, 7z, fsck.vfat, mtools, e2fsck) and the El Torito and MBR structures are checked byte
// by byte. A test whose tool is missing is skipped with the package to install.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCpio } from "../images/lib/cpio.ts";
import { writeIso9660, isoName } from "../images/lib/iso9660.ts";
import { writeFat, shortNameChecksum } from "../images/lib/fat.ts";
import { writeMbr, writeDisk, chsBytes } from "../images/lib/mbr.ts";
import { makeExt4 } from "../images/lib/ext4.ts";

const enc = new TextEncoder();
const tmp = mkdtempSync(join(tmpdir(), "webpc-writers-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

function have(cmd: string, args = ["--version"]): boolean {
  return !spawnSync(cmd, args, { stdio: "ignore" }).error;
}
function sh(cmd: string, args: string[], input?: Uint8Array): string {
  const r = spawnSync(cmd, args, { input, encoding: "latin1", env: { ...process.env, MTOOLS_SKIP_CHECK: "1" } });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}
function skipUnless(cmd: string, pkg: string, args?: string[]): string | false {
  return have(cmd, args) ? false : `${cmd} not found (apt-get install ${pkg})`;
}
/** Deterministic pseudo-random bytes, so content checks catch misplaced sectors. */
function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 0xff; }
  return b;
}

// ------------------------------------------------------------------------------------------------ cpio
test("cpio: newc archive lists and extracts with GNU cpio", { skip: skipUnless("cpio", "cpio") }, () => {
  const big = bytes(10_001, 7);
  const archive = writeCpio([
    { type: "file", path: "/init", data: enc.encode("#!/bin/sh\n"), mode: 0o755 },
    { type: "file", path: "usr/share/data.bin", data: big },
    { type: "symlink", path: "bin/sh", target: "busybox" },
    { type: "chardev", path: "dev/console", major: 5, minor: 1 },
    { type: "dir", path: "proc" },
  ], { mtime: 1_700_000_000 });
  assert.equal(archive.length % 4, 0);
  assert.equal(new TextDecoder().decode(archive.subarray(0, 6)), "070701");
  const list = sh("cpio", ["-itv", "--quiet"], archive);
  assert.match(list, /-rwxr-xr-x .* init\n/);
  assert.match(list, /lrwxrwxrwx .* bin\/sh -> busybox/);
  assert.match(list, /crw------- .* 5,\s+1 .* dev\/console/);
  assert.match(list, /drwxr-xr-x .* usr\/share\n/); // implicit parent directories
  assert.match(list, /drwxr-xr-x .* proc\n/);
  const dir = join(tmp, "cpio-out");
  spawnSync("mkdir", ["-p", dir]);
  const r = spawnSync("cpio", ["-id", "--quiet", "--no-absolute-filenames", "usr/share/data.bin", "init"], { input: archive, cwd: dir });
  assert.equal(r.status, 0, String(r.stderr));
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, "usr/share/data.bin"))), big);
  assert.equal(readFileSync(join(dir, "init"), "utf8"), "#!/bin/sh\n");
});

test("cpio: rejects duplicate and unsafe paths", () => {
  assert.throws(() => writeCpio([{ type: "file", path: "a", data: new Uint8Array() }, { type: "file", path: "a", data: new Uint8Array() }]), /duplicate/);
  assert.throws(() => writeCpio([{ type: "file", path: "../etc/passwd", data: new Uint8Array() }]), /bad path/);
});

// ------------------------------------------------------------------------------------------------ ISO 9660
const isoFiles = () => [
  { path: "isolinux/isolinux.bin", data: bytes(6000, 3) },
  { path: "boot/vmlinuz", data: bytes(100_000, 4) },
  { path: "readme.txt", data: enc.encode("hello from iso\n") },
  { path: "deep/a/b/c/d/e/file-with-long-name.data", data: bytes(2048, 5) },
  ...Array.from({ length: 90 }, (_, i) => ({ path: `many/file${i}.txt`, data: enc.encode(`file ${i}\n`) })), // > 1 directory sector
];

test("iso9660: isoinfo and xorriso read the volume, El Torito and files", { skip: skipUnless("isoinfo", "genisoimage", ["-version"]) || skipUnless("xorriso", "xorriso") }, () => {
  const iso = writeIso9660(isoFiles(), { volumeId: "webpc_test", boot: { image: "isolinux/isolinux.bin", catalog: "isolinux/boot.cat", loadSectors: 4, bootInfoTable: true } });
  const path = join(tmp, "t.iso");
  writeFileSync(path, iso);
  const info = sh("isoinfo", ["-d", "-i", path]);
  assert.match(info, /Volume id: WEBPC_TEST/);
  assert.match(info, /El Torito VD version 1 found/);
  assert.match(info, /Boot media 0 \(No Emulation Boot\)/);
  assert.match(info, /Nsect 4/);
  assert.match(info, new RegExp(`Volume size is: ${iso.length / 2048}`));
  const names = sh("isoinfo", ["-f", "-i", path]).split("\n");
  assert.ok(names.includes("/DEEP/A/B/C/D/E/FILE_WITH_LONG_NAME.DATA;1"), names.join(","));
  assert.ok(names.includes("/MANY/FILE89.TXT;1"));
  assert.equal(sh("isoinfo", ["-i", path, "-x", "/README.TXT;1"]), "hello from iso\n");
  const kernel = spawnSync("isoinfo", ["-i", path, "-x", "/BOOT/VMLINUZ.;1"]);
  assert.deepEqual(new Uint8Array(kernel.stdout), bytes(100_000, 4));
  const report = sh("xorriso", ["-indev", path, "-report_el_torito", "plain"]) + spawnSync("xorriso", ["-indev", path, "-report_el_torito", "plain"], { encoding: "utf8" }).stderr;
  assert.match(report, /El Torito img path : +1 +\/ISOLINUX\/ISOLINUX.BIN/);
  assert.match(report, /boot-info-table/);
  // xorriso's own consistency check of the directory tree
  const check = spawnSync("xorriso", ["-indev", path, "-find", "/", "-type", "f"], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
  assert.equal(check.stdout.trim().split("\n").length, 94); // the 94 files (xorriso lists the boot catalog apart)
});

test("iso9660: 7z extracts the same bytes", { skip: skipUnless("7z", "p7zip-full", ["i"]) }, () => {
  const iso = writeIso9660(isoFiles(), {});
  const path = join(tmp, "t7.iso");
  writeFileSync(path, iso);
  const out = join(tmp, "7z-out");
  sh("7z", ["x", "-y", `-o${out}`, path]);
  assert.deepEqual(new Uint8Array(readFileSync(join(out, "BOOT/VMLINUZ"))), bytes(100_000, 4));
  assert.deepEqual(new Uint8Array(readFileSync(join(out, "DEEP/A/B/C/D/E/FILE_WITH_LONG_NAME.DATA"))), bytes(2048, 5));
});

test("iso9660: byte-level El Torito boot record, catalog and boot info table", () => {
  const boot = bytes(6000, 3);
  const iso = writeIso9660([{ path: "isolinux/isolinux.bin", data: boot }], { boot: { image: "isolinux/isolinux.bin", catalog: "isolinux/boot.cat", bootInfoTable: true } });
  const dv = new DataView(iso.buffer);
  const s = (lba: number) => lba * 2048;
  assert.equal(iso[s(16)], 1); // PVD
  assert.equal(new TextDecoder().decode(iso.subarray(s(16) + 1, s(16) + 6)), "CD001");
  assert.equal(iso[s(17)], 0); // boot record
  assert.equal(new TextDecoder().decode(iso.subarray(s(17) + 7, s(17) + 30)), "EL TORITO SPECIFICATION");
  assert.equal(iso[s(18)], 255); // terminator
  const catalog = dv.getUint32(s(17) + 0x47, true);
  const c = s(catalog);
  assert.equal(iso[c], 1); // validation entry header
  assert.equal(iso[c + 30], 0x55); assert.equal(iso[c + 31], 0xaa);
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + dv.getUint16(c + i, true)) & 0xffff;
  assert.equal(sum, 0, "validation entry words sum to zero");
  assert.equal(iso[c + 32], 0x88); // bootable
  assert.equal(iso[c + 33], 0); // no emulation
  assert.equal(dv.getUint16(c + 38, true), 4); // sectors to load
  const imageLba = dv.getUint32(c + 40, true);
  const b = s(imageLba);
  // boot info table: PVD LBA, image LBA, length, checksum of the 32-bit words from offset 64
  assert.equal(dv.getUint32(b + 8, true), 16);
  assert.equal(dv.getUint32(b + 12, true), imageLba);
  assert.equal(dv.getUint32(b + 16, true), boot.length);
  let csum = 0;
  for (let i = 64; i < boot.length; i += 4) {
    let w = 0;
    for (let k = 0; k < 4; k++) w += (i + k < boot.length ? boot[i + k] : 0) * 2 ** (8 * k);
    csum = (csum + w) % 2 ** 32;
  }
  assert.equal(dv.getUint32(b + 20, true), csum);
  assert.deepEqual(iso.subarray(b + 64, b + boot.length), boot.subarray(64), "the rest of the image is unchanged");
  assert.deepEqual(iso.subarray(b, b + 8), boot.subarray(0, 8));
});

test("iso9660: name mapping to level 2 identifiers", () => {
  assert.equal(isoName("vmlinuz", false), "VMLINUZ");
  assert.equal(isoName("my file.tar.gz", false), "MY_FILE_TAR.GZ");
  assert.equal(isoName("a-very-long-directory-name-that-goes-on", true).length, 31);
  assert.ok(isoName("x".repeat(50) + ".txt", false).length <= 31);
});

// ------------------------------------------------------------------------------------------------ FAT
const fatFiles = () => [
  { path: "README.TXT", data: enc.encode("upper case 8.3\n") },
  { path: "vmlinuz", data: bytes(300_000, 9) },
  { path: "A Long File Name With Spaces.text", data: bytes(5000, 10) },
  { path: "sub/dir/inner.bin", data: bytes(70_000, 11) },
  { path: "empty.dat", data: new Uint8Array(0) },
  ...Array.from({ length: 40 }, (_, i) => ({ path: `many/Entry Number ${i}.txt`, data: enc.encode(`entry ${i}\n`) })), // multi-cluster directory
];

for (const [label, size, type] of [["1.44 MB floppy (FAT12)", 1474560, "FAT12"], ["1 MiB volume (FAT12)", 1024 * 1024, "FAT12"], ["3 MiB volume (FAT16, small clusters)", 3 * 1024 * 1024, "FAT16"], ["32 MiB volume (FAT16)", 32 * 1024 * 1024, "FAT16"]] as const) {
  test(`fat: ${label} passes fsck.vfat and reads back with mtools`, { skip: skipUnless("fsck.vfat", "dosfstools") || skipUnless("mdir", "mtools", ["-V"]) }, () => {
    const img = writeFat(fatFiles(), { sizeBytes: size, label: "WEBPC TEST" });
    assert.equal(img.length, size);
    assert.equal(new TextDecoder().decode(img.subarray(54, 59)), type);
    const path = join(tmp, `fat-${size}.img`);
    writeFileSync(path, img);
    const fsck = spawnSync("fsck.vfat", ["-n", "-v", path], { encoding: "utf8" });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    assert.doesNotMatch(fsck.stdout, /differ|invalid|bad|Free cluster summary wrong/i);
    const root = sh("mdir", ["-i", path, "::/"]);
    assert.match(root, /Volume in drive : is WEBPC TEST/);
    assert.match(root, /A Long File Name With Spaces\.text/);
    const many = sh("mdir", ["-i", path, "::/many"]);
    assert.match(many, /Entry Number 39\.txt/);
    assert.deepEqual(new Uint8Array(Buffer.from(sh("mtype", ["-i", path, "::/sub/dir/inner.bin"]), "latin1")), bytes(70_000, 11));
    assert.deepEqual(new Uint8Array(Buffer.from(sh("mtype", ["-i", path, "::/vmlinuz"]), "latin1")), bytes(300_000, 9));
    assert.deepEqual(new Uint8Array(Buffer.from(sh("mtype", ["-i", path, "::/A Long File Name With Spaces.text"]), "latin1")), bytes(5000, 10));
    assert.equal(sh("mtype", ["-i", path, "::/empty.dat"]), "");
  });
}

test("fat: floppy BPB fields and long-name checksum", () => {
  const img = writeFat([{ path: "Hello Wo.txt", data: enc.encode("hi") }], { sizeBytes: 1474560 });
  const dv = new DataView(img.buffer);
  assert.equal(dv.getUint16(11, true), 512);
  assert.equal(img[13], 1); // sectors per cluster
  assert.equal(dv.getUint16(17, true), 224); // root entries
  assert.equal(dv.getUint16(19, true), 2880);
  assert.equal(img[21], 0xf0);
  assert.equal(dv.getUint16(22, true), 9); // sectors per FAT
  assert.equal(dv.getUint16(24, true), 18);
  assert.equal(img[510], 0x55); assert.equal(img[511], 0xaa);
  const root = 19 * 512;
  assert.equal(img[root], 0x41); // last (and only) long-name entry, sequence 1
  assert.equal(img[root + 11], 0x0f);
  const short = img.subarray(root + 32, root + 43);
  assert.equal(new TextDecoder().decode(short), "HELLOW~1TXT");
  assert.equal(img[root + 13], shortNameChecksum(short));
  assert.throws(() => writeFat([{ path: "big", data: new Uint8Array(2_000_000) }], { sizeBytes: 1474560 }), /do not fit/);
});

// ------------------------------------------------------------------------------------------------ MBR
test("mbr: byte-level partition table and CHS encoding", () => {
  const mbr = writeMbr([{ type: 0x06, startLba: 2048, sectors: 65536, active: true }], { bootCode: new Uint8Array(440).fill(0x90), diskSignature: 0xdeadbeef });
  const dv = new DataView(mbr.buffer);
  assert.equal(mbr[0], 0x90);
  assert.equal(dv.getUint32(440, true), 0xdeadbeef);
  assert.equal(mbr[446], 0x80);
  assert.equal(mbr[446 + 4], 0x06);
  assert.equal(dv.getUint32(446 + 8, true), 2048);
  assert.equal(dv.getUint32(446 + 12, true), 65536);
  // LBA 2048 with 16 heads x 63 sectors: C=2, H=0, S=33
  assert.deepEqual([...mbr.subarray(447, 450)], [0, 33, 2]);
  assert.deepEqual(chsBytes(67583, 16, 63), [0, 48, 67]); // C=67 H=0 S=48
  assert.deepEqual(chsBytes(300 * 1008, 16, 63), [0, 0x40 | 1, 300 & 0xff]); // cylinder bits 8-9 in the sector byte
  assert.deepEqual(chsBytes(100_000_000, 16, 63), [254, 0xff, 0xff]); // beyond cylinder 1023
  assert.ok(mbr.subarray(462, 510).every((b) => b === 0), "unused entries are zero");
  assert.equal(mbr[510], 0x55); assert.equal(mbr[511], 0xaa);
  assert.throws(() => writeMbr([{ type: 6, startLba: 1, sectors: 1 }], { bootCode: new Uint8Array(441) }), /440/);
});

test("mbr + fat: mtools finds the partition through the MBR", { skip: skipUnless("mdir", "mtools", ["-V"]) }, () => {
  const part = writeFat([{ path: "syslinux.cfg", data: enc.encode("DEFAULT linux\n") }], { sizeBytes: 16 * 1024 * 1024, hiddenSectors: 2048, label: "WEBPC" });
  const disk = writeDisk(2048 + part.length / 512, [{ partition: { type: 0x04, startLba: 2048, sectors: part.length / 512, active: true }, data: part }]);
  const path = join(tmp, "disk.img");
  writeFileSync(path, disk);
  assert.equal(new DataView(disk.buffer).getUint32(2048 * 512 + 28, true), 2048, "hidden sectors = partition start");
  // the partition entry leads to the FAT boot sector; mtools reads the volume at that offset
  const lba = new DataView(disk.buffer).getUint32(446 + 8, true);
  assert.equal(new TextDecoder().decode(disk.subarray(lba * 512 + 54, lba * 512 + 59)), "FAT16");
  assert.match(sh("mdir", ["-i", `${path}@@${lba * 512}`, "::/"]), /syslinux cfg/);
});


// ------------------------------------------------------------------------------------------------ ext4
/** e2fsprogs' programs live in /usr/sbin, which an ordinary user's PATH lacks. */
const e2 = (cmd: string) => (have(cmd, ["-V"]) ? cmd : `/usr/sbin/${cmd}`);
test("ext4: mke2fs gives the same bytes twice; e2fsck finds it clean; label, UUID, journal and time stamps as asked", { skip: skipUnless(e2("mke2fs"), "e2fsprogs", ["-V"]) || skipUnless(e2("e2fsck"), "e2fsprogs", ["-V"]) }, () => {
  const opts = { sizeBytes: 16 << 20, label: "test-data", uuid: "01234567-89ab-4def-8123-456789abcdef", hashSeed: "fedcba98-7654-4321-8fed-cba987654321", date: new Date(Date.UTC(2024, 0, 1)), tmpDir: tmp };
  const a = makeExt4(opts);
  const b = makeExt4(opts);
  assert.equal(a.length, 16 << 20);
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), "two runs, same bytes");
  const path = join(tmp, "ext4.img");
  writeFileSync(path, a);
  const fsck = spawnSync(e2("e2fsck"), ["-fn", path], { encoding: "utf8" });
  assert.equal(fsck.status, 0, `e2fsck -fn: ${fsck.stdout}${fsck.stderr}`);
  const info = spawnSync(e2("dumpe2fs"), ["-h", path], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } }).stdout; // dates in UTC
  assert.match(info, /^Filesystem volume name:\s+test-data$/m);
  assert.match(info, new RegExp(`^Filesystem UUID:\\s+${opts.uuid}$`, "m"));
  assert.match(info, new RegExp(`^Directory Hash Seed:\\s+${opts.hashSeed}$`, "m"));
  assert.match(info, /^Filesystem features:.*\bhas_journal\b.*\bextent\b.*\bmetadata_csum\b/m);
  assert.match(info, /^Filesystem created:\s+Mon Jan  1 00:00:00 2024$/m);
  assert.match(info, /^Block size:\s+4096$/m);
  assert.match(info, /^Reserved blocks uid:\s+0 /m);
});
