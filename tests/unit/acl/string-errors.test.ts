// Errors of the string-form parser: always AclError, with the line and column of the
// offending token and a message naming what was expected and what was found.
import assert from "node:assert/strict";
import { AclError, MAX_AID_NESTING, parseAclString } from "../../../runtime/acl/mod.ts";

interface Where {
  line: number;
  column: number;
  message: RegExp;
}

/** Parses `text`, which must fail with an AclError at `where`. */
function fails(text: string, where: Where, now?: number): AclError {
  let err: unknown;
  try {
    parseAclString(text, { now });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof AclError, `expected an AclError for ${JSON.stringify(text)}: ${err}`);
  const issue = err.issues[0];
  assert.equal(issue.line, where.line, `line of: ${err.message}`);
  assert.equal(issue.column, where.column, `column of: ${err.message}`);
  assert.match(issue.message, where.message);
  assert.match(err.message, new RegExp(`line ${where.line}, column ${where.column}`));
  return err;
}

Deno.test("empty input and input that is not a message", () => {
  fails("", { line: 1, column: 1, message: /expected '\(' to start an ACL message, found end/ });
  fails("  \n  inform", {
    line: 2,
    column: 3,
    message: /expected '\(' to start an ACL message, found 'inform'/,
  });
  fails(")", { line: 1, column: 1, message: /found '\)'/ });
});

Deno.test("an unknown performative names the bad value", () => {
  fails('(shout :content "x")', {
    line: 1,
    column: 2,
    message: /expected a FIPA performative such as 'inform', found 'shout'/,
  });
  fails("(inform:sender (agent-identifier :name a))", {
    line: 1,
    column: 2,
    message: /found 'inform:sender'/,
  });
  fails('("inform")', { line: 1, column: 2, message: /found string "inform"/ });
  fails("(query_if)", { line: 1, column: 2, message: /found 'query_if'/ });
});

Deno.test("a duplicate parameter is refused at its second occurrence", () => {
  fails("(inform\n :language a\n :LANGUAGE b)", {
    line: 3,
    column: 2,
    message: /duplicate parameter ':LANGUAGE'/,
  });
  fails("(inform :X-a 1 :X-a 2)", { line: 1, column: 16, message: /duplicate parameter ':X-a'/ });
  fails("(inform :sender (agent-identifier :name a :name b))", {
    line: 1,
    column: 43,
    message: /duplicate slot ':name' in agent-identifier/,
  });
  fails("(inform :sender (agent-identifier :name a :X-u 1 X-u 2))", {
    line: 1,
    column: 50,
    message: /duplicate slot 'X-u'/,
  });
});

Deno.test("unknown parameters, and parameters without values", () => {
  fails("(inform :recever (set))", {
    line: 1,
    column: 9,
    message: /unknown message parameter ':recever' \(user-defined parameters start with ':X-'\)/,
  });
  fails("(inform sender)", {
    line: 1,
    column: 9,
    message: /expected a message parameter such as ':receiver', or '\)', found 'sender'/,
  });
  fails("(inform :language)", {
    line: 1,
    column: 18,
    message: /expected a value for :language, found '\)'/,
  });
  fails('(inform "x")', { line: 1, column: 9, message: /found string "x"/ });
});

Deno.test("unbalanced parentheses", () => {
  fails('(inform :content "x"', {
    line: 1,
    column: 21,
    message: /expected a message parameter .* found end of input/,
  });
  fails('(inform :content "x"))', {
    line: 1,
    column: 22,
    message: /expected end of input after the message's '\)', found '\)'/,
  });
  fails("(inform :encoding (a (b)\n", {
    line: 2,
    column: 1,
    message: /expected '\)' to close the '\(' at line 1, column 19, found end of input/,
  });
  fails("(inform :receiver (set (agent-identifier :name a)", {
    line: 1,
    column: 50,
    message: /expected an agent identifier or '\)' closing :receiver, found end of input/,
  });
});

