// A master boot record writer: boot code, disk signature, four primary partition entries, 55AA.
// Pure TypeScript on Uint8Array, no Node APIs (the web app reuses it for user disk images).

export interface MbrPartition {
  /** Partition type byte: 0x01 FAT12, 0x06 FAT16 (>= 32 MiB), 0x04 FAT16 (< 32 MiB), 0x0e FAT16 LBA, 0x83 Linux. */
  type: number;
  startLba: number;
  sectors: number;
  active?: boolean;
}

export interface MbrOptions {
  /** Up to 440 bytes of boot code (e.g. SYSLINUX's mbr.bin); without it, code that just calls INT 18h. */
  bootCode?: Uint8Array;
  diskSignature?: number;
  /** CHS geometry used for the legacy CHS fields (BIOSes translate; 16 heads x 63 sectors for small disks). */
  heads?: number;
  sectorsPerTrack?: number;
}

/** Encodes an LBA as the 3-byte CHS tuple of a partition entry; past cylinder 1023 the maximum is stored. */
export function chsBytes(lba: number, heads: number, spt: number): [number, number, number] {
  let c = Math.floor(lba / (heads * spt));
  let h = Math.floor(lba / spt) % heads;
  let s = (lba % spt) + 1;
  if (c > 1023) { c = 1023; h = 254; s = 63; }
  return [h, ((c >> 2) & 0xc0) | s, c & 0xff];
}

export function writeMbr(partitions: MbrPartition[], options: MbrOptions = {}): Uint8Array {
  if (partitions.length > 4) throw new Error("mbr: at most four primary partitions");
  const heads = options.heads ?? 16, spt = options.sectorsPerTrack ?? 63;
  const mbr = new Uint8Array(512);
  const dv = new DataView(mbr.buffer);
  if (options.bootCode) {
    if (options.bootCode.length > 440) throw new Error(`mbr: boot code is ${options.bootCode.length} bytes, at most 440 fit`);
    mbr.set(options.bootCode, 0);
  } else {
    mbr.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], 0); // INT 18h: "no bootable disk", try the next device
  }
  dv.setUint32(440, options.diskSignature ?? 0x57454250 /* "PBEW" */, true);
  partitions.forEach((p, i) => {
    if (p.startLba < 1 || p.sectors < 1 || p.startLba + p.sectors > 2 ** 32) throw new Error(`mbr: partition ${i + 1} out of range`);
    const o = 446 + i * 16;
    mbr[o] = p.active ? 0x80 : 0x00;
    mbr.set(chsBytes(p.startLba, heads, spt), o + 1);
    mbr[o + 4] = p.type;
    mbr.set(chsBytes(p.startLba + p.sectors - 1, heads, spt), o + 5);
    dv.setUint32(o + 8, p.startLba, true);
    dv.setUint32(o + 12, p.sectors, true);
  });
  mbr[510] = 0x55; mbr[511] = 0xaa;
  return mbr;
}

/** A whole disk: the MBR, then each partition's bytes at its start LBA, zero elsewhere. */
export function writeDisk(totalSectors: number, parts: { partition: MbrPartition; data: Uint8Array }[], options: MbrOptions = {}): Uint8Array {
  const disk = new Uint8Array(totalSectors * 512);
  disk.set(writeMbr(parts.map((p) => p.partition), options), 0);
  for (const { partition, data } of parts) {
    if (data.length > partition.sectors * 512) throw new Error("mbr: partition data larger than the partition");
    disk.set(data, partition.startLba * 512);
  }
  return disk;
}
