// A touch-screen keyboard for the guest (US layout), shown and hidden with a toggle. It sends the same key events
// as the real keyboard (InputSink, web/app/input.ts). Shift, Ctrl, Alt and the Windows key are sticky: one tap
// latches the modifier for the next key, a second tap locks it until a third tap, so chords such as Ctrl+C or
// Ctrl+Alt+F2 need no two fingers. A key press is sent whole (modifiers down, key down, key up, modifiers up), so
// nothing stays held in the guest. Styles: web/app/on-screen-keyboard.css.
import type { InputSink, KeyEvent } from "./input.ts";

export type Modifier = "shift" | "ctrl" | "alt" | "meta";
export interface OskKey {
  code: string;
  label: string;
  /** The label while Shift is active (letters and symbols). */
  shiftLabel?: string;
  /** What a screen reader says. */
  aria: string;
  /** Width in key units (1 = a letter key). */
  width?: number;
  modifier?: Modifier;
}

const MODIFIER_CODE: Record<Modifier, string> = { shift: "ShiftLeft", ctrl: "ControlLeft", alt: "AltLeft", meta: "MetaLeft" };

const k = (code: string, label: string, aria: string, width?: number, shiftLabel?: string): OskKey =>
  ({ code, label, aria, ...(width ? { width } : {}), ...(shiftLabel ? { shiftLabel } : {}) });
const letters = (s: string) => [...s].map((c) => k(`Key${c}`, c.toLowerCase(), c, undefined, c));
const sym = (code: string, plain: string, shifted: string, aria: string) => k(code, plain, aria, undefined, shifted);
const mod = (m: Modifier, label: string, aria: string, width: number): OskKey => ({ code: MODIFIER_CODE[m], label, aria, width, modifier: m });

/** The keyboard's rows, top to bottom. */
export const OSK_ROWS: readonly (readonly OskKey[])[] = [
  [k("Escape", "Esc", "Escape"), ...Array.from({ length: 12 }, (_, i) => k(`F${i + 1}`, `F${i + 1}`, `F${i + 1}`)),
    k("PrintScreen", "PrtSc", "Print Screen"), k("Pause", "Pause", "Pause")],
  [sym("Backquote", "`", "~", "Backquote"), ..."1234567890".split("").map((d, i) => sym(`Digit${d}`, d, "!@#$%^&*()"[i], d)),
    sym("Minus", "-", "_", "Minus"), sym("Equal", "=", "+", "Equals"), k("Backspace", "⌫", "Backspace", 2)],
  [k("Tab", "Tab", "Tab", 1.5), ...letters("QWERTYUIOP"), sym("BracketLeft", "[", "{", "Left bracket"),
    sym("BracketRight", "]", "}", "Right bracket"), sym("Backslash", "\\", "|", "Backslash", )],
  [k("CapsLock", "Caps", "Caps Lock", 1.75), ...letters("ASDFGHJKL"), sym("Semicolon", ";", ":", "Semicolon"),
    sym("Quote", "'", "\"", "Quote"), k("Enter", "Enter", "Enter", 2)],
  [mod("shift", "Shift", "Shift", 2.25), ...letters("ZXCVBNM"), sym("Comma", ",", "<", "Comma"), sym("Period", ".", ">", "Period"),
    sym("Slash", "/", "?", "Slash"), k("ArrowUp", "↑", "Up arrow"), k("Delete", "Del", "Delete")],
  [mod("ctrl", "Ctrl", "Control", 1.5), mod("meta", "Win", "Windows key", 1.25), mod("alt", "Alt", "Alt", 1.25),
    k("Space", "", "Space", 5), k("Home", "Home", "Home"), k("End", "End", "End"), k("PageUp", "PgUp", "Page up"),
    k("PageDown", "PgDn", "Page down"), k("ArrowLeft", "←", "Left arrow"), k("ArrowDown", "↓", "Down arrow"), k("ArrowRight", "→", "Right arrow")],
];

export type ModifierState = "off" | "latched" | "locked";

/** The sticky modifiers and what a tap on a key sends. Pure: the DOM part only shows it. */
export class OskState {
  readonly modifiers: Record<Modifier, ModifierState> = { shift: "off", ctrl: "off", alt: "off", meta: "off" };

  /** A tap on `key`: for a modifier, the next state (off -> latched -> locked -> off) and no events; for any other
   *  key, the whole press with the active modifiers around it, after which latched modifiers turn off. */
  tap(key: OskKey): KeyEvent[] {
    if (key.modifier) {
      const m = key.modifier;
      this.modifiers[m] = this.modifiers[m] === "off" ? "latched" : this.modifiers[m] === "latched" ? "locked" : "off";
      return [];
    }
    const active = (Object.keys(this.modifiers) as Modifier[]).filter((m) => this.modifiers[m] !== "off").map((m) => MODIFIER_CODE[m]);
    const events: KeyEvent[] = [
      ...active.map((code) => ({ code, down: true })),
      { code: key.code, down: true }, { code: key.code, down: false },
      ...[...active].reverse().map((code) => ({ code, down: false })),
    ];
    for (const m of Object.keys(this.modifiers) as Modifier[]) if (this.modifiers[m] === "latched") this.modifiers[m] = "off";
    return events;
  }

  get shifted(): boolean { return this.modifiers.shift !== "off"; }
}

export interface OnScreenKeyboard { element: HTMLElement; readonly visible: boolean; show(): void; hide(): void; toggle(): boolean; destroy(): void }

/**
 * Builds the keyboard (hidden; add `element` to the page, call toggle() from a toolbar button). Taps go to `sink`.
 * Buttons do not take the focus from the screen (pointerdown is cancelled), and work from the keyboard and
 * assistive technology too (click).
 */
export function createOnScreenKeyboard(sink: InputSink, doc: Document = document): OnScreenKeyboard {
  const state = new OskState();
  const root = doc.createElement("div");
  root.className = "osk";
  root.dataset.testid = "osk";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "On-screen keyboard");
  root.hidden = true;
  const buttons: { key: OskKey; el: HTMLButtonElement }[] = [];
  for (const row of OSK_ROWS) {
    const rowEl = doc.createElement("div");
    rowEl.className = "osk-row";
    for (const key of row) {
      const el = doc.createElement("button");
      el.type = "button";
      el.className = key.modifier ? "osk-key osk-modifier" : "osk-key";
      el.dataset.code = key.code;
      el.setAttribute("aria-label", key.aria);
      if (key.modifier) el.setAttribute("aria-pressed", "false");
      el.style.setProperty("--osk-width", String(key.width ?? 1));
      el.textContent = key.label;
      el.addEventListener("pointerdown", (e) => e.preventDefault());
      el.addEventListener("click", () => {
        for (const ev of state.tap(key)) sink.key(ev.code, ev.down);
        refresh();
      });
      rowEl.append(el);
      buttons.push({ key, el });
    }
    root.append(rowEl);
  }
  function refresh(): void {
    for (const { key, el } of buttons) {
      if (key.modifier) {
        const s = state.modifiers[key.modifier];
        el.setAttribute("aria-pressed", s === "off" ? "false" : "true");
        el.dataset.state = s;
      } else if (key.shiftLabel) {
        el.textContent = state.shifted ? key.shiftLabel : key.label;
      }
    }
  }
  return {
    element: root,
    get visible() { return !root.hidden; },
    show() { root.hidden = false; },
    hide() { root.hidden = true; },
    toggle() { root.hidden = !root.hidden; return !root.hidden; },
    destroy() { root.remove(); },
  };
}
