import type { AgentManager } from "../agents/mod.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { NodeMetrics } from "../metrics/mod.ts";

/** Samples the gauges whose values live in the agent manager and the cluster. */
export function collectNodeMetrics(m: NodeMetrics, agents: AgentManager, cluster: Cluster): void {
  const s = agents.stats();
  m.agentsByState.reset();
  for (const [state, n] of Object.entries(s.byState)) m.agentsByState.set({ state }, n);
  m.mailboxDepth.reset();
  for (const [agent, n] of Object.entries(s.mailbox)) m.mailboxDepth.set({ agent }, n);
  const c = cluster.status();
  m.raftTerm.set(c.term);
  m.raftCommitIndex.set(c.commitIndex);
  m.raftIsLeader.set(c.role === "leader" ? 1 : 0);
  m.raftFollowerLag.reset();
  if (c.role === "leader") {
    for (const [id, match] of Object.entries(c.matchIndex)) {
      if (id !== c.id) m.raftFollowerLag.set({ follower: id }, Math.max(0, c.lastIndex - match));
    }
  }
}
