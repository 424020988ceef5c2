/**
 * Mobility: hibernation (snapshot, free the instance, wake on the next message) and both
 * sides of a move (pause and capture on the source, staged arrival on the target, resume
 * when the move did not happen). While an agent is paused its messages are held, in order
 * (in the held log when durable), and released to it when the pause ends.
 * @module
 */
import { aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { workerLostError } from "../sandbox/mod.ts";
import type { AgentStore } from "./agent-store.ts";
import type { AgentCapture, HeldDelivery, MigrationHop, StagedArrival } from "./contract.ts";
import type { AgentInstance, AgentManagerDeps } from "./deps.ts";
import type { LifecycleStep } from "./faults.ts";
import type { Instances } from "./instances.ts";
import type { Mailbox } from "./mailbox.ts";
import { byKey, type Hold, type Managed, newManaged, type Queued } from "./managed.ts";
import type { AgentRegistry } from "./registry.ts";
import type { RestartSupervisor } from "./supervisor.ts";
import type { AgentView } from "./view.ts";

/** The parts mobility works with. */
export interface MobilityParts {
  store: AgentStore;
  registry: AgentRegistry;
  instances: Instances;
  supervisor: RestartSupervisor;
  now: () => number;
}

/** Hibernation and moves of agents. */
export class Mobility {
  readonly store: AgentStore;
  readonly registry: AgentRegistry;
  readonly instances: Instances;
  readonly supervisor: RestartSupervisor;
  readonly now: () => number;
  /** Serves an agent's `migrate-to` request (the migration service). */
  migrateHandler?: (name: string, node: string) => Promise<unknown>;
  /** The mailbox (set by the manager: the mailbox asks mobility whether to hold). */
  mailbox!: Mailbox;

  constructor(readonly deps: AgentManagerDeps, parts: MobilityParts) {
    ({
      store: this.store,
      registry: this.registry,
      instances: this.instances,
      supervisor: this.supervisor,
      now: this.now,
    } = parts);
  }

  /** Runs the fault hook before `step` (tests only). */
  async #step(step: LifecycleStep, agent: string): Promise<void> {
    await this.deps.fault?.(step, agent);
  }

  /**
   * Hibernates a running agent: snapshots it at a message boundary into the node's snapshot
   * store and frees its sandbox instance (state `hibernated`). Its next message wakes it
   * from that snapshot, transparently. A message that arrives while the snapshot is taken
   * keeps it running.
   *
   * @throws {ApiError} `UNAVAILABLE` without a snapshot store, `CONFLICT` unless running.
   */
  hibernate(ref: string): Promise<AgentView> {
    const m = this.registry.find(ref);
    return this.registry.serial(m, async () => {
      const snapshots = this.deps.snapshots;
      if (!snapshots) throw new ApiError("UNAVAILABLE", "this node keeps no snapshots");
      if (m.record.state === "hibernated" && !m.handle) return this.registry.view(m);
      const h = m.handle;
      if (!h || m.record.state !== "running" || m.hold) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${m.record.name}' is ${m.record.state}; only a running agent hibernates`,
          { agent: m.record.name, state: m.record.state },
        );
      }
      const hold: Hold = { reason: "hibernate", queue: [], durable: false, front: 0 };
      m.hold = hold;
      try {
        await m.ckpt?.flush();
        await snapshots.save(await this.instances.capture(m, h), "hibernation");
      } catch (e) {
        this.mailbox.release(m);
        throw e;
      }
      if (hold.queue.length > 0 || m.handle !== h) {
        this.mailbox.release(m);
        return this.registry.view(m);
      }
      this.instances.closeCheckpoints(m);
      this.store.checkpoints.invalidate(m.record.name); // a sleeper keeps no index
      m.handle = undefined;
      this.registry.setState(m, "hibernated");
      m.hold = undefined;
      this.deps.metrics?.hibernations.inc();
      this.deps.events.publish({ type: "agent.hibernated", agent_id: m.record.name });
      await h.terminate().catch(() => {});
      await this.store.putRecord(m.record);
      return this.registry.view(m);
    });
  }

  /**
   * Source side of a move: waits for the agent's other lifecycle operations, pauses it at
   * its next message boundary and captures it (with `hop` added to its history). From then
   * on its messages are held, in order, and written to the held log before they are
   * acknowledged; its lifecycle stays locked until {@link resumeAfterMove} (the move did
   * not happen: it continues here) or {@link releaseMoved} (the move committed).
   *
   * @throws {ApiError} `AGENT_NOT_FOUND`; `CONFLICT` unless running or hibernated.
   */
  async pauseForMove(ref: string, hop: MigrationHop): Promise<AgentCapture> {
    const m = this.registry.find(ref);
    const name = m.record.name;
    const entered = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    this.registry.serial(m, () => {
      entered.resolve();
      return gate.promise;
    }).catch((e) => entered.reject(e));
    await entered.promise;
    m.unlock = gate.resolve;
    try {
      this.registry.open();
      if (this.registry.get(name) !== m) {
        throw new ApiError("AGENT_NOT_FOUND", `Agent '${ref}' not found`, { agent: ref });
      }
      if (m.hold && m.hold.reason !== "wake") {
        throw new ApiError("CONFLICT", `Agent '${name}' is busy (${m.hold.reason})`, {
          agent: name,
        });
      }
      // It would carry a version the directory may have replaced while this node was away.
      if (m.unaligned) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${name}' moves once this node has caught up with the directory (restarted)`,
          { agent: name },
        );
      }
      const hibernated = !m.handle && m.record.state === "hibernated";
      if (!hibernated && (!m.handle || m.record.state !== "running")) {
        throw new ApiError(
          "CONFLICT",
          `Agent '${name}' is ${m.record.state}; only running or hibernated agents move`,
          { agent: name, state: m.record.state },
        );
      }
      const hold: Hold = {
        reason: "move",
        queue: m.hold?.queue ?? [],
        durable: this.deps.held !== undefined,
        front: 0,
      };
      m.hold = hold;
      await this.#step("move.hold", name);
      for (const q of hold.queue) await this.deps.held?.append(name, q);
      await this.#step("move.capture", name);
      let capture: AgentCapture;
      const last = m.handle ? undefined : await this.instances.lastSnapshot(m);
      // Never started (deployed asleep), or its snapshot is of another component: it starts
      // here fresh, as its next message would have woken it, and moves as it is then.
      if (!m.handle && !last) await this.instances.activate(m);
      if (m.handle) {
        await m.ckpt?.flush();
        capture = await this.instances.capture(m, m.handle);
      } else {
        if (!last) {
          throw new ApiError("CONFLICT", `Agent '${name}' is hibernated without a snapshot`, {
            agent: name,
          });
        }
        const storage = [...(await this.store.loadStorage(name))].sort(byKey);
        capture = { ...last, record: m.record, storage, history: m.history };
      }
      return {
        ...capture,
        record: { ...m.record, state: "running" },
        queued: hold.queue.map(({ delivery, to }) => ({ delivery, to })),
        history: [...m.history, hop],
      };
    } catch (e) {
      await this.resumeAfterMove(name).catch(() => {});
      throw e;
    }
  }

  /**
   * The move did not happen (or, with `arrived`, an interrupted arrival turned out to have
   * committed): the agent continues here, restored from its last snapshot if a restart left
   * it without an instance, and gets the messages it held, in order. On a source the held
   * log has every message the snapshot holds; an arrival's snapshot holds the source's,
   * which go first (`arrived`).
   */
  async resumeAfterMove(ref: string, opts: { arrived?: boolean } = {}): Promise<void> {
    const m = this.registry.find(ref);
    const hold = m.hold;
    try {
      if (hold && (hold.reason === "move" || hold.reason === "recover")) {
        const state = m.record.state;
        if (!m.handle && (state === "running" || state === "loaded")) {
          try {
            const last = await this.instances.lastSnapshot(m);
            await this.instances.activate(
              m,
              last && (opts.arrived ? last : { ...last, queued: [] }),
            );
          } catch (e) {
            this.supervisor.markFailed(
              m,
              "trap",
              `could not resume after a move: ${(e as Error).message}`,
            );
          }
        }
        this.mailbox.release(m);
        await this.deps.held?.clear(m.record.name);
      }
    } finally {
      this.registry.unlock(m);
    }
  }

  /**
   * The move committed: the agent leaves this node (instance dropped, no longer reachable
   * here). Returns the messages it held, in order, for the new node. What this node
   * persisted of it stays until {@link forgetMoved}, so a crash before then can still hand
   * the held messages over.
   */
  releaseMoved(ref: string): HeldDelivery[] {
    const m = this.registry.find(ref);
    const hold = m.hold;
    m.hold = undefined;
    const h = m.handle;
    this.instances.closeCheckpoints(m);
    m.handle = undefined;
    this.supervisor.cancel(m);
    this.registry.untrack(m);
    this.registry.unlock(m);
    h?.terminate().catch(() => {});
    const out: HeldDelivery[] = [];
    for (const q of hold?.queue ?? []) {
      q.settle?.(Promise.resolve());
      out.push({ delivery: q.delivery, to: q.to });
    }
    return out;
  }

  /** Deletes what this node persisted of an agent that moved away. */
  async forgetMoved(name: string): Promise<void> {
    if (this.registry.has(name) || this.deps.router.hasLocal(name)) return; // it is back
    await this.store.deleteAgent(name);
    await this.deps.snapshots?.remove(name);
    await this.deps.held?.clear(name);
  }

  /**
   * Target side of a move: restores the agent from `capture` in the sandbox and takes its
   * messages, holding them (in the held log) without handing them to it: it is not this
   * node's agent until the move commits. `commit()` (once it did) makes it this node's:
   * listed and persisted, still holding until {@link completeArrival}. `discard()` (the
   * move did not happen) drops the instance and sends what it held on to the agent's
   * owner.
   *
   * @throws {ApiError} `AGENT_ALREADY_EXISTS` when an agent of that name is here.
   */
  async stageArrival(capture: AgentCapture): Promise<StagedArrival> {
    this.registry.open();
    const r = capture.record;
    const name = r.name;
    if (this.registry.has(name) || this.deps.router.hasLocal(name)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent '${name}' is already on this node`, {
        agent: name,
      });
    }
    const m = newManaged(
      { ...r, state: "running", failure: undefined },
      this.now(),
      capture.history,
    );
    // Messages held here for it before a restart (the arrival was interrupted).
    const queued = capture.queued.map(({ delivery, to }): Queued => ({ delivery, to }));
    const ids = new Set(queued.map((q) => q.delivery.message_id));
    const earlier = (await this.deps.held?.list(name) ?? []).filter((q) =>
      !ids.has(q.delivery.message_id)
    );
    m.handle = await this.deps.sandbox.activate({
      agentId: aid(`${name}@${this.deps.router.platform}`),
      hash: r.hash,
      manifest: r.manifest,
      limits: r.limits,
      storage: capture.storage,
      snapshot: capture.memory,
      host: this.instances.host(m),
    });
    m.ckpt = this.instances.checkpointer(m, m.handle);
    m.counters.activated_at = this.now();
    m.hold = {
      reason: "arrive",
      queue: [...queued, ...earlier],
      durable: this.deps.held !== undefined,
      front: queued.length,
    };
    try {
      this.registry.connect(m);
    } catch (e) {
      await m.handle.terminate().catch(() => {});
      throw e;
    }
    let stage: "staged" | "committed" | "discarded" = "staged";
    let prepared: Promise<void> | undefined;
    const prepare = () =>
      prepared ??= (async () => {
        await this.store.deleteAgent(name);
        await this.store.replaceStorage(name, capture.storage);
        await this.store.putRecord(m.record); // last: a record means the storage is whole
      })();
    return {
      name,
      prepare,
      commit: async () => {
        if (stage !== "staged") return;
        stage = "committed";
        this.registry.adopt(m);
        await prepare();
      },
      discard: async () => {
        if (stage !== "staged") return;
        stage = "discarded";
        if (prepared) {
          await prepared.catch(() => {});
          await this.store.deleteAgent(name);
        }
        m.unregister?.();
        const hold = m.hold;
        m.hold = undefined;
        this.instances.closeCheckpoints(m);
        await m.handle?.terminate().catch(() => {});
        // What reached this node for it meanwhile goes where it lives.
        for (const q of hold?.queue.slice(hold.front) ?? []) {
          const copy = { ...q.delivery, message: { ...q.delivery.message, receivers: [q.to] } };
          this.deps.router.route(copy).then(
            () => q.settle?.(Promise.resolve()),
            (e) => {
              q.settle?.(Promise.reject(e));
              this.deps.log.warn("message held for an arrival that did not happen is lost", {
                agent: name,
                message_id: q.delivery.message_id,
                error: String(e),
              });
            },
          );
        }
        await this.deps.held?.clear(name);
      },
    };
  }

  /**
   * Ends an arrival: delivers, in order, the messages that came with the agent, then
   * `released` (those the source held after its snapshot; duplicates dropped), then those
   * that reached this node since the commit. Released messages that come after the
   * arrival ended are delivered as they come.
   */
  completeArrival(ref: string, released: HeldDelivery[]): void {
    const m = this.registry.find(ref);
    const hold = m.hold;
    if (!hold || hold.reason !== "arrive") {
      for (const q of released) this.mailbox.redeliver(m, q);
      return;
    }
    const seen = new Set(hold.queue.map((q) => q.delivery.message_id));
    const fresh = released.filter((q) => !seen.has(q.delivery.message_id));
    hold.queue.splice(hold.front, 0, ...fresh);
    this.mailbox.release(m);
    if (hold.durable) {
      this.deps.held?.clear(m.record.name).catch((e) =>
        this.deps.log.warn("held log not cleared", { agent: m.record.name, error: String(e) })
      );
    }
  }

  /** Whether the agent is still waiting for its arrival to complete. */
  arriving(name: string): boolean {
    return this.registry.get(name)?.hold?.reason === "arrive";
  }

  /**
   * Whether deliveries to `m` are held now; a hibernated agent starts waking here. One not
   * aligned with the directory yet (see {@link aligned}) that is not running (restored
   * unstarted, or hibernated) holds them until then instead (`align`): its version, and
   * whether it runs here at all, are not known yet.
   */
  holding(m: Managed): boolean {
    if (m.hold) return true;
    if (m.unaligned && this.#startsOnAlignment(m)) {
      m.hold = { reason: "align", queue: [], durable: false, front: 0 };
      return true;
    }
    if (this.#wakes(m)) {
      this.#wake(m);
      return true;
    }
    return false;
  }

  /**
   * The agent is aligned with the directory (its version is the directory's: see
   * `Lifecycle.realign`, which calls this under the agent's lifecycle lock): if messages
   * waited meanwhile, they go to it now, in order (a hibernated agent wakes for them, at
   * that version, unless the directory places it elsewhere: then they follow it there).
   */
  aligned(m: Managed): void {
    if (m.unaligned) m.unaligned = undefined;
    const hold = m.hold;
    if (hold?.reason !== "align") return;
    if (this.#wakes(m)) this.#wake(m, hold.queue);
    else this.mailbox.release(m);
  }

  /**
   * Whether a message wakes `m`: hibernated, without an instance, on an open node, and not
   * placed elsewhere by the directory (its messages go there instead).
   */
  #wakes(m: Managed): boolean {
    return this.#sleeps(m) && !m.placedElsewhere;
  }

  /** Hibernated without an instance, on an open node that keeps snapshots. */
  #sleeps(m: Managed): boolean {
    return !m.handle && m.record.state === "hibernated" && this.deps.snapshots !== undefined &&
      !this.registry.closed;
  }

  /** Whether `m` would run once aligned: hibernated, or restored unstarted while running. */
  #startsOnAlignment(m: Managed): boolean {
    const state = m.record.state;
    return this.#sleeps(m) ||
      (!m.handle && !this.registry.closed && (state === "running" || state === "loaded"));
  }

  /**
   * Wakes a hibernated agent from its last snapshot, then hands it what it held (`queue`:
   * what an `align` hold gathered first).
   */
  #wake(m: Managed, queue: Queued[] = []): void {
    const t0 = performance.now();
    const hold: Hold = { reason: "wake", queue, durable: false, front: 0 };
    m.hold = hold;
    this.registry.serial(m, async () => {
      if (m.hold !== hold) return; // a move took the agent (and the held messages) over
      try {
        if (!m.handle) {
          const last = await this.instances.lastSnapshot(m);
          const recorded = await this.instances.activate(m, last, { snapshotStorage: true });
          const record = m.record;
          if (!recorded) {
            this.store.putRecord(record).catch((e) =>
              this.deps.log.warn("record not written after waking", {
                agent: record.name,
                error: String(e),
              })
            );
          }
          this.deps.metrics?.wakes.inc();
          this.deps.events.publish({
            type: "agent.woken",
            agent_id: m.record.name,
            details: { ms: Math.round((performance.now() - t0) * 1000) / 1000 },
          });
        }
      } catch (e) {
        this.supervisor.markFailed(
          m,
          "trap",
          `could not wake from hibernation: ${(e as Error).message}`,
        );
      } finally {
        if (m.hold === hold) this.mailbox.release(m);
      }
    }).catch(() => {});
  }

  /**
   * Instance `h` of `m` lost its Worker because a neighbour hung: the agent did nothing
   * wrong, so it is neither marked failed nor counted against its restart strategy. It
   * starts again in another Worker from its last committed checkpoint — memory and storage
   * of one message boundary, which every acknowledged at-least-once message is in — while
   * its messages are held. The handlings that checkpoint does not cover (and the calls the
   * Worker had not answered) were not acknowledged: the mailbox hands them to the new
   * instance, so each counts exactly once.
   */
  workerLost(m: Managed, h: AgentInstance, reason: string): void {
    if (this.registry.closed || m.handle !== h) return;
    const name = m.record.name;
    const hold: Hold = m.hold ?? { reason: "worker-lost", queue: [], durable: false, front: 0 };
    m.hold = hold;
    this.instances.closeCheckpoints(m, "its Worker was lost", workerLostError(name, reason));
    m.handle = undefined;
    this.registry.serial(m, async () => {
      const state = m.record.state;
      if (this.registry.closed || m.handle || (state !== "running" && state !== "loaded")) return;
      try {
        const last = await this.instances.lastSnapshot(m);
        await this.instances.activate(m, last);
        this.deps.events.publish({
          type: "agent.restarted",
          agent_id: name,
          details: { from_snapshot: last !== undefined, cause: "worker-lost", reason },
        });
      } catch (e) {
        this.supervisor.markFailed(
          m,
          "trap",
          `could not start again after its Worker was lost: ${(e as Error).message}`,
        );
      }
    }).catch(() => {}) // the agent left or was removed meanwhile
      .finally(() => {
        if (m.hold === hold) this.mailbox.release(m);
      });
  }

  /**
   * After a restart: messages an arrival held (written to the held log, not yet handed to
   * the agent when the node stopped) go to the agent now, except those its snapshot held.
   */
  async replayHeld(m: Managed, last: AgentCapture | undefined): Promise<void> {
    const held = await this.deps.held?.list(m.record.name) ?? [];
    if (held.length === 0) return;
    const had = new Set(last?.queued.map((q) => q.delivery.message_id) ?? []);
    for (const q of held) if (!had.has(q.delivery.message_id)) this.mailbox.redeliver(m, q);
    await this.deps.held?.clear(m.record.name);
  }

  /** Ends a hold: its deliveries go to the agent, in order. */

  requestMigration(m: Managed, node: string): void {
    const name = m.record.name;
    const handler = this.migrateHandler;
    if (!handler) {
      this.deps.log.warn("agent asked to migrate; this node cannot move agents", { agent: name });
      return;
    }
    queueMicrotask(() =>
      handler(name, node).catch((e) =>
        this.deps.log.warn("migration the agent asked for failed", {
          agent: name,
          node,
          error: (e as Error).message,
        })
      )
    );
  }
}
