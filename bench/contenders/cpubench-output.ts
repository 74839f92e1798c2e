// Reading cpubench's output (images/guest/cpubench.c, cpubench-mb.c) from a terminal or a serial console, where
// kernel messages, carriage returns and the shell may be mixed in:
//   cpubench NAME  TIME ms  checksum XXXXXXXX      (one per kernel)
//   cpubench total  TIME ms                        (last: without it the run did not finish)
import type { CpuResult, KernelTime } from "./types.ts";

const KERNEL_LINE = /cpubench (\w+) +(\d+(?:\.\d+)?) ms +checksum ([0-9a-f]{8})/g;
const TOTAL_LINE = /cpubench total +(\d+(?:\.\d+)?) ms/;

/** The kernels' times and checksums, or why the output is not a whole cpubench run (with its tail). */
export function parseCpubench(output: string): CpuResult {
  const text = output.replace(/\r/g, "");
  const kernels: Record<string, KernelTime> = {};
  let last: string | undefined;
  for (const m of text.matchAll(KERNEL_LINE)) {
    if (m[1] === "total") continue;
    if (kernels[m[1]]) return { ok: false, error: `cpubench printed kernel "${m[1]}" twice` };
    kernels[m[1]] = { ms: Number(m[2]), checksum: m[3] };
    last = m[1];
  }
  const total = TOTAL_LINE.exec(text);
  if (!last) return { ok: false, error: `no cpubench result lines in the output; it ends: ${tail(text)}` };
  if (!total) return { ok: false, error: `cpubench output is truncated (no total line; the last kernel seen is "${last}"); it ends: ${tail(text)}` };
  return { ok: true, kernels, totalMs: Number(total[1]) };
}

/** The exit status the guest's init printed after a webpc.run program (WEBPC-RUN-EXIT n), if any. */
export function runExitStatus(output: string): number | undefined {
  const m = /WEBPC-RUN-EXIT (\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

export function tail(text: string, chars = 300): string {
  const t = text.trim();
  return JSON.stringify(t.length > chars ? "…" + t.slice(-chars) : t);
}
