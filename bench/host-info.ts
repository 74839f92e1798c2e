// What the host is and how busy its processes are, from /proc (Linux only): for `npm run bench:web`.
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { parseProcStat, type ProcStat } from "./web-stats.ts";

/** Every process's /proc/<pid>/stat that could be read (processes may end while we look). */
export function readProcStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let line: string;
    try { line = readFileSync(`/proc/${name}/stat`, "utf8"); } catch { continue; }
    out.push(parseProcStat(line));
  }
  return out;
}

/** Clock ticks per second of the utime/stime fields (sysconf(_SC_CLK_TCK); 100 on Linux almost everywhere). */
export function clockTicksPerSecond(): number {
  try { return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { return 100; }
}

export function hostInfo(): { cpuModel: string; cores: number; loadAverage: number[] } {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) cpuModel = m[1].trim();
  } catch { /* not Linux: os.cpus() has it */ }
  return { cpuModel, cores: cpus().length, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) };
}
