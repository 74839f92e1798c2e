// Keyboard and mouse from the page to the machine. The pure parts (KeyTracker, combos, paste, MouseAccumulator)
// are tested in Node; attachKeyboard/attachMouse are the thin DOM glue. Keys travel as KeyboardEvent.code names
// (UI Events "KeyboardEvent code values", W3C) and become PS/2 set-2 bytes in web/machine/keyboard.ts.
//
// Choices, and why:
// - Auto-repeat: the host's repeat keydowns (event.repeat, or a keydown for a key already down) are dropped. The
//   emulated PS/2 keyboard repeats the held key itself at the typematic delay and rate the guest programmed
//   (assembly/devices/ps2keyboard.ts), as a real keyboard does; passing the host's repeats as well would double
//   the rate and ignore the guest's setting.
// - No stuck keys: every key the guest saw go down gets its release when the page loses the keys (the screen
//   loses focus, the window blurs, the tab is hidden, pointer lock ends). A keyup for a key the guest never saw
//   go down (pressed before the screen had focus) is dropped, so the guest never sees a lone break code.
// - F11 and F12 stay with the browser by default (fullscreen, developer tools): a guest needing them gets them
//   from the on-screen keyboard. Every other known key pressed on the focused screen goes to the guest only
//   (preventDefault), so Tab, Backspace, F5, Ctrl+F... act in the guest. Shortcuts the browser reserves
//   (Ctrl+W, Ctrl+T, Alt+F4, the Windows key) cannot be caught by a page: use the combo buttons.
// - Print Screen: Windows browsers send only its keyup; a keyup for an unseen Print Screen is a press and release.
// - Caps Lock on macOS: the browser sends keydown when the lock turns on and keyup when it turns off, so with
//   `capsLockToggles` each of those events is a whole press and release (one toggle in the guest).
// - Keys the guest cannot have (unknown codes, IME composition, virtual keyboards that send code "") are left to
//   the browser.
// - Mouse: pointer lock on a click on the screen (that click only captures; it is not sent). Movement is
//   movementX/Y (dy is negated: the machine's mouseInput takes dy > 0 = up), the wheel is whole notches (dz > 0 =
//   towards the user, as WheelEvent.deltaY > 0), buttons are MouseEvent.buttons' left/right/middle bits (the same
//   bits the machine takes). Losing the lock releases every button.
import { scancodes, textToKeys, type KeyEvent } from "../machine/keyboard.ts";

export type { KeyEvent };

/** Where input goes (the worker's PC: keyDown/keyUp and mouseInput). */
export interface InputSink {
  key(code: string, down: boolean): void;
  /** dx right-positive, dy up-positive, dz > 0 towards the user; buttons bit 0 left, 1 right, 2 middle. */
  mouse(dx: number, dy: number, dz: number, buttons: number): void;
}

/** A code the machine's keyboard has (aliases such as OSLeft included). */
export function isGuestKey(code: string): boolean { return code !== "" && scancodes(code, true) !== undefined; }

/** Keys left to the browser by default (see the choices above). */
export const BROWSER_KEYS: readonly string[] = ["F11", "F12"];

// ---- keys held ------------------------------------------------------------------------------------------------
/** Which keys the guest has seen go down, so that repeats are dropped and every held key can be released. */
export class KeyTracker {
  private readonly down_ = new Set<string>();
  constructor(private readonly opts: { capsLockToggles?: boolean } = {}) {}

  /** The events for a host keydown: [] for an unknown key or a repeat of a held key. */
  down(code: string, repeat = false): KeyEvent[] {
    if (!isGuestKey(code)) return [];
    if (code === "CapsLock" && this.opts.capsLockToggles) return tap(code);
    if (repeat || this.down_.has(code)) return [];
    this.down_.add(code);
    return [{ code, down: true }];
  }

