/**
 * auctioneer: sells an item by English or Dutch auction (FIPA XC00031 / XC00032) when
 * asked with a `request` (fipa-request):
 *
 * ```json
 * {"action": "sell", "item": "tulips", "kind": "english", "bidders": ["b-30", "b-50"],
 *  "start": 10, "step": 10, "reserve": 0, "round_ms": 300}
 * ```
 *
 * (`"service": "bidding"` instead of `bidders` invites every provider of that service.)
 * It `agree`s, runs the auction in its own conversation (`<request's conversation>-auction`):
 * `inform` start-of-auction to each bidder, then calls (`cfp {"item", "price"}` with a
 * `reply_by` `round_ms` ahead). A call closes as soon as every bidder that may bid has
 * answered it (`propose` to bid, `refuse` to pass, `not-understood` to leave), so the
 * outcome does not depend on how fast answers come; a call some bidder leaves unanswered
 * closes when the node's notice that its `reply_by` passed arrives (agents have no timers:
 * the runtime's deadline notice is their clock). Answers to an earlier call are ignored. English: the best bid of a call is
 * accepted, the price rises by `step`; a call without bids ends the auction and the last
 * accepted bid wins at its price. Dutch: the price falls by `step` until a call gets a
 * bid; the first bid wins. Then `inform` end-of-auction to every bidder, a `request` to the
 * winner to pay, and on its `inform` the answer to the seller: `inform {"sold": true,
 * "item", "winner", "price", "kind", "calls"}` (or `failure` when nothing sold).
 *
 * Needs a manifest with network access to the bidders and the seller (`"local"` or `"any"`).
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

interface Bid {
  from: string;
  price: number;
  order: number;
}

interface Auction {
  cid: string;
  kind: "english" | "dutch";
  protocol: string;
  item: Json;
  bidders: string[];
  price: number;
  step: number;
  reserve: number;
  roundMs: number;
  maxCalls: number;
  calls: number;
  replyBy: string;
  bids: Bid[];
  /** Bidders (other than an English auction's holder) that answered the current call. */
  answered: Set<string>;
  holder: Bid | null;
  phase: "bidding" | "paying";
  seller: AclMessage;
}

const auctions = new Map<string, Auction>();
let order = 0;

function obj(m: AclMessage): Record<string, Json> {
  const c = contentJson(m);
  return c !== null && typeof c === "object" && !Array.isArray(c) ? c : {};
}

