import { z } from "zod";
import { AgentNameSchema } from "../acl/mod.ts";
import { type AgentRecord, AgentRecordSchema } from "./agent-record.ts";
import { canonicalJsonPieces } from "./canonical-json.ts";
import { type DfAgentDescription, DfAgentDescriptionSchema } from "./df-description.ts";
import { MemberSchema } from "./member.ts";
import { AgentVersionSchema, MAX_AGENT_VERSIONS } from "./agent-version.ts";
import { DeploymentRecordSchema, MAX_DEPLOYMENTS } from "./deployment-record.ts";
import { RequestIdSchema } from "./commands.ts";
import { remember } from "./sessions.ts";
import { DIRECTORY_FAILURE_REASONS } from "./results.ts";
import { compareCodeUnits } from "./sorted-names.ts";
import { createDirectoryState, type DirectoryState, putAgent, putRegistration } from "./state.ts";
import { deepFreeze } from "./deep-freeze.ts";

/** Format tag written into every directory snapshot. */
export const SNAPSHOT_FORMAT = "fipa-edge/directory";

/** A remembered request outcome as a snapshot lists it (oldest first). */
const RememberedRequestSchema = z.union([
  z.strictObject({ id: RequestIdSchema, ok: z.literal(true) }),
  z.strictObject({
    id: RequestIdSchema,
    ok: z.literal(false),
    reason: z.enum(DIRECTORY_FAILURE_REASONS),
    message: z.string().max(4096),
  }),
]);

/**
 * Schema of a snapshot's JSON. A trust boundary: snapshots come from peers. Version 2 adds
 * `requests` (the remembered outcomes of recent client requests, oldest first), version 3
 * `versions` (each agent name's recorded versions, oldest first) and `deployments` (oldest
 * first); older snapshots (without them) still restore.
 */
export const DirectorySnapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  revision: z.number().int().nonnegative(),
  agents: z.array(AgentRecordSchema),
  registrations: z.array(DfAgentDescriptionSchema),
  members: z.array(MemberSchema),
  requests: z.array(RememberedRequestSchema).optional(),
  versions: z.array(z.strictObject({
    name: AgentNameSchema,
    versions: z.array(AgentVersionSchema).min(1).max(MAX_AGENT_VERSIONS),
  })).optional(),
  deployments: z.array(DeploymentRecordSchema).max(MAX_DEPLOYMENTS).optional(),
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
 * The state as canonical bytes: UTF-8 canonical JSON (sorted keys, records in key order,
 * remembered requests oldest first).
 * The same state always gives the same bytes, on every replica. O(n log n). Written a group
 * of records at a time (never the whole document as one string).
 */
export function snapshot(state: DirectoryState): Uint8Array {
  const doc = {
    format: SNAPSHOT_FORMAT,
    version: 3,
    revision: state.revision,
    agents: state.agentNames.map((n) => state.agents.get(n)!),
    registrations: state.registrationNames.map((n) => state.registrations.get(n)!),
    members: sortedValues(state.members),
    requests: [...state.requests].map(([id, o]) => ({ id, ...o })),
    versions: [...state.versions.keys()].sort(compareCodeUnits).map((name) => ({
      name,
      versions: state.versions.get(name)!,
    })),
    deployments: [...state.deployments.values()],
  };
  return utf8(canonicalJsonPieces(doc));
}

/** UTF-8 bytes of the concatenated `pieces`, encoding each as it comes. */
function utf8(pieces: Iterable<string>): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const piece of pieces) {
    const bytes = encoder.encode(piece);
    parts.push(bytes);
    size += bytes.length;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
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
  const requests = doc.requests ?? [];
  unique("request", requests.map((r) => r.id));
  const versions = doc.versions ?? [];
  const deployments = doc.deployments ?? [];
  unique("deployment", deployments.map((d) => d.id));
  unique("versions of agent", versions.map((v) => v.name));
  for (const v of versions) {
    for (let i = 1; i < v.versions.length; i++) {
      if (v.versions[i].seq <= v.versions[i - 1].seq) {
        throw new DirectorySnapshotError(
          `snapshot lists the versions of '${v.name}' out of order (seq ${v.versions[i].seq})`,
        );
      }
    }
  }
  const state = createDirectoryState();
  state.revision = doc.revision;
  for (const a of doc.agents) putAgent(state, a as AgentRecord);
  for (const d of doc.registrations) putRegistration(state, d as DfAgentDescription);
  for (const m of doc.members) state.members.set(m.id, deepFreeze(m));
  for (const v of versions) state.versions.set(v.name, deepFreeze(v.versions));
  for (const d of deployments) state.deployments.set(d.id, deepFreeze(d));
  for (const { id, ...outcome } of requests) remember(state, id, outcome, Infinity);
  return state;
}
