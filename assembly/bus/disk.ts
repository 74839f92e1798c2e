// Disk drives and the host's disk interface (DESIGN.md 1.2: "disk request/complete"). The bytes of every disk
// live with the host (memory, a file, HTTP ranges, an IndexedDB overlay); a drive's controller asks for sectors
// with diskRequest(), the machine leaves run() with EXIT_DISK, and the host serves the request whenever it can:
// for a read it writes the bytes into the drive's buffer (DISK_BUFFERS), for a write it takes them from there,
// and then calls machine.ts diskComplete(drive, result). Meanwhile the guest runs on and sees the controller
// busy, as on real hardware, so a slow backend never blocks the machine. One request per drive at a time
// (ATA and the floppy controller execute one command per drive).
//
// Slot of drive d at DISKS + d * DISK_SLOT:
//   +0  u8  kind          DISK_NONE / DISK_FLOPPY / DISK_HD / DISK_CDROM (what the controller presents)
//   +1  u8  flags         DF_* below
//   +2  u16 sectorSize    512, or 2048 for CD-ROM media
//   +8  u64 sectors       media size in sectors (0 without media)
//   +16 u8  state         REQ_IDLE / REQ_PENDING (the host has not answered yet)
//   +17 u8  op            OP_READ / OP_WRITE / OP_FLUSH
//   +18 u8  result        of the last completed request: RESULT_OK / RESULT_ERROR
//   +20 u32 count         sectors to transfer (count * sectorSize <= DISK_BUFFER_SIZE)
//   +24 u64 lba           first sector
//   +32 u32 buffer        linear address of the data (the drive's DISK_BUFFERS slot)
//   +36 u32 seq           number of requests issued so far (the host can tell a new request from an old one)
//   +40 u64 reads         sectors read (statistics: the host's disk activity light)
//   +48 u64 writes        sectors written
import { DISKS, DISK_SLOT, DISK_DRIVES, DISK_BUFFERS, DISK_BUFFER_SIZE, EXIT_DISK } from "../layout";
import { requestExit } from "../machine_events";

export const DRIVE_FDA: u32 = 0;
export const DRIVE_FDB: u32 = 1;
export const DRIVE_HDA: u32 = 2; // IDE primary master
export const DRIVE_HDB: u32 = 3; // IDE primary slave
export const DRIVE_HDC: u32 = 4; // IDE secondary master
export const DRIVE_HDD: u32 = 5; // IDE secondary slave

export const DISK_NONE: u8 = 0;
export const DISK_FLOPPY: u8 = 1;
export const DISK_HD: u8 = 2;
export const DISK_CDROM: u8 = 3;

export const DF_MEDIA: u8 = 1; // media present
export const DF_READONLY: u8 = 2; // writes fail (CD-ROM, write-protected floppy, read-only image)
export const DF_CHANGED: u8 = 4; // media changed since the controller last looked (diskTakeChanged)

export const REQ_IDLE: u8 = 0;
export const REQ_PENDING: u8 = 1;

export const OP_READ: u8 = 1;
export const OP_WRITE: u8 = 2;
export const OP_FLUSH: u8 = 3;

export const RESULT_OK: u8 = 0;
export const RESULT_ERROR: u8 = 1;

const D_KIND: u32 = 0, D_FLAGS: u32 = 1, D_SECTOR_SIZE: u32 = 2, D_SECTORS: u32 = 8, D_STATE: u32 = 16, D_OP: u32 = 17;
const D_RESULT: u32 = 18, D_COUNT: u32 = 20, D_LBA: u32 = 24, D_BUFFER: u32 = 32, D_SEQ: u32 = 36, D_READS: u32 = 40;
const D_WRITES: u32 = 48;

// @ts-ignore: decorator
@inline function slot(d: u32): u32 { return DISKS + d * DISK_SLOT; }

export function diskReset(): void { memory.fill(DISKS, 0, DISK_DRIVES * DISK_SLOT); }

/** The drive's data buffer (linear address, DISK_BUFFER_SIZE bytes). */
export function diskBuffer(d: u32): u32 { return DISK_BUFFERS + d * DISK_BUFFER_SIZE; }

