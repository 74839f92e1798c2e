// When to type a link's text into the guest. Keys typed before the guest's shell reads its console are lost (a
// Linux VT drops input while no process has it open; BusyBox init opens tty1 only when it starts the shell), so a
// profile that names its shell prompt waits for that prompt on the console the text goes to: the VGA text screen
// for the keyboard, COM1 for the serial port. Without a prompt it types when the ready text appears; without
// either, after a delay. A prompt that never shows (the user changed the guest) still types after PROMPT_WAIT_MS.
// Pure: the page feeds it events and it calls `fire` once.

export interface TypeWhen {
  to: "keyboard" | "serial";
  /** The profile's ready text on COM1 (the guest is up). */
  afterSerial?: string;
  /** The shell prompt on the target console, looked for once the ready text was seen. */
  afterPrompt?: string;
  /** With no ready text: type this long after the machine starts. */
  afterMs?: number;
}

/** How long to wait for the prompt after the ready text before typing anyway. */
export const PROMPT_WAIT_MS = 30_000;

export class TypeTrigger {
  private fired = false;
  private booted = false;
  private serialTail = "";
  private screen = "";
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly when: TypeWhen, private readonly fire: () => void,
    private readonly schedule: (fn: () => void, ms: number) => ReturnType<typeof setTimeout> = setTimeout,
    private readonly cancel: (t: ReturnType<typeof setTimeout>) => void = clearTimeout) {}

  /** The machine is running (its firmware and images are loaded). */
  started(): void {
    if (!this.when.afterSerial) this.timer = this.schedule(() => this.go(), this.when.afterMs ?? 0);
  }

  /** The profile's ready text appeared. */
  readyTextSeen(): void {
    if (this.booted || !this.when.afterSerial) return;
    this.booted = true;
    if (!this.when.afterPrompt) { this.go(); return; }
    this.serialTail = ""; // a prompt counts only when printed after the ready text
    this.timer = this.schedule(() => this.go(), PROMPT_WAIT_MS);
    this.check();
  }

  serialOutput(text: string): void {
    if (!this.booted || this.fired) return;
    this.serialTail = (this.serialTail + text).slice(-4096);
    this.check();
  }

  screenText(text: string): void {
    this.screen = text;
    if (this.booted) this.check();
  }

  /** A new machine replaces this one: never type. */
  dispose(): void {
    this.fired = true;
    if (this.timer !== undefined) this.cancel(this.timer);
  }

  private check(): void {
    const p = this.when.afterPrompt;
    if (!p || this.fired) return;
    if ((this.when.to === "keyboard" ? this.screen : this.serialTail).includes(p)) this.go();
  }

  private go(): void {
    if (this.fired) return;
    this.fired = true;
    if (this.timer !== undefined) this.cancel(this.timer);
    this.fire();
  }
}
