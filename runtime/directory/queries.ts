import type { AgentIdentifier } from "../acl/mod.ts";
import type { AgentRecord, LifecycleState } from "./agent-record.ts";
import type { AgentVersion } from "./agent-version.ts";
import type { DeploymentRecord } from "./deployment-record.ts";
import type { DfAgentDescription, DfTemplate } from "./df-description.ts";
import { compileDfTemplate } from "./df-match.ts";
import type { Member } from "./member.ts";
import { compareCodeUnits } from "./sorted-names.ts";
import type { DirectoryState } from "./state.ts";

/** The recorded versions of an agent name, oldest first (empty when none). O(1). */
export function listVersions(state: DirectoryState, name: string): readonly AgentVersion[] {
  return state.versions.get(name) ?? [];
}

/** One deployment by id, or `undefined`. O(1). */
export function getDeployment(state: DirectoryState, id: string): DeploymentRecord | undefined {
  return state.deployments.get(id);
}

/** Deployments, newest first, optionally of one agent only. O(n). */
export function listDeployments(
  state: DirectoryState,
  opts: { agent?: string } = {},
): DeploymentRecord[] {
  return [...state.deployments.values()]
    .filter((d) => opts.agent === undefined || d.agent === opts.agent)
    .reverse();
}

/** The record of one agent, or `undefined`. O(1). */
export function getAgent(state: DirectoryState, name: string): AgentRecord | undefined {
  return state.agents.get(name);
}

/** Filter and page for {@link listAgents}. */
export interface ListAgentsOptions {
  node?: string;
  state?: LifecycleState;
  /** Skip this many matching agents (default 0). */
  offset?: number;
  /** Return at most this many (default 100). */
  limit?: number;
}

/** One page of agents, in name order. */
export interface AgentPage {
  agents: AgentRecord[];
  /** How many agents match the filter. */
  total: number;
  /** The offset of the next page, when there is one. */
  next_offset?: number;
}

function smallest(sets: (Set<string> | undefined)[]): Set<string> | undefined {
  let best: Set<string> | undefined;
  for (const s of sets) {
    if (s === undefined) return new Set();
    if (best === undefined || s.size < best.size) best = s;
  }
  return best;
}

/**
 * Agents in name order, optionally only those on one node and/or in one state. Unfiltered
 * it is O(limit); filtered it costs O(k log k) for the k agents the filter selects (the
 * node and state indexes give them directly).
 */
export function listAgents(state: DirectoryState, opts: ListAgentsOptions = {}): AgentPage {
  const offset = Math.max(0, Math.floor(opts.offset ?? 0));
  const limit = Math.max(0, Math.floor(opts.limit ?? 100));
  let names: readonly string[];
  if (opts.node === undefined && opts.state === undefined) {
    names = state.agentNames;
  } else {
    const byNode = opts.node === undefined ? undefined : state.agentsByNode.get(opts.node);
    const byState = opts.state === undefined ? undefined : state.agentsByState.get(opts.state);
    const filters: (Set<string> | undefined)[] = [];
    if (opts.node !== undefined) filters.push(byNode);
    if (opts.state !== undefined) filters.push(byState);
    const base = smallest(filters) ?? new Set<string>();
    names = [...base]
      .filter((n) => filters.every((f) => f!.has(n)))
      .sort(compareCodeUnits);
  }
  const agents = names.slice(offset, offset + limit).map((n) => state.agents.get(n)!);
  const page: AgentPage = { agents, total: names.length };
  if (offset + limit < names.length) page.next_offset = offset + limit;
  return page;
}

/** The DF registration of one agent, or `undefined`. O(1). */
export function getRegistration(
  state: DirectoryState,
  name: string,
): DfAgentDescription | undefined {
  return state.registrations.get(name);
}

/** Options of a DF search. */
export interface SearchOptions {
  /** FIPA `max-results`; absent or negative means no limit. */
  max_results?: number;
  /** Hide registrations whose lease ended at or before this instant (ISO 8601). */
  now?: string;
}

