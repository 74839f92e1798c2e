// The teaching panel (issue 8, "Teaching"): registers, flags, the code around EIP, a memory view, and
// Pause / Step / Step N / Continue. It talks to the machine only through a TeachingBackend (the page implements it
// over the worker's messages; the worker answers with web/machine/debugger.ts), and it asks for state only while
// it is visible: after each action when paused, at 4 Hz while the machine runs. Formatting is in
// teaching-format.ts (pure, tested in Node); this file only builds and updates the DOM.
//
// Keyboard (while focus is inside the panel): F8 pause, F10 step one instruction, F9 continue.
// Stable data-testid hooks for the end-to-end tests: tp-pause, tp-step, tp-step-count, tp-step-n, tp-continue,
// tp-hold, tp-status, tp-message, tp-eip (text = EIP in hex, 8 digits), tp-regs, tp-flags, tp-segs, tp-disasm
// (one row per instruction with data-addr = linear address in hex ("" when unknown), data-eip = EIP in hex,
// data-length = bytes, data-current on the instruction at CS:EIP, data-executed on traced earlier ones),
// tp-mem-addr, tp-mem-space, tp-mem-go, tp-memory.
import type { AddressSpace, CpuView, MemoryRead, StepOptions, StepResult, TeachingView } from "../machine/debug-view.ts";
import { registerRows, flagItems, segmentRows, statusText, hexDumpRows, resolveAddress, parseStepCount, hex32 } from "./teaching-format.ts";

/** What the panel needs from the machine (the page implements it over the worker's messages). */
export interface TeachingBackend {
  /** Stop running the guest (the worker stops calling runSlice and calls PC.pause()). */
  pause(): Promise<void>;
  /** Run the guest again. */
  resume(): Promise<void>;
  /** Execute `count` instructions while paused (PC.step). */
  step(count: number, options: StepOptions): Promise<StepResult>;
  /** The machine now (debugger.ts teachingView(core, running)). */
  view(): Promise<TeachingView>;
  /** Guest memory (debugger.ts readMemory). */
  memory(address: number, length: number, space: AddressSpace): Promise<MemoryRead>;
  /** The panel is shown (true) or hidden (false): keep the core's instruction trace on while shown
   *  (core.exports.setTrace), so the disassembly can show the instructions executed before EIP. Optional. */
  setTracing?(on: boolean): Promise<void>;
}

const RUNNING_POLL_MS = 250; // 4 Hz while the guest runs
const PAUSED_POLL_MS = 1000; // notice a pause or step made elsewhere (the page's own toolbar)
const MEMORY_BYTES = 256;

type Attrs = Record<string, string | boolean | undefined>;
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === "class") e.className = String(v);
    else if (k === "text") e.textContent = String(v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children);
  return e;
}

export class TeachingPanel {
  private readonly root: HTMLElement;
  private readonly buttons: { pause: HTMLButtonElement; step: HTMLButtonElement; stepN: HTMLButtonElement; cont: HTMLButtonElement };
  private readonly stepCount: HTMLInputElement;
  private readonly hold: HTMLInputElement;
  private readonly status: HTMLElement;
  private readonly message: HTMLElement;
  private readonly regs: HTMLTableSectionElement;
  private readonly flags: HTMLElement;
  private readonly segs: HTMLTableSectionElement;
  private readonly disasm: HTMLOListElement;
  private readonly memAddr: HTMLInputElement;
  private readonly memSpace: HTMLSelectElement;
  private readonly memory: HTMLElement;
  private readonly memError: HTMLElement;

  /** The view shown, and the one before the CPU last changed (for highlighting what a step changed). */
  private shown: TeachingView | null = null;
  private before: CpuView | undefined;
  private busy = false;
  private fetching = false;
  private lastFetch = -Infinity;
  private timer: ReturnType<typeof setInterval> | null = null;
  private visible = false;
  private forcedHidden = false;

