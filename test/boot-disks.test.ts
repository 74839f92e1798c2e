// The same Linux guest from its ISOLINUX CD on the ATAPI drive and from its SYSLINUX hard disk on the ATA drive,
// through SeaBIOS (El Torito, INT 13h) and then the kernel's own ata_piix driver. The guest is the oracle: dmesg
// names the ATA and ATAPI devices it found, and a file read back from the mounted CD has the checksum of the
// file we put on it. memtest86+ runs as a directly booted kernel. Virtual clock, bounded by guest instructions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bootPC, bootSkipReason, image, memoryDisk, runUntil, screen, BootedPC } from "./util/pc-boot.ts";

const PROMPT = "webpc:/# ";
const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linux.iso", "linux-hd.img", "initrd.gz"]);

async function shell(b: BootedPC, command: string, limit = 3_000_000_000n): Promise<string> {
  b.clearSerial();
  b.pc.sendSerial(0, new TextEncoder().encode(command + "\n"));
  await runUntil(b, () => { const s = b.serial(); return s.indexOf(PROMPT, s.indexOf("\n")) > 0; }, limit, `the answer to ${JSON.stringify(command)}`);
  return b.serial().replace(/\r/g, "");
}

function disks() {
  return [
    { drive: "hda" as const, media: "hd" as const, backend: memoryDisk(image("linux-hd.img")) },
    { drive: "hdc" as const, media: "cdrom" as const, backend: memoryDisk(image("linux.iso"), true) },
  ];
}

test("Linux boots from the CD (ISOLINUX, ATAPI); dmesg shows the ATA disk and the ATAPI drive; a file read from the mounted CD has the right checksum", { skip }, async () => {
  const b = await bootPC({ memoryMiB: 128, boot: "d", disks: disks() });
  await runUntil(b, () => b.serial().includes(PROMPT), 10_000_000_000n, "the shell prompt after booting from CD");
  assert.match(b.debug(), /Booting from DVD\/CD/, "SeaBIOS booted the CD");
  assert.match(b.serial(), /webpc\.boot=cd/, "the kernel command line came from isolinux.cfg");
  const dmesg = await shell(b, "dmesg | grep -E 'ata[0-9]\\.00|sr0|sd 0:0:0:0'");
  assert.match(dmesg, /ata1\.00: ATA-\d+: /, `the ATA disk in dmesg:\n${dmesg}`);
  assert.match(dmesg, /ata2\.00: ATAPI: /, `the ATAPI drive in dmesg:\n${dmesg}`);
  assert.match(dmesg, /\[sr0\] scsi3-mmc drive: /, "the CD-ROM driver attached (sr.c names the drive so; QEMU's run prints the same line)");
  const want = createHash("md5").update(image("initrd.gz")).digest("hex");
  const out = await shell(b, "mount -t iso9660 -o ro /dev/sr0 /mnt && md5sum /mnt/boot/initrd.gz; umount /mnt");
  assert.match(out, new RegExp(`^${want}  /mnt/boot/initrd.gz$`, "m"), `md5sum of the file on the CD:\n${out}`);
});

test("Linux boots from the hard disk (MBR, SYSLINUX, ATA); the kernel reads its partition through ata_piix", { skip }, async () => {
  const b = await bootPC({ memoryMiB: 128, boot: "c", disks: disks() });
  await runUntil(b, () => b.serial().includes(PROMPT), 10_000_000_000n, "the shell prompt after booting from the hard disk");
  assert.match(b.debug(), /Booting from Hard Disk/, "SeaBIOS booted the hard disk");
  assert.match(b.serial(), /webpc\.boot=hd/, "the kernel command line came from syslinux.cfg");
  // the kernel reads the partition's first MiB (boot sector, FATs, root directory with LDLINUX.SYS) through sd and
  // ata_piix: its checksum must be that of the image's bytes
  const hd = image("linux-hd.img");
  const start = new DataView(hd.buffer, hd.byteOffset).getUint32(446 + 8, true) * 512; // MBR partition entry 1
  const want = createHash("md5").update(hd.subarray(start, start + (1 << 20))).digest("hex");
  const out = await shell(b, "dd if=/dev/sda1 bs=4096 count=256 2>/dev/null | md5sum; dd if=/dev/sda1 bs=4096 count=256 2>/dev/null | grep -c LDLINUX");
  assert.match(out, new RegExp(`^${want}  -$`, "m"), `md5sum of the partition's first MiB:\n${out}`);
  assert.match(out, /^[1-9]\d*$/m, `the SYSLINUX loader's directory entry:\n${out}`);
  // and mounts it (vfat with the code page 437 tables the initramfs carries)
  const files = await shell(b, "mount -t vfat -o ro /dev/sda1 /mnt && ls -1 /mnt; umount /mnt");
  assert.match(files, /^ldlinux\.sys$/mi, `the files on the mounted partition:\n${files}`);
  assert.match(files, /^syslinux\.cfg$/mi, files);
});

test("memtest86+ boots as a kernel and starts testing", { skip: bootSkipReason(["bios.bin", "linuxboot.bin", "memtest86+ia32.bin"]) }, async () => {
  const b = await bootPC({ memoryMiB: 64, kernel: image("memtest86+ia32.bin"), append: "console=ttyS0,115200", linuxBootRom: image("linuxboot.bin") });
  await runUntil(b, () => /Test #\d+ +\[/.test(screen(b.pc)) && /Status: Testing/.test(screen(b.pc)), 5_000_000_000n, "memtest86+ testing");
  assert.match(screen(b.pc), /Memtest86\+ v6\.\d+/);
  assert.match(screen(b.pc), /Memory\s*:\s*64MB/);
});
