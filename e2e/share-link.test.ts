// Acceptance 4 of the web app (issue 8): a share link round trip. Settings made in the page (memory, kernel
// command line, text to type once booted) start a machine whose guest sees them; "Copy link" gives a link that,
// opened in a new page, starts the same machine: the same settings in the form and the same answers from the guest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, browserSkipReason } from "./util/browser.ts";
import { serveApp, type AppServer } from "./util/server.ts";
import { webpc, waitInPage } from "./util/app.ts";
import { imagesSkipReason } from "./util/images.ts";

const skip = browserSkipReason() ?? imagesSkipReason();
let browser: Browser, app: AppServer;
before(async () => { if (!skip) { browser = await launchBrowser(); app = await serveApp(); } });
after(async () => { await browser?.close(); await app?.stop(); });

const COMMANDS = "cat /proc/cmdline; grep MemTotal /proc/meminfo\n";

/** The guest answered the typed commands on its VGA console with the link's command line and memory size. */
async function checkGuest(page: Page): Promise<void> {
  const w = webpc(page);
  await w.booted();
  await w.screenHas("webpc.linktest=round-trip");
  await waitInPage(page, "MemTotal on the screen", () => /MemTotal:\s+\d+ kB/.test((globalThis as any).webpc.screenText()));
  const screen = await w.screenText();
  const kb = Number(/MemTotal:\s+(\d+) kB/.exec(screen)![1]);
  assert.ok(kb > 80_000 && kb <= 96 * 1024, `MemTotal ${kB(kb)} for a 96 MiB machine`);
}
const kB = (n: number) => `${n} kB`;

test("settings made in the page travel in a link: memory, command line and typed commands come back the same", { skip: skip ?? false }, async () => {
  const page = await browser.newPage();
  await page.goto(app.url);
  await waitInPage(page, "the machine list", () => (document.getElementById("profile") as HTMLSelectElement).options.length > 0);
  await page.click("#settings summary");
  await page.fill("#memory", "96");
  const cmdline = (await page.inputValue("#cmdline")) + " webpc.linktest=round-trip";
  await page.fill("#cmdline", cmdline);
  await page.fill("#type-text", COMMANDS.replace("\n", "\\n"));
  await page.click("#start");
  await checkGuest(page);
  await page.click("#copy-link");
  const link = await page.evaluate(() => (globalThis as any).webpcLastLink as string);
  assert.match(link, /mem=96/);
  await page.close();

  const again = await browser.newPage();
  await again.goto(link);
  await checkGuest(again);
  await again.click("#settings summary");
  assert.equal(await again.inputValue("#memory"), "96");
  assert.equal(await again.inputValue("#cmdline"), cmdline);
  assert.equal(await again.inputValue("#type-text"), COMMANDS.replace("\n", "\\n"));
  assert.equal(await again.inputValue("#profile"), "linux-direct");
  await again.close();
});
