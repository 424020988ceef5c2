/**
 * The agent sandbox: loading components (validation against the `fipa:agent` world, jco
 * transpilation, instrumentation, a cache by content hash) and running agents in Deno
 * Workers with their manifest enforced by the host functions.
 *
 * @example
 * ```ts
 * import { ComponentStore, Sandbox } from "./runtime/sandbox/mod.ts";
 * const store = ComponentStore.forDataDir(".data/node");
 * const { hash } = await store.load(await Deno.readFile("agents/dist/echo.wasm"));
 * const sandbox = new Sandbox({ store, nodeId: "node1" });
 * const agent = await sandbox.activate({
 *   agentId: "echo@node1",
 *   hash,
 *   host: { onSend: (msg) => console.log("agent sent", msg) },
 * });
 * await agent.deliver({ performative: "request", sender: aid("me"), receivers: [aid("echo@node1")], content: "hi" });
 * const snap = await agent.snapshot();
 * await agent.terminate();
 * await sandbox.close();
 * store.close();
 * ```
 * @module
 */
export {
  type ComponentInfo,
  ComponentStore,
  type ComponentStoreOptions,
  type LoadedComponent,
  type LoadResult,
  TOOLCHAIN,
} from "./component-store.ts";
export {
  ComponentCollector,
  type ComponentCollectorOptions,
  componentsToCollect,
  type StoredComponent,
} from "./component-gc.ts";
export { type TranspileOutput, type Transpiler, WorkerTranspiler } from "./transpiler.ts";
export {
  type ActivateOptions,
  AGENTS_PER_WORKER,
  GRANT_CHECK_FAULT,
  MAX_AGENTS_PER_WORKER,
  MAX_SPREAD_WORKERS,
  Sandbox,
  type SandboxOptions,
  type SandboxStats,
  SHARED_WORKER_CPU_MS,
  SPREAD_WORKERS,
} from "./sandbox.ts";
export { checkWorkerSharing } from "./worker-sharing.ts";
export {
  type AgentBounds,
  BOUND_SETTINGS,
  type BoundViolation,
  boundViolation,
  checkAgentBounds,
  DEFAULT_AGENT_BOUNDS,
  netAllowed,
} from "./bounds.ts";
export {
  agentRoot,
  decidePath,
  decideUrl,
  type FilesGrant,
  FilesGrantSchema,
  type GrantedDir,
  grantedDirs,
  NetGrantSchema,
  permissionKey,
  type WorkerPermissions,
  workerPermissionsOf,
} from "./grants.ts";
export {
  AgentHandle,
  type DeliveryResult,
  type HandleState,
  type HeldSend,
} from "./agent-handle.ts";
export {
  CHECKPOINT_PAGE_BYTES,
  type CheckpointDelta,
  type InstanceDelta,
  type MemoryDelta,
  type PageDelta,
} from "./checkpoint-delta.ts";
export type {
  AgentFailureInfo,
  FailureReason,
  HostCallbacks,
  LogLevel,
  NodeInfo,
  TimerRequest,
  TimerService,
} from "./host.ts";
export {
  A2aOptInSchema,
  type A2aSkill,
  A2aSkillSchema,
  ByteSizeSchema,
  type Limits,
  type LimitsInput,
  LimitsSchema,
  type Manifest,
  type ManifestInput,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
  type NetworkAccess,
  NetworkAccessSchema,
} from "./manifest.ts";
export {
  decodeMemorySnapshot,
  encodeMemorySnapshot,
  type InstanceState,
  type MemorySnapshot,
} from "./snapshot.ts";
export {
  fromWitMessage,
  toWitMessage,
  type WitAclMessage,
  type WitAgentId,
  type WitContent,
} from "./wit-message.ts";
export { mailboxFull } from "./mailbox-full.ts";
export { SharedStorage, type StoragePatch } from "./storage-sharing.ts";
export { isWorkerLost, WORKER_LOST, workerLostError } from "./worker-lost.ts";
export { type WasmKind, wasmKind } from "./wasm-kind.ts";
export {
  checkWorld,
  WORLD_PACKAGE,
  WORLD_VERSION,
  WORLD_VERSIONS,
  type WorldVersion,
  worldVersionOf,
} from "./world-check.ts";
