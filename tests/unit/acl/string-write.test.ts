// Writing the string form: canonical output, the choice of literal forms, round trips.
import assert from "node:assert/strict";
import {
  AclError,
  type AclMessage,
  aclStringLiteral,
  aid,
  parseAclString,
  toAclString,
} from "../../../runtime/acl/mod.ts";

const A = (name: string, addresses: string[] = []) => aid(name, addresses);

/** model → string → model is the identity, and the string is stable. */
function roundTrips(m: AclMessage): string {
  const s = toAclString(m);
  const back = parseAclString(s);
  assert.deepEqual(back, m, s);
  assert.equal(toAclString(back), s);
  assert.deepEqual(parseAclString(toAclString(m, { pretty: true })), m);
  return s;
}

Deno.test("canonical output of a full message (golden)", () => {
  const m: AclMessage = {
    performative: "request",
    sender: { ...A("a@node-a", ["http://a:7778/acc"]), user_params: { "X-role": "buyer" } },
    receivers: [A("b@node-b"), { ...A("c"), resolvers: [A("ams@x")] }],
    reply_to: [A("a@node-a")],
    content: '((action (agent-identifier :name b@node-b) (sell "plum" 5)))',
    language: "fipa-sl",
    encoding: "(custom enc)",
    ontology: "fruit market",
    protocol: "fipa-request",
    conversation_id: "c-1",
    reply_with: "r1",
    in_reply_to: "20020314T091400500Z",
    reply_by: "2002-03-14T09:14:00.500Z",
    user_params: { "X-comment": "hi there", "X-n": "-12.5" },
  };
  const s = roundTrips(m);
  assert.equal(
    s,
    "(request :sender (agent-identifier :name a@node-a :addresses (sequence http://a:7778/acc)" +
      " :X-role buyer) :receiver (set (agent-identifier :name b@node-b) (agent-identifier" +
      " :name c :resolvers (sequence (agent-identifier :name ams@x)))) :reply-to (set" +
      ' (agent-identifier :name a@node-a)) :content "((action (agent-identifier :name b@node-b)' +
      ' (sell \\"plum\\" 5)))" :language fipa-sl :encoding (custom enc) :ontology' +
      ' "fruit market" :protocol fipa-request :conversation-id c-1 :reply-with r1' +
      " :in-reply-to 20020314T091400500Z :reply-by 20020314T091400500Z" +
      ' :X-comment "hi there" :X-n -12.5)',
  );
  assert.equal(
    toAclString(m, { pretty: true }).split("\n").length,
    15,
    "pretty: one parameter per line",
  );
});

Deno.test("a message with nothing but a performative", () => {
  assert.equal(roundTrips({ performative: "cancel", receivers: [] }), "(cancel)");
});

Deno.test("string literals: quoted, escaped, or byte-length when quoting cannot round-trip", () => {
  assert.equal(aclStringLiteral("plain"), '"plain"');
  assert.equal(aclStringLiteral('say "hi"'), '"say \\"hi\\""');
  assert.equal(aclStringLiteral('a\\"b'), '"a\\\\"b"');
  assert.equal(aclStringLiteral("C:\\"), '#3"C:\\');
  assert.equal(aclStringLiteral("é\\"), '#3"é\\', "the length counts UTF-8 bytes");
  for (const c of ["", "x\\", '\\"', '"', "\\\\", 'a "b" \\', "multi\nline\t(", "😀\\"]) {
    assert.equal(
      roundTrips({ performative: "inform", receivers: [], content: c }).length > 0,
      true,
    );
  }
});

Deno.test("values are bare when they read back as the same text, quoted otherwise", () => {
  const w = (v: string) => toAclString({ performative: "inform", receivers: [], language: v });
  assert.equal(w("fipa-sl"), "(inform :language fipa-sl)");
  assert.equal(w("-99"), "(inform :language -99)");
  assert.equal(w("(a (b))"), "(inform :language (a (b)))");
  assert.equal(w("-x"), '(inform :language "-x")');
  assert.equal(w("1abc"), '(inform :language "1abc")');
  assert.equal(w("#3"), '(inform :language "#3")');
  assert.equal(w(":sender"), '(inform :language ":sender")');
  assert.equal(w("a b"), '(inform :language "a b")');
  assert.equal(w(""), '(inform :language "")');
  assert.equal(w("(a"), '(inform :language "(a")');
  assert.equal(w("(a) (b)"), '(inform :language "(a) (b)")');
  assert.equal(w(" (a)"), '(inform :language " (a)")');
  assert.equal(w("(a -b)"), '(inform :language "(a -b)")', "not a valid expression");
  const deep = "(".repeat(64) + ")".repeat(64);
  assert.equal(w(deep), `(inform :language "${deep}")`, "too deep to be written bare");
  for (const v of ["fipa-sl", "(a (b))", "-x", "#3", ":sender", "a b", "(a", deep, 'q"', "x\\"]) {
    roundTrips({ performative: "inform", receivers: [], language: v });
  }
});

