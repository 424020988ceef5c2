/**
 * bidder: a participant of contract nets and of English and Dutch auctions.
 *
 * Its price is its asking price in a contract net and its limit (the most it pays) in an
 * auction. It comes from a `configure` request (`{"action": "configure", "price": 42}`,
 * or `"refuse": true` to refuse every cfp), else from the number at the end of its local
 * name (`bidder-42` → 42). ComponentizeJS agents cannot read the manifest's WASI
 * environment under the `agent` world (it does not import `wasi:cli/environment`), hence
 * the name. The agent learns its name from the first message addressed to it alone.
 *
 * - Contract net (`fipa-contract-net`): `cfp` → `propose {"price", "estimated_time",
 *   "confidence"}` or `refuse`; `accept-proposal` → `inform {"result": "done", ...}`.
 * - Auctions (`fipa-auction-english`, `fipa-auction-dutch`): on a `cfp {"price": p}` it
 *   bids `propose {"price": p}` when p is within its limit; in an English auction it does
 *   not outbid itself (it holds the accepted bid of the previous call). Otherwise it passes
 *   the call with `refuse {"price", "reason"}` at once, so the auctioneer need not wait for
 *   the call's `reply_by`. It pays a winning bid when `request`ed (`inform {"paid": p}`).
 * @module
 */
import { type AclMessage, contentJson, defineAgent, type Json, json } from "../../sdk/mod.ts";

let self: string | undefined;
let price: number | undefined;
let refuseAll = false;
let loaded = false;

/** Per auction: calls seen and the call whose bid was accepted. */
const auctions = new Map<string, { calls: number; acceptedCall: number }>();

function obj(m: AclMessage): Record<string, Json> {
  const c = contentJson(m);
  return c !== null && typeof c === "object" && !Array.isArray(c) ? c : {};
}

function num(v: Json | undefined): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

function nameNumber(name: string): number | undefined {
  const m = /-(\d+(?:\.\d+)?)(?:@|$)/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function myPrice(): number | undefined {
  return price ?? (self === undefined ? undefined : nameNumber(self));
}

function isAuction(m: AclMessage): boolean {
  return (m.protocol ?? "").toLowerCase().includes("auction");
}

export default defineAgent({
  handleMessage(m, cx) {
    if (self === undefined && m.receivers.length === 1) self = m.receivers[0].name;
    if (!loaded) {
      loaded = true;
      try {
        const saved = JSON.parse(new TextDecoder().decode(cx.storage.load("config")));
        price = num(saved.price);
        refuseAll = saved.refuse === true;
      } catch { /* not configured */ }
    }
    const c = obj(m);
    const cid = m.conversationId ?? "";
    switch (m.performative) {
      case "request": {
        if (isAuction(m)) {
          cx.reply(m, "inform", json({ paid: num(c.price) ?? null, by: self ?? null }));
          return true;
        }
        if (c.action !== "configure") {
          cx.reply(m, "refuse", json({ reason: "unknown action", action: c.action ?? null }));
          return true;
        }
        price = num(c.price) ?? price;
        if (typeof c.refuse === "boolean") refuseAll = c.refuse;
        cx.storage.store(
          "config",
          new TextEncoder().encode(JSON.stringify({ price: price ?? null, refuse: refuseAll })),
        );
        cx.reply(
          m,
          "inform",
          json({ configured: { price: myPrice() ?? null, refuse: refuseAll } }),
        );
        return true;
      }
      case "cfp": {
        const p = myPrice();
        if (isAuction(m)) {
          const a = auctions.get(cid) ?? { calls: 0, acceptedCall: -1 };
          a.calls++;
          auctions.set(cid, a);
          const called = num(c.price);
          const english = (m.protocol ?? "").toLowerCase().includes("english");
          const holding = english && a.acceptedCall === a.calls - 1;
          if (called !== undefined && p !== undefined && called <= p && !holding) {
            cx.reply(m, "propose", json({ price: called }));
          } else {
            // Passing at once (not by silence) lets the auctioneer close the call now.
            const reason = holding
              ? "holding the best bid"
              : p === undefined
              ? "no limit set"
              : called === undefined
              ? "no price called"
              : `above my limit ${p}`;
            cx.reply(m, "refuse", json({ price: called ?? null, reason }));
          }
          return true;
        }
        if (refuseAll || p === undefined) {
          cx.reply(m, "refuse", json({ reason: refuseAll ? "not taking work" : "no price set" }));
        } else {
          cx.reply(
            m,
            "propose",
            json({ price: p, estimated_time: Math.round(p * 10), confidence: 0.9 }),
          );
        }
        return true;
      }
      case "accept-proposal": {
        if (isAuction(m)) {
          const a = auctions.get(cid);
          if (a) a.acceptedCall = a.calls;
          return true;
        }
        const task = obj(m).task_id ?? null;
        cx.reply(
          m,
          "inform",
          json({ result: "done", task_id: task, by: self ?? null, price: myPrice() ?? null }),
        );
        return true;
      }
      case "reject-proposal":
        return true;
      case "inform": {
        // An auction's start or end; its state goes after the end (payment needs none).
        if (isAuction(m) && c.auction === "end") auctions.delete(cid);
        return true;
      }
      default:
        return false;
    }
  },
});
