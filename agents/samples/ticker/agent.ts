/**
 * ticker (world 0.2.0): a FIPA-subscribe participant that informs its subscribers on a
 * durable timer. A `subscribe` is answered `agree` and joins the subscribers (by its
 * conversation); every `TICK_MS` (the manifest's `env`, default 1000) each subscriber gets an
 * `inform` with JSON `{"tick": n, "at": <ms>}` in its conversation. A `cancel` in a
 * subscriber's conversation ends it (`inform` done); the timer stops when none is left. The
 * subscribers live in module memory (snapshots, hibernation and moves carry them), the timer
 * in the node's durable timers. A subscriber the node refuses to send to is dropped. Informs
 * are not answers to a message being handled: deploy it with `"network": "local"` (or wider).
 * @module
 */
import { type AclMessage, defineAgent, json } from "../../sdk/mod.ts";

export const world = "fipa:agent@0.2.0";

/** The timer's tag. */
export const TICK = "tick";

const subscribers = new Map<string, AclMessage>();
let timer: string | undefined;
let ticks = 0;

function interval(env: Record<string, string>): number {
  const n = Number(env.TICK_MS ?? "1000");
  return Number.isFinite(n) && n >= 10 ? n : 1000;
}

export default defineAgent({
  handleMessage(msg, cx) {
    const conv = msg.conversationId;
    if (msg.performative === "subscribe" && conv) {
      subscribers.set(conv, msg);
      cx.reply(msg, "agree", json({ every_ms: interval(cx.env) }));
      timer ??= cx.setTimer(interval(cx.env), TICK);
      return true;
    }
    if (msg.performative === "cancel" && conv && subscribers.has(conv)) {
      subscribers.delete(conv);
      cx.reply(msg, "inform", json({ done: true }));
      if (subscribers.size === 0 && timer !== undefined) {
        cx.cancelTimer(timer);
        timer = undefined;
      }
      return true;
    }
    return false;
  },
  onTimer(id, tag, cx) {
    if (tag !== TICK || id !== timer) return; // a timer this memory no longer knows
    timer = undefined;
    if (subscribers.size === 0) return;
    ticks++;
    for (const [conv, s] of subscribers) {
      try {
        cx.reply(s, "inform", json({ tick: ticks, at: cx.now() }));
      } catch (e) {
        // Refused by the node (e.g. the subscriber is gone): the subscription ends.
        cx.log("warn", `subscription ${conv} ended: ${(e as Error).message}`);
        subscribers.delete(conv);
      }
    }
    if (subscribers.size === 0) return;
    timer = cx.setTimer(interval(cx.env), TICK);
  },
});
