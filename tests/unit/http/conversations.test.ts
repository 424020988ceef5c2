import assert from "node:assert/strict";
import { createApp } from "../../../runtime/http/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter } from "../../../runtime/routing/mod.ts";

const app = createApp({
  node: "n",
  router: new MessageRouter("n"),
  log: silentLogger,
  maxBodyBytes: 1 << 20,
});
const post = (body: unknown) =>
  app.request("/api/v1/conversations/analyze", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const m = (from: string, to: string | string[], performative: string, extra = {}) => ({
  from,
  to,
  performative,
  conversation_id: "c1",
  ...extra,
});

Deno.test("analyze accepts a legal contract net run", async () => {
  const res = await post({
    protocol: "fipa-contract-net",
    messages: [
      m("i", ["a", "b"], "cfp"),
      m("a", "i", "propose"),
      m("b", "i", "refuse"),
      m("i", "a", "accept-proposal"),
      m("a", "i", "inform"),
    ],
  });
  assert.equal(res.status, 200);
  const r = await res.json();
  assert.equal(r.legal, true);
  assert.equal(r.finished, true);
  // The machine's state comes as the summary view, not the core's raw state.
  assert.deepEqual(
    r.state.participants.map((p: { name: string; state: string }) => `${p.name} ${p.state}`),
    ["a done", "b refused"],
  );
  assert.equal(r.state.threads, undefined);
});

Deno.test("analyze names the first offending message", async () => {
  const r = await (await post({
    protocol: "fipa-request",
    messages: [m("i", "p", "request"), m("p", "i", "agree"), m("p", "i", "propose")],
  })).json();
  assert.equal(r.legal, false);
  assert.equal(r.index, 2);
  assert.ok(r.expected.length > 0);
});

Deno.test("analyze refuses bad input with 400 and a path", async () => {
  const res = await post({ protocol: "fipa-nonsense", messages: [] });
  assert.equal(res.status, 400);
  const e = (await res.json()).error;
  assert.equal(e.code, "INVALID_REQUEST");
  assert.ok(Array.isArray(e.details.path));
});
