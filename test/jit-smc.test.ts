// Issue 9, acceptance 2: self-modifying code on compiled blocks. Compiled code must never run stale: a store into
// the running compiled block (ahead of the store in the same pass, or behind it for the next pass), into the
// next block, through a second virtual mapping of the same page, a DMA or host write into a compiled page, and a
// page remapped under a compiled region must all take effect before the modified bytes run.
//
// Each program is run with the JIT "off" (the interpreter: the reference), "force" (every block compiled at its
// first run) and tiered at a threshold of 200 runs (the modified code runs long enough before the change to be
// compiled, and long enough after it to be compiled again; the default threshold is higher, for boot speed).
// The programs count in registers with immediates
// that the modification changes, so the final registers say which code ran on every pass; they are checked
// against the value computed here and against the interpreter (registers, output, instruction count), and the
// JIT counters must show that compiled code ran.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModule } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import type { JitSetting } from "../web/machine/jit-host.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000;
/** Paging structures (identity-mapped, below 4 MiB) and the alias window: linear ALIAS + x maps physical x. */
const PD = 0x200000, PT0 = 0x201000, PT1 = 0x202000, ALIAS = 0x800000;
/** Loop passes (ECX counts down from N) and the passes at which the modifications happen: both leave more than
 *  TIERED (200 runs) of passes before and after, so the tiered runs compile old and new code. */
const N = 2000, K1 = 1400, K2 = 600;

const TIERED = 200;
const MODES: { name: string; jit: JitSetting }[] = [{ name: "force", jit: "force" }, { name: `threshold ${TIERED}`, jit: TIERED }];

interface Outcome {
  out: string;
  ebx: number;
  esi: number;
  icount: bigint;
  counters: Record<string, bigint>;
  /** The counters at each pause (a write of AL != 0 to the exit port), in order. */
  atPause: Record<string, bigint>[];
  /** ECX and the instructions run compiled so far, after each slice of `slice` instructions. */
  samples: { ecx: number; jitInsns: bigint }[];
  failures: number;
}

async function machine(jit: JitSetting, jitSlots?: number): Promise<Core> {
  const c = await Core.create(loadModule("debug"), 16 << 20, 0, { jit, jitSlots });
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  return c;
}

/** Identity-map the first 4 MiB (PT0), map it again at ALIAS, and give PD entry 1 (linear 4 MiB) the table PT1. */
function setUpPaging(c: Core): void {
  const dv = c.dv, R = c.L.RAM;
  for (let i = 0; i < 1024; i++) dv.setUint32(R + PT0 + i * 4, (i << 12) | 3, true);
  dv.setUint32(R + PD, PT0 | 3, true);
  dv.setUint32(R + PD + 4, PT1 | 3, true);
  dv.setUint32(R + PD + (ALIAS >>> 22) * 4, PT0 | 3, true);
  c.exports.ramWritten(PD, 0x3000);
}

/** nasm lines that load CR3 with PD and turn paging on. */
const PAGING_ON = `    mov eax, ${PD}\n    mov cr3, eax\n    mov eax, cr0\n    or eax, 0x80000000\n    mov cr0, eax\n    jmp short $+2`;

/** nasm: a table of N+1 dwords indexed by ECX, all `scratch` except entry `k`, which is `target`. */
const table = (label: string, k: number, target: string) => `${label}:
%assign i 0
%rep ${N + 1}
%if i == ${k}
    dd ${target}
%else
    dd scratch
%endif
%assign i i+1
%endrep`;

/**
 * Run the program at BASE (flat 32-bit protected mode) until it writes 0 to the exit port. A write of another
 * value is a pause: `onPause(value)` runs (the host's DMA or RAM write), then the program goes on.
 */
