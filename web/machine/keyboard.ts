// The host's keyboard: KeyboardEvent.code names (UI Events KeyboardEvent code values, W3C) to the PS/2
// keyboard's scan code set 2 (IBM PS/2 keyboard technical reference; Microsoft "Keyboard Scan Code
// Specification" rev 1.3a), and ASCII text to key presses on a US layout. No browser or Node API: the page, the
// worker and the CLI all use it and feed the bytes to the machine's keyboardScancode().

/** Set-2 make codes; a key's break is its make with F0h before the last byte (E0h stays in front). */
const MAKE: Record<string, number[]> = {
  Escape: [0x76], F1: [0x05], F2: [0x06], F3: [0x04], F4: [0x0C], F5: [0x03], F6: [0x0B], F7: [0x83], F8: [0x0A],
  F9: [0x01], F10: [0x09], F11: [0x78], F12: [0x07], ScrollLock: [0x7E],
  Backquote: [0x0E], Digit1: [0x16], Digit2: [0x1E], Digit3: [0x26], Digit4: [0x25], Digit5: [0x2E], Digit6: [0x36],
  Digit7: [0x3D], Digit8: [0x3E], Digit9: [0x46], Digit0: [0x45], Minus: [0x4E], Equal: [0x55], Backspace: [0x66],
  Tab: [0x0D], KeyQ: [0x15], KeyW: [0x1D], KeyE: [0x24], KeyR: [0x2D], KeyT: [0x2C], KeyY: [0x35], KeyU: [0x3C],
  KeyI: [0x43], KeyO: [0x44], KeyP: [0x4D], BracketLeft: [0x54], BracketRight: [0x5B], Backslash: [0x5D],
  CapsLock: [0x58], KeyA: [0x1C], KeyS: [0x1B], KeyD: [0x23], KeyF: [0x2B], KeyG: [0x34], KeyH: [0x33], KeyJ: [0x3B],
  KeyK: [0x42], KeyL: [0x4B], Semicolon: [0x4C], Quote: [0x52], Enter: [0x5A],
  ShiftLeft: [0x12], KeyZ: [0x1A], KeyX: [0x22], KeyC: [0x21], KeyV: [0x2A], KeyB: [0x32], KeyN: [0x31], KeyM: [0x3A],
  Comma: [0x41], Period: [0x49], Slash: [0x4A], ShiftRight: [0x59],
  ControlLeft: [0x14], MetaLeft: [0xE0, 0x1F], AltLeft: [0x11], Space: [0x29], AltRight: [0xE0, 0x11],
  MetaRight: [0xE0, 0x27], ContextMenu: [0xE0, 0x2F], ControlRight: [0xE0, 0x14],
  Insert: [0xE0, 0x70], Home: [0xE0, 0x6C], PageUp: [0xE0, 0x7D], Delete: [0xE0, 0x71], End: [0xE0, 0x69],
  PageDown: [0xE0, 0x7A], ArrowUp: [0xE0, 0x75], ArrowLeft: [0xE0, 0x6B], ArrowDown: [0xE0, 0x72], ArrowRight: [0xE0, 0x74],
  NumLock: [0x77], NumpadDivide: [0xE0, 0x4A], NumpadMultiply: [0x7C], NumpadSubtract: [0x7B], Numpad7: [0x6C],
  Numpad8: [0x75], Numpad9: [0x7D], NumpadAdd: [0x79], Numpad4: [0x6B], Numpad5: [0x73], Numpad6: [0x74],
  Numpad1: [0x69], Numpad2: [0x72], Numpad3: [0x7A], Numpad0: [0x70], NumpadDecimal: [0x71], NumpadEnter: [0xE0, 0x5A],
  // beyond the 104 keys: the 102-key ISO key, Japanese/Brazilian keys, ACPI keys
  IntlBackslash: [0x61], IntlRo: [0x51], IntlYen: [0x6A], Power: [0xE0, 0x37], Sleep: [0xE0, 0x3F], WakeUp: [0xE0, 0x5E],
};
/** Older browsers' names for the same keys. */
const ALIASES: Record<string, string> = { OSLeft: "MetaLeft", OSRight: "MetaRight" };

/** Print Screen: E0 12 E0 7C on press, E0 F0 7C E0 F0 12 on release (the keyboard's "fake shift" form). */
const PRINT_SCREEN_MAKE = [0xE0, 0x12, 0xE0, 0x7C];
const PRINT_SCREEN_BREAK = [0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12];
/** Pause: one 8-byte sequence on press, nothing on release (it has no break code and does not repeat). */
const PAUSE_MAKE = [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77];

/** Every KeyboardEvent.code this table knows. */
export const KEY_CODES: readonly string[] = [...Object.keys(MAKE), "PrintScreen", "Pause"];

/** The set-2 bytes for pressing (down) or releasing a key, or undefined for an unknown code. */
export function scancodes(code: string, down: boolean): number[] | undefined {
  code = ALIASES[code] ?? code;
  if (code === "PrintScreen") return [...(down ? PRINT_SCREEN_MAKE : PRINT_SCREEN_BREAK)];
  if (code === "Pause") return down ? [...PAUSE_MAKE] : [];
  const make = MAKE[code];
  if (!make) return undefined;
  if (down) return [...make];
  return [...make.slice(0, -1), 0xF0, make[make.length - 1]];
}

/**
 * The keyboard's own modifier-dependent forms of two keys (Microsoft "Keyboard Scan Code Specification" rev 1.3a,
 * the notes on Print Screen and Pause under the set-2 table): Print Screen is E0 7C / E0 F0 7C alone while Shift or
 * Ctrl is held, and becomes SysRq, 84 / F0 84, while Alt is held; Pause is Break, E0 7E E0 F0 7E on press and
 * nothing on release, while Ctrl is held. The 8042 translates 84h to set-1 54h (Alt+SysRq, e.g. Linux's magic
 * SysRq keys).
 */