Deno.test("unterminated strings point at the opening quote", () => {
  fails('(inform\n  :receiver (set (agent-identifier :name echo))\n  :content "unterminated)', {
    line: 3,
    column: 12,
    message: /unterminated string: expected a closing '"'/,
  });
  fails('(inform :content "ends in an escape\\")', {
    line: 1,
    column: 18,
    message: /unterminated string/,
  });
});

Deno.test("byte-length strings with too few bytes, or splitting a character", () => {
  fails('(inform :content #20"short)', {
    line: 1,
    column: 18,
    message: /byte-length string declares 20 bytes but only 6 are available/,
  });
  fails('(inform :content #1"é)', {
    line: 1,
    column: 18,
    message: /ends inside a UTF-8 character/,
  });
  fails('(inform :content #99999999999999999999"x)', {
    line: 1,
    column: 18,
    message: /declares 99999999999999999999 bytes/,
  });
});

Deno.test("words that may not start with #, a digit, - or @", () => {
  fails("(inform :language #abc)", { line: 1, column: 19, message: /may not start with '#'/ });
  fails("(inform :language 12abc)", { line: 1, column: 19, message: /may not start with a digit/ });
  fails("(inform :language -abc)", { line: 1, column: 19, message: /may not start with '-'/ });
  fails("(inform :language @abc)", { line: 1, column: 19, message: /may not start with '@'/ });
  fails("(inform :language (ok -bad))", {
    line: 1,
    column: 23,
    message: /may not start with '-'/,
  });
  fails("(inform :language a\u0001b)", {
    line: 1,
    column: 20,
    message: /control character U\+0001/,
  });
});

Deno.test("agent identifiers: keyword, :name, slots and limits", () => {
  fails("(inform :sender (agent :name a))", {
    line: 1,
    column: 18,
    message: /expected 'agent-identifier' after '\(' of an agent identifier, found 'agent'/,
  });
  fails("(inform :sender a@b)", {
    line: 1,
    column: 17,
    message: /expected '\(agent-identifier' to start an agent identifier, found 'a@b'/,
  });
  fails("(inform :sender (agent-identifier :addresses (sequence http://x)))", {
    line: 1,
    column: 65,
    message: /expected ':name' in agent-identifier, found '\)'/,
  });
  fails('(inform :sender (agent-identifier :name "a b"))', {
    line: 1,
    column: 41,
    message: /agent name 'a b' contains whitespace or parentheses/,
  });
  fails('(inform :sender (agent-identifier :name ""))', {
    line: 1,
    column: 41,
    message: /agent name must not be empty/,
  });
  fails("(inform :sender (agent-identifier :name a\u00a0b))", {
    line: 1,
    column: 41,
    message: /contains whitespace/,
  });
  fails("(inform :sender (agent-identifier :name a 12 x))", {
    line: 1,
    column: 43,
    message: /expected a slot of agent-identifier such as ':name', or '\)', found number '12'/,
  });
  fails("(inform :sender (agent-identifier :name a : x))", {
    line: 1,
    column: 43,
    message: /expected a slot name after ':'/,
  });
  fails("(inform :receiver (agent-identifier :name a))", {
    line: 1,
    column: 20,
    message: /expected 'set' after '\(' of the set of agents of :receiver/,
  });
  fails('(inform :sender (agent-identifier :name a :addresses (sequence "")))', {
    line: 1,
    column: 64,
    message: /address must not be empty/,
  });
  const many = Array.from({ length: 17 }, (_, i) => `(agent-identifier :name r${i})`).join(" ");
  fails(`(inform :sender (agent-identifier :name a :resolvers (sequence ${many})))`, {
    line: 1,
    column: 64 + many.lastIndexOf("(agent"),
    message: /more than 16 resolvers/,
  });
});