async function runProgram(jit: JitSetting, code: Uint8Array, opts: { paging?: boolean; setup?: (c: Core) => void; onPause?: (c: Core, n: number) => void; slice?: number; jitSlots?: number } = {}): Promise<Outcome> {
  const c = await machine(jit, opts.jitSlots);
  if (opts.paging) setUpPaging(c);
  opts.setup?.(c);
  c.writePhys(BASE, code);
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  let out = "";
  const atPause: Record<string, bigint>[] = [], samples: Outcome["samples"] = [];
  const slice = opts.slice ?? 1_000_000;
  for (let ran = 0n; ; ) {
    assert.ok(ran < 100_000_000n, `the program ends (EIP ${c.eip.toString(16)}, output ${JSON.stringify(out.slice(-80))})`);
    const before = c.icount;
    const exit = c.run(slice);
    ran += c.icount - before;
    samples.push({ ecx: c.reg("ecx"), jitInsns: c.counter("CNT_JIT_INSNS") });
    out += new TextDecoder().decode(c.drain(Channel.DEBUGCON));
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT, `exit reason at EIP ${c.eip.toString(16)}`);
    const n = c.reg("eax") & 0xFF;
    if (n === 0) break;
    atPause.push(c.counters());
    opts.onPause?.(c, n);
  }
  return { out, ebx: c.reg("ebx"), esi: c.reg("esi"), icount: c.icount, counters: c.counters(), atPause, samples, failures: c.jit.stats.failures };
}

/** Sum over the passes ECX = N..1 of `imm(ecx)`. */
function passes(imm: (ecx: number) => number): number {
  let s = 0;
  for (let ecx = N; ecx >= 1; ecx--) s += imm(ecx);
  return s;
}

/** The checks every JIT run gets: the expected registers and output, the interpreter's result exactly, and
 *  compiled code really ran without a failed module. */
function assertSame(r: Outcome, off: Outcome, expected: { ebx: number; esi: number; out?: string }): void {
  assert.equal(r.failures, 0, "no compiled module was refused");
  assert.ok(r.counters.jit_runs > 0n && r.counters.jit_insns > 0n, `compiled code ran (jit_runs ${r.counters.jit_runs})`);
  assert.equal(r.ebx, expected.ebx, "EBX: which code ran on every pass");
  assert.equal(r.esi, expected.esi, "ESI: which code ran on every pass");
  if (expected.out !== undefined) assert.equal(r.out, expected.out, "output");
  assert.deepEqual({ ebx: off.ebx, esi: off.esi, out: off.out }, { ebx: expected.ebx, esi: expected.esi, out: expected.out ?? off.out }, "the interpreter agrees");
  assert.equal(r.out, off.out, "output as the interpreter's");
  assert.equal(r.icount, off.icount, "instruction count as the interpreter's");
  assert.equal(off.counters.jit_runs, 0n, "the reference run was interpreted");
}

/** Slices for runs that sample ECX: about 60 loop passes, so each phase of the loop gets several samples. */
const SAMPLE_SLICE = 500;

/** Compiled code ran in each phase of the loop (ECX in [lo, hi]: before, between and after the modifications),
 *  so in a tiered run the loop was compiled before each modification and compiled again after it. */
function assertCompiledInPhases(r: Outcome, phases: [number, number][]): void {
  for (const [lo, hi] of phases) {
    const inPhase = r.samples.filter((s) => s.ecx >= lo && s.ecx <= hi);
    assert.ok(inPhase.length >= 2, `samples in passes ${hi}..${lo}`);
    const grew = inPhase[inPhase.length - 1].jitInsns - inPhase[0].jitInsns;
    assert.ok(grew > 0n, `compiled code ran in passes ${hi}..${lo} (ECX), not only the interpreter`);
  }
}
const LOOP_PHASES: [number, number][] = [[K1 + 1, N], [K2 + 1, K1 - 1], [1, K2]];

// ---- a compiled loop that rewrites its own block -----------------------------------------------------------

/** The loop block stores into its own code: on pass K1 into `add esi` (behind the store: from the next pass on),
 *  on pass K2 into `add ebx` (ahead of the store: this very pass). `delta`: write through the alias mapping. */
