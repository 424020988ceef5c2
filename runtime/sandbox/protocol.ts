/**
 * Messages between the node (main thread) and a sandbox Worker. Internal to the sandbox.
 * @module
 */
import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import type { Limits, Manifest } from "./manifest.ts";
import type { MemorySnapshot } from "./snapshot.ts";
import type { WitAclMessage } from "./wit-message.ts";
import type { StoragePatch } from "./storage-sharing.ts";

/** Why an agent failed. */
export type FailureReason = "trap" | "cpu-limit" | "memory-limit" | "exit" | "watchdog";

/** The exports the node can call. `handle` is `handle-message`, `timer` is `on-timer` (0.2.0). */
export type ExportName = "init" | "run" | "shutdown" | "handle" | "timer";

/** Node → Worker. */
export type ToWorker =
  | { t: "setup"; rpc: SharedArrayBuffer }
  | {
    t: "component";
    id: number;
    hash: string;
    glue: string;
    modules: Record<string, WebAssembly.Module>;
  }
  | {
    t: "activate";
    id: number;
    slot: number;
    agentId: AgentIdentifier;
    hash: string;
    nodeId: string;
    manifest: Manifest;
    limits: Limits;
    storage: [string, Uint8Array][];
    snapshot?: MemorySnapshot;
    /** The agent's root for relative `files` grants. */
    filesRoot: string;
    /** Test only: skip the host's own check of grants (Deno's permissions still apply). */
    skipGrantCheck: boolean;
  }
  | {
    t: "call";
    id: number;
    slot: number;
    fn: ExportName;
    message?: WitAclMessage;
    /** For `timer`: the timer that is due. */
    timer?: { id: string; tag: string };
    /** Writes of another instance of the agent (shared storage), applied before the call. */
    storage?: StoragePatch;
  }
  | { t: "enqueue"; id: number; slot: number; message: WitAclMessage }
  | { t: "snapshot"; id: number; slot: number }
  | {
    t: "checkpoint";
    id: number;
    slot: number;
    full: boolean;
    /** Writes of another instance of the agent, applied (and so checkpointed) first. */
    storage?: StoragePatch;
  }
  | { t: "drop"; id: number; slot: number };

/** An effect of a call, applied by the node only if the call completed. */
export type Effect =
  | { t: "send"; message: AclMessage; messageId: string }
  | { t: "store"; key: string; value: Uint8Array }
  | { t: "delete"; key: string }
  | { t: "log"; level: LogLevel; message: string }
  | { t: "migrate"; node: string }
  /** A host function refused what the agent's grants do not allow (reported even so). */
  | { t: "refused"; kind: "net" | "files"; target: string; message: string };

/** Levels of the `logging` interface. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** Worker → node. */
export type FromWorker =
  | { t: "ready" }
  | { t: "done"; id: number; value?: unknown; effects?: Effect[] }
  | { t: "error"; id: number; error: string }
  | {
    t: "failed";
    id: number;
    slot: number;
    reason: FailureReason;
    message: string;
    effects?: Effect[];
    /** Activation only: the linear memory the component starts with, beyond its limit. */
    needBytes?: number;
  }
  | { t: "rpc"; seq: number; slot: number; op: RpcOp; arg: string };

/**
 * Synchronous questions a Worker asks the node while an agent waits. `timerSet` takes
 * `{"tag", "dueAtMs"}` as JSON and answers `{ok, id}` or `{ok: false, error}`; `timerCancel`
 * takes the timer id and answers a boolean.
 */
export type RpcOp = "find" | "nodes" | "isLocal" | "nodeOf" | "timerSet" | "timerCancel";

/**
 * Layout of the synchronous-RPC buffer: an Int32 state word (1 = answered), the answer's
 * length, the sequence number it answers, then the answer as JSON.
 */
export const RPC_HEADER = 12;
/** Size of the synchronous-RPC buffer. */
export const RPC_BYTES = 1 << 20;
