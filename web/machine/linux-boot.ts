// Direct Linux boot: the host's half of the x86 boot protocol (the kernel's Documentation/x86/boot.rst). The
// bzImage is split into its real-mode setup and its protected-mode kernel, the setup header is filled in as a
// boot loader must (loader type, command line pointer, initrd address and size, heap end), and everything is
// handed to the machine through fw_cfg; our option ROM (images/firmware/linuxboot.asm) copies the parts to the
// addresses chosen here and enters the setup code, with the BIOS still in charge. No Node or browser APIs.

/** A problem with the user's kernel file: one clear line. */
export class KernelError extends Error {}

export interface LinuxBootPlan {
  protocol: number;
  setupAddr: number; setup: Uint8Array;
  kernelAddr: number; kernel: Uint8Array;
  initrdAddr: number; initrd: Uint8Array;
  cmdlineAddr: number; cmdline: Uint8Array;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const put16 = (b: Uint8Array, o: number, v: number) => { b[o] = v & 0xFF; b[o + 1] = (v >>> 8) & 0xFF; };
const put32 = (b: Uint8Array, o: number, v: number) => { for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xFF; };

/** Is this a Linux kernel image with a boot protocol header ("HdrS")? */
export function isBzImage(image: Uint8Array): boolean {
  return image.length > 0x260 && u32(image, 0x202) === 0x53726448;
}

/**
 * Plan a direct boot of `image` with `initrd` and `cmdline` in a machine with `ramSize` bytes of RAM.
 * Placement (protocol 2.02+, as a modern loader does): setup at 0x10000 with its heap up to the command line at
 * 0x20000, the kernel at 1 MiB (0x100000) for "loaded high" images, the initrd as high as the kernel allows and
 * below the last MiB of RAM, where the firmware keeps its tables.
 */
export function planLinuxBoot(image: Uint8Array, initrd: Uint8Array | undefined, cmdline: string, ramSize: number): LinuxBootPlan {
  if (!isBzImage(image)) throw new KernelError("not a Linux kernel image (no boot protocol header \"HdrS\" at offset 0x202)");
  const protocol = u16(image, 0x206);
  if (protocol < 0x202) throw new KernelError(`boot protocol ${protocol >> 8}.${protocol & 0xFF} is too old (2.02 or newer needed)`);
  const loadFlags = image[0x211];
  if ((loadFlags & 1) === 0) throw new KernelError("zImage kernels (not loaded high) are not supported; use a bzImage");
  let setupSects = image[0x1F1];
  if (setupSects === 0) setupSects = 4;
  const setupSize = (setupSects + 1) * 512;
  if (setupSize >= image.length) throw new KernelError("the kernel image is truncated (setup is larger than the file)");
  const setup = image.slice(0, setupSize);
  const kernel = image.subarray(setupSize);

  const setupAddr = 0x10000, cmdlineAddr = 0x20000, kernelAddr = 0x100000;
  const cmdMax = protocol >= 0x206 ? u32(image, 0x238) : 255;
  const cmd = new TextEncoder().encode(cmdline);
  if (cmd.length > cmdMax) throw new KernelError(`the kernel command line is ${cmd.length} bytes; this kernel takes at most ${cmdMax}`);
  const cmdBytes = new Uint8Array(cmd.length + 1);
  cmdBytes.set(cmd);

  const initrdBytes = initrd ?? new Uint8Array(0);
  let initrdAddr = 0;
  if (initrdBytes.length > 0) {
    const addrMax = protocol >= 0x203 ? u32(image, 0x22C) : 0x37FFFFFF;
    const top = Math.min(addrMax + 1, ramSize - 0x100000);
    initrdAddr = Math.floor((top - initrdBytes.length) / 4096) * 4096;
    const kernelEnd = kernelAddr + Math.max(kernel.length, protocol >= 0x20A ? u32(image, 0x260) : 0);
    if (initrdAddr < kernelEnd) throw new KernelError(`not enough memory for the kernel and a ${Math.ceil(initrdBytes.length / 1048576)} MiB initrd: give the machine more RAM (-m)`);
  } else if (kernelAddr + kernel.length > ramSize - 0x100000) {
    throw new KernelError("not enough memory for the kernel: give the machine more RAM (-m)");
  }

  // vid_mode: a boot loader turns "vga=" on the command line into this field (boot.rst, "vga=")
  const vga = /(?:^|\s)vga=(\S+)/.exec(cmdline)?.[1];
  if (vga !== undefined) {
    const named: Record<string, number> = { normal: 0xFFFF, ext: 0xFFFE, ask: 0xFFFD };
    const mode = named[vga] ?? Number(vga);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0xFFFF) throw new KernelError(`vga=${vga}: not a video mode (normal, ext, ask or a number)`);
    put16(setup, 0x1FA, mode);
  }
  setup[0x210] = 0xB0; // type_of_loader: "other loader", version 0 (0xB0 as QEMU reports itself: 0xB = QEMU)
  setup[0x211] = loadFlags | 0x80; // CAN_USE_HEAP
  put16(setup, 0x224, cmdlineAddr - setupAddr - 0x200); // heap_end_ptr: relative to the start of setup + 0x200
  put32(setup, 0x228, cmdlineAddr); // cmd_line_ptr
  put32(setup, 0x218, initrdAddr); // ramdisk_image
  put32(setup, 0x21C, initrdBytes.length); // ramdisk_size
  return { protocol, setupAddr, setup, kernelAddr, kernel, initrdAddr, initrd: initrdBytes, cmdlineAddr, cmdline: cmdBytes };
}
