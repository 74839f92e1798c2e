// CPU micro-benchmarks: guest loops in 32-bit flat protected mode on the release build. Prints guest MIPS
// per loop and ends with `integer-mix: X MIPS`. MIPS = guest instructions / CPU seconds of this process (user +
// system), which stays meaningful when other work shares the machine; wall-clock MIPS is printed alongside.
// A REP-prefixed string instruction counts once per chunk of iterations (see cpu/ops/string.ts).
//   npm run bench:cpu [-- --seconds 2] [--wall]
import { createCore } from "../web/machine/node.ts";
import { Core } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "../test/util/nasm.ts";

const BASE = 0x100000, DATA = 0x400000;
const argSeconds = (() => { const i = process.argv.indexOf("--seconds"); return i > 0 ? Number(process.argv[i + 1]) : 1.5; })();
const showWall = process.argv.includes("--wall");

// Each loop runs forever; the benchmark stops it by budget.
const LOOPS: Record<string, string> = {
  "integer-alu": `
    mov ecx, 1
    mov ebx, 0x12345678
.l: add eax, ecx
    xor edx, eax
    shl ebx, 1
    adc ebx, 0
    imul esi, eax, 3
    sub esi, edx
    and edi, esi
    or edi, 1
    inc ecx
    cmp ecx, 0x7FFFFFFF
    jne .l
    xor ecx, ecx
    jmp .l`,
  "memory-moves": `
.o: mov esi, ${DATA}
    mov ecx, 1024
.l: mov eax, [esi]
    mov ebx, [esi+4]
    add eax, ebx
    mov [esi+8], eax
    movzx edx, byte [esi+1]
    mov [esi+12], dx
    add esi, 16
    dec ecx
    jnz .l
    jmp .o`,
  "string-ops": `
.l: mov esi, ${DATA}
    mov edi, ${DATA + 0x10000}
    mov ecx, 1024
    rep movsd
    mov edi, ${DATA + 0x20000}
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov esi, ${DATA}
    mov ecx, 256
.s: lodsd
    add ebx, eax
    dec ecx
    jnz .s
    jmp .l`,
  "call-return": `
.l: call f1
    call f2
    inc ecx
    jmp .l
f1: push ebp
    mov ebp, esp
    mov eax, [ebp+4]
    pop ebp
    ret
f2: push ebx
    call f1
    pop ebx
    ret`,
  "x87": `
    finit
    fld1
    fldz
.l: fadd st0, st1              ; accumulate
    fld st0
    fmul st0, st0
    fsqrt
    fstp qword [${DATA}]
    fld dword [${DATA + 64}]
    fmulp st1, st0
    fstp dword [${DATA + 68}]
    fild dword [${DATA + 72}]
    fistp dword [${DATA + 76}]
    fcom st1
    fnstsw ax
    jmp .l`,
  // typical compiled code: a byte-buffer checksum with a function call per block, loads, stores, branches
  "integer-mix": `
.top:
    mov esi, ${DATA}
    mov edi, 64
.blk:
    push esi
    push 64
    call sum
    add esp, 8
    mov [esi+60], eax
    add esi, 64
    dec edi
    jnz .blk
    jmp .top
sum:                    ; int sum(u8 *p, int n): rotating checksum
    push ebp
    mov ebp, esp
    push ebx
    mov edx, [ebp+8]    ; p
    mov ecx, [ebp+12]   ; n
    xor eax, eax
.loop:
    movzx ebx, byte [edx]
    rol eax, 5
    add eax, ebx
    cmp ebx, 0x80
    jb .small
    xor eax, 0x5bd1e995
.small:
    inc edx
    dec ecx
    jnz .loop
    pop ebx
    pop ebp
    ret`,
};

async function bench(c: Core, name: string, src: string, seconds: number): Promise<number> {
  const code = assemble(`bits 32\norg ${BASE}\n${src}\n`);
  c.exports.reset();
  c.writePhys(BASE, code);
  const data = new Uint8Array(0x30000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  c.writePhys(DATA, data);
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  c.run(2_000_000); // warm up: translate blocks, let the wasm tier up
  const slice = 5_000_000;
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  const i0 = c.icount;
  let t = t0;
  while (t - t0 < seconds * 1000) {
    c.run(slice);
    t = performance.now();
  }
  const u = process.cpuUsage(u0);
  const n = Number(c.icount - i0);
  const mips = n / ((u.user + u.system) / 1e6) / 1e6;
  const wall = n / ((t - t0) / 1000) / 1e6;
  // the issue's format: "name: X MIPS"; wall-clock figures only on request
  console.log(`${name}: ${mips.toFixed(1)} MIPS${showWall ? ` (wall clock ${wall.toFixed(1)})` : ""}`);
  return mips;
}

if (!haveNasm()) { console.error(`bench:cpu needs nasm: ${NASM_MISSING}`); process.exit(1); }
const c = await createCore(64 << 20, "release");
const order = ["integer-alu", "memory-moves", "string-ops", "call-return", "x87", "integer-mix"];
for (const name of order) await bench(c, name, LOOPS[name], argSeconds);
