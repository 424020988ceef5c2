/** One value of a prom-client histogram (`get().values`). */
export interface HistogramValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A histogram as cumulative bucket counts: `counts[i]` observations were `<= le[i]`. */
export interface Buckets {
  /** Upper bounds, increasing; the last may be `Infinity`. */
  le: number[];
  /** Cumulative counts, one per bound. */
  counts: number[];
  /** All observations. */
  count: number;
}

/**
 * The q-quantile of a histogram in ms: the upper bound of the first bucket that holds a
 * `q` share of the observations (as coarse as the buckets); null without observations or
 * when it falls in the `+Inf` bucket. Pure.
 *
 * @example
 * ```ts
 * bucketQuantileMs({ le: [0.001, 0.01, Infinity], counts: [5, 9, 10], count: 10 }, 0.5); // 1
 * ```
 */
export function bucketQuantileMs(b: Buckets, q: number): number | null {
  if (!(b.count > 0)) return null;
  for (let i = 0; i < b.le.length; i++) {
    if (b.counts[i] >= q * b.count) return Number.isFinite(b.le[i]) ? b.le[i] * 1000 : null;
  }
  return null;
}

/** The buckets of prom-client histogram values, summed over every label set. Pure. */
export function bucketsOf(values: HistogramValue[]): Buckets {
  const byLe = new Map<number, number>();
  let count = 0;
  for (const v of values) {
    if (v.metricName?.endsWith("_bucket")) {
      const le = v.labels.le === "+Inf" ? Infinity : Number(v.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + v.value);
    } else if (v.metricName?.endsWith("_count")) count += v.value;
  }
  const sorted = [...byLe].sort((a, b) => a[0] - b[0]);
  return { le: sorted.map(([le]) => le), counts: sorted.map(([, n]) => n), count };
}

/** The q-quantile (ms) of prom-client histogram values; see {@link bucketQuantileMs}. */
export function histogramQuantileMs(values: HistogramValue[], q: number): number | null {
  return bucketQuantileMs(bucketsOf(values), q);
}
