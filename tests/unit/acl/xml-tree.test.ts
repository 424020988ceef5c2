// The XML reader under the envelope and the XML ACL codecs: its fast path (one saxes pass,
// for plain documents) and its careful path (fast-xml-parser's validator and parser, for the
// rest) read documents into the same tree.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid, isXmlSafe, parseXml, toAclXml, XmlSyntaxError } from "../../../runtime/acl/mod.ts";
import { arbAclMessage } from "../../support/acl-arbitraries.ts";

// A carriage return after the root is whitespace to XML but sends the document down the
// careful path: the two paths side by side.
const careful = (xml: string) => parseXml(`${xml}\r`);

const PLAIN = [
  `<?xml version="1.0"?>\n<envelope><params index="1"><to><agent-identifier><name>b@beta` +
  `</name><addresses><url>http://h:1/acc</url></addresses></agent-identifier></to>` +
  `<payload-length>12</payload-length></params></envelope>`,
  `<A X="1" xmlns="urn:x" xmlns:p="urn:p" p:Y="&amp;&lt;&#65;"><p:B>  </p:B>` +
  `<c><![CDATA[<x>]]> tail</c><!-- c --><d>a<!-- c -->b</d>\n  <e/><f><?pi x?>t</f></A>`,
  `<fipa-message act="inform"><content>   </content></fipa-message>`,
  `  <r>&quot;&apos;&#x263A;</r>  `,
];

Deno.test("xml-tree: plain documents read the same on both paths", () => {
  for (const xml of PLAIN) assert.deepEqual(parseXml(xml), careful(xml), xml);
  const root = parseXml(PLAIN[1]);
  assert.equal(root.name, "a");
  assert.deepEqual(root.attrs, { x: "1", y: "&<A" });
  assert.deepEqual(root.children.map((c) => [c.name, c.text]), [
    ["b", "  "],
    ["c", "<x> tail"],
    ["d", "ab"],
    ["e", ""],
    ["f", "t"],
  ]);
});

Deno.test("xml-tree: every XML ACL message reads the same on both paths", () => {
  fc.assert(
    fc.property(arbAclMessage({ minReceivers: 0 }), (m) => {
      // Control characters cannot be written in XML (toAclXml refuses them).
      let safe = true;
      JSON.stringify(m, (k, v) => {
        if (!isXmlSafe(k) || (typeof v === "string" && !isXmlSafe(v))) safe = false;
        return v;
      });
      fc.pre(safe);
      const xml = toAclXml(m);
      assert.deepEqual(parseXml(xml), careful(xml));
    }),
    { numRuns: 300 },
  );
});

Deno.test("xml-tree: what the fast path does not take still reads", () => {
  // An HTML entity, a lone surrogate, a carriage return.
  assert.equal(parseXml("<a>&nbsp;</a>").text, "\u00a0");
  assert.equal(parseXml("<a>\ud83d&quot;</a>").text, '\ud83d"');
  assert.equal(parseXml("<a>x\r\ny</a>").text, "x\ny");
  assert.equal(
    parseXml(toAclXml({ performative: "inform", receivers: [aid("b")] })).name,
    "fipa-message",
  );
});

Deno.test("xml-tree: malformed documents fail with the careful path's line and column", () => {
  for (
    const [xml, re] of [
      ["<a><b></a>", /not well-formed.*line 1/],
      ["<a b='1' b='2'/>", /Attribute 'b' is repeated/],
      ["<a/><b/>", /exactly one root|not well-formed/],
      ["<!DOCTYPE a><a/>", /DOCTYPE/],
    ] as const
  ) {
    assert.throws(() => parseXml(xml), (e) => e instanceof XmlSyntaxError && re.test(e.message));
  }
});
