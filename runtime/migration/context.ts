import type { JsonValue } from "../acl/mod.ts";
import type { AgentManager } from "../agents/mod.ts";
import {
  type ApplyResult,
  type DirectoryCommand,
  type DirectoryEvent,
  type DirectoryState,
  getAgent,
  getMember,
  listMembers,
} from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NodeMetrics } from "../metrics/mod.ts";
import { type NetNode, peerIdOfPublicKey } from "../net/mod.ts";
import type { ComponentStore } from "../sandbox/mod.ts";
import type { HeldLog } from "./capture.ts";
import type { TimerTable } from "../timers/mod.ts";
import type { FaultHook } from "./fault.ts";
import type { SnapshotKeeper } from "./snapshot-keeper.ts";

/** What migration needs of the cluster (the `Cluster` class provides it). */
export interface ClusterPort {
  readonly id: string;
  readonly machine: {
    readonly state: DirectoryState;
    onEvents(listener: (events: DirectoryEvent[]) => void): () => void;
  };
  propose(
    cmd: DirectoryCommand,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<ApplyResult>;
  linearizableRead(): Promise<void>;
  addressOf(id: string): string | undefined;
  /** The Raft configuration; without it every registered member counts. */
  status?(): { members: { voters: readonly string[]; learners: readonly string[] } };
}

/** Protocol state of an agent's open conversations, exported into and imported from snapshots. */
export interface ConversationStates {
  export(agent: string): JsonValue | null;
  import(agent: string, state: JsonValue | null): void;
  /** Forgets an agent's conversations (it left this node). */
  drop?(agent: string): void;
}

/**
 * Agents' timers, carried in snapshots: taken out on the source when the agent pauses for a
 * move (none fires there any more), given back if the move fails, dropped once it committed,
 * and loaded (and stored) on the target when it adopts the agent.
 */
export interface TimerTables {
  take(agent: string): TimerTable | undefined;
  load(agent: string, table: TimerTable | undefined): void;
  drop(agent: string): Promise<void>;
}

/** What a {@link import("./service.ts").MigrationService} needs from the node. */
export interface MigrationDeps {
  cluster: ClusterPort;
  net: NetNode;
  agents: AgentManager;
  store: ComponentStore;
  keeper: SnapshotKeeper;
  held: HeldLog;
  kv: Deno.Kv;
  log: Logger;
  metrics?: NodeMetrics;
  events?: EventBus;
  faults?: FaultHook;
  conversations?: ConversationStates;
  timers?: TimerTables;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** How long an arrived agent holds its messages waiting for the source's release (default 5 s). */
  arrivalTimeoutMs?: number;
}

/** KV key of a move under way on its source: `["migration-intent", agent]`. */
export function intentKey(agent: string): Deno.KvKey {
  return ["migration-intent", agent];
}

/** KV key of an arrival not yet adopted on its target: `["migration-arrival", agent]`. */
export function arrivalKey(agent: string): Deno.KvKey {
  return ["migration-arrival", agent];
}

/** What a source persists about a move under way. */
export interface Intent {
  to: string;
  nonce: string;
  at: string;
}

/** What a target persists about an arrival it has not adopted yet. */
export interface ArrivalMark {
  nonce: string;
  from: string;
  at: string;
}

/** Directory lookups over the cluster's current state. */
export class DirectoryView {
  readonly #peerIds = new Map<string, string>();

  constructor(readonly cluster: ClusterPort) {}

  /** The node an agent lives on. */
  nodeOf(agent: string): string | undefined {
    return getAgent(this.cluster.machine.state, agent)?.node;
  }

  /** A member's public key (base64). */
  keyOf(node: string): string | undefined {
    return getMember(this.cluster.machine.state, node)?.public_key;
  }

  /** Ids of the members in the Raft configuration (not those removed while away). */
  members(): string[] {
    const ids = listMembers(this.cluster.machine.state).map((m) => m.id);
    const conf = this.cluster.status?.().members;
    return conf ? ids.filter((id) => conf.voters.includes(id) || conf.learners.includes(id)) : ids;
  }

  /** The member an authenticated libp2p peer is, if any. */
  memberOfPeer(peer: string): string | undefined {
    for (const m of listMembers(this.cluster.machine.state)) {
      let id = this.#peerIds.get(m.public_key);
      if (id === undefined) {
        try {
          id = peerIdOfPublicKey(m.public_key);
        } catch {
          continue;
        }
        this.#peerIds.set(m.public_key, id);
      }
      if (id === peer) return m.id;
    }
    return undefined;
  }

  /**
   * The member `peer` is.
   *
   * @throws {ApiError} `FORBIDDEN` for a peer that is not a member.
   */
  requireMember(peer: string): string {
    const m = this.memberOfPeer(peer);
    if (!m) throw new ApiError("FORBIDDEN", `peer ${peer} is not a cluster member`, { peer });
    return m;
  }
}

/** Reads a transfer body, refusing more than `limit` bytes. */
export async function readBody(
  body: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of body) {
    size += c.length;
    if (size > limit) {
      throw new ApiError("PAYLOAD_TOO_LARGE", `transfer exceeds ${limit} bytes`, { limit });
    }
    parts.push(c.slice());
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Sleeps `ms`, or less when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
