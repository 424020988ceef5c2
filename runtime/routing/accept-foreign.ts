import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import type { Logger } from "../log/mod.ts";
import { deliveryFailureMessage } from "../mtp/mod.ts";
import { foreignMessageId, newMessageId } from "./message-id.ts";
import type { Delivery, MessageRouter } from "./router.ts";
import type { RepresentationChoice } from "../mtp/mod.ts";

/** Hands a message from another platform to its receivers (see {@link foreignAcceptor}). */
export type AcceptForeign = (
  message: AclMessage,
  receivers: AgentIdentifier[],
  info?: { representation: string; messageId?: string },
) => Promise<void>;

/**
 * What the ACC does with a message another platform handed us (before answering `200`).
 *
 * At most once (default): routes one copy per envelope receiver into its mailbox; a receiver
 * that cannot be reached (no such agent, a refused delivery) makes our AMS send the sender a
 * FIPA `failure` `((action <ams> (ACLMessage)) (MTS-error <receiver> (internal-error "...")))`
 * (SC00067), which goes back over the MTP like any message, so the sender does not wait
 * forever.
 *
 * At least once (`enqueue` given, `--mtp-delivery at-least-once`): stores the message, with
 * the envelope's receivers that a route reaches, through `enqueue` (the outbox that
 * `?delivery=at-least-once` API messages take: retries, dead letters, duplicate marks) and
 * resolves once it is durable; receivers no route reaches get the same `failure` at once,
 * and those the outbox gave up on when it dead-lettered the message get it from
 * `deadLettered`. When the sender gave the message an id (`info.messageId`, the envelope's
 * `X-message-id`), it is stored under {@link foreignMessageId}, so the sender's retry of a
 * message we already took is dropped as a duplicate instead of delivered again.
 */
export function foreignAcceptor(opts: {
  router: MessageRouter;
  log: Logger;
  /** The platform's MTP addresses, put on the AMS's identifier in failures. */
  addresses: () => string[];
  /** Learns which representation each platform speaks (see `RepresentationChoice`). */
  representations?: RepresentationChoice;
  /** Stores an at-least-once delivery (the outbox); absent: at most once. */
  enqueue?: (d: Delivery) => Promise<void>;
}): {
  accept: AcceptForeign;
  reject: (from: AgentIdentifier, receivers: AgentIdentifier[], why: string) => Promise<void>;
  deadLettered: (message: AclMessage, pending: AgentIdentifier[], why: string) => Promise<void>;
} {
  const { router, log } = opts;
  const report = async (message: AclMessage, to: AgentIdentifier, why: string) => {
    const ams = aid(`ams@${router.platform}`, opts.addresses());
    const failure = deliveryFailureMessage(message, to, why, ams);
    if (!failure) return;
    try {
      await router.route({
        message_id: newMessageId(),
        message: failure,
        accepted_at: new Date().toISOString(),
        origin: "platform",
      });
    } catch (e) {
      log.warn("could not report an undeliverable message to its sender", {
        receiver: to.name,
        sender: message.sender?.name,
        error: (e as Error).message,
      });
    }
  };
  const accept: AcceptForeign = async (message, receivers, info) => {
    if (info) opts.representations?.seen(message.sender, info.representation);
    if (opts.enqueue) {
      // Receivers no route reaches are told at once, as at most once; the rest is stored.
      const reached = receivers.filter((to) => router.reaches(to));
      if (reached.length) {
        await opts.enqueue({
          message_id: info?.messageId
            ? await foreignMessageId(
              message.sender?.name ?? "",
              info.messageId,
              receivers.map((r) => r.name),
            )
            : newMessageId(),
          message: { ...message, receivers: reached },
          accepted_at: new Date().toISOString(),
          origin: "mtp",
        });
      }
      for (const to of receivers) {
        if (reached.includes(to)) continue;
        log.warn("undeliverable message from another platform", {
          receiver: to.name,
          sender: message.sender?.name,
        });
        await report(message, to, `Agent '${to.name}' not found`);
      }
      return;
    }
    for (const to of receivers) {
      try {
        await router.route({
          message_id: newMessageId(),
          message: { ...message, receivers: [to] },
          accepted_at: new Date().toISOString(),
          origin: "mtp",
        });
      } catch (e) {
        // Accepted by the transport (SC00084) but undeliverable: reported to the sender.
        log.warn("undeliverable message from another platform", {
          receiver: to.name,
          sender: message.sender?.name,
          error: (e as Error).message,
        });
        await report(message, to, (e as Error).message);
      }
    }
  };
  const reject = async (from: AgentIdentifier, receivers: AgentIdentifier[], why: string) => {
    // Only the envelope could be read: the failure answers a message we cannot show.
    const original: AclMessage = { performative: "not-understood", sender: from, receivers };
    for (const to of receivers.length ? receivers : [aid(`ams@${router.platform}`)]) {
      await report(original, to, why);
    }
  };
  const deadLettered = async (message: AclMessage, pending: AgentIdentifier[], why: string) => {
    for (const to of pending) await report(message, to, why);
  };
  return { accept, reject, deadLettered };
}
