// Port 92h (system control port A: A20 gate, fast reset) and port CF9h (PIIX3 reset control), driven by guest
// code: the A20 gate decides whether FFFF:0010 reaches 1 MiB or wraps to 0, a rising edge of port 92h bit 0 or a
// write of CF9h with bit 2 restarts the processor at the reset vector and ends run() with EXIT_RESET.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";
import { startRealMode } from "./util/machines.ts";

async function realMode(src: string): Promise<Core> {
  const c = await createCore(4 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(0x7C00, assemble(`bits 16\norg 0x7C00\n${src}\n`));
  startRealMode(c);
  return c;
}

test("port 92h: bit 1 opens and closes the A20 gate (FFFF:0010 reaches 1 MiB or wraps to 0) and reads back", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const c = await realMode(`
    in al, 0x92
    out 0xE9, al             ; A20 open at start: bit 1
    and al, ~2
    out 0x92, al             ; close the gate
    in al, 0x92
    out 0xE9, al
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0], 'L'
    mov byte [es:0x10], 'W'  ; wraps onto 0 with the gate closed
    mov al, [0]
    out 0xE9, al
    in al, 0x92
    or al, 2
    out 0x92, al             ; open it again
    mov byte [es:0x10], 'H'  ; now at 1 MiB
    mov al, [0]
    out 0xE9, al
    mov al, 0
    out 0xF4, al`);
  assert.equal(c.run(1000), Exit.DEBUG_EXIT);
  assert.deepEqual([...c.drain(Channel.DEBUGCON)], [0x02, 0x00, 0x57, 0x57]);
  assert.equal(c.readByte(0x100000), 0x48);
});

test("port 92h bit 0 and port CF9h bit 2 reset the processor: EXIT_RESET, CS:IP at the reset vector", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  for (const [name, src] of [["92h", "in al, 0x92\n or al, 1\n out 0x92, al"], ["CF9h", "mov dx, 0xCF9\n mov al, 0x02\n out dx, al\n mov al, 0x06\n out dx, al"]]) {
    const c = await realMode(`${src}\n    mov al, 0\n    out 0xF4, al`);
    assert.equal(c.run(1000), Exit.RESET, name);
    assert.equal(c.seg("cs").sel, 0xF000, name);
    assert.equal(c.eip, 0xFFF0, name);
  }
  const d = await realMode("mov dx, 0xCF9\n mov al, 0x0A\n out dx, al\n in al, dx\n out 0xE9, al\n mov al, 0\n out 0xF4, al");
  assert.equal(d.run(1000), Exit.DEBUG_EXIT, "CF9h without bit 2 does not reset");
  assert.deepEqual([...d.drain(Channel.DEBUGCON)], [0x0A], "bits 1 and 3 read back");
});
