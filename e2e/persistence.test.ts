// Acceptance 3 of the web app (issue 8): disks persist in IndexedDB. The hard-disk profile boots; a file written
// in the guest and synced is there after a reload; "Reset disk" makes it disappear. Then the browser process is
// killed in the middle of heavy guest writes (fsync'ed copies on the disk's ext4 partition) and reopened: the
// kernel replays the journal, the files synced before are intact, every copy is a prefix of its source, and the
// guest's `e2fsck -fn` reports the file system clean. 3 kills in `npm test`; WEBPC_SLOW=1 runs the 10-kill test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM, browserSkipReason } from "./util/browser.ts";
import { serveApp, ROOT, type AppServer } from "./util/server.ts";
import { webpc, waitInPage } from "./util/app.ts";
import { imagesSkipReason } from "./util/images.ts";

const skip = browserSkipReason() ?? imagesSkipReason();
let app: AppServer;
before(async () => { if (!skip) app = await serveApp(); });
after(async () => { await app?.stop(); });

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"];
const open = (dir: string) => chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS });

/** SIGKILL every process of the browser using `dir` as its profile: no chance to flush or close anything. */
function killBrowser(dir: string): number {
  let n = 0;
  for (const pid of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(`--user-data-dir=${dir}`)) { process.kill(Number(pid), "SIGKILL"); n++; }
    } catch { /* gone */ }
  }
  return n;
}

/** Run a shell command line on the guest's serial console and wait for its end marker. */
async function sh(page: Page, line: string, marker: string): Promise<string> {
  const before = (await webpc(page).serialText()).length;
  await page.evaluate((t) => (globalThis as any).webpc.sendSerial(t), `${line}; echo ${marker}-$((20+22))\n`);
  await webpc(page).serialHas(`${marker}-42`);
  const all = await webpc(page).serialText();
  return all.slice(Math.max(0, before - 200));
}

async function bootHd(page: Page): Promise<void> {
  await webpc(page).booted();
  await webpc(page).serialHas("webpc:/# ");
  await sh(page, "dmesg -n 1", "QUIET");
}

const FILL = "mount -t ext4 /dev/sda2 /mnt && for i in 1 2 3 4; do dd if=/dev/urandom of=/mnt/f$i bs=64k count=8 2>/dev/null; done; sync; md5sum /mnt/f*";
const LOOP = "(while :; do for i in 1 2 3; do dd if=/mnt/f1 of=/mnt/g$i bs=64k conv=fsync 2>/dev/null; done; done) & true";
const CHECK = "mount -t ext4 /dev/sda2 /mnt; md5sum /mnt/f*; for g in /mnt/g*; do [ -e $g ] || continue; s=$(stat -c %s $g); head -c $s /mnt/f1 | cmp -s - $g && echo \"PREFIX $g $s\" || echo \"BADCOPY $g $s\"; done; umount /mnt; e2fsck -fn /dev/sda2; echo fsck-rc=$?";
const md5s = (text: string) => [...text.matchAll(/^([0-9a-f]{32})\s+(\/mnt\/f\d)$/gm)].map((m) => `${m[1]} ${m[2]}`);

async function crashTest(kills: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "webpc-profile-"));
  const url = `${app.url}#profile=linux-hd`;
  let ctx: BrowserContext | null = await open(dir);
  try {
    let page = await ctx.newPage();
    page.on("dialog", (d) => void d.accept());
    await page.goto(url);
    await bootHd(page);
    // a file on the FAT partition survives a reload; Reset disk forgets it
    await sh(page, "mount /dev/sda1 /mnt && echo persist-$((40+2)) > /mnt/keep.txt && sync && umount /mnt", "WROTE");
    await page.reload();
    await bootHd(page);
    let out = await sh(page, "mount /dev/sda1 /mnt; cat /mnt/keep.txt; umount /mnt", "READ");
    assert.match(out, /^persist-42\r?$/m, "the file written before the reload is there");
    // Download disk: the image with the guest's changes
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download-disk")]);
    const bytes = readFileSync((await dl.path())!);
    const manifest = JSON.parse(readFileSync(join(ROOT, "public/images/manifest.json"), "utf8"));
    assert.equal(bytes.length, manifest.artefacts.find((a: { id: string }) => a.id === "linux-hd").size, "the whole disk");
    assert.ok(bytes.includes(Buffer.from("persist-42\n")), "the download holds the guest's file");
    assert.equal(bytes.readUInt16LE(510), 0xAA55, "and the image's boot sector");
    await page.click("#reset-disk");
    await webpc(page).messageHas(/back to its original image/);
    await bootHd(page);
    out = await sh(page, "mount /dev/sda1 /mnt; cat /mnt/keep.txt; umount /mnt", "AGAIN");
    assert.doesNotMatch(out, /^persist-42\r?$/m, "Reset disk made the file disappear");
    assert.match(out, /No such file/);
    // heavy writes, then the browser is killed
    out = await sh(page, FILL, "FILLED");
    const expected = md5s(out);
    assert.equal(expected.length, 4, out);
    for (let k = 0; k < kills; k++) {
      await sh(page, LOOP, "LOOPING");
      // let the copies run until the disk has been busy writing for a while (the kill lands mid-write)
      await waitInPage(page, "guest disk writes", () => ((globalThis as any).webpc.status?.diskWrites ?? 0) > 20, 120_000);
      await page.waitForTimeout(300 + 400 * k);
      assert.ok(killBrowser(dir) > 0, "the browser's processes were found and killed");
      await ctx.close().catch(() => {});
      ctx = await open(dir);
      page = await ctx.newPage();
      page.on("dialog", (d) => void d.accept());
      await page.goto(url);
      await bootHd(page);
      out = await sh(page, CHECK, "CHECKED");
      assert.deepEqual(md5s(out), expected, `kill ${k + 1}: the files synced before the kill are intact\n${out}`);
      assert.doesNotMatch(out, /^BADCOPY/m, `kill ${k + 1}: every copy is a prefix of its source\n${out}`);
      assert.match(out, /^fsck-rc=0\r?$/m, `kill ${k + 1}: e2fsck reports the file system clean\n${out}`);
      await sh(page, "mount -t ext4 /dev/sda2 /mnt", "MOUNTED");
    }
  } finally {
    await ctx?.close().catch(() => {});
    killBrowser(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

test("disks persist across reloads, Reset disk forgets them, and 3 browser kills mid-write leave the file system clean", { skip: skip ?? false }, () => crashTest(3));

test("10 browser kills mid-write leave the file system clean (slow: WEBPC_SLOW=1)", { skip: skip ?? (process.env.WEBPC_SLOW ? false : "slow test: set WEBPC_SLOW=1 to run it") }, () => crashTest(10));
