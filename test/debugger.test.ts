// The teaching panel's host library (web/machine/debugger.ts): CPU view and flag decoding, the disassembly around
// EIP, guest memory through hand-built page tables, and single-stepping (interrupts held or delivered, HLT).
// Instruction lengths are checked against an independent disassembler (ndisasm, from nasm) where installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { createCore, loadModule } from "../web/machine/node.ts";
import { Core } from "../web/machine/core.ts";
import { PC } from "../web/machine/pc.ts";
import { cpuView, disassembleAround, readMemory, translateLinear, stepCore, teachingView, FLAG_NAMES, type StepOptions } from "../web/machine/debugger.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;

async function core32(code: Uint8Array, at = BASE): Promise<Core> {
  const c = await createCore(16 << 20, "debug");
  c.writePhys(at, code);
  c.enterFlatProtectedMode();
  c.eip = at;
  c.setReg("esp", 0x90000);
  return c;
}

const step = (c: Core, n: number, opts: StepOptions = {}) => stepCore(c, n, opts, { afterRun: () => {} });

/** Instruction lengths by ndisasm (an oracle independent of our opcode table); null without it. */
function ndisasmLengths(bytes: Uint8Array, bits: 16 | 32): number[] | null {
  if (spawnSync("ndisasm", ["-h"]).error) return null;
  const dir = mkdtempSync(join(tmpdir(), "webpc-dbg-"));
  try {
    const f = join(dir, "code.bin");
    writeFileSync(f, bytes);
    const r = spawnSync("ndisasm", ["-b", String(bits), f], { encoding: "utf8" });
    // "00000000  B801000000        mov eax,0x1"; long instructions continue on "         -hex" lines
    const lens: number[] = [];
    for (const line of r.stdout.split("\n")) {
      const m = /^([0-9A-F]{8})\s+(\S+)/.exec(line);
      if (m) lens.push(m[2].length / 2);
      else { const k = /^\s+-(\S+)/.exec(line); if (k) lens[lens.length - 1] += k[1].length / 2; }
    }
    return lens;
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

const STRAIGHT = `
bits 32
org ${BASE}
    mov eax, 0x12345678          ; 5 bytes
    lea ecx, [eax+ebx*4+0x10]    ; SIB + disp8
    add dword [ecx+0x1000], 7    ; modrm + disp32 + imm8
    push eax
    mov word [0x2000], 0x55aa    ; operand-size prefix, moffs-like disp32, imm16
    hlt
`;

test("step three instructions: EIP advances by the disassembled lengths (checked against ndisasm)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble(STRAIGHT);
  const c = await core32(code);
  const lines = disassembleAround(c, 0, 5);
  assert.equal(lines.length, 5);
  assert.ok(lines[0].current && !lines[1].current);
  assert.equal(lines[0].text, "mov eax,0x12345678");
  assert.equal(lines[0].where, "0008:00100000");
  assert.equal(lines[0].bytes, "b8 78 56 34 12");
  const oracle = ndisasmLengths(code, 32);
  if (oracle) assert.deepEqual(lines.map((l) => l.length), oracle.slice(0, 5), "lengths agree with ndisasm");
  else t.diagnostic("ndisasm not installed: lengths not compared with an oracle");
  let eip = c.eip;
  for (let i = 0; i < 3; i++) {
    const r = await step(c, 1);
    assert.equal(r.executed, 1);
    assert.equal(r.stop, "done");
    assert.deepEqual(r.events, []);
    eip += lines[i].length;
    assert.equal(c.eip, eip, `after step ${i + 1}`);
    assert.equal(cpuView(c).eip, eip);
  }
  assert.equal(c.reg("eax"), 0x12345678);
  // step(3) on a fresh machine lands at the same place
  const d = await core32(code);
  const r = await step(d, 3);
  assert.equal(r.executed, 3);
  assert.equal(d.eip, BASE + lines[0].length + lines[1].length + lines[2].length);
});

test("a call and a jump land at the disassembled targets", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble(`
bits 32
org ${BASE}
    call sub
    nop
sub:
    jmp short there
    times 9 nop
there:
    jmp ${BASE + 0x200}
`);
  const c = await core32(code);
  for (let i = 0; i < 3; i++) {
    const cur = disassembleAround(c, 0, 1)[0];
    const target = Number(/(?:call|jmp) (0x[0-9a-f]+)/.exec(cur.text)?.[1]);
    assert.ok(Number.isFinite(target), cur.text);
    const r = await step(c, 1);
    assert.equal(r.executed, 1);
    assert.equal(c.eip, target, `${cur.text} went to ${c.eip.toString(16)}`);
  }
  assert.equal(c.eip, BASE + 0x200);
  assert.equal(c.reg("esp"), 0x90000 - 4, "the call pushed its return address");
});

