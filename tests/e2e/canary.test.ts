// Canary and blue-green deployments through real HTTP against a real node: two versions
// side by side, new conversations by weight, automatic rollback, no message lost.
import assert from "node:assert/strict";
import { buildWatComponent } from "../../agents/build/mod.ts";
import { spawnNode } from "../support/node-process.ts";
import { callJson as call } from "../support/http.ts";
import { pollUntil } from "../../runtime/async/mod.ts";
import {
  deployAgent,
  deploymentEnded,
  distBytes,
  startDeployment,
} from "../support/deployments.ts";
import { FipaEdgeClient, type NodeEvent } from "../../client/mod.ts";

const PRELUDE = new URL("../../agents/tiny/prelude.wat", import.meta.url);

/** A component that traps on every message. */
async function trapAgent(): Promise<Uint8Array> {
  const prelude = await Deno.readTextFile(PRELUDE);
  return await buildWatComponent(`(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ${prelude}
  (func (export "handle-message") (param $m i32) (result i32) unreachable))`);
}

/** A component that answers every message with `performative` (6: failure), or, without one, not at all. */
async function badAgent(performative?: number): Promise<Uint8Array> {
  const prelude = await Deno.readTextFile(PRELUDE);
  const answer = performative === undefined
    ? ""
    : `(drop (call $reply (local.get $m) (i32.const ${performative}) (i32.const 0) (i32.const 0) (i32.const 0)))`;
  return await buildWatComponent(`(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  ${prelude}
  (func (export "handle-message") (param $m i32) (result i32)
    ${answer}
    (global.set $heap (i32.const 1024))
    (i32.const 1)))`);
}

/** Deploys the tiny echo as `name`, version 1.0.0 (the old version answers with the content). */
function deployEcho(base: string, name: string): Promise<void> {
  return deployAgent(base, "tiny.wasm", { name, version: "1.0.0" });
}

let seq = 0;
/** One conversation: a request with a fresh conversation id; which version answered. */
async function converse(base: string, agent: string, timeoutMs = 10_000) {
  const content = `m${++seq}`;
  const sent = performance.now();
  const r = await call(base, "POST", `/api/v1/messages/send-and-wait?timeout_ms=${timeoutMs}`, {
    performative: "request",
    receiver: agent,
    content,
    conversation_id: `conv-${crypto.randomUUID()}`,
  });
  const version = r.status !== 200 ? "error" : r.body.reply.content === content ? "old" : "new";
  return { sent, answered: performance.now(), version, status: r.status };
}

Deno.test("canary 10 → 50 → 100 of a good version: new conversations follow each stage's weight", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployEcho(node.url, "can");
    const id = await startDeployment(node.url, "can", "tiny-counter.wasm", "2.0.0", {
      type: "canary",
      stages: [
        { percentage: 10, duration: "4s" },
        { percentage: 50, duration: "4s" },
        { percentage: 100, duration: "1s" },
      ],
    });
    // Stage changes as the client sees them (polled), to attribute each conversation.
    const seen: { at: number; stage: number; status: string }[] = [];
    let status = "in_progress";
    const poller = (async () => {
      while (status === "in_progress") {
        const g = await call(node.url, "GET", `/api/v1/deployments/${id}`);
        status = g.body.status;
        assert.equal(g.status, 200, JSON.stringify(g.body));
        seen.push({ at: performance.now(), stage: g.body.stage, status });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const results: Awaited<ReturnType<typeof converse>>[] = [];
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (status === "in_progress") results.push(await converse(node.url, "can"));
    }));
    await poller;
    assert.equal(status, "completed", JSON.stringify(seen.at(-1)));
    assert.ok(results.length >= 1000, `only ${results.length} conversations`);
    assert.deepEqual(results.filter((r) => r.version === "error"), []);

    // A conversation belongs to stage s when every poll from just before it was sent to
    // just after it was answered saw stage s.
    const stageOf = (r: { sent: number; answered: number }) => {
      const before = seen.findLast((p) => p.at <= r.sent);
      const after = seen.find((p) => p.at >= r.answered);
      if (!before || !after || before.stage !== after.stage) return undefined;
      if (after.status !== "in_progress") return undefined;
      return before.stage;
    };
    const weights = [10, 50, 100];
    for (const [stage, weight] of weights.entries()) {
      const mine = results.filter((r) => stageOf(r) === stage);
      if (stage < 2) assert.ok(mine.length >= 100, `stage ${stage}: ${mine.length} conversations`);
      if (mine.length === 0) continue;
      const share = 100 * mine.filter((r) => r.version === "new").length / mine.length;
      assert.ok(
        Math.abs(share - weight) <= 5,
        `stage ${stage}: ${share.toFixed(1)} % to the new version, not ${weight} ± 5`,
      );
    }
    const done = (await call(node.url, "GET", `/api/v1/deployments/${id}`)).body;
    assert.deepEqual(done.traffic, { "1.0.0": 0, "2.0.0": 100 });
    assert.ok(done.metrics["2.0.0"].handled > 0);
    assert.equal(done.metrics["2.0.0"].errors, 0);
    const agent = (await call(node.url, "GET", "/api/v1/agents/can")).body;
    assert.equal(agent.version, "2.0.0");
    // Now every conversation is the new version's.
    for (let i = 0; i < 20; i++) assert.equal((await converse(node.url, "can")).version, "new");
  } finally {
    await node.stop();
  }
});

