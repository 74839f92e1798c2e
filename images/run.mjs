// Entry for npm scripts (postinstall, test, images): runs images/build.ts through tsx. When tsx is not
// installed (e.g. `npm ci --omit=dev`), says so and exits 0 so the install itself still succeeds.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
try {
  createRequire(import.meta.url).resolve("tsx");
} catch {
  console.warn("images: tsx is not installed (dev dependencies omitted?); skipping the image build. Run `npm install` then `npm run images`.");
  process.exit(0);
}
const r = spawnSync(process.execPath, ["--import", "tsx", join(here, "build.ts"), ...process.argv.slice(2)], { stdio: "inherit", cwd: join(here, "..") });
process.exit(r.status ?? 1);
