import assert from "node:assert/strict";
import {
  type ParseOptions,
  parseSl,
  parseSlContent,
  SlError,
  slList,
  slNumberValue,
  slParam,
  type SlTerm,
  slWord,
} from "../../../runtime/sl/mod.ts";

function throwsSl(text: string, match: RegExp, opts?: ParseOptions): SlError {
  try {
    parseSl(text, opts);
  } catch (e) {
    assert.ok(e instanceof SlError, `expected SlError, got ${e}`);
    assert.match(e.message, match);
    return e;
  }
  throw new Error(`parsing ${JSON.stringify(text)} did not fail`);
}

Deno.test("sl parser: atoms of every kind", () => {
  assert.deepEqual(parseSl("df@IBM10308:1099/JADE"), slWord("df@IBM10308:1099/JADE"));
  assert.deepEqual(parseSl("http://h:7778/acc"), slWord("http://h:7778/acc"));
  assert.deepEqual(parseSl("-foo"), slWord("-foo"));
  assert.deepEqual(parseSl('"a b"'), { kind: "string", value: "a b" });
  assert.deepEqual(parseSl("12"), { kind: "number", text: "12" });
  assert.deepEqual(parseSl("-12.23"), { kind: "number", text: "-12.23" });
  assert.deepEqual(parseSl("1.5e3"), { kind: "number", text: "1.5e3" });
  assert.deepEqual(parseSl(".5"), { kind: "number", text: ".5" });
  assert.deepEqual(parseSl("0x1F"), { kind: "number", text: "0x1F" });
  assert.deepEqual(parseSl("20001211T100025100A"), {
    kind: "datetime",
    text: "20001211T100025100A",
  });
  assert.deepEqual(parseSl("+00000000T000100000"), {
    kind: "datetime",
    text: "+00000000T000100000",
  });
  assert.deepEqual(parseSl("?x"), { kind: "variable", name: "x", meta: false });
  assert.deepEqual(parseSl("??formula"), { kind: "variable", name: "formula", meta: true });
});

Deno.test("sl parser: number values, hex included", () => {
  assert.equal(slNumberValue({ kind: "number", text: "0x1F" }), 31);
  assert.equal(slNumberValue({ kind: "number", text: "-0x10" }), -16);
  assert.equal(slNumberValue({ kind: "number", text: "-12.23" }), -12.23);
  assert.equal(slNumberValue({ kind: "number", text: "1e3" }), 1000);
});

Deno.test("sl parser: lists keep parameters and order, any whitespace separates", () => {
  const t = parseSl("( agent-identifier\n\t:name  a@x\r\n :X-role (AID gg) )");
  assert.deepEqual(
    t,
    slList(
      slWord("agent-identifier"),
      slParam("name", slWord("a@x")),
      slParam("X-role", slList(slWord("AID"), slWord("gg"))),
    ),
  );
});

Deno.test('sl parser: string literal unescapes only \\" and keeps other backslashes', () => {
  assert.deepEqual(parseSl('"strng with \\"  and blanks"'), {
    kind: "string",
    value: 'strng with "  and blanks',
  });
  assert.deepEqual(parseSl('"a\\nb\\\\ c"'), { kind: "string", value: "a\\nb\\\\ c" });
  // A backslash before the closing quote escapes it: the literal is unterminated.
  assert.throws(() => parseSl('"ab\\\\"'), /unterminated string literal/);
});

Deno.test("sl parser: byte-length strings count UTF-8 bytes", () => {
  assert.deepEqual(parseSl('#5"hello'), { kind: "string", value: "hello" });
  assert.deepEqual(
    parseSl('(x #3"a)b c)'),
    slList(slWord("x"), { kind: "string", value: "a)b" }, slWord("c")),
  );
  assert.deepEqual(parseSl('#2"é'), { kind: "string", value: "é" });
  throwsSl('#4"abc', /declares 4 bytes but only 3 follow/);
  throwsSl('#1"é', /ends inside a character/);
});

Deno.test("sl parser: content expression returns its elements", () => {
  const els = parseSlContent('( already-registered (internal-error "x") )');
  assert.equal(els.length, 2);
  assert.deepEqual(els[0], slWord("already-registered"));
});

Deno.test("sl parser: errors name what was found and where", () => {
  let e = throwsSl("(a (b c)", /expected "\)" to close the list opened at line 1, column 1/);
  assert.equal(e.found, "end of input");
  e = throwsSl("(a b))", /expected end of input after the expression but found "\)"/);
  assert.equal(e.offset, 5);
  assert.equal(e.column, 6);
  e = throwsSl(
    "(x\n  12abc)",
    /expected a number or date-time but found "12abc" at line 2, column 3/,
  );
  assert.equal(e.line, 2);
  throwsSl('(x "open)', /unterminated string literal/);
  throwsSl("(x :)", /expected a parameter name after ":"/);
  throwsSl("(x ?)", /expected a variable name after "\?"/);
  throwsSl("", /expected a term but found end of input/);
  throwsSl(":name a", /parameter is only allowed inside a list/);
  assert.throws(() => parseSlContent("a"), /expected "\(" opening the content expression/);
  assert.throws(() => parseSlContent("()"), /expected at least one content element/);
  assert.throws(
    () => parseSlContent("(:a b)"),
    /expected a content element \(a term\), not a parameter/,
  );
});

Deno.test("sl parser: a parameter without value is an error unless allowed", () => {
  throwsSl(
    "(service-description :name  :type  :ownership JADE)",
    /expected a value for parameter ":name" but found ":type"/,
  );
  const t = parseSl("(service-description :name  :type  :ownership JADE)", {
    allowMissingValues: true,
  }) as { items: SlTerm[] };
  assert.deepEqual(t.items[1], slParam("name", null));
  assert.deepEqual(t.items[2], slParam("type", null));
  assert.deepEqual(t.items[3], slParam("ownership", slWord("JADE")));
  throwsSl("(x :name", /expected a value for parameter ":name" but found end of input/, {
    allowMissingValues: true,
  });
});

Deno.test("sl parser: nesting is bounded", () => {
  const deep = "(".repeat(300) + ")".repeat(300);
  throwsSl(deep, /expected at most 256 nested lists/);
  assert.equal(parseSl("(".repeat(10) + ")".repeat(10), { maxDepth: 10 }).kind, "list");
  throwsSl("(".repeat(11) + ")".repeat(11), /expected at most 10 nested lists/, { maxDepth: 10 });
});
