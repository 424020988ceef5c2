/**
 * The source half of a move: offer, component (if the target lacks it), pause at a message
 * boundary, snapshot, sign, transfer, commit through Raft (`agent.move` from this node),
 * release the held messages to the target. Before the commit the agent can resume here;
 * after it, it is the target's.
 * @module
 */
import { ApiError } from "../errors/mod.ts";
import { MIGRATE_PROTOCOL } from "../net/mod.ts";
import type { HeldDelivery } from "./capture.ts";
import { DirectoryView, type Intent, intentKey, type MigrationDeps, pause } from "./context.ts";
import { heldToWire } from "./held-wire.ts";
import { OfferAnswerSchema, ReadyAnswerSchema } from "./wire.ts";

/** What one migration did. */
export interface MigrationReport {
  agent: string;
  from: string;
  to: string;
  /** From the request to the release, ms. */
  duration_ms: number;
  /** While the agent held its messages (pause to commit), ms. */
  paused_ms: number;
  /** Whether the component's bytes had to be sent. */
  component_sent: boolean;
  /** The sealed (compressed, signed) snapshot. */
  snapshot_bytes: number;
  /** The snapshot before compression. */
  raw_bytes: number;
  /** Messages held during the move and handed to the target. */
  held_messages: number;
  nonce: string;
}

/** Largest component sent. */
const MAX_COMPONENT_BYTES = 256 * 1024 * 1024;

/** The source side of the migration protocol. */
export class Outgoing {
  readonly #moving = new Set<string>();
  readonly #forgetting = new Map<string, Promise<void>>();
  /** `target\nhash` pairs: components targets are known to have. */
  readonly #hasComponent = new Set<string>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #dir: DirectoryView;

  constructor(readonly deps: MigrationDeps, readonly signal: AbortSignal) {
    this.#dir = new DirectoryView(deps.cluster);
  }

