/**
 * Sends the AMS's deadline notices to the initiators of this node.
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Delivery, type MessageRouter, newMessageId } from "../routing/mod.ts";
import { type DeadlineNotice, noticeMessage } from "./notices.ts";

/** What a {@link NoticeSender} needs. */
export interface NoticeSenderOptions {
  router: MessageRouter;
  /** The platform's AMS, the notices' sender. */
  ams: AgentIdentifier;
  /** Clock, ms since the epoch. */
  now: () => number;
  /** Whether a local name's conversations are tracked (it then learns of its own expiries). */
  isTracked(localName: string): boolean;
  log?: Logger;
}

/**
 * Routes a {@link DeadlineNotice} to its initiator when this node should tell it: the
 * initiator is here (not on another node or platform, whose runtime tells it) and either is
 * not tracked (an HTTP caller, say) or the notice came from its own tracker (so it is told
 * once). The notices pass the conversation guard unchecked ({@link exempt}); an
 * undeliverable notice is logged, never thrown.
 *
 * @example
 * ```ts
 * const notices = new NoticeSender({ router, ams: aid("ams@p"), now: Date.now, isTracked });
 * router.addGuard((d) => { if (notices.exempt(d.message_id)) return; ... });
 * notices.send(notice);
 * ```
 */
export class NoticeSender {
  readonly #exempt = new Set<string>();
  readonly #opts: NoticeSenderOptions;
  #closed = false;

  constructor(opts: NoticeSenderOptions) {
    this.#opts = opts;
  }

  /** Whether a message is a notice under way (not to be checked by the guard). */
  exempt(messageId: string): boolean {
    // Mostly none is under way: no need to hash the id (a fresh string on every message).
    return this.#exempt.size > 0 && this.#exempt.has(messageId);
  }

  /** Routes the notice when this node should tell its initiator; returns whether it did. */
  send(n: DeadlineNotice): boolean {
    if (this.#closed) return false;
    const router = this.#opts.router;
    const local = router.localName(n.to);
    // Another platform or node: its own runtime tells it (or nobody can).
    if (local === undefined || !router.hasLocal(local)) return false;
    // A tracked initiator learns it from its own tracker, once.
    if (this.#opts.isTracked(local) && !n.self) return false;
    const message_id = newMessageId();
    const d: Delivery = {
      message_id,
      message: noticeMessage(n, this.#opts.ams),
      accepted_at: new Date(this.#opts.now()).toISOString(),
      origin: "platform",
    };
    this.#exempt.add(message_id);
    router.route(d).catch((e) =>
      this.#opts.log?.debug("deadline notice undeliverable", {
        to: n.to,
        conversation_id: n.conversation_id,
        error: (e as Error).message,
      })
    ).finally(() => this.#exempt.delete(message_id));
    return true;
  }

  /** Sends nothing more. */
  close(): void {
    this.#closed = true;
  }
}
