// Crash consistency of the hard disk's ext4 partition (linux-hd.img, /dev/sda2), with the guest's own kernel and
// e2fsck as the oracle. The first boot writes files, syncs, checks the cleanly unmounted file system (the control),
// then starts a loop of fsync'ed writes and "pulls the plug": the PC is simply not run again, and the disk keeps
// exactly the writes the ATA device completed (a MemoryDisk holds a write before the device reports it done). A
// second PC boots from those bytes: mounting replays the journal, e2fsck -fn must then find nothing, the files
// synced before the crash must have their checksums and the loop's copies must hold no stale data. Last, a corrupted inode must make e2fsck fail (the oracle can
// say no). Virtual clock; every wait is bounded by guest instructions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryDisk } from "../web/machine/disks.ts";
import { bootPC, bootSkipReason, image, runUntil, BootedPC } from "./util/pc-boot.ts";

const PROMPT = "webpc:/# ";
const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "linux-hd.img"]);

/** The commands (also what a browser test types on the serial console). */
const MOUNT = "mount -t ext4 /dev/sda2 /mnt";
const WRITE_SYNCED = "for i in 1 2 3 4; do dd if=/dev/urandom of=/mnt/f$i bs=64k count=8 2>/dev/null; done; sync; md5sum /mnt/f*";
const CHECK = "umount /mnt; e2fsck -fn /dev/sda2; echo rc=$?";
/** Runs until the machine is stopped: each pass rewrites three copies of f1 (truncate, write, fsync). */
const WRITE_LOOP = "while :; do for i in 1 2 3; do dd if=/mnt/f1 of=/mnt/g$i bs=64k conv=fsync 2>/dev/null; done; done";
/** After the crash each copy must be a prefix of f1 (ordered data mode: a size is committed only after its data
 *  blocks are written, so no copy shows stale blocks or zeros). */
const CHECK_COPIES = "for g in /mnt/g*; do s=$(stat -c %s $g); head -c $s /mnt/f1 | cmp -s - $g && echo \"$g prefix $s\" || echo \"$g BAD $s\"; done";

async function shell(b: BootedPC, command: string, limit = 3_000_000_000n): Promise<string> {
  b.clearSerial();
  b.pc.sendSerial(0, new TextEncoder().encode(command + "\n"));
  await runUntil(b, () => { const s = b.serial(); return s.indexOf(PROMPT, s.indexOf("\n")) > 0; }, limit, `the answer to ${JSON.stringify(command)}`);
  return b.serial().replace(/\r/g, "");
}

async function bootFromDisk(disk: MemoryDisk, timeOfDay: Date): Promise<BootedPC> {
  const b = await bootPC({ memoryMiB: 128, boot: "c", disks: [{ drive: "hda", media: "hd", backend: disk }], timeOfDay });
  await runUntil(b, () => b.serial().includes(PROMPT), 10_000_000_000n, "the shell prompt after booting from the hard disk");
  await shell(b, "dmesg -n 1"); // kernel messages stay in dmesg instead of landing between the commands' output lines
  return b;
}

/** e2fsck's verdict: exit status and whether it printed anything but its five passes and the summary line. */
function fsckResult(out: string): { rc: number; complaints: string[] } {
  const m = /^rc=(\d+)$/m.exec(out);
  assert.ok(m, `e2fsck's exit status:\n${out}`);
  const complaints = out.split("\n").filter((l) => l.trim() && !/^\[ *\d+\.\d+\] /.test(l) && !/^(e2fsck \d|Pass \d|webpc-data: \d+\/\d+ files|rc=\d|umount|e2fsck -fn)/.test(l) && !l.includes(PROMPT));
  return { rc: Number(m[1]), complaints };
}

// ---- the ext4 layout, read on the host (ext4 disk layout: superblock at 1024, 64-byte group descriptors) ----------
interface Ext4 { base: number; blockSize: number; inodeSize: number; inodeTable: number }
function ext4(disk: Uint8Array): Ext4 {
  const dv = new DataView(disk.buffer, disk.byteOffset);
  const base = dv.getUint32(446 + 16 + 8, true) * 512; // MBR partition entry 2
  const sb = base + 1024;
  assert.equal(dv.getUint16(sb + 0x38, true), 0xef53, "ext4 superblock magic on partition 2");
  const blockSize = 1024 << dv.getUint32(sb + 0x18, true);
  const gd = base + (blockSize === 1024 ? 2048 : blockSize); // group descriptor table: the block after the superblock
  return { base, blockSize, inodeSize: dv.getUint16(sb + 0x58, true), inodeTable: dv.getUint32(gd + 8, true) };
}
const inodeOffset = (fs: Ext4, ino: number) => fs.base + fs.inodeTable * fs.blockSize + (ino - 1) * fs.inodeSize; // one group
/** s_start of the journal (inode 8; its first extent holds the jbd2 superblock, big-endian): 0 = nothing to replay. */
function journalStart(disk: Uint8Array): number {
  const fs = ext4(disk);
  const dv = new DataView(disk.buffer, disk.byteOffset);
  const ino = inodeOffset(fs, 8);
  assert.equal(dv.getUint16(ino + 40, true), 0xf30a, "the journal inode has an extent tree");
  assert.equal(dv.getUint16(ino + 40 + 6, true), 0, "the journal's extent tree is one level deep");
  const first = dv.getUint16(ino + 40 + 12 + 6, true) * 2 ** 32 + dv.getUint32(ino + 40 + 12 + 8, true);
  const jsb = fs.base + first * fs.blockSize;
  assert.equal(dv.getUint32(jsb, false), 0xc03b3998, "jbd2 superblock magic");
  return dv.getUint32(jsb + 28, false);
}
/** The superblock's "needs recovery" flag (INCOMPAT_RECOVER): set while mounted, cleared by a clean unmount. */
function needsRecovery(disk: Uint8Array): boolean {
  const fs = ext4(disk);
  return (new DataView(disk.buffer, disk.byteOffset).getUint32(fs.base + 1024 + 0x60, true) & 0x4) !== 0;
}

