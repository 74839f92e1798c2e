// Parser for the console output of images/guest/cpubench (see its printf calls):
//   cpubench scale 1
//   cpubench int         285.1 ms  checksum 105357e9
//   cpubench total      3466.2 ms
// Lines in between (kernel messages on the same console, the init's own lines) are ignored.

export type CpubenchOutput =
  | { ok: true; scale: number | null; kernels: Record<string, { ms: number; checksum: string }>; totalMs: number }
  | { ok: false; error: string };

const KERNEL_LINE = /^cpubench\s+(\S+)\s+(\d+(?:\.\d+)?)\s+ms\s+checksum\s+([0-9a-fA-F]+)\s*$/;
const TOTAL_LINE = /^cpubench\s+total\s+(\d+(?:\.\d+)?)\s+ms\s*$/;
const SCALE_LINE = /^cpubench\s+scale\s+(\d+)\s*$/;

export function parseCpubench(text: string): CpubenchOutput {
  const kernels: Record<string, { ms: number; checksum: string }> = {};
  let totalMs: number | null = null, scale: number | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r/g, "").trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(TOTAL_LINE))) {
      totalMs = Number(m[1]);
    } else if ((m = line.match(SCALE_LINE))) {
      scale = Number(m[1]);
    } else if ((m = line.match(KERNEL_LINE))) {
      if (m[1] in kernels) return { ok: false, error: `cpubench output names kernel "${m[1]}" twice` };
      if (totalMs !== null) return { ok: false, error: `cpubench output has kernel "${m[1]}" after its total line` };
      kernels[m[1]] = { ms: Number(m[2]), checksum: m[3].toLowerCase() };
    }
  }
  if (Object.keys(kernels).length === 0)
    return { ok: false, error: `no "cpubench NAME TIME ms checksum X" lines in the output (${describe(text)})` };
  if (totalMs === null)
    return { ok: false, error: `the output ends before the "cpubench total" line (truncated; last kernel: ${Object.keys(kernels).at(-1)})` };
  return { ok: true, scale, kernels, totalMs };
}

/** Last non-empty line of some output, shortened, for error messages. */
export function describe(text: string): string {
  const lines = text.replace(/\r/g, "").split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length === 0) return "no output at all";
  const last = lines.at(-1)!;
  return `last line: "${last.length > 120 ? last.slice(0, 117) + "..." : last}"`;
}
