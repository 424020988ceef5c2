import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import { TimeoutSlots } from "../async/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { millisToIso } from "../../protocols/mod.ts";
import { newMessageId } from "./message-id.ts";
import { PendingReply, ReplyInbox } from "./reply-inbox.ts";
import type { Delivery, MessageRouter, RouteOutcome } from "./router.ts";

/** The outcome of {@link ReplyWaiters.sendAndWait}. */
export interface SendAndWaitResult {
  message_id: string;
  receivers: RouteOutcome[];
  reply: Delivery;
  elapsed_ms: number;
}

/** Options of {@link ReplyWaiters.sendAndWait}. */
export interface SendAndWaitOptions {
  /** The wait, from routing the request to the reply. */
  timeoutMs: number;
  /** Wait past an `agree` for the final answer (FIPA request). */
  skipAgree?: boolean;
}

/** Where replies to a send-and-wait caller come back: its local name and its full identifier. */
interface ReplyAddress {
  local: string;
  sender: AgentIdentifier;
}

/**
 * `message` from `sender` with the parameters a reply is matched by: a missing `reply_with`
 * or `conversation_id` is filled in with a fresh one. Pure but for the random ids.
 */
export function withCorrelation(message: AclMessage, sender: AgentIdentifier): AclMessage {
  return {
    ...message,
    sender,
    reply_with: message.reply_with ?? `rw_${crypto.randomUUID().replaceAll("-", "")}`,
    conversation_id: message.conversation_id ??
      `conv_${crypto.randomUUID().replaceAll("-", "")}`,
  };
}

/**
 * Lets an HTTP caller send a message and wait for the answer. The reply path, step by step:
 *
 * 1. {@link ReplyWaiters.sendAndWait} picks the caller's {@link ReplyAddress} (its `sender`,
 *    or a fresh `http-…` name, qualified with this node, or with the platform when the
 *    request goes to another platform) and fills in the correlation
 *    ({@link withCorrelation}).
 * 2. It opens the caller's {@link ReplyInbox}: a temporary endpoint registered on the router
 *    under that name (one per name, shared by the callers waiting under it), and adds a
 *    {@link PendingReply} to it.
 * 3. It routes the request like any other message; if routing or the delivery fails, the
 *    wait ends with that error ({@link PendingReply.fail}).
 * 4. The answer comes back through the router (from a local agent, another node, or another
 *    platform) to the inbox, whose `deliver` hands it to the first waiter it answers
 *    (`in_reply_to` = the request's `reply_with`, or the same `conversation_id`).
 * 5. The wait ends with the reply, the failure or `504 TIMEOUT`; the inbox is closed (its
 *    name unregistered) when its last waiter leaves.
 */
export class ReplyWaiters {
  readonly #inboxes = new Map<string, ReplyInbox>();
  /** Each open inbox's removal from the router (a Map: a WeakMap entry per request costs more). */
  readonly #unregister = new Map<ReplyInbox, () => void>();

  /**
   * @param home this node's name: senders are qualified with it (`caller@<home>`), so that
   *   replies from agents on other nodes of the cluster find their way back here.
   * @param timeouts the waits' timeouts (default: real timers in slots of
   *   `DEFAULT_SLOT_MS`: a wait times out at most that much late, and thousands of waits
   *   share a few timers).
   */
  constructor(
    readonly router: MessageRouter,
    readonly home: string = router.platform,
    readonly timeouts: TimeoutSlots = new TimeoutSlots(),
  ) {}

  /**
   * Called with each request (as routed, with its `conversation_id`) whose wait ended in
   * `504 TIMEOUT`: a deployment counts it as an error of the version that had the
   * conversation.
   */
  onTimeout?: (request: AclMessage) => void;

