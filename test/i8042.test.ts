// The 8042 keyboard controller with its PS/2 keyboard and mouse (assembly/devices/i8042.ts, ps2keyboard.ts,
// ps2mouse.ts), tested the QEMU way through ports 60h/64h, the host input exports and the virtual clock.
// Expectations come from: IBM PC AT Technical Reference "Keyboard Controller" (status, command byte, commands,
// output port, translation) [AT-TR]; IBM PS/2 Hardware Interface Technical Reference, keyboard and auxiliary
// device sections (keyboard/mouse commands, typematic formula, packets) [PS2-TR]; Microsoft IntelliMouse
// extension (200/100/80 sample-rate sequence, ID 03h, 4-byte packets) [IMPS2]; Microsoft "Keyboard Scan Code
// Specification" 1.3a for the set-1 and set-2 code of every key [MS-SCAN].
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { scancodes } from "../web/machine/keyboard.ts";
import { initPicsAsBios, startRealMode } from "./util/machines.ts";
import { assemble, haveNasm, NASM_MISSING } from "./util/nasm.ts";

const OBF = 0x01, SYS = 0x04, A2 = 0x08, INH = 0x10, AUXB = 0x20;
const REFILL = 100_000n; // ns between a read of 60h and the next byte (i8042.ts OB_REFILL_NS)

async function machine(): Promise<Core> {
  const c = await createCore(2 << 20, "debug");
  initPicsAsBios(c);
  return c;
}
const kbc = (c: Core) => {
  const o = {
    cmd: (v: number) => c.exports.ioWrite(0x64, v, 1),
    data: (v: number) => c.exports.ioWrite(0x60, v, 1),
    status: () => c.exports.ioRead(0x64, 1),
    read: () => c.exports.ioRead(0x60, 1),
    advance: (ns: bigint) => c.exports.clockAdvanceNs(ns),
    key: (...bytes: number[]) => { for (const b of bytes) c.exports.keyboardScancode(b); },
    /** Read every byte the controller delivers, waiting the refill delay between bytes. */
    drain: (): number[] => {
      const got: number[] = [];
      for (let i = 0; i < 64; i++) {
        if ((o.status() & OBF) === 0) { o.advance(REFILL); if ((o.status() & OBF) === 0) break; }
        got.push(o.read());
      }
      return got;
    },
    /** Bytes with the AUXB flag each had: [byte, aux]. */
    drainTagged: (): [number, boolean][] => {
      const got: [number, boolean][] = [];
      for (let i = 0; i < 64; i++) {
        if ((o.status() & OBF) === 0) { o.advance(REFILL); if ((o.status() & OBF) === 0) break; }
        const aux = (o.status() & AUXB) !== 0;
        got.push([o.read(), aux]);
      }
      return got;
    },
    writeCmdByte: (v: number) => { o.cmd(0x60); o.data(v); },
    readCmdByte: (): number => { o.cmd(0x20); return o.drain()[0]; },
    kbdCommand: (...bytes: number[]): number[] => { for (const b of bytes) o.data(b); return o.drain(); },
    mouseCommand: (...bytes: number[]): number[] => { for (const b of bytes) { o.cmd(0xD4); o.data(b); } return o.drain(); },
  };
  return o;
};

test("8042: status at reset, self test (AAh -> 55h, SYS set), interface tests, input port, A2 follows the last write", async () => {
  const c = await machine(), k = kbc(c);
  assert.equal(k.status(), INH, "[AT-TR] status: only 'keyboard not inhibited'");
  k.cmd(0xAA);
  assert.equal(k.status(), OBF | SYS | A2 | INH, "self test result waiting; system flag set; last write was a command");
  assert.equal(k.read(), 0x55);
  assert.equal(k.status() & OBF, 0);
  k.cmd(0xAB); assert.deepEqual(k.drain(), [0x00], "keyboard interface test: no error");
  k.cmd(0xA9); assert.deepEqual(k.drain(), [0x00], "auxiliary interface test: no error (PS/2)");
  k.cmd(0xC0); assert.equal(k.drain()[0] & 0x80, 0x80, "input port bit 7: keyboard not inhibited");
  k.cmd(0xA4); assert.deepEqual(k.drain(), [0xF1], "no password installed");
  k.data(0xEE); // echo to the keyboard: A2 clears
  assert.equal(k.status() & A2, 0);
  assert.deepEqual(k.drain(), [0xEE]);
});