function num(v: Json | undefined, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function send(
  cx: AgentContext,
  a: Auction,
  to: string,
  performative: AclMessage["performative"],
  content: Json,
  extra: Partial<AclMessage> = {},
): void {
  cx.send({
    performative,
    receivers: [to],
    content: json(content),
    protocol: a.protocol,
    conversationId: a.cid,
    ...extra,
  });
}

function call(cx: AgentContext, a: Auction): void {
  a.calls++;
  a.bids = [];
  a.answered = new Set();
  // Each call's reply-by is its own, so a notice for an earlier call never closes this one
  // (calls closed early by answers may follow each other within a millisecond).
  const previous = a.replyBy === "" ? 0 : Date.parse(a.replyBy);
  a.replyBy = new Date(Math.max(Date.now() + a.roundMs, previous + 1)).toISOString();
  for (const b of a.bidders) {
    send(cx, a, b, "cfp", { item: a.item, price: a.price, call: a.calls }, {
      replyBy: a.replyBy,
      replyWith: `${a.cid}-c${a.calls}-${b}`,
    });
  }
}

function finish(cx: AgentContext, a: Auction, winner: Bid | null): void {
  for (const b of a.bidders) {
    send(cx, a, b, "inform", {
      auction: "end",
      item: a.item,
      winner: winner?.from ?? null,
      price: winner?.price ?? null,
    });
  }
  if (winner === null || winner.price < a.reserve) {
    auctions.delete(a.cid);
    cx.reply(
      a.seller,
      "failure",
      json({
        sold: false,
        item: a.item,
        kind: a.kind,
        reason: winner === null ? "no bids" : `best bid ${winner.price} is below the reserve`,
        calls: a.calls,
      }),
    );
    return;
  }
  a.phase = "paying";
  a.holder = winner;
  send(cx, a, winner.from, "request", { pay: a.item, price: winner.price }, {
    replyWith: `${a.cid}-pay`,
  });
}

/**
 * Whether `m` answers the winner's payment request: from the winner, in reply to it (a
 * holder's late `refuse` of an earlier call is not a refusal to pay).
 */
function paymentAnswer(
  a: Auction,
  m: AclMessage,
  from: string,
): a is Auction & { holder: Bid } {
  return a.phase === "paying" && from === a.holder?.from && m.inReplyTo === `${a.cid}-pay`;
}

function close(cx: AgentContext, a: Auction): void {
  if (a.phase !== "bidding") return;
  const bids = a.bids;
  if (a.kind === "english") {
    if (bids.length === 0 || a.calls >= a.maxCalls) {
      finish(cx, a, a.holder);
      return;
    }
    const best = bids.reduce((x, y) => (y.price > x.price ? y : x));
    send(cx, a, best.from, "accept-proposal", { item: a.item, price: best.price });
    for (const b of bids) {
      if (b !== best) send(cx, a, b.from, "reject-proposal", { item: a.item, price: b.price });
    }
    a.holder = best;
    a.price = best.price + a.step;
    call(cx, a);
    return;
  }
  if (bids.length > 0) {
    const first = bids.reduce((x, y) => (y.order < x.order ? y : x));
    send(cx, a, first.from, "accept-proposal", { item: a.item, price: first.price });
    for (const b of bids) {
      if (b !== first) send(cx, a, b.from, "reject-proposal", { item: a.item, price: b.price });
    }
    finish(cx, a, first);
    return;
  }
  a.price -= a.step;
  if (a.price < a.reserve || a.price <= 0 || a.calls >= a.maxCalls) finish(cx, a, null);
  else call(cx, a);
}

/**
 * A bidder's answer to a call: a bid (`propose`), a pass (`refuse`), or `not-understood`
 * (it leaves the auction). Answers to an earlier call are stale and ignored. The call
 * closes as soon as every bidder that may bid has answered (an English auction's holder
 * does not bid against itself); the call's `reply_by` is only the upper bound.
 */
function answer(
  cx: AgentContext,
  a: Auction,
  m: AclMessage,
  from: string,
  c: Record<string, Json>,
): void {
  if (m.inReplyTo !== undefined && !m.inReplyTo.startsWith(`${a.cid}-c${a.calls}-`)) return;
  if (a.answered.has(from) || a.bids.some((b) => b.from === from)) return;
  if (m.performative === "propose") {
    const price = num(c.price, NaN);
    if (!Number.isFinite(price)) return;
    a.bids.push({ from, price, order: ++order });
  } else if (m.performative === "not-understood") {
    // The runtime ended this bidder's part of the auction: call it no more.
    const i = a.bidders.findIndex((b) => b === from || from.startsWith(`${b}@`));
    if (i >= 0) a.bidders.splice(i, 1);
  }
  const holds = a.kind === "english" && a.holder !== null && a.holder.from === from;
  if (!holds && m.performative !== "not-understood") a.answered.add(from);
  const mayBid = a.bidders.length - (a.kind === "english" && a.holder !== null ? 1 : 0);
  if (a.answered.size >= mayBid) close(cx, a);
}

function start(m: AclMessage, cx: AgentContext): void {
  const c = obj(m);
  const kind = c.kind === "dutch" ? "dutch" : c.kind === "english" ? "english" : undefined;
  let bidders = Array.isArray(c.bidders)
    ? [...new Set(c.bidders.filter((b): b is string => typeof b === "string"))]
    : [];
  if (bidders.length === 0 && typeof c.service === "string") {
    bidders = cx.findAgentsByService(c.service).map((a) => a.name);
  }
  if (kind === undefined || bidders.length === 0) {
    cx.reply(
      m,
      "refuse",
      json({
        reason: kind === undefined ? "kind must be english or dutch" : "no bidders",
      }),
    );
    return;
  }
  const cid = `${m.conversationId ?? `auction-${Math.random().toString(36).slice(2)}`}-auction`;
  if (auctions.has(cid)) {
    cx.reply(m, "refuse", json({ reason: "an auction of this conversation is under way" }));
    return;
  }
  const a: Auction = {
    cid,
    kind,
    protocol: `fipa-auction-${kind}`,
    item: c.item ?? "item",
    bidders,
    price: num(c.start, kind === "english" ? 1 : 100),
    step: Math.max(num(c.step, 1), 0.01),
    reserve: num(c.reserve, 0),
    roundMs: Math.min(Math.max(num(c.round_ms, 500), 20), 60_000),
    maxCalls: Math.max(1, Math.floor(num(c.max_calls, 100))),
    calls: 0,
    replyBy: "",
    bids: [],
    answered: new Set(),
    holder: null,
    phase: "bidding",
    seller: m,
  };
  auctions.set(cid, a);
  cx.reply(m, "agree", json({ auction: cid, kind, bidders }));
  for (const b of bidders) {
    send(cx, a, b, "inform", { auction: "start", item: a.item, kind, start: a.price });
  }
  call(cx, a);
}

export default defineAgent({
  handleMessage(m, cx) {
    const c = obj(m);
    if (m.performative === "request" && c.action === "sell") {
      start(m, cx);
      return true;
    }
    const a = auctions.get(m.conversationId ?? "");
    if (a === undefined) return m.performative === "inform" || m.performative === "failure";
    const from = m.sender?.name ?? "";
    if (from.startsWith("ams@")) {
      // The node's notice that a call's reply_by passed: the call is over.
      const deadlines = Array.isArray(c.deadlines) ? c.deadlines : [];
      if (deadlines.includes(a.replyBy)) close(cx, a);
      return true;
    }
    if (
      a.phase === "bidding" &&
      (m.performative === "propose" || m.performative === "refuse" ||
        m.performative === "not-understood")
    ) {
      answer(cx, a, m, from, c);
      return true;
    }
    switch (m.performative) {
      case "agree":
        return true;
      case "inform": {
        if (!paymentAnswer(a, m, from)) return true;
        auctions.delete(a.cid);
        cx.reply(
          a.seller,
          "inform",
          json({
            sold: true,
            item: a.item,
            kind: a.kind,
            winner: a.holder.from,
            price: a.holder.price,
            calls: a.calls,
          }),
        );
        return true;
      }
      case "refuse":
      case "failure":
      case "not-understood": {
        if (!paymentAnswer(a, m, from)) return true;
        auctions.delete(a.cid);
        cx.reply(
          a.seller,
          "failure",
          json({
            sold: false,
            item: a.item,
            reason: `the winner ${from} did not pay (${m.performative})`,
          }),
        );
        return true;
      }
      default:
        return false;
    }
  },
});
