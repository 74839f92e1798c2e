// Keyboard, mouse and on-screen keyboard logic of the page (web/app/input.ts, web/app/on-screen-keyboard.ts):
// no stuck keys, no doubled auto-repeat, combos, paste with a note for what cannot be typed, mouse units, and an
// on-screen layout whose every key exists on the machine's keyboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyTracker, COMBOS, comboEvents, chordEvents, planPaste, MouseAccumulator, guestButtons, isGuestKey, DOM_DELTA_LINE, DOM_DELTA_PIXEL, DOM_DELTA_PAGE } from "../web/app/input.ts";
import { OSK_ROWS, OskState } from "../web/app/on-screen-keyboard.ts";
import { KEY_CODES, keysToScancodes, ScancodeEncoder, type KeyEvent } from "../web/machine/keyboard.ts";

const ev = (code: string, down: boolean): KeyEvent => ({ code, down });

test("KeyTracker: presses pass once, host auto-repeat is dropped, releases match presses", () => {
  const t = new KeyTracker();
  assert.deepEqual(t.down("KeyA"), [ev("KeyA", true)]);
  assert.deepEqual(t.down("KeyA", true), [], "event.repeat");
  assert.deepEqual(t.down("KeyA"), [], "a second keydown without keyup is a repeat too");
  assert.deepEqual(t.up("KeyA"), [ev("KeyA", false)]);
  assert.deepEqual(t.up("KeyA"), [], "no break for a key that is not down");
  assert.deepEqual(t.up("KeyB"), [], "a key pressed before the screen had focus: the guest never saw its make");
  assert.deepEqual(t.down("NoSuchKey"), [], "unknown codes are not the guest's");
  assert.deepEqual(t.down(""), []);
  assert.deepEqual(t.held, []);
});

test("KeyTracker: focus loss releases every held key, last pressed first; nothing stays stuck", () => {
  const t = new KeyTracker();
  for (const c of ["ControlLeft", "AltLeft", "KeyX", "ArrowUp"]) t.down(c);
  t.up("KeyX");
  assert.deepEqual(t.releaseAll(), [ev("ArrowUp", false), ev("AltLeft", false), ev("ControlLeft", false)]);
  assert.deepEqual(t.releaseAll(), []);
  assert.deepEqual(t.up("ControlLeft"), [], "the keyup arriving after the blur is dropped");
  // the bytes the guest saw are balanced: every make has its break
  const t2 = new KeyTracker();
  const events = [...t2.down("ShiftRight"), ...t2.down("NumpadEnter"), ...t2.releaseAll()];
  assert.deepEqual(keysToScancodes(events), [0x59, 0xE0, 0x5A, 0xE0, 0xF0, 0x5A, 0xF0, 0x59]);
});

test("KeyTracker: Print Screen with only a keyup (Windows) is a press and release; macOS Caps Lock toggles", () => {
  const t = new KeyTracker();
  assert.deepEqual(t.up("PrintScreen"), [ev("PrintScreen", true), ev("PrintScreen", false)]);
  assert.deepEqual(t.down("CapsLock"), [ev("CapsLock", true)], "elsewhere Caps Lock is an ordinary key");
  assert.deepEqual(t.up("CapsLock"), [ev("CapsLock", false)]);
  const mac = new KeyTracker({ capsLockToggles: true });
  assert.deepEqual(mac.down("CapsLock"), [ev("CapsLock", true), ev("CapsLock", false)], "lock on");
  assert.deepEqual(mac.up("CapsLock"), [ev("CapsLock", true), ev("CapsLock", false)], "lock off");
  assert.deepEqual(mac.releaseAll(), []);
});

test("combos: Ctrl+Alt+Del, Alt+Tab, Ctrl+Alt+F1..F6, Alt+SysRq as chords; the bytes follow the scan code spec", () => {
  assert.deepEqual(comboEvents("ctrl-alt-del"), [
    ev("ControlLeft", true), ev("AltLeft", true), ev("Delete", true), ev("Delete", false), ev("AltLeft", false), ev("ControlLeft", false)]);
  assert.deepEqual(keysToScancodes(comboEvents("ctrl-alt-del")!), [0x14, 0x11, 0xE0, 0x71, 0xE0, 0xF0, 0x71, 0xF0, 0x11, 0xF0, 0x14]);
  assert.deepEqual(comboEvents("alt-tab")!.map((e) => e.code), ["AltLeft", "Tab", "Tab", "AltLeft"]);
  for (let n = 1; n <= 6; n++) assert.deepEqual(comboEvents(`ctrl-alt-f${n}`)!.filter((e) => e.down).map((e) => e.code), ["ControlLeft", "AltLeft", `F${n}`]);
  const enc = new ScancodeEncoder();
  assert.deepEqual(comboEvents("alt-sysrq")!.flatMap((e) => enc.bytes(e.code, e.down)!), [0x11, 0x84, 0xF0, 0x84, 0xF0, 0x11], "Alt+PrintScreen is SysRq (84h)");
  assert.equal(comboEvents("nope"), undefined);
  for (const c of COMBOS) for (const code of c.keys) assert.ok(isGuestKey(code), `${c.id}: ${code}`);
  assert.throws(() => chordEvents(["ControlLeft", "Bogus"]), /Bogus/);
});

