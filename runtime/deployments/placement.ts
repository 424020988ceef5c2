/**
 * Where the replicas of a stateless agent run, pure: N replicas spread over the live nodes
 * (as evenly as the count allows, at most ⌈N / nodes⌉ on one), each new one on the node
 * with the fewest replicas and then the lowest load, and the replicas already placed on
 * live nodes left where they are. A replica on a node that is gone is placed again, so its
 * share moves to the others. Deterministic, so every node computes the same placement.
 * @module
 */

/** A live node and its load (as `listNodes` reports it). */
export interface PlacementNode {
  id: string;
  load: number;
}

/**
 * The node of each of `replicas` replicas (index = replica), given where they ran
 * (`current`, same indexing; a node not among `nodes` is gone). Empty when no node is live.
 */
export function placeReplicas(
  replicas: number,
  nodes: readonly PlacementNode[],
  current: readonly (string | undefined)[] = [],
): string[] {
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new RangeError(`replicas must be a whole number ≥ 0, got ${replicas}`);
  }
  if (nodes.length === 0 || replicas === 0) return [];
  const cap = Math.ceil(replicas / nodes.length);
  const load = new Map(nodes.map((n) => [n.id, n.load]));
  const count = new Map(nodes.map((n) => [n.id, 0]));
  const out: (string | undefined)[] = [];
  for (let i = 0; i < replicas; i++) {
    const at = current[i];
    if (at !== undefined && count.has(at) && count.get(at)! < cap) {
      out[i] = at;
      count.set(at, count.get(at)! + 1);
    }
  }
  for (let i = 0; i < replicas; i++) {
    if (out[i] !== undefined) continue;
    const best = [...count.keys()].sort((a, b) =>
      count.get(a)! - count.get(b)! || load.get(a)! - load.get(b)! || a.localeCompare(b)
    )[0];
    out[i] = best;
    count.set(best, count.get(best)! + 1);
  }
  return out as string[];
}
