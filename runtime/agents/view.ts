import type { AgentCounters, AgentRecord } from "./record.ts";

/** What the API shows of an agent (the Caxton "Get Agent Details" shape, and more). */
export interface AgentView {
  agent_id: string;
  name: string;
  /** `name@platform`: how ACL messages address it. */
  full_name: string;
  status: string;
  lifecycle_state: string;
  version: string;
  hash: string;
  /** Key id of the publisher that signed the component, if it was signed. */
  publisher_key_id?: string;
  node: string;
  deployed_at: string;
  updated_at: string;
  deployment: { strategy: "immediate"; deployed_at: string; deployment_id: string };
  manifest: AgentRecord["manifest"];
  restart: AgentRecord["restart"];
  resource_limits: AgentRecord["limits"];
  metrics: {
    messages_processed: number;
    messages_failed: number;
    average_latency_ms: number;
    mailbox_depth: number;
    restarts: number;
    uptime_seconds: number;
  };
  failure?: AgentRecord["failure"];
}

/** Builds the view of an agent. Pure. */
export function toView(
  r: AgentRecord,
  c: AgentCounters,
  ctx: { platform: string; node: string; mailbox: number; now: number },
): AgentView {
  return {
    agent_id: r.agent_id,
    name: r.name,
    full_name: `${r.name}@${ctx.platform}`,
    status: r.state,
    lifecycle_state: r.state,
    version: r.version,
    hash: r.hash,
    ...(r.publisher_key_id ? { publisher_key_id: r.publisher_key_id } : {}),
    node: ctx.node,
    deployed_at: r.deployed_at,
    updated_at: r.updated_at,
    deployment: {
      strategy: "immediate",
      deployed_at: r.deployed_at,
      deployment_id: r.deployment_id,
    },
    manifest: r.manifest,
    restart: r.restart,
    resource_limits: r.limits,
    metrics: {
      messages_processed: c.messages_processed,
      messages_failed: c.messages_failed,
      average_latency_ms: c.messages_processed
        ? Math.round((c.total_latency_ms / c.messages_processed) * 1000) / 1000
        : 0,
      mailbox_depth: ctx.mailbox,
      restarts: c.restarts,
      uptime_seconds: r.state === "running" && c.activated_at
        ? Math.round((ctx.now - c.activated_at) / 1000)
        : 0,
    },
    ...(r.failure ? { failure: r.failure } : {}),
  };
}
