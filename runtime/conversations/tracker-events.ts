/**
 * What the trackers' steps tell the rest of the node: bus events and deadline notices.
 * @module
 */
import type { NodeEvent } from "../events/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import type { TrackerEffect, Violation } from "../../protocols/mod.ts";
import type { DeadlineNotice } from "./notices.ts";

/** A bus event as published (the bus stamps the time). */
export type ConversationEvent = Omit<NodeEvent, "timestamp">;

/**
 * What one tracker effect of `agent` calls for: a `conversation.started` or
 * `conversation.ended` event, or a `timeout` notice to the initiator. Pure.
 *
 * @example
 * ```ts
 * const out = effectOutput("a@p", effect);
 * if ("event" in out) bus.publish(out.event); else notices.send(out.notice);
 * ```
 */
export function effectOutput(
  agent: string,
  e: TrackerEffect,
): { event: ConversationEvent } | { notice: DeadlineNotice } {
  switch (e.type) {
    case "conversation-started":
      return {
        event: conversationEvent("conversation.started", agent, e.conversation_id, {
          role: e.role,
          protocol: e.protocol,
        }),
      };
    case "conversation-ended":
      return {
        event: conversationEvent("conversation.ended", agent, e.conversation_id, {
          role: e.role,
          by: e.by,
        }),
      };
    case "notify-initiator":
      return {
        notice: {
          kind: "timeout",
          to: e.initiator,
          self: e.self,
          conversation_id: e.conversation_id,
          protocol: e.protocol,
          parties: e.parties,
          reason: e.reason,
          deadlines: [],
        },
      };
  }
}

/** The `conversation.ended` event of a conversation forgotten to keep the bounds. Pure. */
export function evictedEvent(agent: string, conversationId: string): ConversationEvent {
  return conversationEvent("conversation.ended", agent, conversationId, { by: "evicted" });
}

/** A conversation's start or end event of `agent`. */
function conversationEvent(
  type: "conversation.started" | "conversation.ended",
  agent: string,
  conversationId: string,
  details: Record<string, unknown>,
): ConversationEvent {
  return { type, agent_id: agent, conversation_id: conversationId, details };
}

/** The `conversation.violation` event of a message refused for `agent`'s tracker. Pure. */
export function violationEvent(agent: string, v: Violation, d: Delivery): ConversationEvent {
  return {
    type: "conversation.violation",
    agent_id: agent,
    message_id: d.message_id,
    conversation_id: d.message.conversation_id,
    performative: d.message.performative,
    details: { ...v },
  };
}
