/** An agent manager on a fake sandbox, an in-memory Deno KV and a real router. */
import { aid } from "../../../runtime/acl/mod.ts";
import {
  type AgentCapture,
  AgentManager,
  type AgentManagerDeps,
  type AgentSnapshots,
  DeployConfigSchema,
  type HeldDelivery,
  type HeldLog,
} from "../../../runtime/agents/mod.ts";
import { EventBus } from "../../../runtime/events/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { type Delivery, MessageRouter, newMessageId } from "../../../runtime/routing/mod.ts";
import { FakeCluster, fakeComponents, FakeSandbox } from "./fake-sandbox.ts";

/** Snapshots kept in memory. */
export class MemorySnapshots implements AgentSnapshots {
  readonly saved = new Map<string, AgentCapture>();
  save(c: AgentCapture): Promise<{ bytes: number }> {
    this.saved.set(c.record.name, structuredClone(c));
    return Promise.resolve({ bytes: 1 });
  }
  load(name: string): Promise<AgentCapture | undefined> {
    return Promise.resolve(this.saved.get(name));
  }
  remove(name: string): Promise<void> {
    this.saved.delete(name);
    return Promise.resolve();
  }
}

/** A held log kept in memory. */
export class MemoryHeldLog implements HeldLog {
  readonly logs = new Map<string, HeldDelivery[]>();
  append(name: string, held: HeldDelivery): Promise<void> {
    this.logs.set(name, [...this.logs.get(name) ?? [], held]);
    return Promise.resolve();
  }
  list(name: string): Promise<HeldDelivery[]> {
    return Promise.resolve(this.logs.get(name) ?? []);
  }
  clear(name: string): Promise<void> {
    this.logs.delete(name);
    return Promise.resolve();
  }
}

/** One "node": a manager with its fake sandbox, KV, router and (optionally) a cluster. */
export interface Harness {
  agents: AgentManager;
  sandbox: FakeSandbox;
  router: MessageRouter;
  kv: Deno.Kv;
  events: EventBus;
  snapshots: MemorySnapshots;
  held: MemoryHeldLog;
  /** Sends `content` to `name` (at most once unless `mode` says otherwise). */
  send(name: string, content: string, extra?: Partial<Delivery>): Promise<unknown>;
  /** Deploys `name` from component bytes `bytes` (default: the name's bytes). */
  deploy(name: string, config?: Record<string, unknown>, bytes?: Uint8Array): Promise<unknown>;
  close(): Promise<void>;
}

/** A harness for node `nodeId` (of `cluster` when given). */
export async function harness(
  opts: { nodeId?: string; cluster?: FakeCluster } & Partial<AgentManagerDeps> = {},
): Promise<Harness> {
  const nodeId = opts.nodeId ?? "n1";
  const kv = opts.kv ?? await Deno.openKv(":memory:");
  const sandbox = new FakeSandbox();
  const router = new MessageRouter("plat");
  const events = new EventBus(nodeId);
  const snapshots = new MemorySnapshots();
  const held = new MemoryHeldLog();
  const agents = new AgentManager({
    kv,
    store: fakeComponents,
    sandbox,
    router,
    events,
    log: silentLogger,
    nodeId,
    snapshots,
    held,
    checkpointIntervalMs: 5,
    ...(opts.cluster ? { directory: opts.cluster.directory(nodeId) } : {}),
    ...opts,
  });
  return {
    agents,
    sandbox,
    router,
    kv,
    events,
    snapshots,
    held,
    send: (name, content, extra = {}) =>
      router.route({
        message_id: newMessageId(),
        message: { performative: "inform", receivers: [aid(name)], content },
        accepted_at: new Date().toISOString(),
        origin: "http",
        ...extra,
      }),
    deploy: (name, config = {}, bytes = new TextEncoder().encode(name)) =>
      agents.deploy(bytes, DeployConfigSchema.parse({ name, ...config })),
    close: async () => {
      await agents.close({ snapshotBudgetMs: 0 });
      kv.close();
    },
  };
}
