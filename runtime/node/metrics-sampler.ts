import {
  MetricsSeries,
  type NodeMetrics,
  readMetrics,
  SERIES_INTERVAL_MS,
  SERIES_WINDOW_MS,
} from "../metrics/mod.ts";

/** Clock and timer of a {@link MetricsSampler} (injected in tests). */
export interface SamplerClock {
  now(): number;
  setInterval(f: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
}

const REAL_CLOCK: SamplerClock = {
  now: () => Date.now(),
  setInterval: (f, ms) => setInterval(f, ms),
  clearInterval: (id) => clearInterval(id as ReturnType<typeof setInterval>),
};

/** The shell around a {@link MetricsSeries}: reads the node's metrics every interval. */
export interface MetricsSampler {
  series: MetricsSeries;
  /** Takes one reading now (also what the timer calls). */
  sample(): Promise<void>;
  stop(): void;
}

/**
 * Starts sampling `metrics` into a bounded series (default: a point per 10 s, 15 minutes).
 * The first reading, taken at once, is the baseline.
 */
export async function startMetricsSampler(
  node: string,
  metrics: NodeMetrics,
  opts: { intervalMs?: number; windowMs?: number; clock?: SamplerClock } = {},
): Promise<MetricsSampler> {
  const clock = opts.clock ?? REAL_CLOCK;
  const intervalMs = opts.intervalMs ?? SERIES_INTERVAL_MS;
  const series = new MetricsSeries(node, intervalMs, opts.windowMs ?? SERIES_WINDOW_MS);
  const sample = async () => series.sample(await readMetrics(metrics, clock.now()));
  await sample();
  const timer = clock.setInterval(() => void sample().catch(() => {}), intervalMs);
  return { series, sample, stop: () => clock.clearInterval(timer) };
}
