/**
 * OpenTelemetry tracing through Deno's built-in support: spans around routing and delivery,
 * with the W3C trace context carried inside ACL messages (`X-traceparent`) across nodes.
 * @module
 */
export {
  extractTrace,
  injectTrace,
  inSpan,
  messageAttributes,
  TRACE_PARAMS,
  tracer,
  TRACING,
} from "./tracing.ts";
