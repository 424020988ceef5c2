import type { AgentRecord } from "./agent-record.ts";
import type { DirectoryCommand } from "./commands.ts";
import type { DfAgentDescription } from "./df-description.ts";
import type { Member } from "./member.ts";
import type { ApplyFailure, ApplyOk, ApplyResult, DirectoryEvent } from "./results.ts";
import {
  deleteAgent,
  deleteRegistration,
  type DirectoryState,
  putAgent,
  putRegistration,
} from "./state.ts";
import { compareCodeUnits } from "./sorted-names.ts";
import { deepFreeze } from "./deep-freeze.ts";
import { interned } from "./intern.ts";
import { type AgentVersion, MAX_AGENT_VERSIONS } from "./agent-version.ts";
import { MAX_DEPLOYMENTS } from "./deployment-record.ts";

function fail(reason: ApplyFailure["reason"], message: string): ApplyFailure {
  return { ok: false, reason, message };
}

function ok(value: ApplyOk["value"], events: DirectoryEvent[]): ApplyOk {
  return { ok: true, value, events };
}

/**
 * The agent's record when it is registered and (when `node` is given) on `node`; else the
 * failure that says why (`not-registered`, `stale-location`).
 */
function agentOn(
  state: DirectoryState,
  name: string,
  node: string | undefined,
): AgentRecord | ApplyFailure {
  const agent = state.agents.get(name);
  if (!agent) return fail("not-registered", `agent '${name}' is not registered`);
  if (node !== undefined && agent.node !== node) {
    return fail("stale-location", `agent '${name}' is on node '${agent.node}', not '${node}'`);
  }
  return agent;
}

/**
 * Records the next version of agent `name` (numbered after the last kept one, labelled
 * `version` or `v<seq>`), keeping at most {@link MAX_AGENT_VERSIONS}.
 */
function appendVersion(
  state: DirectoryState,
  name: string,
  v:
    & Pick<
      AgentVersion,
      "component_hash" | "manifest" | "config" | "node" | "deployment_id" | "deployed_by"
    >
    & { version?: string; at: string },
): void {
  const kept = state.versions.get(name) ?? [];
  const seq = (kept.at(-1)?.seq ?? 0) + 1;
  const version: AgentVersion = deepFreeze({
    seq,
    version: v.version ?? `v${seq}`,
    // Shared with every other version of equal parts (see intern.ts): frozen copies.
    component_hash: interned.string(v.component_hash),
    manifest: interned.object(v.manifest),
    config: interned.object(v.config),
    node: interned.string(v.node),
    deployment_id: v.deployment_id,
    ...(v.deployed_by === undefined ? {} : { deployed_by: v.deployed_by }),
    deployed_at: v.at,
  });
  state.versions.set(name, [...kept, version].slice(-MAX_AGENT_VERSIONS));
}

/** A node is acceptable if it is a member, or if no members are known yet (bootstrap). */
function unknownNode(state: DirectoryState, node: string): ApplyFailure | undefined {
  if (state.members.size === 0 || state.members.has(node)) return undefined;
  return fail("unsupported-value", `node '${node}' is not a cluster member`);
}

function leaseEnded(d: DfAgentDescription, at: string): boolean {
  return d.lease_time !== undefined && Date.parse(d.lease_time) <= Date.parse(at);
}

function voters(state: DirectoryState): number {
  let n = 0;
  for (const m of state.members.values()) if (m.role === "voter") n++;
  return n;
}

/** How {@link apply} may use the command. */
export interface ApplyOptions {
  /**
   * The command's objects belong to the directory from now on (e.g. just parsed from a Raft
   * entry, referenced by nothing else): the state keeps and freezes them instead of copies.
   * By default the state stores deep copies and the caller's command stays as it was.
   */
  owned?: boolean;
}

/**
 * Applies one command to the directory, in place, and says what happened. Deterministic:
 * the result and the new state depend only on the state and the command (no clock, no
 * randomness), so every replica that applies the same commands in the same order reaches
 * the same state. A refused command leaves the state untouched. Commands are assumed valid
 * ({@link DirectoryCommandSchema}); validate them where they enter the process.
 *
 * Cost: O(log n) plus O(n) array shifting for inserts/removals of names, O(s) index updates
 * for a registration with s services; `df.expire` is O(l log l) for l leased registrations.
 *
 * @example
 * ```ts
 * const state = createDirectoryState();
 * const r = apply(state, { type: "df.deregister", name: "x@p", at: "2026-01-01T00:00:00Z" });
 * r.ok; // false, r.reason === "not-registered"
 * ```
 */
