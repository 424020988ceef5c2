import { aid, parseAclString } from "../../../runtime/acl/mod.ts";
import { createTracker, priceOf, seenFromAcl, trackMessage } from "../../../protocols/mod.ts";
import { viewConversation } from "../../../runtime/conversations/mod.ts";
import { assert } from "./helpers.ts";
import { corpusUrl } from "../../support/corpus.ts";

const JADE_REQUEST = corpusUrl("acl-string/valid/awap-jade-request-get-description.acl");

Deno.test("seenFromAcl: a request captured from JADE starts a fipa-request conversation", async () => {
  const text = new TextDecoder("latin1").decode(await Deno.readFile(JADE_REQUEST));
  const msg = parseAclString(text);
  const seen = seenFromAcl(msg);
  assert.equal(seen.from, "rma@192.168.122.1:1099/JADE");
  assert.deepEqual(seen.to, ["test"]);
  assert.equal(seen.protocol, "fipa-request");
  const r = trackMessage(createTracker(seen.from), "sent", seen);
  assert.ok(r.ok && r.tracked);
  const v = viewConversation(r.state, "C1438784720_1435754381566");
  assert.equal(v?.state, "requested");
  assert.deepEqual(v?.expected.find((e) => e.from === "test")?.performatives, [
    "agree",
    "refuse",
    "failure",
    "inform",
    "not-understood",
  ]);
});

Deno.test("seenFromAcl: names, reply_to, reply_by and a price from content", () => {
  const seen = seenFromAcl({
    performative: "cfp",
    receivers: [aid("b1@n"), aid("b2@n")],
    reply_to: [aid("d@n")],
    reply_by: "2030-01-01T00:00:00Z",
    conversation_id: "a1",
    content: { item: "tulips", price: 12.5 },
  }, "auc@n");
  assert.deepEqual(seen, {
    performative: "cfp",
    from: "auc@n",
    to: ["b1@n", "b2@n"],
    conversation_id: "a1",
    reply_by: "2030-01-01T00:00:00Z",
    reply_to: ["d@n"],
    price: 12.5,
  });
  assert.equal(priceOf(7), 7);
  assert.equal(priceOf(" 42.5 "), 42.5);
  assert.equal(priceOf("(price 10)"), undefined);
  assert.equal(priceOf({ bid: 3 }), 3);
  assert.equal(priceOf([1]), undefined);
  assert.equal(priceOf(null), undefined);
});
