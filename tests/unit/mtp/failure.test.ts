// The AMS `failure` for an undeliverable message, and the SL terms it is written with.
import assert from "node:assert/strict";
import { type AclMessage, aid, parseAclString, toAclString } from "../../../runtime/acl/mod.ts";
import {
  deliveryFailureMessage,
  mtsErrorContent,
  slAgentIdentifier,
  slTerm,
} from "../../../runtime/mtp/mod.ts";

const ams = aid("ams@node-a", ["http://node-a:8080/acc"]);
const bob = aid("bob@jade", ["http://jade:7778/acc"]);
const original: AclMessage = {
  performative: "request",
  sender: aid("alice@node-a"),
  receivers: [bob],
  content: "(do-it)",
  protocol: "fipa-request",
  conversation_id: "c-7",
  reply_with: "r-1",
};

Deno.test("SL terms: words stay bare, anything else becomes a string", () => {
  assert.equal(slTerm("rma@192.168.122.1:1099/JADE"), "rma@192.168.122.1:1099/JADE");
  assert.equal(slTerm("http://x:7778/acc"), "http://x:7778/acc");
  assert.equal(slTerm("1agent"), '"1agent"');
  assert.equal(slTerm("has space"), '"has space"');
  assert.equal(slTerm('a"b\\c'), `"a'b/c"`);
  assert.equal(
    slAgentIdentifier(bob),
    "(agent-identifier :name bob@jade :addresses (sequence http://jade:7778/acc))",
  );
  assert.equal(slAgentIdentifier(aid("x@y")), "(agent-identifier :name x@y)");
});

Deno.test("the failure answers the sender in its conversation with MTS-error content", () => {
  const f = deliveryFailureMessage(original, bob, 'no route to "jade"', ams)!;
  assert.deepEqual(f, {
    performative: "failure",
    sender: ams,
    receivers: [aid("alice@node-a")],
    content: "((action (agent-identifier :name ams@node-a :addresses (sequence " +
      "http://node-a:8080/acc)) (ACLMessage)) (MTS-error (agent-identifier :name bob@jade " +
      `:addresses (sequence http://jade:7778/acc)) (internal-error "no route to 'jade'")))`,
    language: "fipa-sl0",
    ontology: "FIPA-Agent-Management",
    protocol: "fipa-request",
    conversation_id: "c-7",
    in_reply_to: "r-1",
  });
  // It survives the wire: string form out and back in.
  assert.deepEqual(parseAclString(toAclString(f)), f);
});

Deno.test("other standard reasons", () => {
  assert.ok(
    mtsErrorContent(ams, bob, { kind: "unauthorised" }).endsWith(" unauthorised))"),
  );
  assert.ok(
    mtsErrorContent(ams, bob, { kind: "unsupported-value", message: "iiop" })
      .endsWith(' (unsupported-value "iiop")))'),
  );
});

Deno.test("no failure when nobody can be told or it would answer the AMS itself", () => {
  const { sender: _s, ...anonymous } = original;
  assert.equal(deliveryFailureMessage(anonymous, bob, "x", ams), undefined);
  assert.equal(deliveryFailureMessage({ ...original, sender: ams }, bob, "x", ams), undefined);
});
