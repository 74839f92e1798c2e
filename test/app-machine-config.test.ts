// The page's machine description (web/app/machine-config.ts): classifying user images (ISO -> CD, floppy sizes
// -> floppy, else hard disk; obvious non-images refused with a clear message) and resolving a MachineConfig
// against the images manifest (public/images/manifest.json, built by `npm run images`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { classifyImage, resolveMachine, defaultProfileId, CLASSIFY_HEAD_BYTES, type ImagesManifest, type MachineConfig } from "../web/app/machine-config.ts";
import { FLOPPY_FORMATS } from "../web/machine/disks.ts";

const MANIFEST_PATH = join(import.meta.dirname, "../public/images/manifest.json");
const skip = existsSync(MANIFEST_PATH) ? false : "no public/images/manifest.json: run `npm run images`";
const manifest = (skip ? { schemaVersion: 1, artefacts: [], profiles: [] } : JSON.parse(readFileSync(MANIFEST_PATH, "utf8"))) as ImagesManifest;

/** A head of `n` bytes that looks like a boot sector (jump, zeros, 55 AA). */
function bootSectorHead(n = CLASSIFY_HEAD_BYTES): Uint8Array {
  const h = new Uint8Array(n);
  h[0] = 0xEB; h[1] = 0x3C; h[2] = 0x90; h[510] = 0x55; h[511] = 0xAA;
  return h;
}
function isoHead(): Uint8Array {
  const h = new Uint8Array(CLASSIFY_HEAD_BYTES);
  h.set([1, ..."CD001"].map((c) => (typeof c === "number" ? c : c.charCodeAt(0))), 32768);
  return h;
}
const bytes = (s: string) => new TextEncoder().encode(s.padEnd(600, " "));

test("classifyImage: ISO by its volume descriptor or by name, floppy by size, hard disk otherwise", () => {
  const cd = classifyImage("distro.bin", 700 << 20, isoHead());
  assert.ok(cd.ok && cd.media === "cdrom" && cd.drive === "hdc", JSON.stringify(cd));
  assert.match(cd.ok ? cd.reason : "", /CD001/);
  const byName = classifyImage("x.ISO", 50 << 20);
  assert.ok(byName.ok && byName.media === "cdrom" && byName.drive === "hdc");
  for (const f of FLOPPY_FORMATS) {
    const r = classifyImage("disk.img", f.size, bootSectorHead());
    assert.ok(r.ok && r.media === "floppy" && r.drive === "fda", `${f.name}: ${JSON.stringify(r)}`);
  }
  const hd = classifyImage("disk.img", 10 << 20, bootSectorHead());
  assert.ok(hd.ok && hd.media === "hd" && hd.drive === "hda" && hd.warnings.length === 0);
  const odd = classifyImage("disk.img", (10 << 20) + 100, bootSectorHead());
  assert.ok(odd.ok && odd.media === "hd" && /512-byte/.test(odd.warnings[0]), "a partial sector is a warning");
  // a 1.44 MB ISO is a CD, not a floppy: the descriptor wins over the size
  const smallIso = classifyImage("boot.img", 1474560, isoHead());
  assert.ok(smallIso.ok && smallIso.media === "cdrom");
});

test("classifyImage: the user's explicit choice wins, but must fit the bytes and the drive", () => {
  const asHd = classifyImage("floppy-sized.img", 1474560, bootSectorHead(), { media: "hd" });
  assert.ok(asHd.ok && asHd.media === "hd" && asHd.drive === "hda" && /chosen/.test(asHd.reason));
  const fdb = classifyImage("b.img", 737280, bootSectorHead(), { drive: "fdb" });
  assert.ok(fdb.ok && fdb.media === "floppy" && fdb.drive === "fdb");
  const cdOnHdd = classifyImage("a.iso", 1 << 20, isoHead(), { drive: "hdd" });
  assert.ok(cdOnHdd.ok && cdOnHdd.media === "cdrom" && cdOnHdd.drive === "hdd");
  const badFloppy = classifyImage("big.img", 5 << 20, bootSectorHead(), { media: "floppy" });
  assert.ok(!badFloppy.ok && /big\.img/.test(badFloppy.error) && /floppy format/.test(badFloppy.error));
  const badCd = classifyImage("disk.img", 5 << 20, bootSectorHead(), { media: "cdrom" });
  assert.ok(!badCd.ok && /not an ISO 9660/.test(badCd.error));
  const wrongDrive = classifyImage("disk.img", 5 << 20, bootSectorHead(), { media: "hd", drive: "fda" });
  assert.ok(!wrongDrive.ok && /cannot go in drive fda/.test(wrongDrive.error));
  const isoNamedHd = classifyImage("fake.iso", 5 << 20, bootSectorHead());
  assert.ok(!isoNamedHd.ok && /fake\.iso/.test(isoNamedHd.error) && /CD001/.test(isoNamedHd.error));
});