test("8042: command byte read/write (20h/60h), SYS from bit 2, ADh/AEh and A7h/A8h, RAM bytes 21h-3Fh/61h-7Fh", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x47);
  assert.equal(k.readCmdByte(), 0x47);
  assert.equal(k.status() & SYS, SYS, "status bit 2 = command byte bit 2");
  k.writeCmdByte(0x40);
  assert.equal(k.status() & SYS, 0);
  k.cmd(0xAD); assert.equal(k.readCmdByte(), 0x50, "ADh sets bit 4");
  k.cmd(0xA7); assert.equal(k.readCmdByte(), 0x70, "A7h sets bit 5");
  k.cmd(0xAE); assert.equal(k.readCmdByte(), 0x60, "AEh clears bit 4");
  k.cmd(0xA8); assert.equal(k.readCmdByte(), 0x40, "A8h clears bit 5");
  k.cmd(0x65); k.data(0x9C);
  k.cmd(0x25); assert.deepEqual(k.drain(), [0x9C], "RAM byte 5");
});

test("8042: the output buffer holds one byte; the next is loaded 100 us after the read; a second read returns the same byte", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00); // no translation, no interrupts
  k.key(0x1C, 0xF0, 0x1C); // A make and break: three bytes
  assert.equal(k.status() & OBF, OBF);
  assert.equal(k.read(), 0x1C);
  assert.equal(k.status() & OBF, 0, "buffer empty after the read");
  assert.equal(k.read(), 0x1C, "the data register keeps the byte until the next one is loaded");
  k.advance(REFILL - 1n);
  assert.equal(k.status() & OBF, 0, "not yet");
  k.advance(1n);
  assert.equal(k.status() & OBF, OBF);
  assert.equal(k.read(), 0xF0);
  k.advance(REFILL);
  assert.equal(k.read(), 0x1C);
  k.advance(REFILL);
  assert.equal(k.status() & OBF, 0, "nothing more");
});

