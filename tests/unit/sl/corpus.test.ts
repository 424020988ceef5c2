import assert from "node:assert/strict";
import {
  actionFromSl,
  actionToSl,
  apDescriptionFromSl,
  apDescriptionToSl,
  dfAgentDescriptionFromSl,
  dfAgentDescriptionToSl,
  doneFromSl,
  exceptionFromSl,
  exceptionToSl,
  headOf,
  parseSl,
  parseSlContent,
  resultFromSl,
  SlError,
  type SlList,
  type SlTerm,
  writeSl,
  writeSlContent,
} from "../../../runtime/sl/mod.ts";
import { CORPUS } from "../../support/corpus.ts";

const corpusDir = CORPUS.pathname.replace(/\/$/, "");

interface Expected {
  content?: string;
  language?: string | null;
  ontology?: string | null;
}

function expected(name: string): Expected {
  return JSON.parse(Deno.readTextFileSync(`${corpusDir}/acl-string/expected/${name}`));
}

function slCorpus(): [string, Expected][] {
  return [...Deno.readDirSync(`${corpusDir}/acl-string/expected`)]
    .map((e) => e.name)
    .sort()
    .map((n): [string, Expected] => [n, expected(n)])
    .filter(([, e]) => /^fipa-sl/i.test(e.language ?? ""));
}

/** The `:content` of an ACL string message, by a quick regex (the ACL codec lives elsewhere). */
function aclContent(acl: string): string {
  const m = /:content\s+"((?:[^"\\]|\\.)*)"/s.exec(acl);
  assert.ok(m, "no :content in message");
  return m[1].replaceAll('\\"', '"');
}

function roundTrips(els: SlTerm[]): void {
  const text = writeSlContent(els);
  const back = parseSlContent(text, { allowMissingValues: true });
  assert.deepEqual(back, els);
  assert.equal(writeSlContent(back), text);
}

Deno.test("sl corpus: every expression of JADE's SLMessages.msg parses and round-trips", () => {
  const lines = Deno.readTextFileSync(`${corpusDir}/sl-content/jade-SLMessages.msg`)
    .split("\n")
    .filter((l) => l.trim() !== "");
  assert.equal(lines.length, 11);
  for (const line of lines) roundTrips(parseSlContent(line));
  const iota = parseSlContent("((iota ?x (p ?x ??term)))")[0] as SlList;
  assert.equal(headOf(iota), "iota");
  assert.deepEqual(iota.items[1], { kind: "variable", name: "x", meta: false });
});

Deno.test("sl corpus: every SL :content of the ACL corpus parses and round-trips", () => {
  const corpus = slCorpus();
  assert.ok(corpus.length >= 40, `only ${corpus.length} SL messages found`);
  let parsed = 0;
  for (const [name, e] of corpus) {
    if (name === "jade-testmsg-18-inform.json") continue;
    roundTrips(parseSlContent(e.content!, { allowMissingValues: true }));
    parsed++;
  }
  assert.equal(parsed, corpus.length - 1);
});

Deno.test("sl corpus: testmsg-18's unbalanced ')' is reported where it is", () => {
  const e = expected("jade-testmsg-18-inform.json");
  try {
    parseSlContent(e.content!);
    assert.fail("accepted an extra closing parenthesis");
  } catch (err) {
    assert.ok(err instanceof SlError);
    assert.equal(err.found, '")"');
    assert.equal(err.line, 11);
    assert.equal(err.column, 12);
  }
});

const ACTIONS = [
  "awap-jade-request-get-description",
  "jade-dftest-alreadyregistered",
  "jade-dftest-deregister",
  "jade-dftest-modify",
  "jade-dftest-modnotregistered",
  "jade-dftest-notregistered",
  "jade-dftest-register",
  "jade-dftest-search",
  "jade-dftest-unauthorised",
  "jade-testmsg-05-request",
  "jade-testmsg-06-inform",
  "jade-testmsg-15-request",
  "jade-testmsg-24-request",
  "jade-testmsg-28-request",
  "jade-testmsg-29-agree",
  "jade-testmsg-31-request",
  "jade-testmsg-32-request",
  "jade-testmsg-33-request",
  "jade-testmsg-34-agree",
  "jade-testmsg-36-request",
  "jade-testmsg-37-agree",
];

Deno.test("sl corpus: fipa-agent-management actions go model -> text -> model unchanged", () => {
  for (const name of ACTIONS) {
    const [first] = parseSlContent(expected(`${name}.json`).content!);
    const model = actionFromSl(first);
    const text = writeSl(actionToSl(model));
    assert.deepEqual(actionFromSl(parseSl(text)), model, name);
  }
});

