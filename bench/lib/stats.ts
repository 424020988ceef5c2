/** Summary statistics of a sample, in the sample's unit. */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The q-quantile (0..1) of an ascending-sorted sample, by nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Summarises a sample (it is not modified). */
export function summarize(sample: number[]): Summary {
  const s = [...sample].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0],
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    max: s[s.length - 1],
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

/**
 * Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations
 * per second; `fn` returns how many operations it did.
 */
export function throughput(fn: () => number, ms = 1000, warmupMs = 200): number {
  let t0 = performance.now();
  while (performance.now() - t0 < warmupMs) fn();
  let ops = 0;
  t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    ops += fn();
    t = performance.now();
  }
  return (ops * 1000) / (t - t0);
}
