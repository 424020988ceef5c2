import type { Performative } from "../../runtime/acl/mod.ts";
import { moveTo, type ProtocolSpec, timeOut } from "../spec.ts";
import type { MachineState, MessageSeen, Side, Thread } from "../types.ts";

/** Thread states in which a bidder may be called (again) or told the auction ended. */
const CALLABLE: ReadonlySet<string> = new Set([
  "joined",
  "called",
  "passed",
  "accepted",
  "rejected",
]);

/** Thread states of a bidder while the auction runs, once it has been called. */
const BIDDING: ReadonlySet<string> = new Set(["called", "passed", "bid", "accepted", "rejected"]);

/** Thread states of a bidder once the auction ended (without or with a payment phase). */
const ENDED: ReadonlySet<string> = new Set(["won", "closed"]);
const PAYING: ReadonlySet<string> = new Set([
  "payment-requested",
  "payment-agreed",
  "paid",
  "payment-refused",
  "payment-failed",
]);

/**
 * Whether a bidder's `propose` or `refuse` answers a call that is over (the auctioneer
 * closes a call without waiting for the bidder that holds the bid, so its answer may come
 * after the next call, or after the end of the auction): while the auction runs, one whose
 * `in_reply_to` names another call than the bidder's last; once it ended, one that answers
 * a call (any, before a payment request; the last call, during payment, where a `refuse`
 * in reply to the payment request is the winner's refusal to pay).
 */
function isLateAnswer(th: Thread, side: Side, msg: MessageSeen): boolean {
  if (side !== "participant") return false;
  if (msg.performative !== "propose" && msg.performative !== "refuse") return false;
  if (th.call === null || msg.in_reply_to === undefined) return false;
  if (BIDDING.has(th.state)) return msg.in_reply_to !== th.call;
  if (ENDED.has(th.state)) return true;
  if (PAYING.has(th.state)) return msg.in_reply_to === th.call;
  return false;
}

function auction(kind: "english" | "dutch"): ProtocolSpec {
  const name = kind === "english" ? "fipa-auction-english" : "fipa-auction-dutch";
  const rises = kind === "english";
  return {
    name,
    opening: ["inform"],
    allowed(st: MachineState, th: Thread, side): Performative[] {
      if (side === "participant") {
        switch (th.state) {
          case "called":
            // `refuse` passes this call (the bidder stays in), so an auctioneer that knows
            // its bidders can close the call once all answered instead of at its reply-by.
            return ["propose", "refuse"];
          case "payment-requested":
            return ["agree", "refuse", "failure", "inform"];
          case "payment-agreed":
            return ["failure", "inform"];
          default:
            return [];
        }
      }
      if (th.state === "idle") return ["inform"];
      if (th.state === "won") return ["request"];
      if (th.state === "bid") {
        // English: one bid wins each call; Dutch: several may (the good may be split).
        return kind === "english" && st.round_accepts > 0
          ? ["reject-proposal"]
          : ["accept-proposal", "reject-proposal"];
      }
      if (CALLABLE.has(th.state)) return st.phase === "ended" ? ["inform"] : ["cfp", "inform"];
      return [];
    },
    apply(ctx, th, side, msg) {
      const { st } = ctx;
      switch (msg.performative) {
        case "inform":
          if (side === "participant") {
            // The winner reports the transaction done.
            moveTo(ctx, th, "paid", true);
          } else if (th.state === "idle") {
            // inform(start-of-auction) to a new participant.
            if (st.phase === "start" || st.phase === "open") st.phase = "announced";
            moveTo(ctx, th, "joined", false);
          } else {
            // inform(end-of-auction).
            st.phase = "ended";
            moveTo(ctx, th, th.won ? "won" : "closed", true);
          }
          return undefined;
        case "cfp": {
          const price = msg.price;
          const newRound = st.round === 0 || th.round >= st.round ||
            (price !== undefined && st.price !== null && price !== st.price);
          if (newRound) {
            if (price !== undefined && st.price !== null) {
              if (rises && !(price > st.price)) {
                return `an English auction's calls must rise: ${price} after ${st.price}`;
              }
              if (!rises && !(price < st.price)) {
                return `a Dutch auction's calls must fall: ${price} after ${st.price}`;
              }
            }
            st.round += 1;
            st.round_accepts = 0;
            if (price !== undefined) st.price = price;
          }
          st.phase = "bidding";
          th.round = st.round;
          th.call = msg.reply_with ?? null;
          moveTo(ctx, th, "called", false);
          return undefined;
        }
        case "propose":
          if (rises && msg.price !== undefined && st.price !== null && msg.price < st.price) {
            return `bid ${msg.price} is below the called price ${st.price}`;
          }
          moveTo(ctx, th, "bid", false);
          return undefined;
        case "accept-proposal":
          if (rises) { for (const t of st.threads) t.won = false; }
          th.won = true;
          st.round_accepts += 1;
          moveTo(ctx, th, "accepted", false);
          return undefined;
        case "reject-proposal":
          moveTo(ctx, th, "rejected", false);
          return undefined;
        case "request":
          // The auctioneer asks the winner to complete the transaction (a request IP).
          moveTo(ctx, th, "payment-requested", false);
          return undefined;
        case "agree":
          moveTo(ctx, th, "payment-agreed", false);
          return undefined;
        case "refuse":
          if (th.state === "called") moveTo(ctx, th, "passed", false);
          else moveTo(ctx, th, "payment-refused", true);
          return undefined;
        case "failure":
          moveTo(ctx, th, "payment-failed", true);
          return undefined;
        default:
          return `${msg.performative} has no place in ${name}`;
      }
    },
    lateAnswer: isLateAnswer,
    canJoin: (st, act) => act === "inform" && st.phase !== "ended",
    onDeadline(ctx, th, deadline) {
      // No bid by the call's reply-by: the bidder passes this round, it is still in.
      if (th.state === "called") moveTo(ctx, th, "passed", false);
      else timeOut(ctx, th, deadline);
    },
  };
}

/**
 * FIPA English Auction (XC00031): `inform` (start-of-auction) to the bidders; rounds of
 * `cfp` with a rising price; bidders `propose`, or pass the call with a silence until its
 * `reply_by` or (an extension, as a contract net's `refuse`) at once with `refuse`, so
 * the auctioneer need not wait out the deadline; the auctioneer `accept-proposal`s one bid
 * per call and `reject-proposal`s the others; `inform` (end-of-auction) to all; then a
 * `request` to the winner (a request IP) to complete the sale. Prices are checked when
 * messages carry them ({@link MessageSeen.price}). An answer to a call that is over (one
 * the auctioneer closed without waiting for the bidder holding the bid) is late: accepted, it
 * changes nothing ({@link isLateAnswer}).
 */
export const englishAuctionSpec: ProtocolSpec = auction("english");

/**
 * FIPA Dutch Auction (XC00032): as the English auction, but the called price falls and
 * the first bid(s) win; several bids may be accepted (a split good), competing ones
 * rejected.
 */
export const dutchAuctionSpec: ProtocolSpec = auction("dutch");