Deno.test("sl corpus: DF test :content extracted from the .acl files matches expected/", () => {
  const dir = `${corpusDir}/acl-string/valid`;
  const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.startsWith("jade-dftest-")
  );
  assert.equal(files.length, 10);
  for (const f of files) {
    const acl = new TextDecoder("latin1").decode(Deno.readFileSync(`${dir}/${f}`));
    const content = aclContent(acl);
    assert.equal(content, expected(f.replace(".acl", ".json")).content, f);
    roundTrips(parseSlContent(content, { allowMissingValues: true }));
  }
});

Deno.test("sl corpus: DF register content reads as the registration JADE meant", () => {
  const [first] = parseSlContent(expected("jade-dftest-register.json").content!);
  const a = actionFromSl(first);
  assert.equal(a.actor.name, "df@IBM10308:1099/JADE");
  assert.equal(a.action.function, "register");
  if (a.action.function !== "register" || a.action.description.kind !== "df") throw new Error();
  const d = a.action.description.value;
  assert.equal(d.name?.name, "da0@IBM10308:1099/JADE");
  assert.deepEqual(d.services, [{
    name: "sub-sub-df",
    type: "fipa-df",
    protocols: ["fipa-request"],
    ontologies: ["fipa-agent-management"],
    languages: [],
    ownership: "JADE",
    properties: [],
  }]);
  assert.deepEqual(d.protocols, []);
});

Deno.test("sl corpus: testmsg-05 properties keep their value types", () => {
  const [first] = parseSlContent(expected("jade-testmsg-05-request.json").content!);
  const a = actionFromSl(first);
  if (a.action.function !== "register" || a.action.description.kind !== "df") throw new Error();
  const d = a.action.description.value;
  assert.deepEqual(d.protocols, ["FIPA-Request", "FIPA-Contract-Net"]);
  assert.deepEqual(d.languages, ["FIPA-SL0"]);
  const props = Object.fromEntries(d.services[0].properties.map((p) => [p.name, p.value]));
  assert.deepEqual(props, {
    X1: "V1",
    X3: 12,
    X4: -12.23,
    X5: { sl: "20001211T100025100A" },
    X6: { sl: "(Agent-Identifier :name x)" },
    X7: { sl: "(Service-Description :name x)" },
    X2: "V2",
  });
});

Deno.test("sl corpus: results and done propositions read back their parts", () => {
  const [inform] = parseSlContent(expected("awap-jade-inform-ap-description.json").content!);
  const r = resultFromSl(inform)!;
  assert.equal(actionFromSl(r.action).action.function, "get-description");
  const ap = apDescriptionFromSl((r.value as SlList).items[1] as SlTerm);
  assert.deepEqual(ap, {
    name: "192.168.122.1:1099/JADE",
    ap_services: [{
      name: "fipa.mts.mtp.http.std",
      type: "fipa.mts.mtp.http.std",
      addresses: ["http://ip2-127.halifax.rwth-aachen.de:7778/acc"],
    }],
  });
  assert.deepEqual(apDescriptionFromSl(parseSl(writeSl(apDescriptionToSl(ap)))), ap);

  const [searchResult] = parseSlContent(expected("jade-testmsg-07-inform.json").content!);
  const sr = resultFromSl(searchResult)!;
  const found = (sr.value as SlList).items.slice(1).map((t) =>
    dfAgentDescriptionFromSl(t as SlTerm)
  );
  assert.deepEqual(found.map((d) => d.name?.name), ["x@ior:002233", "x2"]);
  for (const d of found) {
    assert.deepEqual(dfAgentDescriptionFromSl(parseSl(writeSl(dfAgentDescriptionToSl(d)))), d);
  }

  for (const name of ["jade-testmsg-35-inform", "jade-testmsg-38-inform"]) {
    const [done] = parseSlContent(expected(`${name}.json`).content!);
    assert.equal(actionFromSl(doneFromSl(done)!).action.function, "register");
  }
});

Deno.test("sl corpus: exception propositions of testmsg-16/26/27 read and write back", () => {
  const kinds: string[] = [];
  for (const name of ["16-failure", "26-refuse", "27-not-understood"]) {
    for (const el of parseSlContent(expected(`jade-testmsg-${name}.json`).content!)) {
      const e = exceptionFromSl(el);
      assert.ok(e, `not an exception: ${writeSl(el)}`);
      kinds.push(e.kind);
      assert.equal(writeSl(exceptionToSl(e)), writeSl(el));
    }
  }
  assert.deepEqual(kinds, [
    "already-registered",
    "not-registered",
    "internal-error",
    "unauthorised",
    "unsupported-function",
    "missing-parameter",
    "unexpected-parameter",
    "missing-parameter",
    "unexpected-parameter",
    "unrecognised-parameter-value",
    "unsupported-act",
    "unexpected-act",
    "unsupported-value",
    "unrecognised-value",
  ]);
});
