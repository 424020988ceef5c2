import { componentHashesInUse } from "../agents/mod.ts";
import type { DirectoryState } from "../directory/mod.ts";
import type { SnapshotKeeper } from "../migration/mod.ts";

/**
 * Every component hash something on this node or in the cluster still refers to: the
 * agent records persisted here, the snapshots kept here, the directory's agents (an
 * agent that moved away may come back) and every version the directory keeps (what a
 * rollback goes back to). What the component collector must keep.
 */
export async function componentsInUse(deps: {
  kv: Deno.Kv;
  keeper: SnapshotKeeper;
  directory: () => DirectoryState;
}): Promise<Set<string>> {
  const out = await componentHashesInUse(deps.kv);
  for (const h of await deps.keeper.componentHashes()) out.add(h);
  const state = deps.directory();
  for (const a of state.agents.values()) out.add(a.component_hash);
  for (const vs of state.versions.values()) for (const v of vs) out.add(v.component_hash);
  return out;
}
