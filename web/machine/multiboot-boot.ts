// Multiboot kernels on the full PC: the host's half of our multiboot option ROM (images/firmware/multiboot.asm).
// The kernel is planned as on the bare core (planMultiboot: ELF segments or the a.out kludge, modules, the info
// structure), and the plan is handed to the ROM through two fw_cfg files; SeaBIOS boots the ROM, which copies
// the bytes with fw_cfg DMA, puts the BIOS's own E820 map into the info structure and enters the kernel in the
// Multiboot machine state (spec 3.2). No Node or browser APIs.
import { planMultiboot, findMultibootHeader, LoadError, type ModuleSpec, type MultibootPlan } from "./multiboot.ts";

export const MULTIBOOT_PLAN_FILE = "etc/multiboot-plan";
export const MULTIBOOT_DATA_FILE = "etc/multiboot-data";
export const MULTIBOOT_ROM_FILE = "genroms/multiboot.bin";

/** 'MBP1', the plan's first u32 (multiboot.asm PLAN_MAGIC). */
export const PLAN_MAGIC = 0x3150424D;
const PLAN_HEADER = 24, PLAN_ENTRY_SIZE = 16;
/** The ROM reads at most this many plan bytes (multiboot.asm PLAN_MAX). */
export const PLAN_MAX_BYTES = 0x700;
/** The ROM's work area (DMA descriptor, plan, E820 buffer, stack): nothing may be placed there. */
export const ROM_WORK_START = 0x8000, ROM_WORK_END = 0x9000;
/** Memory map entries the info block leaves room for; the ROM copies at most this many E820 entries
 *  (multiboot.asm E820_MAX is 32 too). */
export const MMAP_SLOTS = 32;
/**
 * What the host keeps clear at the top of RAM. SeaBIOS takes its high tables (ACPI, SMBIOS, its own data) from
 * the top of RAM and reports them as reserved in E820; how much is known only after POST, so the host stays
 * below the last MiB (as the Linux planner does). The ROM replaces the host's map and mem_upper with what the
 * BIOS reports, so this only limits where kernels and modules may go.
 */
export const FIRMWARE_RESERVED_TOP = 0x100000;

export interface MultibootBootFiles {
  plan: MultibootPlan;
  /** etc/multiboot-plan */
  planBytes: Uint8Array;
  /** etc/multiboot-data */
  data: Uint8Array;
}

/** Does this image carry a Multiboot header (magic in the first 8 KiB)? A bad checksum counts: planning then
 *  reports it. */
export function hasMultibootHeader(image: Uint8Array): boolean {
  try { return findMultibootHeader(image) !== null; } catch (e) { if (e instanceof LoadError) return true; throw e; }
}

/** The two fw_cfg files for a plan (format in images/firmware/multiboot.asm). */
export function encodeMultibootPlan(plan: MultibootPlan): { planBytes: Uint8Array; data: Uint8Array } {
  const n = plan.placements.length;
  const planBytes = new Uint8Array(PLAN_HEADER + PLAN_ENTRY_SIZE * n);
  if (planBytes.length > PLAN_MAX_BYTES) throw new LoadError(`too many pieces to load (${n}; the option ROM takes ${(PLAN_MAX_BYTES - PLAN_HEADER) / PLAN_ENTRY_SIZE})`);
  const dv = new DataView(planBytes.buffer);
  dv.setUint32(0, PLAN_MAGIC, true);
  dv.setUint32(4, plan.entry >>> 0, true);
  dv.setUint32(8, plan.infoAddr, true);
  dv.setUint32(12, plan.mmapAddr, true);
  dv.setUint32(16, plan.mmapSlots, true);
  dv.setUint32(20, n, true);
  const data = new Uint8Array(plan.placements.reduce((s, p) => s + p.bytes.length, 0));
  let offset = 0;
  plan.placements.forEach((p, i) => {
    const e = PLAN_HEADER + PLAN_ENTRY_SIZE * i;
    dv.setUint32(e, p.phys, true);
    dv.setUint32(e + 4, p.bytes.length, true);
    dv.setUint32(e + 8, offset, true);
    dv.setUint32(e + 12, p.zeroFill, true);
    data.set(p.bytes, offset);
    offset += p.bytes.length;
  });
  return { planBytes, data };
}

/** Plan a multiboot kernel for the full PC (SeaBIOS + multiboot.bin) with `ramSize` bytes of RAM. */
export function planMultibootBoot(image: Uint8Array, ramSize: number, opts: { cmdline?: string; modules?: ModuleSpec[] } = {}): MultibootBootFiles {
  const plan = planMultiboot(image, ramSize, { ...opts, reservedTop: FIRMWARE_RESERVED_TOP, mmapSlots: MMAP_SLOTS });
  for (const p of plan.placements) {
    const end = p.phys + p.bytes.length + p.zeroFill;
    if (p.phys < ROM_WORK_END && end > ROM_WORK_START) {
      throw new LoadError(`${p.what} (0x${p.phys.toString(16)}-0x${end.toString(16)}) overlaps the option ROM's work area 0x8000-0x9000; load the kernel at 1 MiB or above`);
    }
  }
  return { plan, ...encodeMultibootPlan(plan) };
}
