// Runs x87 test cases twice: natively on the host CPU (a 32-bit static program built with
// i686-linux-gnu-gcc from the same nasm source) and in the emulator, so expected values come from real
// x87 hardware, never from guesses. Nothing is cached in the repository: sources are generated here, the
// binary goes to a temporary directory.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export interface Case {
  name: string;
  code: string; // nasm, 32-bit; EBX = 256-byte output buffer; runs after FNINIT; must not use the stack unbalanced
  data?: string; // constants placed after the code (labels local to the case: .name)
  ulps?: number[]; // offsets of f64 results compared with a tolerance (transcendentals)
  tol?: number; // ulps allowed (default 2)
  ignore?: [number, number][]; // byte ranges [start, end) not compared (addresses, FCS/FOP the host zeroes)
}

export const OUT_SIZE = 256;

let haveCC: boolean | undefined;
export function haveCrossCompiler(): boolean {
  if (haveCC === undefined) haveCC = spawnSync("i686-linux-gnu-gcc", ["--version"], { stdio: "ignore" }).status === 0;
  return haveCC;
}
export const CC_MISSING = "i686-linux-gnu-gcc is not installed (Debian package: gcc-i686-linux-gnu)";

function caseBodies(cases: Case[]): string {
  return cases.map((c, i) => `case${i}:\n  fninit\n${c.code}\n  ret\n${c.data ?? ""}\n`).join("\n");
}

/** The flat image for the emulator: a table of entry points, each FNINIT + case + `out 0xF4`. */
export function emulatorSource(cases: Case[], org: number, buf: number): string {
  const entries = cases.map((_, i) => `entry${i}:\n  mov ebx, ${buf}\n  call case${i}\n  mov al, 0\n  out 0xF4, al\n  hlt\n`).join("");
  return `bits 32\norg ${org}\ntable:\n${cases.map((_, i) => `  dd entry${i}`).join("\n")}\n${entries}\n${caseBodies(cases)}`;
}

/** Run all cases natively; returns one output buffer per case. */
export function runNative(cases: Case[]): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), "webpc-fpu-"));
  try {
    const asm = `bits 32\nsection .text\nglobal run_case\nrun_case:\n  push ebx\n  push esi\n  push edi\n  push ebp\n  mov eax, [esp+20]\n  mov ebx, [esp+24]\n  call [table + eax*4]\n  fninit\n  pop ebp\n  pop edi\n  pop esi\n  pop ebx\n  ret\n${caseBodies(cases)}\nsection .data\ntable:\n${cases.map((_, i) => `  dd case${i}`).join("\n")}\n`;
    const c = `#include <stdio.h>\n#include <string.h>\nvoid run_case(int, unsigned char *);\nint main(void) { static unsigned char buf[${OUT_SIZE}];\n  for (int i = 0; i < ${cases.length}; i++) { memset(buf, 0xCC, sizeof buf); run_case(i, buf);\n    for (int k = 0; k < ${OUT_SIZE}; k++) printf("%02x", buf[k]); printf("\\n"); }\n  return 0; }\n`;
    writeFileSync(join(dir, "cases.asm"), asm);
    writeFileSync(join(dir, "main.c"), c);
    execFileSync("nasm", ["-f", "elf32", "-o", join(dir, "cases.o"), join(dir, "cases.asm")], { stdio: ["ignore", "pipe", "pipe"] });
    execFileSync("i686-linux-gnu-gcc", ["-static", "-no-pie", "-O1", "-o", join(dir, "run"), join(dir, "main.c"), join(dir, "cases.o")], { stdio: ["ignore", "pipe", "pipe"] });
    const out = execFileSync(join(dir, "run"), { encoding: "utf8" }).trim().split("\n");
    return out.map(l => Uint8Array.from(Buffer.from(l, "hex")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compare one case; returns a description of the differences (empty when equal). */
export function compareCase(c: Case, emu: Uint8Array, nat: Uint8Array): string[] {
  const diffs: string[] = [];
  const skip = new Uint8Array(OUT_SIZE);
  for (const [a, b] of c.ignore ?? []) skip.fill(1, a, b);
  const dvE = new DataView(emu.buffer, emu.byteOffset), dvN = new DataView(nat.buffer, nat.byteOffset);
  for (const off of c.ulps ?? []) {
    skip.fill(1, off, off + 8);
    const e = dvE.getFloat64(off, true), n = dvN.getFloat64(off, true);
    const be = dvE.getBigInt64(off, true), bn = dvN.getBigInt64(off, true);
    const d = be > bn ? be - bn : bn - be;
    const ok = (Number.isNaN(e) && Number.isNaN(n)) || e === n || ((e < 0) === (n < 0) && d <= BigInt(c.tol ?? 2));
    if (!ok) diffs.push(`f64 @${off}: emulator ${e} native ${n}`);
  }
  for (let k = 0; k < OUT_SIZE; k++) {
    if (skip[k] || emu[k] === nat[k]) continue;
    let end = k;
    while (end + 1 < OUT_SIZE && !skip[end + 1] && emu[end + 1] !== nat[end + 1]) end++;
    const hex = (a: Uint8Array) => Array.from(a.slice(k, end + 1), b => b.toString(16).padStart(2, "0")).join(" ");
    diffs.push(`bytes ${k}-${end}: emulator ${hex(emu)} native ${hex(nat)}`);
    k = end;
  }
  return diffs;
}
