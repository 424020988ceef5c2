import assert from "node:assert/strict";
import { type AclMessage, aid, PERFORMATIVES, UNANSWERED_ACTS } from "../../../runtime/acl/mod.ts";
import { declinedReply } from "../../../runtime/agents/not-understood.ts";
import { parseSlContent } from "../../../runtime/sl/mod.ts";

const self = aid("echo@edge");

Deno.test("a declined query-ref is answered not-understood in its conversation", () => {
  const q: AclMessage = {
    performative: "query-ref",
    sender: aid("alice@edge"),
    receivers: [self],
    content: "(iota ?x (price ?x))",
    protocol: "fipa-query",
    conversation_id: "c-1",
    reply_with: "r-1",
  };
  const r = declinedReply(q, self)!;
  assert.equal(r.performative, "not-understood");
  assert.deepEqual(r.sender, self);
  assert.deepEqual(r.receivers, [aid("alice@edge")]);
  assert.equal(r.conversation_id, "c-1");
  assert.equal(r.in_reply_to, "r-1");
  assert.equal(r.protocol, "fipa-query");
  assert.equal(r.language, "fipa-sl0");
  const content = String(r.content);
  assert.match(content, /\(unsupported-act query-ref\)/);
  assert.match(content, /\(query-ref /);
  assert.match(content, /price/);
  assert.doesNotThrow(() => parseSlContent(content));
});

Deno.test("a declined message goes to its reply-to when it names one", () => {
  const r = declinedReply({
    performative: "request",
    sender: aid("alice@edge"),
    reply_to: [aid("bob@edge")],
    receivers: [self],
    content: "x",
  }, self)!;
  assert.deepEqual(r.receivers, [aid("bob@edge")]);
});

Deno.test("answers and informs are never answered; nor is a message with nobody to answer", () => {
  for (const p of UNANSWERED_ACTS) {
    const m: AclMessage = { performative: p, sender: aid("a@edge"), receivers: [self] };
    assert.equal(declinedReply(m, self), undefined, p);
  }
  assert.ok(UNANSWERED_ACTS.has("not-understood") && UNANSWERED_ACTS.has("failure"));
  for (const p of PERFORMATIVES.filter((p) => !UNANSWERED_ACTS.has(p))) {
    const m: AclMessage = { performative: p, sender: aid("a@edge"), receivers: [self] };
    assert.equal(declinedReply(m, self)?.performative, "not-understood", p);
  }
  assert.equal(declinedReply({ performative: "request", receivers: [self] }, self), undefined);
});