test("16-bit real mode: lines, CS:IP text and stepping with 16-bit wrap", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble(`
bits 16
org 0x7c00
    mov ax, 0x1234
    mov ds, ax
    inc word [bx+si+4]
`);
  const c = await createCore(16 << 20, "debug");
  c.writePhys(0x7c00, code);
  c.setSegReal("cs", 0);
  c.eip = 0x7c00;
  c.exports.stateChanged();
  const v = cpuView(c);
  assert.equal(v.mode, "real");
  const lines = disassembleAround(c, 0, 3);
  assert.deepEqual(lines.map((l) => l.where), ["0000:7c00", "0000:7c03", "0000:7c05"]);
  const oracle = ndisasmLengths(code, 16);
  if (oracle) assert.deepEqual(lines.map((l) => l.length), oracle);
  await step(c, 2);
  assert.equal(c.eip, 0x7c05);
  assert.equal(c.seg("ds").base, 0x12340);
});

test("flags are decoded from known EFLAGS values", async () => {
  const c = await createCore(16 << 20, "debug");
  const cases: [number, string[], number][] = [
    [0x0000_0002, [], 0],
    [0x0000_0246, ["PF", "ZF", "IF"], 0],
    [0x0000_3AD7, ["CF", "PF", "AF", "ZF", "SF", "IF", "OF"], 3],
    [0x0002_0202, ["IF", "VM"], 0],
    [0x0004_4893, ["CF", "AF", "SF", "OF", "NT", "AC"], 0],
  ];
  for (const [eflags, on, iopl] of cases) {
    c.eflags = eflags;
    const v = cpuView(c);
    assert.equal(v.eflags, eflags, `EFLAGS ${eflags.toString(16)}`);
    assert.deepEqual(FLAG_NAMES.filter((f) => v.flags[f]), on, `flags of ${eflags.toString(16)}`);
    assert.equal(v.iopl, iopl);
  }
  // the view is plain data (the worker posts it)
  assert.doesNotThrow(() => structuredClone(teachingView(c, false)));
});