test("8042 translation (command byte bit 6): host set-2 make/break arrive as the set-1 code of every key [MS-SCAN]", async () => {
  // Set-1 make codes of the 104 keys, from the scan code specification (independent of the 8042 table).
  const set1: Record<string, number[]> = {
    Escape: [0x01], Digit1: [0x02], Digit2: [0x03], Digit3: [0x04], Digit4: [0x05], Digit5: [0x06], Digit6: [0x07],
    Digit7: [0x08], Digit8: [0x09], Digit9: [0x0A], Digit0: [0x0B], Minus: [0x0C], Equal: [0x0D], Backspace: [0x0E],
    Tab: [0x0F], KeyQ: [0x10], KeyW: [0x11], KeyE: [0x12], KeyR: [0x13], KeyT: [0x14], KeyY: [0x15], KeyU: [0x16],
    KeyI: [0x17], KeyO: [0x18], KeyP: [0x19], BracketLeft: [0x1A], BracketRight: [0x1B], Enter: [0x1C],
    ControlLeft: [0x1D], KeyA: [0x1E], KeyS: [0x1F], KeyD: [0x20], KeyF: [0x21], KeyG: [0x22], KeyH: [0x23],
    KeyJ: [0x24], KeyK: [0x25], KeyL: [0x26], Semicolon: [0x27], Quote: [0x28], Backquote: [0x29], ShiftLeft: [0x2A],
    Backslash: [0x2B], KeyZ: [0x2C], KeyX: [0x2D], KeyC: [0x2E], KeyV: [0x2F], KeyB: [0x30], KeyN: [0x31],
    KeyM: [0x32], Comma: [0x33], Period: [0x34], Slash: [0x35], ShiftRight: [0x36], NumpadMultiply: [0x37],
    AltLeft: [0x38], Space: [0x39], CapsLock: [0x3A], F1: [0x3B], F2: [0x3C], F3: [0x3D], F4: [0x3E], F5: [0x3F],
    F6: [0x40], F7: [0x41], F8: [0x42], F9: [0x43], F10: [0x44], NumLock: [0x45], ScrollLock: [0x46], Numpad7: [0x47],
    Numpad8: [0x48], Numpad9: [0x49], NumpadSubtract: [0x4A], Numpad4: [0x4B], Numpad5: [0x4C], Numpad6: [0x4D],
    NumpadAdd: [0x4E], Numpad1: [0x4F], Numpad2: [0x50], Numpad3: [0x51], Numpad0: [0x52], NumpadDecimal: [0x53],
    F11: [0x57], F12: [0x58], NumpadEnter: [0xE0, 0x1C], ControlRight: [0xE0, 0x1D], NumpadDivide: [0xE0, 0x35],
    AltRight: [0xE0, 0x38], Home: [0xE0, 0x47], ArrowUp: [0xE0, 0x48], PageUp: [0xE0, 0x49], ArrowLeft: [0xE0, 0x4B],
    ArrowRight: [0xE0, 0x4D], End: [0xE0, 0x4F], ArrowDown: [0xE0, 0x50], PageDown: [0xE0, 0x51], Insert: [0xE0, 0x52],
    Delete: [0xE0, 0x53], MetaLeft: [0xE0, 0x5B], MetaRight: [0xE0, 0x5C], ContextMenu: [0xE0, 0x5D],
    IntlBackslash: [0x56],
  };
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x40);
  for (const [code, make] of Object.entries(set1)) {
    k.key(...scancodes(code, true)!);
    assert.deepEqual(k.drain(), make, `${code} make`);
    k.key(...scancodes(code, false)!);
    const brk = [...make.slice(0, -1), make[make.length - 1] | 0x80];
    assert.deepEqual(k.drain(), brk, `${code} break: F0 xx -> xx | 80h`);
  }
  k.key(...scancodes("PrintScreen", true)!);
  assert.deepEqual(k.drain(), [0xE0, 0x2A, 0xE0, 0x37], "Print Screen make");
  k.key(...scancodes("PrintScreen", false)!);
  assert.deepEqual(k.drain(), [0xE0, 0xB7, 0xE0, 0xAA], "Print Screen break");
  k.key(...scancodes("Pause", true)!);
  assert.deepEqual(k.drain(), [0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5], "Pause");
  assert.deepEqual(k.kbdCommand(0xF2), [0xFA, 0xAB, 0x41], "the ID passes the table too: 83h -> 41h [AT-TR]");
  k.writeCmdByte(0x00);
  k.key(0x1C, 0xF0, 0x1C);
  assert.deepEqual(k.drain(), [0x1C, 0xF0, 0x1C], "without translation: set 2 as sent");
});

