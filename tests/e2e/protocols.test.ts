/**
 * FIPA interaction protocols end to end over real HTTP, with the sample agents (built with
 * ComponentizeJS, cached by input hash) on a spawned node: a contract net through the Task
 * API, English and Dutch auctions, brokering, and protocol violations answered 409.
 */
import assert from "node:assert/strict";
import { sampleBytes, watAgentBytes } from "../../agents/build/mod.ts";
import { spawnNode } from "../support/node-process.ts";

const PLATFORM = "proto-a";

/**
 * A ComponentizeJS agent's calls use much CPU time (its JS engine runs inside the
 * component), and an agent failed for `cpu-limit` never answers the message it was
 * handling. The limit is not what these steps test, so the agents get a generous one.
 */
const CPU_MS = 60_000;

/**
 * A fresh data directory whose component cache is the one the sandbox tests share, so a
 * component transpiled once (~10 s for a ComponentizeJS agent) is not transpiled again.
 */
async function dataDirSharingTranspiles(): Promise<string> {
  const shared = new URL("../../.cache/test-components", import.meta.url).pathname;
  await Deno.mkdir(shared, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-protocols-" });
  await Deno.symlink(shared, `${dir}/components`);
  return dir;
}

async function deploy(base: string, bytes: Uint8Array, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([bytes as Uint8Array<ArrayBuffer>]), `${config.name}.wasm`);
  form.append("config", JSON.stringify({ limits: { cpu_ms_per_call: CPU_MS }, ...config }));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * The auctions' calls close once every bidder answered; their `reply_by` (`round_ms`, at
 * most a minute) is only the upper bound, so the outcome does not depend on how fast the
 * machine is. No step here is about the deadline (tests/unit/protocols/ are).
 */
const ROUND_MS = 60_000;

/**
 * A contract net's bidding closes once every participant answered; its deadline is only
 * the upper bound.
 */
const BID_SECONDS = 120;

/** Sends and waits for the final answer (past an `agree`), bounded by the server's limit. */
async function ask(base: string, message: Record<string, unknown>, timeoutMs = 300_000) {
  return await call(
    base,
    "POST",
    `/api/v1/messages/send-and-wait?wait_for=final&timeout_ms=${timeoutMs}`,
    message,
  );
}

