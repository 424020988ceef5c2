/**
 * echo: answers any `request` with an `inform` carrying the same content.
 * @module
 */
import { defineAgent } from "../../sdk/mod.ts";

export default defineAgent({
  handleMessage(msg, cx) {
    if (msg.performative !== "request") return false;
    cx.reply(msg, "inform", msg.content);
    return true;
  },
});
