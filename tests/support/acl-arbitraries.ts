/**
 * fast-check arbitraries for the ACL model and its wire forms, shared by the ACL property
 * tests and the HTTP fuzz tests.
 *
 * Every message from {@link arbAclMessage} passes `AclMessageSchema`, has at least one
 * receiver, and is in the canonical shape a string-form round trip preserves: string
 * content, `reply_by` with milliseconds, user-parameter keys that start with `X-`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbAclMessage } from "../support/acl-arbitraries.ts";
 * fc.assert(fc.property(arbAclMessage(), (m) => parseAclString(toAclString(m)) !== null));
 * ```
 * @module
 */
import fc from "fast-check";
import {
  type AclMessage,
  type AgentIdentifier,
  isAclWord,
  type JsonValue,
  type Performative,
  PERFORMATIVES,
  TEXT_PARAMS,
  toAclString,
} from "../../runtime/acl/mod.ts";

/** Characters that exercise the string form: delimiters, escapes, quotes, non-ASCII. */
const TRICKY = [
  "(",
  ")",
  '"',
  "\\",
  "#",
  ":",
  "@",
  "-",
  "+",
  ".",
  " ",
  "\n",
  "\t",
  "0",
  "7",
  "T",
  "Z",
  "x",
  "é",
  "中",
  "😀",
  "\u00a0",
];

const WORD_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_+.?*".split("");
const WORD_CHARS = [...WORD_START, ..."0123456789-@:/#\"'é中".split("")];

/** A Word that may be written bare (SC00070: no leading `#`, digit, `-`, `@`). */
export const arbWord: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...WORD_START),
    fc.string({ unit: fc.constantFrom(...WORD_CHARS), maxLength: 12 }),
  )
  .map(([a, b]) => a + b);

/**
 * An agent name as the model allows it (no whitespace, no parentheses), including names that
 * cannot be bare Words (`1agent`, `@x`, `#a`, `"q`) and so must be written quoted.
 */
export const arbAgentName: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(arbWord, fc.constantFrom("", "@node-a", "@x:1099/JADE"))
      .map(([w, p]) => w + p),
  },
  {
    weight: 1,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'#@-1"\\:aé😀+.'.split("")),
      minLength: 1,
      maxLength: 8,
    }),
  },
);

/** Any text a parameter may hold: arbitrary Unicode, and strings full of delimiters. */
export const arbAclText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 24 }),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/** A SC00070 Number as text. */
export const arbNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom("+99", "-99", "+.99E-23", "1.5e3", "0x23AF", "-0.5", "7."),
);

/** A parenthesised expression with nested words, numbers and strings. */
export const arbParenExpression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    arbWord,
    arbNumberText,
    fc.string({ unit: fc.constantFrom("a", " ", ")", "(", "\\"), maxLength: 6 })
      .filter((s) => !s.endsWith("\\"))
      .map((s) => `"${s.replaceAll('"', '\\"')}"`),
    tie("list"),
  ),
  list: fc.array(tie("expr"), { maxLength: 4 }).map((xs) => `(${xs.join(" ")})`),
})).list as fc.Arbitrary<string>;

/** The text of an expression-valued parameter: words, numbers, expressions or any text. */
export const arbExpressionText: fc.Arbitrary<string> = fc.oneof(
  arbWord,
  arbNumberText,
  arbParenExpression,
  arbAclText,
);

function pad(v: number, n: number): string {
  return String(v).padStart(n, "0");
}

/**
 * A `reply_by` in the canonical form the string codec writes back: ISO 8601 with
 * milliseconds, in UTC (`Z`), local (no offset) or a whole-hour offset within ±12 h.
 */
export const arbReplyBy: fc.Arbitrary<string> = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    ms: fc.integer({ min: 0, max: 999 }),
    zone: fc.oneof(fc.constant("Z"), fc.constant(""), fc.integer({ min: -12, max: 12 })),
  })
  .map(({ y, mo, d, h, mi, s, ms, zone }) => {
    const z = typeof zone === "string"
      ? zone
      : zone === 0
      ? "Z"
      : `${zone < 0 ? "-" : "+"}${pad(Math.abs(zone), 2)}:00`;
    return `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${
      pad(ms, 3)
    }${z}`;
  });

/** A user-defined parameter name as the model keys it (`X-...`, without colon). */
export const arbUserParamKey: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("X-", "x-"), fc.string({ unit: fc.constantFrom(..."abc-_9é".split("")) }))
  .map(([p, s]) => p + s);

/** User-defined parameters keyed `X-...`. */
export const arbUserParams: fc.Arbitrary<Record<string, string>> = fc
  .dictionary(arbUserParamKey, arbExpressionText, { maxKeys: 3 })
  .map((d) => ({ ...d })); // a plain object, as the codecs build them

