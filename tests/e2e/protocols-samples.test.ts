/**
 * The request/query responder, the subscription publisher and the recruiter samples
 * (ComponentizeJS, cached builds) in a node started in this process, talking to a router
 * endpoint that stays registered (an HTTP caller could not hold a subscription).
 */
import assert from "node:assert/strict";
import { sampleBytes, watAgentBytes } from "../../agents/build/mod.ts";
import { type AclMessage, aid, type JsonValue } from "../../runtime/acl/mod.ts";
import { DeployConfigSchema } from "../../runtime/agents/mod.ts";
import { ConfigSchema } from "../../runtime/config/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { startNode } from "../../runtime/node/mod.ts";
import { newMessageId } from "../../runtime/routing/mod.ts";
import { pollUntil } from "../../runtime/async/mod.ts";

/**
 * A ComponentizeJS agent's calls use much CPU time (its JS engine runs inside the
 * component), and an agent failed for `cpu-limit` never answers the message it was
 * handling. The limit is not what this test is about, so the agents get a generous one.
 */
const CPU_MS = 60_000;

/**
 * A fresh data directory whose component cache is the one the sandbox tests share, so a
 * component transpiled once (~10 s for a ComponentizeJS agent) is not transpiled again.
 */
async function dataDirSharingTranspiles(): Promise<string> {
  const shared = new URL("../../.cache/test-components", import.meta.url).pathname;
  await Deno.mkdir(shared, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-samples-" });
  await Deno.symlink(shared, `${dir}/components`);
  return dir;
}

Deno.test("responder, publisher and recruiter samples follow their protocols", async (t) => {
  const [responder, publisher, broker, echo] = await Promise.all([
    sampleBytes("responder"),
    sampleBytes("publisher"),
    sampleBytes("broker"),
    watAgentBytes("tiny"),
  ]);
  const dataDir = await dataDirSharingTranspiles();
  const node = await startNode(
    ConfigSchema.parse({
      name: "s",
      port: 0,
      p2pPort: 0,
      dataDir,
      logLevel: "error",
      maxAgentCpuMs: CPU_MS,
    }),
    silentLogger,
  );
  const got: AclMessage[] = [];
  const unregister = node.router.register("client", { deliver: (d) => void got.push(d.message) });
  let n = 0;
  const send = (
    performative: AclMessage["performative"],
    to: string,
    conversation_id: string,
    extra: Partial<AclMessage> & { content?: JsonValue } = {},
  ) =>
    node.router.route({
      message_id: newMessageId(),
      accepted_at: new Date().toISOString(),
      origin: "http",
      message: {
        performative,
        sender: aid("client@s"),
        receivers: [aid(to)],
        conversation_id,
        reply_with: `rw${++n}`,
        ...extra,
      },
    });
  /**
   * The messages of a conversation, once at least `count` arrived (the bound is only there
   * to name the conversation if an answer never comes).
   */
  const answers = (cid: string, count: number): Promise<AclMessage[]> =>
    pollUntil(`${count} message(s) of conversation ${cid}`, () => {
      const mine = got.filter((m) => m.conversation_id === cid);
      return mine.length >= count ? mine : undefined;
    }, { timeoutMs: 120_000, intervalMs: 10 });
  const acts = (ms: AclMessage[]) => ms.map((m) => m.performative);
  try {
    const deploy = (bytes: Uint8Array, name: string, network: "none" | "any") =>
      node.agents.deploy(
        bytes,
        DeployConfigSchema.parse({
          name,
          manifest: { network },
          limits: { cpu_ms_per_call: CPU_MS },
        }),
      );
    await Promise.all([
      deploy(responder, "responder", "none"),
      deploy(publisher, "publisher", "any"),
      deploy(broker, "recruiter", "any"),
      deploy(echo, "echo", "none"),
    ]);

    await t.step("the responder answers requests and queries", async () => {
      const R = { protocol: "fipa-request" };
      await send("request", "responder", "q1", {
        ...R,
        content: { action: "add", args: [1, 2, 3] },
      });
      const add = await answers("q1", 1);
      assert.deepEqual(acts(add), ["inform"]);
      assert.deepEqual(add[0].content, { result: 6 });
      await send("request", "responder", "q2", { ...R, content: { action: "fail" } });
      assert.deepEqual(acts(await answers("q2", 2)), ["agree", "failure"]);
      await send("request", "responder", "q3", { ...R, content: { action: "fly" } });
      assert.deepEqual(acts(await answers("q3", 1)), ["refuse"]);
      await send("request", "responder", "q4", {
        ...R,
        content: { action: "store", key: "k", value: [1, 2], notify: true },
      });
      assert.deepEqual(acts(await answers("q4", 2)), ["agree", "inform"]);
      await send("query-ref", "responder", "q5", { protocol: "fipa-query", content: { key: "k" } });
      assert.deepEqual((await answers("q5", 1))[0].content, { key: "k", value: [1, 2] });
      const states = ["q1", "q2", "q3", "q4", "q5"].map((c) => node.conversations.view(c)!.state);
      assert.deepEqual(states, ["done", "failed", "refused", "done", "done"]);
    });

    await t.step("the publisher informs its subscriber until it cancels", async () => {
      const S = { protocol: "fipa-subscribe" };
      await send("subscribe", "publisher", "sub", { ...S, content: { topic: "price" } });
      assert.deepEqual(acts(await answers("sub", 1)), ["agree"]);
      for (const [i, value] of [10, 11].entries()) {
        await send("request", "publisher", `pub${i}`, {
          protocol: "fipa-request",
          content: { action: "publish", topic: "price", value },
        });
        assert.deepEqual((await answers(`pub${i}`, 1))[0].content, {
          published: "price",
          seq: i + 1,
          subscribers: 1,
        });
      }
      const notes = await answers("sub", 3);
      assert.deepEqual(notes.slice(1).map((m) => m.content), [
        { topic: "price", value: 10, seq: 1 },
        { topic: "price", value: 11, seq: 2 },
      ]);
      assert.equal(node.conversations.view("sub")!.state, "notifying");
      await send("cancel", "publisher", "sub", S);
      assert.deepEqual((await answers("sub", 4))[3].content, { cancelled: true, topic: "price" });
      assert.equal(node.conversations.view("sub")!.state, "cancelled");
      await send("request", "publisher", "pub2", {
        protocol: "fipa-request",
        content: { action: "publish", topic: "price", value: 12 },
      });
      assert.equal(
        ((await answers("pub2", 1))[0].content as { subscribers: number }).subscribers,
        0,
      );
      assert.equal(got.filter((m) => m.conversation_id === "sub").length, 4);
    });

    await t.step("the recruiter forwards; the target answers the initiator directly", async () => {
      await send("proxy", "recruiter", "rec", {
        protocol: "fipa-recruiting",
        content: { act: { performative: "request", content: "recruited" }, targets: ["echo"] },
      });
      const ms = await answers("rec", 3);
      assert.equal(ms[0].performative, "agree");
      const informs = ms.filter((m) => m.performative === "inform");
      assert.deepEqual(informs.map((m) => m.sender?.name).sort(), ["echo@s", "recruiter@s"]);
      assert.equal(informs.find((m) => m.sender?.name === "echo@s")!.content, "recruited");
      const views = node.conversations.view("rec")!.views;
      assert.deepEqual(
        views.map((v) => `${v.agent} ${v.protocol} ${v.state}`).sort(),
        // The recruiter never sees the answers it recruited: done-proxy is its last word.
        ["echo@s fipa-request done", "recruiter@s fipa-recruiting proxy-done"],
      );
    });
  } finally {
    unregister();
    await node.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
