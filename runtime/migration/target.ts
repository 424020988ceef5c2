/**
 * The target half of a move: answers offers, takes component bytes, verifies a sealed
 * snapshot (signer, digest, signature, owner, nonce), restores and persists it, and adopts
 * the agent when the move commits (seen in the directory, or told by the source's release).
 * The adopted agent holds its messages until the source's release (or a timeout), so the
 * messages of the move arrive once and in order.
 * @module
 */
import type { DirectoryEvent } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { MIGRATE_PROTOCOL, type RequestContext } from "../net/mod.ts";
import { openSnapshot, SnapshotRefused } from "./acceptance.ts";
import type { AgentSnapshot, HeldDelivery, StagedArrival } from "./capture.ts";
import {
  arrivalKey,
  type ArrivalMark,
  DirectoryView,
  type MigrationDeps,
  pause,
  readBody,
} from "./context.ts";
import { heldFromWire } from "./held-wire.ts";
import type { NonceStore } from "./nonce-store.ts";
import { MAX_SNAPSHOT_BYTES } from "./snapshot-keeper.ts";
import { BlobConflict } from "./blob-store.ts";
import { StatusAnswerSchema } from "./wire.ts";

/** Largest sealed snapshot accepted over the wire. */
const MAX_SEALED_BYTES = 1024 * 1024 * 1024;
/** Largest component accepted over the wire. */
const MAX_COMPONENT_BYTES = 256 * 1024 * 1024;

interface Arrival {
  name: string;
  nonce: string;
  from: string;
  snapshot: AgentSnapshot;
  staged: StagedArrival;
  stage: "staged" | "adopted";
  timer?: ReturnType<typeof setTimeout>;
  /** Settles once the adoption is persisted. */
  adopted?: Promise<void>;
}

/** The target side of the migration protocol. */
export class Incoming {
  readonly #arrivals = new Map<string, Arrival>();
  readonly #released = new Set<string>();
  readonly #background = new Set<Promise<unknown>>();
  readonly #dir: DirectoryView;

  constructor(
    readonly deps: MigrationDeps,
    readonly nonces: NonceStore,
    readonly signal: AbortSignal,
    /** Settles when an agent that left this node is forgotten here (it may come back). */
    readonly forgotten: (agent: string) => Promise<void> = () => Promise.resolve(),
  ) {
    this.#dir = new DirectoryView(deps.cluster);
  }

