import { RaftError } from "./errors.ts";
import type { ConfChange, ConfState } from "./messages.ts";

/**
 * Cluster configurations and single-server membership changes.
 *
 * fipa-edge uses **single-server changes that take effect when appended** (Raft dissertation
 * §4.1): each change adds or removes one node, the leader accepts a new change only when the
 * previous one is committed and it has committed an entry of its own term (the fix for the
 * single-server bug described on raft-dev in 2015), and every node uses the latest
 * configuration in its log, committed or not.
 * @module
 */

/** The configuration with no members (a node that has not joined a cluster yet). */
export const EMPTY_CONF: ConfState = Object.freeze({
  voters: [],
  learners: [],
}) as unknown as ConfState;

/** A configuration whose voters are `voters` (sorted, deduplicated) and no learners. */
export function confOf(voters: readonly string[], learners: readonly string[] = []): ConfState {
  const v = [...new Set(voters)].sort();
  return { voters: v, learners: [...new Set(learners)].filter((l) => !v.includes(l)).sort() };
}

/** True if `id` votes in `conf`. */
export function isVoter(conf: ConfState, id: string): boolean {
  return conf.voters.includes(id);
}

/** True if `id` is a voter or a learner in `conf`. */
export function isMember(conf: ConfState, id: string): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** All members of `conf`: voters then learners. */
export function members(conf: ConfState): string[] {
  return [...conf.voters, ...conf.learners];
}

/**
 * The configuration that results from applying `change` to `conf`.
 * @throws {RaftError} `INVALID_CONF_CHANGE` when the change is a no-op or would remove the
 * last voter, e.g. adding a voter that already votes.
 */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const { node } = change;
  switch (change.type) {
    case "addVoter":
      if (isVoter(conf, node)) {
        throw new RaftError("INVALID_CONF_CHANGE", `node ${node} is already a voter`);
      }
      return confOf([...conf.voters, node], conf.learners.filter((l) => l !== node));
    case "addLearner":
      if (isVoter(conf, node)) {
        throw new RaftError("INVALID_CONF_CHANGE", `node ${node} is a voter; remove it instead`);
      }
      if (conf.learners.includes(node)) {
        throw new RaftError("INVALID_CONF_CHANGE", `node ${node} is already a learner`);
      }
      return confOf(conf.voters, [...conf.learners, node]);
    case "removeNode":
      if (!isMember(conf, node)) {
        throw new RaftError("INVALID_CONF_CHANGE", `node ${node} is not a member`);
      }
      if (conf.voters.length === 1 && conf.voters[0] === node) {
        throw new RaftError("INVALID_CONF_CHANGE", `node ${node} is the last voter`);
      }
      return confOf(conf.voters.filter((v) => v !== node), conf.learners.filter((l) => l !== node));
  }
}

/** Votes needed for a majority of `n` voters. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index that a majority of `voters` have: `matchOf(voter)` gives each voter's
 * replicated index. Returns 0 when there are no voters.
 *
 * @example
 * ```ts
 * majorityIndex(["a", "b", "c"], (id) => ({ a: 7, b: 5, c: 2 })[id]!); // 5
 * ```
 */
export function majorityIndex(voters: readonly string[], matchOf: (id: string) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((x, y) => y - x);
  return matches[quorumSize(voters.length) - 1];
}

/** Outcome of a vote count: still open, won, or lost. */
export type VoteOutcome = "pending" | "won" | "lost";

/** Tallies `votes` (voter → granted) among `voters`. */
export function tallyVotes(
  voters: readonly string[],
  votes: ReadonlyMap<string, boolean>,
): VoteOutcome {
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const vote = votes.get(v);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return "won";
  if (rejected > voters.length - q) return "lost";
  return "pending";
}
