// Messages to the user: one line each, errors stay until dismissed, the same text is never shown twice at once.
export type Level = "info" | "warning" | "error";

export class Messages {
  private readonly shown: { level: Level; text: string }[] = [];
  constructor(private readonly box: HTMLElement) {}

  show(level: Level, text: string): void {
    this.shown.push({ level, text });
    for (const el of Array.from(this.box.children)) if ((el as HTMLElement).dataset.text === text) return;
    const el = document.createElement("div");
    el.className = `msg ${level}`;
    el.dataset.text = text;
    el.dataset.level = level;
    el.setAttribute("role", level === "error" ? "alert" : "status");
    const span = document.createElement("span");
    span.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => el.remove());
    el.append(span, close);
    this.box.append(el);
    if (level === "info") setTimeout(() => el.remove(), 12_000);
    while (this.box.children.length > 6) this.box.firstElementChild?.remove();
  }

  /** Everything shown since the page opened (tests). */
  all(): { level: Level; text: string }[] { return [...this.shown]; }
}