  get #self(): string {
    return this.deps.cluster.id;
  }

  /** `offer`: whether this node needs the component's bytes. */
  async offer(agent: string, hash: string, peer: string): Promise<{ need_component: boolean }> {
    this.#dir.requireMember(peer);
    if (this.deps.agents.has(agent)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent '${agent}' is already on '${this.#self}'`, {
        agent,
      });
    }
    const a = this.#arrivals.get(agent);
    if (a?.stage === "adopted") {
      throw new ApiError("CONFLICT", `Agent '${agent}' is arriving here`, { agent });
    }
    return { need_component: !(await this.deps.store.has(hash)) };
  }

  /** A component transfer: loads the bytes and checks they hash to what was announced. */
  async component(hash: string, body: AsyncIterable<Uint8Array>, ctx: RequestContext) {
    this.#dir.requireMember(ctx.peer);
    const bytes = await readBody(body, MAX_COMPONENT_BYTES);
    const r = await this.deps.store.load(bytes);
    if (r.hash !== hash) {
      throw new ApiError("INVALID_REQUEST", `Component bytes hash to ${r.hash}, not ${hash}`, {
        announced: hash,
        actual: r.hash,
      });
    }
    return { loaded: true };
  }

  /** A snapshot transfer: verify, restore (not yet reachable), persist, answer ready. */
  async snapshot(
    header: { agent: string; nonce: string; from: string },
    body: AsyncIterable<Uint8Array>,
    ctx: RequestContext,
  ): Promise<{ ready: true }> {
    const { agents, keeper, metrics, log } = this.deps;
    this.deps.faults?.at("target:receive");
    const bytes = await readBody(body, MAX_SEALED_BYTES);
    const refuse = (e: unknown): never => {
      if (e instanceof SnapshotRefused) {
        metrics?.refusedSnapshots.inc({ reason: e.reason });
        log.warn("snapshot refused", { peer: ctx.peer, agent: header.agent, ...e.details });
        this.deps.events?.publish({
          type: "migration.refused",
          agent_id: header.agent,
          severity: "warning",
          message: e.message,
          details: e.details,
        });
      }
      throw e;
    };
    let snap: AgentSnapshot;
    try {
      // The nonce is only looked at here; it is claimed in the commit that stores the
      // arrival, so a replay racing the original is refused as well.
      snap = await this.open(bytes, ctx.peer, false);
      if (snap.record.name !== header.agent || snap.meta.nonce !== header.nonce) {
        throw new SnapshotRefused("malformed", "the transfer header does not match the snapshot", {
          agent: header.agent,
        });
      }
    } catch (e) {
      return refuse(e);
    }
    const name = snap.record.name;
    if (!(await this.deps.store.has(snap.record.hash))) {
      throw new ApiError("CONFLICT", `Component ${snap.record.hash} is not here; offer it first`, {
        hash: snap.record.hash,
        reason: "component-missing",
      });
    }
    const { meta, ...capture } = snap;
    await this.forgotten(name);
    const previous = this.#arrivals.get(name);
    if (previous && previous.stage === "staged") {
      // The source gave up on an earlier attempt and tries again.
      await previous.staged.discard();
      this.#arrivals.delete(name);
    }
    const staged = await agents.stageArrival(capture);
    try {
      const mark: ArrivalMark = { nonce: meta.nonce, from: meta.source, at: meta.taken_at };
      await keeper.saveSealed(name, { bytes, snapshot: snap, rawBytes: 0 }, {
        signerKey: this.#dir.keyOf(meta.source),
        also: (op) => {
          this.nonces.claimIn(op, meta.nonce, {
            signer: meta.source,
            agent: name,
            at: meta.taken_at,
          });
          op.set(arrivalKey(name), mark);
        },
      });
    } catch (e) {
      await staged.discard();
      if (e instanceof BlobConflict) {
        return refuse(
          new SnapshotRefused("replayed", `nonce ${meta.nonce} was seen before`, {
            signer: meta.source,
            nonce: meta.nonce,
            agent: name,
          }),
        );
      }
      throw e;
    }
    const a: Arrival = {
      name,
      nonce: meta.nonce,
      from: meta.source,
      snapshot: snap,
      staged,
      stage: "staged",
    };
    this.#arrivals.set(name, a);
    this.deps.faults?.at("target:after-transfer");
    // Record and storage go to disk while the source commits, so adopting waits for nothing.
    this.#bg(staged.prepare());
    if (this.#dir.nodeOf(name) === this.#self) this.#adopt(a);
    return { ready: true };
  }

  /**
   * Verifies a sealed snapshot from `peer` for this node, refusing what is not the current
   * owner's and what was seen before (claiming its nonce unless `claim` is false: then it
   * is only checked).
   *
   * @throws {SnapshotRefused}
   */
  async open(bytes: Uint8Array, peer: string, claim = true): Promise<AgentSnapshot> {
    const snap = await openSnapshot(bytes, {
      keyOf: (n) => this.#dir.keyOf(n),
      peer,
      maxBytes: MAX_SNAPSHOT_BYTES,
      self: this.#self,
      nonces: claim ? this.nonces : { claim: async (n) => !(await this.nonces.seen(n)) },
    });
    const owner = this.#dir.nodeOf(snap.record.name);
    if (owner !== snap.meta.source) {
      throw new SnapshotRefused(
        "not-owner",
        `'${snap.record.name}' lives on '${owner ?? "(nowhere)"}', not on '${snap.meta.source}'`,
        { agent: snap.record.name, signer: snap.meta.source },
      );
    }
    return snap;
  }

  /** `release`: the move committed; deliver the source's held messages after the snapshot's. */
  async release(agent: string, nonce: string, wire: unknown[], peer: string) {
    const from = this.#dir.requireMember(peer);
    const messages: HeldDelivery[] = wire.map(heldFromWire);
    const mark = ["migration-released", nonce];
    if (this.#released.has(nonce)) return { delivered: 0, duplicate: true };
    const a = this.#arrivals.get(agent);
    if (a && a.nonce === nonce && a.from === from) {
      if (a.stage === "staged") this.#adopt(a);
      await a.adopted;
      this.#finish(a, messages);
    } else if ((await this.deps.kv.get(mark)).versionstamp !== null) {
      return { delivered: 0, duplicate: true };
    } else if (this.deps.agents.has(agent)) {
      this.deps.agents.completeArrival(agent, messages);
    } else {
      throw new ApiError("UNAVAILABLE", `Agent '${agent}' has not arrived here yet`, { agent });
    }
    if (this.#released.size >= 10_000) this.#released.clear();
    this.#released.add(nonce);
    // Only for a source that retries after a restart of this node: not awaited.
    this.#bg(this.deps.kv.set(mark, true, { expireIn: 7 * 86_400_000 }));
    return { delivered: messages.length };
  }

  /** `abort`: the move will not commit; drop what was staged. */
  async abort(agent: string, nonce: string, peer: string): Promise<{ ok: true }> {
    const from = this.#dir.requireMember(peer);
    const a = this.#arrivals.get(agent);
    if (!a || a.nonce !== nonce || a.from !== from) return { ok: true };
    if (a.stage === "adopted") {
      throw new ApiError("CONFLICT", `Agent '${agent}' was already adopted here`, { agent });
    }
    await this.#discard(a.name, a);
    return { ok: true };
  }

  /** Directory events: a committed move to this node adopts the staged agent. */
  onEvents(events: DirectoryEvent[]): void {
    for (const e of events) {
      if (e.type !== "agent.updated") continue;
      if (e.after.node !== this.#self || e.before.node === this.#self) continue;
      const a = this.#arrivals.get(e.after.name);
      if (a && a.stage === "staged" && a.from === e.before.node) this.#adopt(a);
    }
  }

  /** Makes a staged agent this node's (the move committed). */
  #adopt(a: Arrival): void {
    if (a.stage !== "staged") return;
    a.stage = "adopted";
    const commit = a.staged.commit();
    a.timer = setTimeout(() => {
      this.deps.log.warn("source did not release held messages in time; continuing", {
        agent: a.name,
        from: a.from,
      });
      this.#finish(a, []);
    }, this.deps.arrivalTimeoutMs ?? 5_000);
    a.adopted = commit.then(() => {
      this.deps.conversations?.import(a.name, a.snapshot.conversations);
      this.deps.timers?.load(a.name, a.snapshot.timers);
      this.deps.faults?.at("target:after-commit");
      this.deps.events?.publish({
        type: "migration.arrived",
        agent_id: a.name,
        details: { from: a.from, nonce: a.nonce },
      });
    });
    // The mark goes once the agent is this node's on disk (a restart with the mark still
    // there finds the move committed in the directory and continues the agent).
    this.#bg(a.adopted.then(() => this.deps.kv.delete(arrivalKey(a.name))));
  }

  #finish(a: Arrival, messages: HeldDelivery[]): void {
    clearTimeout(a.timer);
    if (this.#arrivals.get(a.name) === a) this.#arrivals.delete(a.name);
    try {
      if (this.deps.agents.arriving(a.name) || messages.length) {
        this.deps.agents.completeArrival(a.name, messages);
      }
    } catch (e) {
      this.deps.log.error("arrival could not complete", { agent: a.name, error: String(e) });
    }
  }

  async #discard(name: string, a?: Arrival): Promise<void> {
    if (a) {
      await a.staged.discard();
      if (this.#arrivals.get(name) === a) this.#arrivals.delete(name);
    } else {
      // Messages this node took for it before a restart go where it lives.
      let held: HeldDelivery[];
      if (this.deps.agents.has(name)) {
        held = this.deps.agents.releaseMoved(name); // came back paused: drop it
        await this.deps.agents.forgetMoved(name);
      } else {
        held = await this.deps.held.list(name);
      }
      for (const q of held) {
        const copy = { ...q.delivery, message: { ...q.delivery.message, receivers: [q.to] } };
        await this.deps.agents.deps.router.route(copy).catch((e) =>
          this.deps.log.warn("message held for an arrival that did not happen is lost", {
            agent: name,
            message_id: q.delivery.message_id,
            error: String(e),
          })
        );
      }
      await this.deps.held.clear(name);
    }
    if (!this.deps.agents.has(name)) await this.deps.keeper.remove(name);
    await this.deps.kv.delete(arrivalKey(name));
  }

  /**
   * Settles an arrival a restart interrupted: adopted if the directory says the agent is
   * here; dropped once the source says the move will not happen; otherwise asked again.
   */
  async recover(name: string, mark: ArrivalMark): Promise<void> {
    const { cluster, agents, keeper, log, net } = this.deps;
    let delay = 200;
    while (!this.signal.aborted) {
      try {
        await cluster.linearizableRead();
        const node = this.#dir.nodeOf(name);
        if (node === this.#self) {
          if (!agents.has(name)) {
            const capture = await keeper.load(name);
            if (!capture) throw new Error("the arrived snapshot is gone");
            const staged = await agents.stageArrival(capture);
            const a: Arrival = {
              name,
              nonce: mark.nonce,
              from: mark.from,
              snapshot: {
                ...capture,
                meta: {
                  source: mark.from,
                  taken_at: mark.at,
                  nonce: mark.nonce,
                  reason: "migration",
                },
              },
              staged,
              stage: "staged",
            };
            this.#arrivals.set(name, a);
            this.#adopt(a);
            log.info("interrupted arrival adopted", { agent: name, from: mark.from });
          } else {
            // Its record was written ahead of the commit: it came back paused.
            await agents.resumeAfterMove(name, { arrived: true });
            this.deps.conversations?.import(name, null);
            await this.deps.kv.delete(arrivalKey(name));
            log.info("interrupted arrival continues", { agent: name, from: mark.from });
          }
          return;
        }
        if (node === mark.from) {
          const addr = cluster.addressOf(mark.from);
          if (addr) {
            const s = await net.request(addr, MIGRATE_PROTOCOL, {
              type: "status",
              agent: name,
              nonce: mark.nonce,
            }, { responseSchema: StatusAnswerSchema, timeoutMs: 5_000 });
            if (s.state === "aborted") {
              log.info("interrupted arrival dropped: the move did not happen", { agent: name });
              await this.#discard(name);
              return;
            }
          }
        } else {
          await this.#discard(name);
          return;
        }
      } catch (e) {
        log.debug("arrival recovery retry", { agent: name, error: String(e) });
      }
      await pause(delay, this.signal);
      delay = Math.min(5_000, delay * 2);
    }
  }

  #bg(p: Promise<unknown>): void {
    const q = p.catch((e) => this.deps.log.warn("arrival task failed", { error: String(e) }));
    this.#background.add(q);
    q.finally(() => this.#background.delete(q));
  }

  /**
   * Stops timers and waits for background tasks. Staged arrivals stay persisted (their
   * instances go with the sandbox): a restart settles them.
   */
  async settle(): Promise<void> {
    for (const a of this.#arrivals.values()) clearTimeout(a.timer);
    await Promise.allSettled([...this.#background]);
  }
}
