/**
 * counter: keeps its count in a module-level variable (in linear memory) and the same count
 * in its storage (key `count`, JSON). Each `request` increments both and is answered with an
 * `inform` whose content is `{"count": n}` (the count in memory); a `query-ref` is answered
 * with `{"count": n}` for the count in storage, a `query-if` with the count in memory. Snapshotting its memory and restoring it
 * elsewhere continues the count; after a crash both counts come back from one checkpoint.
 * @module
 */
import { defineAgent, json } from "../../sdk/mod.ts";

let count = 0;

function stored(load: (key: string) => Uint8Array): number {
  try {
    return Number(JSON.parse(new TextDecoder().decode(load("count")))) || 0;
  } catch {
    return 0;
  }
}

export default defineAgent({
  handleMessage(msg, cx) {
    if (msg.performative === "query-ref") {
      cx.reply(msg, "inform", json({ count: stored(cx.storage.load) }));
      return true;
    }
    if (msg.performative === "query-if") {
      cx.reply(msg, "inform", json({ count }));
      return true;
    }
    if (msg.performative !== "request") return false;
    count++;
    cx.storage.store(
      "count",
      new TextEncoder().encode(JSON.stringify(stored(cx.storage.load) + 1)),
    );
    cx.reply(msg, "inform", json({ count }));
    return true;
  },
});
