// The JSON form's hand-written happy path (`fastAclJson`) against the zod schema
// (`parseAclJsonBySchema`): wherever the happy path returns a model, the schema accepts the
// value and returns an equal model; where it returns nothing, `parseAclJson` is the schema.
// Seeded property tests over valid messages, mutated messages and arbitrary values.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  AclError,
  type AclMessage,
  AclMessageSchema,
  type AgentIdentifier,
  MAX_AID_NESTING,
  parseAclJson,
  parseAclJsonBySchema,
  toAclJson,
} from "../../../runtime/acl/mod.ts";
import { fastAclJson } from "../../../runtime/acl/json-fast.ts";
import { arbAclMessage, arbAgentName, arbReplyBy } from "../../support/acl-arbitraries.ts";

const RUNS = { numRuns: 500 };

type Outcome = { ok: true; message: AclMessage } | { ok: false; error: string };

function bySchema(v: unknown): Outcome {
  try {
    return { ok: true, message: parseAclJsonBySchema(v) };
  } catch (e) {
    assert.ok(e instanceof AclError, String(e));
    return { ok: false, error: e.message };
  }
}

function viaParse(v: unknown): Outcome {
  try {
    return { ok: true, message: parseAclJson(v) };
  } catch (e) {
    assert.ok(e instanceof AclError, String(e));
    return { ok: false, error: e.message };
  }
}

/** The equivalence: the happy path agrees with the schema, and parseAclJson with both. */
function agrees(v: unknown): AclMessage | undefined {
  const fast = fastAclJson(v);
  const schema = bySchema(v);
  if (fast !== undefined) {
    assert.ok(schema.ok, `happy path accepted what the schema refuses: ${JSON.stringify(v)}`);
    assert.deepEqual(fast, schema.message);
    assert.ok(AclMessageSchema.safeParse(fast).success);
  }
  assert.deepEqual(viaParse(v), schema);
  return fast;
}

function hasUserParams(id: AgentIdentifier): boolean {
  return Object.keys(id.user_params).length > 0 || id.resolvers.some(hasUserParams);
}

/** A valid message as a decoded JSON body. */
const arbJsonBody = arbAclMessage({ jsonContent: true }).map((m) => ({
  model: m,
  body: JSON.parse(JSON.stringify(toAclJson(m))) as Record<string, unknown>,
}));

Deno.test("json happy path: every valid message parses as the schema parses it", () => {
  fc.assert(
    fc.property(arbJsonBody, ({ model, body }) => {
      const fast = agrees(body);
      const ids = [...(model.sender ? [model.sender] : []), ...model.receivers];
      const leftToSchema = model.user_params !== undefined ||
        [...ids, ...(model.reply_to ?? [])].some(hasUserParams);
      // Only user parameters are left to the schema among valid messages.
      assert.equal(fast === undefined, leftToSchema, JSON.stringify(body));
    }),
    RUNS,
  );
});

/** Values that sit on the edges of the schema's rules. */
const EDGES: unknown[] = [
  "",
  " ",
  "a b",
  "a\u00a0b",
  "a\u2028b",
  "(x",
  "x)",
  "REQUEST",
  "Query_If",
  "query_if",
  "inform ",
  ":a",
  "#a",
  "1a",
  "fipa-request",
  "x".repeat(1024),
  "x".repeat(1025),
  "y".repeat(65536),
  "y".repeat(65537),
  "2026-02-29T10:00:00Z",
  "2028-02-29T10:00:00Z",
  "2026-11-21T10:15:00",
  "2026-11-21T10:15",
  "2026-11-21T10:15:00+02:00",
  "2026-11-21 10:15:00Z",
  "2026-11-21T10:15:00.000Z\n",
  null,
  undefined,
  0,
  NaN,
  Infinity,
  true,
  [],
  {},
  ["a"],
  [""],
  [null],
  { name: "a" },
  { name: "a", extra: 1 },
  { name: "a", addresses: [] },
  { name: "a", addresses: [""] },
  { name: "a", addresses: ["x".repeat(2049)] },
  { name: "a", addresses: Array(65).fill("h") },
  { name: "a", resolvers: [{ name: "r" }] },
  { name: "a", resolvers: Array(17).fill({ name: "r" }) },
  { name: "a", resolvers: [{ name: "" }] },
  { name: "a", user_params: {} },
  { name: "a", user_params: { "X-k": "v" } },
  { name: "a", user_params: [] },
  { name: "a b" },
  { "X-k": "v" },
  { "": "v" },
  { "a b": "v" },
  JSON.parse('{"__proto__": "v"}'),
  JSON.parse('{"name": "a", "__proto__": {"x": 1}}'),
  Object.create(null),
  new Date(0),
  [{ name: "a" }, "b"],
  Array(1025).fill("r"),
];

