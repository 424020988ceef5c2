// A deployment's second instance shares the agent's storage: through real HTTP against real
// node processes, the tiny counter (its count in storage, key "n") counts every message
// either version handled exactly once — after a canary or blue-green completes, after a
// rollback, through a hot reload under load, and after a SIGKILL mid-canary and a restart.
import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";
import { callJson as call } from "../support/http.ts";
import {
  deployAgent,
  deploymentEnded as ended,
  deploymentOf as deployment,
  distBytes,
  startDeployment,
} from "../support/deployments.ts";

/** Deploys the tiny counter as `name`, version 1.0.0. */
function deployCounter(base: string, name: string): Promise<void> {
  // A generous CPU limit: a machine loaded by parallel tests must not fail the counter (this
  // test is about what storage keeps; the limit has its own tests). No hibernation.
  return deployAgent(base, "tiny-counter.wasm", {
    name,
    version: "1.0.0",
    hibernate_after_seconds: 0,
    limits: { cpu_ms_per_call: 5_000 },
  });
}

/** Starts a deployment of the tiny counter again, as 2.0.0, with `strategy`. */
function deployNext(base: string, name: string, strategy: unknown): Promise<string> {
  return startDeployment(base, name, "tiny-counter.wasm", "2.0.0", strategy);
}

/** One `request` (a count) in a conversation of its own, or of `conversation_id`. */
async function count(base: string, name: string, conversation_id?: string): Promise<number> {
  const r = await call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=20000", {
    performative: "request",
    receiver: name,
    content: "inc",
    conversation_id: conversation_id ?? `conv-${crypto.randomUUID()}`,
  });
  return r.status;
}

/** The count in the agent's storage. */
async function stored(base: string, name: string): Promise<number> {
  const r = await call(base, "POST", "/api/v1/messages/send-and-wait?timeout_ms=20000", {
    performative: "query-ref",
    receiver: name,
    content: "count?",
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const c = r.body.reply.content;
  return (typeof c === "string" ? JSON.parse(c) : c).count;
}

/**
 * Counts with `workers` clients at once until `until` resolves, then once more each (so
 * some counts come after it); the statuses of every count.
 */
async function streamUntil(
  base: string,
  name: string,
  until: Promise<unknown>,
  workers = 4,
): Promise<number[]> {
  let done = false;
  until.finally(() => (done = true)).catch(() => {});
  const statuses: number[] = [];
  await Promise.all(Array.from({ length: workers }, async () => {
    while (!done) statuses.push(await count(base, name));
    statuses.push(await count(base, name));
  }));
  return statuses;
}

for (
  const [kind, strategy] of [
    ["canary", {
      type: "canary",
      stages: [{ percentage: 50, duration: "2s" }, { percentage: 100, duration: "500ms" }],
    }],
    ["blue-green", { type: "blue_green", rollback_window: "3s" }],
  ] as const
) {
  Deno.test(`a ${kind} deployment under a steady stream: the count in storage holds every message of both versions, once`, async () => {
    const node = await spawnNode(["--rate-limit", "off"]);
    try {
      await deployCounter(node.url, "cnt");
      // Some counts before the deployment, by the old version alone.
      for (let i = 0; i < 10; i++) assert.equal(await count(node.url, "cnt"), 200);
      const id = await deployNext(node.url, "cnt", strategy);
      const end = ended(node.url, id);
      const statuses = await streamUntil(node.url, "cnt", end);
      const d = await end;
      assert.equal(d.status, "completed", JSON.stringify(d));
      assert.deepEqual(statuses.filter((s) => s !== 200), [], "every count answered");
      // The new version handled some while the old one still ran (its writes are kept).
      assert.ok(d.metrics["2.0.0"].handled > 0, JSON.stringify(d.metrics));
      if (kind === "canary") assert.ok(d.metrics["1.0.0"].handled > 0, JSON.stringify(d.metrics));
      assert.equal(await stored(node.url, "cnt"), 10 + statuses.length);
      for (let i = 0; i < 10; i++) assert.equal(await count(node.url, "cnt"), 200);
      assert.equal(await stored(node.url, "cnt"), 20 + statuses.length);
      assert.equal((await call(node.url, "GET", "/api/v1/agents/cnt")).body.version, "2.0.0");
    } finally {
      await node.stop();
    }
  });
}

Deno.test("a canary rolled back: what the new version wrote stays in the agent's storage, counted once", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployCounter(node.url, "rb");
    const id = await deployNext(node.url, "rb", {
      type: "canary",
      stages: [{ percentage: 50, duration: "10m" }, { percentage: 100, duration: "0" }],
    });
    const statuses: number[] = [];
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 50; i++) statuses.push(await count(node.url, "rb"));
    }));
    assert.deepEqual(statuses.filter((s) => s !== 200), []);
    const during = await deployment(node.url, id);
    assert.ok(during.metrics["2.0.0"].handled > 0, JSON.stringify(during.metrics));
    assert.ok(during.metrics["1.0.0"].handled > 0, JSON.stringify(during.metrics));
    // Both versions read and write one storage: it holds every count so far.
    assert.equal(await stored(node.url, "rb"), 200);
    // An agent running a second version neither hibernates nor moves.
    const h = await call(node.url, "POST", "/api/v1/agents/rb/hibernate");
    assert.equal(h.status, 409, JSON.stringify(h.body));
    assert.match(
      h.body.error.message,
      /second version \(2\.0\.0\).*hibernates once the deployment ends/,
    );

    const r = await call(node.url, "POST", `/api/v1/deployments/${id}/rollback`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await deployment(node.url, id)).status, "rolled_back");
    assert.equal(await stored(node.url, "rb"), 200, "the new version's counts stay");
    for (let i = 0; i < 20; i++) assert.equal(await count(node.url, "rb"), 200);
    assert.equal(await stored(node.url, "rb"), 220);
    assert.equal((await call(node.url, "GET", "/api/v1/agents/rb")).body.version, "1.0.0");
  } finally {
    await node.stop();
  }
});

