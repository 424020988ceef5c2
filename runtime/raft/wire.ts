import type { ConfState, Entry, Message, MessageType } from "./messages.ts";
import { MessageSchema } from "./messages.ts";
import { isWellFormedFrame } from "./wire-check.ts";

/**
 * The byte form of Raft messages for the node-to-node transport: a compact binary layout
 * (no JSON, no base64: an entry's command travels as its own bytes). Decoding checks every
 * length against the frame and then validates the message with {@link MessageSchema}, so a
 * peer's frame is trusted only after it parsed.
 *
 * ```
 * message = version:u8(1) type:u8 term:f64 from:str to:str fields...
 * str     = length:u16 utf8[length]
 * bytes   = length:u32 byte[length]
 * entry   = kind:u8(0 normal, 1 noop, 2 conf) index:f64 term:f64
 *           (normal: data:bytes | conf: change:u8 node:str conf)
 * conf    = voters:u16 str[voters] learners:u16 str[learners]
 * ```
 * Numbers (terms, indexes) are float64, big-endian: every safe integer is exact, and the
 * schema refuses the rest. The fields after `to` follow {@link MessageSchema}'s order for
 * each type (see `encodeFields`).
 * @module
 */

const VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Error thrown by {@link decodeMessage} for a frame that is not a valid Raft message. */
export class WireError extends Error {
  /** @param message what is wrong with the frame; `cause` the underlying error */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WireError";
  }
}

const TYPES: readonly MessageType[] = [
  "preVote",
  "vote",
  "preVoteResp",
  "voteResp",
  "append",
  "appendResp",
  "heartbeat",
  "heartbeatResp",
  "snapshot",
  "timeoutNow",
  "readIndex",
  "readIndexResp",
];
const TYPE_CODE = new Map(TYPES.map((t, i) => [t, i]));
const ENTRY_KINDS = ["normal", "noop", "conf"] as const;
const CHANGES = ["addVoter", "addLearner", "removeNode"] as const;