Deno.test("FIPA protocols over HTTP with the sample agents", async (t) => {
  const [bidder, auctioneer, broker, echo] = await Promise.all([
    sampleBytes("bidder"),
    sampleBytes("auctioneer"),
    sampleBytes("broker"),
    watAgentBytes("tiny"),
  ]);
  const node = await spawnNode(["--name", PLATFORM, "--max-agent-cpu-ms", String(CPU_MS)], {}, {
    dataDir: await dataDirSharingTranspiles(),
  });
  const base = node.url;
  try {
    // Prices (contract net) and limits (auctions) come from the bidders' names. Deploying
    // transpiles each component once (~10 s each on a fresh data directory).
    await Promise.all([
      deploy(base, bidder, { name: "b-30" }),
      deploy(base, auctioneer, { name: "auctioneer", manifest: { network: "local" } }),
      deploy(base, broker, { name: "broker", manifest: { network: "any" } }),
      deploy(base, echo, { name: "echo" }),
    ]);
    for (const name of ["b-50", "b-70"]) await deploy(base, bidder, { name });

    await t.step("a contract net through the Task API picks the best of three bids", async () => {
      const created = await call(base, "POST", "/api/v1/tasks", {
        name: "render",
        description: "render a frame",
        data: { frame: 7 },
        protocol: "contract_net",
        participants: ["b-50", "b-30", "b-70"],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, "created");
      const id = created.body.task_id;
      const r = await call(base, "POST", `/api/v1/tasks/${id}/distribute`, {
        strategy: "best_bid",
        max_wait_seconds: BID_SECONDS,
        wait_for_result: true,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, "completed");
      assert.equal(r.body.assigned_to, `b-30@${PLATFORM}`);
      assert.equal(r.body.proposals_received, 3);
      assert.equal(r.body.winning_bid.agent_id, `b-30@${PLATFORM}`);
      assert.equal(r.body.winning_bid.price, 30);
      assert.equal(r.body.result.result, "done");
      assert.equal(r.body.result.task_id, id);

      const status = await call(base, "GET", `/api/v1/tasks/${id}`);
      assert.equal(status.body.status, "completed");
      assert.deepEqual(
        status.body.participants.map((p: { agent: string; state: string }) => [p.agent, p.state]),
        [
          [`b-50@${PLATFORM}`, "rejected"],
          [`b-30@${PLATFORM}`, "done"],
          [`b-70@${PLATFORM}`, "rejected"],
        ],
      );

      const conv = await call(base, "GET", `/api/v1/conversations/${r.body.conversation_id}`);
      assert.equal(conv.status, 200);
      assert.equal(conv.body.protocol, "fipa-contract-net");
      assert.equal(conv.body.finished, true);
      const acts = conv.body.trail.map((e: { performative: string }) => e.performative).sort();
      assert.deepEqual(acts, [
        "accept-proposal",
        "cfp",
        "cfp",
        "cfp",
        "inform",
        "propose",
        "propose",
        "propose",
        "reject-proposal",
        "reject-proposal",
      ]);
      const history = await call(
        base,
        "GET",
        `/api/v1/messages?conversation_id=${r.body.conversation_id}&limit=4`,
      );
      assert.equal(history.body.total, 10);
      assert.equal(history.body.messages.length, 4);
      assert.equal(history.body.messages[0].performative, "cfp");
      assert.ok(history.body.next_cursor);
    });

    await t.step("a task addressed by capability reaches only the providers", async () => {
      for (const name of ["b-50", "b-70"]) {
        const reg = await call(base, "POST", "/api/v1/services", {
          name,
          services: [{ name: "rendering", type: "gpu" }],
        });
        assert.equal(reg.status, 201, JSON.stringify(reg.body));
      }
      const created = await call(base, "POST", "/api/v1/tasks", {
        name: "render-gpu",
        requirements: { capabilities: ["rendering"] },
      });
      const r = await call(base, "POST", `/api/v1/tasks/${created.body.task_id}/distribute`, {
        max_wait_seconds: BID_SECONDS,
      });
      assert.equal(r.body.status, "distributed");
      assert.equal(r.body.proposals_received, 2);
      assert.equal(r.body.assigned_to, `b-50@${PLATFORM}`);
    });

    await t.step(
      "an English auction sells to the highest limit at about the second one",
      async () => {
        const r = await ask(base, {
          performative: "request",
          receiver: "auctioneer",
          protocol: "fipa-request",
          content: {
            action: "sell",
            item: "tulips",
            kind: "english",
            bidders: ["b-30", "b-50", "b-70"],
            start: 10,
            step: 10,
            round_ms: ROUND_MS,
          },
        });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.reply.performative, "inform", JSON.stringify(r.body.reply));
        const c = r.body.reply.content;
        assert.equal(c.sold, true);
        assert.equal(c.winner, `b-70@${PLATFORM}`);
        // Bids equal the call, so who held the bid when the price passed the runner-up's
        // limit (50) decides between 50 and 60: the second-highest value, plus at most a step.
        assert.ok(c.price === 50 || c.price === 60, `price ${c.price}`);
        // Every call was closed by its answers: 10, 20, ... up to the price, then one call
        // that only refusals answered.
        assert.equal(c.calls, c.price / 10 + 1);
        const conv = await call(
          base,
          "GET",
          `/api/v1/conversations/${r.body.reply.conversation_id}-auction`,
        );
        assert.equal(conv.body.protocol, "fipa-auction-english");
        assert.equal(conv.body.finished, true);
        const winner = conv.body.participants.find((p: { name: string }) =>
          p.name === `b-70@${PLATFORM}`
        );
        assert.equal(winner.state, "paid");
      },
    );

    await t.step("a Dutch auction sells to the first bid as the price falls", async () => {
      const r = await ask(base, {
        performative: "request",
        receiver: "auctioneer",
        protocol: "fipa-request",
        content: {
          action: "sell",
          item: "cheese",
          kind: "dutch",
          bidders: ["b-30", "b-50", "b-70"],
          start: 95,
          step: 10,
          round_ms: ROUND_MS,
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const c = r.body.reply.content;
      assert.equal(c.sold, true, JSON.stringify(c));
      assert.equal(c.winner, `b-70@${PLATFORM}`);
      assert.equal(c.price, 65);
      assert.equal(c.calls, 4);
    });

    await t.step("a broker forwards to a provider it finds and relays the result", async () => {
      const reg = await call(base, "POST", "/api/v1/services", {
        name: "echo",
        services: [{ name: "echoing", type: "echo" }],
      });
      assert.equal(reg.status, 201);
      const r = await ask(base, {
        performative: "proxy",
        receiver: "broker",
        protocol: "fipa-brokering",
        content: {
          act: { performative: "request", content: "hello through a broker" },
          service: "echoing",
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.reply.performative, "inform");
      assert.equal(r.body.reply.sender, `broker@${PLATFORM}`);
      assert.equal(r.body.reply.content, "hello through a broker");
      const conv = await call(base, "GET", `/api/v1/conversations/${r.body.reply.conversation_id}`);
      const views = conv.body.views.map((v: { agent: string; protocol: string; state: string }) =>
        `${v.agent} ${v.protocol} ${v.state}`
      ).sort();
      assert.deepEqual(views, [
        `broker@${PLATFORM} fipa-brokering done`,
        `echo@${PLATFORM} fipa-request done`,
      ]);
      const none = await ask(base, {
        performative: "proxy",
        receiver: "broker",
        protocol: "fipa-brokering",
        content: { act: { performative: "request" }, service: "nobody-offers-this" },
      });
      assert.equal(none.body.reply.performative, "failure");
      assert.equal(none.body.reply.content.reason, "no-match");
    });

    await t.step("messages that break a protocol answer 409 PROTOCOL_VIOLATION", async () => {
      const before = (await call(base, "GET", "/api/v1/agents/echo")).body.metrics
        .messages_processed;
      const opening = await call(base, "POST", "/api/v1/messages", {
        performative: "accept-proposal",
        sender: "client",
        receiver: "echo",
        protocol: "fipa-contract-net",
        conversation_id: "v1",
      });
      assert.equal(opening.status, 409, JSON.stringify(opening.body));
      assert.equal(opening.body.error.code, "PROTOCOL_VIOLATION");
      assert.equal(opening.body.error.details.protocol, "fipa-contract-net");
      assert.deepEqual(opening.body.error.details.expected, ["cfp"]);

      const done = await ask(base, {
        performative: "request",
        receiver: "echo",
        protocol: "fipa-request",
        conversation_id: "v2",
        content: "hi",
      });
      assert.equal(done.body.reply.performative, "inform");
      const again = await call(base, "POST", "/api/v1/messages", {
        performative: "inform",
        sender: done.body.reply.receiver,
        receiver: "echo",
        conversation_id: "v2",
      });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.error.details.protocol, "fipa-request");
      assert.equal(again.body.error.details.state, "done");
      const after = (await call(base, "GET", "/api/v1/agents/echo")).body.metrics
        .messages_processed;
      assert.equal(after, before + 1, "only the request reached the agent");
    });
  } finally {
    await node.stop();
  }
});