function runningBlockProgram(delta: number, paging: boolean): string {
  return `
bits 32
org ${BASE}
${paging ? PAGING_ON : ""}
    mov byte [patch+1+${delta}], 'B'  ; the very next instruction
patch:
    mov al, 'x'
    out 0xE9, al
    xor ebx, ebx
    xor esi, esi
    mov ecx, ${N}
again:
    add esi, strict byte 1            ; 83 C6 ib: behind the stores
    mov edx, [t1 + ecx*4]
    mov byte [edx], 3
    mov edx, [t2 + ecx*4]
    mov byte [edx], 5
ahead:
    add ebx, strict byte 1            ; 83 C3 ib: ahead of the stores
    dec ecx
    jnz again
    mov al, 0
    out 0xF4, al
align 4096
scratch: dd 0
${table("t1", K1, `again+2+${delta}`)}
${table("t2", K2, `ahead+2+${delta}`)}
`;
}

const runningBlockExpected = {
  esi: passes((c) => (c >= K1 ? 1 : 3)),
  ebx: passes((c) => (c > K2 ? 1 : 5)),
  out: "B",
};

/** The loop stores into the block that follows it (on pass K2) and into a function it calls (on pass K1). */
function nextBlockProgram(delta: number, paging: boolean): string {
  return `
bits 32
org ${BASE}
${paging ? PAGING_ON : ""}
    xor ebx, ebx
    xor esi, esi
    mov ecx, ${N}
again:
    mov edx, [t1 + ecx*4]
    mov byte [edx], 3                 ; func's immediate
    mov edx, [t2 + ecx*4]
    mov byte [edx], 5                 ; the next block's immediate
    jmp nextblk
nextblk:
    add ebx, strict byte 1
    call func
    dec ecx
    jnz again
    mov al, 0
    out 0xF4, al
align 4096
func:
    add esi, strict byte 1
    ret
align 4096
scratch: dd 0
${table("t1", K1, `func+2+${delta}`)}
${table("t2", K2, `nextblk+2+${delta}`)}
`;
}

const nextBlockExpected = { esi: passes((c) => (c > K1 ? 1 : 3)), ebx: passes((c) => (c > K2 ? 1 : 5)) };

for (const { name, jit } of MODES) {
  test(`JIT SMC [${name}]: a compiled loop rewrites its own block (ahead of the store and behind it) and the next instruction`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(runningBlockProgram(0, false));
    const off = await runProgram("off", code);
    const r = await runProgram(jit, code, { slice: SAMPLE_SLICE });
    assertSame(r, off, runningBlockExpected);
    assertCompiledInPhases(r, LOOP_PHASES);
    assert.ok(r.counters.invalidations > 0n);
  });

  test(`JIT SMC [${name}]: a compiled loop rewrites the next block and a called function`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(nextBlockProgram(0, false));
    const off = await runProgram("off", code);
    const r = await runProgram(jit, code, { slice: SAMPLE_SLICE });
    assertSame(r, off, nextBlockExpected);
    assertCompiledInPhases(r, LOOP_PHASES);
  });

  test(`JIT SMC [${name}]: code rewritten through a second virtual mapping of its physical page`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    // paging on; every store goes to ALIAS + the physical address: a different linear page, the same frame
    for (const [program, expected] of [[runningBlockProgram, runningBlockExpected], [nextBlockProgram, nextBlockExpected]] as const) {
      const code = assemble(program(ALIAS, true));
      const off = await runProgram("off", code, { paging: true });
      const r = await runProgram(jit, code, { paging: true, slice: SAMPLE_SLICE });
      assertSame(r, off, expected);
      assertCompiledInPhases(r, LOOP_PHASES);
    }
  });
}

// ---- DMA and host writes into a compiled page ----------------------------------------------------------------

const FUNC = BASE + 0x1000;

/** Calls func N times, programs DMA channel 2 (one byte to func's immediate) and pauses (1); N more calls and a
 *  pause (2) for a host write; N more calls. func adds its immediate to EBX. */