test("PS/2 keyboard commands: identify, echo, LEDs, scan code set get/set (set 1 by the keyboard), resend, invalid, reset", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00);
  assert.deepEqual(k.kbdCommand(0xF2), [0xFA, 0xAB, 0x83], "[PS2-TR] MF II keyboard ID");
  assert.deepEqual(k.kbdCommand(0xEE), [0xEE], "echo");
  assert.deepEqual(k.kbdCommand(0xED, 0x05), [0xFA, 0xFA], "set LEDs: ACK, ACK");
  assert.equal(c.exports.keyboardLeds(), 0x05, "Scroll Lock and Caps Lock");
  assert.deepEqual(k.kbdCommand(0xF0, 0x00), [0xFA, 0xFA, 0x02], "current set: both bytes are ACKed, then 2");
  assert.deepEqual(k.kbdCommand(0xF0, 0x01), [0xFA, 0xFA]);
  assert.deepEqual(k.kbdCommand(0xF0, 0x00), [0xFA, 0xFA, 0x01]);
  k.key(0xE0, 0x75, 0xE0, 0xF0, 0x75);
  assert.deepEqual(k.drain(), [0xE0, 0x48, 0xE0, 0xC8], "the keyboard itself sends set 1");
  assert.deepEqual(k.kbdCommand(0xF0, 0x03), [0xFA, 0xFE], "set 3 is refused (known gap)");
  assert.deepEqual(k.kbdCommand(0xF0, 0x02), [0xFA, 0xFA]);
  assert.deepEqual(k.kbdCommand(0xFE), [0xFA], "resend: the last byte again");
  assert.deepEqual(k.kbdCommand(0x42), [0xFE], "not a command: resend request");
  assert.deepEqual(k.kbdCommand(0xF3, 0x20), [0xFA, 0xFA], "typematic rate/delay");
  assert.deepEqual(k.kbdCommand(0xED, 0xF2), [0xFA, 0xFA, 0xAB, 0x83], "a command where an option byte is expected is a command");
  assert.deepEqual(k.kbdCommand(0xF5), [0xFA], "disable");
  k.key(0x1C, 0xF0, 0x1C);
  assert.deepEqual(k.drain(), [], "not scanning: keys are not seen");
  assert.deepEqual(k.kbdCommand(0xF4), [0xFA], "enable");
  k.key(0x1C);
  assert.deepEqual(k.drain(), [0x1C]);
  k.key(0xF0, 0x1C);
  k.drain();
  assert.deepEqual(k.kbdCommand(0xFF), [0xFA, 0xAA], "reset: ACK and BAT passed");
  assert.equal(c.exports.keyboardLeds(), 0, "LEDs off after reset");
  assert.deepEqual(k.kbdCommand(0xF0, 0x00), [0xFA, 0xFA, 0x02], "set 2 after reset");
});

test("PS/2 keyboard typematic on the virtual clock: default 500 ms / 10.9 cps, F3h 00h = 250 ms / 30 cps, stops on release", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00);
  // [PS2-TR] delay (1 + bits 5-6) x 250 ms; period (8 + bits 0-2) x 2^(bits 3-4) / 240 s. Default 2Bh.
  k.key(0x1C);
  assert.equal(k.read(), 0x1C);
  const period0 = (11n * 2n * 1_000_000_000n) / 240n; // 91.666 ms
  k.advance(500_000_000n - 1n);
  assert.equal(k.status() & OBF, 0, "no repeat before the delay");
  k.advance(1n);
  assert.equal(k.status() & OBF, OBF, "first repeat at 500 ms");
  assert.equal(k.read(), 0x1C);
  k.advance(period0 - 1n);
  assert.equal(k.status() & OBF, 0);
  k.advance(1n);
  assert.equal(k.read(), 0x1C, "next repeat one period later");
  k.key(0xF0, 0x1C);
  assert.deepEqual(k.drain(), [0xF0, 0x1C]);
  k.advance(2_000_000_000n);
  assert.deepEqual(k.drain(), [], "released: no more repeats");

  assert.deepEqual(k.kbdCommand(0xF3, 0x00), [0xFA, 0xFA]);
  k.key(0xE0, 0x75); // Arrow Up: repeats E0 75
  assert.deepEqual(k.drain(), [0xE0, 0x75]);
  const t0 = c.exports.clockNowNs() - REFILL * 2n; // the make was queued before the drain's two waits
  const period = (8n * 1_000_000_000n) / 240n; // 33.33 ms: 30 characters per second
  c.exports.clockAdvanceNs(t0 + 250_000_000n - c.exports.clockNowNs());
  assert.deepEqual(k.drain(), [0xE0, 0x75], "repeat at 250 ms");
  const t1 = t0 + 250_000_000n;
  c.exports.clockAdvanceNs(t1 + 3n * period - c.exports.clockNowNs() + 1n);
  assert.ok(k.drain().length >= 2, "repeats continue at the rate");
  k.key(0x1C); // another key pressed: it becomes the repeating key
  k.key(0xE0, 0xF0, 0x75); // releasing the older key does not stop it
  assert.deepEqual(k.drain(), [0x1C, 0xE0, 0xF0, 0x75]);
  k.advance(260_000_000n);
  assert.deepEqual(k.drain().slice(0, 1), [0x1C], "the last key pressed repeats");
});

