// Pure pieces of `npm run bench:web` (unit-tested in test/bench-web.test.ts): statistics, the guest's instruction
// rate from the worker's status samples, /proc/<pid>/stat parsing and the process tree of a browser.

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** A status message from the worker as the page probe saw it: arrival time (ms) and the worker's figures. */
export interface StatusSample { t: number; instructions: number; mips: number; busy: number; state: string }

export interface BootRate {
  /** Guest instructions per host second from the start of the run loop to the prompt. */
  mips: number;
  /** Guest instructions at the prompt. */
  instructions: number;
  /** Host seconds from the start of the run loop to the prompt. */
  seconds: number;
  /** "paused": counted by the worker when it paused at the prompt (exact to one slice); "extrapolated": from the
   *  last status before the prompt at the average rate up to it. */
  how: "paused" | "extrapolated";
}

/**
 * The worker's instruction rate over a boot, from its status messages (every ~0.5 s, each with the instruction
 * count when it was sent) as the page saw them. When the page paused the machine at the prompt, the first
 * "paused" status after it has the count at the prompt. Otherwise the rate is taken up to the last status
 * before the prompt (after it a guest on the virtual clock runs its idle timer ticks flat out) and extrapolated.
 */
export function bootRate(samples: readonly StatusSample[], readyAt: number, promptAt: number): BootRate | null {
  const seconds = (promptAt - readyAt) / 1000;
  const paused = samples.find((s) => s.t >= promptAt && s.state === "paused" && s.instructions > 0);
  if (paused && seconds > 0) return { mips: paused.instructions / seconds / 1e6, instructions: paused.instructions, seconds, how: "paused" };
  let last: StatusSample | undefined;
  for (const s of samples) if (s.t > readyAt && s.t <= promptAt && s.instructions > 0) last = s;
  if (!last) return null;
  const rate = last.instructions / (last.t - readyAt); // instructions per ms
  return { mips: rate / 1000, instructions: last.instructions + rate * (promptAt - last.t), seconds, how: "extrapolated" };
}

/** The fields of /proc/<pid>/stat this benchmark needs (proc(5)): times in clock ticks. */
export interface ProcStat { pid: number; comm: string; ppid: number; utime: number; stime: number }

/**
 * Parse one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may itself contain spaces
 * and parentheses, so the fields after it are found from the last ")".
 */
export function parseProcStat(line: string): ProcStat {
  const open = line.indexOf("("), close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(line.slice(0, 80))}`);
  const pid = Number(line.slice(0, open).trim());
  const rest = line.slice(close + 2).trim().split(/\s+/); // rest[0] is field 3 (state)
  const field = (n: number) => Number(rest[n - 3]);
  const st = { pid, comm: line.slice(open + 1, close), ppid: field(4), utime: field(14), stime: field(15) };
  if (!Number.isInteger(pid) || !Number.isInteger(st.ppid) || !Number.isFinite(st.utime) || !Number.isFinite(st.stime)) {
    throw new Error(`malformed /proc/<pid>/stat line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  return st;
}

/** `root` and every process below it in the tree given by the ppid links of `all`. */
export function processTree(root: number, all: readonly ProcStat[]): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcStat[] = [];
  const self = all.find((p) => p.pid === root);
  if (self) out.push(self);
  const queue = [root];
  const seen = new Set(queue);
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/**
 * CPU ticks (utime + stime) the processes used between two snapshots. A process missing from the first started
 * during the window and counts from zero; one missing from the second ended during it and its last ticks are lost
 * (its parent's cutime would hold them only once reaped), so idle figures are a lower bound if processes come and go.
 */
export function ticksBetween(before: readonly ProcStat[], after: readonly ProcStat[]): number {
  const start = new Map(before.map((p) => [p.pid, p.utime + p.stime]));
  let ticks = 0;
  for (const p of after) ticks += p.utime + p.stime - (start.get(p.pid) ?? 0);
  return ticks;
}

/** CPU use as a percentage of one core. */
export function cpuPercent(ticks: number, ticksPerSecond: number, seconds: number): number {
  return (100 * ticks) / ticksPerSecond / seconds;
}

/**
 * The browsers this process launched: its direct children named like Chromium (playwright starts the browser as
 * a child of the Node process that drives it; the Debian wrapper script execs the binary in place).
 */
export function launchedBrowsers(ownPid: number, all: readonly ProcStat[]): number[] {
  return all.filter((p) => p.ppid === ownPid && /chrom/i.test(p.comm)).map((p) => p.pid);
}

/** Every process in the trees under `roots`. */
export function processTrees(roots: readonly number[], all: readonly ProcStat[]): ProcStat[] {
  return roots.flatMap((r) => processTree(r, all));
}