const dmaProgram = `
bits 32
org ${BASE}
    xor ebx, ebx
    xor esi, esi
    mov ecx, ${N}
l1: call func
    dec ecx
    jnz l1
    ; 8237 channel 2 (the floppy's): single transfer, device to memory, one byte at func+2
    mov al, 0x06
    out 0x0A, al                      ; mask channel 2
    out 0x0C, al                      ; clear the byte flip-flop
    mov al, 0x46
    out 0x0B, al                      ; mode
    mov al, (func - $$ + ${BASE} + 2) & 0xFF
    out 0x04, al
    mov al, ((func - $$ + ${BASE} + 2) >> 8) & 0xFF
    out 0x04, al
    mov al, (func - $$ + ${BASE} + 2) >> 16
    out 0x81, al                      ; page register
    xor al, al
    out 0x05, al
    out 0x05, al                      ; count 0: one byte
    mov al, 0x02
    out 0x0A, al                      ; unmask
    mov al, 1
    out 0xF4, al                      ; pause 1: the device transfers
    mov ecx, ${N}
l2: call func
    dec ecx
    jnz l2
    mov al, 2
    out 0xF4, al                      ; pause 2: the host writes RAM
    mov ecx, ${N}
l3: call func
    dec ecx
    jnz l3
    mov al, 0
    out 0xF4, al
times ${FUNC - BASE} - ($ - $$) db 0x90
func:
    add ebx, strict byte 1
    inc esi
    ret
`;

for (const { name, jit } of MODES) {
  test(`JIT SMC [${name}]: a DMA transfer (8237 channel 2) and a host RAM write into a compiled function`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(dmaProgram);
    const onPause = (c: Core, n: number) => {
      if (n === 1) {
        const buf = c.L.ROM_BASE + c.L.ROM_BYTES - 16; // unused ROM area as the device's buffer
        c.u8[buf] = 5;
        assert.equal(c.exports.testDmaTransfer(2, buf, 1), 1, "the DMA controller moved one byte");
        assert.equal(c.readByte(FUNC + 2), 5);
      } else {
        c.writePhys(FUNC + 2, Uint8Array.of(7)); // as the host loads an image
      }
    };
    const off = await runProgram("off", code, { onPause });
    const r = await runProgram(jit, code, { onPause });
    assertSame(r, off, { ebx: N * (1 + 5 + 7), esi: 3 * N });
    assert.equal(r.atPause.length, 2);
    // compiled code ran before each write, and again after it
    const [p1, p2] = r.atPause;
    assert.ok(p1.jit_runs > 0n, "func ran compiled before the DMA");
    assert.ok(p2.jit_runs > p1.jit_runs && r.counters.jit_runs > p2.jit_runs, "compiled code ran in every phase");
    if (jit === TIERED) {
      assert.ok(p2.jit_compiled > p1.jit_compiled && r.counters.jit_compiled > p2.jit_compiled, "func compiled again after each write");
    }
  });
}

// ---- a page remapped under compiled code -------------------------------------------------------------------

/** Frames behind linear 0x400000 (a function adding 1 or 5 to EBX) and 0x401000 (a loop, below). */
const FA = 0x300000, FB = 0x301000, FC = 0x302000, FD = 0x303000;

/** The loop at linear 0x401000, in frames C (adds 1 to ESI) and D (adds 5): each pass switches the page's
 *  mapping to the other frame, so the next pass must run the other frame's code. */
const remapLoop = (imm: number) => assemble(`
bits 32
org 0x401000
lp: add esi, strict byte ${imm}
    xor dword [${PT1 + 4}], ${FC ^ FD}
    invlpg [0x401000]
    dec ecx
    jnz lp
    ret
`);