Deno.test("a canary that traps on every message is rolled back by itself; then the old version answers all", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployEcho(node.url, "bad");
    // The deployment's events on /ws, from subscription to the rollback.
    const stopEvents = new AbortController();
    const events: NodeEvent[] = [];
    let subscribed!: () => void;
    const ready = new Promise<void>((r) => (subscribed = r));
    const watching = (async () => {
      const stream = new FipaEdgeClient(node.url).events({ events: ["deployment.*"] }, {
        signal: stopEvents.signal,
        onStatus: (st) => st.type === "subscribed" && subscribed(),
      });
      for await (const e of stream) {
        events.push(e);
        if (e.type === "deployment.rolled_back") break;
      }
    })();
    await ready;
    const id = await startDeployment(node.url, "bad", await trapAgent(), "2.0.0-broken", {
      type: "canary",
      stages: [{ percentage: 10, duration: "60s" }, { percentage: 100, duration: "0" }],
      rollback_on_error: true,
      error_threshold: 0.05,
      min_samples: 10,
    });
    let status = "in_progress";
    let sent = 0;
    while (status === "in_progress" && sent < 3000) {
      await Promise.all(Array.from({ length: 10 }, () => converse(node.url, "bad")));
      sent += 10;
      status = (await call(node.url, "GET", `/api/v1/deployments/${id}`)).body.status;
    }
    const g = (await call(node.url, "GET", `/api/v1/deployments/${id}`)).body;
    assert.equal(g.status, "rolled_back", JSON.stringify(g));
    assert.match(g.reason, /error rate 1\.000 of the new version .* passed error_threshold 0\.05/);
    assert.equal(g.metrics["2.0.0-broken"].success_rate, 0);
    assert.deepEqual(g.traffic, { "1.0.0": 100, "2.0.0-broken": 0 });
    for (let i = 0; i < 100; i++) {
      const r = await converse(node.url, "bad");
      assert.equal(r.version, "old", `message ${i}: ${r.status}`);
    }
    const agent = (await call(node.url, "GET", "/api/v1/agents/bad")).body;
    assert.equal(agent.version, "1.0.0");
    assert.equal(agent.status, "running");
    await watching;
    stopEvents.abort();
    assert.deepEqual(events.map((e) => e.type), ["deployment.started", "deployment.rolled_back"]);
    assert.equal(events[1].agent_id, "bad");
    const details = events[1].details as { reason: string; deployment_id: string };
    assert.equal(details.deployment_id, id);
    assert.match(details.reason, /passed error_threshold 0\.05/);
  } finally {
    await node.stop();
  }
});

Deno.test("blue-green under a steady stream: every message answered once, none lost", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployEcho(node.url, "bg");
    let stop = false;
    const results: Awaited<ReturnType<typeof converse>>[] = [];
    const stream = Promise.all(Array.from({ length: 4 }, async () => {
      while (!stop) results.push(await converse(node.url, "bg"));
    }));
    await pollUntil("messages before the deployment", () => results.length >= 20 || undefined);
    const id = await startDeployment(node.url, "bg", "tiny-counter.wasm", "2.0.0", {
      type: "blue_green",
      rollback_window: "1s",
    });
    const status = (await deploymentEnded(node.url, id)).status;
    const atEnd = results.length;
    await pollUntil(
      "messages after the deployment",
      () => results.length >= atEnd + 20 || undefined,
    );
    stop = true;
    await stream;
    assert.equal(status, "completed");
    assert.ok(results.length > 100, `${results.length} messages`);
    assert.deepEqual(results.filter((r) => r.status !== 200), [], "none lost");
    assert.ok(results.some((r) => r.version === "old") && results.some((r) => r.version === "new"));
    // All at once: once a conversation went to the new version, none went to the old.
    const firstNew = results.findIndex((r) => r.version === "new");
    const lateOld = results.slice(firstNew).filter((r) =>
      r.version === "old" && r.sent > results[firstNew].answered
    );
    assert.deepEqual(lateOld, []);
  } finally {
    await node.stop();
  }
});

