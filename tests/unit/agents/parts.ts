/** Pieces for the unit tests of the manager's parts: a record, a managed agent, deps. */
import {
  type AgentRecord,
  DeployConfigSchema,
  type RestartStrategy,
} from "../../../runtime/agents/mod.ts";
import { type Managed, newManaged } from "../../../runtime/agents/managed.ts";
import type { HostCallbacks } from "../../../runtime/sandbox/mod.ts";
import { FakeInstance } from "./fake-sandbox.ts";

/** A record as a deploy of `name` with `config` would make it. */
export function record(name: string, config: Record<string, unknown> = {}): AgentRecord {
  const c = DeployConfigSchema.parse({ name, ...config });
  const at = new Date(0).toISOString();
  return {
    agent_id: `agent_${name}`,
    name,
    version: c.version,
    hash: "a".repeat(64),
    manifest: c.manifest,
    limits: c.limits,
    restart: c.restart as RestartStrategy,
    state: "running",
    deployed_at: at,
    updated_at: at,
    deployment_id: "deploy_1",
  };
}

/** A managed agent with a fake instance whose host callbacks are `host`. */
export function managedWithInstance(
  r: AgentRecord,
  host: HostCallbacks = { onSend: () => {} },
): { m: Managed; instance: FakeInstance } {
  const m = newManaged(r, 0);
  const instance = new FakeInstance({ agentId: r.name, hash: r.hash, host }, host);
  m.handle = instance;
  return { m, instance };
}