  /** The events for a host keyup: [] for a key the guest did not see go down. */
  up(code: string): KeyEvent[] {
    if (!isGuestKey(code)) return [];
    if (code === "CapsLock" && this.opts.capsLockToggles) return tap(code);
    if (!this.down_.delete(code)) return code === "PrintScreen" ? tap(code) : [];
    return [{ code, down: false }];
  }

  /** Releases for every held key, the last pressed first; afterwards nothing is held. */
  releaseAll(): KeyEvent[] {
    const out = [...this.down_].reverse().map((code) => ({ code, down: false }));
    this.down_.clear();
    return out;
  }

  get held(): string[] { return [...this.down_]; }
}

const tap = (code: string): KeyEvent[] => [{ code, down: true }, { code, down: false }];

// ---- combos ---------------------------------------------------------------------------------------------------
/** Press `codes` in order, then release them in reverse order (a chord, as a person presses it). */
export function chordEvents(codes: readonly string[]): KeyEvent[] {
  for (const c of codes) if (!isGuestKey(c)) throw new Error(`chord: unknown key code "${c}"`);
  return [...codes.map((code) => ({ code, down: true })), ...[...codes].reverse().map((code) => ({ code, down: false }))];
}

/** The combos the toolbar offers: keys the browser or the host OS would otherwise take. */
export const COMBOS: readonly { id: string; label: string; keys: readonly string[] }[] = [
  { id: "ctrl-alt-del", label: "Ctrl+Alt+Del", keys: ["ControlLeft", "AltLeft", "Delete"] },
  { id: "alt-tab", label: "Alt+Tab", keys: ["AltLeft", "Tab"] },
  ...[1, 2, 3, 4, 5, 6].map((n) => ({ id: `ctrl-alt-f${n}`, label: `Ctrl+Alt+F${n}`, keys: ["ControlLeft", "AltLeft", `F${n}`] })),
  { id: "print-screen", label: "PrintScreen", keys: ["PrintScreen"] },
  // with Alt held the keyboard sends SysRq (84h) for Print Screen (web/machine/keyboard.ts ScancodeEncoder)
  { id: "alt-sysrq", label: "Alt+SysRq", keys: ["AltLeft", "PrintScreen"] },
];

/** The key events of a combo by id (COMBOS), or undefined for an unknown id. */
export function comboEvents(id: string): KeyEvent[] | undefined {
  const c = COMBOS.find((x) => x.id === id);
  return c ? chordEvents(c.keys) : undefined;
}

// ---- paste ----------------------------------------------------------------------------------------------------
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  // invisible characters by their code point
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || /\s/u.test(ch) || /\p{Cf}/u.test(ch)) return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return ch;
}

export interface PastePlan {
  /** The text that will be typed (the characters a US keyboard can type; line breaks as "\n"). */
  text: string;
  events: KeyEvent[];
  /** How many characters were left out, and which (each once, in order of appearance). */
  skipped: number;
  skippedChars: string[];
  /** For the user, when something was left out: "3 characters could not be typed: é ü €". */
  note?: string;
}

/**
 * Pasted text as key presses on a US keyboard (web/machine/keyboard.ts textToKeys): "\r\n" and "\r" are Enter,
 * characters a US keyboard cannot type are left out and listed in `note`. A character is a Unicode code point
 * (an emoji counts once). Release the held keys first (KeyTracker.releaseAll), or held modifiers change what the
 * guest sees; the worker must pace the events (the keyboard buffers 16 bytes), e.g. with PC.typeText(plan.text).
 */
export function planPaste(text: string, maxListed = 12): PastePlan {
  const normalised = text.replace(/\r\n?/g, "\n");
  let typable = "";
  let skipped = 0;
  const skippedChars: string[] = [];
  for (const ch of normalised) {
    if (ch.length === 1 && textToKeys(ch).untypable.length === 0) { typable += ch; continue; }
    skipped++;
    if (!skippedChars.includes(ch)) skippedChars.push(ch);
  }
  const plan: PastePlan = { text: typable, events: textToKeys(typable).events, skipped, skippedChars };
  if (skipped) {
    const listed = skippedChars.slice(0, maxListed).map(describeChar).join(" ");
    const more = skippedChars.length > maxListed ? ` and ${skippedChars.length - maxListed} more` : "";
    plan.note = `${skipped} character${skipped === 1 ? "" : "s"} could not be typed (the guest has a US keyboard): ${listed}${more}`;
  }
  return plan;
}

