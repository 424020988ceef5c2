// The client library against a real node process (with tokens): every method, the errors
// as one ApiError with the node's code and trace id, and the /ws event iterator.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { FipaEdgeClient, type NodeEvent } from "../../../client/mod.ts";
import { refusal } from "./refusal.ts";
import { type NodeProcess, spawnNode } from "../../support/node-process.ts";
import { newPublisherKeys, parseSigningKey, signComponent } from "../../../runtime/security/mod.ts";

const ADMIN = "client-test-admin-token-0123";
const READ = "client-test-read-token-01234";

/** Collects events until `n` arrived; resolves `ready` once the node confirmed the subscription. */
function collect(it: (onSubscribed: () => void) => AsyncGenerator<NodeEvent>, n: number) {
  const ready = Promise.withResolvers<void>();
  const done = (async () => {
    const got: NodeEvent[] = [];
    for await (const e of it(ready.resolve)) {
      got.push(e);
      if (got.length >= n) break;
    }
    return got;
  })();
  done.catch(ready.reject);
  return { ready: ready.promise, done };
}

Deno.test("client library against a node", async (t) => {
  const publisher = await newPublisherKeys();
  const keyFile = await Deno.makeTempFile({ suffix: ".pub" });
  await Deno.writeTextFile(keyFile, publisher.publicPem);
  const node: NodeProcess = await spawnNode([
    "--trusted-publisher-key",
    keyFile,
    "--name",
    "cl-node",
    "--admin-token",
    ADMIN,
    "--read-token",
    READ,
    "--rate-limit",
    "off",
  ]);
  const client = new FipaEdgeClient({ url: node.url, token: ADMIN });
  const tiny = await watAgentBytes("tiny");
  try {
    await t.step("deploy, agent, agents, update, stop, start, remove", async () => {
      const v = await client.deploy(tiny, { name: "echo", version: "1.0.0" }, {
        filename: "echo.wasm",
      });
      assert.equal(v.full_name, "echo@cl-node");
      assert.equal(v.status, "running");
      assert.match(v.agent_id, /^agent_[0-9a-f]{24}$/);
      assert.equal((await client.agent("echo")).agent_id, v.agent_id);
      const page = await client.agents({ status: "running" });
      assert.deepEqual(page.agents.map((a) => a.name), ["echo"]);
      assert.equal(page.total, 1);

      const up = await client.update("echo", { config: { version: "1.1.0" } });
      assert.equal(up.version, "1.1.0");
      const both = await client.update("echo", { wasm: tiny, config: { version: "1.2.0" } });
      assert.equal(both.version, "1.2.0");

      assert.equal((await client.stop("echo", { grace_period_seconds: 1 })).status, "stopped");
      assert.equal((await client.start("echo")).status, "running");

      const dup = await refusal(client.deploy(tiny, { name: "echo" }));
      assert.equal(dup.status, 409);
      assert.equal(dup.code, "AGENT_ALREADY_EXISTS");
      assert.match(dup.traceId ?? "", /^[0-9a-f]{32}$/);

      const bad = await refusal(client.deploy(tiny, { name: "no@at" }));
      assert.equal(bad.code, "INVALID_REQUEST");
      assert.match(bad.message, /name/);

      const notWasm = await refusal(client.deploy(new Uint8Array([1, 2, 3]), { name: "junk" }));
      assert.equal(notWasm.code, "INVALID_WASM");

      await client.deploy(tiny, { name: "gone" });
      // Pages by cursor: "echo", then "gone", and no cursor after the last.
      const first = await client.agents({ limit: 1 });
      assert.deepEqual([first.agents.map((a) => a.name), first.next_cursor], [["echo"], "echo"]);
      const second = await client.agents({ limit: 1, cursor: first.next_cursor });
      assert.deepEqual(second.agents.map((a) => a.name), ["gone"]);
      assert.equal(second.next_cursor, undefined);
      assert.equal((await client.remove("gone")).name, "gone");
      assert.deepEqual((await client.agents()).agents.map((a) => a.name), ["echo"]);
      const missing = await refusal(client.agent("gone"));
      assert.deepEqual([missing.status, missing.code], [404, "AGENT_NOT_FOUND"]);
      assert.equal(missing.details.agent ?? missing.details.id, "gone");
    });

    await t.step(
      "send (JSON and FIPA string, at least once), sendAndWait, sendAndWaitFipa",
      async () => {
        const sent = await client.send({ performative: "inform", receiver: "echo", content: "x" });
        assert.equal(sent.status, "delivered");
        assert.deepEqual(sent.receivers.map((r) => r.status), ["delivered"]);

        const fipa = await client.send(
          '(inform :receiver (set (agent-identifier :name echo)) :content "y")',
        );
        assert.equal(fipa.status, "delivered");

        const queued = await client.send(
          { performative: "inform", receiver: "echo", content: "z" },
          { delivery: "at-least-once", idempotencyKey: "key-1" },
        );
        assert.deepEqual([queued.status, queued.message_id], ["queued", "msg_key-1"]);

        const r = await client.sendAndWait({
          performative: "request",
          receiver: "echo",
          content: { action: "ping" },
          conversation_id: "cv-1",
        }, { timeoutMs: 10_000 });
        assert.equal(r.reply.performative, "inform");
        assert.deepEqual(r.reply.content, { action: "ping" });
        assert.equal(r.reply.conversation_id, "cv-1");
        assert.ok(r.elapsed_ms >= 0);

        const text = await client.sendAndWaitFipa(
          '(request :receiver (set (agent-identifier :name echo)) :content "pong")',
        );
        assert.match(text, /^\(inform :sender \(agent-identifier :name echo@cl-node\)/);

        const invalid = await refusal(
          client.send({ performative: "shout" as "inform", receiver: "e" }),
        );
        assert.equal(invalid.code, "INVALID_ACL");
        assert.deepEqual(invalid.details.path, ["performative"]);
        const nobody = await refusal(client.send({ performative: "inform", receiver: "nobody" }));
        assert.equal(nobody.code, "AGENT_NOT_FOUND");
      },
    );

    await t.step("services: register, search, modify, deregister", async () => {
      const reg = await client.registerService({
        name: "echo",
        services: [{ name: "echoing", type: "echo-service", ontologies: ["demo"] }],
      });
      assert.equal(reg.registered, "echo");
      const found = await client.services({ type: "echo-service" });
      assert.equal(found.total, 1);
      assert.equal(found.services[0].services[0].name, "echoing");
      assert.equal((await client.services({ type: "nothing-of-this-type" })).total, 0);

      const again = await refusal(client.registerService({ name: "echo", services: [] }));
      assert.equal(again.code, "CONFLICT");

      await client.modifyService("echo", {
        name: "echo",
        services: [{ name: "echoing", type: "echo-v2" }],
      });
      assert.equal((await client.services({ type: "echo-v2", consistent: "true" })).total, 1);
      assert.equal((await client.deregisterService("echo")).deregistered, "echo");
      assert.equal((await refusal(client.deregisterService("echo"))).code, "NOT_FOUND");
    });

    await t.step("cluster and directory of a single node", async () => {
      const c = await client.cluster();
      assert.equal(c.self.id, "cl-node");
      assert.equal(c.leader, "cl-node");
      assert.deepEqual(c.voters, ["cl-node"]);
      assert.ok(c.commit_index > 0);
      const dir = await client.directory({ node: "cl-node" });
      assert.ok(dir.agents.some((a) => a.name === "echo"), JSON.stringify(dir));
      const moved = await refusal(client.migrate("echo", "no-such-node"));
      assert.ok(moved.status >= 400 && moved.status < 500, `${moved.status} ${moved.code}`);
      assert.match(moved.message, /no-such-node/);
    });

    await t.step("events: filtered by type and agent, then by performative", async () => {
      const agentEvents = collect(
        (onSubscribed) =>
          client.events({ events: ["agent.*"], filters: { agent_ids: ["ev"] } }, {
            onStatus: (s) => s.type === "subscribed" && onSubscribed(),
          }),
        2,
      );
      await agentEvents.ready;
      await client.deploy(tiny, { name: "other" });
      await client.deploy(tiny, { name: "ev" });
      await client.stop("ev", { grace_period_seconds: 1 });
      const got = await agentEvents.done;
      assert.deepEqual(got.map((e) => [e.type, e.agent_id]), [
        ["agent.deployed", "ev"],
        ["agent.stopped", "ev"],
      ]);
      assert.ok(got.every((e) => !("subscription_id" in e)));

      const informs = collect(
        (onSubscribed) =>
          client.events({ events: ["message.*"], filters: { performatives: ["inform"] } }, {
            onStatus: (s) => s.type === "subscribed" && onSubscribed(),
          }),
        1,
      );
      await informs.ready;
      await client.sendAndWait({
        performative: "request",
        receiver: "echo",
        content: 1,
        conversation_id: "cv-ev",
      });
      const [inform] = await informs.done;
      assert.equal(inform.performative, "inform");
      assert.equal(inform.conversation_id, "cv-ev");
    });

    await t.step(
      "events: a closed socket is reopened after the backoff, and subscribed again",
      async () => {
        const sockets: WebSocket[] = [];
        const statuses: string[] = [];
        const waits: number[] = [];
        const flaky = new FipaEdgeClient({
          url: node.url,
          token: ADMIN,
          webSocket: (url) => {
            const ws = new WebSocket(url);
            sockets.push(ws);
            return ws;
          },
          sleep: (ms) => {
            waits.push(ms);
            return Promise.resolve();
          },
        });
        const stream = collect(
          (onSubscribed) =>
            flaky.events({ events: ["agent.started"], filters: { agent_ids: ["ev"] } }, {
              onStatus: (s) => {
                statuses.push(s.type);
                // The first socket is closed as soon as it is subscribed (as a proxy might).
                if (s.type === "subscribed" && sockets.length === 1) sockets[0].close();
                if (s.type === "subscribed" && sockets.length === 2) onSubscribed();
              },
            }),
          1,
        );
        await stream.ready;
        await client.start("ev");
        const [started] = await stream.done;
        assert.deepEqual([started.type, started.agent_id], ["agent.started", "ev"]);
        assert.deepEqual(statuses, ["subscribed", "closed", "subscribed"]);
        assert.deepEqual(waits, [500], "the first reconnect waits the backoff's first step");
        assert.equal(sockets.length, 2);
        assert.ok(sockets[1].readyState >= WebSocket.CLOSING, "breaking out closes the socket");
      },
    );

    await t.step("events: aborting the signal ends the iteration", async () => {
      const abort = new AbortController();
      const seen: NodeEvent[] = [];
      const it = client.events({ events: ["task.*"] }, {
        signal: abort.signal,
        onStatus: (s) => s.type === "subscribed" && abort.abort(),
      });
      for await (const e of it) seen.push(e);
      assert.deepEqual(seen, []);
    });

    await t.step("signed deploy and update, the audit trail and its verification", async () => {
      const sign = async (pem: string) => {
        const key = await parseSigningKey(pem);
        return { signature: await signComponent(tiny, key.key), key_id: key.keyId };
      };
      const signature = await sign(publisher.privatePem);
      const v = await client.deploy(tiny, { name: "signed" }, { signature });
      assert.equal(v.publisher_key_id, publisher.keyId);
      const kept = await client.update("signed", { config: { version: "2.0.0" } }, {});
      assert.equal(kept.publisher_key_id, publisher.keyId, "a config change keeps the signer");
      const unsigned = await client.update("signed", { wasm: tiny });
      assert.equal(unsigned.publisher_key_id, undefined, "a new component carries its own");
      const resigned = await client.update("signed", { wasm: tiny }, { signature });
      assert.equal(resigned.publisher_key_id, publisher.keyId);
      const stranger = await sign((await newPublisherKeys()).privatePem);
      const refused = await refusal(client.deploy(tiny, { name: "s2" }, { signature: stranger }));
      assert.deepEqual([refused.status, refused.code], [400, "INVALID_SIGNATURE"]);
      assert.equal(refused.details.reason, "untrusted key");

      const page = await client.audit({ target: "signed", limit: 10 });
      assert.deepEqual(page.records.map((r) => [r.action, r.outcome]), [
        ["agent.deploy", "ok"],
        ["agent.update", "ok"],
        ["agent.update", "ok"],
        ["agent.update", "ok"],
      ]);
      const first = await client.audit({ target: "signed", limit: 1 });
      assert.equal(first.records.length, 1);
      const next = await client.audit({ target: "signed", limit: 1, cursor: first.next_cursor });
      assert.equal(next.records[0].seq, page.records[1].seq);
      const verdict = await client.auditVerify();
      assert.equal(verdict.ok, true);
      const reader = client.withToken(READ);
      assert.equal((await refusal(reader.audit())).code, "FORBIDDEN");
      await client.remove("signed");
    });

    await t.step("tokens: none is 401, a read token is refused writes (403)", async () => {
      const anonymous = new FipaEdgeClient(node.url);
      const e401 = await refusal(anonymous.agents());
      assert.deepEqual([e401.status, e401.code], [401, "UNAUTHORIZED"]);
      const ws401 = await refusal(anonymous.events().next());
      assert.equal(ws401.code, "UNAUTHORIZED");

      const reader = client.withToken(READ);
      assert.equal((await reader.agent("echo")).name, "echo");
      const e403 = await refusal(reader.deploy(tiny, { name: "nope" }));
      assert.deepEqual([e403.status, e403.code], [403, "FORBIDDEN"]);
      assert.equal((await refusal(reader.stop("echo"))).code, "FORBIDDEN");

      let asked = 0;
      const rotating = new FipaEdgeClient({
        url: node.url,
        token: () => {
          asked++;
          return Promise.resolve(ADMIN);
        },
      });
      await rotating.cluster();
      await rotating.cluster();
      assert.equal(asked, 2, "the token function is asked before each request");
    });
  } finally {
    await node.stop();
    await Deno.remove(keyFile);
  }
});
