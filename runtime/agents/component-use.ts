import { AgentStore } from "./agent-store.ts";

/**
 * Hashes of the components the agents persisted on this node use (every state: running,
 * stopped, failed, hibernated). Read-only, from the records in Deno KV.
 */
export async function componentHashesInUse(kv: Deno.Kv): Promise<Set<string>> {
  return new Set((await new AgentStore(kv).records()).map((r) => r.hash));
}
