/**
 * responder: the participant of FIPA Request (SC00026) and FIPA Query (SC00027).
 *
 * - `request {"action": ..., "args": [...]}`: `add` and `multiply` (numbers), `upper`
 *   (a string), `store` (`{"key", "value"}`, kept in storage) answer `inform {"result"}`;
 *   with `"notify": true` it `agree`s first. `fail` agrees, then answers `failure`. Any
 *   other action is `refuse`d.
 * - `query-ref {"key"}`: `inform {"key", "value"}` of a stored value, or `failure`;
 *   `query-if {"key"}`: `inform {"key", "exists"}`.
 * @module
 */
import {
  type AclMessage,
  type AgentContext,
  contentJson,
  defineAgent,
  type Json,
  json,
} from "../../sdk/mod.ts";

function obj(m: AclMessage): Record<string, Json> {
  const c = contentJson(m);
  return c !== null && typeof c === "object" && !Array.isArray(c) ? c : {};
}

function load(storage: { load(k: string): Uint8Array }, key: string): Json | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(storage.load(`kv:${key}`)));
  } catch {
    return undefined;
  }
}

function perform(
  action: Json | undefined,
  c: Record<string, Json>,
  cx: AgentContext,
): { ok: true; result: Json } | { ok: false; reason: string } | undefined {
  const args = Array.isArray(c.args) ? c.args : [];
  const nums = args.filter((a): a is number => typeof a === "number");
  switch (action) {
    case "add":
      return { ok: true, result: nums.reduce((a, b) => a + b, 0) };
    case "multiply":
      return { ok: true, result: nums.reduce((a, b) => a * b, 1) };
    case "upper":
      return typeof args[0] === "string"
        ? { ok: true, result: args[0].toUpperCase() }
        : { ok: false, reason: "upper needs a string argument" };
    case "store": {
      if (typeof c.key !== "string") return { ok: false, reason: "store needs a key" };
      cx.storage.store(`kv:${c.key}`, new TextEncoder().encode(JSON.stringify(c.value ?? null)));
      return { ok: true, result: { stored: c.key } };
    }
    case "fail":
      return { ok: false, reason: "asked to fail" };
    default:
      return undefined;
  }
}

export default defineAgent({
  handleMessage(m, cx) {
    const c = obj(m);
    switch (m.performative) {
      case "request": {
        const r = perform(c.action, c, cx);
        if (r === undefined) {
          cx.reply(m, "refuse", json({ reason: "unknown action", action: c.action ?? null }));
          return true;
        }
        if (c.notify === true || c.action === "fail") {
          cx.reply(m, "agree", json({ action: c.action ?? null }));
        }
        if (r.ok) cx.reply(m, "inform", json({ result: r.result }));
        else cx.reply(m, "failure", json({ reason: r.reason }));
        return true;
      }
      case "query-ref":
      case "query-if": {
        if (typeof c.key !== "string") {
          cx.reply(m, "refuse", json({ reason: "a query needs a key" }));
          return true;
        }
        const value = load(cx.storage, c.key);
        if (m.performative === "query-if") {
          cx.reply(m, "inform", json({ key: c.key, exists: value !== undefined }));
        } else if (value === undefined) {
          cx.reply(m, "failure", json({ reason: "no such key", key: c.key }));
        } else {
          cx.reply(m, "inform", json({ key: c.key, value }));
        }
        return true;
      }
      default:
        return false;
    }
  },
});
