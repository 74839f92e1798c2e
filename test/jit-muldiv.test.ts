// MUL, IMUL, DIV and IDIV on EDX:EAX (F7 /4-/7) in compiled code (jit/emit.ts emitMulDiv) against arithmetic
// computed here with BigInt (the quotient, remainder and product are defined exactly: SDM Vol. 2A, DIV/IDIV/MUL/
// IMUL; CF and OF of MUL/IMUL too, the other flags are undefined and not compared). Operand tables hold the edges of
// each fast path: EDX = 0 for DIV and EDX = EAX's sign for IDIV (32-bit divisions), other dividends (64-bit ones),
// divisors 1, -1, all ones and the sign bit, products that just fit or not. Register and memory divisors, run
// interpreted, tiered and with the JIT forced. A #DE in compiled code leaves the interpreter's state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Core, Exit } from "../web/machine/core.ts";
import { flatTestCore } from "./util/machines.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { Rng } from "./fuzz/run.ts";

const BASE = 0x100000, TABLES = 0x180000, OUT = 0x200000, N = 96;
const OPS = ["mul", "imul", "div", "idiv"] as const;
type Op = typeof OPS[number];
const M32 = (1n << 32n) - 1n;
const s32 = (v: bigint) => BigInt.asIntN(32, v);

interface Entry { edx: number; eax: number; src: number }
interface Result { eax: number; edx: number; cfof: number }

/** The exact result, or null where the instruction raises #DE. */
function oracle(op: Op, e: Entry): Result | null {
  const eax = BigInt(e.eax >>> 0), edx = BigInt(e.edx >>> 0), src = BigInt(e.src >>> 0);
  if (op === "mul" || op === "imul") {
    const p = op === "mul" ? eax * src : s32(eax) * s32(src);
    const lo = p & M32, hi = (p >> 32n) & M32;
    const fits = op === "mul" ? hi === 0n : s32(lo) === p;
    return { eax: Number(lo), edx: Number(hi), cfof: fits ? 0 : 1 };
  }
  if (src === 0n) return null;
  if (op === "div") {
    const n = (edx << 32n) | eax, q = n / src;
    return q > M32 ? null : { eax: Number(q), edx: Number(n % src), cfof: 0 };
  }
  const n = BigInt.asIntN(64, (edx << 32n) | eax), d = s32(src), q = n / d; // BigInt division truncates, as IDIV
  return q !== s32(q) ? null : { eax: Number(q & M32), edx: Number((n - q * d) & M32), cfof: 0 };
}

/** N entries per operation that do not fault, edges first. */
function tables(): Record<Op, Entry[]> {
  const r = new Rng(20261201);
  const edges = [0, 1, 2, 3, 7, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFF, 0x10000, 0x12345678];
  const val = () => (r.below(3) === 0 ? edges[r.below(edges.length)] : r.below(2) ? r.next() : r.below(1000)) >>> 0;
  const out = {} as Record<Op, Entry[]>;
  for (const op of OPS) {
    const list: Entry[] = [];
    while (list.length < N) {
      const eax = val(), src = val();
      let edx: number;
      const k = r.below(3);
      if (op === "div") edx = k === 0 ? r.next() % Math.max(1, src) : k === 1 ? val() : 0;
      else if (op === "idiv") edx = k === 0 ? val() : (eax | 0) < 0 ? 0xFFFFFFFF : 0;
      else edx = val();
      const e = { edx: edx >>> 0, eax, src };
      if (oracle(op, e)) list.push(e);
    }
    out[op] = list;
  }
  return out;
}

// Per operation: the table (EDX, EAX, source), and per entry the results of the memory form and the register
// form: EAX, EDX, CF|OF (EFLAGS bits 0 and 11).
function program(): string {
  const loops = OPS.map((op, k) => `
    mov esi, ${TABLES + k * N * 12}
    mov edi, ${OUT + k * N * 32}
    mov ecx, ${N}
l_${op}:
    mov edx, [esi]
    mov eax, [esi + 4]
    ${op} dword [esi + 8]
    mov [edi], eax
    mov [edi + 4], edx
    pushfd
    pop eax
    and eax, 0x801
    mov [edi + 8], eax
    mov edx, [esi]
    mov eax, [esi + 4]
    mov ebx, [esi + 8]
    ${op} ebx
    mov [edi + 16], eax
    mov [edi + 20], edx
    pushfd
    pop eax
    and eax, 0x801
    mov [edi + 24], eax
    add esi, 12
    add edi, 32
    dec ecx
    jnz l_${op}`).join("\n");
  return `bits 32\norg ${BASE}\n${loops}\n    mov al, 0\n    out 0xF4, al\n`;
}

