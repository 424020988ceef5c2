/**
 * A node's recent throughput and latency: a bounded time series of points, one per
 * sampling interval, each computed from two readings of the node's cumulative counters.
 * Pure: readings come in with their time; nothing here reads a clock or sets a timer
 * (the node's sampler does, see `runtime/node/metrics-sampler.ts`).
 * @module
 */
import { bucketQuantileMs, type Buckets } from "./quantile.ts";

/** One reading of the node's cumulative counters. */
export interface MetricsReading {
  /** When it was read, ms since the epoch. */
  at: number;
  /** Messages handled by this node's agents so far. */
  messages: number;
  /** Handling latency so far (cumulative histogram). */
  latency: Buckets;
}

/** One point of the series: what happened between two readings. */
export interface SeriesPoint {
  /** End of the interval (ISO 8601). */
  t: string;
  /** Length of the interval, seconds. */
  seconds: number;
  /** Messages handled in the interval. */
  messages: number;
  messages_per_s: number;
  /** Handling latency quantiles of the interval's messages (null: none handled). */
  p50_ms: number | null;
  p99_ms: number | null;
  /** True for the point still being filled (from the last sample to the reading asked for). */
  partial?: boolean;
}

/** What `GET /api/v1/metrics/series` answers. */
export interface SeriesView {
  node: string;
  interval_seconds: number;
  window_seconds: number;
  points: SeriesPoint[];
}

/** Default sampling interval: 10 s. */
export const SERIES_INTERVAL_MS = 10_000;
/** Default window: 15 minutes (90 points of 10 s). */
export const SERIES_WINDOW_MS = 15 * 60_000;

/**
 * The point between readings `prev` and `cur` (latency quantiles of the bucket
 * differences). Pure.
 */
export function pointBetween(prev: MetricsReading, cur: MetricsReading): SeriesPoint {
  const seconds = Math.max(0, (cur.at - prev.at) / 1000);
  const messages = Math.max(0, cur.messages - prev.messages);
  const before = new Map(prev.latency.le.map((le, i) => [le, prev.latency.counts[i]]));
  const delta: Buckets = {
    le: cur.latency.le,
    counts: cur.latency.le.map((le, i) => cur.latency.counts[i] - (before.get(le) ?? 0)),
    count: cur.latency.count - prev.latency.count,
  };
  return {
    t: new Date(cur.at).toISOString(),
    seconds: round(seconds),
    messages,
    messages_per_s: seconds > 0 ? round(messages / seconds) : 0,
    p50_ms: bucketQuantileMs(delta, 0.5),
    p99_ms: bucketQuantileMs(delta, 0.99),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The bounded series: `sample` closes a point per call (after the first, which only sets
 * the baseline); points older than the window go.
 *
 * @example
 * ```ts
 * const s = new MetricsSeries("node1");
 * s.sample(reading0);            // baseline
 * s.sample(reading1);            // one point: reading0 → reading1
 * s.view(reading2).points;       // that point and a partial one up to reading2
 * ```
 */
export class MetricsSeries {
  readonly #points: SeriesPoint[] = [];
  #last: MetricsReading | undefined;
  readonly capacity: number;

  constructor(
    readonly node: string,
    readonly intervalMs = SERIES_INTERVAL_MS,
    readonly windowMs = SERIES_WINDOW_MS,
  ) {
    if (!(intervalMs > 0) || !(windowMs >= intervalMs)) {
      throw new RangeError(`bad series interval ${intervalMs} ms / window ${windowMs} ms`);
    }
    this.capacity = Math.ceil(windowMs / intervalMs);
  }

  /** Closes the point since the previous reading (the first reading is the baseline). */
  sample(r: MetricsReading): void {
    if (this.#last && r.at > this.#last.at) {
      this.#points.push(pointBetween(this.#last, r));
      if (this.#points.length > this.capacity) {
        this.#points.splice(0, this.#points.length - this.capacity);
      }
    }
    if (!this.#last || r.at >= this.#last.at) this.#last = r;
  }

  /** The points, oldest first; with `now`, a last partial point from the last sample to it. */
  view(now?: MetricsReading): SeriesView {
    const points = [...this.#points];
    if (now && this.#last && now.at > this.#last.at) {
      points.push({ ...pointBetween(this.#last, now), partial: true });
    }
    return {
      node: this.node,
      interval_seconds: this.intervalMs / 1000,
      window_seconds: this.windowMs / 1000,
      points,
    };
  }
}
