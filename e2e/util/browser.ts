// Headless Chromium for the e2e tests: Debian's /usr/bin/chromium driven by playwright-core (never a downloaded
// browser). The flags keep it from reaching out to the network the machines here do not have.
import { chromium, type Browser } from "playwright-core";
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null. */
export function browserSkipReason(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
}

export function launchBrowser(opts: { userDataDir?: string } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
      "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"],
  });
}
