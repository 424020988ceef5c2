import type { AgentIdentifier } from "../acl/mod.ts";
import {
  type AgentDirectory,
  type AgentRecord,
  type AgentState,
  manifestSummary,
  versionConfig,
} from "../agents/mod.ts";
import {
  type AgentVersion,
  findAgentsByService,
  getAgent,
  listMembers,
  listVersions,
} from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { NodeInfo } from "../sandbox/mod.ts";
import type { Cluster } from "./cluster.ts";

/**
 * The agent manager's view of the replicated directory: claiming a name cluster-wide,
 * publishing lifecycle states, finding service providers and nodes.
 */
export function clusterAgentDirectory(cluster: Cluster, platform: () => string): AgentDirectory {
  const now = () => new Date().toISOString();
  const register = async (r: AgentRecord, first: { deployedBy?: string }) => {
    const res = await cluster.propose({
      type: "agent.register",
      name: r.name,
      node: cluster.id,
      state: r.state,
      manifest: manifestSummary(r),
      component_hash: r.hash,
      first_version: {
        version: r.version,
        config: versionConfig(r),
        deployment_id: r.deployment_id,
        ...(first.deployedBy === undefined ? {} : { deployed_by: first.deployedBy }),
      },
      at: now(),
    });
    if (!res.ok) {
      if (res.reason === "already-registered") {
        const other = getAgent(cluster.machine.state, r.name);
        throw new ApiError(
          "AGENT_ALREADY_EXISTS",
          `Agent name '${r.name}' already in use${other ? ` on node '${other.node}'` : ""}`,
          { name: r.name, node: other?.node },
        );
      }
      throw new ApiError("DEPLOYMENT_FAILED", `Directory refused '${r.name}': ${res.message}`, {
        reason: res.reason,
      });
    }
  };
  return {
    register,
    async recordVersion(r: AgentRecord, opts: { version?: string; deployedBy?: string }) {
      const res = await cluster.propose({
        type: "agent.record-version",
        name: r.name,
        node: cluster.id,
        ...(opts.version === undefined ? {} : { version: opts.version }),
        component_hash: r.hash,
        manifest: manifestSummary(r),
        config: versionConfig(r),
        deployment_id: r.deployment_id,
        ...(opts.deployedBy === undefined ? {} : { deployed_by: opts.deployedBy }),
        at: now(),
      });
      if (!res.ok) {
        throw new ApiError(
          "DEPLOYMENT_FAILED",
          `Directory did not record a version of '${r.name}': ${res.message}`,
          { reason: res.reason },
        );
      }
    },
    versions(name: string): readonly AgentVersion[] {
      return listVersions(cluster.machine.state, name);
    },
    async setState(name: string, state: AgentState) {
      await cluster.propose({ type: "agent.set-state", name, state, at: now() });
    },
    async deregister(name: string) {
      // Only this node's agent: a name another node holds is never removed from here.
      await cluster.propose({ type: "agent.deregister", name, node: cluster.id, at: now() });
    },
    findAgentsByService(service: string): AgentIdentifier[] {
      return findAgentsByService(cluster.machine.state, service, { now: now() }).map((a) =>
        a.name.includes("@") ? a : { ...a, name: `${a.name}@${platform()}` }
      );
    },
    listNodes(): NodeInfo[] {
      return listMembers(cluster.machine.state).map((m) => ({
        id: m.id,
        load: 0,
        latency_ms: 0,
        available_memory: m.id === cluster.id ? Deno.systemMemoryInfo().available : 0,
      }));
    },
    nodeOf(name: string) {
      return getAgent(cluster.machine.state, name)?.node;
    },
  };
}