test("classifyImage: empty files and obvious non-images give a message naming the file and what it is", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ["x.zip", new Uint8Array([0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0]), /x\.zip is a ZIP archive, not a disk image: unpack it first/],
    ["x.img.gz", new Uint8Array([0x1F, 0x8B, 8, 0]), /gzip.*decompress/],
    ["shot.png", new Uint8Array([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]), /PNG picture/],
    ["doc.pdf", bytes("%PDF-1.7\n"), /PDF document/],
    ["prog", new Uint8Array([0x7F, 0x45, 0x4C, 0x46, 1, 1, 1]), /ELF program/],
    ["disk.qcow2", new Uint8Array([0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3]), /qcow2.*qemu-img convert/],
    ["page.img", bytes("\n  <!DOCTYPE html><html><body>Not found</body></html>"), /page\.img is a web page \(HTML\)/],
    ["notes.img", bytes("just some notes about the disk\n"), /notes\.img is a text file/],
  ];
  for (const [name, head, re] of cases) {
    const r = classifyImage(name, 1474560, head);
    assert.ok(!r.ok, `${name} must be refused`);
    assert.match(r.error, re, name);
  }
  const empty = classifyImage("empty.img", 0);
  assert.ok(!empty.ok && /empty\.img is empty \(0 bytes\)/.test(empty.error));
  const tiny = classifyImage("tiny.img", 100, new Uint8Array(100));
  assert.ok(!tiny.ok && /smaller than one 512-byte sector/.test(tiny.error));
  // a zero-filled disk is not "text" and is accepted
  const zeros = classifyImage("blank.img", 4 << 20, new Uint8Array(4096));
  assert.ok(zeros.ok && zeros.media === "hd");
});

test("resolveMachine: the default Linux profile maps every slot to its manifest file", { skip }, () => {
  assert.equal(defaultProfileId(manifest), "linux-direct");
  const r = resolveMachine({ profile: "linux-direct" }, manifest, "images/");
  assert.ok(r.ok, JSON.stringify(r));
  const m = r.machine;
  const p = manifest.profiles.find((x) => x.id === "linux-direct")!;
  const fileOf = (slot: keyof typeof p.media) => manifest.artefacts.find((a) => a.id === p.media[slot])!.file;
  assert.equal(m.memoryMiB, p.memoryMiB);
  assert.equal(m.firmware.bios.url, `images/${fileOf("bios")}`);
  assert.equal(m.firmware.vgabios?.url, `images/${fileOf("vgabios")}`);
  assert.equal(m.firmware.linuxboot?.url, `images/${fileOf("linuxboot")}`);
  assert.equal(m.kernel?.kernel.url, `images/${fileOf("kernel")}`);
  assert.equal(m.kernel?.initrd?.url, `images/${fileOf("initrd")}`);
  assert.equal(m.kernel?.cmdline, p.cmdline);
  assert.deepEqual(m.disks.map((d) => [d.drive, d.media, d.user]), [["fda", "floppy", false]]);
  assert.equal(m.firmware.bios.size, manifest.artefacts.find((a) => a.id === "bios")!.size);
});

test("resolveMachine: overrides of memory, boot order and command line; disks for BIOS boots", { skip }, () => {
  const r = resolveMachine({ profile: "linux-direct", memoryMiB: 256, cmdline: "console=ttyS0 quiet" }, manifest);
  assert.ok(r.ok && r.machine.memoryMiB === 256 && r.machine.kernel?.cmdline === "console=ttyS0 quiet");
  // letters on a kernel profile: boot the disks, the kernel is not loaded and the command line is unused
  const letters = resolveMachine({ profile: "linux-direct", boot: "a", cmdline: "x" }, manifest);
  assert.ok(letters.ok && letters.machine.kernel === undefined && letters.machine.boot === "a");
  assert.ok(letters.warnings.some((w) => /command line is not used/.test(w)));
  const cd = resolveMachine({ profile: "linux-cd" }, manifest);
  assert.ok(cd.ok && cd.machine.boot === "dca", cd.ok ? cd.machine.boot : "");
  assert.deepEqual(cd.ok && cd.machine.disks.map((d) => [d.drive, d.media]), [["hdc", "cdrom"]]);
  const hd = resolveMachine({ profile: "linux-hd", boot: "dc" }, manifest);
  assert.ok(hd.ok && hd.machine.boot === "dc" && hd.machine.kernel === undefined);
  const user = resolveMachine({ profile: "linux-hd", images: [{ drive: "hda", media: "hd", source: { kind: "url", url: "https://example.org/my.img" } }] }, manifest);
  assert.ok(user.ok);
  assert.deepEqual(user.machine.disks, [{ drive: "hda", media: "hd", source: { kind: "url", url: "https://example.org/my.img" }, user: true }], "the user's hda replaces the profile's");
});