const remapProgram = `
bits 32
org ${BASE}
${PAGING_ON}
    xor ebx, ebx
    xor esi, esi
    mov ecx, ${N}
l1: call 0x400000
    dec ecx
    jnz l1
    mov al, 3
    out 0xF4, al                      ; pause: phase 1 done
    xor dword [${PT1}], ${FA ^ FB}    ; frame B behind 0x400000 ...
    invlpg [0x400000]                 ; ... through INVLPG
    mov ecx, ${N}
l2: call 0x400000
    dec ecx
    jnz l2
    mov al, 4
    out 0xF4, al                      ; pause: phase 2 done
    mov eax, cr3
    xor dword [${PT1}], ${FA ^ FB}    ; frame A again ...
    mov cr3, eax                      ; ... through a CR3 reload
    mov ecx, ${N}
l3: call 0x400000
    dec ecx
    jnz l3
    mov al, 5
    out 0xF4, al                      ; pause: phase 3 done
    mov ecx, ${N}
    call 0x401000                     ; the loop that remaps its own page
    mov al, 0
    out 0xF4, al
`;

for (const { name, jit } of MODES) {
  test(`JIT SMC [${name}]: a page remapped under compiled code (INVLPG, CR3 reload, the running loop's own page)`, async (t) => {
    if (!haveNasm()) { t.skip(NASM_MISSING); return; }
    const code = assemble(remapProgram);
    const setup = (c: Core) => {
      c.writePhys(FA, Uint8Array.of(0x83, 0xC3, 0x01, 0xC3)); // add ebx, 1; ret
      c.writePhys(FB, Uint8Array.of(0x83, 0xC3, 0x05, 0xC3)); // add ebx, 5; ret
      c.writePhys(FC, remapLoop(1));
      c.writePhys(FD, remapLoop(5));
      c.dv.setUint32(c.L.RAM + PT1, FA | 3, true);
      c.dv.setUint32(c.L.RAM + PT1 + 4, FC | 3, true);
    };
    const off = await runProgram("off", code, { paging: true, setup });
    const r = await runProgram(jit, code, { paging: true, setup });
    assertSame(r, off, { ebx: N * (1 + 5 + 1), esi: passes((c) => ((N - c) % 2 === 0 ? 1 : 5)) });
    // compiled code ran in every phase: each mapping's code was compiled before the next remap
    const runs = [0n, ...r.atPause.map((p) => p.jit_runs), r.counters.jit_runs];
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i] > runs[i - 1], `compiled code ran in phase ${i}`);
  });
}

// ---- eviction ------------------------------------------------------------------------------------------------

/** More distinct hot code than the JIT keeps (a core made with 32 slots): each block adds its own immediate to EBX
 *  and jumps to the next, over several pages, so regions are compiled, evicted and compiled again. */
const EVICT_BLOCKS = 3000;
const EVICT_SLOTS = 32;
const evictProgram = (rounds: number) => `
bits 32
org ${BASE}
    xor ebx, ebx
    mov ecx, ${rounds}
round:
%assign i 0
%rep ${EVICT_BLOCKS}
    add ebx, strict byte (i % 97) + 1
    jmp short $+2
%assign i i+1
%endrep
    dec ecx
    jnz near round
    mov al, 0
    out 0xF4, al
`;

test(`JIT eviction [force]: ${EVICT_BLOCKS} hot blocks through ${EVICT_SLOTS} slots evict compiled code and results stay right`, async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const rounds = 3;
  const code = assemble(evictProgram(rounds));
  let sum = 0;
  for (let i = 0; i < EVICT_BLOCKS; i++) sum += (i % 97) + 1;
  const off = await runProgram("off", code);
  const r = await runProgram("force", code, { jitSlots: EVICT_SLOTS });
  assertSame(r, off, { ebx: rounds * sum, esi: 0 });
  assert.ok(r.counters.jit_evictions > 0n, `compiled blocks were evicted (${r.counters.jit_compiled} compiled)`);
  assert.ok(r.counters.jit_compiled > BigInt(EVICT_SLOTS), "more regions compiled than there are slots");
});