// ---- mouse ----------------------------------------------------------------------------------------------------
/** WheelEvent.deltaMode values. */
export const DOM_DELTA_PIXEL = 0, DOM_DELTA_LINE = 1, DOM_DELTA_PAGE = 2;
/** One wheel notch: Chromium and Firefox scroll about 100 CSS px or 3 lines per notch. */
const PIXELS_PER_NOTCH = 100, LINES_PER_NOTCH = 3;

/** Turns host movement (fractional CSS pixels, touchpad scroll deltas) into the whole units a PS/2 mouse sends. */
export class MouseAccumulator {
  private fx = 0; private fy = 0; private fz = 0;
  /** Pointer-lock movement (movementX right, movementY down) -> whole (dx right, dy up); fractions carry over. */
  move(movementX: number, movementY: number): { dx: number; dy: number } {
    if (!Number.isFinite(movementX) || !Number.isFinite(movementY)) return { dx: 0, dy: 0 };
    this.fx += movementX; this.fy -= movementY;
    const dx = Math.trunc(this.fx), dy = Math.trunc(this.fy);
    this.fx -= dx; this.fy -= dy;
    return { dx, dy };
  }
  /** A wheel event -> whole notches (> 0 towards the user); small touchpad deltas add up to a notch. */
  wheel(deltaY: number, deltaMode: number): number {
    if (!Number.isFinite(deltaY)) return 0;
    this.fz += deltaMode === DOM_DELTA_PAGE ? deltaY : deltaMode === DOM_DELTA_LINE ? deltaY / LINES_PER_NOTCH : deltaY / PIXELS_PER_NOTCH;
    const dz = Math.trunc(this.fz);
    this.fz -= dz;
    return Math.max(-8, Math.min(8, dz)); // a fling is not a hundred notches at once
  }
  reset(): void { this.fx = this.fy = this.fz = 0; }
}

/** MouseEvent.buttons (1 primary, 2 secondary, 4 auxiliary) -> the machine's bits (0 left, 1 right, 2 middle). */
export function guestButtons(domButtons: number): number { return domButtons & 7; }

// ---- DOM glue -------------------------------------------------------------------------------------------------
/** macOS sends Caps Lock as lock on/off events (see the choices above). */
function isMac(): boolean {
  const nav = typeof navigator === "undefined" ? undefined : navigator as Navigator & { userAgentData?: { platform?: string } };
  const p = nav?.userAgentData?.platform ?? nav?.platform ?? "";
  return /mac/i.test(p);
}

export interface KeyboardAttachment { tracker: KeyTracker; releaseAll(): void; detach(): void }

/**
 * Sends the keys pressed while `target` has focus to `sink` (the screen; it is made focusable). Keys in
 * `browserKeys` (default BROWSER_KEYS) stay with the browser.
 */