/** An agent identifier; resolvers nest at most `depth` levels. */
export function arbAgentIdentifier(depth = 2): fc.Arbitrary<AgentIdentifier> {
  const resolvers: fc.Arbitrary<AgentIdentifier[]> = depth > 0
    ? fc.array(arbAgentIdentifier(depth - 1), { maxLength: 2 })
    : fc.constant([]);
  const address = fc.oneof(
    fc.tuple(fc.constantFrom("http://", "iiop://", "https://"), arbAgentName)
      .map(([a, b]) => a + b),
    arbAclText.filter((s) => s.length > 0),
  );
  return fc.oneof(
    { weight: 3, arbitrary: arbAgentName.map((name) => bare(name)) },
    {
      weight: 1,
      arbitrary: fc.record({
        name: arbAgentName,
        addresses: fc.array(address, { maxLength: 3 }),
        resolvers,
        user_params: arbUserParams,
      }).map((id) => ({ ...id })),
    },
  );
}

function bare(name: string): AgentIdentifier {
  return { name, addresses: [], resolvers: [], user_params: {} };
}

/** Options of {@link arbAclMessage}. */
export interface ArbAclMessageOptions {
  /** Content may be any JSON value (the JSON form), not just a string. Default `false`. */
  jsonContent?: boolean;
  /** Fewest receivers. Default `1` (the JSON form and the HTTP API need one). */
  minReceivers?: number;
}

/** A valid ACL message model (see the module doc for its canonical shape). */
export function arbAclMessage(opts: ArbAclMessageOptions = {}): fc.Arbitrary<AclMessage> {
  const content: fc.Arbitrary<JsonValue> = opts.jsonContent
    ? fc.oneof(
      arbAclText,
      // Through JSON text once: plain objects, no -0, as a decoded request body holds it.
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue),
    )
    : arbAclText;
  const text = Object.fromEntries(
    TEXT_PARAMS.map((k) => [k, k === "protocol" ? arbWord.filter(isAclWord) : arbExpressionText]),
  ) as Record<
    typeof TEXT_PARAMS[number],
    fc.Arbitrary<string>
  >;
  return fc
    .record(
      {
        performative: fc.constantFrom<Performative>(...PERFORMATIVES),
        sender: arbAgentIdentifier(),
        receivers: fc.array(arbAgentIdentifier(), {
          minLength: opts.minReceivers ?? 1,
          maxLength: 3,
        }),
        reply_to: fc.array(arbAgentIdentifier(1), { maxLength: 2 }),
        content,
        ...text,
        reply_by: arbReplyBy,
        user_params: arbUserParams.filter((p) => Object.keys(p).length > 0),
      },
      { requiredKeys: ["performative", "receivers"] },
    )
    .map((m) => ({ ...m }) as AclMessage); // a plain object, as the codecs build them
}

/** A valid message in the FIPA string representation (canonical or pretty). */
export function arbAclString(opts: ArbAclMessageOptions = {}): fc.Arbitrary<string> {
  return fc
    .tuple(arbAclMessage(opts), fc.boolean())
    .map(([m, pretty]) => toAclString(m, { pretty }));
}

/** One edit of a string: insert a character, delete one, or replace one. */
export type StringEdit =
  | { op: "insert"; at: number; char: string }
  | { op: "delete"; at: number }
  | { op: "replace"; at: number; char: string };

const EDIT_CHARS = fc.constantFrom(...'()":#@-+.0123456789 \n\\xTZé'.split(""), "😀", "\u0001");

/** Edits to apply with {@link applyEdits}; positions are taken modulo the length. */
export const arbEdits: fc.Arbitrary<StringEdit[]> = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("insert" as const), at: fc.nat(), char: EDIT_CHARS }),
    fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("replace" as const), at: fc.nat(), char: EDIT_CHARS }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Applies edits to a string (positions modulo its current length). */
export function applyEdits(s: string, edits: StringEdit[]): string {
  let out = s;
  for (const e of edits) {
    const n = out.length;
    if (e.op === "insert") {
      const at = e.at % (n + 1);
      out = out.slice(0, at) + e.char + out.slice(at);
    } else if (n > 0) {
      const at = e.at % n;
      out = out.slice(0, at) + (e.op === "replace" ? e.char : "") + out.slice(at + 1);
    }
  }
  return out;
}

/** A valid string-form message with a few random edits (often invalid, sometimes not). */
export const arbMutatedAclString: fc.Arbitrary<string> = fc
  .tuple(arbAclString({ minReceivers: 0 }), arbEdits)
  .map(([s, e]) => applyEdits(s, e));

/** A soup of string-form tokens, to reach deep into the parser with near-valid input. */
export const arbAclTokenSoup: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "(",
        ")",
        "(inform",
        "(REQUEST",
        ":sender",
        ":receiver",
        ":reply-to",
        ":content",
        ":reply-by",
        ":language",
        ":X-a",
        ":name",
        ":addresses",
        ":resolvers",
        "agent-identifier",
        "set",
        "sequence",
        "20020314T091400500Z",
        "+00000000T001000000",
        '"s"',
        '#3"abc',
        "#9",
        "a@b",
        "-1",
      ),
      arbWord,
    ),
    { maxLength: 30 },
  )
  .chain((toks) => fc.constantFrom(" ", "", "\n").map((sep) => toks.join(sep)));
