// The app as a user gets it: `vite build` once into dist/, then `vite preview` servers on free ports, with the
// cross-origin isolation headers (the default) or without them (WEBPC_ISOLATION=off).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VITE = join(ROOT, "node_modules", "vite", "bin", "vite.js");

/** This test process's own build of the app (test files run in separate processes, maybe at once). */
const OUT = join(ROOT, ".cache", `e2e-dist-${process.pid}`);
let built = false;
/** Build the app once per test process (the build is the thing under test, so never reuse a stale one). */
export function buildApp(): string {
  if (built) return OUT;
  const r = spawnSync(process.execPath, [VITE, "build", "--logLevel", "warn", "--outDir", OUT], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  built = true;
  process.on("exit", () => rmSync(OUT, { recursive: true, force: true }));
  return OUT;
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
  const out = buildApp();
  if (!existsSync(join(out, "index.html"))) throw new Error(`${out}/index.html missing after the build`);
  const port = await freePort();
  const env = { ...process.env, ...(opts.isolation === false ? { WEBPC_ISOLATION: "off" } : {}) };
  const child: ChildProcess = spawn(process.execPath, [VITE, "preview", "--outDir", out, "--port", String(port), "--strictPort", "--host", "127.0.0.1"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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
