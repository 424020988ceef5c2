// Outbound HTTP MTP: the request we build, retries with backoff against a fake fetch, and a
// real local listener standing in for a JADE platform.
import assert from "node:assert/strict";
import { type AclMessage, aid, toAclString } from "../../../runtime/acl/mod.ts";
import { ManualTimers, TimeoutSlots } from "../../../runtime/async/mod.ts";
import {
  backoffDelay,
  buildHttpMtpRequest,
  DEFAULT_RETRY_POLICY,
  defaultHttpMtpDeps,
  type HttpMtpClientDeps,
  MESSAGE_ID_PARAM,
  parseHttpMtpRequest,
  sendHttpMtp,
} from "../../../runtime/mtp/mod.ts";

const receiver = aid("bob@jade", ["http://jade-1:7778/acc", "http://jade-2:7778/acc"]);
const msg: AclMessage = {
  performative: "inform",
  sender: aid("alice@node-a"),
  receivers: [receiver],
  content: 'caf\u00e9 "quoted"',
  language: "fipa-sl0",
  conversation_id: "c-1",
};
const NOW = new Date("2026-11-21T07:42:19.961Z");

type Step = number | Error | ((init: RequestInit) => Promise<Response>);

/** A fetch that plays `script` per address and records every call; sleeps are recorded too. */
function fakeDeps(script: Record<string, Step[]>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const sleeps: number[] = [];
  const deps: HttpMtpClientDeps = {
    fetch: (url, init) => {
      calls.push({ url, init });
      const step = script[url]?.shift();
      if (step === undefined) throw new Error(`unexpected call to ${url}`);
      if (step instanceof Error) return Promise.reject(step);
      if (typeof step === "function") return step(init);
      return Promise.resolve(new Response(step === 200 ? null : "nope", { status: step }));
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    now: () => NOW,
    boundary: () => "test-boundary-1",
  };
  return { deps, calls, sleeps };
}

Deno.test("backoffDelay doubles from the initial delay up to the cap", () => {
  const p = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(p, r)), [
    100,
    200,
    400,
    800,
    1000,
    1000,
  ]);
});

Deno.test("the built request parses back: envelope fields, payload, receivers", () => {
  const req = buildHttpMtpRequest(msg, receiver, {
    date: NOW,
    boundary: "b-1",
    platformAddresses: ["http://node-a:8080/acc"],
    comments: "hi",
  });
  assert.equal(req.headers["content-type"], 'multipart/mixed ; boundary="b-1"');
  assert.equal(req.headers["cache-control"], "no-cache");
  assert.equal(req.headers["mime-version"], "1.0");
  const got = parseHttpMtpRequest(req.headers["content-type"], req.body);
  const sender = aid("alice@node-a", ["http://node-a:8080/acc"]);
  assert.deepEqual(got.receivers, [receiver]);
  assert.deepEqual(got.effective.to, [receiver]);
  assert.deepEqual(got.effective.from, sender);
  assert.equal(got.effective.acl_representation, "fipa.acl.rep.string.std");
  assert.equal(got.effective.payload_encoding, "UTF-8");
  assert.equal(got.effective.date, NOW.toISOString());
  assert.equal(got.effective.comments, "hi");
  assert.equal(got.effective.payload_length, new TextEncoder().encode(got.payload).length);
  assert.deepEqual(got.warnings, []);
  // The sender got our address so that the foreign agent can answer.
  assert.equal(got.payload, toAclString({ ...msg, sender }));
  assert.deepEqual(got.message.sender, sender);
  assert.equal(got.message.content, msg.content);
});

Deno.test("our message id goes in the envelope's X-message-id, the same on every attempt; none without one", async () => {
  const { deps, calls } = fakeDeps({ "http://jade-1:7778/acc": [503, 200] });
  const r = await sendHttpMtp(msg, receiver, deps, { messageId: "msg_abc" });
  assert.equal(r.ok, true);
  assert.equal(calls.length, 2);
  for (const c of calls) {
    const got = parseHttpMtpRequest(
      (c.init.headers as Record<string, string>)["content-type"],
      c.init.body as Uint8Array,
    );
    assert.equal(got.messageId, "msg_abc");
    assert.deepEqual(got.effective.user_defined, { [MESSAGE_ID_PARAM]: "msg_abc" });
  }
  const plain = buildHttpMtpRequest(msg, receiver, { date: NOW, boundary: "b-1" });
  const got = parseHttpMtpRequest(plain.headers["content-type"], plain.body);
  assert.equal(got.messageId, undefined);
  assert.equal(got.effective.user_defined, undefined);
});

