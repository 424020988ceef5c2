/**
 * counter: keeps its count in a module-level variable (in linear memory, not in storage)
 * and answers each `request` with an `inform` whose content is `{"count": n}` after
 * incrementing. Snapshotting its memory and restoring it elsewhere continues the count.
 * @module
 */
import { defineAgent, json } from "../../sdk/mod.ts";

let count = 0;

export default defineAgent({
  handleMessage(msg, cx) {
    if (msg.performative !== "request") return false;
    count++;
    cx.reply(msg, "inform", json({ count }));
    return true;
  },
});
