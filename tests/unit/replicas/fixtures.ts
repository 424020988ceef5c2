/**
 * Shared fixtures of the replica tests: directory versions and records, and node n1
 * restarted from what it stored, with a real agent manager (fake sandbox, in-memory KV) and
 * a real replica host over fakes of the directory, its linearizable read and the network.
 * @module
 */
import type { AgentIdentifier } from "../../../runtime/acl/mod.ts";
import {
  type AgentRecord as DirectoryAgent,
  type AgentVersion,
  createDirectoryState,
  type DirectoryEvent,
  type DirectoryState,
  type ReplicaPlacement,
} from "../../../runtime/directory/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import type { NetNode } from "../../../runtime/net/mod.ts";
import { ReplicaHost } from "../../../runtime/replicas/mod.ts";
import type { Delivery } from "../../../runtime/routing/mod.ts";
import { type Harness, harness, MemorySnapshots } from "../agents/harness.ts";

export const AT = "2026-01-01T00:00:00Z";
const te = new TextEncoder();

/** Version `seq` (`<seq>.0.0`) of a stateless agent, of component `hash`, deployed on `node`. */
export function version(seq: number, hash: string, deployment: string, node = "n1"): AgentVersion {
  return {
    seq,
    version: `${seq}.0.0`,
    component_hash: hash,
    manifest: { capabilities: [], limits: {}, stateless: true },
    config: { manifest: { stateless: true } },
    node,
    deployment_id: deployment,
    deployed_at: AT,
  };
}

/**
 * The directory: stateless `name` on `node` (default n1) at `versions`' newest, with
 * `instances` when replicated.
 */
export function directory(
  name: string,
  versions: AgentVersion[],
  opts: { node?: string; instances?: ReplicaPlacement[] } = {},
): DirectoryState {
  const state = createDirectoryState();
  const record: DirectoryAgent = {
    name,
    node: opts.node ?? "n1",
    state: "running",
    manifest: { capabilities: [], limits: {}, stateless: true },
    component_hash: versions.at(-1)!.component_hash,
    ...(opts.instances ? { instances: opts.instances } : {}),
    registered_at: AT,
    updated_at: AT,
  };
  state.agents.set(name, record);
  state.versions.set(name, versions);
  return state;
}

/** A message the replica host forwarded to another node. */
export interface Forwarded {
  node: string;
  delivery: Delivery;
  to: AgentIdentifier;
  name: string;
  instance?: number;
}

/**
 * A replica host of node n1 over `h`, whose linearizable read resolves when `caughtUp` does.
 * Forwards to other nodes are recorded in `forwarded` and taken (without them, refused).
 */
export function replicaHost(
  h: Harness,
  state: DirectoryState,
  caughtUp: Promise<void>,
  forwarded?: Forwarded[],
  listeners?: Set<(evs: DirectoryEvent[]) => void>,
): ReplicaHost {
  const net = {
    handle: () => Promise.resolve(),
    unhandle: () => Promise.resolve(),
  } as unknown as NetNode;
  return new ReplicaHost({
    self: "n1",
    platform: "plat",
    state: () => state,
    onDirectoryEvents: (fn) => {
      listeners?.add(fn);
      return () => listeners?.delete(fn);
    },
    propose: () => Promise.reject(new Error("no proposals here")),
    isLeader: () => false,
    linearizableRead: () => caughtUp,
    members: () => ["n1", "n2", "n3"],
    health: () => ({}),
    deadAfterMs: 2_000,
    loads: () => [],
    router: h.router,
    forward: (node, delivery, to, name, instance) => {
      if (!forwarded) return Promise.reject(new Error("no peers here"));
      forwarded.push({ node, delivery, to, name, ...(instance === undefined ? {} : { instance }) });
      return Promise.resolve();
    },
    net,
    addressOf: () => undefined,
    isTrustedPeer: () => true,
    store: { has: () => Promise.resolve(true), original: () => Promise.resolve(undefined) },
    sandbox: h.sandbox,
    agents: h.agents,
    events: h.events,
    log: silentLogger,
    intervalMs: 60_000,
  });
}

/** Node n1 restarted: its manager, its replica host, and the read that catches it up. */
export interface Restarted {
  h: Harness;
  host: ReplicaHost;
  /** Resolve it: the node has caught up with the directory (the host aligns its agents). */
  read: PromiseWithResolvers<void>;
  /** Messages forwarded to other nodes. */
  forwarded: Forwarded[];
  /** Changes agent `name`'s directory record as a committed command would (with its event). */
  update(name: string, change: Partial<DirectoryAgent>): void;
  close(): Promise<void>;
}

/**
 * Restarts node n1 from `stored` (its KV and snapshots) over directory `state`: the agents
 * restored (stateless ones held back for the replica host) and the host started; the node
 * has not caught up with the directory until `read` is resolved. `prepare` runs on the
 * harness before the restore.
 */
export async function restart(
  stored: { kv: Deno.Kv; snapshots?: MemorySnapshots },
  state: DirectoryState,
  opts: { prepare?: (h: Harness) => void } = {},
): Promise<Restarted> {
  const h = await harness({
    kv: stored.kv,
    ...(stored.snapshots ? { snapshots: stored.snapshots } : {}),
  });
  opts.prepare?.(h);
  const read = Promise.withResolvers<void>();
  const forwarded: Forwarded[] = [];
  const listeners = new Set<(evs: DirectoryEvent[]) => void>();
  const host = replicaHost(h, state, read.promise, forwarded, listeners);
  await h.agents.restore({ defer: (r) => host.deferOwn(r) });
  await host.start();
  return {
    h,
    host,
    read,
    forwarded,
    update: (name, change) => {
      const before = state.agents.get(name)!;
      const after = { ...before, ...change, updated_at: new Date().toISOString() };
      state.agents.set(name, after);
      for (const fn of listeners) fn([{ type: "agent.updated", before, after }]);
    },
    close: async () => {
      await host.stop();
      await h.close();
    },
  };
}

/**
 * Node n1's KV and snapshots as it stopped: `name` (stateless) deployed from `bytes`, `n`
 * messages handled, hibernated; and `other` (stateful), hibernated.
 */
export async function hibernatedOnStop(name: string, bytes: string, n: number) {
  const kv = await Deno.openKv(":memory:");
  const snapshots = new MemorySnapshots();
  const h = await harness({ kv, snapshots });
  await h.deploy(name, { version: "1.0.0", manifest: { stateless: true } }, te.encode(bytes));
  for (let i = 0; i < n; i++) await h.send(name, "tick", { await_handled: true });
  await h.agents.hibernate(name);
  await h.deploy("other");
  await h.agents.hibernate("other");
  const held = h.agents.get(name);
  await h.agents.close({ snapshotBudgetMs: 0 });
  return { kv, snapshots, held, deployment: held.deployment.deployment_id };
}

/** Lets pending jobs and short timers run. */
export async function turns(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 1));
}
