/**
 * What a node does with its own instance of a stateless agent (the agent's `Managed`, the one
 * its KV keeps) so that it matches the replicated directory: the directory is the one truth.
 * A node that comes back after a rolling deployment another node carried on holds the old
 * version; one whose instance was placed elsewhere while it was away must not run it.
 * Pure: the directory's view of the agent and what this node holds → the action.
 * @module
 */
import type { AgentRecord as DirectoryAgent, AgentVersion } from "../directory/mod.ts";

/** What this node holds of the agent: its own instance's version. */
export interface OwnInstance {
  /** The deployment that produced the version it holds (its record's `deployment_id`). */
  deployment_id: string;
  /** Its component hash. */
  hash: string;
}

/** What to do with the agent's own instance on this node. */
export interface OwnInstanceAction {
  /** Whether it runs here. */
  run: boolean;
  /** The directory's version it takes first (absent: it keeps the one it holds). */
  adopt?: AgentVersion;
}

/**
 * Whether a node restores its agent unstarted, for the replica host to start once the node
 * has caught up with the directory (see {@link ownInstanceAction}): a stateless agent as this
 * node holds it (`held`: its local record), or one replicated in the directory as this node
 * knows it at start (`record`). The local record counts on its own because that view may lag
 * what the node knew when it stopped (its stored commit index may lag: the agent, or its
 * instances, may be missing), and a replicated agent started on it would answer with a
 * version a rolling deployment carried on elsewhere has replaced.
 */
export function restoresUnstarted(
  held: { manifest: { stateless?: boolean } },
  record: DirectoryAgent | undefined,
): boolean {
  return held.manifest.stateless === true || record?.instances !== undefined;
}

/**
 * The action for this node's (`self`) own instance of an agent, from the directory's record
 * of it (`record`, undefined when the directory does not know the name) and its recorded
 * versions (oldest first):
 * - only stateless agents are decided here: a stateful agent, or a name the directory does
 *   not know, runs as this node restored it (its node is the only one that changes it);
 * - it runs when the agent is this node's and, replicated, has an instance placed here
 *   (the lowest index on the agent's node is its own); otherwise it does not run;
 * - it adopts the directory's newest version when the version it holds is an older
 *   recorded one. A version the directory has not recorded (this node's update not yet
 *   recorded, or older than the versions kept) is kept: it may be newer than the record.
 */
export function ownInstanceAction(
  self: string,
  held: OwnInstance,
  record: DirectoryAgent | undefined,
  versions: readonly AgentVersion[],
): OwnInstanceAction {
  if (!record || record.manifest.stateless !== true) return { run: true };
  const run = record.node === self &&
    (record.instances === undefined || record.instances.some((p) => p.node === self));
  const newest = versions.at(-1);
  const mine = versions.find((v) => v.deployment_id === held.deployment_id);
  if (!newest || !mine || mine.seq >= newest.seq) return { run };
  return { run, adopt: newest };
}
