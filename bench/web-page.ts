// One page run of `npm run bench:web`: a fresh Chromium (so every run is a first visit with a cold engine),
// the probe (bench/web-probe.js) installed before navigation, the default machine booted to its shell prompt,
// then optionally an idle window in which the browser's processes' CPU time is measured.
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../e2e/util/browser.ts";
import { waitInPage, describe } from "../e2e/util/app.ts";
import { readProcStats, clockTicksPerSecond } from "./host-info.ts";
import { bootRate, cpuPercent, launchedBrowsers, mean, processTrees, ticksBetween, type BootRate, type StatusSample } from "./web-stats.ts";

const PROBE = join(dirname(fileURLToPath(import.meta.url)), "web-probe.js");
const BOOT_LIMIT_MS = 600_000;
/** After the prompt the guest finishes a little work (the shell, the last kernel threads) before it is idle. */
const SETTLE_MS = 3_000;

/** What the probe recorded (see bench/web-probe.js), on the page's clock (ms since navigation started). */
interface ProbeRecord {
  longTasks: { start: number; duration: number }[];
  longTaskError?: string;
  statuses: StatusSample[];
  readyAt: number | null;
  firstFrameAt: number | null;
  firstLitFrameAt: number | null;
  bannerAt: number | null;
  promptAt: number | null;
}

export interface PageRun {
  clock: "realtime" | "virtual";
  chromium: string;
  /** Milliseconds from navigation: first frame drawn, first frame with a lit pixel, machine ready, prompt. */
  firstFrameMs: number;
  firstPictureMs: number;
  readyMs: number;
  promptMs: number;
  /** The guest's instruction rate in the worker over the boot (null if no status arrived before the prompt). */
  boot: BootRate | null;
  /** Main-thread long tasks from page start to the prompt. */
  longestTaskMs: number;
  longTasks: number;
  /** The idle window after the prompt (absent when not measured). */
  idle?: { seconds: number; cpuPercent: number; processes: number; workerBusy: number; workerStates: string[] };
  pageErrors: string[];
}

export async function runPage(appUrl: string, opts: { clock: "realtime" | "virtual"; idleSeconds: number }): Promise<PageRun> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    // on the virtual clock the run only measures the boot: pause at the prompt for an exact instruction count
    if (opts.clock === "virtual") await page.addInitScript(() => { (globalThis as any).__webpcBenchOptions = { pauseAtPrompt: true }; });
    await page.addInitScript({ path: PROBE });
    await page.goto(opts.clock === "virtual" ? `${appUrl}?clock=virtual` : appUrl);
    const probe = () => page.evaluate(() => (globalThis as unknown as { __webpcBench: ProbeRecord }).__webpcBench);
    try {
      await waitInPage(page, "the shell prompt after the guest's ready banner", () => (globalThis as any).__webpcBench.promptAt !== null, BOOT_LIMIT_MS);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n(page at ${appUrl}; probe: ${JSON.stringify(await probe().catch(() => null))?.slice(0, 400)})`);
    }
    if (opts.clock === "virtual") {
      await waitInPage(page, "the machine paused at the prompt", () => { const r = (globalThis as any).__webpcBench; return r.statuses.some((s: { t: number; state: string }) => s.t >= r.promptAt && s.state === "paused"); }, 30_000);
    }
    const atPrompt = await probe();
    if (atPrompt.longTaskError) throw new Error(`this Chromium cannot observe long tasks: ${atPrompt.longTaskError}`);
    const promptAt = atPrompt.promptAt!;
    const tasks = atPrompt.longTasks.filter((t) => t.start <= promptAt);
    const run: PageRun = {
      clock: opts.clock, chromium: browser.version(),
      firstFrameMs: atPrompt.firstFrameAt ?? NaN, firstPictureMs: atPrompt.firstLitFrameAt ?? NaN,
      readyMs: atPrompt.readyAt ?? NaN, promptMs: promptAt,
      boot: atPrompt.readyAt === null ? null : bootRate(atPrompt.statuses, atPrompt.readyAt, promptAt),
      longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)),
      longTasks: tasks.filter((t) => t.duration > 50).length,
      pageErrors,
    };
    if (opts.idleSeconds > 0) run.idle = await measureIdle(opts.idleSeconds, page, probe);
    if (!(await page.evaluate(() => (globalThis as any).webpc?.booted))) throw new Error(`the app did not see the guest boot: ${await describe(page)}`);
    return run;
  } finally {
    await browser.close();
  }
}

/** CPU time of the browser's process tree over `seconds` of an idle guest, and the worker's own busy fraction. */
async function measureIdle(seconds: number, page: import("playwright-core").Page, probe: () => Promise<ProbeRecord>): Promise<NonNullable<PageRun["idle"]>> {
  await page.waitForTimeout(SETTLE_MS);
  const t0 = await page.evaluate(() => performance.now());
  const all = readProcStats();
  const browsers = launchedBrowsers(process.pid, all);
  if (browsers.length !== 1) throw new Error(`expected one Chromium launched by this process (pid ${process.pid}), found ${browsers.length}: cannot measure its CPU use`);
  const before = processTrees(browsers, all);
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000)); // no page.evaluate polling in the window: it costs CPU too
  const after = processTrees(browsers, readProcStats());
  const wall = (performance.now() - w0) / 1000;
  const rec = await probe();
  const inWindow = rec.statuses.filter((s) => s.t >= t0 && s.state !== "loading");
  return {
    seconds: wall,
    cpuPercent: cpuPercent(ticksBetween(before, after), clockTicksPerSecond(), wall),
    processes: after.length,
    workerBusy: mean(inWindow.map((s) => s.busy)),
    workerStates: [...new Set(inWindow.map((s) => s.state))],
  };
}