test("linear -> physical through hand-built page tables: 4 KiB, 4 MiB, not present, and memory reads", async () => {
  const c = await createCore(16 << 20, "debug");
  const PD = 0x10000, PT = 0x11000;
  const w32 = (phys: number, v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); c.writePhys(phys, b); };
  w32(PD + 1 * 4, PT | 0x7);            // 0x00400000-0x007FFFFF: page table
  w32(PT + 0 * 4, 0x200000 | 0x3);      // 0x00400000 -> 0x00200000, supervisor, writable
  w32(PT + 1 * 4, 0x0);                 // 0x00401000 not present
  w32(PT + 2 * 4, 0x205000 | 0x5);      // 0x00402000 -> 0x00205000, user, read-only
  w32(PD + 2 * 4, 0x00C00000 | 0x83);   // 0x00800000: a 4 MiB page at 0x00C00000 (PS)
  w32(PD + 3 * 4, 0x0);                 // 0x00C00000 not present
  w32(PD + 4 * 4, 0x00C02000 | 0x83);   // reserved bits 13-21 set (no PSE-36)
  c.writePhys(0x200FFC, new Uint8Array([1, 2, 3, 4]));
  c.writePhys(0x205000, new Uint8Array([5, 6]));
  c.writePhys(0xC12345, new Uint8Array([0xAB]));
  c.enterFlatProtectedMode();
  c.setCr(3, PD);
  c.setCr(4, 0x10); // PSE
  c.setCr(0, c.cr(0) | 0x8000_0000);
  c.exports.stateChanged();

  assert.deepEqual(translateLinear(c, 0x400FFC), { ok: true, phys: 0x200FFC, pageSize: 4096, writable: true, user: false });
  assert.deepEqual(translateLinear(c, 0x401000), { ok: false, why: "not-present", level: "pte" });
  assert.deepEqual(translateLinear(c, 0x402000), { ok: true, phys: 0x205000, pageSize: 4096, writable: false, user: true });
  assert.deepEqual(translateLinear(c, 0x812345), { ok: true, phys: 0xC12345, pageSize: 0x400000, writable: true, user: false });
  assert.deepEqual(translateLinear(c, 0xC00000), { ok: false, why: "not-present", level: "pde" });
  assert.deepEqual(translateLinear(c, 0x1000000), { ok: false, why: "reserved-bits", level: "pde" });
  assert.deepEqual(translateLinear(c, 0x0), { ok: false, why: "not-present", level: "pde" });

  // a read across a mapped, a missing and a mapped page
  const m = readMemory(c, 0x400FFC, 0x1000 + 4 + 2, "linear");
  assert.deepEqual([...m.bytes.subarray(0, 4)], [1, 2, 3, 4]);
  assert.deepEqual([...m.bytes.subarray(0x1004)], [5, 6]);
  assert.deepEqual(m.unreadable, [{ offset: 4, length: 0x1000, why: "not-present" }]);
  assert.equal(readMemory(c, 0x812345, 1, "linear").bytes[0], 0xAB);
  // physical reads ignore paging; beyond RAM there is nothing
  assert.deepEqual([...readMemory(c, 0x205000, 2, "physical").bytes], [5, 6]);
  assert.deepEqual(readMemory(c, (16 << 20) - 2, 4, "physical").unreadable, [{ offset: 2, length: 2, why: "no-memory" }]);
  // a CS:EIP in a missing page disassembles to a line that says so, without a throw
  c.eip = 0x401000;
  const lines = disassembleAround(c, 4, 4);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].unreadable, "not-present");
  assert.match(lines[0].text, /not present/);
  // the walk did not set accessed bits (the debugger must not change the guest)
  assert.equal(c.readPhys(PT, 4)[0], 0x3);
});

test("an instruction running into a missing page shows the bytes it has, and the line says why", async () => {
  const c = await createCore(16 << 20, "debug");
  const PD = 0x10000, PT = 0x11000;
  const w32 = (phys: number, v: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v >>> 0, true); c.writePhys(phys, b); };
  w32(PD, PT | 3); w32(PT + 0x100 * 4, 0x100000 | 3); // 0x100000 mapped, 0x101000 not
  c.writePhys(0x100FFB, new Uint8Array([0x90, 0xB8, 1, 2, 3])); // nop; mov eax, imm32 missing its last byte
  c.enterFlatProtectedMode();
  c.setCr(3, PD); c.setCr(0, c.cr(0) | 0x8000_0000); c.exports.stateChanged();
  c.eip = 0x100FFB;
  const lines = disassembleAround(c, 0, 4);
  assert.equal(lines.length, 2);
  assert.equal(lines[0].text, "nop");
  assert.equal(lines[1].bytes, "b8 01 02 03");
  assert.equal(lines[1].unreadable, "not-present");
  // stepping into it raises #PF in the guest (no IDT here: the CPU shuts down), reported, never a host error
  const r = await step(c, 2);
  assert.ok(r.events.some((e) => e.kind === "exception" && e.vector === 14) || r.stop === "triple-fault", JSON.stringify(r));
});

