/**
 * The parser of the FIPA ACL string representation (SC00070 / SC00061) into the model.
 * Recursive descent over {@link AclLexer} tokens with one token of look-ahead; nesting is
 * bounded by {@link ACL_MAX_DEPTH}. Pure: the only outside input is the optional reference
 * time for relative DateTimes.
 * @module
 */
import { type AgentIdentifier, MAX_AID_NESTING } from "./agent-id.ts";
import { fipaDateTimeToIso, readFipaDateTime } from "./fipa-datetime.ts";
import { type AclMessage, isAclWord } from "./message.ts";
import { isPerformative } from "./performative.ts";
import {
  ACL_MAX_DEPTH,
  AclLexer,
  type AclToken,
  clip,
  describeToken,
  lineColumnAt,
} from "./string-lexer.ts";

/** Options of {@link parseAclStringWith}. */
export interface ParseAclStringOptions {
  /**
   * Reference time (epoch milliseconds) against which a relative `:reply-by`
   * (`+00000000T001000000`) is resolved. Without it a relative `:reply-by` is an error.
   */
  now?: number;
}

/** Limits of the model (mirroring its zod schemas) that the parser checks in place. */
const LIMITS = {
  name: 1024,
  address: 2048,
  addresses: 64,
  resolvers: 16,
  agents: 1024,
  text: 65536,
} as const;

/** The expression-valued message parameters, by lower-case name. */
const TEXT_PARAM_FIELDS = {
  ":language": "language",
  ":encoding": "encoding",
  ":ontology": "ontology",
  ":protocol": "protocol",
  ":conversation-id": "conversation_id",
  ":reply-with": "reply_with",
  ":in-reply-to": "in_reply_to",
} as const;

type TextField = typeof TEXT_PARAM_FIELDS[keyof typeof TEXT_PARAM_FIELDS];

/** Whitespace as JavaScript's `\s` knows it, or a parenthesis: not allowed in agent names. */
const NAME_FORBIDDEN = /[\s()]/;

