// Reading cpubench's output (images/guest/cpubench.c, cpubench-mb.c; see their printf calls) from a terminal or a
// serial console, for every contender of the side-by-side benchmark (native, webpc, qemu, v86):
//   cpubench scale 1                               (first: the scale it runs)
//   cpubench NAME  TIME ms  checksum XXXXXXXX      (one per kernel)
//   cpubench total  TIME ms                        (last: without it the run did not finish)
// Kernel messages, the init's own lines, carriage returns and the shell may be mixed in, even on the same line as a
// result (printk interrupts a line), so a result is found wherever it stands in a line; blanks may be spaces or tabs.
import type { KernelTime } from "./types.ts";

// `scale` is for a contender that checks it (v86: the scale it asked for); a CpuResult (types.ts) does not carry it.
export type CpubenchOutput =
  | { ok: true; scale: number | null; kernels: Record<string, KernelTime>; totalMs: number }
  | { ok: false; error: string };

const BLANKS = String.raw`[^\S\n]+`; // white space within one line
const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
// A kernel's name is any word but `total`. cpubench prints the checksum as %08x: at most 8 hex digits, so hex just
// after them belongs to another message.
const KERNEL_RESULT = new RegExp(String.raw`cpubench${BLANKS}(?!total${BLANKS})(\S+)${BLANKS}${NUMBER}${BLANKS}ms${BLANKS}checksum${BLANKS}([0-9a-fA-F]{1,8})`, "g");
const TOTAL = new RegExp(String.raw`cpubench${BLANKS}total${BLANKS}${NUMBER}${BLANKS}ms`);
const SCALE = new RegExp(String.raw`cpubench${BLANKS}scale${BLANKS}(\d+)`);

/**
 * The kernels' times and checksums (lower case), the total and the scale (null when not printed), or why the output
 * is not one whole cpubench run: no result lines, no total line (truncated), a kernel printed twice or after the
 * total. The first total line is the run's. Errors quote the end of the output.
 */
export function parseCpubench(output: string): CpubenchOutput {
  const text = output.replace(/\r/g, "");
  const kernels = new Map<string, KernelTime>(); // not an object: a kernel may be named like one of its members
  let totalMs: number | null = null, scale: number | null = null;
  for (const line of text.split("\n")) {
    for (const k of line.matchAll(KERNEL_RESULT)) {
      const name = k[1];
      if (kernels.has(name)) return { ok: false, error: `cpubench printed kernel "${name}" twice` };
      if (totalMs !== null) return { ok: false, error: `cpubench printed kernel "${name}" after its total line` };
      kernels.set(name, { ms: Number(k[2]), checksum: k[3].toLowerCase() });
    }
    const total = TOTAL.exec(line), s = SCALE.exec(line);
    if (total) totalMs ??= Number(total[1]);
    if (s) scale = Number(s[1]);
  }
  const last = [...kernels.keys()].at(-1);
  if (last === undefined) return { ok: false, error: `no cpubench result lines ("cpubench NAME TIME ms checksum XXXXXXXX") in the output; it ends: ${tail(text)}` };
  if (totalMs === null) return { ok: false, error: `cpubench output is truncated (no "cpubench total" line; the last kernel seen is "${last}"); it ends: ${tail(text)}` };
  return { ok: true, scale, kernels: Object.fromEntries(kernels), totalMs };
}

/** The exit status the guest's init printed after a webpc.run program (WEBPC-RUN-EXIT n), if any. */
export function runExitStatus(output: string): number | undefined {
  const m = /WEBPC-RUN-EXIT (\d+)/.exec(output);
  return m ? Number(m[1]) : undefined;
}

/** The end of some output (its last `chars` characters), quoted, for error messages. */
export function tail(text: string, chars = 300): string {
  const t = text.trim();
  if (t === "") return "(no output at all)";
  return JSON.stringify(t.length > chars ? "…" + t.slice(-chars) : t);
}