  constructor(container: HTMLElement, private readonly backend: TeachingBackend) {
    const b = (testid: string, label: string, key: string, title: string) =>
      el("button", { type: "button", "data-testid": testid, "aria-keyshortcuts": key, title: `${title} (${key})` }, label);
    this.buttons = {
      pause: b("tp-pause", "Pause", "F8", "Stop the guest here"),
      step: b("tp-step", "Step", "F10", "Execute one instruction"),
      stepN: el("button", { type: "button", "data-testid": "tp-step-n", title: "Execute this many instructions" }, "Step N"),
      cont: b("tp-continue", "Continue", "F9", "Run the guest again"),
    };
    this.stepCount = el("input", { type: "number", min: "1", max: "100000", value: "10", "data-testid": "tp-step-count", id: "tp-step-count", class: "tp-count" });
    this.hold = el("input", { type: "checkbox", checked: true, "data-testid": "tp-hold", id: "tp-hold" });
    this.status = el("p", { class: "tp-status", "data-testid": "tp-status", "aria-live": "polite" });
    this.message = el("p", { class: "tp-message", "data-testid": "tp-message", "aria-live": "polite" });
    this.regs = el("tbody");
    this.flags = el("ul", { class: "tp-flags", "data-testid": "tp-flags", "aria-label": "Flags (read-only)" });
    this.segs = el("tbody");
    this.disasm = el("ol", { class: "tp-disasm", "data-testid": "tp-disasm", "aria-label": "Disassembly around EIP" });
    this.memAddr = el("input", { type: "text", value: "eip", spellcheck: "false", "data-testid": "tp-mem-addr", id: "tp-mem-addr", class: "tp-addr" });
    this.memSpace = el("select", { "data-testid": "tp-mem-space", "aria-label": "Address space" },
      el("option", { value: "linear" }, "linear"), el("option", { value: "physical" }, "physical"));
    this.memory = el("div", { class: "tp-memory", "data-testid": "tp-memory", role: "table", "aria-label": "Memory" });
    this.memError = el("p", { class: "tp-error", "aria-live": "polite" });

    const memForm = el("form", { class: "tp-memform" },
      el("label", { for: "tp-mem-addr" }, "Address "), this.memAddr, " ", this.memSpace, " ",
      el("button", { type: "submit", "data-testid": "tp-mem-go" }, "Show"));
    memForm.addEventListener("submit", (e) => { e.preventDefault(); void this.refreshMemory(); });

    this.root = el("section", { class: "tp", "aria-label": "CPU teaching panel", tabindex: "-1" },
      el("div", { class: "tp-toolbar", role: "toolbar", "aria-label": "Execution" },
        this.buttons.pause, this.buttons.step, this.buttons.cont,
        el("span", { class: "tp-stepn" }, el("label", { for: "tp-step-count" }, "Step "), this.stepCount, " ", this.buttons.stepN),
        el("span", { class: "tp-holdbox" }, this.hold, el("label", { for: "tp-hold", title: "While stepping, external interrupts (timer, keyboard, disks) wait; they are taken after Continue. Unchecked, a pending interrupt is taken before the next instruction, which is then the handler's first." }, " Hold interrupts while stepping"))),
      this.status, this.message,
      el("div", { class: "tp-columns" },
        el("div", { class: "tp-col" },
          el("h3", {}, "Registers"),
          el("table", { class: "tp-regs", "data-testid": "tp-regs" }, el("caption", { class: "tp-sr" }, "Registers (changed values highlighted)"), this.regs),
          el("h3", {}, "Flags"), this.flags,
          el("h3", {}, "Segments"),
          el("table", { class: "tp-segs", "data-testid": "tp-segs" },
            el("thead", {}, el("tr", {}, ...["reg", "selector", "base", "limit", "access"].map((h) => el("th", { scope: "col" }, h)))), this.segs)),
        el("div", { class: "tp-col tp-codecol" },
          el("h3", {}, "Code"), this.disasm)),
      el("h3", {}, "Memory"), memForm, this.memError, this.memory,
      el("p", { class: "tp-keys" }, "Keys: F8 pause · F10 step · F9 continue (with focus in this panel)."));
    container.append(this.root);

    this.buttons.pause.addEventListener("click", () => void this.act(async () => { await this.backend.pause(); this.say("Paused."); }));
    this.buttons.cont.addEventListener("click", () => void this.act(async () => { await this.backend.resume(); this.say("Running."); }));
    this.buttons.step.addEventListener("click", () => void this.doStep(1));
    this.buttons.stepN.addEventListener("click", () => {
      const n = parseStepCount(this.stepCount.value);
      if (!n.ok) { this.say(n.error, true); return; }
      void this.doStep(n.count);
    });
    this.root.addEventListener("keydown", (e) => this.onKey(e));
    if (typeof document !== "undefined") document.addEventListener("visibilitychange", this.onVisibility);
    this.timer = setInterval(() => this.tick(), RUNNING_POLL_MS);
    this.updateButtons();
    this.tick();
  }