test("paste: US-layout key events, line breaks as Enter, a note listing what cannot be typed", () => {
  const p = planPaste("Hi!\r\nok\r");
  assert.equal(p.text, "Hi!\nok\n");
  assert.equal(p.note, undefined);
  assert.deepEqual(p.events.filter((e) => e.down).map((e) => e.code),
    ["ShiftLeft", "KeyH", "KeyI", "ShiftLeft", "Digit1", "Enter", "KeyO", "KeyK", "Enter"]);
  const bad = planPaste("café über 5€ café 😀");
  assert.equal(bad.text, "caf ber 5 caf ");
  assert.equal(bad.skipped, 5, "é ü € é 😀 (an emoji is one character)");
  assert.deepEqual(bad.skippedChars, ["é", "ü", "€", "😀"]);
  assert.equal(bad.note, "5 characters could not be typed (the guest has a US keyboard): é ü € 😀");
  assert.equal(planPaste("x\u00A0y").note, "1 character could not be typed (the guest has a US keyboard): U+00A0", "invisible characters by code point");
  const many = planPaste("αβγδεζηθικλμνξ", 3);
  assert.match(many.note!, /14 characters .*: α β γ and 11 more$/);
  // the events type exactly the kept text: every make has its break, Shift is balanced
  const downs = new Map<string, number>();
  for (const e of bad.events) downs.set(e.code, (downs.get(e.code) ?? 0) + (e.down ? 1 : -1));
  for (const [code, n] of downs) assert.equal(n, 0, code);
});

test("mouse: movement in whole units with dy up-positive, fractions carried; wheel in notches; buttons", () => {
  const m = new MouseAccumulator();
  assert.deepEqual(m.move(3, 4), { dx: 3, dy: -4 }, "screen y grows downwards, the machine's dy grows upwards");
  assert.deepEqual(m.move(0.6, -0.6), { dx: 0, dy: 0 });
  assert.deepEqual(m.move(0.6, -0.6), { dx: 1, dy: 1 }, "fractions add up");
  assert.deepEqual(m.move(NaN, 1), { dx: 0, dy: 0 });
  assert.equal(m.wheel(100, DOM_DELTA_PIXEL), 1, "one notch down = towards the user = dz > 0");
  assert.equal(m.wheel(-3, DOM_DELTA_LINE), -1);
  assert.equal(m.wheel(1, DOM_DELTA_PAGE), 1);
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += m.wheel(20, DOM_DELTA_PIXEL);
  assert.equal(sum, 2, "touchpad deltas add up to notches");
  assert.equal(m.wheel(100000, DOM_DELTA_PIXEL), 8, "a fling is capped");
  assert.equal(guestButtons(1), 1, "left");
  assert.equal(guestButtons(2), 2, "right");
  assert.equal(guestButtons(4), 4, "middle");
  assert.equal(guestButtons(1 | 8 | 16), 1, "back/forward buttons are not PS/2 buttons");
});

test("on-screen keyboard: every key exists on the machine's keyboard, once; rows are complete", () => {
  const codes = OSK_ROWS.flat().map((k) => k.code);
  for (const c of codes) assert.ok(KEY_CODES.includes(c), c);
  assert.equal(new Set(codes).size, codes.length, "no key twice");
  for (const need of ["Escape", "Tab", "Enter", "Backspace", "Space", "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight",
    ...Array.from({ length: 12 }, (_, i) => `F${i + 1}`), ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ".split("").map((l) => `Key${l}`),
    ..."0123456789".split("").map((d) => `Digit${d}`), "ShiftLeft", "ControlLeft", "AltLeft", "Delete"]) {
    assert.ok(codes.includes(need), `the on-screen keyboard has ${need}`);
  }
  for (const k of OSK_ROWS.flat()) assert.ok(k.aria.length > 0, `${k.code} has an accessible name`);
});