const arbTricky: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom(...EDGES),
  arbAgentName,
  arbReplyBy,
  fc.array(arbAgentName, { maxLength: 3 }),
);

const FIELDS = [
  "performative",
  "sender",
  "receiver",
  "reply_to",
  "content",
  "language",
  "encoding",
  "ontology",
  "protocol",
  "conversation_id",
  "reply_with",
  "in_reply_to",
  "reply_by",
  "user_params",
  "unknown",
  "__proto__",
];

Deno.test("json happy path: every field set to every edge value agrees", () => {
  const body = {
    performative: "request",
    sender: "s",
    receiver: ["r"],
    content: "c",
    protocol: "fipa-request",
    reply_by: "2026-11-21T10:15:00.000Z",
  };
  for (const field of FIELDS) {
    for (const x of EDGES) {
      const v: Record<string, unknown> = { ...body };
      Object.defineProperty(v, field, {
        value: x,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      agrees(v);
    }
  }
});

Deno.test("json happy path: a message with a field changed to an edge value agrees", () => {
  fc.assert(
    fc.property(
      arbJsonBody,
      fc.array(fc.tuple(fc.constantFrom(...FIELDS), arbTricky), { minLength: 1, maxLength: 3 }),
      ({ body }, edits) => {
        const v: Record<string, unknown> = { ...body };
        for (const [k, x] of edits) {
          // defineProperty: a `__proto__` key becomes an own field, as JSON.parse makes it.
          Object.defineProperty(v, k, {
            value: x,
            enumerable: true,
            configurable: true,
            writable: true,
          });
        }
        agrees(v);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("json happy path: an identifier's fields changed to edge values agree", () => {
  const arbId = fc.record(
    {
      name: fc.oneof(arbAgentName, arbTricky),
      addresses: arbTricky,
      resolvers: fc.oneof(arbTricky, fc.array(fc.record({ name: arbAgentName }), { maxLength: 2 })),
      user_params: arbTricky,
      other: arbTricky,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(
      arbJsonBody,
      fc.constantFrom("sender", "receiver", "reply_to"),
      fc.oneof(arbId, fc.array(arbId, { maxLength: 2 })),
      ({ body }, field, id) => {
        agrees({ ...body, [field]: id });
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("json happy path: arbitrary values agree", () => {
  fc.assert(fc.property(fc.anything(), (v) => void agrees(v)), RUNS);
  fc.assert(fc.property(fc.jsonValue(), (v) => void agrees(v)), RUNS);
});

Deno.test("json happy path: resolvers nest as deep as the schema allows, no deeper", () => {
  const chain = (depth: number): Record<string, unknown> =>
    depth === 1 ? { name: "n1" } : { name: `n${depth}`, resolvers: [chain(depth - 1)] };
  const ok = { performative: "inform", receiver: chain(MAX_AID_NESTING) };
  assert.ok(agrees(ok) !== undefined);
  const deep = { performative: "inform", receiver: chain(MAX_AID_NESTING + 1) };
  assert.equal(agrees(deep), undefined);
  assert.throws(() => parseAclJson(deep), /nest at most 16 levels/);
});

Deno.test("json happy path: the common request shapes take it", () => {
  for (
    const body of [
      { performative: "request", receiver: "echo", content: { action: "x" }, language: "json" },
      {
        performative: "REQUEST",
        sender: { name: "client@node1", addresses: ["http://node1:8080/acc"] },
        receiver: ["echo@node1", "b"],
        content: "((action))",
        protocol: "fipa-request",
        conversation_id: "conv_789",
        reply_with: "msg_001",
        in_reply_to: null,
        reply_by: "2026-11-21T10:15:00.000Z",
      },
    ]
  ) {
    assert.ok(agrees(body) !== undefined, JSON.stringify(body));
  }
});
