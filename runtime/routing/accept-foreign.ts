import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import type { Logger } from "../log/mod.ts";
import { deliveryFailureMessage } from "../mtp/mod.ts";
import { newMessageId } from "./message-id.ts";
import type { MessageRouter } from "./router.ts";
import type { RepresentationChoice } from "../mtp/mod.ts";

/** Hands a message from another platform to its receivers (see {@link foreignAcceptor}). */
export type AcceptForeign = (
  message: AclMessage,
  receivers: AgentIdentifier[],
  info?: { representation: string },
) => Promise<void>;

/**
 * What the ACC does with a message another platform handed us (after answering `200`):
 * routes one copy per envelope receiver; a receiver that cannot be reached (no such agent,
 * a refused delivery) makes our AMS send the sender a FIPA `failure`
 * `((action <ams> (ACLMessage)) (MTS-error <receiver> (internal-error "...")))` (SC00067),
 * which goes back over the MTP like any message, so the sender does not wait forever.
 */
export function foreignAcceptor(opts: {
  router: MessageRouter;
  log: Logger;
  /** The platform's MTP addresses, put on the AMS's identifier in failures. */
  addresses: () => string[];
  /** Learns which representation each platform speaks (see `RepresentationChoice`). */
  representations?: RepresentationChoice;
}): {
  accept: AcceptForeign;
  reject: (from: AgentIdentifier, receivers: AgentIdentifier[], why: string) => Promise<void>;
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
  return { accept, reject };
}
