// Helpers for driving the app in a page: wait for conditions on the page's `webpc` hook (web/app/main.ts), with
// generous limits (a slow host only makes a test take longer; speed is measured by `npm run bench:web`).
import type { Page } from "playwright-core";

export const BOOT_LIMIT_MS = 300_000;

/** Poll `fn` in the page until it returns truthy; on timeout the error shows `describe()`'s view of the page. */
export async function waitInPage<T>(page: Page, what: string, fn: () => T, limitMs = BOOT_LIMIT_MS): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await page.evaluate(fn);
    if (v) return v;
    if (Date.now() - t0 > limitMs) throw new Error(`timed out waiting for ${what}; page: ${await describe(page)}`);
    await page.waitForTimeout(250);
  }
}

/** What the page shows, for failure messages. */
export async function describe(page: Page): Promise<string> {
  return page.evaluate(() => {
    const w = (globalThis as any).webpc;
    if (!w) return "(no webpc hook: the app did not load)";
    return JSON.stringify({ state: w.state, booted: w.booted, messages: w.messages(), serialTail: w.serialText().slice(-600), screenTail: w.screenText().slice(-600) });
  });
}

export const webpc = (page: Page) => ({
  booted: () => waitInPage(page, "the guest's ready banner", () => (globalThis as any).webpc.booted),
  serialHas: (text: string, limitMs?: number) => waitInPage(page, `serial output "${text}"`, new Function(`return (globalThis.webpc.serialText().includes(${JSON.stringify(text)}))`) as () => boolean, limitMs),
  screenHas: (text: string, limitMs?: number) => waitInPage(page, `screen text "${text}"`, new Function(`return (globalThis.webpc.screenText().includes(${JSON.stringify(text)}))`) as () => boolean, limitMs),
  messageHas: (re: RegExp, limitMs = 30_000) => waitInPage(page, `a message matching ${re}`, new Function(`return globalThis.webpc.messages().some(m => ${re.toString()}.test(m.text))`) as () => boolean, limitMs),
  messages: () => page.evaluate(() => (globalThis as any).webpc.messages() as { level: string; text: string }[]),
  serialText: () => page.evaluate(() => (globalThis as any).webpc.serialText() as string),
  screenText: () => page.evaluate(() => (globalThis as any).webpc.screenText() as string),
});
