/**
 * Prometheus metrics of a node (prom-client), histogram quantiles, and the bounded time
 * series of recent throughput and latency the dashboard plots.
 * @module
 */
export {
  createNodeMetrics,
  LATENCY_BUCKETS,
  METRICS_CONTENT_TYPE,
  type NodeMetrics,
  readMetrics,
  renderMetrics,
} from "./node-metrics.ts";
export {
  bucketQuantileMs,
  type Buckets,
  bucketsOf,
  histogramQuantileMs,
  type HistogramValue,
} from "./quantile.ts";
export {
  type MetricsReading,
  MetricsSeries,
  pointBetween,
  SERIES_INTERVAL_MS,
  SERIES_WINDOW_MS,
  type SeriesPoint,
  type SeriesView,
} from "./series.ts";
