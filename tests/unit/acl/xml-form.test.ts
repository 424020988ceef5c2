// The XML representation (SC00071): examples in both spellings, errors, and the
// round-trip properties the string form has.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  AclError,
  type AclMessage,
  aid,
  isXmlSafe,
  parseAclXml,
  toAclString,
  toAclXml,
} from "../../../runtime/acl/mod.ts";
import { arbAclMessage } from "../../support/acl-arbitraries.ts";

const FIXTURES = new URL("../../fixtures/acl-xml/", import.meta.url);
const RUNS = { numRuns: 300 };

Deno.test("XML ACL: our canonical form (attributes) reads into the model", async () => {
  const m = parseAclXml(await Deno.readTextFile(new URL("request-attributes.xml", FIXTURES)));
  assert.deepEqual(m, {
    performative: "request",
    conversation_id: "c-42",
    sender: aid("buyer@jade-host:1099/JADE", ["http://jade-host:7778/acc"]),
    receivers: [aid("echo@beta")],
    content: "((action (agent-identifier :name echo@beta) (ping)))",
    language: "fipa-sl0",
    protocol: "fipa-request",
    reply_with: "r1",
    reply_by: "2026-12-07T12:00:00.000Z",
    user_params: { "X-trace": "abc & <def>" },
  });
  // Written back, it is the same document.
  assert.equal(
    toAclXml(m),
    (await Deno.readTextFile(new URL("request-attributes.xml", FIXTURES))).trimEnd(),
  );
});

Deno.test("XML ACL: the lenient spellings (element text, conversation-id element, act case)", async () => {
  const m = parseAclXml(await Deno.readTextFile(new URL("inform-text.xml", FIXTURES)));
  assert.equal(m.performative, "inform");
  assert.deepEqual(m.sender, aid("echo@beta", ["http://beta-host:8080/acc"]));
  assert.deepEqual(m.receivers.map((r) => r.name), [
    "buyer@jade-host:1099/JADE",
    "auditor@jade-host:1099/JADE",
  ]);
  assert.equal(m.protocol, "fipa-request");
  assert.equal(m.conversation_id, "c-42");
  assert.equal(m.in_reply_to, "r1");
  assert.equal(m.content, "done");
});

Deno.test("XML ACL: bad documents are AclErrors naming the problem", () => {
  const bad: [string, RegExp][] = [
    ["<fipa-message act='inform'><content>x</fipa-message>", /not well-formed/],
    ["<message act='inform'/>", /root element is <message>/],
    ["<fipa-message act='shout'/>", /act 'shout' is not a FIPA performative/],
    ["<fipa-message act='inform'><colour>red</colour></fipa-message>", /unknown element <colour>/],
    ["<fipa-message act='inform'><protocol>(fipa-request)</protocol></fipa-message>", /not a Word/],
    [
      "<fipa-message act='inform'><sender><agent-identifier/></sender></fipa-message>",
      /needs a <name>/,
    ],
    ["<fipa-message act='inform'><reply-by time='tomorrow'/></fipa-message>", /reply-by/],
    [
      '<!DOCTYPE x [<!ENTITY a "b">]><fipa-message act="inform"/>',
      /DOCTYPE/,
    ],
  ];
  for (const [xml, why] of bad) {
    assert.throws(() => parseAclXml(xml), (e) => e instanceof AclError && why.test(e.message), xml);
  }
  assert.throws(
    () => toAclXml({ performative: "inform", receivers: [], content: "bell \u0007" }),
    (e) => e instanceof AclError && /XML 1.0 cannot carry/.test(e.message),
  );
});

/** Models whose every text XML 1.0 can carry (control characters cannot be sent in XML). */
const xmlSafeMessage = arbAclMessage({ minReceivers: 0 }).filter((m) => {
  let safe = true;
  JSON.stringify(m, (k, v) => {
    if (!isXmlSafe(k) || (typeof v === "string" && !isXmlSafe(v))) safe = false;
    return v;
  });
  return safe;
});

Deno.test("XML ACL: model → XML → model is the identity; the XML is stable", () => {
  fc.assert(
    fc.property(xmlSafeMessage, (m: AclMessage) => {
      const xml = toAclXml(m);
      const back = parseAclXml(xml);
      assert.deepEqual(back, m);
      assert.equal(toAclXml(back), xml);
      // And the two representations agree on the model.
      assert.equal(toAclString(back), toAclString(m));
    }),
    RUNS,
  );
});

Deno.test("XML ACL: random and mutated input gives a model or an AclError, nothing else", () => {
  fc.assert(
    fc.property(
      xmlSafeMessage,
      fc.nat(),
      fc.constantFrom("<", ">", "&", '"', "/", "a", "\u0001", "", "</x>"),
      (m, at, ch) => {
        const xml = toAclXml(m);
        const i = at % (xml.length + 1);
        const mutated = xml.slice(0, i) + ch + xml.slice(i + 1);
        try {
          parseAclXml(mutated);
        } catch (e) {
          assert.ok(e instanceof AclError, String(e));
        }
      },
    ),
    RUNS,
  );
});
