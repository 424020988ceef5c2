import type { AclMessage, JsonValue } from "../runtime/acl/mod.ts";
import type { MessageSeen } from "./types.ts";

/**
 * A price in a message's content, when it plainly holds one: a number, a numeric string,
 * or an object with a numeric `price` (or `bid`, `amount`) field. Auction machines check
 * that calls rise (English) or fall (Dutch) only when prices are known.
 *
 * @example
 * ```ts
 * priceOf({ item: "tulips", price: 12.5 }); // 12.5
 * priceOf("(price 10)");                    // undefined: SL content is not parsed here
 * ```
 */
export function priceOf(content: JsonValue | undefined): number | undefined {
  if (typeof content === "number") return Number.isFinite(content) ? content : undefined;
  if (typeof content === "string") {
    if (!/^\s*-?\d+(?:\.\d+)?\s*$/.test(content)) return undefined;
    const n = Number(content);
    return Number.isFinite(n) ? n : undefined;
  }
  if (content !== null && typeof content === "object" && !Array.isArray(content)) {
    for (const key of ["price", "bid", "amount"]) {
      const v = Object.hasOwn(content, key) ? content[key] : undefined;
      if (typeof v === "number" && Number.isFinite(v)) return v;
    }
  }
  return undefined;
}

/**
 * The protocol-relevant view of an ACL message. `sender` names the sender when the
 * message carries none (the runtime knows who is sending).
 */
export function seenFromAcl(msg: AclMessage, sender?: string): MessageSeen {
  const seen: MessageSeen = {
    performative: msg.performative,
    from: msg.sender?.name ?? sender ?? "",
    to: msg.receivers.map((r) => r.name),
  };
  if (msg.conversation_id !== undefined) seen.conversation_id = msg.conversation_id;
  if (msg.reply_with !== undefined) seen.reply_with = msg.reply_with;
  if (msg.in_reply_to !== undefined) seen.in_reply_to = msg.in_reply_to;
  if (msg.reply_by !== undefined) seen.reply_by = msg.reply_by;
  if (msg.protocol !== undefined) seen.protocol = msg.protocol;
  if (msg.reply_to !== undefined) seen.reply_to = msg.reply_to.map((r) => r.name);
  const price = priceOf(msg.content);
  if (price !== undefined) seen.price = price;
  return seen;
}
