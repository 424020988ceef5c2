/**
 * Keeping the conversation service's history and trackers across restarts.
 * @module
 */
import { GroupCommit } from "../async/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { MessageHistory } from "./history.ts";
import type { ConversationKv, StoredConversations, TrackerChange } from "./kv-store.ts";
import type { TrackerStore } from "./store.ts";

/**
 * How long a history write waits for more changes: a Deno KV commit costs about 0.4 ms of
 * CPU whatever it holds, about 16 µs more per entry, so under load one commit per 20 ms
 * carries tens of messages instead of a few (the history is written after delivery, never
 * on the way of a message; `flush` and a node's stop do not wait).
 */
export const HISTORY_LINGER_MS = 20;

/**
 * Writes what changed in the history and the tracker store (both created with
 * `trackChanges`) to a {@link ConversationKv}, in group commits: {@link soon} after each
 * change, {@link flush} to wait for all of it. {@link load} reads back what a restart left:
 * the history at once, the tracker shards kept until {@link takeLoadedTrackers} (once the
 * agents are back). Without a store it writes and reads nothing.
 *
 * @example
 * ```ts
 * const p = new ConversationPersistence({ kv: new ConversationKv(kv), history, trackers });
 * await p.load();
 * history.add(delivery, outcomes);
 * p.soon();
 * await p.flush();
 * ```
 */
export class ConversationPersistence {
  readonly #kv: ConversationKv | undefined;
  readonly #history: MessageHistory;
  readonly #writes: GroupCommit | undefined;
  #loaded: StoredConversations["trackers"] = [];

  constructor(
    opts: {
      kv?: ConversationKv;
      history: MessageHistory;
      trackers: TrackerStore;
      log?: Logger;
      /** How long a write waits for more changes (default {@link HISTORY_LINGER_MS}). */
      lingerMs?: number;
    },
  ) {
    const kv = this.#kv = opts.kv;
    this.#history = opts.history;
    if (kv === undefined) return;
    this.#writes = new GroupCommit(
      async () => {
        const history = opts.history.takeChanges();
        const trackers: TrackerChange[] = opts.trackers.takeChanged()
          .map(([agent, cid]) => [agent, cid, opts.trackers.get(agent, cid)]);
        if (history.added.length + history.dropped.length + trackers.length === 0) return;
        await kv.write(history, trackers, (agent, cid) => opts.trackers.get(agent, cid));
      },
      (e) => opts.log?.error("could not keep conversation history", { error: String(e) }),
      {
        lingerMs: opts.lingerMs ?? HISTORY_LINGER_MS,
      },
    );
  }

  /** Whether there is a store to write to. */
  get enabled(): boolean {
    return this.#kv !== undefined;
  }

  /**
   * Reads what the store kept: the history goes back at once (positions continue after
   * it), the tracker shards wait for {@link takeLoadedTrackers}. Returns how many shards were
   * read; `undefined` without a store.
   */
  async load(): Promise<number | undefined> {
    if (this.#kv === undefined) return undefined;
    const stored = await this.#kv.load();
    this.#history.restore(stored.history);
    this.#loaded = stored.trackers;
    return stored.trackers.length;
  }

  /** The tracker shards {@link load} read, once (later calls answer none). */
  takeLoadedTrackers(): StoredConversations["trackers"] {
    const out = this.#loaded;
    this.#loaded = [];
    return out;
  }

  /** Writes the changes soon, in one go with any others (group commit). */
  soon(): void {
    this.#writes?.soon();
  }

  /** Resolves once every change so far is written. */
  async flush(): Promise<void> {
    await this.#writes?.flush();
  }
}
