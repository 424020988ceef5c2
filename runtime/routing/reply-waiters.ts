import { type AclMessage, aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { newMessageId } from "./message-id.ts";
import type { Delivery, MessageRouter, RouteOutcome } from "./router.ts";

interface Waiter {
  replyWith: string;
  conversationId: string;
  skipAgree: boolean;
  resolve(d: Delivery): void;
}

interface Inbox {
  waiters: Set<Waiter>;
  unregister: () => void;
}

/** The outcome of {@link ReplyWaiters.sendAndWait}. */
export interface SendAndWaitResult {
  message_id: string;
  receivers: RouteOutcome[];
  reply: Delivery;
  elapsed_ms: number;
}

/**
 * Lets an HTTP caller send a message and wait for the answer. While it waits, the
 * caller's name (its `sender`, or a fresh `http-…` name) is a temporary endpoint on this
 * node; the first message to it that answers the request (`in_reply_to` = the request's
 * `reply_with`, or the same `conversation_id`) is the reply. Missing `reply_with` and
 * `conversation_id` are filled in so that replies can be correlated.
 */
export class ReplyWaiters {
  readonly #inboxes = new Map<string, Inbox>();

  /**
   * @param home this node's name: senders are qualified with it (`caller@<home>`), so that
   *   replies from agents on other nodes of the cluster find their way back here.
   */
  constructor(readonly router: MessageRouter, readonly home: string = router.platform) {}

  /**
   * Routes `message` and resolves with the reply, or rejects with `504 TIMEOUT` after
   * `timeoutMs`.
   *
   * @param opts.skipAgree wait past an `agree` for the final answer (FIPA request).
   * @throws {ApiError} `CONFLICT` when the sender is an agent of this node or of another
   *   platform (its replies would not come back here).
   */
  async sendAndWait(
    message: AclMessage,
    opts: { timeoutMs: number; skipAgree?: boolean },
  ): Promise<SendAndWaitResult> {
    const started = performance.now();
    const given = message.sender ?? aid(`http-${crypto.randomUUID().slice(0, 8)}`);
    const local = this.router.localName(given);
    if (local === undefined) {
      throw new ApiError(
        "CONFLICT",
        `send-and-wait needs a sender of this platform ('${this.router.platform}') or none; got '${given.name}'`,
        { sender: given.name },
      );
    }
    if (this.router.hasLocal(local) && !this.#inboxes.has(local)) {
      throw new ApiError(
        "CONFLICT",
        `Sender '${given.name}' is an agent of this node; its replies go to its mailbox`,
        { sender: given.name },
      );
    }
    const sender = { ...given, name: `${local}@${this.home}` };
    const msg: AclMessage = {
      ...message,
      sender,
      reply_with: message.reply_with ?? `rw_${crypto.randomUUID().replaceAll("-", "")}`,
      conversation_id: message.conversation_id ?? `conv_${crypto.randomUUID().replaceAll("-", "")}`,
    };
    const { promise, resolve } = Promise.withResolvers<Delivery>();
    const waiter: Waiter = {
      replyWith: msg.reply_with!,
      conversationId: msg.conversation_id!,
      skipAgree: opts.skipAgree ?? false,
      resolve,
    };
    const inbox = this.#inbox(local);
    inbox.waiters.add(waiter);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const message_id = newMessageId();
      const receivers = await this.router.route({
        message_id,
        message: msg,
        accepted_at: new Date().toISOString(),
        origin: "http",
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ApiError("TIMEOUT", `No reply within ${opts.timeoutMs} ms`, {
                message_id,
                timeout_ms: opts.timeoutMs,
              }),
            ),
          opts.timeoutMs,
        );
      });
      const reply = await Promise.race([promise, timeout]);
      return {
        message_id,
        receivers,
        reply,
        elapsed_ms: Math.round((performance.now() - started) * 1000) / 1000,
      };
    } finally {
      clearTimeout(timer);
      inbox.waiters.delete(waiter);
      if (inbox.waiters.size === 0) {
        inbox.unregister();
        this.#inboxes.delete(local);
      }
    }
  }

  #inbox(local: string): Inbox {
    let inbox = this.#inboxes.get(local);
    if (inbox) return inbox;
    const waiters = new Set<Waiter>();
    const unregister = this.router.register(local, {
      deliver: (d) => {
        const m = d.message;
        for (const w of waiters) {
          const answers = (m.in_reply_to !== undefined && m.in_reply_to === w.replyWith) ||
            (m.conversation_id !== undefined && m.conversation_id === w.conversationId);
          if (!answers) continue;
          if (w.skipAgree && m.performative === "agree") return;
          waiters.delete(w);
          w.resolve(d);
          return;
        }
        throw new ApiError("AGENT_NOT_FOUND", `No one waits for this message at '${local}'`, {
          agent: local,
        });
      },
    });
    inbox = { waiters, unregister };
    this.#inboxes.set(local, inbox);
    return inbox;
  }
}
