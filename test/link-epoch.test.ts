// Block links (translate/execute.ts) are trusted while the code epoch they were made in stands. The epoch's
// values come round again after 2^29 moves (hours of a busy guest): then no link made before may count, or a
// block could follow a link to code that is no longer mapped there. Here a loop calls a function at a linear
// page whose mapping the host then changes to other code, with the epoch set just before its wrap so that the
// INVLPG after the change wraps it to the value the old links were made in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadModule } from "../web/machine/node.ts";
import { Core, Exit } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const BASE = 0x100000, PD = 0x200000, PT0 = 0x201000, FUNC = 0x300000, OTHER = 0x301000, N = 500;

const program = `
bits 32
org ${BASE}
    mov eax, ${PD}
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp short $+2
    xor ebx, ebx
    call calls                  ; decodes every block and fills the TLB
    mov al, 1
    out 0xF4, al                ; pause 1: the host sets the epoch to the value after a wrap
    call calls                  ; links made in that epoch
    mov al, 2
    out 0xF4, al                ; pause 2: the host maps FUNC's page to OTHER and sets the epoch before its wrap
    invlpg [${FUNC}]            ; moves the epoch: it wraps to the value of the links above
    call calls
    mov al, 0
    out 0xF4, al
calls:
    mov ecx, ${N}
.again:
    mov eax, ${FUNC}
    call eax
    add ebx, eax
    dec ecx
    jnz .again
    ret
`;
const func = (v: number) => `
bits 32
    mov eax, ${v}
    ret
`;

test("block links made before the code epoch wrapped are not followed after it (a remapped page runs its new code)", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await Core.create(loadModule("debug"), 8 << 20, 0, { jit: "off" });
  const x = c.exports as any;
  x.attachTestDevices(0xE9, 0xF4, 0);
  const dv = c.dv, R = c.L.RAM;
  for (let i = 0; i < 1024; i++) dv.setUint32(R + PT0 + i * 4, (i << 12) | 3, true);
  dv.setUint32(R + PD, PT0 | 3, true);
  c.exports.ramWritten(PD, 0x2000);
  c.writePhys(BASE, assemble(program));
  c.writePhys(FUNC, assemble(func(1)));
  c.writePhys(OTHER, assemble(func(1000)));
  c.enterFlatProtectedMode();
  c.eip = BASE;
  c.setReg("esp", 0x90000);
  const pauses: number[] = [];
  for (let i = 0; ; i++) {
    assert.ok(i < 1000, "the program ends");
    const exit = c.run(100_000);
    if (exit === Exit.BUDGET || exit === Exit.OUTPUT) continue;
    assert.equal(exit, Exit.DEBUG_EXIT);
    const n = c.reg("eax") & 0xFF;
    if (n === 0) break;
    pauses.push(n);
    if (n === 1) x.testSetEpochBase(8);
    else {
      assert.equal(c.reg("ebx"), 2 * N, "both loops called the first function");
      assert.equal(x.testEpochBase(), 8, "the second loop ran (and linked its blocks) without moving the epoch");
      dv.setUint32(R + PT0 + (FUNC >>> 12) * 4, OTHER | 3, true);
      c.exports.ramWritten(PT0, 0x1000);
      x.testSetEpochBase(0xFFFFFFF8); // the next move wraps to 8
    }
  }
  assert.deepEqual(pauses, [1, 2]);
  assert.ok(x.testEpochBase() < 0x100, "INVLPG wrapped the epoch");
  assert.equal(c.reg("ebx"), 2 * N + N * 1000, "after the remap every call ran the new code");
});
