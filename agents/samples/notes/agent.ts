/**
 * notes (world 0.2.0): keeps notes in a file of its granted directory. A `request` whose
 * content is text appends it as a line to `notes/notes.txt`; one with JSON content
 * `{"op": "append" | "write" | "read" | "list" | "remove", "path": "...", "data": "..."}`
 * does that on any path (relative to the agent's root). A `query-ref` is answered with the
 * notes file's content. Answers: `inform` with `{"ok": true, ...}`, or `failure` carrying
 * the node's reason (a path outside the grant, the byte limit).
 *
 * ```json
 * { "files": [{ "path": "notes", "mode": "read-write" }] }
 * ```
 * @module
 */
import { contentJson, contentText, defineAgent, json, text } from "../../sdk/mod.ts";

export const world = "fipa:agent@0.2.0";

const FILE = "notes/notes.txt";

export default defineAgent({
  handleMessage(msg, cx) {
    try {
      if (msg.performative === "query-ref") {
        cx.reply(msg, "inform", json({ ok: true, text: cx.files.readText(FILE) }));
        return true;
      }
      if (msg.performative !== "request") return false;
      if (msg.content?.tag !== "json") {
        cx.files.append(FILE, `${contentText(msg) ?? ""}\n`);
        cx.reply(msg, "inform", json({ ok: true, at: cx.now() }));
        return true;
      }
      const c = contentJson(msg) as { op?: string; path?: string; data?: string };
      const path = c.path ?? FILE;
      switch (c.op) {
        case "append":
          cx.files.append(path, c.data ?? "");
          cx.reply(msg, "inform", json({ ok: true }));
          break;
        case "write":
          cx.files.write(path, c.data ?? "");
          cx.reply(msg, "inform", json({ ok: true }));
          break;
        case "read":
          cx.reply(msg, "inform", json({ ok: true, text: cx.files.readText(path) }));
          break;
        case "list":
          cx.reply(msg, "inform", json({ ok: true, names: cx.files.list(path) }));
          break;
        case "remove":
          cx.files.remove(path);
          cx.reply(msg, "inform", json({ ok: true }));
          break;
        default:
          cx.reply(msg, "failure", text(`unknown op ${JSON.stringify(c.op)}`));
      }
    } catch (e) {
      cx.reply(msg, "failure", text((e as Error).message));
    }
    return true;
  },
});
