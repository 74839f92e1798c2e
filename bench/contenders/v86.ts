// The v86 contender of the side-by-side benchmark (issue 9): the npm package `v86` (a devDependency used only
// here) runs our kernel, initramfs, SeaBIOS and VGA BIOS with 128 MiB, direct kernel boot, headless in a child
// Node process (child.mjs) so its peak RSS is its own and a hang can be killed. The harness (bench/compare.ts)
// imports this module when present and calls available(), then boot() / cpu() once per run.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { childConfig, CPUBENCH_START, IMAGE_FILES, kernelCommandLine, PROMPT, RUN_EXIT } from "./v86/config.ts";
import { parseCpubench, tail } from "./cpubench-output.ts";

export const name = "v86";

export type CpuResult =
  | { ok: true; kernels: Record<string, { ms: number; checksum: string }>; totalMs: number; peakRssMiB?: number; mips?: number }
  | { ok: false; error: string };
/** `mips`: guest instructions per host second from emulator start to the prompt (v86's own counter). */
export type BootResult = { ok: true; promptMs: number; peakRssMiB?: number; mips?: number } | { ok: false; error: string };

/** Like require.resolve: the absolute path of a module specifier, or throws. Injected by tests. */
export type Resolver = (specifier: string) => string;
const defaultResolve: Resolver = (s) => createRequire(import.meta.url).resolve(s);

const NOT_INSTALLED = "the npm package v86 is not installed (a devDependency of the benchmark: run `npm install`)";

/** null when v86 can run here, otherwise why not. */
export async function available(resolve: Resolver = defaultResolve): Promise<string | null> {
  try {
    packagePaths(resolve);
    return null;
  } catch (e) {
    return `${NOT_INSTALLED}: ${(e as Error).message.split("\n")[0]}`;
  }
}

/** The exact version of the installed v86 (its package.json, e.g. "0.5.462+g5f9a90f"), or null when missing. */
export async function version(resolve: Resolver = defaultResolve): Promise<string | null> {
  try {
    const v = JSON.parse(readFileSync(packagePaths(resolve).packageJson, "utf8")).version;
    return typeof v === "string" ? v : null;
  } catch {
    return null;
  }
}

function packagePaths(resolve: Resolver) {
  // v86 has no "exports" map, so its files resolve as subpaths; each must be present (the tarball ships them).
  return {
    packageJson: resolve("v86/package.json"),
    library: resolve("v86/build/libv86.mjs"),
    wasm: resolve("v86/build/v86.wasm"),
  };
}

/** Boot to the serial shell prompt; promptMs = host time from spawning the process to the prompt on COM1. */
export async function boot(opts: { images: string; timeoutMs: number }): Promise<BootResult> {
  const run = await runGuest({ images: opts.images, timeoutMs: opts.timeoutMs, cmdline: kernelCommandLine(), marks: [PROMPT],
    done: (serial) => serial.includes(PROMPT), waitingFor: "the shell prompt" });
  if (!run.ok) return run;
  return { ok: true, promptMs: run.ms, peakRssMiB: run.peakRssMiB, mips: mipsBetween(run.marks, "(start)", PROMPT) };
}

/**
 * Boot with `webpc.run=<program>` (images/guest/init runs it, prints `WEBPC-RUN-EXIT <status>`) and parse the
 * cpubench lines. `runs` is accepted for the shared interface but the guest runs the program once per boot:
 * the harness repeats calls. `mips`: guest instructions per host second while the program ran.
 */
