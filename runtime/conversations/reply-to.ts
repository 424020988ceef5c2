/**
 * FIPA `reply-to` for the trackers: who stands for whom when an opening named `reply_to`
 * agents (recruiting).
 * @module
 */
import type { TrackedMessage } from "../../protocols/mod.ts";

/** What an opening with `reply_to` told one receiving agent of one conversation. */
interface Designation {
  /** The initiator the `reply_to` agents stand for. */
  initiator: string;
  /** The `reply_to` agents named. */
  receivers: ReadonlySet<string>;
}

/**
 * The `reply_to` agents each receiving agent was told to answer, per conversation: an
 * answer sent to them goes, for the sender's own tracker, to the initiator they stand for.
 * Bounded: the oldest designations go first. No clock, no I/O.
 *
 * @example
 * ```ts
 * const d = new ReplyToDesignations();
 * d.designate("t@p", { ...opening, from: "i@p", reply_to: ["r@p"] });
 * d.redirect("t@p", { ...answer, to: ["r@p"] }).to; // ["i@p"]
 * ```
 */
export class ReplyToDesignations {
  readonly #byKey = new Map<string, Designation>();

  constructor(readonly max = 4096) {}

  /** Number of designations kept. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Notes that `agent` received `seen`, which named `reply_to` agents (newest kept). */
  designate(agent: string, seen: TrackedMessage): void {
    const key = `${agent}\u0000${seen.conversation_id}`;
    this.#byKey.delete(key);
    this.#byKey.set(key, { initiator: seen.from, receivers: new Set(seen.reply_to) });
    if (this.#byKey.size > this.max) this.#byKey.delete(this.#byKey.keys().next().value!);
  }

  /**
   * `seen` as `agent`'s own tracker sees it: an answer sent only to the `reply_to` agents
   * its conversation's opening named goes to the initiator they stand for; any other
   * message is returned as it is.
   */
  redirect(agent: string, seen: TrackedMessage): TrackedMessage {
    if (this.#byKey.size === 0) return seen;
    const rec = this.#byKey.get(`${agent}\u0000${seen.conversation_id}`);
    if (
      rec === undefined || seen.to.length === 0 || seen.to.includes(rec.initiator) ||
      !seen.to.every((t) => rec.receivers.has(t))
    ) return seen;
    return { ...seen, to: [rec.initiator] };
  }
}