test("PS/2 keyboard: keys typed while the interface is disabled wait in the 16-byte buffer; overrun code when full", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x10); // keyboard interface disabled
  k.key(0x1C, 0xF0, 0x1C, 0x32, 0xF0, 0x32);
  assert.equal(k.status() & OBF, 0, "nothing reaches the output buffer");
  k.cmd(0xAE);
  assert.deepEqual(k.drain(), [0x1C, 0xF0, 0x1C, 0x32, 0xF0, 0x32], "delivered in order once enabled");
  k.cmd(0xAD);
  for (let i = 0; i < 10; i++) k.key(0x1C, 0xF0, 0x1C);
  k.cmd(0xAE);
  const got = k.drain();
  assert.equal(got.length, 16, "16-byte buffer [PS2-TR]");
  assert.equal(got[15], 0x00, "overrun code (set 2) in the last place");
  assert.deepEqual(got.slice(0, 15), [0x1C, 0xF0, 0x1C, 0x1C, 0xF0, 0x1C, 0x1C, 0xF0, 0x1C, 0x1C, 0xF0, 0x1C, 0x1C, 0xF0, 0x1C]);
});

/** PICs in level-sensitive mode (ICW1.LTIM): IRR follows the IRQ lines, so IRR shows the levels. */
function levelPics(c: Core): void {
  const out = (p: number, v: number) => c.exports.ioWrite(p, v, 1);
  out(0x20, 0x19); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
  out(0xA0, 0x19); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, 0x01);
}

test("8042 IRQ 1 and IRQ 12: high while the output buffer holds a keyboard / mouse byte and the command byte enables it", async () => {
  const c = await machine(), k = kbc(c);
  levelPics(c);
  const irq1 = () => (c.exports.picState(0) & 0x02) !== 0;
  const irq12 = () => (c.exports.picState(1) & 0x10) !== 0;
  k.writeCmdByte(0x00);
  k.key(0x1C);
  assert.equal(irq1(), false, "bit 0 clear: no interrupt");
  k.writeCmdByte(0x01);
  assert.equal(irq1(), true, "enabling it with a byte waiting raises IRQ 1");
  k.read();
  assert.equal(irq1(), false, "the read empties the buffer: IRQ 1 drops");
  k.writeCmdByte(0x03);
  k.cmd(0xD3); k.data(0x5A); // as if the mouse sent 5Ah
  k.advance(REFILL); // the buffer was read just before: the next byte follows the refill delay
  assert.equal(k.status() & (OBF | AUXB), OBF | AUXB, "[PS2-TR] status bit 5: auxiliary byte");
  assert.equal(irq12(), true, "IRQ 12");
  assert.equal(irq1(), false);
  assert.equal((c.exports.picState(0) & 0x04) !== 0, true, "cascade IR2 on the master");
  assert.equal(k.read(), 0x5A);
  assert.equal(irq12(), false);
  k.writeCmdByte(0x21); // aux disabled: D3h still loops back (Linux's AUX_LOOP test runs with it disabled)
  k.cmd(0xD3); k.data(0xA5);
  assert.deepEqual(k.drainTagged(), [[0xA5, true]]);
  k.cmd(0xD2); k.data(0x77);
  assert.equal(irq1(), true, "D2h: as if the keyboard sent it, IRQ 1");
  assert.deepEqual(k.drainTagged(), [[0x77, false]]);
});

test("8042 IRQ 1 through BIOS-programmed (edge-triggered) PICs: one request per byte, the vector 09h", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x01);
  k.key(0x1C, 0xF0, 0x1C);
  const vectors: number[] = [], bytes: number[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(c.exports.intrLine(), 1, `byte ${i}: INTR`);
    vectors.push(c.exports.intrAck());
    bytes.push(k.read());
    c.exports.ioWrite(0x20, 0x20, 1); // EOI
    assert.equal(c.exports.intrLine(), 0, "no request until the next byte is loaded");
    k.advance(REFILL);
  }
  assert.deepEqual(vectors, [0x09, 0x09, 0x09]);
  assert.deepEqual(bytes, [0x1C, 0xF0, 0x1C]);
});

