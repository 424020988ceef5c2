import {
  expected,
  isFinished,
  parseProtocolName,
  PROTOCOL_NAMES,
  ProtocolEventSchema,
  ProtocolNameSchema,
  protocolOpenedBy,
  start,
  step,
  violationError,
  ViolationSchema,
} from "../../../protocols/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { assert, at, m, obs, recv, refused, run, sent, thread } from "./helpers.ts";

Deno.test("protocol names: case-insensitive, _ for -, optional fipa- prefix", () => {
  assert.equal(parseProtocolName("FIPA-Contract-Net"), "fipa-contract-net");
  assert.equal(parseProtocolName("contract_net"), "fipa-contract-net");
  assert.equal(parseProtocolName(" fipa-ENGLISH-auction "), "fipa-auction-english");
  assert.equal(parseProtocolName("fipa-gossip"), undefined);
  assert.equal(PROTOCOL_NAMES.length, 11);
  for (const n of PROTOCOL_NAMES) assert.equal(ProtocolNameSchema.parse(n.toUpperCase()), n);
  const bad = ProtocolNameSchema.safeParse("fipa-gossip");
  assert.ok(!bad.success);
  assert.match(bad.error.issues[0].message, /fipa-gossip/);
  assert.equal(protocolOpenedBy("query-if"), "fipa-query");
  assert.equal(protocolOpenedBy("inform"), undefined);
  assert.throws(() => start("nope", "initiator"), ApiError);
});

Deno.test("viewpoint: direction must match who this agent is", () => {
  const s = start("fipa-request", "initiator", { self: "a" });
  assert.match(
    refused(s, recv(m("request", "x", "a"))).reason,
    /opens the conversation by sending/,
  );
  assert.match(refused(s, recv(m("request", "x", "b"))).reason, /received a message not/);
  assert.match(refused(s, sent(m("request", "x", "b"))).reason, /whose sender is x/);
  const p = start("fipa-request", "participant", { self: "b" });
  assert.match(refused(p, sent(m("request", "b", "a"))).reason, /joins by receiving/);
  assert.match(refused(p, sent(m("request", "x", "a"))).reason, /sent a message whose/);
  // Without a direction it is inferred from self.
  const q = run(p, [obs(m("request", "a", "b")), obs(m("agree", "b", "a"))]).state;
  assert.equal(thread(q, "b"), "agreed");
  assert.match(refused(q, obs(m("inform", "c", "a"))).reason, /neither from nor to/);
});

Deno.test("conversation ids: later messages must carry the first one's", () => {
  const s = run(start("fipa-request", "observer"), [obs(m("request", "a", "b"))]).state;
  assert.equal(s.conversation_id, "c1");
  const v = refused(s, obs(m("agree", "b", "a", { conversation_id: "c2" })));
  assert.match(v.reason, /c2/);
});

Deno.test("message shape: bad names, bad reply_by, no receivers", () => {
  const s = start("fipa-request", "observer");
  assert.match(refused(s, obs(m("request", "a b", "c"))).reason, /not a valid agent name/);
  assert.match(refused(s, obs(m("request", "a", "b", { reply_by: "soon" }))).reason, /ISO 8601/);
  assert.match(refused(s, obs(m("request", "a", []))).reason, /at least one receiver/);
  // A valid reply_by is remembered (a fan-out repeats it); others are still checked.
  const valid = "2030-01-01T00:00:30.000Z";
  run(s, [obs(m("request", "a", "b", { reply_by: valid }))]);
  assert.match(refused(s, obs(m("request", "a", "b", { reply_by: "later" }))).reason, /ISO 8601/);
  run(s, [obs(m("request", "a", "b", { reply_by: valid }))]);
  assert.match(refused(s, obs(m("request", "a", "a"))).reason, /other agent/);
});

Deno.test("deadlines: local times read as UTC, offsets honoured, only the awaited side", () => {
  const s = run(start("fipa-request", "observer"), [
    obs(m("request", "a", "b", { reply_by: "2030-01-01T10:00:00" })),
  ]).state;
  assert.equal(run(s, [at("2030-01-01T11:59:59+02:00")]).effects.length, 0);
  assert.equal(thread(run(s, [at("2030-01-01T12:00:00+02:00")]).state, "b"), "timed-out");
  // An agree clears the deadline on the participant.
  const agreed = run(s, [obs(m("agree", "b", "a"))]).state;
  assert.equal(agreed.threads[0].deadline, null);
  assert.equal(run(agreed, [at("2031-01-01T00:00:00Z")]).effects.length, 0);
});

Deno.test("timeout events expire one party or all", () => {
  const s = run(start("fipa-query", "observer"), [obs(m("query-if", "a", ["b", "c"]))]).state;
  const one = step(s, { type: "timeout", party: "b" });
  assert.ok(one.ok);
  assert.equal(thread(one.state, "b"), "timed-out");
  assert.equal(thread(one.state, "c"), "queried");
  const all = step(s, { type: "timeout" });
  assert.ok(all.ok && isFinished(all.state));
  assert.deepEqual(all.effects.filter((e) => e.type === "timed-out").map((e) => e.party), [
    "b",
    "c",
  ]);
});

Deno.test("cancel crossing a reply: the reply counts, the cancel answer may follow", () => {
  const s = run(start("fipa-request", "initiator"), [
    sent(m("request", "a", "b")),
    sent(m("cancel", "a", "b")),
    recv(m("refuse", "b", "a")), // sent before b saw the cancel
  ]).state;
  assert.equal(thread(s, "b"), "refused");
  assert.ok(isFinished(s));
  const late = run(s, [recv(m("failure", "b", "a"))]).state;
  assert.equal(late.threads[0].cancel, false);
  refused(late, recv(m("failure", "b", "a")));
});

Deno.test("expected before the first message, and for the initiator's joins", () => {
  assert.deepEqual(expected(start("fipa-query", "initiator", { self: "a" })), [
    { from: "a", to: "*", performatives: ["query-if", "query-ref"] },
  ]);
  const s = run(start("fipa-request", "initiator"), [sent(m("request", "a", "b"))]).state;
  assert.deepEqual(expected(s), [
    { from: "a", to: "b", performatives: ["cancel", "not-understood"] },
    {
      from: "b",
      to: "a",
      performatives: ["agree", "refuse", "failure", "inform", "not-understood"],
    },
    { from: "a", to: "*", performatives: ["request"] },
  ]);
});

Deno.test("event schema validates events at a trust boundary", () => {
  const ok = ProtocolEventSchema.safeParse({
    type: "message",
    direction: "sent",
    message: { performative: "REQUEST", from: "a@n", to: ["b@n"] },
  });
  assert.ok(ok.success);
  assert.equal(ok.data.type === "message" && ok.data.message.performative, "request");
  assert.ok(!ProtocolEventSchema.safeParse({ type: "deadline", at: "tomorrow" }).success);
  assert.ok(
    !ProtocolEventSchema.safeParse({
      type: "message",
      message: { performative: "request", from: "a", to: [] },
    }).success,
  );
});

Deno.test("violations map onto 409 PROTOCOL_VIOLATION and match their schema", () => {
  const s = run(start("fipa-request", "observer"), [obs(m("request", "a", "b"))]).state;
  const v = refused(s, obs(m("cfp", "b", "a")));
  assert.deepEqual(ViolationSchema.parse(v), v);
  const e = violationError(v);
  assert.equal(e.status, 409);
  assert.equal(e.code, "PROTOCOL_VIOLATION");
  assert.deepEqual(e.details, {
    protocol: "fipa-request",
    state: "requested",
    expected: v.expected,
    got: "cfp",
    party: "b",
  });
});
