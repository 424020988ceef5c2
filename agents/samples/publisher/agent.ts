/**
 * publisher: the participant of FIPA Subscribe (SC00035).
 *
 * - `subscribe {"topic": "prices"}`: `agree`s, then `inform {"topic", "value", "seq"}` in
 *   the subscriber's conversation each time the topic changes (at once if it has a value).
 * - `request {"action": "publish", "topic", "value"}`: sets the value, answers `inform
 *   {"published", "subscribers"}` and notifies the topic's subscribers.
 * - `cancel` in a subscription's conversation ends it (`inform {"cancelled": true}`); a
 *   subscriber the platform cannot reach is dropped.
 *
 * Needs network access to its subscribers (`"local"` or `"any"`).
 * @module
 */
import { type AclMessage, contentJson, defineAgent, type Json, json } from "../../sdk/mod.ts";

interface Subscription {
  message: AclMessage;
  topic: string;
}

const subs = new Map<string, Subscription>();
const values = new Map<string, { value: Json; seq: number }>();

function obj(m: AclMessage): Record<string, Json> {
  const c = contentJson(m);
  return c !== null && typeof c === "object" && !Array.isArray(c) ? c : {};
}

export default defineAgent({
  handleMessage(m, cx) {
    const c = obj(m);
    const cid = m.conversationId ?? "";
    const notify = (s: Subscription) => {
      const v = values.get(s.topic);
      if (v) cx.reply(s.message, "inform", json({ topic: s.topic, value: v.value, seq: v.seq }));
    };
    switch (m.performative) {
      case "subscribe": {
        if (typeof c.topic !== "string" || cid === "") {
          cx.reply(
            m,
            "refuse",
            json({
              reason: cid === ""
                ? "a subscription needs a conversation_id"
                : "content.topic is missing",
            }),
          );
          return true;
        }
        const s = { message: m, topic: c.topic };
        subs.set(cid, s);
        cx.reply(m, "agree", json({ topic: c.topic }));
        notify(s);
        return true;
      }
      case "request": {
        if (c.action !== "publish" || typeof c.topic !== "string") {
          cx.reply(m, "refuse", json({ reason: "expected {action: publish, topic, value}" }));
          return true;
        }
        const seq = (values.get(c.topic)?.seq ?? 0) + 1;
        values.set(c.topic, { value: c.value ?? null, seq });
        const to = [...subs.values()].filter((s) => s.topic === c.topic);
        cx.reply(m, "inform", json({ published: c.topic, seq, subscribers: to.length }));
        for (const s of to) notify(s);
        return true;
      }
      case "cancel": {
        const s = subs.get(cid);
        if (s === undefined) return false;
        subs.delete(cid);
        cx.reply(m, "inform", json({ cancelled: true, topic: s.topic }));
        return true;
      }
      case "failure": {
        // The platform could not reach a subscriber: drop its subscription.
        if ((m.sender?.name ?? "").startsWith("ams@")) subs.delete(cid);
        return true;
      }
      default:
        return false;
    }
  },
});
