// The JSON form (parseAclJson / toAclJson): the seeds' "Send Message" shape, errors with
// field paths, and agreement with the string form.
import assert from "node:assert/strict";
import {
  AclError,
  aid,
  parseAclJson,
  parseAclString,
  toAclJson,
  toAclString,
} from "../../../runtime/acl/mod.ts";

function jsonError(value: unknown): AclError {
  try {
    parseAclJson(value);
  } catch (e) {
    assert.ok(e instanceof AclError, String(e));
    return e;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

Deno.test("seed 003 'Send Message' request body", () => {
  const body = {
    performative: "request",
    sender: "client_001",
    receiver: "agent_123",
    content: { action: "process", data: { key: "value" } },
    conversation_id: "conv_789",
    reply_with: "msg_001",
  };
  const m = parseAclJson(body);
  assert.deepEqual(m, {
    performative: "request",
    sender: aid("client_001"),
    receivers: [aid("agent_123")],
    content: { action: "process", data: { key: "value" } },
    conversation_id: "conv_789",
    reply_with: "msg_001",
  });
  assert.deepEqual(toAclJson(m), body, "bare names and a single receiver are written back");
});

Deno.test("seed 001 message: null means absent, reply_by is ISO 8601", () => {
  const m = parseAclJson({
    performative: "request",
    sender: "agent_123",
    receiver: "agent_456",
    content: { action: "process_data", parameters: { data_type: "json", size: 1024 } },
    conversation_id: "conv_789",
    reply_with: "msg_001",
    in_reply_to: null,
    ontology: "caxton-v1",
    language: "json",
    protocol: "fipa-request",
    reply_by: "2024-01-15T10:35:00Z",
  });
  assert.equal("in_reply_to" in m, false);
  assert.equal(m.reply_by, "2024-01-15T10:35:00Z");
  // The same message in the string form: content becomes its JSON text.
  const s = parseAclString(toAclString(m));
  assert.equal(
    s.content,
    '{"action":"process_data","parameters":{"data_type":"json","size":1024}}',
  );
  assert.equal(s.reply_by, "2024-01-15T10:35:00.000Z");
  assert.equal(s.protocol, "fipa-request");
});

Deno.test("performatives in JADE/seed spelling, receivers as one or many, full AIDs", () => {
  const m = parseAclJson({
    performative: "QUERY_IF",
    receiver: ["a", { name: "b", addresses: ["http://b/acc"] }],
    reply_to: "c",
    user_params: { "X-k": "v" },
  });
  assert.equal(m.performative, "query-if");
  assert.deepEqual(m.receivers, [aid("a"), aid("b", ["http://b/acc"])]);
  assert.deepEqual(m.reply_to, [aid("c")]);
  assert.deepEqual(toAclJson(m), {
    performative: "query-if",
    receiver: ["a", { name: "b", addresses: ["http://b/acc"], resolvers: [], user_params: {} }],
    reply_to: ["c"],
    user_params: { "X-k": "v" },
  });
});

Deno.test("errors name the offending field path", () => {
  assert.deepEqual(jsonError({ performative: "shout", receiver: "a" }).issues[0].path, [
    "performative",
  ]);
  const e = jsonError({ performative: "inform", receiver: [{ name: "" }] });
  assert.deepEqual(e.issues[0].path?.slice(0, 1), ["receiver"]);
  assert.match(e.message, /^Invalid ACL message: receiver/);
  assert.match(jsonError({ performative: "inform", receiver: "a", colour: 1 }).message, /colour/);
  assert.deepEqual(
    jsonError({ performative: "inform", receiver: "a", reply_by: "tomorrow" }).issues[0].path,
    ["reply_by"],
  );
  assert.deepEqual(jsonError({ performative: "inform", receiver: [] }).issues[0].path, [
    "receiver",
  ]);
  assert.deepEqual(jsonError({ performative: "inform" }).issues[0].path, ["receiver"]);
  assert.deepEqual(jsonError("not an object").issues[0].path, []);
  assert.deepEqual(
    jsonError({ performative: "inform", receiver: "a b" }).issues.some((i) =>
      i.path?.[0] === "receiver"
    ),
    true,
  );
});

Deno.test("resolvers nest at most 16 levels; 2,000 deep is refused without a stack overflow", () => {
  const nested = (levels: number): Record<string, unknown> => {
    let id: Record<string, unknown> = { name: "z" };
    for (let i = 1; i < levels; i++) id = { name: `a${i}`, resolvers: [id] };
    return id;
  };
  const ok = parseAclJson({ performative: "inform", receiver: "b", sender: nested(16) });
  assert.equal(ok.sender?.name, "a15");
  for (const levels of [17, 2000, 100_000]) {
    const e = jsonError({ performative: "inform", receiver: "b", sender: nested(levels) });
    assert.match(e.message, /nest at most 16 levels through resolvers/);
    assert.deepEqual(e.issues[0].path, [
      "sender",
      ...Array(15).fill(["resolvers", 0]).flat(),
      "resolvers",
    ]);
  }
  // The same limit applies to receivers and reply_to, and to the model schema.
  const e = jsonError({ performative: "inform", receiver: [nested(2000)], reply_to: [nested(3)] });
  assert.match(e.message, /nest at most 16 levels/);
});

Deno.test("JSON form: a protocol that is not a Word (SC00070) is refused, naming it", async () => {
  const { parseAclJson } = await import("../../../runtime/acl/mod.ts");
  for (const protocol of ["(fipa-request)", "fipa request", '"fipa-request"', "9lives"]) {
    assert.throws(
      () => parseAclJson({ performative: "request", receiver: "echo", protocol }),
      (e: Error) => e.message.includes("is not a Word"),
      protocol,
    );
  }
});
