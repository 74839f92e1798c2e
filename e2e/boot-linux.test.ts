// Acceptance 1 and 6 of the web app (issue 8): the page with no parameters boots the default Linux to a shell;
// a command typed on the canvas (VGA console) and one typed in the serial terminal are answered, read back from
// the screen's text readout and the terminal's buffer; the canvas is not blank. And the same guest boots on a
// page that is not cross-origin isolated (frames by messages instead of shared memory).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchBrowser, browserSkipReason } from "./util/browser.ts";
import { serveApp, type AppServer } from "./util/server.ts";
import { webpc, waitInPage } from "./util/app.ts";
import { imagesSkipReason } from "./util/images.ts";

const skip = browserSkipReason() ?? imagesSkipReason();
let browser: Browser;
before(async () => { if (!skip) browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test("the default Linux boots in the page; commands typed on the canvas and in the serial terminal are answered", { skip: skip ?? false }, async () => {
  const server: AppServer = await serveApp();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    const w = webpc(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, "the preview server sends COOP/COEP");
    await w.booted();
    await w.serialHas("webpc:/# ");
    await w.screenHas("webpc:/#");
    // the VGA console: keys typed on the focused canvas (the page sends physical keys, KeyboardEvent.code; a
    // test's keyboard.type() sends "$" without pressing Shift, so the command uses unshifted keys only)
    await page.focus("#screen");
    await page.keyboard.type("expr 123456 - 111\n");
    await w.screenHas("123345");
    // and a shifted character, with Shift pressed as a person does
    await page.keyboard.type("echo ");
    await page.keyboard.down("Shift"); await page.keyboard.press("Digit5"); await page.keyboard.up("Shift");
    await page.keyboard.type("vga\n");
    await w.screenHas("\n%vga");
    // the on-screen keyboard (touch screens): taps reach the guest as key presses
    await page.click("#osk-toggle");
    for (const code of ["KeyT", "KeyT", "KeyY", "Enter"]) await page.click(`[data-testid="osk"] [data-code="${code}"]`);
    await w.screenHas("/dev/tty1");
    await page.click("#osk-toggle");
    // the serial console: keys typed in xterm.js
    await page.click("#terminal");
    await page.keyboard.type("echo serial-$((7*8))\n");
    await w.serialHas("serial-56");
    assert.ok(!(await w.screenText()).includes("serial-56"), "the serial command went to COM1, not the VGA console");
    // the canvas shows the picture: some pixels are not black, in the page's copy and in a PNG of the canvas
    assert.equal(await page.evaluate(() => (globalThis as any).webpc.screenNotBlank()), true);
    const lit = await page.evaluate(() => {
      const c = document.getElementById("screen") as HTMLCanvasElement;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 96) n++;
      return { n, w: c.width, h: c.height };
    });
    assert.deepEqual([lit.w, lit.h], [720, 400], "VGA text mode 80x25 with 9-dot characters");
    assert.ok(lit.n > 2000, `lit pixels on the canvas: ${lit.n}`);
    // the status bar
    const st = await page.textContent("#status");
    assert.match(st!, /MIPS/);
    assert.match(st!, /720×400 text/);
    assert.match(st!, /Shared memory/);
    // Screenshot button: a PNG download
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#screenshot")]);
    assert.match(dl.suggestedFilename(), /\.png$/);
    const png = await (await import("node:fs/promises")).readFile((await dl.path())!);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4E, 0x47]);
    // Pause and Continue, then Power off (pull the plug)
    await page.click("#pause");
    await waitInPage(page, "paused", () => (globalThis as any).webpc.state === "paused", 30_000);
    await page.click("#pause");
    await waitInPage(page, "running again", () => ["running", "idle"].includes((globalThis as any).webpc.state), 30_000);
    await page.click("#power-off");
    await waitInPage(page, "the machine powered off", () => (globalThis as any).webpc.state === "powered-off", 30_000);
    assert.deepEqual(errors, [], "no uncaught page errors");
  } finally {
    await server.stop();
  }
});

test("without cross-origin isolation the default guest still boots (frames by messages) and says it is slower", { skip: skip ?? false }, async () => {
  const server = await serveApp({ isolation: false });
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    const w = webpc(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    await w.messageHas(/not cross-origin isolated/);
    await w.booted();
    await w.serialHas("webpc:/# ");
    await page.click("#terminal");
    await page.keyboard.type("echo plain-$((8*9))\n");
    await w.serialHas("plain-72");
    await waitInPage(page, "a picture on the canvas", () => (globalThis as any).webpc.screenNotBlank());
    assert.match((await page.textContent("#st-mem"))!, /Messages/);
  } finally {
    await server.stop();
  }
});
