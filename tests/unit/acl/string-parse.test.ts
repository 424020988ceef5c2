// Parsing the FIPA string representation: spec examples and the SC00070 lexical grammar.
import assert from "node:assert/strict";
import { type AclMessage, aid, parseAclString } from "../../../runtime/acl/mod.ts";

/** A bare agent identifier, as the parser builds it. */
const A = (name: string, addresses: string[] = []) => aid(name, addresses);

Deno.test("SC00061 example: inform from i to j in Prolog", () => {
  const m = parseAclString(
    `(inform
  :sender (agent-identifier :name i)
  :receiver (set (agent-identifier :name j))
  :content "weather (today, raining)"
  :language Prolog)`,
  );
  assert.deepEqual(
    m,
    {
      performative: "inform",
      sender: A("i"),
      receivers: [A("j")],
      content: "weather (today, raining)",
      language: "Prolog",
    } satisfies AclMessage,
  );
});

Deno.test("SC00037 example: cfp with an SL content, ontology and language", () => {
  const m = parseAclString(
    `(cfp
  :sender (agent-identifier :name j)
  :receiver (set (agent-identifier :name i))
  :content
    "((action (agent-identifier :name i) (sell plum 50))
      (any ?x (and (= (price plum) ?x) (< ?x 10))))"
  :ontology fruit-market
  :language fipa-sl)`,
  );
  assert.equal(m.performative, "cfp");
  assert.equal(
    m.content,
    "((action (agent-identifier :name i) (sell plum 50))\n      (any ?x (and (= (price plum) ?x) (< ?x 10))))",
  );
  assert.equal(m.ontology, "fruit-market");
  assert.equal(m.language, "fipa-sl");
});

Deno.test("SC00037 example: propose in reply to a cfp, and reject-proposal", () => {
  const p = parseAclString(
    `(propose :sender (agent-identifier :name j) :receiver (set (agent-identifier :name i))
  :in-reply-to proposal2 :content "((action j (sell plum 50)) (= (price plum) 5))"
  :language fipa-sl)`,
  );
  assert.equal(p.in_reply_to, "proposal2");
  const r = parseAclString(
    `(reject-proposal :sender (agent-identifier :name i) :receiver (set (agent-identifier :name j))
  :content "((action j (sell plum 50)) (= (price plum) 5) (price-too-high 50))"
  :in-reply-to proposal13)`,
  );
  assert.equal(r.performative, "reject-proposal");
  assert.equal(r.in_reply_to, "proposal13");
});

Deno.test("SC00023 example: agent identifier with addresses, resolvers and user slots", () => {
  const m = parseAclString(
    `(request :sender (agent-identifier :name dummy@foo.com
       :addresses (sequence iiop://foo.com/acc http://foo.com:7778/acc)
       :resolvers (sequence (agent-identifier :name ams@foo.com
                              :addresses (sequence iiop://foo.com/acc)))
       :X-role buyer)
     :receiver (set (agent-identifier :name df@foo.com)))`,
  );
  assert.deepEqual(m.sender, {
    name: "dummy@foo.com",
    addresses: ["iiop://foo.com/acc", "http://foo.com:7778/acc"],
    resolvers: [A("ams@foo.com", ["iiop://foo.com/acc"])],
    user_params: { "X-role": "buyer" },
  });
});

Deno.test("keywords are case-insensitive; the performative is normalised to lower case", () => {
  const m = parseAclString(
    "(Query-IF :SENDER (AGENT-IDENTIFIER :NAME Alice) :Receiver (SET (Agent-Identifier :Name Bob)" +
      " (agent-identifier :name c :ADDRESSES (SEQUENCE http://x) :Resolvers (Sequence)))" +
      " :LANGUAGE FIPA-SL :Reply-By 20020314T091400500Z :X-Mine v)",
  );
  assert.equal(m.performative, "query-if");
  assert.equal(m.sender!.name, "Alice", "names keep their case");
  assert.deepEqual(m.receivers.map((r) => r.name), ["Bob", "c"]);
  assert.deepEqual(m.receivers[1].addresses, ["http://x"]);
  assert.equal(m.language, "FIPA-SL", "values keep their case");
  assert.equal(m.reply_by, "2002-03-14T09:14:00.500Z");
  assert.deepEqual(m.user_params, { "X-Mine": "v" }, "user parameter names keep their case");
});