export function scancodesWithModifiers(code: string, down: boolean, mods: { shift: boolean; ctrl: boolean; alt: boolean }): number[] | undefined {
  if (code === "PrintScreen") {
    if (mods.alt) return down ? [0x84] : [0xF0, 0x84];
    if (mods.ctrl || mods.shift) return down ? [0xE0, 0x7C] : [0xE0, 0xF0, 0x7C];
  }
  if (code === "Pause" && mods.ctrl) return down ? [0xE0, 0x7E, 0xE0, 0xF0, 0x7E] : [];
  return scancodes(code, down);
}

const MODIFIER_OF: Record<string, "shift" | "ctrl" | "alt"> = {
  ShiftLeft: "shift", ShiftRight: "shift", ControlLeft: "ctrl", ControlRight: "ctrl", AltLeft: "alt", AltRight: "alt",
};

/**
 * Turns a stream of key events into set-2 bytes as the keyboard does, remembering which modifiers are held so
 * that Print Screen and Pause send their Alt/Ctrl/Shift forms (scancodesWithModifiers). A key released gets the
 * break of the form it was pressed with, even if the modifiers changed in between (the keyboard does the same).
 */
export class ScancodeEncoder {
  private readonly heldModifiers = new Set<string>();
  private readonly pressedForm = new Map<string, number[] | undefined>();
  /** The bytes for a key event, or undefined for an unknown code. */
  bytes(code: string, down: boolean): number[] | undefined {
    code = ALIASES[code] ?? code;
    const mod = MODIFIER_OF[code];
    if (mod) { if (down) this.heldModifiers.add(code); else this.heldModifiers.delete(code); }
    const mods = { shift: false, ctrl: false, alt: false };
    for (const m of this.heldModifiers) mods[MODIFIER_OF[m]] = true;
    if (code !== "PrintScreen" && code !== "Pause") return scancodes(code, down);
    if (down) {
      const form = scancodesWithModifiers(code, false, mods);
      this.pressedForm.set(code, form);
      return scancodesWithModifiers(code, true, mods);
    }
    const form = this.pressedForm.get(code);
    this.pressedForm.delete(code);
    return form ? [...form] : scancodesWithModifiers(code, false, mods);
  }
  /** Forget held modifiers (after a machine reset). */
  reset(): void { this.heldModifiers.clear(); this.pressedForm.clear(); }
}

/** A key press or release; `arrivedMs`: when a live key event reached the machine (host wall clock, ms). */
export interface KeyEvent { code: string; down: boolean; arrivedMs?: number }

/** US layout: characters typed without Shift, and the key that types each shifted character. */
const PLAIN: Record<string, string> = {
  "`": "Backquote", "-": "Minus", "=": "Equal", "[": "BracketLeft", "]": "BracketRight", "\\": "Backslash",
  ";": "Semicolon", "'": "Quote", ",": "Comma", ".": "Period", "/": "Slash", " ": "Space", "\n": "Enter", "\t": "Tab",
};
const SHIFTED: Record<string, string> = {
  "~": "Backquote", "!": "Digit1", "@": "Digit2", "#": "Digit3", "$": "Digit4", "%": "Digit5", "^": "Digit6",
  "&": "Digit7", "*": "Digit8", "(": "Digit9", ")": "Digit0", "_": "Minus", "+": "Equal", "{": "BracketLeft",
  "}": "BracketRight", "|": "Backslash", ":": "Semicolon", "\"": "Quote", "<": "Comma", ">": "Period", "?": "Slash",
};

/** The key for one character on a US keyboard, and whether Shift is needed; undefined if it cannot be typed. */
export function keyForChar(ch: string): { code: string; shift: boolean } | undefined {
  if (ch >= "a" && ch <= "z") return { code: `Key${ch.toUpperCase()}`, shift: false };
  if (ch >= "A" && ch <= "Z") return { code: `Key${ch}`, shift: true };
  if (ch >= "0" && ch <= "9") return { code: `Digit${ch}`, shift: false };
  if (ch === "\r") return { code: "Enter", shift: false };
  if (PLAIN[ch]) return { code: PLAIN[ch], shift: false };
  if (SHIFTED[ch]) return { code: SHIFTED[ch], shift: true };
  return undefined;
}

/**
 * Key presses that type `text` (ASCII, US layout): each character is a press and a release of its key, inside
 * ShiftLeft press/release when it needs Shift ("\n" and "\r" are Enter; "\r\n" is one Enter). Characters that
 * cannot be typed are skipped and listed in `untypable` with their positions.
 */
export function textToKeys(text: string): { events: KeyEvent[]; untypable: { index: number; char: string }[] } {
  const events: KeyEvent[] = [];
  const untypable: { index: number; char: string }[] = [];
  let shifted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\r" && text[i + 1] === "\n") continue;
    const k = keyForChar(ch);
    if (!k) { untypable.push({ index: i, char: ch }); continue; }
    if (k.shift !== shifted) { events.push({ code: "ShiftLeft", down: k.shift }); shifted = k.shift; }
    events.push({ code: k.code, down: true }, { code: k.code, down: false });
  }
  if (shifted) events.push({ code: "ShiftLeft", down: false });
  return { events, untypable };
}

/** The set-2 bytes of a list of key events, in order. */
export function keysToScancodes(events: readonly KeyEvent[]): number[] {
  const out: number[] = [];
  for (const e of events) {
    const b = scancodes(e.code, e.down);
    if (!b) throw new Error(`unknown key code ${e.code}`);
    out.push(...b);
  }
  return out;
}