test("trace on: the lines before EIP are the instructions executed last", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await core32(assemble(STRAIGHT));
  c.exports.setTrace(1);
  const ahead = disassembleAround(c, 0, 4);
  await step(c, 3);
  const lines = disassembleAround(c, 8, 2);
  assert.deepEqual(lines.map((l) => [l.executed, l.current, l.eip]), [
    [true, false, ahead[0].eip], [true, false, ahead[1].eip], [true, false, ahead[2].eip],
    [false, true, ahead[3].eip], [false, false, ahead[3].eip + ahead[3].length],
  ]);
  assert.equal(lines[1].text, ahead[1].text);
  assert.equal(lines[0].linear, BASE);
  c.exports.setTrace(0);
  assert.equal(disassembleAround(c, 8, 1).length, 1, "no trace: nothing before EIP");
});

/** Real mode, IVT entry for vector 0x40 -> 0000:8000, interrupts enabled; the host's test source requests vector 0x40. */
async function realModeWithPendingInterrupt(code: Uint8Array): Promise<Core> {
  const c = await createCore(16 << 20, "debug");
  c.writePhys(0x7c00, code);
  c.writePhys(0x8000, new Uint8Array([0x90, 0x90, 0xCF])); // nop; nop; iret
  c.writePhys(0x40 * 4, new Uint8Array([0x00, 0x80, 0x00, 0x00]));
  for (const s of ["cs", "ds", "es", "ss"] as const) c.setSegReal(s, 0);
  c.setReg("esp", 0x7000);
  c.eip = 0x7c00;
  c.eflags = 0x202;
  c.exports.stateChanged();
  c.exports.setIntr(0x40);
  return c;
}

test("stepping holds external interrupts back by default; with delivery the step enters the handler", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const code = assemble("bits 16\norg 0x7c00\n    inc ax\n    inc bx\n    inc cx\n    hlt\n");
  const c = await realModeWithPendingInterrupt(code);
  assert.equal(cpuView(c).intrPending, true);
  const r = await step(c, 3);
  assert.equal(c.eip, 0x7c03, "three one-byte instructions, no interrupt");
  assert.deepEqual(r.events, []);
  assert.equal(r.interruptsHeld, true);
  assert.equal(r.interruptPending, true);
  assert.match(r.message, /held while stepping/);
  // the held interrupt is still there: a step that delivers it lands in the handler, after its first instruction
  const d = await step(c, 1, { holdInterrupts: false });
  assert.deepEqual(d.events, [{ kind: "interrupt", external: true }]);
  assert.equal(d.executed, 1);
  assert.equal(c.eip, 0x8001);
  assert.match(d.message, /external interrupt/);
  // iret returns to the instruction that was next
  await step(c, 2);
  assert.equal(c.eip, 0x7c03);
});

test("a halted CPU cannot step: the result says so instead of looping", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await core32(assemble(`bits 32\norg ${BASE}\n    sti\n    hlt\n    nop\n`));
  const r = await step(c, 5);
  assert.equal(r.executed, 2, "sti and hlt ran");
  assert.equal(r.stop, "halted");
  assert.equal(cpuView(c).halted, true);
  assert.match(r.message, /halted \(HLT\), waiting for an interrupt/);
  const again = await step(c, 1);
  assert.equal(again.executed, 0);
  assert.equal(again.stop, "halted");
  assert.equal(c.eip, BASE + 2, "still after the HLT");
  // delivering interrupts: none is pending, so it still cannot go on
  assert.equal((await step(c, 1, { holdInterrupts: false })).stop, "halted");
  // CLI; HLT: only NMI or reset
  const d = await core32(assemble(`bits 32\norg ${BASE}\n    cli\n    hlt\n`));
  const s = await step(d, 3);
  assert.equal(s.stop, "halted");
  assert.match(s.message, /interrupts disabled/);
});

test("a halted CPU with an interrupt pending wakes when the step delivers it", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realModeWithPendingInterrupt(assemble("bits 16\norg 0x7c00\n    hlt\n    nop\n"));
  c.eflags = 0x2; // IF = 0 until after the HLT
  c.exports.stateChanged();
  await step(c, 1);
  assert.equal(cpuView(c).halted, true);
  c.eflags = 0x202;
  assert.equal((await step(c, 1)).stop, "halted", "held: stays halted");
  const r = await step(c, 1, { holdInterrupts: false });
  assert.equal(r.stop, "done");
  assert.equal(c.eip, 0x8001);
  assert.equal(cpuView(c).halted, false);
});

