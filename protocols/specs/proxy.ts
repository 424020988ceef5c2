import type { Performative } from "../../runtime/acl/mod.ts";
import { parseProtocolName, protocolOpenedBy } from "../names.ts";
import { moveTo, type ProtocolSpec, type StepContext } from "../spec.ts";
import type { MachineState, MessageSeen, SubConversation, Thread, Violation } from "../types.ts";

/**
 * Acts a broker may relay to the initiator as `reply-message-sub-protocol` (SC00033).
 * `failure` is not among them: from the broker it is failure-no-match or
 * failure-brokering and ends the interaction.
 */
const RELAYS: Performative[] = [
  "agree",
  "refuse",
  "inform",
  "inform-if",
  "inform-ref",
  "confirm",
  "disconfirm",
  "propose",
  "accept-proposal",
  "reject-proposal",
];

/** Acts a broker or recruiter typically forwards to targets (for `expected`). */
const FORWARDABLE: Performative[] = [
  "request",
  "query-if",
  "query-ref",
  "request-when",
  "cfp",
  "subscribe",
  "propose",
  "inform",
];

/** Broker states in which it may forward (it has agreed and not ended). */
const MAY_FORWARD: ReadonlySet<string> = new Set(["agreed", "forwarding", "relaying"]);

/** Recruiter states in which targets may answer the initiator. */
const MAY_RECRUIT: ReadonlySet<string> = new Set(["agreed", "forwarding", "proxy-done"]);

/** Protocols whose opening is not the act targets answer (never synthesized). */
const AUCTIONS: ReadonlySet<string> = new Set(["fipa-auction-english", "fipa-auction-dutch"]);

/** A sub-protocol recorded without a machine and still open: seen only by its replies. */
function isBlind(sub: SubConversation): boolean {
  return sub.machine === null && !sub.finished;
}

/** Most sub-protocols one conversation may hold. */
const MAX_SUBS = 1024;

/**
 * The id a new sub-conversation carries when it is not the outer conversation's (a broker
 * or recruiter may talk to the targets under an id of its own, as JADE's do), else `null`.
 */
