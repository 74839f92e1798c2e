// Multiboot kernels on the full PC (web/machine/pc.ts): SeaBIOS boots our option ROM (images/firmware/multiboot.asm),
// which loads the kernel, its modules and the info structure from fw_cfg and enters the kernel in the machine state
// of the Multiboot Specification 0.6.96, section 3.2. Boots use the virtual clock (the same run every time) and an
// instruction budget; the expectations come from the spec (3.2 machine state, 3.3 info structure) and from
// SeaBIOS's own log of its E820 map (debug port 402h), which the kernel must see unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn, spawnSync } from "node:child_process";
import { PC, PCError } from "../web/machine/pc.ts";
import { loadModule } from "../web/machine/node.ts";
import { planMultiboot, MB_BOOT_MAGIC } from "../web/machine/multiboot.ts";
import { encodeMultibootPlan, planMultibootBoot, PLAN_MAGIC, MMAP_SLOTS, FIRMWARE_RESERVED_TOP } from "../web/machine/multiboot-boot.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const IMAGES = join(import.meta.dirname, "..", "public/images");
const need = ["bios.bin", "vgabios-stdvga.bin", "multiboot.bin", "mbhello.elf"];
const missing = need.filter((f) => !existsSync(join(IMAGES, f)));
const noImages = missing.length ? `public/images lacks ${missing.join(", ")}: run \`npm run images\`` : false;
const image = (f: string) => new Uint8Array(readFileSync(join(IMAGES, f)));
/** SeaBIOS's POST and the boot take about 7.5 million instructions; a hang stops at this budget. */
const INSTRUCTION_BUDGET = 60_000_000;

interface Boot { serial: string; debug: string; instructions: bigint; state: string }

async function boot(opts: { kernel: Uint8Array; memoryMiB?: number; append?: string; initrd?: Uint8Array; modules?: { name: string; bytes: Uint8Array; cmdline?: string }[]; until: RegExp }): Promise<Boot> {
  let serial = "", debug = "";
  const pc = await PC.create({
    memoryMiB: opts.memoryMiB ?? 16, bios: image("bios.bin"), vgaBios: image("vgabios-stdvga.bin"), multibootRom: image("multiboot.bin"),
    kernel: opts.kernel, append: opts.append, initrd: opts.initrd, multibootModules: opts.modules,
    clock: "virtual", timeOfDay: new Date(Date.UTC(2024, 0, 1)), wasm: loadModule("release"),
    onSerial: (port, b) => { if (port === 0) serial += Buffer.from(b).toString("latin1"); },
    onDebug: (b) => { debug += Buffer.from(b).toString("latin1"); },
  });
  let state = "running";
  while (state === "running" && !opts.until.test(serial) && pc.stats().instructions < BigInt(INSTRUCTION_BUDGET)) state = await pc.runSlice(50);
  return { serial, debug, instructions: pc.stats().instructions, state };
}

test("mbhello.elf boots on the full PC through SeaBIOS and multiboot.bin", { skip: noImages }, async (t) => {
  const r = await boot({ kernel: image("mbhello.elf"), until: /WEBPC-MBHELLO/ });
  assert.match(r.serial, /WEBPC-MBHELLO multiboot kernel OK/, `COM1: ${JSON.stringify(r.serial)}\nSeaBIOS: ${r.debug.slice(-1500)}`);
  assert.match(r.debug, /Booting from ROM/); // SeaBIOS booted our ROM (bootorder "/rom@genroms/multiboot.bin")
  assert.ok(r.instructions < BigInt(INSTRUCTION_BUDGET));
  t.diagnostic(`${r.instructions} instructions`);
});

