/**
 * fetcher (world 0.2.0): answers a `query-ref` with data it fetches over HTTP. The service
 * is named in its configuration, the manifest's `env.SOURCE_URL`; the query's text content,
 * if any, is appended to it as a path (`/price`), or replaces it when it is an absolute URL.
 * The host must be granted in the manifest's `net`. The answer is an `inform` with
 * `{"status": 200, "body": "..."}`, or a `failure` carrying the node's reason (a host not
 * granted, a timeout, a response too large): the agent keeps answering either way.
 *
 * ```json
 * { "env": { "SOURCE_URL": "http://127.0.0.1:8080" }, "net": ["127.0.0.1:8080"] }
 * ```
 * @module
 */
import { contentText, defineAgent, json, text } from "../../sdk/mod.ts";

export const world = "fipa:agent@0.2.0";

let fetched = 0;

export default defineAgent({
  handleMessage(msg, cx) {
    if (msg.performative !== "query-ref") return false;
    const q = (contentText(msg) ?? "").trim();
    const base = cx.env.SOURCE_URL ?? "";
    const url = /^https?:\/\//.test(q) ? q : `${base}${q}`;
    if (url === "") {
      cx.reply(msg, "failure", text("no SOURCE_URL in the manifest's env"));
      return true;
    }
    try {
      const r = cx.fetch(url);
      fetched++;
      cx.reply(msg, "inform", json({ status: r.status, body: r.text(), fetched }));
    } catch (e) {
      cx.reply(msg, "failure", text((e as Error).message));
    }
    return true;
  },
});
