import type { AgentRecord, LifecycleState } from "./agent-record.ts";
import type { AgentVersion } from "./agent-version.ts";
import type { DeploymentRecord } from "./deployment-record.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { interned } from "./intern.ts";
import type { DfAgentDescription } from "./df-description.ts";
import type { Member } from "./member.ts";
import type { RememberedOutcome } from "./results.ts";
import { insertSorted, removeSorted } from "./sorted-names.ts";

/**
 * The replicated directory: agents (AMS side), DF registrations (service registry) and
 * cluster members, with the indexes that keep queries cheap. Treat it as opaque: only
 * {@link apply} and {@link restore} change it, and every record in it is frozen.
 *
 * Indexes: agent names and registration names are kept sorted (code-unit order) so that
 * listings are deterministic and can stop early; agents are indexed by node and state,
 * registrations by service type and service name.
 */
export interface DirectoryState {
  /** Number of commands that took effect. */
  revision: number;
  agents: Map<string, AgentRecord>;
  agentNames: string[];
  agentsByNode: Map<string, Set<string>>;
  agentsByState: Map<LifecycleState, Set<string>>;
  registrations: Map<string, DfAgentDescription>;
  registrationNames: string[];
  byServiceType: Map<string, Set<string>>;
  byServiceName: Map<string, Set<string>>;
  /** Names of registrations that carry a lease (scanned by `df.expire`). */
  leased: Set<string>;
  members: Map<string, Member>;
  /** Recorded versions by agent name, oldest first (frozen; see `agent-version.ts`). */
  versions: Map<string, readonly AgentVersion[]>;
  /** Deployments by id, oldest first (insertion order; frozen). */
  deployments: Map<string, DeploymentRecord>;
  /**
   * Outcomes of recent client requests by request id, oldest first (insertion order), at
   * most `MAX_REMEMBERED_REQUESTS` (`sessions.ts`): what makes retried proposals idempotent.
   */
  requests: Map<string, RememberedOutcome>;
}

/** An empty directory. */
export function createDirectoryState(): DirectoryState {
  return {
    revision: 0,
    agents: new Map(),
    agentNames: [],
    agentsByNode: new Map(),
    agentsByState: new Map(),
    registrations: new Map(),
    registrationNames: [],
    byServiceType: new Map(),
    byServiceName: new Map(),
    leased: new Set(),
    members: new Map(),
    versions: new Map(),
    deployments: new Map(),
    requests: new Map(),
  };
}

function addTo<K>(index: Map<K, Set<string>>, key: K, name: string): void {
  let set = index.get(key);
  if (!set) index.set(key, set = new Set());
  set.add(name);
}

function removeFrom<K>(index: Map<K, Set<string>>, key: K, name: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(name);
  if (set.size === 0) index.delete(key);
}

/** Stores an agent record (frozen), replacing any previous one, and updates indexes. */
export function putAgent(state: DirectoryState, record: AgentRecord): void {
  const old = state.agents.get(record.name);
  if (old) {
    removeFrom(state.agentsByNode, old.node, old.name);
    removeFrom(state.agentsByState, old.state, old.name);
  } else {
    insertSorted(state.agentNames, record.name);
  }
  state.agents.set(record.name, deepFreeze(shared(record)));
  addTo(state.agentsByNode, record.node, record.name);
  addTo(state.agentsByState, record.state, record.name);
}

/**
 * `record` with the parts that many agents repeat (manifest summary, component hash, node)
 * shared with the other records that repeat them: a directory of 100,000 agents of one
 * component holds one manifest summary.
 */
function shared(record: AgentRecord): AgentRecord {
  const manifest = interned.object(record.manifest);
  const hash = interned.string(record.component_hash);
  const node = interned.string(record.node);
  if (
    manifest === record.manifest && hash === record.component_hash && node === record.node
  ) return record;
  return { ...record, manifest, component_hash: hash, node };
}

/** Removes an agent record and its index entries. */
export function deleteAgent(state: DirectoryState, name: string): void {
  const old = state.agents.get(name);
  if (!old) return;
  state.agents.delete(name);
  removeSorted(state.agentNames, name);
  removeFrom(state.agentsByNode, old.node, name);
  removeFrom(state.agentsByState, old.state, name);
}

function unindexRegistration(state: DirectoryState, d: DfAgentDescription): void {
  const name = d.name.name;
  for (const s of d.services) {
    if (s.type !== undefined) removeFrom(state.byServiceType, s.type, name);
    if (s.name !== undefined) removeFrom(state.byServiceName, s.name, name);
  }
  state.leased.delete(name);
}

/** Stores a DF registration (frozen), replacing any previous one, and updates indexes. */
export function putRegistration(state: DirectoryState, d: DfAgentDescription): void {
  const name = d.name.name;
  const old = state.registrations.get(name);
  if (old) unindexRegistration(state, old);
  else insertSorted(state.registrationNames, name);
  state.registrations.set(name, deepFreeze(d));
  for (const s of d.services) {
    if (s.type !== undefined) addTo(state.byServiceType, s.type, name);
    if (s.name !== undefined) addTo(state.byServiceName, s.name, name);
  }
  if (d.lease_time !== undefined) state.leased.add(name);
}

/** Removes a DF registration and its index entries. */
export function deleteRegistration(state: DirectoryState, name: string): void {
  const old = state.registrations.get(name);
  if (!old) return;
  unindexRegistration(state, old);
  state.registrations.delete(name);
  removeSorted(state.registrationNames, name);
}
