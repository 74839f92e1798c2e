// Statistics of repeated runs: median and range (robust to the odd slow run on a shared machine), ratios.

export interface Summary { median: number; min: number; max: number; n: number }

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min and max of the samples; null for no samples (every run failed). */
export function summarize(xs: readonly number[]): Summary | null {
  if (xs.length === 0) return null;
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** a / b, or null when either is missing or b is not positive (a ratio to a failed or zero baseline). */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !(b > 0) || !Number.isFinite(a)) return null;
  return a / b;
}
