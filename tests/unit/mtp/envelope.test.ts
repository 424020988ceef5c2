// The XML envelope codec (SC00085): the JADE corpus envelope, several params, user-defined
// slots, received stamps, errors that name the element, and build -> parse round trips.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  buildEnvelopeXml,
  effectiveEnvelope,
  type Envelope,
  type EnvelopeParams,
  envelopeReceivers,
  MtpError,
  parseEnvelopeXml,
} from "../../../runtime/mtp/mod.ts";
import { corpusUrl } from "../../support/corpus.ts";

const CORPUS = corpusUrl("http-mtp/");
const corpusEnvelope = () => Deno.readTextFileSync(new URL("awap-jade-envelope.xml", CORPUS));

/** Asserts that `fn` throws an MtpError of `reason` whose message names `element`. */
function assertMtpError(fn: () => unknown, reason: string, element: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MtpError, `expected MtpError, got ${e}`);
    assert.equal(e.reason, reason);
    if (typeof element === "string") assert.ok(e.message.includes(element), e.message);
    else assert.match(e.message, element);
    return true;
  });
}

Deno.test("the JADE corpus envelope parses to the expected fields", () => {
  const env = parseEnvelopeXml(corpusEnvelope());
  assert.equal(env.params.length, 1);
  const test = aid("test", ["http://localhost:9000"]);
  assert.deepEqual(env.params[0], {
    index: 1,
    to: [test],
    from: aid("rma@192.168.122.1:1099/JADE", ["http://130-000.eduroam.rwth-aachen.de:7778/acc"]),
    acl_representation: "fipa.acl.rep.string.std",
    payload_length: 488,
    date: "2015-07-01T14:39:41.567Z", // JADE's 20150701Z143941567
    intended_receiver: [test],
  });
  assert.deepEqual(envelopeReceivers(effectiveEnvelope(env)), [test]);
});

const A = `<agent-identifier><name>a@x</name></agent-identifier>`;
const B = `<agent-identifier><name>b@y</name><addresses><url>http://y:7778/acc</url></addresses>` +
  `</agent-identifier>`;

Deno.test("later params override earlier ones field by field; received stamps accumulate", () => {
  // Written out of order on purpose: index decides, not position.
  const xml = `<?xml version="1.0"?>
<envelope>
  <params index="2">
    <intended-receiver>${B}</intended-receiver>
    <payload-encoding>ISO-8859-1</payload-encoding>
    <received><received-by value="http://y:7778/acc"/><received-date value="20261121T074220000Z"/>
      <received-id value="m-2"/><received-via value="fipa.mts.mtp.http.std"/></received>
    <user-defined href="X-hop">2</user-defined>
  </params>
  <params index="1">
    <to>${A}</to>
    <from>${A}</from>
    <comments>first hop</comments>
    <acl-representation>fipa.acl.rep.string.std</acl-representation>
    <payload-length>12</payload-length>
    <payload-encoding>US-ASCII</payload-encoding>
    <date>20261121T074219961Z</date>
    <received><received-by value="http://x:7778/acc"/><received-from value="http://w/acc"/>
      <received-date value="20261121Z074219999"/></received>
    <user-defined href="X-hop">1</user-defined>
    <user-defined href="X-origin">w</user-defined>
  </params>
</envelope>`;
  const env = parseEnvelopeXml(xml);
  assert.deepEqual(env.params.map((p) => p.index), [1, 2]);
  const view = effectiveEnvelope(env);
  assert.equal(view.payload_encoding, "ISO-8859-1");
  assert.equal(view.payload_length, 12);
  assert.equal(view.comments, "first hop");
  assert.deepEqual(view.user_defined, { "X-hop": "2", "X-origin": "w" });
  assert.deepEqual(view.received, [
    { by: "http://x:7778/acc", from: "http://w/acc", date: "2026-11-21T07:42:19.999Z" },
    {
      by: "http://y:7778/acc",
      date: "2026-11-21T07:42:20.000Z",
      id: "m-2",
      via: "fipa.mts.mtp.http.std",
    },
  ]);
  // intended-receiver (latest) wins over to.
  assert.deepEqual(envelopeReceivers(view), [aid("b@y", ["http://y:7778/acc"])]);
  assert.deepEqual(view.to, [aid("a@x")]);
});

