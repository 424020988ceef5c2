// Outgoing HTTP through the sandbox (world 0.2.0) with a hand-written agent: the host's own
// check refuses an ungranted host with an error value naming it and the grant; with the
// check off, Deno's permissions of the Worker refuse it; limits (response bytes, time per
// request, rate) fail the call with an error value and the agent keeps running.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { ComponentStore, DEFAULT_AGENT_BOUNDS, Sandbox } from "../../../runtime/sandbox/mod.ts";
import { CountingTranspiler, Recorder, request } from "./helpers.ts";

async function withSandbox(
  opts: { skipGrantCheck?: boolean },
  f: (s: { sandbox: Sandbox; hash: string }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "fipa-outbound-" });
  const store = new ComponentStore({ dir, transpiler: new CountingTranspiler() });
  const sandbox = new Sandbox({
    store,
    nodeId: "n1",
    skipGrantCheck: opts.skipGrantCheck,
    bounds: { ...DEFAULT_AGENT_BOUNDS, netAllow: ["127.0.0.1"] },
  });
  try {
    const { hash } = await store.load(await watAgentBytes("tiny-fetch"));
    await f({ sandbox, hash });
  } finally {
    await sandbox.close();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function serve(handler: (req: Request) => Response | Promise<Response>) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

Deno.test("a granted host answers; another port is an error value naming it and the grant", async () => {
  const a = serve((r) => new Response(`A ${new URL(r.url).pathname}`));
  const b = serve(() => new Response("B"));
  try {
    await withSandbox({}, async ({ sandbox, hash }) => {
      const rec = new Recorder();
      const refusals: string[] = [];
      const h = await sandbox.activate({
        agentId: "f@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        host: rec.host({ onRefused: (r) => refusals.push(`${r.kind} ${r.target}`) }),
      });
      await h.deliver(request("f@n1", `http://127.0.0.1:${a.addr.port}/x`));
      assert.equal(rec.sent[0].performative, "inform");
      assert.equal(rec.sent[0].content, "A /x");
      await h.deliver(request("f@n1", `http://127.0.0.1:${b.addr.port}/x`));
      assert.equal(rec.sent[1].performative, "failure");
      assert.equal(
        rec.sent[1].content,
        `net access to 127.0.0.1:${b.addr.port} is not granted (the manifest's net grants ` +
          `127.0.0.1:${a.addr.port}; add "127.0.0.1:${b.addr.port}" to manifest.net)`,
      );
      assert.deepEqual(refusals, [`net 127.0.0.1:${b.addr.port}`]);
      await h.deliver(request("f@n1", `http://localhost:${a.addr.port}/x`));
      assert.match(String(rec.sent[2].content), /net access to localhost:\d+ is not granted/);
      await h.deliver(request("f@n1", "file:///etc/passwd"));
      assert.match(String(rec.sent[3].content), /URL scheme file: is not supported/);
      await h.deliver(request("f@n1", `http://127.0.0.1:${a.addr.port}/y`));
      assert.equal(rec.sent[4].content, "A /y", "the agent keeps answering");
      assert.equal(h.state, "active");
      // Agents with different grants never share a Worker; with equal grants they do.
      const other = await sandbox.activate({
        agentId: "g@n1",
        hash,
        manifest: { net: [`127.0.0.1:${b.addr.port}`] },
        host: rec.host(),
      });
      const same = await sandbox.activate({
        agentId: "s@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        host: rec.host(),
      });
      assert.notEqual(other.worker, h.worker);
      assert.equal(same.worker, h.worker);
    });
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});

Deno.test("with the host's own check off, Deno's Worker permissions refuse the ungranted host", async () => {
  const a = serve(() => new Response("A"));
  const b = serve(() => new Response("B"));
  try {
    await withSandbox({ skipGrantCheck: true }, async ({ sandbox, hash }) => {
      const rec = new Recorder();
      const h = await sandbox.activate({
        agentId: "f@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        host: rec.host(),
      });
      await h.deliver(request("f@n1", `http://127.0.0.1:${b.addr.port}/`));
      assert.equal(rec.sent[0].performative, "failure");
      assert.match(String(rec.sent[0].content), /^refused by the sandbox's Deno permissions: /);
      assert.match(String(rec.sent[0].content), new RegExp(`127\\.0\\.0\\.1:${b.addr.port}`));
      await h.deliver(request("f@n1", `http://127.0.0.1:${a.addr.port}/`));
      assert.equal(rec.sent[1].content, "A");
    });
  } finally {
    await a.shutdown();
    await b.shutdown();
  }
});

Deno.test("limits: response bytes, time per request and rate fail the call with an error value", async () => {
  const { promise: never, resolve: release } = Promise.withResolvers<Response>();
  const a = serve((r) => {
    const p = new URL(r.url).pathname;
    if (p === "/big") return new Response("x".repeat(5000));
    if (p === "/slow") return never;
    return new Response("ok");
  });
  try {
    await withSandbox({}, async ({ sandbox, hash }) => {
      const rec = new Recorder();
      const base = `http://127.0.0.1:${a.addr.port}`;
      const h = await sandbox.activate({
        agentId: "f@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        limits: { http_response_bytes: 4096 },
        host: rec.host(),
      });
      await h.deliver(request("f@n1", `${base}/big`));
      assert.equal(
        rec.sent[0].content,
        `response body of ${base}/big is larger than limits.http_response_bytes (4096 bytes)`,
      );
      const t = await sandbox.activate({
        agentId: "t@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        limits: { http_timeout_ms: 300 },
        host: rec.host(),
      });
      await t.deliver(request("t@n1", `${base}/slow`));
      assert.equal(rec.sent[1].content, `request to ${base}/slow timed out after 300 ms`);
      // One request per 100 s: the second is refused.
      const slow = await sandbox.activate({
        agentId: "r@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        limits: { http_rate: 0.01 },
        host: rec.host(),
      });
      await slow.deliver(request("r@n1", `${base}/ok`));
      assert.equal(rec.sent[2].content, "ok");
      await slow.deliver(request("r@n1", `${base}/ok`));
      assert.equal(rec.sent[3].content, "outgoing request rate exceeded (limits.http_rate 0.01/s)");
      for (const x of [h, t, slow]) assert.equal(x.state, "active", "the agents keep running");
    });
  } finally {
    release(new Response("late")); // the server waits for its open requests
    await a.shutdown();
  }
});

Deno.test("limits.http_in_flight: a request holds its place until it ends, then frees it", async () => {
  // The server holds /hold open until the test releases it, and tells the test it arrived.
  const arrived = Promise.withResolvers<void>();
  const release = Promise.withResolvers<Response>();
  let served = 0;
  const a = serve((r) => {
    if (new URL(r.url).pathname !== "/hold") return new Response(`ok ${++served}`);
    arrived.resolve();
    return release.promise;
  });
  try {
    await withSandbox({}, async ({ sandbox, hash }) => {
      const rec = new Recorder();
      const base = `http://127.0.0.1:${a.addr.port}`;
      const h = await sandbox.activate({
        agentId: "f@n1",
        hash,
        manifest: { net: [`127.0.0.1:${a.addr.port}`] },
        limits: { http_in_flight: 1, http_rate: 100_000 },
        host: rec.host(),
      });
      // Back to back with one place: each answered request has freed it before its answer
      // reached the agent, so the next one is never refused.
      for (let i = 1; i <= 30; i++) {
        await h.deliver(request("f@n1", `${base}/ok`));
        assert.equal(rec.sent.at(-1)?.content, `ok ${i}`);
      }
      // A request held open by the server: the agent's call waits; once released, its
      // answer comes back and the place is free for the next request at once.
      const call = h.deliver(request("f@n1", `${base}/hold`));
      await arrived.promise;
      assert.equal(rec.sent.length, 30, "no answer while the server holds the request");
      release.resolve(new Response("released"));
      await call;
      assert.equal(rec.sent.at(-1)?.content, "released");
      await h.deliver(request("f@n1", `${base}/ok`));
      assert.equal(rec.sent.at(-1)?.content, "ok 31");
      assert.equal(h.state, "active");
    });
  } finally {
    release.resolve(new Response("released"));
    await a.shutdown();
  }
});
