/**
 * What the manager keeps of each agent it manages ({@link Managed}), shared by its parts.
 * @module
 */
import type { AclMessage } from "../acl/mod.ts";
import type { TimerHandle } from "../async/mod.ts";
import type { Checkpointer } from "./checkpointer.ts";
import type { HeldDelivery, MigrationHop } from "./contract.ts";
import type { AgentInstance } from "./deps.ts";
import type { AgentCounters, AgentRecord } from "./record.ts";
import type { FailureRecord } from "./restart.ts";

/** A held delivery and, for at-least-once senders, how to tell them it was handled. */
export interface Queued extends HeldDelivery {
  settle?: (handled: Promise<void>) => void;
}

/**
 * Deliveries waiting while the agent is paused (waking, hibernating, moving, arriving, or
 * asked to wake before its node has aligned it with the directory: `align`).
 */
export interface Hold {
  reason:
    | "wake"
    | "hibernate"
    | "move"
    | "arrive"
    | "recover"
    | "worker-lost"
    | "deploy"
    | "align";
  queue: Queued[];
  /** Each held message is written to the held log before it is acknowledged. */
  durable: boolean;
  /** Entries at the front that came with the agent's snapshot (arrivals). */
  front: number;
}

/** Outcomes of one version's instance while two run side by side. */
export interface VersionStats {
  /** Messages it handled or failed on. */
  handled: number;
  /**
   * Traps, restarts, messages it did not understand, handlings answered with a `failure` or
   * `not-understood`, and send-and-wait requests that timed out waiting for its reply.
   */
  errors: number;
  /** `failure`/`not-understood` replies sent by the handling under way (see {@link countOutcome}). */
  errorReplies: number;
  /** The last handling times, ms (at most 1024, oldest dropped). */
  latencies: number[];
}

/**
 * A second instance of the agent, of the version being deployed (canary, blue-green): it
 * takes the new conversations its weight gives it (`split`), shares the agent's storage
 * with the agent's instance (its writes are checkpointed by the agent's checkpointer; its
 * memory is never checkpointed), and is started again after a failure.
 */
export interface NextInstance {
  record: AgentRecord;
  handle?: AgentInstance;
  /** Set while it starts (again). */
  starting?: Promise<AgentInstance>;
  /** Which conversations go where: see `deployments/traffic.ts`. */
  split: {
    readonly weight: number;
    pick(conversation: string | undefined): "stable" | "next";
    sideOf(conversation: string): "stable" | "next" | undefined;
    setWeight(weight: number): void;
  };
  stats: { stable: VersionStats; next: VersionStats };
  /** Set once it takes nothing new (it is being stopped). */
  closing?: boolean;
}

/** Fresh counts of one version. */
export function freshStats(): VersionStats {
  return { handled: 0, errors: 0, errorReplies: 0, latencies: [] };
}

/** Whether `message`, sent by an agent, tells that it failed on what it was asked. */
export function isErrorReply(message: Pick<AclMessage, "performative">): boolean {
  return message.performative === "failure" || message.performative === "not-understood";
}

/**
 * Counts an outcome of a handling into `s`: an error when `error` (it trapped, or did not
 * understand) or when the handling sent a `failure`/`not-understood` (an instance handles one
 * message at a time and its sends reach the host before its handling resolves, so the
 * replies counted since the last outcome are this handling's).
 */
export function countOutcome(s: VersionStats, ms: number, error: boolean): void {
  s.handled++;
  if (error || s.errorReplies > 0) s.errors++;
  s.errorReplies = 0;
  s.latencies.push(ms);
  if (s.latencies.length > 1024) s.latencies.shift();
}

/** One agent on this node: its record, its instance (while it has one) and what goes with it. */
export interface Managed {
  record: AgentRecord;
  handle?: AgentInstance;
  /** The instance of a version being deployed beside `handle` (canary, blue-green). */
  next?: NextInstance;
  /** Makes the handle's changes durable (checkpoints); one per handle. */
  ckpt?: Checkpointer;
  /** Ends when the commit a closed checkpointer had under way has ended. */
  committing?: Promise<void>;
  counters: AgentCounters;
  failures: FailureRecord;
  unregister?: () => void;
  restartTimer?: TimerHandle;
  /** Serializes lifecycle operations on this agent; resolves to nothing (keeps no result). */
  busy: Promise<void>;
  /** Set while deliveries wait instead of reaching the agent. */
  hold?: Hold;
  /** Ends the lifecycle lock a move holds. */
  unlock?: () => void;
  /** Where the agent has been. */
  history: MigrationHop[];
  /** Last message or activation, ms since the epoch. */
  lastActive: number;
  /**
   * Restored unstarted after a restart: its version, and whether it runs here, are the
   * directory's to say once the node has caught up (`Lifecycle.realign` ends this). Until
   * then it neither wakes (a message holds, `align`, and wakes it after) nor moves.
   */
  unaligned?: boolean;
  /**
   * The directory places this agent's own instance on another node (`Lifecycle.realign`
   * says it does not run here, e.g. its instances were placed elsewhere while this node was
   * down): it neither wakes nor starts here, and its messages go where the directory places
   * it (the replica host's spread, see `MailboxDeps.spread`).
   */
  placedElsewhere?: boolean;
}

/** The lifecycle lock of an agent with no operation under way: one settled promise for all. */
export const SETTLED: Promise<void> = Promise.resolve();

/** A fresh {@link Managed} for `record`, with no instance. */
export function newManaged(
  record: AgentRecord,
  now: number,
  history: MigrationHop[] = [],
): Managed {
  return {
    record,
    counters: { messages_processed: 0, messages_failed: 0, total_latency_ms: 0, restarts: 0 },
    failures: { times: [], consecutive: 0 },
    busy: SETTLED,
    history,
    lastActive: now,
  };
}

/** Orders storage entries by key. */
export function byKey([a]: [string, Uint8Array], [b]: [string, Uint8Array]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
