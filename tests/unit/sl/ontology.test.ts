import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  dfAgentDescription,
  type DfTemplate,
  dfTemplate,
  type PropertyValue,
  serviceDescription,
} from "../../../runtime/directory/mod.ts";
import {
  actionFromIotaSl,
  actionFromSl,
  actionToSl,
  agentIdentifierFromSl,
  agentIdentifierToSl,
  amsAgentDescriptionFromSl,
  amsAgentDescriptionToSl,
  dfAgentDescriptionFromSl,
  dfAgentDescriptionToSl,
  equalsIotaResultToSl,
  exceptionPerformative,
  type FipaException,
  isoToSlDateTime,
  OntologyError,
  parseSl,
  parseSlContent,
  propertyValueFromSl,
  propertyValueToSl,
  searchConstraintsFromSl,
  serviceDescriptionFromSl,
  slDateTimeToIso,
  type SlTerm,
  slText,
  slWord,
  writeSl,
} from "../../../runtime/sl/mod.ts";

function refusal(f: () => unknown): FipaException {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof OntologyError, `expected OntologyError, got ${e}`);
    return e.exception;
  }
  throw new Error("did not throw");
}

Deno.test("sl ontology: agent-identifier with addresses, resolvers and user slots", () => {
  const t = parseSl(
    "(Agent-Identifier :name x@ior:002233 :addresses (sequence http://a:1/acc iiop://b) " +
      ":resolvers (sequence (agent-identifier :name ams@p)) :X-userdef ciao :x-dummy (AID gg))",
  );
  const id = agentIdentifierFromSl(t);
  assert.deepEqual(id, {
    name: "x@ior:002233",
    addresses: ["http://a:1/acc", "iiop://b"],
    resolvers: [aid("ams@p")],
    user_params: { "X-userdef": "ciao", "x-dummy": "(AID gg)" },
  });
  assert.deepEqual(agentIdentifierFromSl(parseSl(writeSl(agentIdentifierToSl(id)))), id);
  assert.equal(writeSl(agentIdentifierToSl(aid("a@p"))), "(agent-identifier :name a@p)");
  assert.equal(
    writeSl(agentIdentifierToSl(aid("192.168.1.2:1099/JADE"))),
    '(agent-identifier :name "192.168.1.2:1099/JADE")',
  );
});

Deno.test("sl ontology: agent-identifier errors are FIPA refusals", () => {
  assert.deepEqual(refusal(() => agentIdentifierFromSl(parseSl("(agent-identifier)"))), {
    kind: "missing-parameter",
    object: "agent-identifier",
    parameter: "name",
  });
  assert.deepEqual(
    refusal(() => agentIdentifierFromSl(parseSl("(agent-identifier :name a :addresses x)"))),
    { kind: "unrecognised-parameter-value", parameter: "addresses", value: "x" },
  );
  assert.deepEqual(refusal(() => agentIdentifierFromSl(parseSl("(aid :name a)"), "actor")), {
    kind: "unrecognised-parameter-value",
    parameter: "actor",
    value: "(aid :name a)",
  });
});

Deno.test("sl ontology: JADE's MissingParameter service yields missing-parameter", () => {
  const t = parseSl(
    "(service-description :name  :type  :ontologies (set fipa-agent-management ))",
    { allowMissingValues: true },
  );
  assert.deepEqual(refusal(() => serviceDescriptionFromSl(t)), {
    kind: "missing-parameter",
    object: "service-description",
    parameter: "name",
  });
});

Deno.test("sl ontology: unknown and duplicated slots are unexpected-parameter", () => {
  assert.deepEqual(
    refusal(() => serviceDescriptionFromSl(parseSl("(service-description :colour red)"))),
    { kind: "unexpected-parameter", object: "service-description", parameter: "colour" },
  );
  assert.deepEqual(
    refusal(() => serviceDescriptionFromSl(parseSl("(service-description :type a :TYPE b)"))),
    { kind: "unexpected-parameter", object: "service-description", parameter: "type" },
  );
  assert.deepEqual(
    refusal(() => serviceDescriptionFromSl(parseSl("(service-description x)"))),
    { kind: "unexpected-argument", argument: "x" },
  );
});

Deno.test("sl ontology: singular FIPA 97 slots merge into the plural sets", () => {
  const s = serviceDescriptionFromSl(parseSl(
    "(Service-Description :protocols (set a) :protocol (set a b) :ontology (set o) :language (sequence l))",
  ));
  assert.deepEqual(s.protocols, ["a", "b"]);
  assert.deepEqual(s.ontologies, ["o"]);
  assert.deepEqual(s.languages, ["l"]);
});

