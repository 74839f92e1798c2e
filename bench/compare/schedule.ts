// Running contenders interleaved, A-B-C-A-B-C..., so that noise from other work on the machine (a CI run, a
// thermal limit) falls on every contender alike rather than on whichever ran during the busy minute. A contender
// that throws, fails or exceeds its time is recorded as a failed run, never dropped.

import { seconds } from "../contenders/process.ts";

export type Outcome = { ok: true } | { ok: false; error: string };

/** The order of runs: round by round, every contender once per round. */
export function interleave(names: readonly string[], runs: number): { round: number; name: string }[] {
  const order: { round: number; name: string }[] = [];
  for (let round = 0; round < runs; round++) for (const name of names) order.push({ round, name });
  return order;
}

/** `task()`, or a failure saying it took more than `ms` (the task should also stop its own work by then). */
export async function withTimeout<R extends Outcome>(task: () => Promise<R>, ms: number, what: string): Promise<R | { ok: false; error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `${what}: timed out after ${seconds(ms)} s` }), ms);
  });
  try {
    return await Promise.race([
      task().catch((e: unknown) => ({ ok: false as const, error: `${what}: ${e instanceof Error ? e.message : String(e)}` })),
      timeout,
    ]);
  } finally { clearTimeout(timer); }
}

/**
 * Every contender `runs` times, interleaved; `task(name)` runs one. Returns each contender's results in run order.
 * `onResult` hears of each run as it ends (progress lines).
 */
export async function runInterleaved<R extends Outcome>(
  names: readonly string[], runs: number, task: (name: string) => Promise<R>, timeoutMs: number,
  onResult?: (name: string, round: number, r: R | { ok: false; error: string }) => void,
): Promise<Record<string, (R | { ok: false; error: string })[]>> {
  const out: Record<string, (R | { ok: false; error: string })[]> = {};
  for (const name of names) out[name] = [];
  for (const { round, name } of interleave(names, runs)) {
    const r = await withTimeout(() => task(name), timeoutMs, name);
    out[name].push(r);
    onResult?.(name, round, r);
  }
  return out;
}
