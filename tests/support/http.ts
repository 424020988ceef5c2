import { pollUntil } from "../../runtime/async/mod.ts";

/** A JSON call to a node's HTTP API: its status and parsed body. */
export async function callJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Bytes as base64 (in chunks: a component may be large), e.g. for `wasm_module`. */
export function base64Of(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * The count of the sample counter agent `receiver` (send-and-wait, asserting a 200): kept in its
 * storage (`query-ref`) or in its memory (`query-if`).
 */
export async function counterCount(
  base: string,
  receiver: string,
  performative: "query-ref" | "query-if",
): Promise<number> {
  const { status, body } = await callJson(
    base,
    "POST",
    "/api/v1/messages/send-and-wait?timeout_ms=10000",
    { performative, receiver, content: "count?" },
  );
  if (status !== 200) throw new Error(`count of ${receiver}: ${status} ${JSON.stringify(body)}`);
  const content = typeof body.reply.content === "string"
    ? JSON.parse(body.reply.content)
    : body.reply.content;
  return content.count;
}

/**
 * Waits until the node's at-least-once outbox is empty and holds no dead letter
 * (`GET /api/v1/dead-letters`: `pending` and `total` both 0). One look per 1.5 s: a node allows
 * 50 system requests a minute, and a poll throttled with 429 would never see it drain.
 */
export async function waitOutboxEmpty(base: string, what: string, timeoutMs = 30_000) {
  await pollUntil(`${what}: the outbox empty`, async () => {
    const { status, body } = await callJson(base, "GET", "/api/v1/dead-letters");
    if (status === 200 && body.pending === 0 && body.total === 0) return true;
    throw new Error(`outbox/dead letters: ${status} ${JSON.stringify(body)}`);
  }, { timeoutMs, intervalMs: 1_500 });
}
