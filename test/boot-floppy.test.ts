// Guests from the shared floppy images (../shared/images, see its README for what a correct boot shows in QEMU):
// FreeDOS (real mode, BIOS text output) and FLOPPINUX (a small Linux on the VGA text console), booted through
// SeaBIOS from the floppy controller, read from the VGA text screen (following the CRTC start address) and
// driven with keys typed on the PS/2 keyboard. Virtual clock, waits bounded by guest instructions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bootPC, bootSkipReason, image, memoryDisk, runUntil, screen, typeText } from "./util/pc-boot.ts";

const freedosSkip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "shared:freedos722.img"]);
const floppinuxSkip = bootSkipReason(["bios.bin", "vgabios-stdvga.bin", "shared:floppinux.img"]);

test("FreeDOS boots from floppy to its prompt; `ver` and `dir` typed on the keyboard answer on the screen", { skip: freedosSkip }, async () => {
  const b = await bootPC({ memoryMiB: 32, boot: "a", disks: [{ drive: "fda", media: "floppy", backend: memoryDisk(image("shared:freedos722.img")) }] });
  const prompt = () => /^A:\\>\s*$/m.test(screen(b.pc));
  await runUntil(b, () => screen(b.pc).includes("Welcome to FreeDOS") && prompt(), 2_000_000_000n, "the FreeDOS prompt");
  assert.match(b.debug(), /Booting from Floppy/);
  assert.match(screen(b.pc), /FreeDOS kernel - SVN \(build 2040/);
  await typeText(b, "ver\r");
  await runUntil(b, () => /FreeCom version 0\.82 pl 3/.test(screen(b.pc).split("A:\\>ver")[1] ?? ""), 2_000_000_000n, "the answer to ver");
  await typeText(b, "cls\rdir\r");
  await runUntil(b, () => /bytes free/.test(screen(b.pc)), 3_000_000_000n, "the directory listing");
  const s = screen(b.pc);
  assert.match(s, /^COMMAND\s+COM\s+66,090\s/m, s);
  assert.match(s, /^HELLO\s+COM\s+25\s/m, s);
  assert.match(s, /^GAMES\s+<DIR>/m, s);
  assert.match(s, /\d+ file\(s\)\s+[\d,]+ bytes/, s);
});

test("FLOPPINUX boots to its menu on the VGA console; `c` gives a BusyBox shell that runs a command", { skip: floppinuxSkip }, async () => {
  const b = await bootPC({ memoryMiB: 32, boot: "a", disks: [{ drive: "fda", media: "floppy", backend: memoryDisk(image("shared:floppinux.img")) }] });
  await runUntil(b, () => screen(b.pc).includes("_______CHOOSE:"), 6_000_000_000n, "the FLOPPINUX menu");
  assert.match(screen(b.pc), /FLOPPINUX_V_0\.2\.2/);
  assert.match(screen(b.pc), /Linux \(none\) 5\.13\.0-rc4\+ .* i686 GNU\/Linux/);
  await typeText(b, "c\r");
  await typeText(b, "echo FLOPPY-$(uname -s)\r");
  await runUntil(b, () => /^FLOPPY-Linux\s*$/m.test(screen(b.pc)), 3_000_000_000n, "the shell's answer");
});

test("reset: port CF9h restarts the board; SeaBIOS runs again from its ROM (PAM reset) and FreeDOS boots again", { skip: freedosSkip }, async () => {
  let resets = 0;
  const b = await bootPC({ memoryMiB: 32, boot: "a", disks: [{ drive: "fda", media: "floppy", backend: memoryDisk(image("shared:freedos722.img")) }], onReset: () => { resets++; } });
  const floppyBoots = () => (b.debug().match(/Booting from Floppy/g) ?? []).length;
  await runUntil(b, () => /^A:\\>/m.test(screen(b.pc)), 2_000_000_000n, "the first FreeDOS prompt");
  assert.equal(floppyBoots(), 1);
  const starts = () => (b.debug().match(/^SeaBIOS \(version/gm) ?? []).length;
  const firstStarts = starts();
  b.pc.core.exports.ioWrite(0xCF9, 0x06, 1); // hard reset, as a guest's reboot through the PIIX3 does
  await runUntil(b, () => floppyBoots() === 2, 2_000_000_000n, "SeaBIOS booting the floppy again");
  assert.equal(resets, 1, "the host was told");
  assert.equal(starts(), 2 * firstStarts, "SeaBIOS went through its whole start-up again (from its ROM, not a warm resume)");
  await runUntil(b, () => /^A:\\>/m.test(screen(b.pc)) && screen(b.pc).includes("Welcome to FreeDOS"), 2_000_000_000n, "the second FreeDOS prompt");
});
