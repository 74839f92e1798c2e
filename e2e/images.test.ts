// Acceptance 2, 4 (part) and 5 of the web app (issue 8): FreeDOS from ../shared/images/freedos722.img boots to
// its prompt given by file upload and by URL (on another origin, loaded with range requests); a link's boot order
// and typed text are honoured; bad inputs (a file that is not an image, an empty file, an unreachable URL, a
// malformed link) each give a clear message while the page stays responsive.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, browserSkipReason } from "./util/browser.ts";
import { serveApp, freePort, type AppServer } from "./util/server.ts";
import { serveFiles, type FileServer } from "./util/file-server.ts";
import { webpc, waitInPage } from "./util/app.ts";
import { imagesSkipReason, sharedImage } from "./util/images.ts";

const freedos = sharedImage("freedos722.img");
const skip = browserSkipReason() ?? imagesSkipReason();
let browser: Browser, app: AppServer, files: FileServer;
before(async () => {
  if (skip) return;
  browser = await launchBrowser();
  app = await serveApp();
  // another origin serving the FreeDOS floppy and a blank (unbootable) hard disk
  const dir = mkdtempSync(join(tmpdir(), "webpc-e2e-files-"));
  if (!("skip" in freedos)) copyFileSync(freedos.path, join(dir, "freedos722.img"));
  writeFileSync(join(dir, "blank.img"), Buffer.alloc(1 << 20));
  files = await serveFiles(dir);
});
after(async () => { await browser?.close(); await app?.stop(); await files?.stop(); });

const FREEDOS_PROMPT = () => /^A:\\>/m.test((globalThis as any).webpc.screenText()) && (globalThis as any).webpc.screenText().includes("Welcome to FreeDOS");

/** The page answers quickly: an animation frame comes (the main thread is not blocked). */
async function responsive(page: Page): Promise<void> {
  const t0 = Date.now();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(1))));
  assert.ok(Date.now() - t0 < 10_000, "an animation frame within 10 s");
}

test("FreeDOS boots from an image file given by upload", { skip: skip ?? ("skip" in freedos ? freedos.skip : false) }, async () => {
  const page = await browser.newPage();
  await page.goto(app.url);
  await page.setInputFiles("#image-file", (freedos as { path: string }).path);
  await waitInPage(page, "the FreeDOS prompt", FREEDOS_PROMPT);
  // the keyboard reaches DOS
  await page.focus("#screen");
  await page.keyboard.type("ver\n");
  await webpc(page).screenHas("FreeCom version");
  assert.match((await page.textContent("#disk-drive"))!, /fda: freedos722\.img/);
  await page.close();
});

test("FreeDOS boots from a URL on another origin; the link's boot order and typed text are honoured", { skip: skip ?? ("skip" in freedos ? freedos.skip : false) }, async () => {
  const page = await browser.newPage();
  const url = `${files.url}freedos722.img`, blank = `${files.url}blank.img`;
  // boot order "ca": the BIOS tries the blank hard disk first (and says it is not bootable), then the floppy
  await page.goto(`${app.url}#profile=custom-floppy&fda=${encodeURIComponent(url)}&hda=${encodeURIComponent(blank)}&boot=ca&mem=20&type=${encodeURIComponent("ver\n")}`);
  await waitInPage(page, "the FreeDOS prompt", FREEDOS_PROMPT);
  await webpc(page).screenHas("FreeCom version");
  const log = await page.evaluate(() => (globalThis as any).webpc.firmwareLog() as string);
  const hd = log.indexOf("Booting from Hard Disk"), fd = log.indexOf("Booting from Floppy");
  assert.ok(hd >= 0 && fd > hd, `the firmware tried the hard disk, then the floppy:\n${log.slice(-1500)}`);
  assert.ok(files.requests.some((r) => r.includes("freedos722.img") && r.includes("bytes=")), `range requests: ${files.requests.join("; ")}`);
  // the link round trip: Copy link gives a link that names the same machine
  await page.click("#copy-link");
  const link = await page.evaluate(() => (globalThis as any).webpcLastLink as string);
  assert.match(link, /boot=ca/);
  assert.ok(link.includes(encodeURIComponent(blank)) || link.includes(blank), link);
  assert.match(link, /mem=20/);
  assert.ok(link.includes(encodeURIComponent(url)) || link.includes(url), link);
  await page.close();
});

test("bad inputs give clear messages and the page stays responsive", { skip: skip ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "webpc-e2e-"));
  const zip = join(dir, "notes.zip");
  writeFileSync(zip, Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(4000, 1)]));
  const empty = join(dir, "empty.img");
  writeFileSync(empty, "");
  const page = await browser.newPage();
  const w = webpc(page);
  // a malformed link: clear messages, and the default machine starts
  await page.goto(`${app.url}#profile=no-such-machine&mem=lots&bogus=1`);
  await w.messageHas(/no-such-machine/);
  await w.messageHas(/mem/);
  await w.messageHas(/bogus/);
  await waitInPage(page, "the default machine running", () => ["running", "idle"].includes((globalThis as any).webpc.state));
  assert.equal(await page.evaluate(() => (globalThis as any).webpc.config.profile), "linux-direct");
  await responsive(page);
  // a file that is not a disk image
  await page.setInputFiles("#image-file", zip);
  await w.messageHas(/notes\.zip is a ZIP archive/);
  await responsive(page);
  // an empty file
  await page.setInputFiles("#image-file", empty);
  await w.messageHas(/empty\.img.*empty|empty\.img.*0 bytes/);
  await responsive(page);
  // an unreachable URL
  const dead = `http://127.0.0.1:${await freePort()}/disk.img`;
  await page.fill("#image-url", dead);
  await page.click("#image-url-go");
  await w.messageHas(/could not reach/i, 60_000);
  await responsive(page);
  // nothing crashed: no uncaught errors, and the toolbar still works
  await page.click("#text-toggle");
  assert.equal(await page.evaluate(() => document.getElementById("screen-text")!.classList.contains("sr-only")), false, "Text view shows the text screen");
  await page.close();
});