test("PS/2 mouse: reset (FA AA 00), ID, IntelliMouse knock 200/100/80 -> ID 03h, status request, bytes flagged AUXB", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00);
  k.cmd(0xD4); k.data(0xFF);
  assert.deepEqual(k.drainTagged(), [[0xFA, true], [0xAA, true], [0x00, true]]);
  assert.deepEqual(k.mouseCommand(0xF2), [0xFA, 0x00], "standard mouse");
  assert.deepEqual(k.mouseCommand(0xF3, 200, 0xF3, 100, 0xF3, 80), [0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA]);
  assert.deepEqual(k.mouseCommand(0xF2), [0xFA, 0x03], "[IMPS2] wheel mouse");
  assert.deepEqual(k.mouseCommand(0xE8, 0x03, 0xE7, 0xF3, 40), [0xFA, 0xFA, 0xFA, 0xFA, 0xFA]);
  assert.deepEqual(k.mouseCommand(0xE9), [0xFA, 0x10, 0x03, 40], "status: 2:1 scaling, stream, disabled; resolution; rate");
  assert.deepEqual(k.mouseCommand(0xF6, 0xE9), [0xFA, 0xFA, 0x00, 0x02, 100], "defaults: 1:1, 4 counts/mm, 100/s");
  assert.deepEqual(k.mouseCommand(0x42), [0xFE], "invalid command");
  assert.deepEqual(k.mouseCommand(0xFF), [0xFA, 0xAA, 0x00]);
  assert.deepEqual(k.mouseCommand(0xF2), [0xFA, 0x00], "reset returns to the standard ID");
});

test("PS/2 mouse packets: stream mode, sign and overflow bits, splitting large moves, buttons, wheel byte, 2:1 scaling", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00);
  const move = (dx: number, dy: number, dz: number, b: number) => c.exports.mouseInput(dx, dy, dz, b);
  move(10, 10, 0, 0);
  assert.deepEqual(k.drain(), [], "reporting disabled after power-on");
  assert.deepEqual(k.mouseCommand(0xF4), [0xFA]);
  move(5, -3, 0, 1);
  // [PS2-TR] byte 0: bit 0 left, 3 always 1, 4 X sign, 5 Y sign; bytes 1/2: low 8 bits of X/Y
  assert.deepEqual(k.drainTagged(), [[0x29, true], [0x05, true], [0xFD, true]]);
  move(-300, 40, 0, 0);
  assert.deepEqual(k.drain(), [0x18, 0x01, 0x28, 0x18, 0xD3, 0x00], "-300 in two packets: -255 and -45");
  move(0, 0, 0, 4);
  assert.deepEqual(k.drain(), [0x0C, 0x00, 0x00], "a button change alone makes a packet (middle = bit 2)");
  k.mouseCommand(0xF3, 200, 0xF3, 100, 0xF3, 80, 0xF4);
  move(1, 1, -2, 2);
  assert.deepEqual(k.drain(), [0x0A, 0x01, 0x01, 0xFE], "[IMPS2] fourth byte: wheel");
  move(0, 0, 20, 2);
  assert.deepEqual(k.drain(), [0x0A, 0, 0, 7, 0x0A, 0, 0, 7, 0x0A, 0, 0, 6], "wheel steps of at most +7");
  k.mouseCommand(0xE7);
  move(3, 200, 0, 0);
  assert.deepEqual(k.drain(), [0x88, 0x03, 0xFF, 0x00], "2:1 scaling: 3 -> 3, 200 -> 400 overflows Y (bit 7)");
  k.mouseCommand(0xE6, 0xF5);
  move(7, 7, 0, 0);
  assert.deepEqual(k.drain(), [], "disabled again");
});

test("PS/2 mouse remote mode (EBh read data) and wrap mode (echo until ECh)", async () => {
  const c = await machine(), k = kbc(c);
  k.writeCmdByte(0x00);
  assert.deepEqual(k.mouseCommand(0xF0), [0xFA], "remote mode");
  c.exports.mouseInput(-4, 9, 0, 3);
  assert.deepEqual(k.drain(), [], "no packets in remote mode");
  assert.deepEqual(k.mouseCommand(0xEB), [0xFA, 0x1B, 0xFC, 0x09], "read data: left+right, X negative");
  assert.deepEqual(k.mouseCommand(0xEB), [0xFA, 0x0B, 0x00, 0x00], "counters reset by the read");
  assert.deepEqual(k.mouseCommand(0xEA, 0xEE), [0xFA, 0xFA], "stream, then wrap mode");
  assert.deepEqual(k.mouseCommand(0x12, 0xF2), [0x12, 0xF2], "wrap mode echoes");
  assert.deepEqual(k.mouseCommand(0xEC, 0xF2), [0xFA, 0xFA, 0x00], "ECh leaves wrap mode");
});