async function machine(jit: JitSetting, code: Uint8Array, data: Uint8Array): Promise<Core> {
  const c = await flatTestCore(jit, code, BASE);
  c.writePhys(TABLES, data);
  return c;
}

for (const jit of ["off", 2, "force"] as JitSetting[]) {
  test(`MUL/IMUL/DIV/IDIV r/m32 [JIT ${jit}]: products, quotients, remainders and CF/OF as computed exactly, register and memory forms`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const tabs = tables();
    const data = new Uint8Array(OPS.length * N * 12);
    const dv = new DataView(data.buffer);
    OPS.forEach((op, k) => tabs[op].forEach((e, i) => {
      dv.setUint32((k * N + i) * 12, e.edx, true); dv.setUint32((k * N + i) * 12 + 4, e.eax, true); dv.setUint32((k * N + i) * 12 + 8, e.src, true);
    }));
    const c = await machine(jit, assemble(program()), data);
    assert.equal(c.run(10_000_000), Exit.DEBUG_EXIT, `the program ends (EIP ${c.eip.toString(16)})`);
    if (jit !== "off") {
      const k = c.counters();
      assert.ok(k.jit_insns * 2n > c.icount, `most instructions ran compiled (${k.jit_insns} of ${c.icount})`);
    }
    const out = new DataView(c.readPhys(OUT, OPS.length * N * 32).buffer);
    let checked = 0;
    OPS.forEach((op, k) => tabs[op].forEach((e, i) => {
      const want = oracle(op, e)!;
      for (const [form, at] of [["memory", 0], ["register", 16]] as const) {
        const o = (k * N + i) * 32 + at;
        const got = { eax: out.getUint32(o, true), edx: out.getUint32(o + 4, true), cfof: out.getUint32(o + 8, true) };
        const what = `${op} (${form}) EDX:EAX ${e.edx.toString(16)}:${e.eax.toString(16)}, source ${e.src.toString(16)}`;
        assert.equal(got.eax.toString(16), want.eax.toString(16), `${what}: EAX`);
        assert.equal(got.edx.toString(16), want.edx.toString(16), `${what}: EDX`);
        if (op === "mul" || op === "imul") assert.equal(got.cfof, want.cfof ? 0x801 : 0, `${what}: CF and OF`);
        checked++;
      }
    }));
    assert.equal(checked, OPS.length * N * 2);
  });
}

test("DIV/IDIV that raise #DE in compiled code leave the interpreter's state (EIP at the division, registers unchanged)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  // no IDT: #DE escalates to a triple fault, which stops the machine with the state at the faulting instruction
  const cases: [string, string][] = [
    ["div by zero", "xor edx, edx\n    mov eax, 5\n    xor ebx, ebx\n    div ebx"],
    ["div quotient too big", "mov edx, 7\n    mov eax, 1\n    mov ebx, 7\n    div ebx"],
    ["idiv INT_MIN / -1", "mov eax, 0x80000000\n    cdq\n    mov ebx, -1\n    idiv ebx"],
    ["idiv quotient too big", "mov edx, 1\n    xor eax, eax\n    mov ebx, 2\n    idiv ebx"],
    ["idiv by zero in memory", "mov eax, 9\n    cdq\n    mov dword [0x180000], 0\n    idiv dword [0x180000]"],
  ];
  for (const [name, body] of cases) {
    const code = assemble(`bits 32\norg ${BASE}\n    mov esi, 3\n    mov ecx, 0x11111111\n    ${body}\n    hlt\n`);
    const states = [];
    for (const jit of ["off", "force"] as JitSetting[]) {
      const c = await machine(jit, code, new Uint8Array(4));
      const exit = c.run(1000);
      states.push({ exit, eip: c.eip, regs: ["eax", "ebx", "ecx", "edx", "esi"].map((r) => c.reg(r as any)), icount: c.icount });
    }
    assert.equal(states[0].exit, Exit.TRIPLE_FAULT, `${name}: the interpreter faults`);
    assert.deepEqual(states[1], states[0], `${name}: compiled code faults as the interpreter does`);
  }
});