function ownId(st: MachineState, msg: MessageSeen): string | null {
  const id = msg.conversation_id;
  return id !== undefined && st.conversation_id !== null && id !== st.conversation_id ? id : null;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

function proxy(kind: "brokering" | "recruiting"): ProtocolSpec {
  const name = kind === "brokering" ? "fipa-brokering" : "fipa-recruiting";

  function stepSub(
    ctx: StepContext,
    sub: SubConversation,
    msg: MessageSeen,
  ): Violation | "handled" {
    if (isBlind(sub)) {
      // A recruited exchange whose opening this agent never saw and whose protocol no
      // message names: it is recorded, not checked.
      if (sub.targets.includes(msg.from)) sub.replies += 1;
      return "handled";
    }
    if (sub.machine === null) {
      if (msg.performative === "not-understood" && sub.targets.includes(msg.from)) {
        sub.replies += 1;
        return "handled";
      }
      return ctx.violate(
        `${sub.broker} forwarded an act that opens no protocol to ${
          sub.targets.join(", ")
        }; ${msg.from} may not continue it with ${msg.performative}`,
        msg.performative,
      );
    }
    const r = ctx.nested.step(sub.machine, { type: "message", message: msg });
    if (!r.ok) {
      return {
        ...r.violation,
        reason: `in the ${sub.protocol} sub-protocol of ${sub.broker}: ${r.violation.reason}`,
      };
    }
    if (sub.targets.includes(msg.from)) sub.replies += 1;
    sub.machine = r.state;
    sub.targets = r.state.threads.map((t) => t.party);
    sub.finished = r.state.finished;
    for (const e of r.effects) if (e.type === "timed-out") ctx.effects.push(e);
    return "handled";
  }

  function forward(ctx: StepContext, th: Thread, msg: MessageSeen): Violation | "handled" {
    const { st } = ctx;
    const act = msg.performative;
    const targets = unique(msg.to).filter((r) => r !== th.party);
    const open = st.subs.filter((s) =>
      s.broker === th.party && !s.finished && s.targets.some((t) => targets.includes(t))
    );
    if (open.length > 1) {
      return ctx.violate(
        `one message may not address targets of different sub-protocols (${targets.join(", ")})`,
        act,
      );
    }
    // A sub-protocol under way goes on whatever became of the proxy (e.g. its cancel).
    if (open.length === 1) return stepSub(ctx, open[0], msg);
    if (!MAY_FORWARD.has(th.state) || th.cancel) {
      return ctx.violate(
        `${th.party} may forward to targets only after agreeing to the proxy and before ending`,
        act,
        th,
        "participant",
      );
    }
    if (st.subs.length >= MAX_SUBS) {
      return ctx.violate(`too many sub-protocols (at most ${MAX_SUBS})`, act);
    }
    const named = msg.protocol === undefined ? undefined : parseProtocolName(msg.protocol);
    const protocol = named !== undefined && named !== st.protocol
      ? named
      : protocolOpenedBy(act) ?? null;
    const subId = ownId(st, msg);
    let sub: SubConversation;
    if (protocol === null) {
      sub = {
        broker: th.party,
        conversation_id: subId,
        protocol,
        targets,
        machine: null,
        finished: true,
        replies: 0,
      };
    } else {
      const aliases = kind === "recruiting"
        ? unique([st.initiator ?? "", ...(msg.reply_to ?? [])]).filter((a) =>
          a !== "" && a !== th.party
        )
        : [];
      const machine = ctx.nested.start(protocol, "observer", {
        aliases,
        conversation_id: subId ?? st.conversation_id ?? undefined,
      });
      const r = ctx.nested.step(machine, { type: "message", message: msg });
      if (!r.ok) {
        return {
          ...r.violation,
          reason: `forwarding by ${th.party} as ${protocol}: ${r.violation.reason}`,
        };
      }
      sub = {
        broker: th.party,
        conversation_id: subId,
        protocol,
        targets: r.state.threads.map((t) => t.party),
        machine: r.state,
        finished: r.state.finished,
        replies: 0,
      };
    }
    st.subs.push(sub);
    ctx.effects.push({ type: "sub-started", broker: th.party, protocol, targets: sub.targets });
    if (th.state === "agreed") moveTo(ctx, th, "forwarding", false);
    return "handled";
  }

  /**
   * Recruiting, seen by the initiator: a target it never saw recruited answers it. The
   * sub-protocol is checked from here on when the reply names one (its opening act, which
   * the recruiter sent, is taken as given); otherwise it is recorded unchecked.
   */
  function recruitedReply(ctx: StepContext, msg: MessageSeen): Violation | "handled" | undefined {
    const { st } = ctx;
    const initiator = st.initiator;
    // Only the initiator itself misses the forwarding; a bystander would have seen it.
    if (st.role !== "initiator") return undefined;
    if (initiator === null || !msg.to.some((r) => r === initiator || st.aliases.includes(r))) {
      return undefined;
    }
    const recruiter = st.threads.find((t) => !t.terminal && MAY_RECRUIT.has(t.state));
    if (recruiter === undefined) return undefined;
    if (st.subs.length >= MAX_SUBS) {
      return ctx.violate(`too many sub-protocols (at most ${MAX_SUBS})`, msg.performative);
    }
    const named = msg.protocol === undefined ? undefined : parseProtocolName(msg.protocol);
    const protocol = named !== undefined && named !== st.protocol && !AUCTIONS.has(named)
      ? named
      : null;
    const subId = ownId(st, msg);
    let sub: SubConversation = {
      broker: recruiter.party,
      conversation_id: subId,
      protocol,
      targets: [msg.from],
      machine: null,
      finished: false,
      replies: 0,
    };
    if (protocol !== null) {
      const machine = ctx.nested.start(protocol, "observer", {
        aliases: [initiator, ...st.aliases],
        conversation_id: subId ?? st.conversation_id ?? undefined,
      });
      const opening = ctx.nested.step(machine, {
        type: "message",
        message: {
          performative: ctx.nested.openingOf(protocol),
          from: recruiter.party,
          to: [msg.from],
        },
      });
      if (!opening.ok) return opening.violation;
      sub = { ...sub, machine: opening.state };
    }
    st.subs.push(sub);
    ctx.effects.push({
      type: "sub-started",
      broker: recruiter.party,
      protocol,
      targets: [msg.from],
    });
    if (recruiter.state === "agreed") moveTo(ctx, recruiter, "forwarding", false);
    return stepSub(ctx, sub, msg);
  }

  function latestSubWith(st: MachineState, party: string): SubConversation | undefined {
    let found: SubConversation | undefined;
    for (const s of st.subs) {
      if (!s.targets.includes(party)) continue;
      if (!s.finished) return s;
      found = s;
    }
    return found;
  }

  return {
    name,
    opening: ["proxy"],
    allowed(_st, th, side): Performative[] {
      if (side === "initiator") return th.state === "idle" ? ["proxy"] : [];
      switch (th.state) {
        case "proxied":
          return ["agree", "refuse"];
        case "agreed":
        case "forwarding":
          return kind === "brokering" ? ["failure", ...RELAYS] : ["failure", "inform"];
        case "relaying":
          return ["failure", ...RELAYS];
        default:
          return [];
      }
    },
    apply(ctx, th, _side, msg) {
      const act = msg.performative;
      if (act === "proxy") {
        moveTo(ctx, th, "proxied", false);
      } else if (th.state === "proxied") {
        if (act === "agree") moveTo(ctx, th, "agreed", false);
        else moveTo(ctx, th, "refused", true);
      } else if (act === "failure") {
        // failure-no-match, failure-brokering / failure-proxy.
        moveTo(ctx, th, "failed", true);
      } else if (kind === "recruiting") {
        // inform-done-proxy: with no visible sub-protocol it ends the recruiter's part.
        const settled = ctx.st.subs.every((s) => s.broker !== th.party || s.finished || isBlind(s));
        moveTo(ctx, th, settled ? "done" : "proxy-done", settled);
      } else if (th.await_final) {
        // Every sub-protocol ended: this is the final reply-message-sub-protocol.
        moveTo(ctx, th, "done", true);
      } else {
        moveTo(ctx, th, "relaying", false);
      }
      return undefined;
    },
    canJoin: (st, act) => act === "proxy" && !st.finished,
    route(ctx, msg) {
      const { st } = ctx;
      const initiator = st.initiator;
      const broker = st.threads.find((t) => t.party === msg.from);
      if (broker !== undefined) {
        return initiator !== null && msg.to.includes(initiator)
          ? undefined
          : forward(ctx, broker, msg);
      }
      if (msg.from === initiator) {
        // The initiator speaks to brokers through the engine; in recruiting it may also
        // continue a recruited sub-protocol with the targets directly.
        if (kind !== "recruiting") return undefined;
        const receivers = msg.to.filter((r) => r !== initiator);
        if (receivers.some((r) => st.threads.some((t) => t.party === r))) return undefined;
        const sub = receivers.length > 0 ? latestSubWith(st, receivers[0]) : undefined;
        return sub === undefined ? undefined : stepSub(ctx, sub, msg);
      }
      const sub = latestSubWith(st, msg.from);
      if (sub !== undefined) return stepSub(ctx, sub, msg);
      if (kind === "recruiting") {
        // A designated receiver continuing a sub-protocol.
        const s = st.subs.find((s) =>
          !s.finished && s.machine !== null && s.machine.aliases.includes(msg.from) &&
          msg.to.some((r) => s.targets.includes(r))
        );
        if (s !== undefined) return stepSub(ctx, s, msg);
        return recruitedReply(ctx, msg);
      }
      return undefined;
    },
    settle(ctx) {
      const { st } = ctx;
      for (const th of st.threads) {
        if (
          th.terminal || !(th.state === "forwarding" || th.state === "relaying" ||
            th.state === "proxy-done")
        ) continue;
        const mine = st.subs.filter((s) => s.broker === th.party);
        if (mine.length === 0 || mine.some((s) => !s.finished)) continue;
        if (kind === "recruiting" || mine.every((s) => s.replies === 0)) {
          moveTo(ctx, th, "done", true);
        } else {
          th.await_final = true;
        }
      }
    },
    extraMoves(st) {
      return st.threads
        .filter((t) => !t.terminal && !t.cancel && MAY_FORWARD.has(t.state))
        .map((t) => ({ from: t.party, to: "*", performatives: [...FORWARDABLE] }));
    },
  };
}

/**
 * FIPA Brokering (SC00033): `proxy` to a broker, which `refuse`s or `agree`s; then it
 * ends with `failure` (no match, or brokering failed) or forwards the embedded act to
 * targets, each forwarding a sub-protocol checked by its own machine (the message's
 * `protocol`, else the protocol the act opens), and relays the targets' replies to the
 * initiator; the relay after every sub-protocol ended is the final one.
 */
export const brokeringSpec: ProtocolSpec = proxy("brokering");

/**
 * FIPA Recruiting (SC00034): as brokering, but the targets answer the initiator (or the
 * designated receivers in the forwarded message's `reply_to`) directly; the recruiter may
 * send `inform` (done-proxy) or `failure`; the conversation ends when every recruited
 * sub-protocol has.
 */
export const recruitingSpec: ProtocolSpec = proxy("recruiting");
