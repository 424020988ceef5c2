import { A2A_VERSION_HEADER, formatSSEErrorEvent, formatSSEEvent, SSE_HEADERS } from "@a2a-js/sdk";
import {
  type A2ARequestHandler,
  JsonRpcTransportHandler,
  ServerCallContext,
  UnauthenticatedUser,
  validateVersion,
} from "@a2a-js/sdk/server";

/** A JSON-RPC error answer (`id` null when the request's is unknown). */
function rpcError(id: unknown, error: unknown): Response {
  return Response.json({
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: JsonRpcTransportHandler.mapToJSONRPCError(error),
  });
}

/** A JSON-RPC `-32700 Parse error` answer. */
export function parseError(message: string): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code: -32700, message } });
}

/** A JSON-RPC `-32602 Invalid params` answer that names the bad value. */
export function invalidParams(id: unknown, message: string): Response {
  return Response.json({
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: { code: -32602, message },
  });
}

/**
 * Answers one A2A JSON-RPC request with the SDK's transport handler, as web-standard
 * `Response`s (the SDK ships this shell for Express only): a plain JSON-RPC answer, or an SSE
 * stream for `SendStreamingMessage` / `SubscribeToTask`. `body` is the parsed request.
 */
export async function a2aJsonRpc(
  handler: A2ARequestHandler,
  body: unknown,
  headers: Headers,
): Promise<Response> {
  const id = (body as { id?: unknown } | null)?.id;
  const requestedVersion = headers.get(A2A_VERSION_HEADER) ?? undefined;
  const context = new ServerCallContext({
    user: new UnauthenticatedUser(),
    requestedVersion,
    state: new Map([["headers", Object.fromEntries(headers)]]),
  });
  let out: Awaited<ReturnType<JsonRpcTransportHandler["handle"]>>;
  try {
    validateVersion(context.requestedVersion, await handler.getAgentCard(), "JSONRPC");
    out = await new JsonRpcTransportHandler(handler).handle(
      body as Record<string, unknown>,
      context,
    );
  } catch (e) {
    return rpcError(id, e);
  }
  if (!isAsyncIterable(out)) return Response.json(out);
  const iterator = out[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (e) {
    return rpcError(id, e);
  }
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(encoder.encode(formatSSEEvent(first.value)));
    },
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(formatSSEEvent(next.value)));
      } catch (e) {
        const error = {
          jsonrpc: "2.0",
          id: id ?? null,
          error: JsonRpcTransportHandler.mapToJSONRPCError(e),
        };
        controller.enqueue(encoder.encode(formatSSEErrorEvent(error)));
        controller.close();
      }
    },
    async cancel() {
      await iterator.return?.(undefined);
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof (v as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === "function";
}