  get #self(): string {
    return this.deps.cluster.id;
  }

  /**
   * Moves a local agent to `target` (a member id).
   *
   * @throws {ApiError} `AGENT_NOT_FOUND`, `NOT_FOUND` (no such member), `INVALID_REQUEST`
   * (already there), `CONFLICT` (already moving, or refused by the directory), the target's
   * refusal, or `UNAVAILABLE` (target unreachable). The agent then continues here.
   */
  async migrate(ref: string, target: string): Promise<MigrationReport> {
    const t0 = performance.now();
    const view = this.deps.agents.get(ref);
    const name = view.name;
    if (target === this.#self) {
      throw new ApiError("INVALID_REQUEST", `Agent '${name}' is already on node '${target}'`, {
        agent: name,
        node: target,
      });
    }
    if (!this.#dir.keyOf(target)) {
      throw new ApiError("NOT_FOUND", `Node '${target}' is not a cluster member`, {
        node: target,
        members: this.#dir.members(),
      });
    }
    const addr = this.deps.cluster.addressOf(target);
    if (!addr) {
      throw new ApiError("UNAVAILABLE", `No address for node '${target}'`, { node: target });
    }
    if (this.#moving.has(name)) {
      throw new ApiError("CONFLICT", `Agent '${name}' is already moving`, { agent: name });
    }
    this.#moving.add(name);
    try {
      // A target that took this component before is not asked again; if it lost it, the
      // snapshot is refused before anything changed and the move is tried once more, asking.
      const known = `${target}\n${view.hash}`;
      if (this.#hasComponent.has(known)) {
        try {
          return await this.#move(name, view.hash, target, addr, t0, false);
        } catch (e) {
          if (!(e instanceof ApiError && e.details.reason === "component-missing")) throw e;
          this.#hasComponent.delete(known);
        }
      }
      const report = await this.#move(name, view.hash, target, addr, t0, true);
      this.#hasComponent.add(known);
      return report;
    } finally {
      this.#moving.delete(name);
    }
  }

  async #move(
    name: string,
    hash: string,
    target: string,
    addr: string,
    t0: number,
    ask: boolean,
  ): Promise<MigrationReport> {
    const { agents, net, store, keeper, kv, log } = this.deps;
    const offer = ask
      ? await net.request(addr, MIGRATE_PROTOCOL, {
        type: "offer",
        agent: name,
        hash,
      }, { responseSchema: OfferAnswerSchema, timeoutMs: 10_000 })
      : { need_component: false };
    if (offer.need_component) {
      const bytes = await store.original(hash);
      if (!bytes) {
        throw new ApiError(
          "UNAVAILABLE",
          `The bytes of component ${hash} are not kept here; redeploy it to move it`,
          { hash },
        );
      }
      if (bytes.length > MAX_COMPONENT_BYTES) {
        throw new ApiError("PAYLOAD_TOO_LARGE", "component too large to send", {
          bytes: bytes.length,
        });
      }
      await net.transfer(addr, MIGRATE_PROTOCOL, { type: "component", hash }, bytes, {
        idleTimeoutMs: 180_000,
      });
    }
    const meta = keeper.meta("migration", target);
    const intent: Intent = { to: target, nonce: meta.nonce, at: meta.taken_at };
    const tPause = performance.now();
    const capture = await agents.pauseForMove(name, {
      from: this.#self,
      to: target,
      at: meta.taken_at,
      nonce: meta.nonce,
    });
    this.deps.events?.publish({
      type: "migration.started",
      agent_id: name,
      details: { from: this.#self, to: target, nonce: meta.nonce },
    });
    let committed = false;
    let sealed;
    let persist: Promise<unknown> | undefined;
    try {
      capture.conversations = this.deps.conversations?.export(name) ?? null;
      // From here no timer of the agent fires on this node (they travel with it).
      const timers = this.deps.timers?.take(name);
      if (timers) capture.timers = timers;
      sealed = await keeper.seal(capture, meta);
      // The intent (a restart must settle the move before running the agent) and the
      // snapshot (its state if it stays) are written while the snapshot travels; both are
      // durable before the commit. Messages held before that are in the held log, which a
      // restart replays either way.
      persist = keeper.saveSealed(name, sealed, {
        also: (op) => op.set(intentKey(name), intent),
      });
      if (this.deps.faults?.armed("source:before-transfer")) {
        await persist;
        this.deps.faults.at("source:before-transfer");
      }
      await Promise.all([
        persist,
        net.transfer(
          addr,
          MIGRATE_PROTOCOL,
          { type: "snapshot", agent: name, nonce: meta.nonce, from: this.#self },
          sealed.bytes,
          { responseSchema: ReadyAnswerSchema, idleTimeoutMs: 60_000 },
        ),
      ]);
      this.deps.faults?.at("source:after-transfer");
      committed = await this.#commit(name, target, meta.taken_at);
      if (!committed) {
        throw new ApiError("CONFLICT", `The directory refused to move '${name}'`, {
          agent: name,
          to: target,
        });
      }
    } catch (e) {
      if (e instanceof CommitInDoubt) {
        // The node stops while the commit's outcome is unknown: it may have moved the agent.
        // Resuming it here, or having the target drop it, could run it twice or lose it, so
        // everything stays as a crash would leave it (the agent paused, its intent, sealed
        // snapshot and held messages stored) and the node's restart settles it (`recover`).
        this.deps.metrics?.migrations.inc({ outcome: "aborted" });
        log.warn("node stopping during a move's commit; its restart settles the move", {
          agent: name,
          to: target,
        });
        throw new ApiError(
          "UNAVAILABLE",
          `Node '${this.#self}' stopped while the move of '${name}' to '${target}' was committing; it is settled when the node restarts`,
          { agent: name, to: target },
        );
      }
      if (!committed) {
        this.deps.timers?.load(name, capture.timers);
        await persist?.catch(() => {});
        await agents.resumeAfterMove(name).catch((err) =>
          log.error("could not resume agent after a failed move", {
            agent: name,
            error: String(err),
          })
        );
        await kv.delete(intentKey(name));
        this.#bg(this.#abort(addr, name, meta.nonce));
        this.deps.metrics?.migrations.inc({ outcome: "aborted" });
        this.deps.events?.publish({
          type: "migration.failed",
          agent_id: name,
          severity: "warning",
          details: { from: this.#self, to: target, error: (e as Error).message },
        });
        log.warn("migration failed; agent resumed here", {
          agent: name,
          to: target,
          error: (e as Error).message,
        });
      }
      throw e;
    }
    this.deps.faults?.at("source:after-commit");
    const pausedMs = performance.now() - tPause;
    const queued = new Set(capture.queued.map((q) => q.delivery.message_id));
    const held = (await agents.releaseMoved(name)).filter((h) =>
      !queued.has(h.delivery.message_id)
    );
    this.deps.conversations?.drop?.(name);
    await this.deps.timers?.drop(name);
    await this.#hand(name, target, meta.nonce, held);
    this.deps.metrics?.migrations.inc({ outcome: "ok" });
    const report: MigrationReport = {
      agent: name,
      from: this.#self,
      to: target,
      duration_ms: round(performance.now() - t0),
      paused_ms: round(pausedMs),
      component_sent: offer.need_component,
      snapshot_bytes: sealed.bytes.length,
      raw_bytes: sealed.rawBytes,
      held_messages: capture.queued.length + held.length,
      nonce: meta.nonce,
    };
    this.deps.events?.publish({
      type: "migration.completed",
      agent_id: name,
      details: report as unknown as Record<string, unknown>,
    });
    log.info("agent migrated", { ...report });
    return report;
  }

  /**
   * Settles once what this node kept of `agent` after it left is deleted: an agent coming
   * back must not meet its old record, snapshot or held messages.
   */
  forgotten(agent: string): Promise<void> {
    return this.#forgetting.get(agent) ?? Promise.resolve();
  }

  /** Whether a move of `agent` is under way here. */
  moving(agent: string): boolean {
    return this.#moving.has(agent);
  }

  /**
   * Commits the move. An error (timeout, no leader) leaves the outcome unknown, so the same
   * proposal is retried until an answer is definite, or the node stops: then
   * {@link CommitInDoubt}. `stale-location` is read back: the cluster re-proposes across
   * leader changes, so the refusal may be the echo of a proposal that committed (only this
   * node moves agents away from it, so finding the agent on the target means it did).
   */
  async #commit(name: string, target: string, at: string): Promise<boolean> {
    let delay = 50;
    for (;;) {
      try {
        const r = await this.deps.cluster.propose({
          type: "agent.move",
          name,
          from_node: this.#self,
          to_node: target,
          state: "running",
          at,
        });
        if (r.ok) return true;
        if (r.reason !== "stale-location") return false;
        await this.deps.cluster.linearizableRead();
        return this.#dir.nodeOf(name) === target;
      } catch (e) {
        if (this.signal.aborted) throw new CommitInDoubt(name, e);
        this.deps.log.warn("move commit uncertain; retrying", { agent: name, error: String(e) });
        await pause(delay, this.signal);
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  /**
   * Hands the held messages to the target, retrying until it takes them; then forgets the
   * agent here (in the background: until the intent is gone a restart would hand over
   * again, which the target ignores). Resolves after the first attempt.
   */
  async #hand(name: string, target: string, nonce: string, held: HeldDelivery[]): Promise<void> {
    const forget = () => {
      const p = (async () => {
        await this.deps.agents.forgetMoved(name);
        await this.deps.kv.delete(intentKey(name));
      })();
      const done = p.catch(() => {}).finally(() => {
        if (this.#forgetting.get(name) === done) this.#forgetting.delete(name);
      });
      this.#forgetting.set(name, done);
      this.#bg(p);
    };
    const once = async () => {
      const now = this.#dir.nodeOf(name); // (this node's view may still lag: then "here")
      if (now !== undefined && now !== target && now !== this.#self) {
        // It moved on (the target gave up waiting and passed it on): the messages follow
        // it through the router, wherever it is.
        for (const q of held) {
          const copy = { ...q.delivery, message: { ...q.delivery.message, receivers: [q.to] } };
          await this.deps.agents.deps.router.route(copy);
        }
        forget();
        return;
      }
      const addr = this.deps.cluster.addressOf(target);
      if (!addr) throw new ApiError("UNAVAILABLE", `No address for node '${target}'`);
      await this.deps.net.request(addr, MIGRATE_PROTOCOL, {
        type: "release",
        agent: name,
        nonce,
        messages: held.map(heldToWire),
      }, { timeoutMs: 10_000 });
      forget();
    };
    try {
      await once();
    } catch (e) {
      this.deps.log.warn("release to target failed; retrying", {
        agent: name,
        to: target,
        error: String(e),
      });
      this.#bg((async () => {
        let delay = 100;
        while (!this.signal.aborted) {
          await pause(delay, this.signal);
          if (this.signal.aborted) return;
          try {
            await once();
            return;
          } catch {
            delay = Math.min(2000, delay * 2);
          }
        }
      })());
    }
  }

  /**
   * Settles a move a restart left in doubt. A fencing proposal (`agent.move` from here to
   * here) is ordered after anything the move may have committed: if it succeeds the agent
   * is still ours and continues here; if the agent is elsewhere it went to the target, which
   * gets the held messages.
   */
  async recover(name: string, intent: Intent): Promise<void> {
    const { cluster, agents, log, kv } = this.deps;
    let delay = 100;
    while (!this.signal.aborted) {
      try {
        const r = await cluster.propose({
          type: "agent.move",
          name,
          from_node: this.#self,
          to_node: this.#self,
          at: new Date((this.deps.now ?? Date.now)()).toISOString(),
        });
        if (r.ok) {
          await agents.resumeAfterMove(name);
          await kv.delete(intentKey(name));
          const addr = cluster.addressOf(intent.to);
          if (addr) this.#bg(this.#abort(addr, name, intent.nonce));
          log.info("interrupted move undone; agent continues here", { agent: name });
          return;
        }
        await cluster.linearizableRead();
        const node = this.#dir.nodeOf(name);
        let held: HeldDelivery[];
        try {
          held = agents.releaseMoved(name);
        } catch {
          held = await this.deps.held.list(name);
        }
        if (node === intent.to) {
          log.info("interrupted move had committed; handing over", { agent: name, to: node });
          await this.#hand(name, intent.to, intent.nonce, held);
        } else {
          log.warn("agent of an interrupted move is gone", { agent: name, node, reason: r.reason });
          await agents.forgetMoved(name);
          await kv.delete(intentKey(name));
        }
        return;
      } catch (e) {
        log.debug("move recovery retry", { agent: name, error: String(e) });
        await pause(delay, this.signal);
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  /** Tells the target to drop what it staged (best effort). */
  async #abort(addr: string, agent: string, nonce: string): Promise<void> {
    try {
      await this.deps.net.request(addr, MIGRATE_PROTOCOL, { type: "abort", agent, nonce }, {
        timeoutMs: 5_000,
      });
    } catch (e) {
      this.deps.log.debug("abort not delivered to target", { agent, error: String(e) });
    }
  }

  #bg(p: Promise<unknown>): void {
    const q = p.catch((e) => this.deps.log.warn("migration task failed", { error: String(e) }));
    this.#background.add(q);
    q.finally(() => this.#background.delete(q));
  }

  /** Waits for background tasks (after the signal aborted). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#background]);
  }
}

/** The node stopped before it learned whether the move of `agent` committed. */
class CommitInDoubt extends Error {
  constructor(readonly agent: string, cause: unknown) {
    super(`the move of '${agent}' may have committed: ${cause}`, { cause });
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
