// The client's pure parts: the retry decision, Retry-After parsing, error bodies; and that
// client/mod.ts loads nothing of the node at run time (its imports of runtime/ are types).
import assert from "node:assert/strict";
import {
  ApiError,
  DEFAULT_RETRY,
  receiverCount,
  retryAfterMs,
  retryDelay,
  UnreachableError,
} from "../../../client/mod.ts";

const refusal = (status: number, retryAfter?: number) => ({ status, retryAfterMs: retryAfter });

Deno.test("retryDelay honours Retry-After, else backs off; only 429/503, only maxRetries", () => {
  assert.equal(retryDelay(DEFAULT_RETRY, 1, refusal(429, 2000)), 2000);
  assert.equal(retryDelay(DEFAULT_RETRY, 3, refusal(503, 0)), 0);
  assert.deepEqual([1, 2, 3].map((n) => retryDelay(DEFAULT_RETRY, n, refusal(503))), [
    250,
    500,
    1000,
  ]);
  assert.equal(retryDelay(DEFAULT_RETRY, 4, refusal(429, 10)), undefined, "retries used up");
  for (const s of [400, 404, 409, 500, 504]) {
    assert.equal(retryDelay(DEFAULT_RETRY, 1, refusal(s, 1000)), undefined, `status ${s}`);
  }
  assert.equal(
    retryDelay(DEFAULT_RETRY, 1, refusal(429, 61_000)),
    undefined,
    "longer than maxRetryAfterMs: the error is thrown instead",
  );
  assert.equal(retryDelay({ ...DEFAULT_RETRY, maxRetries: 0 }, 1, refusal(429, 1)), undefined);
  const capped = { ...DEFAULT_RETRY, maxRetries: 10, maxDelayMs: 700 };
  assert.equal(retryDelay(capped, 9, refusal(503)), 700);
});

Deno.test("Retry-After: delay-seconds or an HTTP date; anything else is ignored", () => {
  assert.equal(retryAfterMs("1"), 1000);
  assert.equal(retryAfterMs(" 120 "), 120_000);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
  assert.equal(retryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now), 0, "a past date: no wait");
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs("soon"), undefined);
  assert.equal(retryAfterMs("-1"), undefined);
});

Deno.test("ApiError carries the node's code, message, details and trace id", () => {
  const e = new ApiError(404, {
    code: "AGENT_NOT_FOUND",
    message: "Agent 'x' not found",
    details: { agent: "x" },
    trace_id: "t1",
  });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "ApiError");
  assert.equal(e.message, "Agent 'x' not found");
  assert.deepEqual([e.status, e.code, e.details, e.traceId], [404, "AGENT_NOT_FOUND", {
    agent: "x",
  }, "t1"]);
  assert.deepEqual(e.body, {
    code: "AGENT_NOT_FOUND",
    message: "Agent 'x' not found",
    details: { agent: "x" },
    trace_id: "t1",
  });
  assert.equal(
    new UnreachableError("http://h:1", "refused").message,
    "cannot reach http://h:1: refused",
  );
});

/** The modules `entry` loads at run time: `deno info` with type-only imports left out. */
async function runtimeModules(entry: string): Promise<string[]> {
  const root = new URL("../../../", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
  };
  const bySpec = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const visit = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of bySpec.get(s)?.dependencies ?? []) if (d.code) visit(d.code.specifier);
  };
  visit(new URL(entry, root).href);
  return [...seen].map((s) => s.startsWith(root.href) ? s.slice(root.href.length) : s).sort();
}

Deno.test("client/mod.ts loads no code of the node: only client/ and the pure backoff schedule", async () => {
  const mods = await runtimeModules("client/mod.ts");
  const foreign = mods.filter((m) => !m.startsWith("client/"));
  assert.deepEqual(foreign, ["runtime/async/backoff.ts"]);
  assert.ok(mods.includes("client/types.ts") === false, "types.ts is imported for types only");
});

Deno.test("receiverCount: the JSON form's receivers, the FIPA string form's set", () => {
  assert.equal(receiverCount({ performative: "inform", receiver: "a" }), 1);
  assert.equal(receiverCount({ performative: "inform", receiver: { name: "a@p" } }), 1);
  assert.equal(receiverCount({ performative: "inform", receiver: ["a", "b"] }), 2);
  assert.equal(
    receiverCount('(inform :receiver (set (agent-identifier :name a)) :content "x (y")'),
    1,
  );
  assert.equal(
    receiverCount(
      '(request :content "(set (a) (b))" :receiver (set (agent-identifier :name "a)") ' +
        "(agent-identifier :name b :addresses (sequence http://h/acc))))",
    ),
    2,
    "parentheses in strings and nested sets do not count",
  );
  assert.equal(receiverCount("(inform :content x)"), undefined);
  assert.equal(receiverCount('(inform :receiver (set (agent-identifier :name "a'), undefined);
});