  /**
   * Routes `message` and resolves with the reply, or rejects with the routing or delivery
   * failure, or with `504 TIMEOUT` after `timeoutMs`.
   *
   * @throws {ApiError} `CONFLICT` when the sender is an agent of this node or of another
   *   platform (its replies would not come back here), or when the same sender already waits
   *   for a reply with the same `reply_with` or `conversation_id` (the reply could not be
   *   told apart).
   */
  async sendAndWait(message: AclMessage, opts: SendAndWaitOptions): Promise<SendAndWaitResult> {
    const started = performance.now();
    // A request that leaves the platform is answered through this node's ACC, so its
    // replies are addressed to the platform's name (`http-…@<platform>`, as other platforms
    // must see it); inside the cluster the node's name routes them back to this node.
    const foreign = message.receivers.some((r) => this.router.localName(r) === undefined);
    const address = this.#replyAddress(
      message.sender,
      foreign ? this.router.platform : this.home,
    );
    const request = withCorrelation(message, address.sender);
    const pending = new PendingReply({
      replyWith: request.reply_with!,
      conversationId: request.conversation_id!,
      skipAgree: opts.skipAgree ?? false,
    });
    const inbox = this.#openInbox(address.local, pending);
    try {
      const message_id = newMessageId();
      pending.startTimeout(opts.timeoutMs, message_id, this.timeouts);
      const routed = this.#routeRequest(message_id, request, pending);
      let reply: Delivery;
      try {
        reply = await pending.settled;
      } catch (e) {
        if (e instanceof ApiError && e.code === "TIMEOUT") this.onTimeout?.(request);
        throw e;
      }
      return {
        message_id,
        receivers: (await routed) ?? [],
        reply,
        elapsed_ms: Math.round((performance.now() - started) * 1000) / 1000,
      };
    } finally {
      pending.dispose();
      this.#closeInbox(inbox, pending);
    }
  }

  /** Step 1: where the replies come back, or `CONFLICT` when they could not. */
  #replyAddress(
    given: AgentIdentifier = aid(`http-${crypto.randomUUID().slice(0, 8)}`),
    home: string,
  ): ReplyAddress {
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
    return { local, sender: { ...given, name: `${local}@${home}` } };
  }

  /** Step 2: the caller's inbox, registered on the router on first use, with `pending` in it. */
  #openInbox(local: string, pending: PendingReply): ReplyInbox {
    let inbox = this.#inboxes.get(local);
    if (inbox === undefined) {
      inbox = new ReplyInbox(local);
      const unregister = this.router.register(local, inbox);
      this.#unregister.set(inbox, unregister);
      this.#inboxes.set(local, inbox);
    }
    const clash = inbox.clash(pending.wanted);
    if (clash !== undefined) {
      if (inbox.size === 0) this.#closeInbox(inbox, pending);
      throw new ApiError(
        "CONFLICT",
        `Sender '${local}' already waits for a reply with ${clash.field} '${clash.value}'`,
        { sender: local, [clash.field]: clash.value },
      );
    }
    inbox.add(pending);
    return inbox;
  }

  /**
   * Step 3: routes the request. A routing or delivery failure ends the wait with that error
   * (so a receiver that fails on the request answers at once, not at the timeout).
   */
  async #routeRequest(
    message_id: string,
    request: AclMessage,
    pending: PendingReply,
  ): Promise<RouteOutcome[] | undefined> {
    try {
      return await this.router.route({
        message_id,
        message: request,
        accepted_at: millisToIso(Date.now()),
        origin: "http",
        await_handled: true,
      });
    } catch (e) {
      pending.fail(e);
      return undefined;
    }
  }

  /** Step 5: the caller leaves; the last one out unregisters the name. */
  #closeInbox(inbox: ReplyInbox, pending: PendingReply): void {
    inbox.remove(pending);
    if (inbox.size > 0 || this.#inboxes.get(inbox.localName) !== inbox) return;
    this.#unregister.get(inbox)?.();
    this.#unregister.delete(inbox);
    this.#inboxes.delete(inbox.localName);
  }
}
