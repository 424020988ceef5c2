import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import type { Logger } from "../log/mod.ts";
import { deliveryFailureMessage, type SendResult } from "../mtp/mod.ts";
import { injectTrace } from "../tracing/mod.ts";
import type { Delivery, MessageRouter, RemoteRoute } from "./router.ts";

/**
 * Sends one message to one foreign receiver over the HTTP MTP (retries included); `messageId`
 * is the delivery's id, to be written in the envelope so the receiver can drop retries.
 */
export type MtpSender = (
  msg: AclMessage,
  to: AgentIdentifier,
  messageId: string,
) => Promise<SendResult>;

/** Whether an identifier carries an address the HTTP MTP can use. */
export function hasHttpAddress(to: AgentIdentifier): boolean {
  return to.addresses.some((a) => /^https?:\/\//i.test(a));
}

/**
 * An identifier of ours as other platforms must see it: `<local>@<platform>` (never a bare
 * local name or a node's name). Foreign identifiers come back unchanged.
 */
export function outwardId(router: MessageRouter, id: AgentIdentifier): AgentIdentifier {
  const local = router.localName(id);
  return local === undefined ? id : { ...id, name: `${local}@${router.platform}` };
}

/** A message as it leaves the platform: its sender and reply-to with outward names. */
export function outwardMessage(router: MessageRouter, msg: AclMessage): AclMessage {
  const out = { ...msg };
  if (msg.sender) out.sender = outwardId(router, msg.sender);
  if (msg.reply_to) out.reply_to = msg.reply_to.map((r) => outwardId(router, r));
  return out;
}

/**
 * The route to agents of other FIPA platforms: a receiver that is not ours and carries
 * `http(s)://` addresses is sent over the HTTP MTP in the background (at-most-once: the
 * caller learns `forwarded`). When every address and retry fails, the sender gets a FIPA
 * `failure` from our AMS, routed like any message (a local agent's mailbox, or back over
 * the MTP).
 */
export function mtpRoute(opts: {
  router: MessageRouter;
  send: MtpSender;
  log: Logger;
  /** Tracks background sends so shutdown can wait for them. */
  inflight?: Set<Promise<unknown>>;
}): RemoteRoute {
  const { router, send, log } = opts;
  const ams = aid(`ams@${router.platform}`);
  const report = async (d: Delivery, to: AgentIdentifier, r: SendResult) => {
    if (r.ok) return;
    log.warn("message to another platform failed", {
      message_id: d.message_id,
      receiver: to.name,
      reason: r.reason,
    });
    const failure = deliveryFailureMessage(d.message, to, r.reason, ams);
    if (!failure) return;
    try {
      await router.route({
        message_id: `${d.message_id}-failure`,
        message: failure,
        accepted_at: new Date().toISOString(),
        origin: "platform",
      });
    } catch (e) {
      log.warn("could not report a delivery failure", {
        message_id: d.message_id,
        to: failure.receivers[0]?.name,
        error: (e as Error).message,
      });
    }
  };
  return {
    kind: "mtp",
    resolve(to) {
      if (router.localName(to) !== undefined || !hasHttpAddress(to)) return undefined;
      return (d, r) => {
        const out = outwardMessage(router, { ...d.message, receivers: [r] });
        const p = send(injectTrace(out), r, d.message_id).then(
          (res) => report(d, r, res),
          (e) => log.error("MTP send crashed", { error: (e as Error).message }),
        );
        opts.inflight?.add(p);
        p.finally(() => opts.inflight?.delete(p));
        return Promise.resolve();
      };
    },
  };
}
