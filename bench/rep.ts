// REP MOVS / REP STOS bandwidth against the host's memcpy: the guest copies (or fills) 4 MiB with REP MOVSD /
// REP STOSD / REP MOVSB in 32-bit flat protected mode, with paging off and with 4 KiB pages (identity map, as a
// kernel runs), on the release build. The host figures are Uint8Array.copyWithin inside the core's own wasm
// memory and Buffer.copy between two Node buffers, same size. MB/s = 10^6 bytes per CPU second of this process.
//   npm run bench:rep [-- --seconds 1] [--wasm path/to/machine.release.wasm]
import { readFileSync } from "node:fs";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "../test/util/nasm.ts";

const BASE = 0x100000, PAGE_DIR = 0x200000, SRC = 0x400000, DST = 0x800000, SIZE = 4 << 20;
const arg = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const seconds = Number(arg("--seconds") ?? 1);
const wasmPath = arg("--wasm");

/** CPU seconds (user + system) of this process spent in `f`. */
function cpuSeconds(f: () => void): number {
  const u0 = process.cpuUsage();
  f();
  const u = process.cpuUsage(u0);
  return (u.user + u.system) / 1e6;
}

/** Repeat `once` (which moves `bytes`) for about `seconds` of CPU time; MB/s. */
function rate(bytes: number, once: () => void): number {
  once(); // warm up
  let reps = 1, t = cpuSeconds(once);
  while (t < seconds) { reps *= 2; t = cpuSeconds(() => { for (let i = 0; i < reps; i++) once(); }); }
  return bytes * reps / t / 1e6;
}

const KERNELS: Record<string, { body: string; bytes: number }> = {
  "rep movsd": { body: `mov esi, ${SRC}\n mov edi, ${DST}\n mov ecx, ${SIZE / 4}\n rep movsd`, bytes: SIZE },
  "rep stosd": { body: `mov edi, ${DST}\n mov ecx, ${SIZE / 4}\n mov eax, 0x12345678\n rep stosd`, bytes: SIZE },
  "rep movsb": { body: `mov esi, ${SRC}\n mov edi, ${DST}\n mov ecx, ${SIZE}\n rep movsb`, bytes: SIZE },
  // short copies, as compiled code does them: 65536 copies of 64 bytes at moving addresses
  "rep movsd 64 B": { body: `mov ebx, 65536\n mov esi, ${SRC}\n mov edi, ${DST}\n.c: mov ecx, 16\n rep movsd\n and esi, ${SRC + SIZE - 1}\n and edi, ${DST + SIZE - 1}\n dec ebx\n jnz .c`, bytes: SIZE },
  "rep movsd (DF=1)": { body: `std\n mov esi, ${SRC + SIZE - 4}\n mov edi, ${DST + SIZE - 4}\n mov ecx, ${SIZE / 4}\n rep movsd\n cld`, bytes: SIZE },
};

/** Identity-map the first 16 MiB with 4 KiB pages (supervisor, writable). */
function identityPaging(c: Core): void {
  const dir = new DataView(new ArrayBuffer(4096));
  const tables = new DataView(new ArrayBuffer(4 * 4096));
  for (let t = 0; t < 4; t++) dir.setUint32(t * 4, (PAGE_DIR + 4096 * (t + 1)) | 3, true);
  for (let p = 0; p < 4096; p++) tables.setUint32(p * 4, (p << 12) | 3, true);
  c.writePhys(PAGE_DIR, new Uint8Array(dir.buffer));
  c.writePhys(PAGE_DIR + 4096, new Uint8Array(tables.buffer));
}

/** The guest repeats `body` and stops at port F4h after each time (set up once, outside the timing). */
function guestRate(c: Core, body: string, bytes: number, paging: boolean): number {
  const code = assemble(`bits 32\norg ${BASE}\n${paging ? `mov eax, ${PAGE_DIR}\n mov cr3, eax\n mov eax, cr0\n or eax, 0x80000000\n mov cr0, eax` : ""}
.again:
    ${body}
    mov al, 0
    out 0xF4, al
    jmp .again\n`);
  c.exports.reset();
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(BASE, code);
  if (paging) identityPaging(c);
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  return rate(bytes, () => {
    const exit = c.run(1_000_000);
    if (exit !== Exit.DEBUG_EXIT) throw new Error(`guest stopped with exit ${exit}, not at the end of its copy`);
  });
}

if (!haveNasm()) { console.error(`bench:rep needs nasm: ${NASM_MISSING}`); process.exit(1); }
const c = wasmPath
  ? await Core.create(readFileSync(wasmPath), 32 << 20)
  : await createCore(32 << 20, "release");
const fill = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i++) fill[i] = (i * 2654435761) >>> 24;
c.writePhys(SRC, fill);

const mem = c.u8, from = c.L.RAM + SRC, to = c.L.RAM + DST;
const hostWasm = rate(SIZE, () => { mem.copyWithin(to, from, from + SIZE); });
const a = Buffer.alloc(SIZE, 1), b = Buffer.alloc(SIZE);
const hostBuffer = rate(SIZE, () => { a.copy(b); });
console.log(`host memcpy (copyWithin in wasm memory): ${hostWasm.toFixed(0)} MB/s`);
console.log(`host memcpy (Buffer.copy): ${hostBuffer.toFixed(0)} MB/s`);
for (const paging of [false, true]) {
  for (const [name, k] of Object.entries(KERNELS)) {
    const r = guestRate(c, k.body, k.bytes, paging);
    console.log(`${name}, ${paging ? "4 KiB pages" : "paging off"}: ${r.toFixed(0)} MB/s (${(r / hostWasm).toFixed(2)} of copyWithin)`);
  }
}