export function diskKind(d: u32): u8 { return d < DISK_DRIVES ? load<u8>(slot(d) + D_KIND) : DISK_NONE; }
export function diskHasMedia(d: u32): bool { return d < DISK_DRIVES && (load<u8>(slot(d) + D_FLAGS) & DF_MEDIA) != 0; }
export function diskReadOnly(d: u32): bool { return (load<u8>(slot(d) + D_FLAGS) & DF_READONLY) != 0; }
export function diskSectors(d: u32): u64 { return diskHasMedia(d) ? load<u64>(slot(d) + D_SECTORS) : 0; }
export function diskSectorSize(d: u32): u32 { return load<u16>(slot(d) + D_SECTOR_SIZE); }
export function diskBusy(d: u32): bool { return load<u8>(slot(d) + D_STATE) == REQ_PENDING; }

/** Media changed since the last call? (clears the flag: the controller's "disk change" / unit attention) */
export function diskTakeChanged(d: u32): bool {
  const f = load<u8>(slot(d) + D_FLAGS);
  store<u8>(slot(d) + D_FLAGS, f & ~DF_CHANGED);
  return (f & DF_CHANGED) != 0;
}

/** The host attaches a drive (kind) and, when sectors > 0, media of that many sectors. */
export function diskAttach(d: u32, kind: u8, sectors: u64, sectorSize: u32, readOnly: bool): bool {
  if (d >= DISK_DRIVES || (sectorSize != 512 && sectorSize != 2048)) return false;
  const s = slot(d);
  store<u8>(s + D_KIND, kind);
  store<u16>(s + D_SECTOR_SIZE, <u16>sectorSize);
  store<u64>(s + D_SECTORS, sectors);
  store<u8>(s + D_FLAGS, (sectors > 0 ? DF_MEDIA | DF_CHANGED : DF_CHANGED) | (readOnly ? DF_READONLY : 0));
  return true;
}

/** The host removes the media (eject); the drive stays. A pending request is answered with an error. */
export function diskEject(d: u32): void {
  if (d >= DISK_DRIVES) return;
  const s = slot(d);
  store<u64>(s + D_SECTORS, 0);
  store<u8>(s + D_FLAGS, (load<u8>(s + D_FLAGS) & DF_READONLY) | DF_CHANGED);
}

/**
 * A controller asks for `count` sectors from `lba` (OP_READ: into diskBuffer(d); OP_WRITE: the data is there).
 * Returns false (nothing asked) if the drive is busy, has no media, the range is outside the media or too big
 * for the buffer, or a write goes to read-only media: the controller reports its own error then.
 */
export function diskRequest(d: u32, op: u8, lba: u64, count: u32): bool {
  if (d >= DISK_DRIVES || diskBusy(d) || !diskHasMedia(d)) return false;
  const s = slot(d);
  if (op != OP_FLUSH) {
    const size = load<u64>(s + D_SECTORS);
    if (count == 0 || <u64>count * diskSectorSize(d) > <u64>DISK_BUFFER_SIZE) return false;
    if (lba >= size || <u64>count > size - lba) return false;
    if (op == OP_WRITE && diskReadOnly(d)) return false;
  }
  store<u8>(s + D_OP, op);
  store<u64>(s + D_LBA, lba);
  store<u32>(s + D_COUNT, op == OP_FLUSH ? 0 : count);
  store<u32>(s + D_BUFFER, diskBuffer(d));
  store<u32>(s + D_SEQ, load<u32>(s + D_SEQ) + 1);
  store<u8>(s + D_STATE, REQ_PENDING);
  requestExit(EXIT_DISK);
  return true;
}

/** Drives with a request the host has not answered: bit d for drive d. */
export function diskPendingMask(): u32 {
  let m: u32 = 0;
  for (let d: u32 = 0; d < DISK_DRIVES; d++) if (diskBusy(d)) m |= 1 << d;
  return m;
}

/** The host's answer (called through machine.ts diskComplete, which then tells the controller). False when the
 *  drive had no request pending. */
export function diskFinish(d: u32, result: u8): bool {
  if (d >= DISK_DRIVES || !diskBusy(d)) return false;
  const s = slot(d);
  store<u8>(s + D_STATE, REQ_IDLE);
  store<u8>(s + D_RESULT, result);
  if (result == RESULT_OK) {
    const n = <u64>load<u32>(s + D_COUNT);
    const op = load<u8>(s + D_OP);
    if (op == OP_READ) store<u64>(s + D_READS, load<u64>(s + D_READS) + n);
    else if (op == OP_WRITE) store<u64>(s + D_WRITES, load<u64>(s + D_WRITES) + n);
  }
  return true;
}

export function diskLastResult(d: u32): u8 { return load<u8>(slot(d) + D_RESULT); }