Deno.test("hot reload under load: no message lost, no conversation split across versions", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    await deployEcho(node.url, "hot");
    let stop = false;
    const conversations: { versions: string[]; statuses: number[] }[] = [];
    // Conversations of three requests each, under one conversation id.
    const stream = Promise.all(Array.from({ length: 4 }, async () => {
      while (!stop) {
        const conversation_id = `conv-${crypto.randomUUID()}`;
        const c = { versions: [] as string[], statuses: [] as number[] };
        conversations.push(c);
        for (let i = 0; i < 3; i++) {
          const content = `${conversation_id}-${i}`;
          const r = await call(
            node.url,
            "POST",
            "/api/v1/messages/send-and-wait?timeout_ms=10000",
            {
              performative: "request",
              receiver: "hot",
              content,
              conversation_id,
            },
          );
          c.statuses.push(r.status);
          c.versions.push(
            r.status !== 200 ? "error" : r.body.reply.content === content ? "old" : "new",
          );
        }
      }
    }));
    await pollUntil("messages before the reload", () => conversations.length >= 10 || undefined);
    const form = new FormData();
    form.append("wasm", new Blob([await distBytes("tiny-counter.wasm")]), "v2.wasm");
    form.append(
      "config",
      JSON.stringify({ strategy: "graceful", version: "2.0.0", drain_seconds: 1 }),
    );
    const res = await fetch(`${node.url}/api/v1/agents/hot/reload`, { method: "PUT", body: form });
    assert.equal(res.status, 202, await res.clone().text());
    const reload = await res.json();
    assert.equal(reload.strategy, "graceful");
    assert.equal(reload.from_version, "1.0.0");
    assert.equal(reload.to_version, "2.0.0");
    const status = (await deploymentEnded(node.url, reload.hot_reload_id)).status;
    const atEnd = conversations.length;
    await pollUntil(
      "conversations after the reload",
      () => conversations.length >= atEnd + 10 || undefined,
    );
    stop = true;
    await stream;
    assert.equal(status, "completed");
    const all = conversations.flatMap((c) => c.statuses);
    assert.ok(all.length > 100, `${all.length} messages`);
    assert.deepEqual(all.filter((s) => s !== 200), [], "every message answered");
    const split = conversations.filter((c) => new Set(c.versions).size > 1);
    assert.deepEqual(split, [], "no conversation split across versions");
    assert.ok(conversations.some((c) => c.versions[0] === "old"));
    assert.ok(conversations.some((c) => c.versions[0] === "new"));
    assert.equal((await call(node.url, "GET", "/api/v1/agents/hot")).body.version, "2.0.0");

    // Bad reload config names the field.
    const bad = new FormData();
    bad.append("wasm", new Blob([await distBytes("tiny.wasm")]), "a.wasm");
    bad.append("config", JSON.stringify({ strategy: "abrupt" }));
    const r = await fetch(`${node.url}/api/v1/agents/hot/reload`, { method: "PUT", body: bad });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /config\.strategy/);
  } finally {
    await node.stop();
  }
});

for (
  const [what, performative, timeoutMs] of [
    ["answers failure to every message", 6, 10_000],
    // The wait must outlast an old-version answer on a loaded machine (a 504 of the old
    // version counts against it): 300 ms did not, once, at load 15.
    ["never answers (every send-and-wait times out)", undefined, 2_000],
  ] as const
) {
  Deno.test(`a canary that ${what} is rolled back by itself: those are errors of its version`, async () => {
    const node = await spawnNode(["--rate-limit", "off"]);
    try {
      await deployEcho(node.url, "soft");
      const id = await startDeployment(
        node.url,
        "soft",
        await badAgent(performative),
        "2.0.0-bad",
        {
          type: "canary",
          stages: [{ percentage: 50, duration: "60s" }, { percentage: 100, duration: "0" }],
          rollback_on_error: true,
          error_threshold: 0.05,
          min_samples: 10,
        },
      );
      let status = "in_progress";
      const answers: Record<string, number> = {};
      for (let sent = 0; status === "in_progress" && sent < 600; sent += 10) {
        const rs = await Promise.all(
          Array.from({ length: 10 }, () => converse(node.url, "soft", timeoutMs)),
        );
        for (const r of rs) answers[r.version] = (answers[r.version] ?? 0) + 1;
        status = (await call(node.url, "GET", `/api/v1/deployments/${id}`)).body.status;
      }
      const g = (await call(node.url, "GET", `/api/v1/deployments/${id}`)).body;
      assert.equal(g.status, "rolled_back", JSON.stringify({ g, answers }));
      assert.match(g.reason, /of the new version .* passed error_threshold 0\.05/);
      // Counts as they were when it rolled back (at least min_samples handled).
      const bad = g.metrics["2.0.0-bad"];
      assert.ok(bad.handled >= 10 && bad.errors > 0.05 * bad.handled, JSON.stringify(g.metrics));
      // The old version's answers were not errors.
      assert.equal(g.metrics["1.0.0"].errors, 0, JSON.stringify(g.metrics));
      for (let i = 0; i < 20; i++) {
        const r = await converse(node.url, "soft");
        assert.equal(r.version, "old", `message ${i}: ${r.status}`);
      }
    } finally {
      await node.stop();
    }
  });
}
