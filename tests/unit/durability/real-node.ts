/**
 * An agent manager on a real sandbox (real Workers, components built from the WAT agents),
 * a real router with the node's Deno KV deduper, and a Deno KV that outlives the manager:
 * {@link RealNode.restart} drops the manager and its sandbox without a final checkpoint (what
 * a crash keeps is what the checkpoints committed) and starts new ones on the same data.
 */
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { AgentManager, DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { KvDeduper } from "../../../runtime/delivery/mod.ts";
import { EventBus, type NodeEvent } from "../../../runtime/events/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { MessageRouter, newMessageId } from "../../../runtime/routing/mod.ts";
import { ComponentStore, Sandbox, WorkerTranspiler } from "../../../runtime/sandbox/mod.ts";
import { watAgentBytes } from "../../../agents/build/mod.ts";

/** Messages delivered to one local name, taken in order. */
export class Inbox {
  readonly #got: AclMessage[] = [];
  #waiting?: (m: AclMessage) => void;

  /** The endpoint the router hands this inbox's messages to. */
  readonly endpoint = {
    deliver: (d: { message: AclMessage }) => {
      const w = this.#waiting;
      this.#waiting = undefined;
      if (w) w(d.message);
      else this.#got.push(d.message);
    },
  };

  /** The next message (waits for it). */
  next(): Promise<AclMessage> {
    const m = this.#got.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => (this.#waiting = resolve));
  }
}

/**
 * Components instrumented as on a real node (so that checkpoints capture their globals),
 * except those loaded with {@link loadUnmetered}: their calls are bounded by nothing but the
 * sandbox's watchdog, which stops their whole Worker — a neighbour's hang, made on purpose.
 */
class MostlyInstrumented extends ComponentStore {
  readonly #unmetered = new Set<string>();
  readonly #bare: ComponentStore;

  constructor(dir: string, transpiler: WorkerTranspiler) {
    super({ dir: `${dir}/instrumented`, transpiler });
    this.#bare = new ComponentStore({ dir: `${dir}/bare`, transpiler, instrument: false });
  }

  /** Loads `bytes` uninstrumented; returns its hash. */
  async loadUnmetered(bytes: Uint8Array): Promise<string> {
    const { hash } = await this.#bare.load(bytes);
    this.#unmetered.add(hash);
    await super.load(bytes); // known to the node too (deploys load it again)
    return hash;
  }

  override get(hash: string): ReturnType<ComponentStore["get"]> {
    return this.#unmetered.has(hash) ? this.#bare.get(hash) : super.get(hash);
  }

  override close(): void {
    this.#bare.close();
    super.close();
  }
}

/** A node's agents on real Workers; the Deno KV and the components stay across restarts. */
export class RealNode {
  agents!: AgentManager;
  sandbox!: Sandbox;
  router!: MessageRouter;
  events!: EventBus;
  /** Replies to `client` (the sender of {@link ask}). */
  replies!: Inbox;
  /** Every event published on the current node. */
  seen: NodeEvent[] = [];

  private constructor(
    readonly kv: Deno.Kv,
    readonly dir: string,
    readonly store: MostlyInstrumented,
    readonly sandboxOpts: { watchdogGraceMs: number; watchdogIntervalMs: number },
  ) {}

  /** A node with its own Deno KV and component store in a fresh temp dir. */
  static async start(
    opts: { watchdogGraceMs?: number; watchdogIntervalMs?: number } = {},
  ): Promise<RealNode> {
    const dir = await Deno.makeTempDir({ prefix: "fipa-real-node-" });
    const kv = await Deno.openKv(`${dir}/kv.sqlite`);
    const store = new MostlyInstrumented(`${dir}/components`, new WorkerTranspiler());
    const node = new RealNode(kv, dir, store, {
      watchdogGraceMs: opts.watchdogGraceMs ?? 100,
      watchdogIntervalMs: opts.watchdogIntervalMs ?? 20,
    });
    await node.#boot();
    return node;
  }

  async #boot(): Promise<void> {
    // Agents with long CPU limits still share Workers here: a neighbour's hang must reach them.
    this.sandbox = new Sandbox({
      store: this.store,
      nodeId: "n1",
      sharedWorkerCpuMs: 10_000,
      ...this.sandboxOpts,
    });
    this.router = new MessageRouter("plat");
    this.router.setDeduper(new KvDeduper(this.kv));
    this.events = new EventBus("n1");
    this.seen = [];
    this.events.subscribe({}, (e) => this.seen.push(e));
    this.replies = new Inbox();
    this.router.register("client", this.replies.endpoint);
    this.router.register("sink", { deliver: () => {} });
    this.agents = new AgentManager({
      kv: this.kv,
      store: this.store,
      sandbox: this.sandbox,
      router: this.router,
      events: this.events,
      log: silentLogger,
      nodeId: "n1",
      checkpointIntervalMs: 5,
    });
    await this.agents.restore();
  }

  /**
   * Deploys the WAT agent `wat` (`tiny-counter`, `hostile-loop`, ...), or a built sample
   * (`counter.wasm` of `agents/dist/`), as `name`; a `hostile-*` one runs unmetered, so that
   * only the watchdog stops it (with its Worker).
   */
  async deploy(wat: string, name: string, config: Record<string, unknown> = {}): Promise<void> {
    const bytes = wat.endsWith(".wasm")
      ? await Deno.readFile(new URL(`../../../agents/dist/${wat}`, import.meta.url))
      : await watAgentBytes(wat);
    if (wat.startsWith("hostile-")) await this.store.loadUnmetered(bytes);
    await this.agents.deploy(
      bytes,
      DeployConfigSchema.parse({ name, hibernate_after_seconds: 0, ...config }),
    );
  }

  /** Routes `performative` with `content` from `from` to `to`; resolves when acknowledged. */
  async send(
    to: string,
    performative: string,
    content: string,
    opts: { from?: string; mode?: "at-most-once" | "at-least-once" } = {},
  ): Promise<void> {
    await this.router.route({
      message_id: newMessageId(),
      message: {
        performative,
        sender: aid(opts.from ?? "sink"),
        receivers: [aid(to)],
        content,
      } as AclMessage,
      accepted_at: new Date().toISOString(),
      origin: "http",
      ...(opts.mode ? { mode: opts.mode } : {}),
    });
  }

  /** Sends `performative` from `client` and waits for the reply's content. */
  async ask(
    to: string,
    performative: string,
    content = "?",
    mode?: "at-most-once" | "at-least-once",
  ): Promise<unknown> {
    await this.send(to, performative, content, { from: "client", mode });
    return (await this.replies.next()).content;
  }

  /**
   * A crash and a restart: the manager and its Workers end without a last checkpoint or
   * snapshot; new ones start on the same Deno KV and bring the agents back from it.
   */
  async restart(): Promise<void> {
    await this.agents.close({ snapshotBudgetMs: 0 });
    await this.sandbox.close();
    await this.#boot();
  }

  async close(): Promise<void> {
    await this.agents.close({ snapshotBudgetMs: 0 });
    await this.sandbox.close();
    this.store.close();
    this.kv.close();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