Deno.test("to: one <to> with several agents (DTD) and one <to> per agent (JADE) both read", () => {
  const dtd = parseEnvelopeXml(`<envelope><params index="1"><to>${A}${B}</to></params></envelope>`);
  const jade = parseEnvelopeXml(
    `<envelope><params index="1"><to>${A}</to><to>${B}</to></params></envelope>`,
  );
  assert.deepEqual(dtd.params[0].to?.map((a) => a.name), ["a@x", "b@y"]);
  assert.deepEqual(jade.params[0].to, dtd.params[0].to);
});

Deno.test("agent identifiers: resolvers, user-defined slots, url as attribute, entities", () => {
  const xml = `<envelope><params index="1"><to><agent-identifier>
    <name>a&amp;b@x</name>
    <addresses><url>http://x/acc?a=1&amp;b=2</url><url href="http://x2/acc"/></addresses>
    <resolvers><agent-identifier><name>df@x</name></agent-identifier></resolvers>
    <user-defined href="X-role">buyer</user-defined>
  </agent-identifier></to></params></envelope>`;
  const to = parseEnvelopeXml(xml).params[0].to![0];
  assert.deepEqual(to, {
    name: "a&b@x",
    addresses: ["http://x/acc?a=1&b=2", "http://x2/acc"],
    resolvers: [aid("df@x")],
    user_params: { "X-role": "buyer" },
  });
});

Deno.test("element names are case-insensitive and unknown text elements become user-defined", () => {
  const env = parseEnvelopeXml(
    `<Envelope><PARAMS index="1"><To>${A}</To><X-Trace>abc</X-Trace></PARAMS></Envelope>`,
  );
  assert.deepEqual(env.params[0].user_defined, { "x-trace": "abc" });
});

Deno.test("errors name the offending element", () => {
  const wrap = (inner: string) => `<envelope><params index="1">${inner}</params></envelope>`;
  assertMtpError(
    () => parseEnvelopeXml(wrap("<payload-length>abc</payload-length>")),
    "malformed-envelope",
    "envelope/params[index=1]/payload-length: 'abc' is not a non-negative integer",
  );
  assertMtpError(
    () => parseEnvelopeXml(wrap("<date>2026-11-21</date>")),
    "malformed-envelope",
    "envelope/params[index=1]/date: date '2026-11-21'",
  );
  assertMtpError(
    () => parseEnvelopeXml(wrap("<to><agent-identifier><addresses/></agent-identifier></to>")),
    "malformed-envelope",
    "envelope/params[index=1]/to/agent-identifier[1]/name",
  );
  assertMtpError(
    () => parseEnvelopeXml(wrap("<to><agent-identifier><name>a b</name></agent-identifier></to>")),
    "malformed-envelope",
    /envelope\/params\[index=1\]\/to\/agent-identifier\[1\]\/name: agent name must not contain whitespace/,
  );
  assertMtpError(
    () => parseEnvelopeXml(wrap(`<from>${A}${B}</from>`)),
    "malformed-envelope",
    "envelope/params[index=1]/from: from holds exactly one agent-identifier",
  );
  assertMtpError(
    () => parseEnvelopeXml(wrap(`<to><sender/></to>`)),
    "malformed-envelope",
    "envelope/params[index=1]/to/sender[1]",
  );
  assertMtpError(
    () => parseEnvelopeXml(`<envelope><params>${A}</params></envelope>`),
    "malformed-envelope",
    "envelope/params[1]: params needs an index attribute",
  );
  assertMtpError(
    () => parseEnvelopeXml(`<envelope><params index="0"/></envelope>`),
    "malformed-envelope",
    "index '0' is not a positive integer",
  );
  assertMtpError(
    () => parseEnvelopeXml(`<envelope><params index="1"/><params index="1"/></envelope>`),
    "malformed-envelope",
    "envelope/params[index=1]: index is repeated",
  );
  assertMtpError(
    () =>
      parseEnvelopeXml(wrap(`<date>20261121T074219961Z</date><date>20261121T074219961Z</date>`)),
    "malformed-envelope",
    "date appears more than once",
  );
  assertMtpError(() => parseEnvelopeXml(`<message/>`), "malformed-envelope", "<envelope>");
  assertMtpError(() => parseEnvelopeXml(`<envelope/>`), "malformed-envelope", "has no params");
});