test("on-screen keyboard: sticky modifiers latch for one key, lock on a second tap, and never stay held", () => {
  const s = new OskState();
  const key = (code: string) => OSK_ROWS.flat().find((k) => k.code === code)!;
  assert.deepEqual(s.tap(key("KeyA")), [ev("KeyA", true), ev("KeyA", false)]);
  assert.deepEqual(s.tap(key("ControlLeft")), []);
  assert.equal(s.modifiers.ctrl, "latched");
  assert.deepEqual(s.tap(key("KeyC")), [ev("ControlLeft", true), ev("KeyC", true), ev("KeyC", false), ev("ControlLeft", false)]);
  assert.equal(s.modifiers.ctrl, "off", "a latch lasts one key");
  s.tap(key("ShiftLeft")); s.tap(key("ShiftLeft"));
  assert.equal(s.modifiers.shift, "locked");
  assert.ok(s.shifted);
  assert.deepEqual(s.tap(key("KeyX")).map((e) => e.code), ["ShiftLeft", "KeyX", "KeyX", "ShiftLeft"]);
  assert.deepEqual(s.tap(key("KeyY")).map((e) => e.code), ["ShiftLeft", "KeyY", "KeyY", "ShiftLeft"], "a lock stays");
  s.tap(key("ShiftLeft"));
  assert.equal(s.modifiers.shift, "off");
  s.tap(key("ControlLeft")); s.tap(key("AltLeft"));
  assert.deepEqual(s.tap(key("F2")), [ev("ControlLeft", true), ev("AltLeft", true), ev("F2", true), ev("F2", false), ev("AltLeft", false), ev("ControlLeft", false)], "Ctrl+Alt+F2 from the screen");
});

test("attachKeyboard/attachMouse: DOM wiring with stand-in events (preventDefault, browser keys, blur, lock loss)", async () => {
  const { attachKeyboard, attachMouse } = await import("../web/app/input.ts");
  // the smallest stand-ins for the DOM objects the glue touches
  const g = globalThis as Record<string, unknown>;
  const saved = { window: g.window, document: g.document };
  const doc = Object.assign(new EventTarget(), { visibilityState: "visible", pointerLockElement: null as unknown, exitPointerLock() { doc.pointerLockElement = null; doc.dispatchEvent(new Event("pointerlockchange")); } });
  g.window = new EventTarget();
  g.document = doc;
  try {
    const sent: string[] = [];
    const sink = { key: (c: string, d: boolean) => sent.push(`${c}${d ? "↓" : "↑"}`), mouse: (dx: number, dy: number, dz: number, b: number) => sent.push(`m${dx},${dy},${dz},${b}`) };
    const screen = Object.assign(new EventTarget(), { tabIndex: -1, requestPointerLock() { doc.pointerLockElement = screen; doc.dispatchEvent(new Event("pointerlockchange")); } });
    const fire = (t: EventTarget, type: string, props: Record<string, unknown> = {}) => {
      const e = Object.assign(new Event(type, { cancelable: true }), { isComposing: false, repeat: false, ...props });
      t.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const kb = attachKeyboard(screen as unknown as HTMLElement, sink, { capsLockToggles: false });
    assert.equal(screen.tabIndex, 0, "the screen is made focusable");
    assert.equal(fire(screen, "keydown", { code: "KeyA" }), true, "a guest key is not the browser's");
    assert.equal(fire(screen, "keydown", { code: "KeyA", repeat: true }), true);
    assert.equal(fire(screen, "keydown", { code: "F12" }), false, "F12 stays with the browser");
    assert.equal(fire(screen, "keydown", { code: "" }), false, "virtual keyboards without a code");
    fire(screen, "keydown", { code: "ControlLeft" });
    fire(g.window as EventTarget, "blur");
    assert.deepEqual(sent, ["KeyA↓", "ControlLeft↓", "ControlLeft↑", "KeyA↑"]);
    sent.length = 0;
    fire(screen, "keyup", { code: "KeyA" });
    assert.deepEqual(sent, [], "no second release");

    const mouse = attachMouse(screen as unknown as HTMLElement, sink);
    fire(doc, "mousemove", { movementX: 5, movementY: 5, buttons: 0 });
    assert.deepEqual(sent, [], "no movement before the pointer is captured");
    fire(screen, "click");
    assert.ok(mouse.isLocked());
    fire(doc, "mousemove", { movementX: 5, movementY: 2, buttons: 0 });
    fire(doc, "mousedown", { buttons: 1 });
    fire(doc, "wheel", { deltaY: 100, deltaMode: 0 });
    fire(screen, "keydown", { code: "KeyQ" });
    doc.exitPointerLock();
    assert.deepEqual(sent, ["m5,-2,0,0", "m0,0,0,1", "m0,0,1,1", "KeyQ↓", "KeyQ↑", "m0,0,0,0"], "lock loss releases the buttons and the keys");
    mouse.detach(); kb.detach();
  } finally {
    g.window = saved.window; g.document = saved.document;
  }
});