export async function cpu(opts: { images: string; runs?: number; timeoutMs: number; program: string; args?: string }): Promise<CpuResult> {
  let cmdline: string;
  try {
    cmdline = kernelCommandLine({ run: opts.program, args: opts.args });
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  const run = await runGuest({ images: opts.images, timeoutMs: opts.timeoutMs, cmdline, marks: [CPUBENCH_START, "WEBPC-RUN-EXIT"],
    done: (serial) => RUN_EXIT.test(serial), waitingFor: `${opts.program} to finish (WEBPC-RUN-EXIT)` });
  if (!run.ok) return run;
  const status = Number(run.serial.match(RUN_EXIT)![1]);
  const output = run.serial.slice(run.serial.indexOf("WEBPC-GUEST-READY"));
  if (status !== 0) return { ok: false, error: `v86: ${opts.program} exited with status ${status}; its output ends: ${tail(output.replace(RUN_EXIT, ""))}` };
  const parsed = parseCpubench(output);
  if (!parsed.ok) return { ok: false, error: `v86: ${parsed.error}` };
  const wantScale = opts.args?.trim().split(/\s+/)[0];
  if (wantScale && /^\d+$/.test(wantScale) && parsed.scale !== null && parsed.scale !== Number(wantScale))
    return { ok: false, error: `v86: asked for scale ${wantScale} but the guest ran scale ${parsed.scale} (does images/guest/init pass webpc.args to the program?)` };
  return { ok: true, kernels: parsed.kernels, totalMs: parsed.totalMs, peakRssMiB: run.peakRssMiB, mips: mipsBetween(run.marks, CPUBENCH_START, "WEBPC-RUN-EXIT") };
}

type Mark = { mark: string; instructions: number; ms: number };
type GuestRun = { ok: true; serial: string; ms: number; peakRssMiB?: number; marks: Mark[] } | { ok: false; error: string };

function mipsBetween(marks: Mark[], from: string, to: string): number | undefined {
  const a = marks.find((m) => m.mark === from), b = marks.find((m) => m.mark === to);
  if (!a || !b || b.ms <= a.ms) return undefined;
  return (b.instructions - a.instructions) / ((b.ms - a.ms) * 1000);
}

/** Runs v86 in a child process until `done(serial)` or the timeout; kills it either way (after reading its peak RSS). */
async function runGuest(opts: { images: string; timeoutMs: number; cmdline: string; marks: string[]; done: (serial: string) => boolean; waitingFor: string }): Promise<GuestRun> {
  const why = await available();
  if (why) return { ok: false, error: `v86: ${why}` };
  const missing = Object.values(IMAGE_FILES).filter((f) => !existsSync(join(opts.images, f)));
  if (missing.length) return { ok: false, error: `v86: missing ${missing.map((f) => join(opts.images, f)).join(", ")} (build them with \`npm run images\`)` };

  const { library, wasm } = packagePaths(defaultResolve);
  const config = childConfig({ images: opts.images, library, wasm, cmdline: opts.cmdline, marks: opts.marks });
  const childPath = fileURLToPath(new URL("./v86/child.mjs", import.meta.url));
  const t0 = performance.now();
  const child = spawn(process.execPath, [childPath, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe", "pipe", "ipc"] });
  const exited = new Promise<void>((res) => child.once("exit", () => res()));

  let serial = "", stderr = "";
  const marks: Mark[] = [];
  const result = await new Promise<GuestRun>((resolve) => {
    let settled = false;
    const finish = (r: GuestRun) => { if (settled) return; settled = true; clearTimeout(timer); resolve(r); };
    const timer = setTimeout(() => finish({ ok: false, error: `v86: timed out after ${opts.timeoutMs} ms waiting for ${opts.waitingFor}; serial ends: ${tail(serial)}` }), opts.timeoutMs);
    child.stdio[3]!.on("data", (chunk: Buffer) => {
      serial += chunk.toString("latin1");
      if (!settled && opts.done(serial)) finish({ ok: true, serial, ms: performance.now() - t0, peakRssMiB: peakRssMiB(child.pid), marks });
    });
    child.stdout!.on("data", () => {}); // v86's own log, if any: not the guest's console
    child.stderr!.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    child.on("message", (msg: { type: string; message?: string } & Mark) => {
      if (msg.type === "mark") marks.push({ mark: msg.mark, instructions: msg.instructions, ms: msg.ms });
      else if (msg.type === "error") finish({ ok: false, error: `v86 failed to start: ${msg.message}` });
    });
    child.on("error", (e) => finish({ ok: false, error: `v86: could not start the child process: ${e.message}` }));
    child.on("exit", (code, signal) => finish({ ok: false, error: `v86: the child process ended (${signal ?? `exit code ${code}`}) before ${opts.waitingFor}; serial ends: ${tail(serial)}${stderr ? `; stderr: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}` }));
  });
  if (child.pid !== undefined) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  }
  return result;
}

/** Peak resident set size of a process (VmHWM in /proc/<pid>/status, Linux), in MiB; undefined elsewhere. */
export function peakRssMiB(pid: number | undefined, read: (path: string) => string = (p) => readFileSync(p, "utf8")): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = read(`/proc/${pid}/status`).match(/^VmHWM:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
