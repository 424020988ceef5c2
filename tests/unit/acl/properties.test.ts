// Property tests: valid models survive both wire forms; random and mutated input makes the
// string parser return a valid model or throw AclError, never anything else.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  AclError,
  type AclMessage,
  AclMessageSchema,
  type AgentIdentifier,
  parseAclJson,
  parseAclString,
  toAclJson,
  toAclString,
} from "../../../runtime/acl/mod.ts";
import {
  arbAclMessage,
  arbAclString,
  arbAclText,
  arbAclTokenSoup,
  arbMutatedAclString,
} from "../../support/acl-arbitraries.ts";

const RUNS = { numRuns: 300 };

Deno.test("arbitrary messages are valid models", () => {
  fc.assert(
    fc.property(arbAclMessage({ jsonContent: true, minReceivers: 0 }), (m) => {
      const r = AclMessageSchema.safeParse(m);
      assert.ok(r.success, JSON.stringify(r.error?.issues));
    }),
    RUNS,
  );
});

Deno.test("model → string → model is the identity; the string is stable", () => {
  fc.assert(
    fc.property(arbAclMessage({ minReceivers: 0 }), fc.boolean(), (m, pretty) => {
      const s = toAclString(m, { pretty });
      const back = parseAclString(s);
      assert.deepEqual(back, m);
      assert.equal(toAclString(back), toAclString(m));
    }),
    RUNS,
  );
});

Deno.test("model → JSON text → model is the identity", () => {
  fc.assert(
    fc.property(arbAclMessage({ jsonContent: true }), (m) => {
      const back = parseAclJson(JSON.parse(JSON.stringify(toAclJson(m))));
      assert.deepEqual(back, m);
    }),
    RUNS,
  );
});

Deno.test("string → model → string → model: equal models, same string from the 2nd step", () => {
  fc.assert(
    fc.property(arbAclString({ minReceivers: 0 }), (s) => {
      const m1 = parseAclString(s);
      const s2 = toAclString(m1);
      const m2 = parseAclString(s2);
      assert.deepEqual(m2, m1);
      assert.equal(toAclString(m2), s2);
    }),
    RUNS,
  );
});

/** The parser's contract on any input: a model that passes the schema, or an AclError. */
function parsesOrAclError(text: string): void {
  let m;
  try {
    m = parseAclString(text, { now: 0 });
  } catch (e) {
    if (e instanceof AclError) {
      const i = e.issues[0];
      assert.ok(i.line! >= 1 && i.column! >= 1, e.message);
      assert.ok(i.message.length > 0);
      return;
    }
    throw new Error(`parser threw a non-AclError for ${JSON.stringify(text)}: ${e}`);
  }
  const r = AclMessageSchema.safeParse(m);
  assert.ok(r.success, `${JSON.stringify(text)} → ${JSON.stringify(r.error?.issues)}`);
  // Whatever parses can be written and read back to the same model (up to the `X-` prefix
  // that bare-word slot names gain), and is stable from then on.
  const s2 = toAclString(m);
  const m2 = parseAclString(s2);
  assert.deepEqual(m2, withXPrefixedSlots(m));
  assert.equal(toAclString(m2), s2);
}

/** The model with agent-identifier user slots renamed `X-...` as the writer names them. */
function withXPrefixedSlots(m: AclMessage): AclMessage {
  const fix = (id: AgentIdentifier): AgentIdentifier => ({
    ...id,
    resolvers: id.resolvers.map(fix),
    user_params: Object.fromEntries(
      Object.entries(id.user_params).map(([k, v]) => [/^x-/i.test(k) ? k : `X-${k}`, v]),
    ),
  });
  const out: AclMessage = { ...m, receivers: m.receivers.map(fix) };
  if (m.sender) out.sender = fix(m.sender);
  if (m.reply_to) out.reply_to = m.reply_to.map(fix);
  return out;
}

Deno.test("random strings: a valid model or an AclError", () => {
  fc.assert(fc.property(fc.string({ maxLength: 60 }), parsesOrAclError), RUNS);
  fc.assert(fc.property(arbAclText.map((t) => `(${t})`), parsesOrAclError), RUNS);
  fc.assert(fc.property(arbAclTokenSoup, parsesOrAclError), { numRuns: 600 });
});

Deno.test("mutated valid messages: a valid model or an AclError", () => {
  fc.assert(fc.property(arbMutatedAclString, parsesOrAclError), { numRuns: 600 });
});