Deno.test("agent names and addresses that are not Words are quoted", () => {
  const m: AclMessage = {
    performative: "inform",
    sender: A("1agent", ["http://h/a b", "-addr", "iiop://ok"]),
    receivers: [A("@x"), A('"q'), A("#7"), A("a\\"), A("@\\")],
  };
  const s = roundTrips(m);
  assert.match(s, /:name "1agent"/);
  assert.match(s, /\(sequence "http:\/\/h\/a b" "-addr" iiop:\/\/ok\)/);
  assert.match(s, /:name a\\\)/, "a backslash inside a Word is fine");
  assert.match(s, /:name #2"@\\\)/, "a quoted name ending in a backslash takes the byte form");
});

Deno.test("non-string content is written as its JSON text", () => {
  const s = toAclString({
    performative: "request",
    receivers: [A("b")],
    content: { action: "process", data: { key: "value" } },
  });
  assert.equal(
    s,
    '(request :receiver (set (agent-identifier :name b)) :content "{\\"action\\":\\"process\\",' +
      '\\"data\\":{\\"key\\":\\"value\\"}}")',
  );
  assert.equal(parseAclString(s).content, '{"action":"process","data":{"key":"value"}}');
  assert.equal(
    parseAclString(toAclString({ performative: "inform", receivers: [], content: null })).content,
    "null",
  );
});

Deno.test("user parameters are written :X-...; a name without X- gains the prefix", () => {
  const s = toAclString({
    performative: "inform",
    receivers: [],
    sender: { ...A("i"), user_params: { userparam: "value", "x-low": "1" } },
    user_params: { comment: "c" },
  });
  assert.equal(
    s,
    "(inform :sender (agent-identifier :name i :X-userparam value :x-low 1) :X-comment c)",
  );
  assert.deepEqual(parseAclString(s).user_params, { "X-comment": "c" });
});

Deno.test("models the string form cannot carry are refused with a field path", () => {
  const refuse = (m: AclMessage, path: (string | number)[], msg: RegExp) => {
    let err: unknown;
    try {
      toAclString(m);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof AclError, String(err));
    assert.deepEqual(err.issues[0].path, path);
    assert.match(err.message, msg);
  };
  refuse(
    { performative: "inform", receivers: [], user_params: { "a b": "1" } },
    ["user_params", "a b"],
    /whitespace or parentheses/,
  );
  refuse(
    { performative: "inform", receivers: [], user_params: { a: "1", "X-a": "2" } },
    ["user_params", "X-a"],
    /both write :X-a/,
  );
  refuse(
    {
      performative: "inform",
      receivers: [{ ...A("r"), user_params: { "(x)": "1" } }],
    },
    ["receivers", 0, "user_params", "(x)"],
    /whitespace or parentheses/,
  );
  let deep = A("z");
  for (let i = 0; i < 40; i++) deep = { ...A(`a${i}`), resolvers: [deep] };
  refuse(
    { performative: "inform", receivers: [], sender: deep },
    ["sender", ...Array.from({ length: 31 }, () => ["resolvers", 0]).flat()],
    /nest deeper than 64 levels/,
  );
  refuse(
    { performative: "inform", receivers: [], reply_by: "tomorrow" },
    ["reply_by"],
    /not an ISO 8601 date-time/,
  );
});

Deno.test("reply_by: zones map to designators; other offsets are converted to UTC", () => {
  const w = (iso: string) =>
    toAclString({ performative: "request", receivers: [], reply_by: iso }).slice(19, -1);
  assert.equal(w("2024-01-15T10:35:00Z"), "20240115T103500000Z");
  assert.equal(w("2024-01-15T10:35:00.123456Z"), "20240115T103500123Z", "truncated to ms");
  assert.equal(w("2024-01-15T10:35:00.5"), "20240115T103500500", "local time");
  assert.equal(w("2024-01-15T10:35:00.000+02:00"), "20240115T103500000B");
  assert.equal(w("2024-01-15T10:35:00.000-05:00"), "20240115T103500000R");
  assert.equal(w("2024-01-15T10:35:00.000+00:00"), "20240115T103500000Z");
  assert.equal(w("2024-01-15T00:35:00.000+05:30"), "20240114T190500000Z");
  assert.equal(w("2024-01-15T23:00:00.000-13:00"), "20240116T120000000Z");
  const rt = (iso: string) =>
    parseAclString(toAclString({ performative: "request", receivers: [], reply_by: iso }))
      .reply_by;
  assert.equal(rt("2024-01-15T10:35:00.000+02:00"), "2024-01-15T10:35:00.000+02:00");
  assert.equal(rt("2024-01-15T10:35:00.000-12:00"), "2024-01-15T10:35:00.000-12:00");
  assert.equal(rt("2024-01-15T10:35:00Z"), "2024-01-15T10:35:00.000Z", "canonical: with ms");
});