// A kernel of ours (a.out kludge, loaded at 1 MiB) that reports what it was given on COM1 and halts.
const REPORTER = String.raw`
bits 32
org 0x100000
FLAGS equ 0x00010003                  ; page-align modules, memory info, a.out address fields
hdr: dd 0x1BADB002, FLAGS, -(0x1BADB002 + FLAGS)
     dd hdr, hdr, load_end, bss_end, start
start:
    mov esp, stack_top
    mov [magic], eax
    mov [info], ebx
    mov esi, s_magic
    call puts
    mov eax, [magic]
    call hex
    mov esi, s_info
    call puts
    mov eax, [info]
    call hex
    call nl
    ; spec 3.2: CR0.PE = 1, PG = 0; EFLAGS.IF = 0, VM = 0
    mov esi, s_cr0
    call puts
    mov eax, cr0
    and eax, 0x80000001
    call hex
    mov esi, s_efl
    call puts
    pushfd
    pop eax
    and eax, 0x00020200
    call hex
    call nl
    ; segments: base, limit, D/B bit of CS, DS, ES, FS, GS, SS
    sgdt [gdtr]
    mov ax, cs
    call show_seg
    mov ax, ds
    call show_seg
    mov ax, es
    call show_seg
    mov ax, fs
    call show_seg
    mov ax, gs
    call show_seg
    mov ax, ss
    call show_seg
    ; A20: 107000h must not alias 7000h
    mov dword [0x7000], 0x11111111
    mov dword [0x107000], 0x22222222
    mov esi, s_a20
    call puts
    mov eax, [0x7000]
    call hex
    call nl
    mov ebx, [info]
    mov esi, s_flags
    call puts
    mov eax, [ebx]
    call hex
    call nl
    mov esi, s_mem
    call puts
    mov eax, [ebx + 4]
    call hex
    mov al, ' '
    call putc
    mov eax, [ebx + 8]
    call hex
    call nl
    mov esi, s_cmd
    call puts
    mov esi, [ebx + 16]
    call puts
    call nl
    mov esi, s_loader
    call puts
    mov esi, [ebx + 64]
    call puts
    call nl
    ; modules: start, end, string, first 8 bytes
    mov ecx, [ebx + 20]
    mov edi, [ebx + 24]
.mod:
    jecxz .mods_done
    mov esi, s_mod
    call puts
    mov eax, [edi]
    call hex
    mov al, ' '
    call putc
    mov eax, [edi + 4]
    call hex
    mov al, ' '
    call putc
    mov esi, [edi + 8]
    call puts
    mov al, ' '
    call putc
    mov esi, [edi]
    push ecx
    mov ecx, 8
.mb: lodsb
    call putc
    loop .mb
    pop ecx
    call nl
    add edi, 16
    dec ecx
    jmp .mod
.mods_done:
    ; memory map: entries of size + 4 bytes
    mov edi, [ebx + 48]
    mov ecx, [ebx + 44]
    add ecx, edi
.map:
    cmp edi, ecx
    jae .map_done
    mov esi, s_mmap
    call puts
    mov eax, [edi + 8]
    call hex
    mov eax, [edi + 4]
    call hex
    mov al, ' '
    call putc
    mov eax, [edi + 16]
    call hex
    mov eax, [edi + 12]
    call hex
    mov al, ' '
    call putc
    mov eax, [edi + 20]
    call hex
    call nl
    add edi, [edi]
    add edi, 4
    jmp .map
.map_done:
    mov esi, s_end
    call puts
    cli
.halt:
    hlt
    jmp .halt

; ax = selector: "seg SSSS base BBBBBBBB limit LLLLLLLL db D"
show_seg:
    movzx edx, ax
    mov esi, s_seg
    call puts
    mov eax, edx
    call hex
    mov esi, s_base
    call puts
    mov ebx, edx
    and ebx, 0xFFF8
    add ebx, [gdtr + 2]
    movzx eax, byte [ebx + 7]
    shl eax, 8
    mov al, [ebx + 4]
    shl eax, 16
    mov ax, [ebx + 2]
    call hex
    mov esi, s_limit
    call puts
    lsl eax, edx
    call hex
    mov esi, s_db
    call puts
    lar eax, edx
    shr eax, 22
    and eax, 1
    call hex
    call nl
    ret

putc:                                 ; al -> COM1 (waits for the transmitter)
    push edx
    push eax
    mov dx, 0x3FD
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, 0x3F8
    out dx, al
    pop edx
    ret
puts:                                 ; esi -> COM1 up to NUL
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret
nl:
    mov al, 10
    jmp putc
hex:                                  ; eax as 8 hex digits
    push ecx
    push eax
    mov ecx, 8
.digit:
    rol eax, 4
    push eax
    and eax, 15
    mov al, [digits + eax]
    call putc
    pop eax
    loop .digit
    pop eax
    pop ecx
    ret

digits: db "0123456789ABCDEF"
s_magic: db "magic=", 0
s_info: db " info=", 0
s_cr0: db "cr0=", 0
s_efl: db " eflags=", 0
s_seg: db "seg ", 0
s_base: db " base ", 0
s_limit: db " limit ", 0
s_db: db " db ", 0
s_a20: db "low=", 0
s_flags: db "flags=", 0
s_mem: db "mem ", 0
s_cmd: db "cmdline=", 0
s_loader: db "loader=", 0
s_mod: db "mod ", 0
s_mmap: db "mmap ", 0
s_end: db "END", 10, 0
align 4
load_end:
magic: resd 1
info: resd 1
gdtr: resb 8
align 16
resb 4096
stack_top:
bss_end:
`;