test("ext4 on the hard disk survives a crash in the middle of writes: the journal replays, e2fsck finds it clean, synced files keep their checksums", { skip }, async (t) => {
  const built = image("linux-hd.img");
  assert.equal(journalStart(built), 0, "the built file system has an empty journal");
  assert.equal(needsRecovery(built), false, "the built file system is clean");

  // ---- first boot: write and sync, check the clean file system, then crash during more writes
  const disk = new MemoryDisk(built.slice(), { name: "linux-hd.img copy" });
  const a = await bootFromDisk(disk, new Date("2026-01-01T12:00:00Z"));
  t.diagnostic(`first boot: shell prompt at instruction ${a.pc.core.icount}`);
  assert.match(await shell(a, `${MOUNT} && dmesg | grep 'EXT4-fs (sda2)'`), /EXT4-fs \(sda2\): mounted filesystem.* with ordered data mode/);
  const sums = await shell(a, WRITE_SYNCED, 6_000_000_000n);
  const before = [...sums.matchAll(/^([0-9a-f]{32})  \/mnt\/(f\d)$/gm)].map((m) => `${m[1]}  ${m[2]}`);
  assert.equal(before.length, 4, `md5sum of the four files:\n${sums}`);
  assert.equal(new Set(before.map((s) => s.slice(0, 32))).size, 4, "four different files");
  t.diagnostic(`files written and synced at instruction ${a.pc.core.icount}`);

  const control = fsckResult(await shell(a, CHECK));
  assert.deepEqual(control, { rc: 0, complaints: [] }, "e2fsck on the cleanly unmounted file system");
  assert.equal(journalStart(disk.bytes), 0, "a clean unmount leaves the journal empty");

  await shell(a, MOUNT);
  const loopStart = a.pc.core.icount;
  let writes = 0;
  const write = disk.write.bind(disk);
  disk.write = (offset, data) => { writes++; write(offset, data); };
  a.clearSerial();
  a.pc.sendSerial(0, new TextEncoder().encode(WRITE_LOOP + "\n"));
  // Enough completed writes that the loop is well under way (several fsync'ed files, each a journal commit); the
  // machine is then never run again: what the disk holds now is all that survives.
  await runUntil(a, () => writes >= 300, 6_000_000_000n, "300 disk writes from the write loop");
  a.pc.stop();
  const crashed = disk.bytes.slice();
  t.diagnostic(`crashed after ${writes} disk writes, ${a.pc.core.icount - loopStart} instructions into the write loop (instruction ${a.pc.core.icount})`);
  assert.ok(needsRecovery(crashed), "the crash left the file system mounted (needs recovery)");
  assert.notEqual(journalStart(crashed), 0, "the crash left transactions in the journal");

  // ---- second boot from the crashed disk
  const after = new MemoryDisk(crashed, { name: "crashed disk" });
  const b = await bootFromDisk(after, new Date("2026-01-02T12:00:00Z")); // the next day: the last mount is in the past
  t.diagnostic(`second boot: shell prompt at instruction ${b.pc.core.icount}`);
  const unreplayed = await shell(b, "e2fsck -fn /dev/sda2; echo rc=$?");
  t.diagnostic(`e2fsck -fn before the journal is replayed:\n${unreplayed}`);
  assert.match(unreplayed, /skipping journal recovery/, "e2fsck sees the journal needs recovery");
  const mounted = await shell(b, `${MOUNT} && dmesg | grep 'EXT4-fs (sda2)'`);
  assert.match(mounted, /EXT4-fs \(sda2\): recovery complete/, `the kernel replayed the journal:\n${mounted}`);
  const sumsAfter = await shell(b, "md5sum /mnt/f*");
  assert.deepEqual([...sumsAfter.matchAll(/^([0-9a-f]{32})  \/mnt\/(f\d)$/gm)].map((m) => `${m[1]}  ${m[2]}`), before, "the synced files after the crash");
  const copies = await shell(b, CHECK_COPIES);
  t.diagnostic(`the copies after the crash:\n${copies}`);
  assert.match(copies, /^\/mnt\/g\d prefix \d+$/m, `the write loop's copies:\n${copies}`);
  assert.doesNotMatch(copies, /^\/mnt\/g\d BAD/m, `each copy is a prefix of f1:\n${copies}`);
  const checked = fsckResult(await shell(b, CHECK));
  assert.deepEqual(checked, { rc: 0, complaints: [] }, "e2fsck after the journal replay");
  assert.equal(needsRecovery(after.bytes), false, "unmounted cleanly after the replay");

  // ---- the oracle can say no: a changed byte in inode 12 (the first file made, /mnt/f1) fails its checksum
  after.bytes[inodeOffset(ext4(after.bytes), 12) + 4] ^= 0x01; // i_size_lo
  const broken = fsckResult(await shell(b, "echo 3 > /proc/sys/vm/drop_caches; e2fsck -fn /dev/sda2; echo rc=$?"));
  assert.equal(broken.rc, 4, `e2fsck -n reports uncorrected errors (exit status 4):\n${broken.complaints.join("\n")}`);
  assert.ok(broken.complaints.some((l) => /[Ii]node 12\b/.test(l)), `e2fsck names inode 12:\n${broken.complaints.join("\n")}`);
});
