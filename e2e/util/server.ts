// The app as a user gets it: `vite build` once into dist/, then `vite preview` servers on free ports, with the
// cross-origin isolation headers (the default) or without them (WEBPC_ISOLATION=off).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VITE = join(ROOT, "node_modules", "vite", "bin", "vite.js");

let built = false;
/** Build dist/ once per test process (the build is the thing under test, so never reuse a stale one). */
export function buildApp(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [VITE, "build", "--logLevel", "warn"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  built = true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const a = s.address(); s.close(() => resolve(typeof a === "object" && a ? a.port : 0)); });
    s.on("error", reject);
  });
}

export interface AppServer { url: string; stop(): Promise<void> }

/** Serve dist/ with `vite preview`; resolves when it answers. */
export async function serveApp(opts: { isolation?: boolean } = {}): Promise<AppServer> {
  buildApp();
  if (!existsSync(join(ROOT, "dist", "index.html"))) throw new Error("dist/index.html missing after the build");
  const port = await freePort();
  const env = { ...process.env, ...(opts.isolation === false ? { WEBPC_ISOLATION: "off" } : {}) };
  const child: ChildProcess = spawn(process.execPath, [VITE, "preview", "--port", String(port), "--strictPort", "--host", "127.0.0.1"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => { log += d; });
  child.stderr!.on("data", (d) => { log += d; });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 200; i++) {
    try { const r = await fetch(url); if (r.ok) break; } catch { /* not up yet */ }
    if (child.exitCode !== null) throw new Error(`vite preview exited: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => { if (child.exitCode !== null) return resolve(); child.once("exit", () => resolve()); child.kill(); }),
  };
}