Deno.test("sl ontology: property values keep their types through text", () => {
  const values: PropertyValue[] = [
    "V1",
    "two words",
    "true",
    "12",
    true,
    false,
    12,
    -12.23,
    { sl: "20001211T100025100A" },
    { sl: "(agent-identifier :name x)" },
  ];
  for (const v of values) {
    assert.deepEqual(propertyValueFromSl(parseSl(writeSl(propertyValueToSl(v)))), v);
  }
  assert.equal(propertyValueFromSl(parseSl("0x1F")), 31);
  assert.equal(propertyValueFromSl(parseSl("TRUE")), true);
});

Deno.test("sl ontology: lease-time becomes an absolute UTC instant", () => {
  const abs = dfAgentDescriptionFromSl(
    parseSl("(df-agent-description :lease-time 20260101T120000000Z)"),
  );
  assert.equal(abs.lease_time, "2026-01-01T12:00:00.000Z");
  const local = dfAgentDescriptionFromSl(
    parseSl("(df-agent-description :lease-time 20260101T120000000)"),
  );
  assert.equal(local.lease_time, "2026-01-01T12:00:00.000Z");
  const rel = dfAgentDescriptionFromSl(
    parseSl("(df-agent-description :lease-time +00000000T003000000)"),
    { now: "2026-01-01T12:00:00Z" },
  );
  assert.equal(rel.lease_time, "2026-01-01T12:30:00.000Z");
  assert.deepEqual(
    refusal(() =>
      dfAgentDescriptionFromSl(parseSl("(df-agent-description :lease-time +00000000T003000000)"))
    ),
    { kind: "unrecognised-parameter-value", parameter: "lease-time", value: "+00000000T003000000" },
  );
  assert.deepEqual(
    refusal(() => dfAgentDescriptionFromSl(parseSl("(df-agent-description :lease-time soon)"))),
    { kind: "unrecognised-parameter-value", parameter: "lease-time", value: "soon" },
  );
});

Deno.test("sl ontology: SL date-times convert to and from ISO 8601", () => {
  assert.equal(slDateTimeToIso("20020314T091400500Z"), "2002-03-14T09:14:00.500Z");
  assert.equal(slDateTimeToIso("20001211T100025100A"), "2000-12-11T09:00:25.100Z");
  assert.equal(slDateTimeToIso("20001211T100025100N"), "2000-12-11T11:00:25.100Z");
  assert.equal(slDateTimeToIso("20001211T100025100"), "2000-12-11T10:00:25.100");
  assert.equal(slDateTimeToIso("20021314T091400500Z"), undefined);
  assert.equal(
    slDateTimeToIso("-00000001T000000000", "2026-03-01T00:00:00Z"),
    "2026-02-28T00:00:00.000Z",
  );
  assert.equal(isoToSlDateTime("2002-03-14T10:14:00.5+01:00"), "20020314T091400500Z");
  assert.throws(() => isoToSlDateTime("yesterday"), RangeError);
});

Deno.test("sl ontology: df-agent-descriptions round-trip model -> text -> model", () => {
  const text = fc.string({ minLength: 1, maxLength: 12 });
  const set = fc.uniqueArray(text, { maxLength: 3 });
  const value: fc.Arbitrary<PropertyValue> = fc.oneof(
    text,
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.constant({ sl: "(agent-identifier :name x)" }),
  );
  const service = fc.record({
    name: fc.option(text, { nil: undefined }),
    type: fc.option(text, { nil: undefined }),
    protocols: set,
    ontologies: set,
    languages: set,
    ownership: fc.option(text, { nil: undefined }),
    properties: fc.array(fc.record({ name: text, value }, { noNullPrototype: true }), {
      maxLength: 3,
    }),
  }, { noNullPrototype: true }).map((s) => {
    const out = serviceDescription(s);
    for (const k of ["name", "type", "ownership"] as const) if (out[k] === undefined) delete out[k];
    return out;
  });
  const name = fc.string({ unit: fc.constantFrom(..."ab@:/.1-"), minLength: 1, maxLength: 10 });
  const dfd = fc.record({
    name: fc.option(name.map((n) => aid(n, ["http://h:1/acc"])), { nil: undefined }),
    services: fc.array(service, { maxLength: 3 }),
    protocols: set,
    ontologies: set,
    languages: set,
    scope: set,
    lease: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: undefined }),
  }, { noNullPrototype: true }).map(({ lease, name, ...rest }) => {
    const d: DfTemplate = dfTemplate(rest);
    if (name) d.name = name;
    if (lease !== undefined) d.lease_time = new Date(lease).toISOString();
    return d;
  });
  fc.assert(
    fc.property(dfd, (d) => {
      const written = writeSl(dfAgentDescriptionToSl(d));
      assert.deepEqual(dfAgentDescriptionFromSl(parseSl(written)), d);
    }),
    { numRuns: 300 },
  );
});

