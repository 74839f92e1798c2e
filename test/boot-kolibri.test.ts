// KolibriOS 0.7.7.0+8760 (the shared kolibri.img, see ../shared/images/README.md) on the whole PC through SeaBIOS:
// the loader's settings screen in text mode, VBE mode 1024x768x32 with the linear frame buffer, then the graphical
// desktop. The expected screen contents and colours are QEMU's (qemu-system-i386 -fda kolibri.img -m 64 -vga std),
// written down in the images README. Runs use the virtual clock and every wait is bounded by guest instructions.
// Measured here: the text screen at about 17 million instructions, graphics at 60 million, the taskbar at 130
// million and the background at 310 million (8 s of virtual time). Keep the bounds well below 750 million: after
// ten minutes of virtual time without input (the idle guest skips ahead quickly) KolibriOS starts its screen saver
// and the desktop goes black.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootPC, bootSkipReason, image, memoryDisk, runUntil, screen } from "./util/pc-boot.ts";

const skip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "shared:kolibri.img"]);

test("boot: KolibriOS reaches its desktop (VBE 1024x768x32, background, taskbar, Menu button)", { skip, timeout: 300_000 }, async () => {
  const b = await bootPC({
    memoryMiB: 64, boot: "a", disks: [{ drive: "fda", media: "floppy", backend: memoryDisk(image("shared:kolibri.img")) }],
  });
  const pc = b.pc, x = pc.core.exports;

  // 1. the loader's settings screen (text mode, B8000h)
  await runUntil(b, () => screen(pc).includes("KolibriOS v0.7.7.0+8760"), 100_000_000n, "the loader's version line");
  // the settings follow the banner: VESA 3.0 from SeaVGABIOS and the preselected mode
  await runUntil(b, () => /\[a\] Videomode: 1024x768x32/.test(screen(pc)), 20_000_000n, "the loader's video mode line");
  assert.match(screen(pc), /Version of VESA: 3\.0/);

  // 2. VBE mode 1024x768, 32 bits per pixel, linear frame buffer (Bochs DISPI registers, index at 1CEh, data 1CFh)
  const dispi = (i: number) => { x.ioWrite(0x1CE, i, 2); return x.ioRead(0x1CF, 2); };
  await runUntil(b, () => pc.displayMode().kind === "graphics", 200_000_000n, "the switch to graphics");
  assert.deepEqual([dispi(1), dispi(2), dispi(3)], [1024, 768, 32], "XRES, YRES, BPP");
  assert.equal(dispi(4) & 0x41, 0x41, "ENABLE: enabled, linear frame buffer");
  assert.deepEqual(pc.displayMode(), { kind: "graphics", width: 1024, height: 768 });

  // 3. the desktop: background, taskbar and its Menu button (colours from QEMU)
  const pixel = (px: number, py: number) => {
    const s = pc.screenshot(), i = (py * s.width + px) * 4;
    return (s.rgba[i] << 16) | (s.rgba[i + 1] << 8) | s.rgba[i + 2];
  };
  const want = [[10, 400, 0x182028], [500, 755, 0x687796], [33, 752, 0x006400]];
  await runUntil(b, () => want.every(([px, py, c]) => pixel(px, py) === c), 600_000_000n, "the desktop colours");
  const hex = (v: number) => v.toString(16).padStart(6, "0");
  assert.deepEqual(want.map(([px, py]) => hex(pixel(px, py))), want.map(([, , c]) => hex(c)));
});
