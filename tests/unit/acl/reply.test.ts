// The one reply builder: the AMS, the message transport's failure and the agents'
// not-understood all take their correlation parameters from it.
import assert from "node:assert/strict";
import {
  type AclMessage,
  aid,
  buildReplyTo,
  notUnderstoodReply,
  replyFields,
} from "../../../runtime/acl/mod.ts";

const me = aid("ams@n1");
const request: AclMessage = {
  performative: "request",
  sender: aid("a@n1"),
  receivers: [me],
  reply_to: [aid("b@n1")],
  protocol: "fipa-request",
  conversation_id: "c1",
  reply_with: "r1",
};

Deno.test("a reply goes to reply-to, in the conversation, in reply to reply-with", () => {
  assert.deepEqual(replyFields(request, me), {
    sender: me,
    receivers: [aid("b@n1")],
    protocol: "fipa-request",
    conversation_id: "c1",
    in_reply_to: "r1",
  });
  assert.deepEqual(replyFields(request, me, { to: "sender" })?.receivers, [aid("a@n1")]);
});

Deno.test("absent parameters stay absent, and the default protocol fills in", () => {
  const bare: AclMessage = { performative: "inform", sender: aid("a@n1"), receivers: [me] };
  assert.deepEqual(replyFields(bare, me), { sender: me, receivers: [aid("a@n1")] });
  assert.equal(replyFields(bare, me, { protocol: "fipa-request" })?.protocol, "fipa-request");
  assert.equal(replyFields({ ...bare, sender: undefined }, me), undefined, "nobody to reply to");
});

Deno.test("buildReplyTo adds the performative and the body", () => {
  const r = buildReplyTo(request, me, "failure", { content: "(x)", language: "fipa-sl0" });
  assert.equal(r?.performative, "failure");
  assert.equal(r?.content, "(x)");
  assert.equal(r?.language, "fipa-sl0");
  assert.equal("ontology" in r!, false);
});

Deno.test("notUnderstoodReply answers the sender with the error as JSON content", () => {
  const r = notUnderstoodReply(request, aid("b@n1"), {
    code: "PROTOCOL_VIOLATION",
    message: "agree is not expected",
    details: { expected: ["inform"] },
  });
  assert.deepEqual(r, {
    performative: "not-understood",
    sender: aid("b@n1"),
    receivers: [aid("a@n1")],
    protocol: "fipa-request",
    conversation_id: "c1",
    in_reply_to: "r1",
    content: JSON.stringify({
      error: "PROTOCOL_VIOLATION",
      message: "agree is not expected",
      expected: ["inform"],
    }),
    language: "json",
  });
  assert.equal(
    notUnderstoodReply({ ...request, sender: undefined }, me, { code: "X", message: "m" }),
    undefined,
  );
});
