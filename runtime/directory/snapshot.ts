import { z } from "zod";
import { type AgentRecord, AgentRecordSchema } from "./agent-record.ts";
import { canonicalJson } from "./canonical-json.ts";
import { type DfAgentDescription, DfAgentDescriptionSchema } from "./df-description.ts";
import { MemberSchema } from "./member.ts";
import { compareCodeUnits } from "./sorted-names.ts";
import { createDirectoryState, type DirectoryState, putAgent, putRegistration } from "./state.ts";
import { deepFreeze } from "./deep-freeze.ts";

/** Format tag written into every directory snapshot. */
export const SNAPSHOT_FORMAT = "fipa-edge/directory";

/** Schema of a snapshot's JSON (version 1). A trust boundary: snapshots come from peers. */
export const DirectorySnapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(1),
  revision: z.number().int().nonnegative(),
  agents: z.array(AgentRecordSchema),
  registrations: z.array(DfAgentDescriptionSchema),
  members: z.array(MemberSchema),
});

/** A snapshot that cannot be restored; `message` names the offending value. */
export class DirectorySnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DirectorySnapshotError";
  }
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.keys()].sort(compareCodeUnits).map((k) => map.get(k)!);
}

/**
 * The state as canonical bytes: UTF-8 canonical JSON (sorted keys, records in key order).
 * The same state always gives the same bytes, on every replica. O(n log n).
 */
export function snapshot(state: DirectoryState): Uint8Array {
  const doc = {
    format: SNAPSHOT_FORMAT,
    version: 1,
    revision: state.revision,
    agents: state.agentNames.map((n) => state.agents.get(n)!),
    registrations: state.registrationNames.map((n) => state.registrations.get(n)!),
    members: sortedValues(state.members),
  };
  return new TextEncoder().encode(canonicalJson(doc));
}

function unique(kind: string, keys: string[]): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new DirectorySnapshotError(`snapshot lists ${kind} '${k}' twice`);
    seen.add(k);
  }
}

/**
 * Rebuilds a state (indexes included) from {@link snapshot} bytes, validating everything.
 *
 * @throws {DirectorySnapshotError} for bytes that are not a valid snapshot.
 */
export function restore(bytes: Uint8Array): DirectoryState {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new DirectorySnapshotError(`snapshot is not UTF-8 JSON: ${(e as Error).message}`);
  }
  const r = DirectorySnapshotSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new DirectorySnapshotError(
      `invalid snapshot at ${i.path.map(String).join(".") || "(root)"}: ${i.message}`,
    );
  }
  const doc = r.data;
  unique("agent", doc.agents.map((a) => a.name));
  unique("registration", doc.registrations.map((d) => d.name.name));
  unique("member", doc.members.map((m) => m.id));
  const state = createDirectoryState();
  state.revision = doc.revision;
  for (const a of doc.agents) putAgent(state, a as AgentRecord);
  for (const d of doc.registrations) putRegistration(state, d as DfAgentDescription);
  for (const m of doc.members) state.members.set(m.id, deepFreeze(m));
  return state;
}
