import type { MessageInput } from "./types.ts";

/**
 * How many receivers a message names: the JSON form's `receiver` (one, or a list), or the
 * agents of the FIPA string form's `:receiver (set ...)`. `undefined` when the string form
 * cannot be read this simply (the node will say what is wrong with it). Pure.
 *
 * @example
 * ```ts
 * receiverCount({ performative: "inform", receiver: ["a", "b"] }); // 2
 * receiverCount('(inform :receiver (set (agent-identifier :name a)) :content "x")'); // 1
 * ```
 */
export function receiverCount(message: MessageInput): number | undefined {
  if (typeof message !== "string") {
    return Array.isArray(message.receiver) ? message.receiver.length : 1;
  }
  const at = message.search(/:receiver\s*\(\s*(set|sequence)\b/);
  if (at < 0) return undefined;
  let depth = 0;
  let count = 0;
  for (let i = message.indexOf("(", at); i < message.length; i++) {
    const c = message[i];
    if (c === '"') {
      // A quoted string: skip to its closing quote (backslash escapes one character).
      for (i++; i < message.length && message[i] !== '"'; i++) if (message[i] === "\\") i++;
      if (i >= message.length) return undefined;
    } else if (c === "(") {
      if (++depth === 2) count++;
    } else if (c === ")") {
      if (--depth === 0) return count;
    }
  }
  return undefined;
}
