// INTERIM (replaced by the input/config helper's module): image classification by name and size.
import type { DriveName } from "../machine/pc.ts";
import { FLOPPY_FORMATS, type MediaKind } from "../machine/disks.ts";

export function classifyImage(name: string, size: number, _head?: Uint8Array, chosen?: MediaKind): { media: MediaKind; drive: DriveName } | { error: string } {
  if (size === 0) return { error: `${name} is empty (0 bytes): not a disk image.` };
  const media: MediaKind = chosen ?? (/\.iso$/i.test(name) ? "cdrom" : FLOPPY_FORMATS.some((f) => f.size === size) ? "floppy" : "hd");
  return { media, drive: media === "cdrom" ? "hdc" : media === "floppy" ? "fda" : "hda" };
}
