// The host keyboard helper (web/machine/keyboard.ts): KeyboardEvent.code -> PS/2 set-2 bytes for a 104-key US
// keyboard (Microsoft "Keyboard Scan Code Specification" 1.3a, set-2 column), and text -> key events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scancodes, textToKeys, keysToScancodes, KEY_CODES, keyForChar, scancodesWithModifiers, ScancodeEncoder } from "../web/machine/keyboard.ts";

test("keyboard table: all 104 keys of a US keyboard have distinct set-2 make codes", () => {
  const keys104 = [
    "Escape", ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`), "PrintScreen", "ScrollLock", "Pause",
    "Backquote", ..."1234567890".split("").map((d) => `Digit${d}`), "Minus", "Equal", "Backspace",
    "Tab", ..."QWERTYUIOP".split("").map((l) => `Key${l}`), "BracketLeft", "BracketRight", "Backslash",
    "CapsLock", ..."ASDFGHJKL".split("").map((l) => `Key${l}`), "Semicolon", "Quote", "Enter",
    "ShiftLeft", ..."ZXCVBNM".split("").map((l) => `Key${l}`), "Comma", "Period", "Slash", "ShiftRight",
    "ControlLeft", "MetaLeft", "AltLeft", "Space", "AltRight", "MetaRight", "ContextMenu", "ControlRight",
    "Insert", "Home", "PageUp", "Delete", "End", "PageDown", "ArrowUp", "ArrowLeft", "ArrowDown", "ArrowRight",
    "NumLock", "NumpadDivide", "NumpadMultiply", "NumpadSubtract", "Numpad7", "Numpad8", "Numpad9", "NumpadAdd",
    "Numpad4", "Numpad5", "Numpad6", "Numpad1", "Numpad2", "Numpad3", "Numpad0", "NumpadDecimal", "NumpadEnter",
  ];
  assert.equal(keys104.length, 104);
  const seen = new Map<string, string>();
  for (const k of keys104) {
    assert.ok(KEY_CODES.includes(k), k);
    const make = scancodes(k, true);
    assert.ok(make && make.length > 0, k);
    const s = make.join(",");
    assert.ok(!seen.has(s), `${k} and ${seen.get(s)} share ${s}`);
    seen.set(s, k);
  }
});

test("keyboard table: make/break forms, extended keys, Print Screen and Pause [MS-SCAN]", () => {
  assert.deepEqual(scancodes("KeyA", true), [0x1C]);
  assert.deepEqual(scancodes("KeyA", false), [0xF0, 0x1C]);
  assert.deepEqual(scancodes("Enter", true), [0x5A]);
  assert.deepEqual(scancodes("NumpadEnter", true), [0xE0, 0x5A]);
  assert.deepEqual(scancodes("NumpadEnter", false), [0xE0, 0xF0, 0x5A]);
  assert.deepEqual(scancodes("ArrowUp", false), [0xE0, 0xF0, 0x75]);
  assert.deepEqual(scancodes("ControlRight", true), [0xE0, 0x14]);
  assert.deepEqual(scancodes("F7", true), [0x83]);
  assert.deepEqual(scancodes("F12", true), [0x07]);
  assert.deepEqual(scancodes("PrintScreen", true), [0xE0, 0x12, 0xE0, 0x7C]);
  assert.deepEqual(scancodes("PrintScreen", false), [0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12]);
  assert.deepEqual(scancodes("Pause", true), [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77]);
  assert.deepEqual(scancodes("Pause", false), [], "Pause has no break code");
  assert.deepEqual(scancodes("OSLeft", true), [0xE0, 0x1F], "old name of MetaLeft");
  assert.equal(scancodes("NoSuchKey", true), undefined);
});

test("textToKeys: US layout, Shift where needed, newline = Enter, untypable characters reported", () => {
  const { events, untypable } = textToKeys("aB!\n");
  assert.deepEqual(events, [
    { code: "KeyA", down: true }, { code: "KeyA", down: false },
    { code: "ShiftLeft", down: true },
    { code: "KeyB", down: true }, { code: "KeyB", down: false },
    { code: "Digit1", down: true }, { code: "Digit1", down: false },
    { code: "ShiftLeft", down: false },
    { code: "Enter", down: true }, { code: "Enter", down: false },
  ]);
  assert.deepEqual(untypable, []);
  const r = textToKeys("é x\u0001");
  assert.deepEqual(r.untypable, [{ index: 0, char: "é" }, { index: 3, char: "\u0001" }]);
  assert.deepEqual(r.events.map((e) => e.code), ["Space", "Space", "KeyX", "KeyX"]);
  assert.deepEqual(textToKeys("a\r\nb").events.filter((e) => e.down).map((e) => e.code), ["KeyA", "Enter", "KeyB"]);
  assert.deepEqual(keysToScancodes(textToKeys("A").events), [0x12, 0x1C, 0xF0, 0x1C, 0xF0, 0x12]);
  for (let c = 0x20; c < 0x7F; c++) assert.ok(keyForChar(String.fromCharCode(c)), `printable ASCII ${c.toString(16)} is typable`);
});

test("Print Screen and Pause with modifiers: SysRq (Alt), plain E0 7C (Shift/Ctrl), Break (Ctrl) [MS-SCAN]", () => {
  const none = { shift: false, ctrl: false, alt: false };
  assert.deepEqual(scancodesWithModifiers("PrintScreen", true, none), scancodes("PrintScreen", true));
  assert.deepEqual(scancodesWithModifiers("PrintScreen", true, { ...none, alt: true }), [0x84]);
  assert.deepEqual(scancodesWithModifiers("PrintScreen", false, { ...none, alt: true }), [0xF0, 0x84]);
  assert.deepEqual(scancodesWithModifiers("PrintScreen", true, { ...none, ctrl: true }), [0xE0, 0x7C]);
  assert.deepEqual(scancodesWithModifiers("PrintScreen", false, { ...none, shift: true }), [0xE0, 0xF0, 0x7C]);
  assert.deepEqual(scancodesWithModifiers("Pause", true, { ...none, ctrl: true }), [0xE0, 0x7E, 0xE0, 0xF0, 0x7E]);
  assert.deepEqual(scancodesWithModifiers("Pause", false, { ...none, ctrl: true }), []);
  assert.deepEqual(scancodesWithModifiers("KeyA", true, { shift: true, ctrl: true, alt: true }), [0x1C]);

  const enc = new ScancodeEncoder();
  assert.deepEqual(enc.bytes("AltRight", true), [0xE0, 0x11]);
  assert.deepEqual(enc.bytes("PrintScreen", true), [0x84], "Alt+SysRq");
  assert.deepEqual(enc.bytes("AltRight", false), [0xE0, 0xF0, 0x11]);
  assert.deepEqual(enc.bytes("PrintScreen", false), [0xF0, 0x84], "released in the form it was pressed with");
  assert.deepEqual(enc.bytes("PrintScreen", true), [0xE0, 0x12, 0xE0, 0x7C], "Alt is up again");
  assert.deepEqual(enc.bytes("PrintScreen", false), [0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12]);
  enc.bytes("ControlLeft", true);
  assert.deepEqual(enc.bytes("Pause", true), [0xE0, 0x7E, 0xE0, 0xF0, 0x7E], "Ctrl+Break");
  enc.reset();
  assert.deepEqual(enc.bytes("Pause", true), scancodes("Pause", true), "reset forgets held Ctrl");
  assert.equal(enc.bytes("NoSuchKey", true), undefined);
});