const IMAGES = join(import.meta.dirname, "..", "public/images");
const noBios = existsSync(join(IMAGES, "bios.bin")) ? false : "public/images/bios.bin missing: run `npm run images`";

test("PC.step at the reset vector: SeaBIOS's far jump from ROM, then its code", { skip: noBios }, async () => {
  const pc = await PC.create({
    memoryMiB: 16, bios: new Uint8Array(readFileSync(join(IMAGES, "bios.bin"))), clock: "virtual",
    timeOfDay: new Date(Date.UTC(2024, 0, 1)), wasm: loadModule("release"),
  });
  const c = pc.core;
  const first = disassembleAround(c, 0, 1)[0];
  assert.equal(first.where, "f000:fff0");
  assert.equal(first.linear, 0xFFFFFFF0, "the reset vector is read from the ROM below 4 GiB");
  const m = /^jmpf? (0x[0-9a-f]+):(0x[0-9a-f]+)$/.exec(first.text);
  assert.ok(m, first.text);
  const r = await pc.step(1);
  assert.equal(r.executed, 1);
  assert.equal(c.seg("cs").sel, Number(m[1]));
  assert.equal(c.eip, Number(m[2]));
  const next = disassembleAround(c, 0, 3);
  const r3 = await pc.step(2);
  assert.equal(r3.executed, 2);
  // unless the second was a jump, EIP moved by the two lengths
  if (!/^(j|call|ret)/.test(next[0].text) && !/^(j|call|ret)/.test(next[1].text)) assert.equal(c.eip, next[2].eip);
});

test("a step at HLT without holding interrupts lets guest time run to the timer's interrupt", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realModeWithPendingInterrupt(assemble("bits 16\norg 0x7c00\n    hlt\n    nop\n"));
  c.exports.setIntr(-1); // no test interrupt: the PIT's IRQ 0 through the 8259 this time
  c.writePhys(8 * 4, new Uint8Array([0x00, 0x80, 0x00, 0x00])); // vector 8 -> 0000:8000
  const out = (port: number, v: number) => c.exports.ioWrite(port, v, 1);
  out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01); out(0x21, 0xFE); // 8259: base 8, IRQ 0 only
  out(0x43, 0x34); out(0x40, 1193 & 0xFF); out(0x40, 1193 >> 8); // PIT channel 0: rate generator, 1 ms
  // programming the PIT raises OUT: the 8259 may have seen that edge; acknowledge it so only the next tick is left
  if (cpuView(c).intrPending) { c.exports.intrAck(); out(0x20, 0x20); }
  assert.equal(cpuView(c).intrPending, false);
  await step(c, 1);
  assert.equal(cpuView(c).halted, true);
  assert.equal((await step(c, 1)).stop, "halted", "interrupts held: the CPU stays halted");
  const t0 = c.exports.clockNowNs();
  const r = await step(c, 1, { holdInterrupts: false });
  assert.equal(r.stop, "done", r.message);
  // mode 2 drops OUT one PIT clock before the count ends and raises it (the IRQ 0 edge) at the end: it may take
  // more than one timer event
  const waits = r.events.filter((e) => e.kind === "waited") as { ns: number }[];
  assert.ok(waits.length >= 1, JSON.stringify(r.events));
  assert.deepEqual(r.events.slice(waits.length), [{ kind: "interrupt", external: true }]);
  const waited = waits.reduce((n, w) => n + w.ns, 0);
  assert.ok(waited > 990_000 && waited < 1_002_000, `waited ${waited} ns for a 1 ms timer`);
  assert.ok(c.exports.clockNowNs() - t0 >= BigInt(waited));
  assert.equal(c.eip, 0x8001, "in the IRQ 0 handler, after its first instruction");
  assert.match(r.message, /guest time ran .* to the next timer event/);
});
