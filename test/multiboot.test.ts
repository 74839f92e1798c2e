// Unit tests of the multiboot loader (web/machine/multiboot.ts): tiny a.out-kludge and ELF32 images built in memory.
import { test } from "node:test";
import assert from "node:assert/strict";
import { planMultiboot, loadMultiboot, loadRom, LoadError, MB_BOOT_MAGIC, runKernel, attachKernelDevices } from "../web/machine/multiboot.ts";
import { createCore } from "../web/machine/node.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const MAGIC = 0x1BADB002;
const le = (dv: DataView, o: number, v: number) => dv.setUint32(o, v >>> 0, true);

/** a.out kludge: header at file offset 16, image loaded at 1 MiB, 0x100 bytes of bss. */
function aoutImage(): Uint8Array {
  const img = new Uint8Array(64);
  const dv = new DataView(img.buffer);
  img.fill(0x90, 0, 16);
  le(dv, 16, MAGIC); le(dv, 20, 0x10000); le(dv, 24, -(MAGIC + 0x10000));
  le(dv, 28, 0x100010); le(dv, 32, 0x100000); le(dv, 36, 0x100040); le(dv, 40, 0x100140); le(dv, 44, 0x100000);
  img.fill(0xF4, 48); // hlt
  return img;
}

/** ELF32 executable: one PT_LOAD (file 0x80..0x90 -> paddr 0x200000, memsz 0x20), header in the segment. */
function elfImage(): Uint8Array {
  const img = new Uint8Array(0x90);
  const dv = new DataView(img.buffer);
  img.set([0x7F, 0x45, 0x4C, 0x46, 1, 1, 1]);
  dv.setUint16(16, 2, true); dv.setUint16(18, 3, true); le(dv, 20, 1);
  le(dv, 24, 0x20000C); le(dv, 28, 52); dv.setUint16(40, 52, true); dv.setUint16(42, 32, true); dv.setUint16(44, 1, true);
  le(dv, 52, 1); le(dv, 56, 0x80); le(dv, 60, 0xC0200000); le(dv, 64, 0x200000); le(dv, 68, 0x10); le(dv, 72, 0x20);
  le(dv, 0x80, MAGIC); le(dv, 0x84, 0); le(dv, 0x88, -MAGIC);
  img[0x8C] = 0xF4;
  return img;
}

test("a.out kludge: load address, bss, entry, info structure", () => {
  const p = planMultiboot(aoutImage(), 8 << 20, { cmdline: "hello", modules: [{ name: "m", bytes: new Uint8Array([1, 2, 3]), cmdline: "mod" }] });
  assert.equal(p.format, "aout");
  assert.equal(p.entry, 0x100000);
  assert.equal(p.placements[0].phys, 0x100000);
  assert.equal(p.placements[0].bytes.length, 0x40);
  assert.equal(p.placements[0].zeroFill, 0x100);
  assert.deepEqual(p.modules, [{ start: 0x101000, end: 0x101003, cmdline: "mod" }]);
  const info = p.placements.at(-1)!;
  assert.equal(info.phys, 0x9000);
  const dv = new DataView(info.bytes.buffer, info.bytes.byteOffset);
  assert.equal(dv.getUint32(0, true), 0x24D); // mem, cmdline, mods, mmap, loader name
  assert.equal(dv.getUint32(4, true), 639);
  assert.equal(dv.getUint32(8, true), 7 * 1024);
  const str = (addr: number) => { let s = ""; for (let o = addr - 0x9000; info.bytes[o]; o++) s += String.fromCharCode(info.bytes[o]); return s; };
  assert.equal(str(dv.getUint32(16, true)), "hello");
  assert.equal(dv.getUint32(20, true), 1);
  assert.equal(str(dv.getUint32(64, true)), "webpc");
  const mmapLen = dv.getUint32(44, true), mmap = dv.getUint32(48, true) - 0x9000;
  assert.equal(mmapLen, 4 * 24);
  const entries = [];
  for (let o = mmap; o < mmap + mmapLen; o += 24) entries.push([Number(dv.getBigUint64(o + 4, true)), Number(dv.getBigUint64(o + 12, true)), dv.getUint32(o + 20, true)]);
  assert.deepEqual(entries[0], [0, 0x9FC00, 1]);
  assert.deepEqual(entries[3], [0x100000, 7 << 20, 1]);
});

test("ELF: PT_LOAD at its physical address, entry from the ELF header", () => {
  const p = planMultiboot(elfImage(), 8 << 20);
  assert.equal(p.format, "elf");
  assert.equal(p.entry, 0x20000C);
  assert.equal(p.placements[0].phys, 0x200000);
  assert.equal(p.placements[0].zeroFill, 0x10);
});

