/**
 * Each agent's own log on this node: the lines it logged and the messages it received and
 * sent, in order, bounded per agent (the oldest entries go first), with live followers.
 * Kept in memory: it starts empty when the node starts and when the agent arrives by a move.
 * @module
 */
import type { AclMessage } from "../acl/mod.ts";

/** How many entries a log keeps per agent by default. */
export const DEFAULT_AGENT_LOG_ENTRIES = 1000;
/** Message content in a log entry is cut to this many characters. */
export const AGENT_LOG_CONTENT_CHARS = 1024;

/** What an entry says, besides its sequence number and time. */
export type AgentLogRecord =
  | { kind: "log"; level: string; text: string }
  | {
    kind: "received" | "sent";
    message_id: string;
    performative: string;
    from?: string;
    to: string[];
    conversation_id?: string;
    content?: string;
  };

/** One entry of an agent's log: `seq` grows by one per entry of that agent. */
export type AgentLogEntry = AgentLogRecord & { seq: number; at: string };

/** A message as a log record. Pure. */
export function messageRecord(
  kind: "received" | "sent",
  message: AclMessage,
  messageId: string,
): AgentLogRecord {
  const content = message.content === undefined
    ? undefined
    : typeof message.content === "string"
    ? message.content
    : JSON.stringify(message.content);
  return {
    kind,
    message_id: messageId,
    performative: message.performative,
    ...(message.sender ? { from: message.sender.name } : {}),
    to: message.receivers.map((r) => r.name),
    ...(message.conversation_id !== undefined ? { conversation_id: message.conversation_id } : {}),
    ...(content !== undefined ? { content: content.slice(0, AGENT_LOG_CONTENT_CHARS) } : {}),
  };
}

/** A stored entry: the record, its sequence number and its time (ms; formatted when read). */
interface Stored {
  record: AgentLogRecord;
  seq: number;
  at: number;
}

/**
 * One agent's entries in a ring of at most `perAgent` (the oldest overwritten in place: an
 * append costs the same whether the log is full or not).
 */
interface Book {
  ring: Stored[];
  /** Where the oldest entry is, once the ring is full. */
  head: number;
  next: number;
  /** Live readers; made by the first {@link AgentLogs.follow} (most agents never have one). */
  followers?: Set<(e: AgentLogEntry) => void>;
}

function entryOf(s: Stored): AgentLogEntry {
  return { ...s.record, seq: s.seq, at: new Date(s.at).toISOString() };
}

/** The logs of this node's agents, by agent name. */
export class AgentLogs {
  readonly #books = new Map<string, Book>();

  constructor(
    readonly now: () => number = Date.now,
    readonly perAgent: number = DEFAULT_AGENT_LOG_ENTRIES,
  ) {
    if (!Number.isInteger(perAgent) || perAgent < 1) {
      throw new RangeError(`perAgent must be a positive integer, got ${perAgent}`);
    }
  }

  #book(agent: string): Book {
    let b = this.#books.get(agent);
    if (!b) this.#books.set(agent, b = { ring: [], head: 0, next: 1 });
    return b;
  }

  /** Appends a record to `agent`'s log and hands it to its followers. */
  append(agent: string, record: AgentLogRecord): void {
    const b = this.#book(agent);
    const stored = { record, seq: b.next++, at: this.now() };
    if (b.ring.length < this.perAgent) b.ring.push(stored);
    else {
      b.ring[b.head] = stored;
      b.head = (b.head + 1) % this.perAgent;
    }
    if (!b.followers) return;
    const entry = entryOf(stored);
    for (const f of b.followers) f(entry);
  }

  /** The last `limit` entries of `agent`'s log, oldest first. */
  read(agent: string, limit: number): AgentLogEntry[] {
    const b = this.#books.get(agent);
    if (!b) return [];
    const n = b.ring.length;
    const out: AgentLogEntry[] = [];
    for (let i = Math.max(0, n - limit); i < n; i++) out.push(entryOf(b.ring[(b.head + i) % n]));
    return out;
  }

  /** Calls `listener` with each new entry of `agent`'s log until the returned function is called. */
  follow(agent: string, listener: (e: AgentLogEntry) => void): () => void {
    const b = this.#book(agent);
    const followers = b.followers ??= new Set();
    followers.add(listener);
    return () => {
      followers.delete(listener);
      if (followers.size > 0 || b.followers !== followers) return;
      b.followers = undefined;
      // A book kept only for its followers (no entry, or dropped) goes with the last of them.
      if (b.ring.length === 0 && this.#books.get(agent) === b) this.#books.delete(agent);
    };
  }

  /** How many agents have a log book here (entries or followers): what the logs keep. */
  get books(): number {
    return this.#books.size;
  }

  /** Forgets `agent`'s log (removed, or moved away); its followers stay until they leave. */
  drop(agent: string): void {
    const b = this.#books.get(agent);
    if (!b) return;
    if (!b.followers) this.#books.delete(agent);
    else {
      b.ring = [];
      b.head = 0;
    }
  }
}