Deno.test("all 22 performatives parse", () => {
  for (
    const p of ["accept-proposal", "agree", "cancel", "cfp", "confirm", "disconfirm", "failure"]
      .concat(["inform", "inform-if", "inform-ref", "not-understood", "propagate", "propose"])
      .concat(["proxy", "query-if", "query-ref", "refuse", "reject-proposal", "request"])
      .concat(["request-when", "request-whenever", "subscribe"])
  ) {
    assert.equal(parseAclString(`(${p.toUpperCase()})`).performative, p);
  }
});

Deno.test("a missing :receiver, or an empty set, gives no receivers", () => {
  assert.deepEqual(parseAclString("(inform)").receivers, []);
  assert.deepEqual(parseAclString("(inform :receiver (set))").receivers, []);
  assert.deepEqual(parseAclString("(inform :reply-to (set ))").reply_to, []);
});

Deno.test(":reply-to takes a set of agents", () => {
  const m = parseAclString(
    "(request :reply-to (set (agent-identifier :name x) (agent-identifier :name y)))",
  );
  assert.deepEqual(m.reply_to, [A("x"), A("y")]);
});

Deno.test('quoted strings unescape only \\" (JADE semantics)', () => {
  const c = (raw: string) => parseAclString(`(inform :content "${raw}")`).content;
  assert.equal(c('say \\"hi\\"'), 'say "hi"');
  assert.equal(c("a\\nb\\tc"), "a\\nb\\tc", "other backslashes stay");
  assert.equal(c('x \\\\" y'), 'x \\" y', '\\\\" is a backslash then an escaped quote');
  assert.equal(c("line1\nline2\t(paren)"), "line1\nline2\t(paren)", "raw newlines and parens");
  assert.equal(c(""), "");
});

Deno.test("byte-length strings read exactly N UTF-8 bytes", () => {
  const c = (s: string) => parseAclString(`(inform :content ${s})`).content;
  assert.equal(c('#12"hello world!'), "hello world!");
  assert.equal(c('#5"a"b)c'), 'a"b)c', "quotes and parens are just bytes");
  assert.equal(c('#0"'), "");
  assert.equal(c('#2"é'), "é", "é is 2 bytes");
  assert.equal(c('#7"中😀'), "中😀", "3 + 4 bytes");
  assert.equal(c('#3"a\\b'), "a\\b", "no escapes inside");
  const m = parseAclString('(inform :content #3"abc:language fipa-sl)');
  assert.equal(m.language, "fipa-sl", "the next token may follow without space");
});

Deno.test("numbers and DateTimes as expression values keep their text", () => {
  const rw = (s: string) => parseAclString(`(proxy :reply-with ${s})`).reply_with;
  for (
    const s of [
      "99",
      "+99",
      "-99",
      "+.99E-23",
      "1.5e3",
      "0x23AF",
      "-0.5",
      "7.",
      "20001211T100025100A",
    ]
  ) {
    assert.equal(rw(s), s);
  }
  assert.equal(rw('"quoted value"'), "quoted value", "a string gives its value");
  assert.equal(rw('#4"a b"'), 'a b"', "a byte-length string gives its bytes");
});

Deno.test("words may contain #, @, quotes and digits after the first character", () => {
  const m = parseAclString(
    '(inform :sender (agent-identifier :name a#1@x"y) :conversation-id c-1#2@3"q\')',
  );
  assert.equal(m.sender!.name, 'a#1@x"y');
  assert.equal(m.conversation_id, "c-1#2@3\"q'");
});

Deno.test("parenthesised expressions become their exact source text", () => {
  const m = parseAclString(
    '(inform :encoding (a  (b "c)" #2")) ) d) :ontology (x\n y) :X-e (set 1 -2 +3))',
  );
  assert.equal(m.encoding, '(a  (b "c)" #2")) ) d)');
  assert.equal(m.ontology, "(x\n y)");
  assert.deepEqual(m.user_params, { "X-e": "(set 1 -2 +3)" });
});