export function apply(
  state: DirectoryState,
  command: DirectoryCommand,
  opts: ApplyOptions = {},
): ApplyResult {
  const result = applyCommand(state, command, opts.owned ? (v) => v : structuredClone);
  if (result.ok && result.events.length > 0) state.revision++;
  return result;
}

function applyCommand(
  state: DirectoryState,
  c: DirectoryCommand,
  own: <T>(value: T) => T,
): ApplyResult {
  switch (c.type) {
    case "agent.register": {
      if (state.agents.has(c.name)) {
        return fail("already-registered", `agent '${c.name}' is already registered`);
      }
      const bad = unknownNode(state, c.node);
      if (bad) return bad;
      const record: AgentRecord = {
        name: c.name,
        node: c.node,
        state: c.state,
        manifest: own(c.manifest),
        component_hash: c.component_hash,
        registered_at: c.at,
        updated_at: c.at,
      };
      if (c.owner !== undefined) record.owner = c.owner;
      putAgent(state, record);
      if (c.first_version) {
        appendVersion(state, c.name, {
          ...c.first_version,
          component_hash: c.component_hash,
          manifest: c.manifest,
          node: c.node,
          at: c.at,
        });
      }
      return ok(record, [{ type: "agent.registered", agent: record }]);
    }
    case "agent.set-state": {
      const before = state.agents.get(c.name);
      if (!before) return fail("not-registered", `agent '${c.name}' is not registered`);
      if (c.expected_state !== undefined && before.state !== c.expected_state) {
        return fail(
          "stale-state",
          `agent '${c.name}' is '${before.state}', not '${c.expected_state}'`,
        );
      }
      if (before.state === c.state) return ok(before, []);
      const after: AgentRecord = { ...before, state: c.state, updated_at: c.at };
      putAgent(state, after);
      return ok(after, [{ type: "agent.updated", before, after }]);
    }
    case "agent.move": {
      const before = agentOn(state, c.name, c.from_node);
      if ("ok" in before) return before;
      const bad = unknownNode(state, c.to_node);
      if (bad) return bad;
      const after: AgentRecord = {
        ...before,
        node: c.to_node,
        state: c.state ?? before.state,
        updated_at: c.at,
      };
      putAgent(state, after);
      return ok(after, [{ type: "agent.updated", before, after }]);
    }
    case "agent.deregister": {
      const agent = agentOn(state, c.name, c.node);
      if ("ok" in agent) return agent;
      deleteAgent(state, c.name);
      state.versions.delete(c.name);
      const events: DirectoryEvent[] = [{ type: "agent.deregistered", agent }];
      const reg = state.registrations.get(c.name);
      if (reg && !c.keep_services) {
        deleteRegistration(state, c.name);
        events.push({ type: "df.deregistered", description: reg, expired: false });
      }
      return ok(agent, events);
    }
    case "agent.record-version": {
      const before = agentOn(state, c.name, c.node);
      if ("ok" in before) return before;
      appendVersion(state, c.name, c);
      const after: AgentRecord = {
        ...before,
        manifest: structuredClone(c.manifest),
        component_hash: c.component_hash,
        updated_at: c.at,
      };
      // A version that is not stateless runs as one instance; a recorded version ends a
      // rolling deployment's (every instance runs the agent's version again).
      if (after.manifest.stateless !== true) delete after.instances;
      delete after.rollout;
      if (after.instances) after.instances = after.instances.map(({ next: _, ...p }) => p);
      putAgent(state, after);
      return ok(after, [{ type: "agent.updated", before, after }]);
    }
    case "agent.set-replicas": {
      const before = state.agents.get(c.name);
      if (!before) return fail("not-registered", `agent '${c.name}' is not registered`);
      const n = c.instances.length;
      const indexes = new Set(c.instances.map((i) => i.index));
      if (indexes.size !== n || c.instances.some((i) => i.index >= n)) {
        return fail("unsupported-value", `instances of '${c.name}' must be indexes 0 to ${n - 1}`);
      }
      for (const i of c.instances) {
        const bad = unknownNode(state, i.node);
        if (bad) return bad;
      }
      const after: AgentRecord = { ...before, updated_at: c.at };
      if (n > 1) {
        after.instances = own(c.instances).slice().sort((a, b) => a.index - b.index);
        if (!c.rollout) after.instances = after.instances.map(({ next: _, ...p }) => p);
      } else delete after.instances;
      if (n > 1 && c.rollout) after.rollout = own(c.rollout);
      else delete after.rollout;
      putAgent(state, after);
      return ok(after, [{ type: "agent.updated", before, after }]);
    }
    case "deployment.put": {
      const d = c.deployment;
      const before = state.deployments.get(d.id);
      if (c.expected_status !== undefined) {
        if (!before) return fail("not-registered", `deployment '${d.id}' is not registered`);
        if (before.status !== c.expected_status) {
          return fail(
            "stale-state",
            `deployment '${d.id}' is '${before.status}', not '${c.expected_status}'`,
          );
        }
      }
      if (before && before.agent !== d.agent) {
        return fail("unsupported-value", `deployment '${d.id}' is of agent '${before.agent}'`);
      }
      const after = deepFreeze(structuredClone(d));
      state.deployments.set(d.id, after);
      for (const id of state.deployments.keys()) {
        if (state.deployments.size <= MAX_DEPLOYMENTS) break;
        state.deployments.delete(id);
      }
      return ok(undefined, [{ type: "deployment.changed", deployment: after }]);
    }
    case "df.register": {
      const name = c.description.name.name;
      if (state.registrations.has(name)) {
        return fail("already-registered", `'${name}' is already registered with the DF`);
      }
      if (leaseEnded(c.description, c.at)) {
        return fail(
          "unsupported-value",
          `lease-time ${c.description.lease_time} is not after ${c.at}`,
        );
      }
      const d = deepFreeze(own(c.description) as DfAgentDescription);
      putRegistration(state, d);
      return ok(d, [{ type: "df.registered", description: d }]);
    }
    case "df.modify": {
      const name = c.description.name.name;
      const before = state.registrations.get(name);
      if (!before) return fail("not-registered", `'${name}' is not registered with the DF`);
      if (leaseEnded(c.description, c.at)) {
        return fail(
          "unsupported-value",
          `lease-time ${c.description.lease_time} is not after ${c.at}`,
        );
      }
      const after = deepFreeze(own(c.description) as DfAgentDescription);
      putRegistration(state, after);
      return ok(after, [{ type: "df.modified", before, after }]);
    }
    case "df.deregister": {
      const d = state.registrations.get(c.name);
      if (!d) return fail("not-registered", `'${c.name}' is not registered with the DF`);
      deleteRegistration(state, c.name);
      return ok(d, [{ type: "df.deregistered", description: d, expired: false }]);
    }
    case "df.expire": {
      const ended = [...state.leased]
        .filter((n) => leaseEnded(state.registrations.get(n)!, c.at))
        .sort(compareCodeUnits);
      const events: DirectoryEvent[] = [];
      for (const n of ended) {
        const d = state.registrations.get(n)!;
        deleteRegistration(state, n);
        events.push({ type: "df.deregistered", description: d, expired: true });
      }
      return ok(undefined, events);
    }
    case "member.add": {
      if (state.members.has(c.member.id)) {
        return fail("already-registered", `member '${c.member.id}' is already registered`);
      }
      const m = deepFreeze(own(c.member) as Member);
      state.members.set(m.id, m);
      return ok(m, [{ type: "member.added", member: m }]);
    }
    case "member.update": {
      const before = state.members.get(c.id);
      if (!before) return fail("not-registered", `member '${c.id}' is not registered`);
      if (before.role === "voter" && c.role === "learner" && voters(state) === 1) {
        return fail("unsupported-value", `member '${c.id}' is the last voter`);
      }
      const after: Member = deepFreeze({
        id: before.id,
        addresses: c.addresses ? [...c.addresses] : before.addresses,
        public_key: c.public_key ?? before.public_key,
        role: c.role ?? before.role,
      });
      state.members.set(after.id, after);
      return ok(after, [{ type: "member.updated", before, after }]);
    }
    case "member.remove": {
      const m = state.members.get(c.id);
      if (!m) return fail("not-registered", `member '${c.id}' is not registered`);
      if (m.role === "voter" && voters(state) === 1 && state.members.size > 1) {
        return fail("unsupported-value", `member '${c.id}' is the last voter`);
      }
      state.members.delete(c.id);
      return ok(m, [{ type: "member.removed", member: m }]);
    }
    default: {
      const unknown: { type?: unknown } = c;
      return fail("unsupported-value", `unknown command type ${JSON.stringify(unknown.type)}`);
    }
  }
}
