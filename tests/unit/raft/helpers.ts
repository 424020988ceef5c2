import assert from "node:assert/strict";
import { confOf, type Entry, type PersistedState } from "../../../runtime/raft/mod.ts";
import { type ClusterOptions, SimCluster } from "../../sim/cluster.ts";
import type { Op } from "../../sim/history.ts";
import type { SimNode } from "../../sim/sim-node.ts";

/** Shared set-up for the Raft unit tests: small scripted clusters on a reliable network. */

const enc = new TextEncoder();

/** A cluster of founding voters `ids` (default three) on a reliable, instant network. */
export function cluster(
  ids: string[] = ["n1", "n2", "n3"],
  opts: Partial<ClusterOptions> = {},
): SimCluster {
  const c = new SimCluster({ seed: 1, ...opts });
  c.addFounders(ids);
  return c;
}

/** Makes `id` campaign (repeatedly if needed) until it leads; returns it. */
export function elect(c: SimCluster, id: string): SimNode {
  const n = c.node(id);
  for (let i = 0; i < 5 && n.raft?.role !== "leader"; i++) {
    n.raft!.campaign();
    n.process();
    c.settle();
  }
  assert.equal(n.raft?.role, "leader", `${id} should lead`);
  return n;
}

/** Puts `key=value` through `node` and settles the network; returns the operation. */
export function put(c: SimCluster, node: SimNode, key: string, value: string): Op {
  const op = c.history.invoke(0, "put", key, value);
  node.put(op);
  c.settle();
  return op;
}

/** A persisted state whose log holds one entry per element of `terms` (entry i+1 has term terms[i]). */
export function stateWithLog(
  voters: string[],
  terms: number[],
  term = Math.max(0, ...terms),
): PersistedState {
  const entries: Entry[] = terms.map((t, i) => ({
    type: "normal",
    index: i + 1,
    term: t,
    data: enc.encode(JSON.stringify({ key: "k", value: `v${i + 1}@${t}` })),
  }));
  return {
    hardState: { term, vote: null, commit: 0 },
    snapshot: { meta: { index: 0, term: 0, conf: confOf(voters) }, data: new Uint8Array() },
    entries,
  };
}

/** The terms of `node`'s log from index 1 to its last index. */
export function logTerms(node: SimNode): (number | undefined)[] {
  const r = node.raft!;
  return Array.from({ length: r.lastIndex }, (_, i) => r.termAt(i + 1));
}
