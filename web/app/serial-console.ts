// COM1 in xterm.js: the guest's bytes are written to the terminal, what the user types or pastes goes to the
// guest (UTF-8). The terminal follows its box's size; copying works on the selection (Ctrl+Shift+C / the
// browser's copy), pasting through xterm's own paste handling (bracketed paste when the guest asks for it).
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";

export class SerialConsole {
  readonly term: Terminal;
  private readonly encoder = new TextEncoder();
  private measure: HTMLSpanElement;

  constructor(private readonly box: HTMLElement, onInput: (bytes: Uint8Array) => void) {
    this.term = new Terminal({
      convertEol: false, cursorBlink: true, scrollback: 5000, fontSize: 14,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace", allowProposedApi: false,
      theme: { background: "#000000" },
    });
    this.term.open(box);
    this.term.onData((s) => onInput(this.encoder.encode(s)));
    // Ctrl+Shift+C copies the selection (Ctrl+C goes to the guest as in any terminal)
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type === "keydown" && e.ctrlKey && e.shiftKey && e.code === "KeyC") {
        const sel = this.term.getSelection();
        if (sel) void navigator.clipboard?.writeText(sel).catch(() => {});
        return false;
      }
      return true;
    });
    this.measure = document.createElement("span");
    this.measure.textContent = "W".repeat(10);
    this.measure.style.cssText = "position:absolute;visibility:hidden;white-space:pre;font-size:14px;font-family:ui-monospace, 'DejaVu Sans Mono', monospace";
    document.body.appendChild(this.measure);
    new ResizeObserver(() => this.fit()).observe(box);
    this.fit();
  }

  write(bytes: Uint8Array): void { this.term.write(bytes); }

  /** Fit the terminal's columns and rows to its box. */
  fit(): void {
    const r = this.measure.getBoundingClientRect();
    const cw = r.width / 10 || 8.4, ch = Math.ceil(r.height * 1.0) || 17;
    const cols = Math.max(20, Math.floor((this.box.clientWidth - 18) / cw));
    const rows = Math.max(5, Math.floor((this.box.clientHeight - 8) / ch));
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
  }

  /** The terminal's text (tests, "copy all"). */
  text(): string {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(b.getLine(i)?.translateToString(true) ?? "");
    return out.join("\n").replace(/\n+$/, "");
  }
}