Deno.test("retries with backoff and succeeds after failures", async () => {
  const { deps, calls, sleeps } = fakeDeps({
    "http://jade-1:7778/acc": [new TypeError("connection refused"), 503, 200],
  });
  const r = await sendHttpMtp(msg, receiver, deps);
  assert.equal(r.ok, true);
  assert.ok(r.ok && r.address === "http://jade-1:7778/acc" && r.status === 200);
  assert.equal(calls.length, 3);
  assert.deepEqual(sleeps, [500, 1000]);
  assert.deepEqual(r.attempts, [
    { address: "http://jade-1:7778/acc", attempt: 1, error: "connection refused" },
    { address: "http://jade-1:7778/acc", attempt: 2, status: 503 },
    { address: "http://jade-1:7778/acc", attempt: 3, status: 200 },
  ]);
  // Every attempt posts the same multipart body.
  for (const c of calls) {
    assert.equal(c.init.method, "POST");
    assert.equal(
      (c.init.headers as Record<string, string>)["content-type"],
      'multipart/mixed ; boundary="test-boundary-1"',
    );
  }
});

Deno.test("fails as data after the retries at every address are spent", async () => {
  const one = aid("bob@jade", ["http://jade-1:7778/acc"]);
  const { deps, calls, sleeps } = fakeDeps({ "http://jade-1:7778/acc": [503, 502, 500] });
  const r = await sendHttpMtp(msg, one, deps, { retry: { initialDelayMs: 10 } });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && /after 3 attempts at 1 address\(es\); last: HTTP 500/.test(r.reason));
  assert.equal(calls.length, 3);
  assert.deepEqual(sleeps, [10, 20]);
});

Deno.test("moves to the next address: after retries, or at once on a non-retryable status", async () => {
  const down = fakeDeps({
    "http://jade-1:7778/acc": [new TypeError("down"), new TypeError("down")],
    "http://jade-2:7778/acc": [200],
  });
  const r1 = await sendHttpMtp(msg, receiver, down.deps, { retry: { maxAttempts: 2 } });
  assert.ok(r1.ok && r1.address === "http://jade-2:7778/acc");
  assert.deepEqual(down.calls.map((c) => c.url), [
    "http://jade-1:7778/acc",
    "http://jade-1:7778/acc",
    "http://jade-2:7778/acc",
  ]);
  assert.deepEqual(down.sleeps, [500]);

  const rejected = fakeDeps({ "http://jade-1:7778/acc": [406], "http://jade-2:7778/acc": [200] });
  const r2 = await sendHttpMtp(msg, receiver, rejected.deps);
  assert.ok(r2.ok && r2.address === "http://jade-2:7778/acc");
  assert.deepEqual(rejected.sleeps, []);

  const allRejected = fakeDeps({
    "http://jade-1:7778/acc": [400],
    "http://jade-2:7778/acc": [404],
  });
  const r3 = await sendHttpMtp(msg, receiver, allRejected.deps);
  assert.ok(!r3.ok && r3.reason.endsWith("last: HTTP 404"));
  assert.equal(r3.attempts.length, 2);
});

Deno.test("addresses that are not http(s) are skipped; none at all fails without a call", async () => {
  const mixed = aid("bob@jade", ["iiop://jade:900/acc", "http://jade-1:7778/acc"]);
  const a = fakeDeps({ "http://jade-1:7778/acc": [200] });
  const r = await sendHttpMtp(msg, mixed, a.deps);
  assert.ok(r.ok);
  assert.deepEqual(r.attempts[0], {
    address: "iiop://jade:900/acc",
    attempt: 0,
    error: "not an http(s) address; skipped",
  });
  const b = fakeDeps({});
  const none = await sendHttpMtp(msg, aid("bob@jade", ["iiop://jade:900/acc"]), b.deps);
  assert.ok(!none.ok && /no http address/.test(none.reason));
  assert.equal(b.calls.length, 0);
});

