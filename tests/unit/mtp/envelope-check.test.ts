// The hand-written envelope check that spares the zod schema on the message path: whatever it
// passes, the schema passes unchanged; what it does not pass, the schema decides (and names).
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { AgentIdentifierSchema, aid, isCanonicalAid } from "../../../runtime/acl/mod.ts";
import {
  buildEnvelopeXml,
  EnvelopeSchema,
  isCanonicalEnvelope,
  MtpError,
  parseEnvelopeXml,
} from "../../../runtime/mtp/mod.ts";

const valid = {
  params: [{
    index: 1,
    to: [aid("echo@beta", ["http://127.0.0.1:8080/acc"])],
    from: aid("client@alpha", ["http://127.0.0.1:8081/acc"]),
    acl_representation: "fipa.acl.rep.string.std",
    payload_length: 338,
    payload_encoding: "UTF-8",
    date: "2026-12-07T12:00:00.000Z",
    intended_receiver: [aid("echo@beta", ["http://127.0.0.1:8080/acc"])],
    received: { by: "http://x/acc", date: "2026-12-07T12:00:00.000Z", id: "1" },
    user_defined: { "X-a": "1" },
  }],
};

Deno.test("a well-formed envelope passes the check; each broken rule sends it to the schema", () => {
  assert.equal(isCanonicalEnvelope(valid), true);
  const p = valid.params[0];
  const broken: unknown[] = [
    { params: [] },
    { params: [p, p] }, // repeated index
    { params: [{ ...p, index: 0 }] },
    { params: [{ ...p, index: 1.5 }] },
    { params: [{ ...p, extra: 1 }] },
    { params: [p], extra: 1 },
    { params: [{ ...p, to: [] }] },
    { params: [{ ...p, to: [aid("has space")] }] },
    { params: [{ ...p, to: [aid("")] }] },
    { params: [{ ...p, to: [aid("x".repeat(1025))] }] },
    { params: [{ ...p, from: { ...aid("a@b"), extra: 1 } }] },
    { params: [{ ...p, from: { name: "a@b" } }] }, // defaults the schema would fill
    { params: [{ ...p, from: aid("a@b", [""]) }] },
    { params: [{ ...p, date: "20261207T120000000Z" }] },
    { params: [{ ...p, date: "2026-13-07T12:00:00.000Z" }] },
    { params: [{ ...p, payload_length: -1 }] },
    { params: [{ ...p, acl_representation: "" }] },
    { params: [{ ...p, payload_encoding: "x".repeat(65) }] },
    { params: [{ ...p, comments: "x".repeat(65537) }] },
    { params: [{ ...p, received: { by: "x", at: "y" } }] },
    { params: [{ ...p, user_defined: { "": "v" } }] },
    { params: [{ ...p, user_defined: { k: 1 } }] },
    { params: [{ ...p, encrypted: Array(65).fill("e") }] },
  ];
  for (const env of broken) assert.equal(isCanonicalEnvelope(env), false, JSON.stringify(env));
});

Deno.test("resolvers nest as deep as the schema allows, and no deeper", () => {
  const nested = (depth: number) => {
    let id = aid("leaf@x");
    for (let i = 1; i < depth; i++) id = { ...aid(`r${i}@x`), resolvers: [id] };
    return id;
  };
  assert.equal(isCanonicalAid(nested(16)), true);
  assert.equal(AgentIdentifierSchema.safeParse(nested(16)).success, true);
  assert.equal(isCanonicalAid(nested(17)), false);
  assert.equal(AgentIdentifierSchema.safeParse(nested(17)).success, false);
});

Deno.test("refusals still name the element (the schema's verdict)", () => {
  assert.throws(
    () => buildEnvelopeXml({ index: 1, to: [aid("has space")] }),
    (e: unknown) =>
      e instanceof MtpError &&
      e.message.includes("envelope/params[index=1]/to/agent-identifier[1]"),
  );
  assert.throws(
    () =>
      parseEnvelopeXml(
        `<envelope><params index="1"><date>20261307T120000000Z</date></params></envelope>`,
      ),
    (e: unknown) => e instanceof MtpError && e.message.includes("envelope/params[index=1]/date"),
  );
});

Deno.test("property: what the check passes, the schema passes unchanged", () => {
  // Mostly valid values, sometimes anything: both sides of every rule are drawn.
  const mostly = <T, U>(good: fc.Arbitrary<T>, any: fc.Arbitrary<U>) =>
    fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: any, weight: 1 });
  const name = mostly(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9@:/._-]{0,12}$/),
    fc.string({ maxLength: 6 }),
  );
  // fast-check's records have no prototype; ours (and zod's) are object literals.
  const plain = <T extends object>(o: T): T => ({ ...o });
  const dict = () =>
    fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 })
      .map(plain);
  const agent = fc.record({
    name,
    addresses: fc.array(mostly(fc.constant("http://x/acc"), fc.string({ maxLength: 3 })), {
      maxLength: 2,
    }),
    resolvers: fc.constant([]),
    user_params: dict(),
  }).map(plain);
  const date = mostly(
    fc.date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true })
      .map((d) => d.toISOString()),
    fc.string({ maxLength: 8 }),
  );
  const params = fc.record({
    index: mostly(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.integer(), fc.double())),
    to: fc.array(agent, { minLength: 1, maxLength: 2 }).chain((a) =>
      mostly(fc.constant(a), fc.constant([]))
    ),
    from: agent,
    comments: fc.string({ maxLength: 5 }),
    acl_representation: mostly(fc.constant("fipa.acl.rep.string.std"), fc.string()),
    payload_length: mostly(fc.nat(), fc.oneof(fc.integer(), fc.double())),
    payload_encoding: mostly(fc.constant("UTF-8"), fc.string({ maxLength: 70 })),
    date,
    received: fc.record({ by: fc.string({ maxLength: 3 }), date }, { requiredKeys: [] })
      .map(plain),
    user_defined: dict(),
  }, { requiredKeys: ["index"] }).map(plain);
  let passed = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.array(params, { minLength: 1, maxLength: 2 }), (ps) => {
      const env = { params: ps };
      if (!isCanonicalEnvelope(env)) return void refused++;
      passed++;
      const r = EnvelopeSchema.safeParse(env);
      assert.ok(r.success, JSON.stringify(env));
      assert.deepEqual(r.data, env);
    }),
    { numRuns: 2000 },
  );
  assert.ok(passed > 200 && refused > 200, `passed ${passed}, refused ${refused}: draw both`);
});