Deno.test("malformed XML and DOCTYPEs are refused; size is limited", () => {
  assertMtpError(
    () => parseEnvelopeXml(`<envelope><params index="1"></envelope>`),
    "malformed-envelope",
    /not well-formed.*line 1/,
  );
  assertMtpError(
    () =>
      parseEnvelopeXml(
        `<!DOCTYPE envelope [<!ENTITY a "aaaa">]><envelope><params index="1"><comments>&a;</comments></params></envelope>`,
      ),
    "malformed-envelope",
    "DOCTYPE",
  );
  assertMtpError(
    () => parseEnvelopeXml(corpusEnvelope(), { maxChars: 100 }),
    "too-large",
    /exceeds the limit of 100/,
  );
});

const full: EnvelopeParams = {
  index: 1,
  to: [aid("a@x", ["http://x:7778/acc"]), aid("c@x")],
  from: { name: "b@y", addresses: ["http://y/acc"], resolvers: [aid("r@y")], user_params: {} },
  comments: `<"quoted"> & 'more'`,
  acl_representation: "fipa.acl.rep.string.std",
  payload_length: 42,
  payload_encoding: "UTF-8",
  date: "2026-11-21T07:42:19.961Z",
  encrypted: ["none"],
  intended_receiver: [aid("a@x", ["http://x:7778/acc"])],
  received: { by: "http://x/acc", date: "2026-11-21T07:42:20.000Z", id: 'i"d', via: "v" },
  transport_behaviour: "best-effort",
  user_defined: { "X-a": "1 < 2" },
};

Deno.test("build writes the spec's date form and the JADE-required type attribute", () => {
  const xml = buildEnvelopeXml(full);
  assert.ok(xml.startsWith(`<?xml version="1.0"?>\n<envelope><params index="1">`));
  assert.ok(xml.includes("<date>20261121T074219961Z</date>"));
  assert.ok(xml.includes(`<user-defined href="X-a" type="string">1 &lt; 2</user-defined>`));
  assert.ok(xml.includes(`<received-id value="i&quot;d"/>`));
});

Deno.test("build -> parse round-trips every field", () => {
  assert.deepEqual(parseEnvelopeXml(buildEnvelopeXml(full)), { params: [full] });
  const two: Envelope = { params: [full, { index: 3, to: [aid("z@z")], comments: "hop" }] };
  assert.deepEqual(parseEnvelopeXml(buildEnvelopeXml(two)), two);
  // The corpus envelope survives build -> parse unchanged.
  const corpus = parseEnvelopeXml(corpusEnvelope());
  assert.deepEqual(parseEnvelopeXml(buildEnvelopeXml(corpus)), corpus);
});

Deno.test("build refuses invalid input naming the field", () => {
  assertMtpError(
    () => buildEnvelopeXml({ index: 1, payload_length: -1 }),
    "malformed-envelope",
    "envelope/params[index=1]/payload-length",
  );
  assertMtpError(
    () => buildEnvelopeXml({ comments: "bell \u0007" }),
    "malformed-envelope",
    "envelope/params[index=1]/comments",
  );
});

Deno.test("property: build -> parse is the identity on generated params", () => {
  const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9@:/._-]{0,20}$/);
  const text = fc.string({ maxLength: 30 }).map((s) =>
    // XML cannot carry most control characters; values are trimmed on read.
    // deno-lint-ignore no-control-regex
    s.replace(/[\u0000-\u001f\ufffe\uffff]/g, "").trim()
  );
  const agent = fc.record({ name: word, addresses: fc.array(word, { maxLength: 2 }) }).map((
    a,
  ) => aid(a.name, a.addresses));
  const params = fc.record({
    index: fc.integer({ min: 1, max: 9 }),
    to: fc.option(fc.array(agent, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    comments: fc.option(text, { nil: undefined }),
    payload_length: fc.option(fc.nat(), { nil: undefined }),
    date: fc.option(
      fc.date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true })
        .map((d) => d.toISOString()),
      { nil: undefined },
    ),
    user_defined: fc.option(
      fc.dictionary(word, text, { minKeys: 1, maxKeys: 3 }).map((d) => ({ ...d })),
      {
        nil: undefined,
      },
    ),
  }, { requiredKeys: ["index"] });
  fc.assert(
    fc.property(params, (p) => {
      const clean = Object.fromEntries(
        Object.entries(p).filter(([, v]) => v !== undefined),
      ) as unknown as EnvelopeParams;
      assert.deepEqual(parseEnvelopeXml(buildEnvelopeXml(clean)), { params: [clean] });
    }),
    { numRuns: 200 },
  );
});