Deno.test("hot reload under load: conversations of three counts, the count in storage exact", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployCounter(node.url, "hot");
    let done = false;
    const statuses: number[] = [];
    const stream = Promise.all(Array.from({ length: 4 }, async () => {
      while (!done) {
        const conversation = `conv-${crypto.randomUUID()}`;
        for (let i = 0; i < 3; i++) statuses.push(await count(node.url, "hot", conversation));
      }
    }));
    await pollUntil("counts before the reload", () => statuses.length >= 30 || undefined);
    const form = new FormData();
    form.append("wasm", new Blob([await distBytes("tiny-counter.wasm")]), "v2.wasm");
    form.append(
      "config",
      JSON.stringify({
        strategy: "graceful",
        version: "2.0.0",
        traffic_split: 50,
        split_duration: "1s",
        drain_seconds: 2,
      }),
    );
    const res = await fetch(`${node.url}/api/v1/agents/hot/reload`, { method: "PUT", body: form });
    assert.equal(res.status, 202, await res.clone().text());
    const reload = await res.json();
    const d = await ended(node.url, reload.hot_reload_id);
    done = true;
    await stream;
    assert.equal(d.status, "completed", JSON.stringify(d));
    assert.ok(d.metrics["2.0.0"].handled > 0, JSON.stringify(d.metrics));
    assert.deepEqual(statuses.filter((s) => s !== 200), [], "every count answered");
    assert.equal(await stored(node.url, "hot"), statuses.length);
  } finally {
    await node.stop();
  }
});

/** An at-least-once `request` with `id` as its Idempotency-Key; the API's status (0: no answer). */
function sendDurable(base: string, name: string, id: string): Promise<number> {
  return fetch(`${base}/api/v1/messages?delivery=at-least-once`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": id },
    body: JSON.stringify({
      performative: "request",
      sender: "client",
      receiver: name,
      content: "inc",
    }),
  }).then(async (r) => {
    await r.body?.cancel();
    return r.status;
  }, () => 0);
}

Deno.test("a node killed (SIGKILL) mid-canary and restarted: every acknowledged message counted once", async () => {
  const N = 240;
  let node: NodeProcess = await spawnNode(["--rate-limit", "off"]);
  let second: NodeProcess | undefined;
  try {
    await deployCounter(node.url, "kc");
    const id = await deployNext(node.url, "kc", {
      type: "canary",
      stages: [{ percentage: 50, duration: "10m" }, { percentage: 100, duration: "0" }],
    });
    const ids = Array.from({ length: N }, (_, i) => `kc-${i}`);
    const unanswered: string[] = [];
    let next = 0;
    let killed: Promise<unknown> | undefined;
    const kill = () => (killed ??= node.stop("SIGKILL", { keepData: true }));
    const sending = Promise.all(Array.from({ length: 4 }, async () => {
      while (next < ids.length) {
        const m = ids[next++];
        if (killed || await sendDurable(node.url, "kc", m) !== 202) unanswered.push(m);
      }
    }));
    // Killed once the new version has handled some of them (the old one too, by the split).
    await pollUntil("the new version handling", async () => {
      const d = await deployment(node.url, id);
      return d.metrics?.["2.0.0"]?.handled >= 20 ? true : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    await kill();
    await sending;

    second = await spawnNode(["--rate-limit", "off"], {}, { dataDir: node.dataDir });
    node = second;
    // What had no answer is sent again (same key). The acknowledged ones are the node's to
    // deliver: each once, whichever version handled it before the kill.
    for (const m of unanswered) assert.equal(await sendDurable(second.url, "kc", m), 202, m);
    const base = second.url;
    await pollUntil("the outbox empty", async () => {
      const r = await (await fetch(`${base}/api/v1/dead-letters`)).json();
      if (r.pending === 0 && r.total === 0) return true;
      throw new Error(`outbox/dead letters: ${JSON.stringify(r)}`);
    }, { timeoutMs: 60_000, intervalMs: 1_500 });
    assert.equal((await deployment(base, id)).status, "rolled_back");
    assert.equal(await stored(base, "kc"), N, `${unanswered.length} sent again after the restart`);
  } finally {
    await node.stop().catch(() => {});
  }
});
