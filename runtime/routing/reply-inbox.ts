import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import type { SlotTimeout, TimeoutSlots } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Delivery, LocalEndpoint } from "./router.ts";

/** What one send-and-wait caller waits for: the correlation of its request. */
export interface ReplyWanted {
  /** The request's `reply_with`: a reply has it as `in_reply_to`. */
  replyWith: string;
  /** The request's conversation: any message in it answers too. */
  conversationId: string;
  /** Wait past an `agree` for the final answer (FIPA request, `wait_for=final`). */
  skipAgree: boolean;
}

/**
 * What a message arriving at a waiting caller's name is to one waiter: `reply` (it answers
 * the request), `interim` (an `agree` the waiter skips; it keeps waiting) or `unrelated`.
 * Pure.
 */
export function replyVerdict(
  wanted: ReplyWanted,
  message: AclMessage,
): "reply" | "interim" | "unrelated" {
  const answers = (message.in_reply_to !== undefined && message.in_reply_to === wanted.replyWith) ||
    (message.conversation_id !== undefined && message.conversation_id === wanted.conversationId);
  if (!answers) return "unrelated";
  return wanted.skipAgree && message.performative === "agree" ? "interim" : "reply";
}

/**
 * One caller's wait: settled once, by whichever comes first of {@link answer} (the reply
 * arrived), {@link fail} (the request could not be delivered, or the receiver failed on it)
 * or the timeout started by {@link startTimeout}.
 */
export class PendingReply {
  readonly #settled = Promise.withResolvers<Delivery>();
  #timeout: { slots: TimeoutSlots; slot: SlotTimeout } | undefined;
  #done = false;

  constructor(readonly wanted: ReplyWanted) {
    // A failure nobody awaits yet (the caller awaits `settled` later) is not unhandled.
    this.#settled.promise.catch(() => {});
  }

  /** Resolves with the reply, or rejects with the delivery failure or `504 TIMEOUT`. */
  get settled(): Promise<Delivery> {
    return this.#settled.promise;
  }

  /** Whether the wait is over. */
  get done(): boolean {
    return this.#done;
  }

  /** The reply arrived: the wait ends with it. */
  answer(reply: Delivery): void {
    if (this.#end()) this.#settled.resolve(reply);
  }

  /** The request failed (routing refused it, or its delivery rejected): the wait ends with `error`. */
  fail(error: unknown): void {
    if (this.#end()) this.#settled.reject(error);
  }

  /**
   * Ends the wait with `504 TIMEOUT` (naming `messageId`) after `timeoutMs` (or up to a slot
   * of `slots` later: the waits of a node share a few timers).
   */
  startTimeout(timeoutMs: number, messageId: string, slots: TimeoutSlots): void {
    if (this.#done) return;
    const slot = slots.add(() => this.#timedOut(timeoutMs, messageId), timeoutMs);
    this.#timeout = { slots, slot };
  }

  /** Stops the timer (the caller is done with the wait, settled or not). */
  dispose(): void {
    this.#end();
  }

  #timedOut(timeoutMs: number, messageId: string): void {
    this.fail(
      new ApiError("TIMEOUT", `No reply within ${timeoutMs} ms`, {
        message_id: messageId,
        timeout_ms: timeoutMs,
      }),
    );
  }

  #end(): boolean {
    if (this.#done) return false;
    this.#done = true;
    const t = this.#timeout;
    if (t !== undefined) {
      this.#timeout = undefined;
      t.slots.cancel(t.slot);
    }
    return true;
  }
}

/**
 * The temporary endpoint of a send-and-wait caller's name on this node: the router delivers
 * every message for that name here, and {@link deliver} hands it to the first waiter it
 * answers ({@link replyVerdict}). A message no one waits for is refused (`AGENT_NOT_FOUND`),
 * as for a name that does not exist.
 */
export class ReplyInbox implements LocalEndpoint {
  readonly #waiting = new Set<PendingReply>();

  constructor(readonly localName: string) {}

  /** How many callers wait here. */
  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Which correlation of `wanted` another caller here already waits on, if any: a reply to
   * either could not be told apart.
   */
  clash(
    wanted: ReplyWanted,
  ): { field: "reply_with" | "conversation_id"; value: string } | undefined {
    for (const p of this.#waiting) {
      if (p.wanted.replyWith === wanted.replyWith) {
        return { field: "reply_with", value: wanted.replyWith };
      }
      if (p.wanted.conversationId === wanted.conversationId) {
        return { field: "conversation_id", value: wanted.conversationId };
      }
    }
    return undefined;
  }

  /** Adds a caller's wait. */
  add(pending: PendingReply): void {
    this.#waiting.add(pending);
  }

  /** Removes a caller's wait (answered, failed, timed out). */
  remove(pending: PendingReply): void {
    this.#waiting.delete(pending);
  }

  /** The router's delivery of a message for this name: the reply path's last hop. */
  deliver(delivery: Delivery, _to: AgentIdentifier): void {
    for (const pending of this.#waiting) {
      const verdict = replyVerdict(pending.wanted, delivery.message);
      if (verdict === "unrelated") continue;
      if (verdict === "interim") return;
      this.#waiting.delete(pending);
      pending.answer(delivery);
      return;
    }
    throw new ApiError(
      "AGENT_NOT_FOUND",
      `No one waits for this message at '${this.localName}'`,
      { agent: this.localName },
    );
  }
}