test("errors a user can cause are LoadErrors", () => {
  assert.throws(() => planMultiboot(new Uint8Array(100), 8 << 20), LoadError);
  const bad = aoutImage(); bad[24] ^= 1;
  assert.throws(() => planMultiboot(bad, 8 << 20), /checksum/);
  assert.throws(() => planMultiboot(aoutImage(), 1 << 20), /outside RAM/);
  const far = new Uint8Array(9000); far.set(aoutImage().subarray(16, 48), 8200);
  assert.throws(() => planMultiboot(far, 8 << 20), /no multiboot header/);
});

test("loadMultiboot sets the multiboot machine state and the kernel runs", async () => {
  const core = await createCore(8 << 20, "debug");
  const p = loadMultiboot(core, aoutImage());
  assert.equal(core.reg("eax"), MB_BOOT_MAGIC);
  assert.equal(core.reg("ebx"), p.infoAddr);
  assert.equal(core.eip, 0x100000);
  assert.equal(core.cr(0) & 0x80000001, 1);
  assert.equal(core.seg("cs").sel, 0x08);
  assert.equal(core.readByte(0x100000), 0x90);
  assert.equal(core.readByte(0x100100), 0);
  assert.equal(core.run(1000), 2); // HLT with IF=0
});

test("loadRom rejects what cannot be mapped", async () => {
  const core = await createCore(4 << 20, "debug");
  assert.throws(() => loadRom(core, new Uint8Array(4096), 0xF0001), /aligned/);
  assert.throws(() => loadRom(core, new Uint8Array(4 << 20), 0), /too large/);
});

test("a ROM image starts at the reset vector (F000:FFF0), mirrored below 4 GiB", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // 64 KiB ROM for F0000-FFFFF: the reset vector jumps into the ROM, which prints and exits through port F4
  const rom = assemble(`
bits 16
org 0
start:
    mov ax, cs
    mov ds, ax
    mov si, msg
.l: lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp .l
.done:
    mov al, 0x21
    out 0xF4, al
msg: db "rom ok", 10, 0
times 0xFFF0 - ($ - $$) db 0xFF
    jmp 0xF000:start           ; the reset vector
times 0x10000 - ($ - $$) db 0xFF
`);
  assert.equal(rom.length, 0x10000);
  const core = await createCore(4 << 20, "debug");
  attachKernelDevices(core);
  loadRom(core, rom, 0xF0000);
  assert.equal(core.seg("cs").base, 0xFFFF0000);
  const out: number[] = [];
  const r = await runKernel(core, { timeoutMs: 300_000, maxInstructions: 10_000_000, onOutput: (b) => out.push(...b) });
  assert.equal(r.status, (0x21 << 1) | 1);
  assert.equal(String.fromCharCode(...out), "rom ok\n");
});

// Guest output of several devices keeps the order the guest wrote it in (one output stream in the machine):
// through the host API, through runKernel, and in `npm run kernel -- --post`.
test("output order: POST codes, port E9 and COM1 text come out in the order written", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const image = assemble(`bits 32
org 0x100000
mb: dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000), mb, mb, 0, 0, start
start:
  mov al, 'a'
  out 0xE9, al
  mov al, 0x11
  out 0x80, al
  mov al, 'b'
  out 0xE9, al
  mov al, 10
  out 0xE9, al
  mov al, 0x22
  out 0x80, al
  mov dx, 0x3F8
  mov al, 'c'
  out dx, al
  mov al, 0x33
  out 0x80, al
  mov al, 0
  out 0xF4, al
`);
  const core = await createCore(4 << 20, "debug");
  attachKernelDevices(core);
  loadMultiboot(core, image, {});
  const seen: string[] = [];
  await runKernel(core, { maxInstructions: 1000, onOutput: (b) => seen.push(Buffer.from(b).toString("latin1")), onPost: (c) => seen.push(`[${c.toString(16)}]`) });
  assert.deepEqual(seen, ["a", "[11]", "b\n", "[22]", "c", "[33]"]);
  // the command line: POST lines between the text, each on a line of its own
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const { spawnSync } = await import("node:child_process");
  const file = join(mkdtempSync(join(tmpdir(), "webpc-post-")), "post.bin");
  writeFileSync(file, image);
  const r = spawnSync(process.execPath, ["--import", "tsx", "web/cli-kernel.ts", "--post", file], { cwd: join(import.meta.dirname, ".."), encoding: "utf8" });
  assert.equal(r.stdout, "a\nPOST 11\nb\nPOST 22\nc\nPOST 33\n", r.stderr);
});