Deno.test("sl ontology: ams-agent-description states are case-insensitive and checked", () => {
  const d = amsAgentDescriptionFromSl(
    parseSl(
      "(Ams-agent-description :name (agent-identifier :name a@p) :ownership Test :state ACTIVE)",
    ),
  );
  assert.deepEqual(d, { name: aid("a@p"), ownership: "Test", state: "active" });
  assert.deepEqual(amsAgentDescriptionFromSl(parseSl(writeSl(amsAgentDescriptionToSl(d)))), d);
  assert.deepEqual(
    refusal(() => amsAgentDescriptionFromSl(parseSl("(ams-agent-description :state asleep)"))),
    { kind: "unrecognised-parameter-value", parameter: "state", value: "asleep" },
  );
});

Deno.test("sl ontology: search-constraints need integers", () => {
  assert.deepEqual(
    searchConstraintsFromSl(parseSl("(search-constraints :max-depth 20 :max-results 10)")),
    { max_depth: 20, max_results: 10 },
  );
  assert.deepEqual(
    refusal(() => searchConstraintsFromSl(parseSl("(search-constraints :max-results 1.5)"))),
    { kind: "unrecognised-parameter-value", parameter: "max-results", value: "1.5" },
  );
});

Deno.test("sl ontology: actions refuse unknown functions and wrong argument counts", () => {
  const act = (call: string) =>
    parseSl(`(action (agent-identifier :name df@p) ${call})`, { allowMissingValues: true });
  assert.deepEqual(refusal(() => actionFromSl(act("(function (df-agent-description))"))), {
    kind: "unsupported-function",
    function: "function",
  });
  assert.deepEqual(refusal(() => actionFromSl(act("(register)"))), {
    kind: "missing-argument",
    argument: "description",
  });
  assert.deepEqual(
    refusal(() => actionFromSl(act("(register (df-agent-description) (df-agent-description))"))),
    { kind: "unexpected-argument-count" },
  );
  assert.deepEqual(refusal(() => actionFromSl(act("(get-description x)"))), {
    kind: "unexpected-argument-count",
  });
  assert.deepEqual(refusal(() => actionFromSl(act("(register (service-description))"))), {
    kind: "unrecognised-parameter-value",
    parameter: "description",
    value: "(service-description)",
  });
  assert.deepEqual(refusal(() => actionFromSl(parseSl("(done x)"))), {
    kind: "unrecognised-value",
    parameter: "content",
  });
  const search = actionFromSl(act("(SEARCH (df-agent-description))"));
  assert.deepEqual(search.action, {
    function: "search",
    description: { kind: "df", value: dfTemplate() },
    constraints: {},
  });
  assert.equal(actionFromSl(act("get-description")).action.function, "get-description");
});

Deno.test("sl ontology: subscription iota and notification equality", () => {
  const action = actionToSl({
    actor: aid("df@p"),
    action: {
      function: "search",
      description: { kind: "df", value: dfTemplate() },
      constraints: {},
    },
  });
  const note = equalsIotaResultToSl(action, slWord("x"));
  assert.equal(
    writeSl(note),
    "(= (iota ?x (result (action (agent-identifier :name df@p) (search (df-agent-description) " +
      "(search-constraints))) ?x)) x)",
  );
  const [iota] = parseSlContent(`(${writeSl(note.items[1] as SlTerm)})`);
  assert.deepEqual(actionFromIotaSl(iota), action);
  assert.equal(actionFromIotaSl(parseSl("(iota ?x (result a ?y))")), undefined);
});

Deno.test("sl ontology: text values choose word or string", () => {
  assert.deepEqual(slText("fipa-request"), slWord("fipa-request"));
  for (const s of ["-x", "1abc", "a b", ":k", "?v", ""]) {
    assert.deepEqual(slText(s), { kind: "string", value: s });
  }
});

Deno.test("sl ontology: exceptions map to their communicative act", () => {
  assert.equal(exceptionPerformative({ kind: "already-registered" }), "failure");
  assert.equal(exceptionPerformative({ kind: "unauthorised" }), "refuse");
  assert.equal(
    exceptionPerformative({ kind: "unsupported-value", parameter: "language" }),
    "not-understood",
  );
  assert.ok(dfAgentDescription(aid("a@p")).services.length === 0);
});