const hex8 = (v: number) => (v >>> 0).toString(16).toUpperCase().padStart(8, "0");

test("the kernel gets the Multiboot machine state, info structure, modules and SeaBIOS's E820 map", { skip: noImages || (!haveNasm() && NASM_MISSING) }, async (t) => {
  const kernel = assemble(REPORTER);
  const modA = new TextEncoder().encode("MODULE-A and some more bytes");
  const modB = new TextEncoder().encode("MODULE-B!");
  const r = await boot({ kernel, memoryMiB: 32, append: "console=ttyS0 hello multiboot", initrd: modA, modules: [{ name: "b.bin", bytes: modB, cmdline: "b.bin arg=1" }], until: /END\n/ });
  const out = r.serial;
  assert.match(out, /END\n/, `COM1: ${out}\nSeaBIOS: ${r.debug.slice(-1500)}`);
  t.diagnostic(`${r.instructions} instructions`);
  // spec 3.2: EAX = 2BADB002h, EBX = the info structure's physical address (where the host planned it)
  const plan = planMultibootBoot(kernel, 32 << 20, { cmdline: "console=ttyS0 hello multiboot", modules: [{ name: "initrd", bytes: modA }, { name: "b.bin", bytes: modB, cmdline: "b.bin arg=1" }] }).plan;
  assert.match(out, new RegExp(`^magic=${hex8(MB_BOOT_MAGIC)} info=${hex8(plan.infoAddr)}$`, "m"));
  // CR0: PE = 1, PG = 0; EFLAGS: IF = 0, VM = 0
  assert.match(out, /^cr0=00000001 eflags=00000000$/m);
  // every segment register: base 0, limit 4 GiB - 1, 32-bit (D/B = 1)
  const segs = [...out.matchAll(/^seg (\w+) base (\w+) limit (\w+) db (\w+)$/gm)];
  assert.equal(segs.length, 6, out);
  for (const s of segs) assert.deepEqual(s.slice(2), ["00000000", "FFFFFFFF", "00000001"], s[0]);
  assert.notEqual(segs[0][1], segs[1][1], "CS and DS are different descriptors (code and data)");
  // A20 open: writing 107000h left 7000h alone
  assert.match(out, /^low=11111111$/m);
  // spec 3.3: flags mem (0), cmdline (2), mods (3), mmap (6), boot loader name (9)
  assert.match(out, /^flags=0000024D$/m);
  assert.match(out, /^cmdline=console=ttyS0 hello multiboot$/m);
  assert.match(out, /^loader=webpc$/m);
  // modules in order, page-aligned (header flag 0), with their strings and bytes
  const mods = [...out.matchAll(/^mod (\w+) (\w+) (.*) (.{8})$/gm)];
  assert.equal(mods.length, 2, out);
  assert.deepEqual(mods.map((m) => [parseInt(m[1], 16) % 4096, parseInt(m[2], 16) - parseInt(m[1], 16), m[3], m[4]]),
    [[0, modA.length, "initrd", "MODULE-A"], [0, modB.length, "b.bin arg=1", "MODULE-B"]]);
  // the memory map is the one SeaBIOS logged ("e820 map has N items" on port 402h)
  const bios = [...r.debug.matchAll(/^\s+\d+: ([0-9a-f]{16}) - ([0-9a-f]{16}) = (\d+)/gm)].map((m) => [BigInt("0x" + m[1]), BigInt("0x" + m[2]) - BigInt("0x" + m[1]), BigInt(m[3])]);
  assert.ok(bios.length >= 4, r.debug);
  const seen = [...out.matchAll(/^mmap (\w{16}) (\w{16}) (\w{8})$/gm)].map((m) => [BigInt("0x" + m[1]), BigInt("0x" + m[2]), BigInt("0x" + m[3])]);
  assert.deepEqual(seen, bios);
  // mem_lower: INT 12h (639 KiB below the EBDA); mem_upper: the usable range from 1 MiB, in KiB
  const upper = bios.find((e) => e[0] === 0x100000n && e[2] === 1n)!;
  assert.match(out, new RegExp(`^mem 0000027F ${hex8(Number(upper[1] / 1024n))}$`, "m"));
});

