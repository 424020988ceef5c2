// The FIPA conformance corpus (real JADE messages and spec examples): every valid message
// parses to exactly the expected fields and round-trips; the ambiguous cases follow INDEX.json.
import assert from "node:assert/strict";
import {
  AclLexer,
  type AclMessage,
  AclMessageSchema,
  type AgentIdentifier,
  parseAclString,
  toAclString,
} from "../../../runtime/acl/mod.ts";
import { corpusUrl } from "../../support/corpus.ts";

const CORPUS = corpusUrl("acl-string/");

function corpusFiles(sub: string, ext: string): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(new URL(sub, CORPUS))];
  } catch (e) {
    throw new Error(
      `FIPA corpus not found at ${new URL(sub, CORPUS).pathname} ` +
        `(tests/fixtures/fipa-corpus in the repository): ${e}`,
    );
  }
  const names = entries.filter((e) => e.name.endsWith(ext)).map((e) => e.name).sort();
  if (names.length === 0) throw new Error(`no ${ext} files in ${new URL(sub, CORPUS).pathname}`);
  return names;
}

/** A corpus file as latin-1 bytes → string (the files are byte-exact latin-1). */
function readLatin1(url: URL): string {
  return new TextDecoder("latin1").decode(Deno.readFileSync(url));
}

const TEXT_FIELDS = [
  "language",
  "encoding",
  "ontology",
  "protocol",
  "conversation_id",
  "reply_with",
  "in_reply_to",
] as const;

interface Expected {
  performative: string;
  sender: string | null;
  receivers: string[];
  reply_to?: string[] | null;
  content: string | null;
  reply_by: string | null;
  reply_by_iso?: string;
  user_params?: Record<string, string>;
  agent_identifiers?: { sender?: AgentIdentifier; receivers?: AgentIdentifier[] };
  [k: string]: unknown;
}

/** Writes a `Z` DateTime token as ISO 8601 (independently of the codec under test). */
function zTokenToIso(t: string): string {
  assert.match(t, /^\d{8}T\d{9}Z$/, `test helper handles only Z tokens, got ${t}`);
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${
    t.slice(13, 15)
  }.${t.slice(15, 18)}Z`;
}

function checkExpected(m: AclMessage, e: Expected): void {
  assert.equal(m.performative, e.performative);
  assert.equal(m.sender?.name ?? null, e.sender);
  assert.deepEqual(m.receivers.map((r) => r.name), e.receivers);
  assert.deepEqual(m.reply_to?.map((r) => r.name) ?? null, e.reply_to ?? null);
  assert.equal(m.content ?? null, e.content);
  for (const k of TEXT_FIELDS) assert.equal(m[k] ?? null, e[k] ?? null, k);
  if (e.reply_by === null) assert.equal(m.reply_by, undefined);
  else assert.equal(m.reply_by, e.reply_by_iso ?? zTokenToIso(e.reply_by));
  const userParams = Object.fromEntries(
    Object.entries(e.user_params ?? {}).map(([k, v]) => [k.replace(/^:/, ""), v]),
  );
  assert.deepEqual(m.user_params ?? {}, userParams);
  if (e.agent_identifiers?.sender) assert.deepEqual(m.sender, e.agent_identifiers.sender);
  if (e.agent_identifiers?.receivers) assert.deepEqual(m.receivers, e.agent_identifiers.receivers);
}

/** string → model → string → model equal; the 2nd and 3rd strings are identical. */
function checkRoundTrip(m1: AclMessage): void {
  const s1 = toAclString(m1);
  const m2 = parseAclString(s1);
  assert.deepEqual(m2, m1);
  const s2 = toAclString(m2);
  assert.equal(s2, s1);
  const pretty = toAclString(m1, { pretty: true });
  assert.deepEqual(parseAclString(pretty), m1);
}

/** The writer never produces the ambiguous adjacency: a string is followed by space or ')'. */
function assertNoAdjacentString(s: string): void {
  const lx = new AclLexer(s);
  for (let t = lx.next(); t.kind !== "eof"; t = lx.next()) {
    if (t.kind === "string" && t.end < s.length) {
      assert.match(s[t.end], /[\s)]/, `string ending at ${t.end} is followed by '${s[t.end]}'`);
    }
  }
}

for (const file of corpusFiles("valid/", ".acl")) {
  const name = file.replace(/\.acl$/, "");
  Deno.test(`corpus valid/${file}: parses to the expected fields and round-trips`, () => {
    const text = readLatin1(new URL(`valid/${file}`, CORPUS));
    const expected: Expected = JSON.parse(
      Deno.readTextFileSync(new URL(`expected/${name}.json`, CORPUS)),
    );
    const m = parseAclString(text);
    assert.ok(AclMessageSchema.safeParse(m).success, "the model passes AclMessageSchema");
    checkExpected(m, expected);
    checkRoundTrip(m);
    assertNoAdjacentString(toAclString(m));
  });
}

interface Ambiguous {
  ref_parser: string;
  if_accepted_expect: {
    performative: string;
    content: string;
    language: string | null;
    encoding: string | null;
    conversation_id: string | null;
    reply_by: string | null;
    user_params: Record<string, string>;
    sender: AgentIdentifier;
  };
}

const INDEX: Record<string, Ambiguous> = JSON.parse(
  Deno.readTextFileSync(new URL("ambiguous/INDEX.json", CORPUS)),
);

Deno.test("corpus ambiguous/: INDEX.json lists every .acl file", () => {
  const files = corpusFiles("ambiguous/", ".acl").map((f) => f.replace(/\.acl$/, ""));
  assert.deepEqual(files, Object.keys(INDEX).sort());
});

for (const [name, entry] of Object.entries(INDEX)) {
  Deno.test(`corpus ambiguous/${name}: accepted as INDEX.json recommends, never produced`, () => {
    assert.equal(entry.ref_parser, "accepts");
    const m = parseAclString(readLatin1(new URL(`ambiguous/${name}.acl`, CORPUS)));
    const x = entry.if_accepted_expect;
    assert.equal(m.performative, x.performative);
    assert.equal(m.content, x.content);
    assert.equal(m.language ?? null, x.language);
    assert.equal(m.encoding ?? null, x.encoding);
    assert.equal(m.conversation_id ?? null, x.conversation_id);
    assert.equal(m.reply_by ?? null, x.reply_by === null ? null : zTokenToIso(x.reply_by));
    assert.deepEqual(m.user_params ?? {}, x.user_params);
    assert.deepEqual(m.sender, x.sender);

    const s1 = toAclString(m);
    assertNoAdjacentString(s1);
    const m2 = parseAclString(s1);
    const bareSlots = Object.keys(x.sender.user_params).filter((k) => !/^x-/i.test(k));
    if (bareSlots.length === 0) {
      assert.deepEqual(m2, m);
    } else {
      // A bare-word slot is written `:X-<name>` (JADE reads only those), so it reads back
      // renamed once; from then on the model and the string are stable.
      assert.ok(!/ userparam /.test(s1), s1);
      assert.match(s1, /:X-userparam value/);
      const renamed = Object.fromEntries(
        Object.entries(m.sender!.user_params).map(([k, v]) => [`X-${k}`, v]),
      );
      assert.deepEqual(m2, { ...m, sender: { ...m.sender!, user_params: renamed } });
    }
    const s2 = toAclString(m2);
    const m3 = parseAclString(s2);
    assert.deepEqual(m3, m2);
    assert.equal(toAclString(m3), s2);
  });
}
