import { ApiError } from "../errors/mod.ts";
import { MIGRATE_PROTOCOL } from "../net/mod.ts";
import {
  type ArrivalMark,
  DirectoryView,
  type Intent,
  intentKey,
  type MigrationDeps,
} from "./context.ts";
import { Hibernator } from "./hibernation.ts";
import { NodeLoad } from "./node-load.ts";
import { NonceStore } from "./nonce-store.ts";
import { type MigrationReport, Outgoing } from "./source.ts";
import { Incoming } from "./target.ts";
import { MigrateRequestSchema, MigrateTransferSchema } from "./wire.ts";
import type { NodeInfo } from "../sandbox/mod.ts";

/** What {@link MigrationService.drain} did. */
export interface DrainReport {
  node: string;
  migrated: MigrationReport[];
  failed: { agent: string; to?: string; error: { code: string; message: string } }[];
}

/**
 * A node's mobility: moving agents to other members over libp2p (signed snapshots, the
 * two-phase move with the directory's commit as the switch of ownership), receiving them,
 * settling moves a restart interrupted, draining the node, hibernating idle agents, and
 * the load figures `list-nodes` reports.
 *
 * @example
 * ```ts
 * const migration = new MigrationService(deps);
 * await agents.restore({ inDoubt: await migration.inDoubt() });
 * await migration.start();
 * await migration.migrate("counter", "node-b");
 * await migration.stop();
 * ```
 */
export class MigrationService {
  readonly outgoing: Outgoing;
  readonly incoming: Incoming;
  readonly load: NodeLoad;
  readonly hibernator: Hibernator;
  readonly #stop = new AbortController();
  readonly #dir: DirectoryView;
  readonly #tasks = new Set<Promise<unknown>>();
  #unsubscribe?: () => void;

