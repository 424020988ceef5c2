import type { AgentBounds } from "../sandbox/bounds.ts";
import type { Config } from "./schema.ts";

/** The node's bounds on what agents may ask for, from its configuration. */
export function agentBounds(c: Config): AgentBounds {
  return {
    memory: c.maxAgentMemory,
    cpuMsPerCall: c.maxAgentCpuMs,
    mailbox: c.maxAgentMailbox,
    storageQuota: c.maxAgentStorage,
    netAllow: c.agentNetAllow,
    filesAllow: c.agentFilesAllow,
  };
}
