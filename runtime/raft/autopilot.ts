import type { ConfChange, ConfState } from "./messages.ts";

/**
 * Autopilot: which single membership change, if any, the leader makes next so that the
 * cluster keeps its target number of voters (as Consul's autopilot and etcd's learners do).
 * A pure function of the configuration and the leader's health view: no clock, no I/O.
 *
 * Rules, one change at a time (a change is only decided while none is pending):
 * 1. more voters than the target and a dead voter: remove the dead voter;
 * 2. fewer voters than the target and a ready learner: promote it;
 * 3. exactly the target, a dead voter and a ready learner: promote the learner first (the
 *    next decision, rule 1, removes the dead voter), so that the quorum never shrinks below
 *    the live voters plus the promoted, caught-up learner;
 * 4. a registered node outside the configuration that was heard from lately (a voter
 *    removed while it was only slow, or a node back from an outage): add it as a learner;
 * 5. more voters than the target and none dead (a replaced voter came back in time):
 *    remove the voter furthest behind, which rule 4 then adds back as a learner.
 *
 * A voter is dead once the leader has not heard from it for `deadAfterMs`; a learner is
 * ready when heard from within `healthyWithinMs` and at most `maxLagEntries` behind the
 * commit index. The leader itself is never dead, and no voter is removed without a learner
 * to take its place unless the cluster has more voters than its target.
 * @module
 */

/** What the leader knows of one other member. */
export interface MemberHealth {
  /** Milliseconds since the leader last heard from it (or since it became leader). */
  silentMs: number;
  /** Its highest replicated log index as the leader knows it. */
  match: number;
}

/** The leader's view of the cluster. */
export interface AutopilotView {
  /** The leader's id. */
  leader: string;
  /** The current configuration (latest in the leader's log). */
  conf: ConfState;
  /** The leader's commit index. */
  commitIndex: number;
  /** A membership change is proposed and not committed yet. */
  changePending: boolean;
  /** Health of every member but the leader; a member missing here counts as silent forever. */
  health: Readonly<Record<string, MemberHealth>>;
  /**
   * Registered nodes outside the configuration (not those that left or were removed by an
   * operator), with the milliseconds since the leader last heard from them.
   */
  outsiders?: Readonly<Record<string, number>>;
}

/** The operator's policy. */
export interface AutopilotPolicy {
  /** Voters to keep (odd, at least 1). */
  targetVoters: number;
  /** A voter silent this long is dead and may be replaced. */
  deadAfterMs: number;
  /** A learner heard from within this is healthy. */
  healthyWithinMs: number;
  /** A learner at most this many entries behind the commit index is caught up. */
  maxLagEntries: number;
}

/** The change to make, with the reason shown in logs and events. */
export type AutopilotDecision =
  | { change: ConfChange & { type: "addVoter" | "addLearner" | "removeNode" }; reason: string }
  | null;

const SILENT: MemberHealth = { silentMs: Number.POSITIVE_INFINITY, match: 0 };

/**
 * The next membership change, or `null` when the configuration should stay as it is.
 *
 * @example
 * ```ts
 * decideAutopilot({
 *   leader: "a", conf: confOf(["a", "b", "c"], ["d"]), commitIndex: 9, changePending: false,
 *   health: { b: { silentMs: 60_000, match: 3 }, c: { silentMs: 10, match: 9 },
 *     d: { silentMs: 10, match: 9 } },
 * }, { targetVoters: 3, deadAfterMs: 10_000, healthyWithinMs: 1_000, maxLagEntries: 64 });
 * // { change: { type: "addVoter", node: "d" }, reason: "..." }
 * ```
 */
export function decideAutopilot(view: AutopilotView, policy: AutopilotPolicy): AutopilotDecision {
  if (view.changePending) return null;
  const { voters, learners } = view.conf;
  if (!voters.includes(view.leader)) return null;
  const healthOf = (id: string) => view.health[id] ?? SILENT;
  const dead = voters
    .filter((v) => v !== view.leader && healthOf(v).silentMs >= policy.deadAfterMs)
    .sort((a, b) => healthOf(b).silentMs - healthOf(a).silentMs || (a < b ? -1 : 1));
  const ready = learners
    .filter((l) => {
      const h = healthOf(l);
      return h.silentMs < policy.healthyWithinMs &&
        h.match >= view.commitIndex - policy.maxLagEntries;
    })
    .sort((a, b) => healthOf(b).match - healthOf(a).match || (a < b ? -1 : 1));
  const target = policy.targetVoters;
  if (voters.length > target && dead.length > 0) {
    const node = dead[0];
    return {
      change: { type: "removeNode", node },
      reason: `voter ${node} silent for ${healthOf(node).silentMs} ms; ${voters.length} voters ` +
        `exceed the target of ${target}`,
    };
  }
  if (ready.length > 0 && voters.length < target) {
    return {
      change: { type: "addVoter", node: ready[0] },
      reason: `${voters.length} voters, below the target of ${target}`,
    };
  }
  if (ready.length > 0 && voters.length === target && dead.length > 0) {
    return {
      change: { type: "addVoter", node: ready[0] },
      reason: `replaces voter ${dead[0]}, silent for ${healthOf(dead[0]).silentMs} ms`,
    };
  }
  const back = Object.entries(view.outsiders ?? {})
    .filter(([id, ms]) =>
      ms < policy.healthyWithinMs && !voters.includes(id) && !learners.includes(id)
    )
    .map(([id]) => id).sort();
  if (back.length > 0) {
    return {
      change: { type: "addLearner", node: back[0] },
      reason: `${back[0]} is reachable again outside the configuration`,
    };
  }
  if (voters.length > target && dead.length === 0) {
    const extra = voters.filter((v) => v !== view.leader)
      .sort((a, b) => healthOf(a).match - healthOf(b).match || (a < b ? 1 : -1))[0];
    if (extra !== undefined) {
      return {
        change: { type: "removeNode", node: extra },
        reason:
          `${voters.length} voters exceed the target of ${target}; ${extra} returns as a learner`,
      };
    }
  }
  return null;
}