Deno.test("Retry-After lengthens the wait, capped by maxDelayMs", async () => {
  const busy = () =>
    Promise.resolve(new Response(null, { status: 429, headers: { "retry-after": "3" } }));
  const { deps, sleeps } = fakeDeps({ "http://jade-1:7778/acc": [busy, busy, 200] });
  const one = aid("bob@jade", ["http://jade-1:7778/acc"]);
  const r = await sendHttpMtp(msg, one, deps, { retry: { maxDelayMs: 2000 } });
  assert.ok(r.ok);
  assert.deepEqual(sleeps, [2000, 2000]);
});

Deno.test("an attempt that hangs is aborted after timeoutMs", async () => {
  const hang = (init: RequestInit) =>
    new Promise<Response>((_, reject) => {
      init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
    });
  const { deps } = fakeDeps({ "http://jade-1:7778/acc": [hang] });
  const one = aid("bob@jade", ["http://jade-1:7778/acc"]);
  const r = await sendHttpMtp(msg, one, deps, { retry: { maxAttempts: 1, timeoutMs: 20 } });
  assert.ok(!r.ok);
  assert.deepEqual(r.attempts, [{
    address: "http://jade-1:7778/acc",
    attempt: 1,
    error: "timed out after 20 ms",
  }]);
});

Deno.test("attempts in flight share their timeout timers; a hung one is still aborted", async () => {
  const timers = new ManualTimers();
  const timeouts = new TimeoutSlots({ timers, now: () => timers.now() });
  const answers: (() => void)[] = [];
  const held = (init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      answers.push(() => resolve(new Response(null, { status: 200 })));
      init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
    });
  const one = aid("bob@jade", ["http://jade-1:7778/acc"]);
  const script = { "http://jade-1:7778/acc": Array.from({ length: 11 }, () => held) };
  const { deps } = fakeDeps(script);
  const sends = Array.from(
    { length: 11 },
    () =>
      sendHttpMtp(msg, one, { ...deps, timeouts }, { retry: { maxAttempts: 1, timeoutMs: 100 } }),
  );
  await Promise.resolve();
  assert.equal(timeouts.size, 11);
  assert.equal(timers.pending, 1, "one timer for the attempts of one slot");
  for (const answer of answers.splice(0, 10)) answer();
  const done = await Promise.all(sends.slice(0, 10));
  assert.ok(done.every((r) => r.ok));
  assert.equal(timeouts.size, 1);
  let settled = false;
  sends[10].then(() => settled = true);
  timers.advance(99);
  await Promise.resolve();
  assert.equal(settled, false, "not aborted before its timeout");
  timers.advance(8); // at most a slot late
  const hung = await sends[10];
  assert.ok(!hung.ok && /timed out after 100 ms/.test(hung.reason));
  assert.equal(timers.pending, 0, "no timer left once nothing is in flight");
});

Deno.test("a real local listener standing in for JADE receives a parseable message", async () => {
  const received: ReturnType<typeof parseHttpMtpRequest>[] = [];
  const seen: { method: string; path: string; length: string | null; te: string | null }[] = [];
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    calls++;
    const body = new Uint8Array(await req.arrayBuffer());
    seen.push({
      method: req.method,
      path: new URL(req.url).pathname,
      length: req.headers.get("content-length"),
      te: req.headers.get("transfer-encoding"),
    });
    if (calls === 1) return new Response("busy", { status: 503 }); // exercise one retry
    received.push(parseHttpMtpRequest(req.headers.get("content-type"), body));
    return new Response(null, { status: 200 });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/acc`;
    const jade = aid("bob@jade", [url]);
    const deps = { ...defaultHttpMtpDeps(), sleep: () => Promise.resolve() };
    const r = await sendHttpMtp({ ...msg, receivers: [jade] }, jade, deps, {
      platformAddresses: ["http://node-a:8080/acc"],
    });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.attempts.map((a) => a.status), [503, 200]);
    assert.equal(received.length, 1);
    const got = received[0];
    assert.deepEqual(got.receivers, [jade]);
    assert.equal(got.message.performative, "inform");
    assert.equal(got.message.content, msg.content);
    assert.deepEqual(got.message.sender, aid("alice@node-a", ["http://node-a:8080/acc"]));
    // JADE's reader needs a Content-Length body (it cannot read chunked encoding).
    for (const s of seen) {
      assert.equal(s.method, "POST");
      assert.equal(s.path, "/acc");
      assert.ok(s.length !== null && Number(s.length) > 0);
      assert.equal(s.te, null);
    }
  } finally {
    await server.shutdown();
  }
});