  constructor(readonly deps: MigrationDeps, opts: { hibernation?: boolean } = {}) {
    this.#dir = new DirectoryView(deps.cluster);
    this.outgoing = new Outgoing(deps, this.#stop.signal);
    this.incoming = new Incoming(
      deps,
      new NonceStore(deps.kv),
      this.#stop.signal,
      (agent) => this.outgoing.forgotten(agent),
    );
    this.load = new NodeLoad({
      self: deps.cluster.id,
      net: deps.net,
      members: () => this.#dir.members(),
      addressOf: (id) => deps.cluster.addressOf(id),
      agentCount: () => deps.agents.list({ limit: 1 }).total,
      log: deps.log,
    });
    this.hibernator = new Hibernator({ agents: deps.agents, log: deps.log, now: deps.now });
    this.#hibernation = opts.hibernation ?? true;
  }

  readonly #hibernation: boolean;

  /**
   * Agents whose move (out of or into this node) a restart interrupted: they come back
   * paused until the move is settled (pass to `AgentManager.restore`).
   */
  async inDoubt(): Promise<string[]> {
    const out: string[] = [];
    for (const prefix of ["migration-intent", "migration-arrival"]) {
      for await (const e of this.deps.kv.list({ prefix: [prefix] })) out.push(String(e.key[1]));
    }
    return out;
  }

  /** Serves the migration protocol and starts recovery, hibernation and load refresh. */
  async start(): Promise<void> {
    const { net, agents } = this.deps;
    await net.handle(MIGRATE_PROTOCOL, MigrateRequestSchema, (req, ctx) => {
      switch (req.type) {
        case "offer":
          return this.incoming.offer(req.agent, req.hash, ctx.peer);
        case "release":
          return this.incoming.release(req.agent, req.nonce, req.messages, ctx.peer);
        case "abort":
          return this.incoming.abort(req.agent, req.nonce, ctx.peer);
        case "status":
          return this.#status(req.agent, req.nonce, ctx.peer);
        case "stats":
          this.#dir.requireMember(ctx.peer);
          return this.load.stats();
      }
    });
    await net.handleTransfer(MIGRATE_PROTOCOL, MigrateTransferSchema, (h, body, ctx) => {
      if (h.type === "component") return this.incoming.component(h.hash, body, ctx);
      return this.incoming.snapshot(h, body, ctx);
    });
    this.#unsubscribe = this.deps.cluster.machine.onEvents((evs) => this.incoming.onEvents(evs));
    agents.onMigrateRequest((name, node) => this.migrate(name, node));
    for await (const e of this.deps.kv.list<Intent>({ prefix: ["migration-intent"] })) {
      this.#task(this.outgoing.recover(String(e.key[1]), e.value));
    }
    for await (const e of this.deps.kv.list<ArrivalMark>({ prefix: ["migration-arrival"] })) {
      this.#task(this.incoming.recover(String(e.key[1]), e.value));
    }
    this.load.start();
    if (this.#hibernation) this.hibernator.start();
  }

  /** Moves a local agent to another member. See {@link Outgoing.migrate}. */
  migrate(agent: string, target: string): Promise<MigrationReport> {
    if (this.#stop.signal.aborted) {
      return Promise.reject(new ApiError("UNAVAILABLE", "node is shutting down"));
    }
    return this.outgoing.migrate(agent, target);
  }

  /** `list-nodes`: every member with its load, free memory and measured latency. */
  listNodes(): NodeInfo[] {
    return this.load.list();
  }

  /**
   * Moves every agent of this node to other members (`targets`, default all others),
   * each to the member with the fewest agents placed by this drain and the lowest load.
   */
  async drain(targets?: string[]): Promise<DrainReport> {
    const self = this.deps.cluster.id;
    const members = this.#dir.members().filter((m) => m !== self);
    const pool = targets?.length ? members.filter((m) => targets.includes(m)) : members;
    const report: DrainReport = { node: self, migrated: [], failed: [] };
    if (targets?.length) {
      for (const t of targets) {
        if (!members.includes(t)) {
          throw new ApiError("NOT_FOUND", `Node '${t}' is not another cluster member`, {
            node: t,
            members,
          });
        }
      }
    }
    if (pool.length === 0) {
      throw new ApiError("CONFLICT", "No other member to drain to", { node: self });
    }
    const placed = new Map(pool.map((m) => [m, 0]));
    const loads = new Map(this.listNodes().map((n) => [n.id, n.load]));
    const names: string[] = [];
    for (let offset = 0;;) {
      const page = this.deps.agents.list({ offset, limit: 1000 });
      for (const a of page.agents) {
        if (a.status === "running" || a.status === "hibernated") names.push(a.name);
      }
      if (page.next_offset === undefined) break;
      offset = page.next_offset;
    }
    for (const name of names) {
      const to = [...placed.entries()].sort((a, b) =>
        a[1] - b[1] || (loads.get(a[0]) ?? 1) - (loads.get(b[0]) ?? 1) || (a[0] < b[0] ? -1 : 1)
      )[0][0];
      try {
        report.migrated.push(await this.migrate(name, to));
        placed.set(to, placed.get(to)! + 1);
      } catch (e) {
        const err = e instanceof ApiError
          ? { code: e.code, message: e.message }
          : { code: "INTERNAL_ERROR", message: String(e) };
        report.failed.push({ agent: name, to, error: err });
      }
    }
    this.deps.events?.publish({
      type: "migration.drained",
      details: { migrated: report.migrated.length, failed: report.failed.length },
    });
    return report;
  }

  /** Stops serving and waits for background work; agents are left as they are. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#unsubscribe?.();
    await this.hibernator.stop();
    await this.load.stop();
    await Promise.allSettled([...this.#tasks]);
    await this.outgoing.settle();
    await this.incoming.settle();
    await this.deps.net.unhandle(MIGRATE_PROTOCOL).catch(() => {});
  }

  /** `status` (asked by a target after its restart): is the move of `nonce` under way? */
  async #status(agent: string, nonce: string, peer: string) {
    const from = this.#dir.requireMember(peer);
    const intent = (await this.deps.kv.get<Intent>(intentKey(agent))).value;
    if (intent && intent.nonce === nonce) return { state: "pending" as const };
    return { state: this.#dir.nodeOf(agent) === from ? "committed" as const : "aborted" as const };
  }

  #task(p: Promise<unknown>): void {
    const q = p.catch((e) => this.deps.log.warn("migration recovery failed", { error: String(e) }));
    this.#tasks.add(q);
    q.finally(() => this.#tasks.delete(q));
  }
}
