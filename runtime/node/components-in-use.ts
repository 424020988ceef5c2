import { componentHashesInUse } from "../agents/mod.ts";
import type { DirectoryState } from "../directory/mod.ts";
import type { SnapshotKeeper } from "../migration/mod.ts";

/**
 * Every component hash something on this node or in the cluster still refers to: the
 * agent records persisted here, the snapshots kept here, and the directory's agents (an
 * agent that moved away may come back). What the component collector must keep.
 */
export async function componentsInUse(deps: {
  kv: Deno.Kv;
  keeper: SnapshotKeeper;
  directory: () => DirectoryState;
}): Promise<Set<string>> {
  const out = await componentHashesInUse(deps.kv);
  for (const h of await deps.keeper.componentHashes()) out.add(h);
  for (const a of deps.directory().agents.values()) out.add(a.component_hash);
  return out;
}
