// Running a contender's process: its output, the time from spawn until a text appears (or it exits), and its peak
// resident memory (VmHWM of /proc/<pid>/status, polled while it runs; Linux only, else undefined).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export interface Watched {
  output: string;
  /** ms from spawn to the first match of `until`, or to the exit when there is no `until` or no match. */
  ms: number;
  matched: boolean;
  exitCode: number | null;
  timedOut: boolean;
  peakRssMiB?: number;
  /** The spawn failed (program not found, ...). */
  spawnError?: string;
}

function vmHwmMiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch { return undefined; }
}

/**
 * Spawn `cmd args`; resolve when `until` matches the output (then the process is killed, unless `waitExit`), when
 * it exits, or after `timeoutMs` (killed, timedOut). stdout and stderr are collected together.
 */
export function watchProcess(cmd: string, args: string[], opts: { until?: RegExp; waitExit?: boolean; timeoutMs: number; cwd?: string }): Promise<Watched> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "", matchedAt: number | undefined, peak: number | undefined, done = false, timedOut = false;
    const poll = setInterval(() => { const v = child.pid ? vmHwmMiB(child.pid) : undefined; if (v !== undefined) peak = Math.max(peak ?? 0, v); }, 50);
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, opts.timeoutMs);
    const finish = (exitCode: number | null, spawnError?: string) => {
      if (done) return;
      done = true;
      clearInterval(poll); clearTimeout(timer);
      const ms = matchedAt ?? performance.now() - t0;
      resolve({ output, ms, matched: matchedAt !== undefined, exitCode, timedOut, peakRssMiB: peak, spawnError });
    };
    const onData = (d: Buffer) => {
      output += d.toString("latin1");
      if (matchedAt === undefined && opts.until?.test(output)) {
        matchedAt = performance.now() - t0;
        const v = child.pid ? vmHwmMiB(child.pid) : undefined;
        if (v !== undefined) peak = Math.max(peak ?? 0, v);
        if (!opts.waitExit) child.kill("SIGKILL");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => finish(null, e.message));
    child.on("close", (code) => finish(code));
  });
}

/** A one-line description of why a watched process did not give what was expected. */
export function whyFailed(w: Watched, what: string, timeoutMs: number): string {
  if (w.spawnError) return `${what}: could not start: ${w.spawnError}`;
  if (w.timedOut) return `${what}: timed out after ${seconds(timeoutMs)} s`;
  return `${what}: exited with status ${w.exitCode}`;
}

/** A duration for messages: "0.3", "12", "600". */
export const seconds = (ms: number) => (ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000)));