async function realMode(src: string): Promise<Core> {
  const c = await createCore(4 << 20, "debug");
  c.exports.attachTestDevices(0xE9, 0xF4, 0);
  c.writePhys(0x7C00, assemble(`bits 16\norg 0x7C00\n${src}\n`));
  startRealMode(c);
  return c;
}
const WAIT_IBF = "w%=: in al, 0x64\n test al, 2\n jnz w%=";

test("8042 output port (D1h): bit 1 is the A20 gate (a write at 1 MiB lands on 0 when closed); D0h reads it back", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  let n = 0;
  const wait = () => WAIT_IBF.replaceAll("%=", String(n++));
  const c = await realMode(`
    ${wait()}
    mov al, 0xD1
    out 0x64, al
    ${wait()}
    mov al, 0xDD             ; A20 closed, reset inactive
    out 0x60, al
    mov ax, 0xFFFF
    mov es, ax
    mov byte [0], 'L'
    mov byte [es:0x10], 'W'  ; 1 MiB wraps onto 0
    mov al, [0]
    out 0xE9, al
    mov al, 0xD0
    out 0x64, al
    r1: in al, 0x64
    test al, 1
    jz r1
    in al, 0x60
    and al, 3
    out 0xE9, al
    mov al, 0xD1
    out 0x64, al
    mov al, 0xDF             ; A20 open
    out 0x60, al
    mov byte [es:0x10], 'H'
    mov al, [0]
    out 0xE9, al
    mov al, 0
    out 0xF4, al`);
  assert.equal(c.run(10000), Exit.DEBUG_EXIT);
  assert.deepEqual([...c.drain(Channel.DEBUGCON)], [0x57, 0x01, 0x57]);
  assert.equal(c.readByte(0x100000), 0x48);
});

test("8042 reset: command FEh (pulse output port bit 0) and D1h with bit 0 low end run() with EXIT_RESET at the reset vector", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  for (const [name, src] of [["FEh", "mov al, 0xFE\n out 0x64, al"], ["D1h", "mov al, 0xD1\n out 0x64, al\n mov al, 0xDE\n out 0x60, al"]]) {
    const c = await realMode(`${src}\n    mov al, 0\n    out 0xF4, al`);
    assert.equal(c.run(1000), Exit.RESET, name);
    assert.equal(c.seg("cs").sel, 0xF000, name);
    assert.equal(c.eip, 0xFFF0, name);
  }
  const d = await realMode("mov al, 0xFF\n out 0x64, al\n mov al, 0\n out 0xF4, al");
  assert.equal(d.run(1000), Exit.DEBUG_EXIT, "FFh pulses no bit: no reset");
});

test("8042: random port traffic never traps and keeps the one-byte output buffer rule", async () => {
  const c = await machine(), k = kbc(c);
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let i = 0; i < 20000; i++) {
    const r = rnd() % 8;
    if (r === 0) k.cmd(rnd() & 0xFF);
    else if (r === 1 || r === 2) k.data(rnd() & 0xFF);
    else if (r === 3) k.read();
    else if (r === 4) c.exports.keyboardScancode(rnd() & 0xFF);
    else if (r === 5) c.exports.mouseInput((rnd() % 2000) - 1000, (rnd() % 2000) - 1000, (rnd() % 20) - 10, rnd() & 7);
    else if (r === 6) k.advance(BigInt(rnd() * 100));
    else {
      const s = k.status();
      assert.equal(s & 0xC2, 0, "no IBF, timeout or parity");
      if ((s & OBF) === 0) assert.equal(s & AUXB, 0, "AUXB only with OBF");
    }
  }
});