test("resolveMachine: errors name what is wrong and what to do", { skip }, () => {
  const errs = (c: MachineConfig) => { const r = resolveMachine(c, manifest); return r.ok ? [] : r.errors; };
  assert.match(errs({ profile: "nope" }).join(), /unknown machine "nope".*linux-direct/);
  assert.match(errs({ profile: "linux-direct", memoryMiB: 1 }).join(), /memory size 1 MiB/);
  assert.match(errs({ profile: "linux-direct", memoryMiB: 4096 }).join(), /2 to 2047|from 2 to 2047/);
  assert.match(errs({ profile: "linux-direct", boot: "xyz" }).join(), /boot order "xyz"/);
  assert.match(errs({ profile: "linux-direct", boot: "cc" }).join(), /each once/);
  assert.match(errs({ profile: "linux-cd", boot: "kernel" }).join(), /no kernel/);
  assert.match(errs({ profile: "linux-direct", cmdline: "a".repeat(3000) }).join(), /3000 bytes/);
  assert.match(errs({ profile: "linux-direct", cmdline: "a\nb" }).join(), /control characters/);
  assert.match(errs({ profile: "freedos" }).join(), /FreeDOS.*needs your floppy image.*fda/);
  const freedos = resolveMachine({ profile: "freedos", images: [{ drive: "fda", media: "floppy", source: { kind: "file", name: "freedos722.img", size: 737280 } }] }, manifest);
  assert.ok(freedos.ok && freedos.machine.boot.startsWith("a"));
  assert.match(errs({ profile: "freedos", images: [{ drive: "hdc", media: "cdrom", source: { kind: "file", name: "x.iso", size: 1 << 20 } }] }).join(), /needs your floppy/);
  assert.match(errs({ profile: "custom-hd", images: [{ drive: "fda", media: "hd", source: { kind: "file", name: "h.img", size: 1 << 20 } }] }).join(), /h\.img: a hard disk cannot go in drive fda/);
  assert.match(errs({ profile: "custom-hd", images: [{ drive: "hda", media: "hd", source: { kind: "url", url: "javascript:alert(1)" } }] }).join(), /not an http\(s\) URL/);
  const two = errs({ profile: "custom-hd", images: [
    { drive: "hda", media: "hd", source: { kind: "file", name: "a.img", size: 1 << 20 } },
    { drive: "hda", media: "hd", source: { kind: "file", name: "b.img", size: 1 << 20 } }] });
  assert.match(two.join(), /two images for drive hda: b\.img/);
  assert.match(errs({ profile: "linux-direct", type: "x".repeat(5000) }).join(), /5000 characters/);
});

test("resolveMachine: text to type waits for the profile's ready text; untypable characters are a warning", { skip }, () => {
  const r = resolveMachine({ profile: "linux-direct", type: "uname -a\n", typeTo: "serial" }, manifest);
  assert.ok(r.ok);
  assert.deepEqual(r.machine.type, { text: "uname -a\n", to: "serial", afterSerial: "WEBPC-GUEST-READY", afterPrompt: "webpc:/#" });
  const w = resolveMachine({ profile: "linux-direct", type: "echo é€\n" }, manifest);
  assert.ok(w.ok && w.machine.type?.to === "keyboard");
  assert.match(w.warnings.join(), /2 characters .* é €/);
  const noReady = resolveMachine({ profile: "custom-iso", type: "x", images: [{ drive: "hdc", media: "cdrom", source: { kind: "url", url: "https://e.org/a.iso" } }] }, manifest);
  assert.ok(noReady.ok && noReady.machine.type?.afterMs !== undefined && noReady.machine.type.afterSerial === undefined);
});