function live(d: DfAgentDescription, nowMs: number | undefined): boolean {
  return nowMs === undefined || d.lease_time === undefined || Date.parse(d.lease_time) > nowMs;
}

/** The names the indexes say may match `template`, or `undefined` for "any". */
function candidates(state: DirectoryState, template: DfTemplate): Set<string> | undefined {
  if (template.name !== undefined) {
    const n = template.name.name;
    return new Set(state.registrations.has(n) ? [n] : []);
  }
  const sets: (Set<string> | undefined)[] = [];
  for (const s of template.services) {
    if (s.type !== undefined) sets.push(state.byServiceType.get(s.type));
    if (s.name !== undefined) sets.push(state.byServiceName.get(s.name));
  }
  return sets.length === 0 ? undefined : smallest(sets);
}

/**
 * DF search with FIPA matching semantics ({@link matchesDfTemplate}), results in agent name
 * order, at most `max_results`.
 *
 * Cost: when the template names an agent, O(1); when a template service gives a `type` or
 * `name`, the smallest matching index set (k names) is sorted and checked, O(k log k + k·m)
 * for m the template's size; otherwise registrations are scanned in name order and the scan
 * stops after `max_results` matches (O(n) worst case).
 */
export function searchServices(
  state: DirectoryState,
  template: DfTemplate,
  opts: SearchOptions = {},
): DfAgentDescription[] {
  const max = opts.max_results === undefined || opts.max_results < 0 ? Infinity : opts.max_results;
  const nowMs = opts.now === undefined ? undefined : Date.parse(opts.now);
  const out: DfAgentDescription[] = [];
  if (max === 0) return out;
  const matches = compileDfTemplate(template);
  const cand = candidates(state, template);
  const names = cand === undefined ? state.registrationNames : [...cand].sort(compareCodeUnits);
  for (const n of names) {
    const d = state.registrations.get(n)!;
    if (live(d, nowMs) && matches(d)) {
      out.push(d);
      if (out.length >= max) break;
    }
  }
  return out;
}

/**
 * The agents offering a service, for the WIT `find-agents-by-service`: a string matches a
 * service's `name` or its `type`; an object matches the fields it gives. Agent name order.
 * O(k log k) for the k registrations the indexes select.
 */
export function findAgentsByService(
  state: DirectoryState,
  service: string | { name?: string; type?: string },
  opts: SearchOptions = {},
): AgentIdentifier[] {
  const max = opts.max_results === undefined || opts.max_results < 0 ? Infinity : opts.max_results;
  const nowMs = opts.now === undefined ? undefined : Date.parse(opts.now);
  let names: string[];
  if (typeof service === "string") {
    const set = new Set<string>([
      ...(state.byServiceName.get(service) ?? []),
      ...(state.byServiceType.get(service) ?? []),
    ]);
    names = [...set];
  } else {
    const sets: (Set<string> | undefined)[] = [];
    if (service.name !== undefined) sets.push(state.byServiceName.get(service.name));
    if (service.type !== undefined) sets.push(state.byServiceType.get(service.type));
    if (sets.length === 0) {
      names = state.registrationNames.filter((n) => state.registrations.get(n)!.services.length);
    } else {
      names = [...smallest(sets)!].filter((n) =>
        state.registrations.get(n)!.services.some((s) =>
          (service.name === undefined || s.name === service.name) &&
          (service.type === undefined || s.type === service.type)
        )
      );
    }
  }
  names.sort(compareCodeUnits);
  const out: AgentIdentifier[] = [];
  for (const n of names) {
    const d = state.registrations.get(n)!;
    if (!live(d, nowMs)) continue;
    out.push(d.name);
    if (out.length >= max) break;
  }
  return out;
}

/** Cluster members in id order. */
export function listMembers(state: DirectoryState): Member[] {
  return [...state.members.keys()].sort(compareCodeUnits).map((id) => state.members.get(id)!);
}

/** One member, or `undefined`. */
export function getMember(state: DirectoryState, id: string): Member | undefined {
  return state.members.get(id);
}
