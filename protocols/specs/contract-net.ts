import type { Performative } from "../../runtime/acl/mod.ts";
import { moveTo, type ProtocolSpec } from "../spec.ts";
import type { MachineState, Thread } from "../types.ts";

/** States after which the initiator has begun evaluating proposals. */
const EVALUATED: ReadonlySet<string> = new Set(["accepted", "rejected", "done", "failed"]);

function contractNet(iterated: boolean): ProtocolSpec {
  const name = iterated ? "fipa-iterated-contract-net" : "fipa-contract-net";
  return {
    name,
    opening: ["cfp"],
    allowed(st: MachineState, th: Thread, side): Performative[] {
      switch (th.state) {
        case "idle":
          return side === "initiator" ? ["cfp"] : [];
        case "called":
          return side === "participant" ? ["propose", "refuse"] : [];
        case "proposed": {
          if (side !== "initiator") return [];
          if (!iterated) return ["accept-proposal", "reject-proposal"];
          // SC00030: accept only bids of the latest round; iterate only until something is
          // accepted (accepting makes this the final iteration).
          const acts: Performative[] = [];
          if (th.round === st.round) acts.push("accept-proposal");
          acts.push("reject-proposal");
          if (!st.final) acts.push("cfp");
          return acts;
        }
        case "accepted":
          return side === "participant" ? ["failure", "inform"] : [];
        default:
          return [];
      }
    },
    apply(ctx, th, _side, msg) {
      const { st } = ctx;
      switch (msg.performative) {
        case "cfp":
          // The opening call (round 1) or, in the iterated protocol, a revised call.
          th.round = th.state === "idle" ? Math.max(st.round, 1) : th.round + 1;
          st.round = Math.max(st.round, th.round);
          moveTo(ctx, th, "called", false);
          return undefined;
        case "propose":
          moveTo(ctx, th, "proposed", false);
          return undefined;
        case "refuse":
          moveTo(ctx, th, "refused", true);
          return undefined;
        case "accept-proposal":
          st.final = true;
          moveTo(ctx, th, "accepted", false);
          return undefined;
        case "reject-proposal":
          moveTo(ctx, th, "rejected", true);
          return undefined;
        case "failure":
          moveTo(ctx, th, "failed", true);
          return undefined;
        case "inform":
          moveTo(ctx, th, "done", true);
          return undefined;
        default:
          return `${msg.performative} has no place in ${name}`;
      }
    },
    // More participants may be called until the initiator starts evaluating round 1.
    canJoin: (st, act) =>
      act === "cfp" && !st.finished && st.round <= 1 &&
      !st.threads.some((t) => EVALUATED.has(t.state) || t.round > 1),
    // `apply` changes only the thread it is given, and the machine's round and final flag.
    threadLocal: true,
  };
}

/**
 * FIPA Contract Net (SC00029): `cfp` to m participants; each `propose`s or `refuse`s
 * (a `reply-by` on the cfp is the bidding deadline; silent participants time out);
 * the initiator sends `accept-proposal` or `reject-proposal` to each proposer; an
 * accepted participant ends with `failure` or `inform` (inform-done / inform-result).
 */
export const contractNetSpec: ProtocolSpec = contractNet(false);

/**
 * FIPA Iterated Contract Net (SC00030): as contract net, but of the proposals of a round
 * the initiator may instead send a revised `cfp` to some proposers (rejecting the rest),
 * starting another round. Accepting any proposal makes the round final; only proposals
 * of the latest round may be accepted.
 */
export const iteratedContractNetSpec: ProtocolSpec = contractNet(true);
