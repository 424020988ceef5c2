/**
 * Prometheus metrics of a node (prom-client).
 * @module
 */
export {
  createNodeMetrics,
  METRICS_CONTENT_TYPE,
  type NodeMetrics,
  renderMetrics,
} from "./node-metrics.ts";