export function attachKeyboard(target: HTMLElement, sink: InputSink, opts: { browserKeys?: readonly string[]; capsLockToggles?: boolean } = {}): KeyboardAttachment {
  const tracker = new KeyTracker({ capsLockToggles: opts.capsLockToggles ?? isMac() });
  const browserKeys = new Set(opts.browserKeys ?? BROWSER_KEYS);
  if (target.tabIndex < 0) target.tabIndex = 0;
  const send = (events: KeyEvent[]) => { for (const e of events) sink.key(e.code, e.down); };
  const forGuest = (e: KeyboardEvent) => !e.isComposing && isGuestKey(e.code) && !browserKeys.has(e.code);
  const onDown = (e: KeyboardEvent) => {
    if (!forGuest(e)) return;
    e.preventDefault();
    send(tracker.down(e.code, e.repeat));
  };
  const onUp = (e: KeyboardEvent) => {
    if (!forGuest(e)) return;
    e.preventDefault();
    send(tracker.up(e.code));
  };
  const releaseAll = () => send(tracker.releaseAll());
  const onVisibility = () => { if (document.visibilityState === "hidden") releaseAll(); };
  const onLock = () => { if (document.pointerLockElement === null) releaseAll(); };
  const unlisten = listenAll([
    [target, "keydown", onDown as EventListener], [target, "keyup", onUp as EventListener], [target, "blur", releaseAll],
    [window, "blur", releaseAll], [document, "visibilitychange", onVisibility], [document, "pointerlockchange", onLock],
  ]);
  return {
    tracker, releaseAll,
    detach() { releaseAll(); unlisten(); },
  };
}

/** Add event listeners; the function returned removes them all. */
function listenAll(list: [EventTarget, string, EventListener, AddEventListenerOptions?][]): () => void {
  for (const [t, type, f, o] of list) t.addEventListener(type, f, o);
  return () => { for (const [t, type, f] of list) t.removeEventListener(type, f); };
}

export interface MouseAttachment { isLocked(): boolean; release(): void; detach(): void }

/**
 * The mouse through pointer lock on `canvas`: a click captures it (Esc, the browser's key, lets it go), then
 * movement, buttons and the wheel go to `sink`. `onMessage` gets a sentence when the browser refuses the lock.
 */
export function attachMouse(canvas: HTMLElement, sink: InputSink, opts: { onLockChange?(locked: boolean): void; onMessage?(text: string): void } = {}): MouseAttachment {
  const acc = new MouseAccumulator();
  let buttons = 0;
  const locked = () => document.pointerLockElement === canvas;
  const requestLock = () => {
    try {
      const p = canvas.requestPointerLock() as unknown as Promise<void> | undefined;
      p?.catch?.(() => opts.onMessage?.("The browser did not let the machine capture the mouse (it waits a moment after Esc): click the screen again."));
    } catch {
      opts.onMessage?.("This browser cannot capture the mouse (no pointer lock): the guest gets keyboard input only.");
    }
  };
  const onClick = (e: MouseEvent) => { if (!locked()) { e.preventDefault(); requestLock(); } };
  const onMove = (e: MouseEvent) => {
    if (!locked()) return;
    const { dx, dy } = acc.move(e.movementX, e.movementY);
    buttons = guestButtons(e.buttons);
    if (dx || dy) sink.mouse(dx, dy, 0, buttons);
  };
  const onButton = (e: MouseEvent) => {
    if (!locked()) return;
    e.preventDefault();
    const b = guestButtons(e.buttons);
    if (b !== buttons) { buttons = b; sink.mouse(0, 0, 0, buttons); }
  };
  const onWheel = (e: WheelEvent) => {
    if (!locked()) return;
    e.preventDefault();
    const dz = acc.wheel(e.deltaY, e.deltaMode);
    if (dz) sink.mouse(0, 0, dz, buttons);
  };
  const onContextMenu = (e: Event) => { if (locked()) e.preventDefault(); };
  const releaseButtons = () => { if (buttons) { buttons = 0; sink.mouse(0, 0, 0, 0); } acc.reset(); };
  const onLockChange = () => {
    const now = locked();
    if (!now) releaseButtons();
    opts.onLockChange?.(now);
  };
  const unlisten = listenAll([
    [canvas, "click", onClick as EventListener], [document, "mousemove", onMove as EventListener],
    [document, "mousedown", onButton as EventListener], [document, "mouseup", onButton as EventListener],
    [document, "wheel", onWheel as EventListener, { passive: false }], [document, "contextmenu", onContextMenu],
    [document, "pointerlockchange", onLockChange],
  ]);
  return {
    isLocked: locked,
    release() { if (locked()) document.exitPointerLock(); releaseButtons(); },
    detach() { this.release(); unlisten(); },
  };
}
