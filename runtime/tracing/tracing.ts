import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { AclMessage } from "../acl/mod.ts";
import { VERSION } from "../version.ts";

/**
 * The ACL user parameters that carry W3C trace context between nodes and platforms
 * (`:X-traceparent`, `:X-tracestate` in the string form).
 */
export const TRACE_PARAMS = { traceparent: "X-traceparent", tracestate: "X-tracestate" } as const;

function envFlag(): boolean {
  try {
    return Deno.env.get("OTEL_DENO") === "true";
  } catch {
    return false;
  }
}

/**
 * Whether tracing is on: Deno's built-in OpenTelemetry is enabled with `OTEL_DENO=true`
 * (export with `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`). Off, the
 * message path skips all span work.
 */
export const TRACING: boolean = envFlag();

/** The runtime's tracer (a no-op unless Deno's OpenTelemetry is on). */
export const tracer = trace.getTracer("fipa-edge", VERSION);

/** The trace context a message carries, if any. */
export function extractTrace(
  msg: AclMessage,
  base: Context = context.active(),
): Context | undefined {
  const tp = msg.user_params?.[TRACE_PARAMS.traceparent];
  if (!tp) return undefined;
  const ts = msg.user_params?.[TRACE_PARAMS.tracestate];
  return propagation.extract(base, { traceparent: tp, ...(ts ? { tracestate: ts } : {}) });
}

/** The message with the active trace context in its user parameters (unchanged when off). */
export function injectTrace(msg: AclMessage, ctx: Context = context.active()): AclMessage {
  if (!TRACING) return msg;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return msg;
  return {
    ...msg,
    user_params: {
      ...msg.user_params,
      [TRACE_PARAMS.traceparent]: carrier.traceparent,
      ...(carrier.tracestate ? { [TRACE_PARAMS.tracestate]: carrier.tracestate } : {}),
    },
  };
}

/** Attributes describing a message on a span. */
export function messageAttributes(msg: AclMessage, messageId: string): Attributes {
  return {
    "fipa.message_id": messageId,
    "fipa.performative": msg.performative,
    "fipa.receivers": msg.receivers.map((r) => r.name).join(","),
    ...(msg.sender ? { "fipa.sender": msg.sender.name } : {}),
    ...(msg.conversation_id ? { "fipa.conversation_id": msg.conversation_id } : {}),
    ...(msg.protocol ? { "fipa.protocol": msg.protocol } : {}),
  };
}

/**
 * Runs `fn` in a span named `name` (a child of `parent`, else of the active context),
 * recording an exception and an error status when it throws. With tracing off it just runs
 * `fn`.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  parent: Context | undefined,
  fn: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!TRACING) return fn();
  return tracer.startActiveSpan(name, { attributes }, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
      throw e;
    } finally {
      span.end();
    }
  });
}