Deno.test(":reply-by must be a valid DateTime; relative needs a reference time", () => {
  fails("(inform :reply-by tomorrow)", {
    line: 1,
    column: 19,
    message: /expected a DateTime such as 20020314T091400500Z for :reply-by, found 'tomorrow'/,
  });
  fails('(inform :reply-by "20020314T091400500Z")', { line: 1, column: 19, message: /DateTime/ });
  fails("(inform :reply-by 20021314T091400500Z)", { line: 1, column: 19, message: /month 13/ });
  fails("(inform :reply-by 20010229T091400500Z)", { line: 1, column: 19, message: /day 29/ });
  fails("(inform :reply-by 20020314T241400500Z)", { line: 1, column: 19, message: /hour 24/ });
  fails("(inform :reply-by 20020314T096000500)", { line: 1, column: 19, message: /minute 60/ });
  fails("(inform :reply-by 20020314T091460500)", { line: 1, column: 19, message: /second 60/ });
  fails("(inform :reply-by +00000000T001000000)", {
    line: 1,
    column: 19,
    message: /relative DateTime needs a reference time/,
  });
  fails("(inform :reply-by +99990000T000000000)", {
    line: 1,
    column: 19,
    message: /outside the years 0000-9999/,
  }, Date.UTC(2026, 0, 1));
});

Deno.test("nesting deeper than 64 levels is refused without a stack overflow", () => {
  fails(`(inform :content ${"(".repeat(63)}${")".repeat(63)} :encoding ${"(".repeat(64)}`, {
    line: 1,
    column: 18 + 126 + 11 + 63,
    message: /nest deeper than 64 levels/,
  });
  fails("(".repeat(200_000), { line: 1, column: 2, message: /expected a performative/ });
  fails(`(inform :language ${"(".repeat(200_000)}`, {
    line: 1,
    column: 19 + 63,
    message: /nest deeper than 64/,
  });
  // 63 levels inside the message is the most there is room for, and is fine.
  const ok = parseAclString(`(inform :language ${"(".repeat(63)}x${")".repeat(63)})`);
  assert.equal(ok.language?.length, 127);
});

Deno.test("agent identifiers nest at most 16 levels, as in the JSON form", () => {
  const nested = (levels: number) => {
    let id = "(agent-identifier :name z)";
    for (let i = 1; i < levels; i++) {
      id = `(agent-identifier :name a${i} :resolvers (sequence ${id}))`;
    }
    return `(inform :sender ${id})`;
  };
  assert.equal(parseAclString(nested(MAX_AID_NESTING)).sender?.name, `a${MAX_AID_NESTING - 1}`);
  for (const levels of [MAX_AID_NESTING + 1, 40, 2000]) {
    const deep = nested(levels);
    let at = -1;
    for (let n = 0; n <= MAX_AID_NESTING; n++) at = deep.indexOf("(agent-identifier", at + 1);
    fails(deep, { line: 1, column: at + 1, message: /nest at most 16 levels through :resolvers/ });
  }
});

Deno.test("values longer than the model allows are refused", () => {
  fails(`(inform :language "${"x".repeat(65537)}")`, {
    line: 1,
    column: 19,
    message: /value of :language exceeds 65536 characters/,
  });
  fails(`(inform :sender (agent-identifier :name ${"n".repeat(1025)}))`, {
    line: 1,
    column: 41,
    message: /agent name exceeds 1024 characters/,
  });
});

Deno.test("the column counts characters of the offending line", () => {
  const e = fails('(inform\r\n\t:content "é" :bogus 1)', {
    line: 2,
    column: 15,
    message: /unknown message parameter ':bogus'/,
  });
  assert.equal(e.name, "AclError");
});

Deno.test(":protocol is a Word (SC00070): an expression, string or number is refused", () => {
  fails("(request :protocol (fipa-request))", {
    line: 1,
    column: 20,
    message: /expected a Word for :protocol such as fipa-request, found '\('/,
  });
  fails('(request :protocol "fipa-request")', {
    line: 1,
    column: 20,
    message: /expected a Word for :protocol/,
  });
  fails("(request :protocol 42)", { line: 1, column: 20, message: /a Word for :protocol/ });
  // The lexer reads `:a` as a word (parameter names are), but a Word cannot start with `:`;
  // found by the property test "mutated valid messages" (it parsed to a model the schema
  // refused).
  fails("(request :protocol :a)", {
    line: 1,
    column: 20,
    message: /expected a Word for :protocol such as fipa-request, found ':a'/,
  });
  assert.equal(parseAclString("(request :protocol fipa-request)").protocol, "fipa-request");
});
