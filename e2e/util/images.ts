// The built guest images (npm run images) and the shared test images (../shared/images) the e2e tests use.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./server.ts";

export const SHARED_IMAGES = join(ROOT, "..", "shared", "images");

export function imagesSkipReason(): string | null {
  return existsSync(join(ROOT, "public", "images", "manifest.json")) ? null : "public/images is not built (npm run images)";
}

export function sharedImage(name: string): { path: string } | { skip: string } {
  const path = join(SHARED_IMAGES, name);
  return existsSync(path) ? { path } : { skip: `${path} is absent (the shared test images are not on this machine)` };
}