/** Sets an own, enumerable property (also for keys like `__proto__`). */
function setOwn(obj: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

class Parser {
  private readonly lx: AclLexer;
  private peeked: AclToken | undefined;
  private depth = 0;
  /** Agent identifiers open around the current token (resolvers of resolvers). */
  private aidLevel = 0;

  constructor(private readonly text: string, private readonly opts: ParseAclStringOptions) {
    // A leading byte-order mark is not part of the message.
    this.lx = new AclLexer(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  }

  private next(): AclToken {
    const t = this.peeked ?? this.lx.next();
    this.peeked = undefined;
    return t;
  }

  private peek(): AclToken {
    return this.peeked ??= this.lx.next();
  }

  private fail(t: { start: number }, message: string): never {
    return this.lx.fail(t.start, message);
  }

  private expected(t: AclToken, what: string): never {
    return this.fail(t, `expected ${what}, found ${describeToken(t)}`);
  }

  private open(t: AclToken, what: string): void {
    if (t.kind !== "open") this.expected(t, what);
    if (++this.depth > ACL_MAX_DEPTH) {
      this.fail(t, `parentheses nest deeper than ${ACL_MAX_DEPTH} levels`);
    }
  }

  /** Reads `(` then a case-insensitive keyword. */
  private openKeyword(keyword: string, what: string): void {
    this.open(this.next(), `'(${keyword}' to start ${what}`);
    const k = this.next();
    if (k.kind !== "word" || k.text.toLowerCase() !== keyword) {
      this.expected(k, `'${keyword}' after '(' of ${what}`);
    }
  }

  message(): AclMessage {
    this.open(this.next(), "'(' to start an ACL message");
    const p = this.next();
    if (p.kind !== "word") this.expected(p, "a performative such as 'inform'");
    const performative = p.text.toLowerCase();
    if (!isPerformative(performative)) {
      this.fail(p, `expected a FIPA performative such as 'inform', found '${clip(p.text)}'`);
    }
    const msg: AclMessage = { performative, receivers: [] };
    const seen = new Set<string>();
    let userParams: Record<string, string> | undefined;
    for (;;) {
      const t = this.next();
      if (t.kind === "close") break;
      if (t.kind !== "word" || t.text.charCodeAt(0) !== 58) {
        this.expected(t, "a message parameter such as ':receiver', or ')'");
      }
      const name = t.text.toLowerCase();
      const user = name.startsWith(":x-");
      const key = user ? t.text : name;
      if (seen.has(key)) {
        this.fail(t, `duplicate parameter '${t.text}' (each parameter may appear once)`);
      }
      seen.add(key);
      if (user) {
        setOwn(userParams ??= {}, t.text.slice(1), this.expression(t.text));
        continue;
      }
      switch (name) {
        case ":sender":
          msg.sender = this.agentIdentifier();
          break;
        case ":receiver":
          msg.receivers = this.agentSet(":receiver");
          break;
        case ":reply-to":
          msg.reply_to = this.agentSet(":reply-to");
          break;
        case ":content":
          msg.content = this.value(":content", Infinity);
          break;
        case ":reply-by":
          msg.reply_by = this.dateTime();
          break;
        default: {
          const field: TextField | undefined =
            TEXT_PARAM_FIELDS[name as keyof typeof TEXT_PARAM_FIELDS];
          if (!field) {
            this.fail(
              t,
              `unknown message parameter '${
                clip(t.text)
              }' (user-defined parameters start with ':X-')`,
            );
          }
          msg[field] = field === "protocol" ? this.word(t.text) : this.expression(t.text);
        }
      }
    }
    this.depth--;
    const end = this.next();
    if (end.kind !== "eof") this.expected(end, "end of input after the message's ')'");
    if (userParams) msg.user_params = userParams;
    return msg;
  }

  /** A Word (`:protocol`): not a string, number or parenthesised expression (SC00070). */
  private word(param: string): string {
    const t = this.peek();
    // A word token may still not be a Word: the lexer reads `:a` as a word (it names
    // parameters), but a Word cannot start with `:`.
    if (t.kind !== "word" || !isAclWord(t.text)) {
      this.expected(t, `a Word for ${param} such as fipa-request`);
    }
    return this.expression(param);
  }

  /** A parameter value (Expression) as text, limited to the model's text length. */
  private expression(param: string): string {
    return this.value(param, LIMITS.text);
  }

  /**
   * An Expression as text: a string's value, an atom as written, or a parenthesised
   * expression's exact source text.
   */
  private value(param: string, max: number): string {
    const t = this.next();
    let v: string;
    switch (t.kind) {
      case "string":
        v = t.value;
        break;
      case "word":
      case "number":
      case "datetime":
        v = t.text;
        break;
      case "open":
        v = this.text.slice(t.start, this.skipExpression(t));
        break;
      default:
        this.expected(t, `a value for ${param}`);
    }
    if (v.length > max) this.fail(t, `the value of ${param} exceeds ${max} characters`);
    return v;
  }

  /** Skips a parenthesised expression whose `(` is `t`; returns the offset after its `)`. */
  private skipExpression(t: AclToken): number {
    this.open(t, "'('");
    const base = this.depth - 1;
    for (;;) {
      const u = this.next();
      if (u.kind === "open") this.open(u, "'('");
      else if (u.kind === "close") {
        if (--this.depth === base) return u.end;
      } else if (u.kind === "eof") {
        this.fail(u, `expected ')' to close the '(' at ${this.where(t)}, found end of input`);
      }
    }
  }

  private where(t: AclToken): string {
    const { line, column } = lineColumnAt(this.text, t.start);
    return `line ${line}, column ${column}`;
  }

  private dateTime(): string {
    const t = this.next();
    if (t.kind !== "datetime") {
      this.expected(t, "a DateTime such as 20020314T091400500Z for :reply-by");
    }
    const dt = readFipaDateTime(t.text);
    if (typeof dt === "string") this.fail(t, `invalid DateTime for :reply-by: ${dt}`);
    const r = fipaDateTimeToIso(dt, this.opts.now);
    if (typeof r === "string") this.fail(t, `invalid DateTime for :reply-by: ${r}`);
    return r.iso;
  }

  /** `(set AgentIdentifier*)`. */
  private agentSet(param: string): AgentIdentifier[] {
    this.openKeyword("set", `the set of agents of ${param}`);
    const out: AgentIdentifier[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "close") {
        this.next();
        this.depth--;
        return out;
      }
      if (t.kind !== "open") this.expected(t, `an agent identifier or ')' closing ${param}`);
      if (out.length >= LIMITS.agents) {
        this.fail(t, `${param} names more than ${LIMITS.agents} agents`);
      }
      out.push(this.agentIdentifier());
    }
  }

  /** `(agent-identifier :name Word [:addresses ...] [:resolvers ...] (Param Expression)*)`. */
  private agentIdentifier(): AgentIdentifier {
    if (this.aidLevel >= MAX_AID_NESTING) {
      this.fail(
        this.peek(),
        `agent identifiers nest at most ${MAX_AID_NESTING} levels through :resolvers`,
      );
    }
    this.aidLevel++;
    this.openKeyword("agent-identifier", "an agent identifier");
    let name: string | undefined;
    const id: AgentIdentifier = { name: "", addresses: [], resolvers: [], user_params: {} };
    const seen = new Set<string>();
    for (;;) {
      const t = this.next();
      if (t.kind === "close") {
        if (name === undefined) this.fail(t, "expected ':name' in agent-identifier, found ')'");
        this.depth--;
        this.aidLevel--;
        id.name = name;
        return id;
      }
      if (t.kind !== "word") {
        this.expected(t, "a slot of agent-identifier such as ':name', or ')'");
      }
      const slot = t.text.toLowerCase();
      const reserved = slot === ":name" || slot === ":addresses" || slot === ":resolvers";
      // A user-defined slot: `:X-...` as JADE writes it, or a bare Word as SC00070 allows;
      // its key is the name without the colon.
      const key = reserved ? slot : t.text.charCodeAt(0) === 58 ? t.text.slice(1) : t.text;
      if (key.length === 0) this.expected(t, "a slot name after ':'");
      if (seen.has(key)) this.fail(t, `duplicate slot '${t.text}' in agent-identifier`);
      seen.add(key);
      if (slot === ":name") name = this.agentName();
      else if (slot === ":addresses") id.addresses = this.addresses();
      else if (slot === ":resolvers") id.resolvers = this.resolvers();
      else setOwn(id.user_params, key, this.expression(t.text));
    }
  }

  private agentName(): string {
    const t = this.next();
    let v: string;
    if (t.kind === "string") v = t.value;
    else if (t.kind === "word" || t.kind === "number" || t.kind === "datetime") v = t.text;
    else this.expected(t, "an agent name after ':name'");
    if (v.length === 0) this.fail(t, "an agent name must not be empty");
    if (v.length > LIMITS.name) this.fail(t, `an agent name exceeds ${LIMITS.name} characters`);
    if (NAME_FORBIDDEN.test(v)) {
      this.fail(t, `agent name '${clip(v)}' contains whitespace or parentheses`);
    }
    return v;
  }

  /** `(sequence URL*)`. */
  private addresses(): string[] {
    this.openKeyword("sequence", "the sequence of :addresses");
    const out: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === "close") {
        this.depth--;
        return out;
      }
      let v: string;
      if (t.kind === "string") v = t.value;
      else if (t.kind === "word" || t.kind === "number" || t.kind === "datetime") v = t.text;
      else this.expected(t, "an address (URL) or ')'");
      if (v.length === 0) this.fail(t, "an address must not be empty");
      if (v.length > LIMITS.address) {
        this.fail(t, `an address exceeds ${LIMITS.address} characters`);
      }
      if (out.length >= LIMITS.addresses) {
        this.fail(t, `more than ${LIMITS.addresses} addresses`);
      }
      out.push(v);
    }
  }

  /** `(sequence AgentIdentifier*)`. */
  private resolvers(): AgentIdentifier[] {
    this.openKeyword("sequence", "the sequence of :resolvers");
    const out: AgentIdentifier[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "close") {
        this.next();
        this.depth--;
        return out;
      }
      if (t.kind !== "open") this.expected(t, "an agent identifier or ')' closing :resolvers");
      if (out.length >= LIMITS.resolvers) {
        this.fail(t, `more than ${LIMITS.resolvers} resolvers`);
      }
      out.push(this.agentIdentifier());
    }
  }
}

/**
 * Parses one ACL message in the FIPA string representation, with options.
 *
 * @throws {AclError} with the line and column of the offending token.
 */
export function parseAclStringWith(text: string, opts: ParseAclStringOptions = {}): AclMessage {
  return new Parser(text, opts).message();
}
