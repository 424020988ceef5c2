/**
 * What the agent manager needs from the node: its storage, the sandbox (as the small
 * {@link AgentSandbox} port, so that tests can give a fake one), the router, the directory
 * and the stores of snapshots and held messages.
 * @module
 */
import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import type { AgentVersion } from "../directory/mod.ts";
import type { Timers } from "../async/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NodeMetrics } from "../metrics/mod.ts";
import type { MessageRouter } from "../routing/mod.ts";
import type {
  ActivateOptions,
  AgentBounds,
  CheckpointDelta,
  DeliveryResult,
  MemorySnapshot,
  NodeInfo,
  SharedStorage,
} from "../sandbox/mod.ts";
import type { AgentSnapshots, HeldLog } from "./contract.ts";
import type { FaultHook } from "./faults.ts";
import type { AgentRecord, AgentState } from "./record.ts";

/** How the manager tells the cluster about its agents; absent on a lone node. */
export interface AgentDirectory {
  /**
   * Claims the name cluster-wide in `record.state` and, in the same commit, records `record`
   * as the agent's first version (labelled `record.version`) deployed by `deployedBy`: a
   * deploy pays one directory commit. Throws `AGENT_ALREADY_EXISTS` if the name is taken.
   */
  register(record: AgentRecord, opts: { deployedBy?: string }): Promise<void>;
  setState(name: string, state: AgentState): Promise<void>;
  /**
   * Records a deploy or update that took effect as the agent's next version (labelled
   * `version`, or automatically), with who deployed it.
   */
  recordVersion?(
    record: AgentRecord,
    opts: { version?: string; deployedBy?: string },
  ): Promise<void>;
  /** The recorded versions of an agent name, oldest first. */
  versions?(name: string): readonly AgentVersion[];
  /** Releases the name, only if this node holds it (never another node's agent). */
  deregister(name: string): Promise<void>;
  /** Providers of a service (for `find-agents-by-service`). */
  findAgentsByService(service: string): AgentIdentifier[];
  /** The cluster's nodes (for `list-nodes`). */
  listNodes(): NodeInfo[];
  /** The node an agent lives on. */
  nodeOf(name: string): string | undefined;
}

/** One running instance of an agent, as the manager uses it (the sandbox's `AgentHandle`). */
export interface AgentInstance {
  /** Messages delivered and not yet handled. */
  readonly pending: number;
  /** Hands a message to the agent; resolves once it handled it. */
  deliver(
    message: AclMessage,
    opts?: { messageId?: string; holdSends?: boolean },
  ): Promise<DeliveryResult>;
  /** The instance's memory at its next message boundary. */
  snapshot(): Promise<MemorySnapshot>;
  /** What changed since the last checkpoint. */
  checkpoint(): Promise<CheckpointDelta>;
  /** The last checkpoint was not committed: the next one lists everything. */
  checkpointLost(): void;
  /** The agent's storage as the instance sees it. */
  storageEntries(): [string, Uint8Array][];
  /**
   * Shares the agent's storage from now on with instances activated with it (`shared`): a
   * deployment's second instance. The same object on every call.
   */
  share(): SharedStorage;
  /** The storage this instance shares with others, once it does. */
  readonly sharedStorage?: SharedStorage;
  /** Calls the agent's `shutdown`. */
  shutdown(): Promise<void>;
  /** Removes the instance; pending calls reject. */
  terminate(): Promise<void>;
}

/** Where agents run (the node's `Sandbox`). */
export interface AgentSandbox {
  /** The most an agent may ask for (checked by the routes). */
  readonly bounds: AgentBounds;
  /** Starts an instance of a loaded component. */
  activate(opts: ActivateOptions): Promise<AgentInstance>;
  /** Calls `on-timer` of the active agent `agent` (`name@platform`); absent: no timers. */
  fireTimer?(agent: string, id: string, tag: string): Promise<void>;
}

/** Where components are loaded (the node's `ComponentStore`). */
export interface ComponentLoader {
  /** Validates and stores a component; its hash names it. */
  load(bytes: Uint8Array): Promise<{ hash: string }>;
}

/** What the manager needs from the node. */
export interface AgentManagerDeps {
  kv: Deno.Kv;
  /**
   * A second connection to the same database, for the reads of waking and restoring agents
   * (see `CheckpointStoreOptions.reader`); default `kv`. The node opens and closes it.
   */
  kvReader?: Deno.Kv;
  store: ComponentLoader;
  sandbox: AgentSandbox;
  router: MessageRouter;
  events: EventBus;
  log: Logger;
  metrics?: NodeMetrics;
  /** This node's id (member id in a cluster). */
  nodeId: string;
  directory?: AgentDirectory;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Timers of restarts after a failure (default: the real ones). */
  timers?: Timers;
  /**
   * Where the last snapshot of each agent is kept (hibernation, shutdown, restarts,
   * migration). Without it agents never hibernate and restart fresh.
   */
  snapshots?: AgentSnapshots;
  /** Durable log of messages held while an agent moves (see `AgentManager.pauseForMove`). */
  held?: HeldLog;
  /** Longest wait of an at-most-once handling's changes for a checkpoint (default 1 s). */
  checkpointIntervalMs?: number;
  /** Fails lifecycle operations at chosen steps (tests only). */
  fault?: FaultHook;
}
