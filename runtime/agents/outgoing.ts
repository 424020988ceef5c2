/**
 * Messages an agent sends: routed like any other, counted, and when undeliverable answered
 * to the agent as FIPA does (`not-understood` for a protocol violation, else a `failure`
 * from the platform's AMS). A message the agent did not understand is answered for it
 * with `not-understood`.
 * @module
 */
import { type AclMessage, aid, notUnderstoodReply } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { deliveryFailureMessage } from "../mtp/mod.ts";
import { newMessageId } from "../routing/mod.ts";
import { millisToIso } from "../../protocols/mod.ts";
import type { AgentManagerDeps } from "./deps.ts";
import type { Managed } from "./managed.ts";
import { declinedReply } from "./not-understood.ts";
import { type AgentLogs, messageRecord } from "./agent-log.ts";

/** Routes what agents send. */
export class Outgoing {
  constructor(
    readonly deps: Pick<AgentManagerDeps, "router" | "events" | "log" | "metrics">,
    readonly now: () => number,
    readonly logs?: AgentLogs,
  ) {}

  /**
   * Answers `original`, which `m`'s agent declined (`handle-message` returned false), with
   * `not-understood` from the agent ({@link declinedReply}); answers and informs get nothing.
   */
  declined(m: Managed, original: AclMessage): Promise<void> {
    const self = aid(`${m.record.name}@${this.deps.router.platform}`);
    const reply = declinedReply(original, self);
    if (!reply) return Promise.resolve();
    return this.sent(m, reply, newMessageId());
  }

  /** Routes a message `m`'s agent sent; what cannot be delivered comes back to the agent. */
  async sent(m: Managed, message: AclMessage, messageId: string): Promise<void> {
    const name = m.record.name;
    this.logs?.append(name, messageRecord("sent", message, messageId));
    this.deps.events.publish({
      type: "message.sent",
      message_id: messageId,
      from: name,
      to: message.receivers.map((r) => r.name),
      performative: message.performative,
      conversation_id: message.conversation_id,
    });
    try {
      const out = await this.deps.router.route({
        message_id: messageId,
        message,
        accepted_at: millisToIso(this.now()),
        origin: "agent",
      });
      for (const o of out) {
        this.deps.metrics?.messagesOut.inc({
          performative: message.performative,
          destination: o.status === "delivered" ? "local" : o.via ?? "remote",
        });
      }
    } catch (e) {
      const to = message.receivers[0] ?? aid("unknown");
      this.deps.log.debug("agent message undeliverable", {
        agent: name,
        error: (e as Error).message,
      });
      if (!m.handle) return;
      // Tell the agent, as FIPA does: a protocol violation comes back as `not-understood`
      // from the receiver; anything else as a `failure` from our AMS naming the receiver.
      const reply = e instanceof ApiError && e.code === "PROTOCOL_VIOLATION"
        ? notUnderstoodReply(message, to, e)
        : deliveryFailureMessage(
          message,
          to,
          (e as Error).message,
          aid(`ams@${this.deps.router.platform}`),
        );
      if (reply) m.handle.deliver(reply, { messageId: newMessageId() }).catch(() => {});
    }
  }
}