/** The machine-state lines of the reporter (magic, CR0/EFLAGS, segments, A20), which every loader must agree on. */
const stateLines = (out: string) => out.split("\n").filter((l) => /^(cr0=|seg |low=)/.test(l) || l.startsWith("magic=")).map((l) => l.replace(/ info=\w+/, ""));

const noQemu = spawnSync("qemu-system-i386", ["--version"], { stdio: "ignore" }).error !== undefined;
test("oracle: QEMU's own multiboot loader leaves the same machine state", { skip: noImages || (!haveNasm() && NASM_MISSING) || (noQemu && "qemu-system-i386 not found (apt-get install qemu-system-x86)"), timeout: 60_000 }, async () => {
  const kernel = assemble(REPORTER);
  const ours = await boot({ kernel, until: /END\n/ });
  const dir = mkdtempSync(join(tmpdir(), "webpc-mb-"));
  try {
    writeFileSync(join(dir, "k.bin"), kernel);
    const qemu = await new Promise<string>((resolve) => {
      const q = spawn("qemu-system-i386", ["-m", "16", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot", "-L", IMAGES, "-bios", "bios.bin", "-kernel", join(dir, "k.bin")], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      const done = () => { clearTimeout(timer); q.kill("SIGKILL"); resolve(out); };
      const timer = setTimeout(done, 30_000);
      q.stdout.on("data", (d) => { out += d.toString("latin1"); if (out.includes("END\n")) done(); });
      q.on("exit", done);
    });
    assert.match(qemu, /END\n/, qemu);
    assert.equal(stateLines(ours.serial).length, 9); // magic, CR0/EFLAGS, six segments, A20
    assert.deepEqual(stateLines(ours.serial), stateLines(qemu));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test("plan encoding: header, placements and data offsets as multiboot.asm reads them", () => {
  const kernel = buildAoutKernel();
  const mod = new Uint8Array([1, 2, 3, 4, 5]);
  const ram = 16 << 20;
  const { plan, planBytes, data } = planMultibootBoot(kernel, ram, { cmdline: "x", modules: [{ name: "m", bytes: mod }] });
  const dv = new DataView(planBytes.buffer);
  assert.equal(dv.getUint32(0, true), PLAN_MAGIC);
  assert.equal(new TextDecoder().decode(planBytes.subarray(0, 4)), "MBP1");
  assert.equal(dv.getUint32(4, true), 0x100010); // entry from the a.out fields
  assert.equal(dv.getUint32(8, true), plan.infoAddr);
  assert.equal(dv.getUint32(12, true), plan.mmapAddr);
  assert.equal(dv.getUint32(16, true), MMAP_SLOTS);
  const n = dv.getUint32(20, true);
  assert.equal(n, 3); // kernel, module, info
  assert.equal(planBytes.length, 24 + 16 * n);
  // Do what the ROM does, into a RAM image, and compare with the bare-core loader's placements.
  const mem = new Uint8Array(ram).fill(0xCC);
  for (let i = 0; i < n; i++) {
    const [dest, size, offset, zero] = [0, 4, 8, 12].map((o) => dv.getUint32(24 + 16 * i + o, true));
    mem.set(data.subarray(offset, offset + size), dest);
    mem.fill(0, dest + size, dest + size + zero);
  }
  for (const p of plan.placements) {
    assert.deepEqual(mem.subarray(p.phys, p.phys + p.bytes.length), p.bytes, p.what);
    assert.ok(mem.subarray(p.phys + p.bytes.length, p.phys + p.bytes.length + p.zeroFill).every((b) => b === 0), `${p.what} bss`);
  }
  assert.equal(plan.placements[0].zeroFill, 0x100); // bss_end - load_end
  // the info block leaves room for the BIOS's map; the host's conservative map keeps clear of the firmware's top
  const info = plan.placements[2].bytes, idv = new DataView(info.buffer, info.byteOffset);
  assert.equal(idv.getUint32(48, true), plan.mmapAddr);
  const entries = idv.getUint32(44, true) / 24;
  const last = plan.mmapAddr - plan.infoAddr + 24 * (entries - 1);
  assert.equal(Number(idv.getBigUint64(last + 4, true)), ram - FIRMWARE_RESERVED_TOP); // reserved top
  assert.equal(idv.getUint32(8, true), (ram - FIRMWARE_RESERVED_TOP - 0x100000) >> 10); // mem_upper
  assert.ok(plan.mmapAddr - plan.infoAddr + 24 * MMAP_SLOTS <= info.length);
  // the bare-core planner is unchanged: full RAM, no spare slots
  const bare = planMultiboot(kernel, ram, { cmdline: "x" });
  const bdv = new DataView(bare.placements[1].bytes.buffer, bare.placements[1].bytes.byteOffset);
  assert.equal(bdv.getUint32(8, true), (ram - 0x100000) >> 10);
  assert.equal(bdv.getUint32(44, true), 4 * 24);
  // a plan too large for the ROM's buffer, and a kernel on the ROM's work area, are refused
  assert.throws(() => encodeMultibootPlan({ ...plan, placements: Array(200).fill(plan.placements[0]) }), /too many pieces/);
  assert.throws(() => planMultibootBoot(buildAoutKernel(0x8800), ram), /work area/);
});

test("PC refuses a kernel that is neither a bzImage nor multiboot, and multiboot without multiboot.bin", { skip: noImages }, async () => {
  const base = { bios: image("bios.bin"), wasm: loadModule("release") };
  await assert.rejects(PC.create({ ...base, kernel: new Uint8Array(8192) }), (e: Error) => e instanceof PCError && /neither a Linux kernel \(bzImage\) nor a multiboot kernel/.test(e.message));
  await assert.rejects(PC.create({ ...base, kernel: image("mbhello.elf") }), (e: Error) => e instanceof PCError && /multiboot\.bin/.test(e.message));
  await assert.rejects(PC.create({ ...base, multibootRom: image("multiboot.bin"), kernel: buildAoutKernel(0x8800) }), (e: Error) => e instanceof PCError && /work area/.test(e.message));
});

/** A tiny a.out-kludge image: header at `load`, entry at load + 10h, 0x100 bytes of bss. */
function buildAoutKernel(load = 0x100000): Uint8Array {
  const img = new Uint8Array(64);
  const dv = new DataView(img.buffer);
  const flags = 0x00010000;
  [0x1BADB002, flags, (-(0x1BADB002 + flags)) >>> 0, load, load, load + 64, load + 64 + 0x100, load + 0x10]
    .forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  img[0x2C] = 0xF4; // something to look at
  return img;
}