  /** Tell the panel whether it is shown (the page's tab or drawer); it also checks the document and layout itself. */
  setVisible(visible: boolean): void { this.forcedHidden = !visible; this.tick(); }

  /** Fetch and show the machine state now (e.g. after the page paused the machine by itself). */
  async refresh(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    this.lastFetch = Date.now();
    try {
      const v = await this.backend.view();
      this.show(v);
      await this.refreshMemory();
    } catch (e) {
      this.say(`Could not read the machine state: ${(e as Error).message}`, true);
    } finally {
      this.fetching = false;
    }
  }

  /** Stop polling and remove the panel (tracing is switched off). */
  destroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (typeof document !== "undefined") document.removeEventListener("visibilitychange", this.onVisibility);
    if (this.visible) void this.backend.setTracing?.(false);
    this.root.remove();
  }

  // ---- actions -------------------------------------------------------------------------------------------------

  private async act(f: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.updateButtons();
    try { await f(); }
    catch (e) { this.say(`${(e as Error).message}`, true); }
    finally {
      this.busy = false;
      await this.refresh();
      this.updateButtons();
    }
  }

  private doStep(count: number): Promise<void> {
    return this.act(async () => {
      const r = await this.backend.step(count, { holdInterrupts: this.hold.checked });
      this.say(r.message, r.stop !== "done" || r.events.length > 0);
    });
  }

  private onKey(e: KeyboardEvent): void {
    const running = this.shown?.running ?? false;
    if (e.key === "F10" && !running) { e.preventDefault(); void this.doStep(1); }
    else if (e.key === "F9" && !running) { e.preventDefault(); this.buttons.cont.click(); }
    else if (e.key === "F8" && running) { e.preventDefault(); this.buttons.pause.click(); }
  }

  private readonly onVisibility = () => this.tick();

  // ---- polling ---------------------------------------------------------------------------------------------------

  private isVisible(): boolean {
    if (this.forcedHidden || !this.root.isConnected) return false;
    if (typeof document !== "undefined" && document.visibilityState === "hidden") return false;
    return this.root.getClientRects().length > 0; // display: none anywhere above gives no boxes
  }

  private tick(): void {
    const visible = this.isVisible();
    if (visible !== this.visible) {
      this.visible = visible;
      void this.backend.setTracing?.(visible)?.catch(() => { /* the view says whether tracing is on */ });
    }
    if (!visible || this.busy || this.fetching) return;
    const interval = this.shown?.running === false ? PAUSED_POLL_MS : RUNNING_POLL_MS;
    if (Date.now() - this.lastFetch >= interval - 5) void this.refresh();
  }

  // ---- rendering -------------------------------------------------------------------------------------------------

  private say(text: string, important = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("tp-important", important);
  }

  private updateButtons(): void {
    const running = this.shown?.running;
    const known = running !== undefined;
    this.buttons.pause.disabled = this.busy || !known || !running;
    for (const btn of [this.buttons.step, this.buttons.stepN, this.buttons.cont]) btn.disabled = this.busy || !known || running === true;
  }

  private show(v: TeachingView): void {
    const prevShown = this.shown?.cpu;
    // remember the state before the CPU last moved, so highlights survive polls that see no change
    if (prevShown && (prevShown.instructions !== v.cpu.instructions || prevShown.eip !== v.cpu.eip)) this.before = prevShown;
    this.shown = v;
    const cpu = v.cpu, prev = this.before;
    this.status.textContent = statusText(cpu, v.running);
    this.root.dataset.running = String(v.running);

    this.regs.replaceChildren(...registerRows(cpu, prev).map((r) => el("tr", { class: r.changed ? "tp-changed" : undefined, title: r.title },
      el("th", { scope: "row" }, r.name),
      el("td", { class: "tp-mono", "data-testid": r.name === "eip" ? "tp-eip" : undefined, "data-reg": r.name }, r.value))));

    this.flags.replaceChildren(...flagItems(cpu, prev).map((f) => el("li", {
      class: `tp-flag${f.on ? " tp-on" : ""}${f.changed ? " tp-changed" : ""}`, title: f.title, "data-flag": f.name,
      "data-on": f.on ? "1" : "0", "aria-label": `${f.title}: ${f.value}`,
    }, f.name === "IOPL" ? `IOPL ${f.value}` : f.name)));

    this.segs.replaceChildren(...segmentRows(cpu, prev).map((s) => el("tr", { class: s.changed ? "tp-changed" : undefined },
      el("th", { scope: "row" }, s.name), el("td", { class: "tp-mono" }, s.sel), el("td", { class: "tp-mono" }, s.base),
      el("td", { class: "tp-mono" }, s.limit), el("td", { class: "tp-mono" }, s.access))));

    const rows = v.disasm.map((l) => el("li", {
      class: `tp-line${l.current ? " tp-current" : ""}${l.executed ? " tp-executed" : ""}${l.unreadable ? " tp-unreadable" : ""}`,
      "data-addr": l.linear === null ? "" : hex32(l.linear), "data-eip": hex32(l.eip), "data-length": String(l.length),
      "data-current": l.current ? "" : undefined, "data-executed": l.executed ? "" : undefined,
      "aria-current": l.current ? "step" : undefined,
    }, el("span", { class: "tp-where" }, l.where), el("span", { class: "tp-bytes" }, l.bytes), el("span", { class: "tp-text" }, l.text)));
    if (!v.tracing && !v.running) rows.unshift(el("li", { class: "tp-note" }, "(instruction trace off: earlier instructions not shown)"));
    this.disasm.replaceChildren(...rows);
    this.disasm.querySelector(".tp-current")?.scrollIntoView?.({ block: "nearest" });
    this.updateButtons();
  }

  private async refreshMemory(): Promise<void> {
    const cpu = this.shown?.cpu;
    if (!cpu) return;
    const space = this.memSpace.value as AddressSpace;
    const a = resolveAddress(this.memAddr.value, cpu, space);
    if (!a.ok) { this.memError.textContent = a.error; return; }
    this.memError.textContent = "";
    try {
      const start = (a.address & ~0xF) >>> 0;
      const m = await this.backend.memory(start, MEMORY_BYTES, space);
      const target = a.address - start; // the byte the address box names is outlined
      this.memory.replaceChildren(...hexDumpRows(m).map((r, row) => el("div", { class: "tp-memrow", role: "row" },
        el("span", { class: "tp-memaddr", role: "rowheader" }, r.address),
        el("span", { class: "tp-memhex", role: "cell" }, ...r.cells.map((c, i) => el("span", {
          class: [r.why[i] ? "tp-unreadable" : "", row * 16 + i === target ? "tp-target" : ""].join(" ").trim() || undefined,
          title: r.why[i] ?? undefined,
        }, c))),
        el("span", { class: "tp-memascii", role: "cell" }, r.ascii))));
    } catch (e) {
      this.memError.textContent = `Could not read memory at ${hex32(a.address)}: ${(e as Error).message}`;
    }
  }
}