Deno.test("content may also be a word, number or expression (read as text)", () => {
  assert.equal(parseAclString("(inform :content done)").content, "done");
  assert.equal(parseAclString("(inform :content 42)").content, "42");
  assert.equal(parseAclString("(inform :content (done (x)))").content, "(done (x))");
});

Deno.test("user-defined parameters: :X-... on messages; :X-... or bare words in AIDs", () => {
  const m = parseAclString(
    '(inform :X-comment "a b" :x-lower 1 :sender (agent-identifier :name i :X-role r' +
      " userparam value :other (v w)))",
  );
  assert.deepEqual(m.user_params, { "X-comment": "a b", "x-lower": "1" });
  assert.deepEqual(m.sender!.user_params, { "X-role": "r", userparam: "value", other: "(v w)" });
});

Deno.test("tokens may follow a string without whitespace (the rock cases)", () => {
  const m = parseAclString(
    '(inform :content "TESTCONTENT":conversation-id #6"convid:encoding(enc):X-a "y":X-b 1)',
  );
  assert.equal(m.content, "TESTCONTENT");
  assert.equal(m.conversation_id, "convid");
  assert.equal(m.encoding, "(enc)");
  assert.deepEqual(m.user_params, { "X-a": "y", "X-b": "1" });
  // A Word runs on through quotes (longest match): `:X-b"z"` is one Word, not a name and a
  // string, so the parameter has no value here.
  assert.throws(() => parseAclString('(inform :X-b"z")'), /expected a value for :X-b"z"/);
});

Deno.test("parentheses may touch the tokens around them", () => {
  const m = parseAclString(
    "(inform :sender(agent-identifier :name a):receiver(set(agent-identifier :name b)))",
  );
  assert.deepEqual(m, { performative: "inform", sender: A("a"), receivers: [A("b")] });
});

Deno.test("whitespace: CR LF, tabs, form feeds and a leading byte-order mark are fine", () => {
  const m = parseAclString(
    "\ufeff\r\n(inform\r\n\t:receiver\f(set (agent-identifier :name b))\r\n)\r\n",
  );
  assert.deepEqual(m.receivers, [A("b")]);
});

Deno.test("agent names may be written as strings (for names that are not Words)", () => {
  const m = parseAclString(
    '(inform :sender (agent-identifier :name "1agent" :addresses' +
      ' (sequence "http://h/a b")))',
  );
  assert.equal(m.sender!.name, "1agent");
  assert.deepEqual(m.sender!.addresses, ["http://h/a b"]);
});

Deno.test(":reply-by: designators, local time, relative time with an injected now", () => {
  const rb = (t: string, now?: number) =>
    parseAclString(`(request :reply-by ${t})`, { now }).reply_by;
  assert.equal(rb("20020314T091400500Z"), "2002-03-14T09:14:00.500Z");
  assert.equal(rb("20020314T091400500z"), "2002-03-14T09:14:00.500Z");
  assert.equal(rb("20020314T091400500"), "2002-03-14T09:14:00.500", "local time");
  assert.equal(rb("20020314T091400500J"), "2002-03-14T09:14:00.500", "J is local time");
  assert.equal(rb("20020314T091400500A"), "2002-03-14T09:14:00.500+01:00");
  assert.equal(rb("20020314T091400500M"), "2002-03-14T09:14:00.500+12:00");
  assert.equal(rb("20020314T091400500N"), "2002-03-14T09:14:00.500-01:00");
  assert.equal(rb("20020314T091400500Y"), "2002-03-14T09:14:00.500-12:00");
  assert.equal(rb("20000229T235959999Z"), "2000-02-29T23:59:59.999Z", "leap day");
  const now = Date.UTC(2026, 10, 21, 10, 0, 0, 0);
  assert.equal(rb("+00000000T001000000", now), "2026-11-21T10:10:00.000Z");
  assert.equal(rb("-00000001T000000001Z", now), "2026-11-20T09:59:59.999Z");
  assert.equal(rb("+00010100T000000000", now), "2027-12-21T10:00:00.000Z");
});