/** A growable big-endian byte writer. */
class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  at = 0;

  #room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.#room(1);
    this.buf[this.at++] = v;
  }
  u16(v: number): void {
    this.#room(2);
    this.view.setUint16(this.at, v);
    this.at += 2;
  }
  u32(v: number): void {
    this.#room(4);
    this.view.setUint32(this.at, v);
    this.at += 4;
  }
  f64(v: number): void {
    this.#room(8);
    this.view.setFloat64(this.at, v);
    this.at += 8;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  str(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.#room(2 + s.length * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.at + 2));
    if (written > 0xffff) throw new RangeError(`string of ${written} bytes is too long`);
    this.view.setUint16(this.at, written);
    this.at += 2 + written;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.#room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  conf(c: ConfState): void {
    this.u16(c.voters.length);
    for (const v of c.voters) this.str(v);
    this.u16(c.learners.length);
    for (const l of c.learners) this.str(l);
  }
  done(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** A bounds-checked big-endian byte reader over one frame. */
class Reader {
  readonly view: DataView;
  at = 0;
  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  #need(n: number, what: string): void {
    if (this.at + n > this.buf.length) {
      throw new WireError(`raft frame ends inside ${what} (offset ${this.at}, ${n} bytes needed)`);
    }
  }
  u8(what: string): number {
    this.#need(1, what);
    return this.buf[this.at++];
  }
  u16(what: string): number {
    this.#need(2, what);
    const v = this.view.getUint16(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.#need(4, what);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }
  f64(what: string): number {
    this.#need(8, what);
    const v = this.view.getFloat64(this.at);
    this.at += 8;
    return v;
  }
  bool(what: string): boolean {
    const v = this.u8(what);
    if (v > 1) throw new WireError(`raft frame: ${what} is ${v}, not a boolean`);
    return v === 1;
  }
  str(what: string): string {
    const n = this.u16(what);
    this.#need(n, what);
    const s = decoder.decode(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
  bytes(what: string): Uint8Array {
    const n = this.u32(what);
    this.#need(n, what);
    // A copy into a plain Uint8Array: the frame's buffer is the transport's (often a Node
    // Buffer, whose slice() is a view of a pooled allocation) and the entry is kept.
    const b = new Uint8Array(n);
    b.set(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return b;
  }
  conf(what: string): ConfState {
    const voters: string[] = [];
    for (let i = this.u16(`${what}.voters`); i > 0; i--) voters.push(this.str(`${what}.voters`));
    const learners: string[] = [];
    for (let i = this.u16(`${what}.learners`); i > 0; i--) {
      learners.push(this.str(`${what}.learners`));
    }
    return { voters, learners };
  }
}

function encodeEntry(w: Writer, e: Entry): void {
  w.u8(ENTRY_KINDS.indexOf(e.type));
  w.f64(e.index);
  w.f64(e.term);
  if (e.type === "normal") {
    w.bytes(e.data);
  } else if (e.type === "conf") {
    w.u8(CHANGES.indexOf(e.change.type));
    w.str(e.change.node);
    w.conf(e.conf);
  }
}

function decodeEntry(r: Reader, i: number): Entry {
  const what = `entries[${i}]`;
  const kind = ENTRY_KINDS[r.u8(`${what}.type`)];
  if (kind === undefined) throw new WireError(`raft frame: ${what} has an unknown type`);
  const index = r.f64(`${what}.index`);
  const term = r.f64(`${what}.term`);
  if (kind === "normal") return { type: "normal", index, term, data: r.bytes(`${what}.data`) };
  if (kind === "noop") return { type: "noop", index, term };
  const change = CHANGES[r.u8(`${what}.change`)];
  if (change === undefined) throw new WireError(`raft frame: ${what} has an unknown change`);
  const node = r.str(`${what}.change.node`);
  return { type: "conf", index, term, change: { type: change, node }, conf: r.conf(what) };
}

function encodeFields(w: Writer, m: Message): void {
  switch (m.type) {
    case "preVote":
    case "vote":
      w.f64(m.lastIndex);
      w.f64(m.lastTerm);
      w.bool(m.transfer);
      return;
    case "preVoteResp":
    case "voteResp":
      w.bool(m.granted);
      return;
    case "append":
      w.f64(m.prevIndex);
      w.f64(m.prevTerm);
      w.f64(m.commit);
      w.u32(m.entries.length);
      for (const e of m.entries) encodeEntry(w, e);
      return;
    case "appendResp":
      w.f64(m.index);
      w.bool(m.reject);
      w.f64(m.rejectHint);
      w.f64(m.logTerm);
      return;
    case "heartbeat":
      w.f64(m.commit);
      w.f64(m.readSeq);
      return;
    case "heartbeatResp":
      w.f64(m.readSeq);
      return;
    case "snapshot":
      w.f64(m.snapshot.meta.index);
      w.f64(m.snapshot.meta.term);
      w.conf(m.snapshot.meta.conf);
      w.bytes(m.snapshot.data);
      return;
    case "timeoutNow":
      return;
    case "readIndex":
      w.str(m.ctx);
      return;
    case "readIndexResp":
      w.str(m.ctx);
      w.f64(m.index);
      return;
  }
}

function decodeFields(r: Reader, base: Record<string, unknown>): Record<string, unknown> {
  switch (base.type as MessageType) {
    case "preVote":
    case "vote":
      return {
        ...base,
        lastIndex: r.f64("lastIndex"),
        lastTerm: r.f64("lastTerm"),
        transfer: r.bool("transfer"),
      };
    case "preVoteResp":
    case "voteResp":
      return { ...base, granted: r.bool("granted") };
    case "append": {
      const prevIndex = r.f64("prevIndex");
      const prevTerm = r.f64("prevTerm");
      const commit = r.f64("commit");
      const n = r.u32("entries");
      // Each entry takes at least 17 bytes: a count beyond the frame is refused before looping.
      if (n * 17 > r.buf.length - r.at) {
        throw new WireError(`raft frame: ${n} entries cannot fit the frame`);
      }
      const entries: Entry[] = [];
      for (let i = 0; i < n; i++) entries.push(decodeEntry(r, i));
      return { ...base, prevIndex, prevTerm, entries, commit };
    }
    case "appendResp":
      return {
        ...base,
        index: r.f64("index"),
        reject: r.bool("reject"),
        rejectHint: r.f64("rejectHint"),
        logTerm: r.f64("logTerm"),
      };
    case "heartbeat":
      return { ...base, commit: r.f64("commit"), readSeq: r.f64("readSeq") };
    case "heartbeatResp":
      return { ...base, readSeq: r.f64("readSeq") };
    case "snapshot": {
      const index = r.f64("snapshot.meta.index");
      const term = r.f64("snapshot.meta.term");
      const conf = r.conf("snapshot.meta.conf");
      return { ...base, snapshot: { meta: { index, term, conf }, data: r.bytes("snapshot.data") } };
    }
    case "timeoutNow":
      return base;
    case "readIndex":
      return { ...base, ctx: r.str("ctx") };
    case "readIndexResp":
      return { ...base, ctx: r.str("ctx"), index: r.f64("index") };
  }
}

/**
 * Encodes a message to bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeMessage({ type: "timeoutNow", term: 3, from: "a", to: "b" });
 * decodeMessage(bytes); // the same message
 * ```
 */
export function encodeMessage(msg: Message): Uint8Array {
  const code = TYPE_CODE.get(msg.type);
  if (code === undefined) throw new RangeError(`msg.type '${msg.type}' is not a raft message`);
  const w = new Writer();
  w.u8(VERSION);
  w.u8(code);
  w.f64(msg.term);
  w.str(msg.from);
  w.str(msg.to);
  encodeFields(w, msg);
  return w.done();
}

/**
 * Decodes and validates bytes produced by {@link encodeMessage}.
 * @throws {WireError} when the bytes are not a valid message (truncated, unknown version or
 * type, trailing bytes, or a value {@link MessageSchema} refuses); the error names the
 * offending field.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  let raw: Record<string, unknown>;
  try {
    const r = new Reader(bytes);
    const version = r.u8("version");
    if (version !== VERSION) throw new WireError(`raft frame version ${version} is not ${VERSION}`);
    const code = r.u8("type");
    const type = TYPES[code];
    if (type === undefined) throw new WireError(`raft frame: unknown message type ${code}`);
    const base = { type, term: r.f64("term"), from: r.str("from"), to: r.str("to") };
    raw = decodeFields(r, base);
    if (r.at !== bytes.length) {
      throw new WireError(`raft frame has ${bytes.length - r.at} bytes after its ${type} message`);
    }
  } catch (cause) {
    if (cause instanceof WireError) throw cause;
    throw new WireError(`raft frame is malformed: ${String(cause)}`, { cause });
  }
  // The frequent kinds are checked by hand (wire-check.ts); the rest, and anything that
  // check is not sure of, by the schema, which also names the bad field.
  if (isWellFormedFrame(raw)) return raw;
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireError(
      `invalid raft message at ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
