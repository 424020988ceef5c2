import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { AgentFailureInfo, HostCallbacks } from "./host.ts";
import type { Limits, Manifest } from "./manifest.ts";
import type { Effect, ExportName, ToWorker } from "./protocol.ts";
import type { Reply, ReplyWaiter, SandboxWorker } from "./sandbox-worker.ts";
import type { MemorySnapshot } from "./snapshot.ts";
import type { CheckpointDelta } from "./checkpoint-delta.ts";
import { toWitMessage } from "./wit-message.ts";
import { mailboxFull } from "./mailbox-full.ts";
import { workerLostError } from "./worker-lost.ts";
import { SharedStorage } from "./storage-sharing.ts";

/** What became of a delivered message. */
export interface DeliveryResult {
  /** `handle-message`'s answer: false when the agent did not understand the message. */
  handled: boolean;
  /** Messages the agent sent while handling it (passed to `onSend` unless held). */
  sent: number;
  /** With `holdSends`: the messages the agent sent, not yet passed to `onSend`. */
  held?: HeldSend[];
}

/** A message an agent sent, held back until its handling is durable (an output gate). */
export interface HeldSend {
  message: AclMessage;
  messageId: string;
}

/** Lifecycle of a handle. */
export type HandleState = "active" | "failed" | "terminated";

/** Budget of requests that run no agent code, for the watchdog. */
const ADMIN_BUDGET_MS = 60_000;

/** What a handle needs from its {@link Sandbox}. @internal */
export interface HandleContext {
  /** Places the agent in a Worker (not `avoid`) and activates it. */
  place(
    h: AgentHandle,
    snapshot: MemorySnapshot | undefined,
    avoid?: SandboxWorker,
  ): Promise<{ worker: SandboxWorker; slot: number }>;
  release(h: AgentHandle, worker: SandboxWorker): void;
}

interface Op {
  msg: ToWorker & { id: number };
  budgetMs: number;
  resolve(r: Reply): void;
  reject(e: Error): void;
  /** With shared storage: false until its turn is granted (then it is sent). */
  granted?: boolean;
  settled?: boolean;
}

/** A call that may touch storage, from its start to its effects applied (a turn, when shared). */
interface Ticket {
  turn: boolean;
}

/**
 * An active agent in the sandbox. Calls are queued in order; each runs to completion
 * within the agent's CPU limit. Messages cross as the model {@link AclMessage}.
 */
export class AgentHandle {
  #state: HandleState = "active";
  #failure?: AgentFailureInfo;
  #worker!: SandboxWorker;
  #slot!: number;
  /** Calls queued or running, in call order (a set: each settles in O(1)). */
  #inflight = new Set<Op>();
  #storage: Map<string, Uint8Array>;
  /** Set while the storage is shared with another instance of the agent. */
  #shared?: SharedStorage;
  /** Calls that may touch storage, from their start until their effects are applied. */
  readonly #tickets = new Set<Ticket>();
  #lastSnapshot?: MemorySnapshot;
  #moving?: Promise<void>;
  /** Whether the next checkpoint must list everything (a new instance, or a lost one). */
  #checkpointFull = true;

  /** @internal Use {@link Sandbox.activate}. */
  constructor(
    readonly agentId: AgentIdentifier,
    readonly hash: string,
    readonly manifest: Manifest,
    readonly limits: Limits,
    readonly host: HostCallbacks,
    storage: Map<string, Uint8Array>,
    private readonly cx: HandleContext,
  ) {
    this.#storage = storage;
  }

  /** @internal */
  attach(worker: SandboxWorker, slot: number, snapshot?: MemorySnapshot): void {
    this.#worker = worker;
    this.#slot = slot;
    this.#checkpointFull = true;
    if (snapshot) this.#lastSnapshot = snapshot;
  }

  /** @internal The agent's storage as the node last accepted it. */
  storageEntries(): [string, Uint8Array][] {
    return [...this.#storage];
  }

  /**
   * The agent's storage, shared from now on with other instances that join it (see
   * {@link SharedStorage}): this instance's calls under way count as its turns.
   */
  share(): SharedStorage {
    if (this.#shared) return this.#shared;
    const shared = this.#shared = new SharedStorage(this.#storage);
    shared.join(this);
    for (const t of this.#tickets) t.turn = true;
    shared.adopt(this, this.#tickets.size);
    return shared;
  }

  /** @internal Joins `shared` (before the instance is placed): its storage is that one. */
  joinStorage(shared: SharedStorage): void {
    this.#shared = shared;
    this.#storage = shared.entries;
    shared.join(this);
  }

  /** The storage this instance shares with others, if it does. */
  get sharedStorage(): SharedStorage | undefined {
    return this.#shared;
  }

  /** @internal */
  get worker(): SandboxWorker {
    return this.#worker;
  }

  /** @internal */
  get slot(): number {
    return this.#slot;
  }

  get state(): HandleState {
    return this.#state;
  }

  /** Why the agent failed, once it has. */
  get failure(): AgentFailureInfo | undefined {
    return this.#failure;
  }

  /** Messages delivered and not yet handled. */
  get pending(): number {
    return this.#inflight.size;
  }

  /**
   * Delivers a message: `handle-message` runs with it, then the agent's effects (sends,
   * storage writes, logs) go to the host callbacks; resolves after they were accepted.
   *
   * @throws {ApiError} `RESOURCE_LIMIT_EXCEEDED` when the mailbox is full,
   * `MESSAGE_DELIVERY_FAILED` when the agent failed on this message, `AGENT_UNAVAILABLE`
   * when it had failed or was terminated before.
   */
  async deliver(
    message: AclMessage,
    opts: { messageId?: string; holdSends?: boolean } = {},
  ): Promise<DeliveryResult> {
    this.#checkMailbox();
    const wit = toWitMessage(message, opts.messageId ?? crypto.randomUUID());
    const r = await this.#call("handle", wit, opts.holdSends);
    return { handled: r.value === true, sent: r.sent, ...(r.held ? { held: r.held } : {}) };
  }

  /**
   * What changed in the agent since its last checkpoint, at the next message boundary
   * (everything, the first time after an activation or after {@link checkpointLost}).
   */
  async checkpoint(): Promise<CheckpointDelta> {
    const full = this.#checkpointFull;
    const worker = this.#worker;
    const ticket = this.#ticket();
    try {
      const r = await this.#request(
        { t: "checkpoint", id: 0, slot: 0, full },
        ADMIN_BUDGET_MS,
        ticket,
      );
      if (worker === this.#worker) this.#checkpointFull = false;
      return (r as { value: CheckpointDelta }).value;
    } finally {
      this.#endTicket(ticket);
    }
  }

  /** The last checkpoint was not committed: the next one lists everything. */
  checkpointLost(): void {
    this.#checkpointFull = true;
  }

  /**
   * Puts a message in the agent's mailbox without calling `handle-message`; the agent
   * takes it with `receive-message` (from `run`, typically).
   */
  async enqueue(message: AclMessage, opts: { messageId?: string } = {}): Promise<void> {
    this.#checkMailbox();
    const wit = toWitMessage(message, opts.messageId ?? crypto.randomUUID());
    await this.#request({ t: "enqueue", id: 0, slot: 0, message: wit }, ADMIN_BUDGET_MS);
  }

  /** Calls `init`. */
  async init(): Promise<void> {
    await this.#call("init");
  }

  /** Calls `run`; its answer tells whether the agent wants to run again. */
  async run(): Promise<boolean> {
    return (await this.#call("run")).value === true;
  }

  /**
   * Calls `on-timer` (world 0.2.0) for a timer that is due, as any other call: within the
   * CPU limit, its effects applied when it returns.
   */
  async timer(id: string, tag: string): Promise<void> {
    this.#alive();
    await this.#call("timer", undefined, false, { id, tag });
  }

  /** Calls `shutdown`. */
  async shutdown(): Promise<void> {
    await this.#call("shutdown");
  }

  /** Copies the agent's memories and globals at the next message boundary. */
  async snapshot(): Promise<MemorySnapshot> {
    const r = await this.#request({ t: "snapshot", id: 0, slot: 0 }, ADMIN_BUDGET_MS);
    const s = (r as { value: MemorySnapshot }).value;
    this.#lastSnapshot = s;
    return s;
  }

  /** Replaces the agent's instance with a fresh one restored from `snapshot`. */
  async restore(snapshot: MemorySnapshot): Promise<void> {
    if (snapshot.hash !== this.hash) {
      throw new ApiError("CONFLICT", "snapshot belongs to another component", {
        snapshot: snapshot.hash,
        component: this.hash,
      });
    }
    this.#alive();
    if (this.#inflight.size) {
      throw new ApiError("CONFLICT", `Agent ${this.agentId.name} has calls in progress`, {
        agent: this.agentId.name,
        pending: this.#inflight.size,
      });
    }
    const old = this.#worker;
    await old.request(
      { t: "drop", id: old.nextId(), slot: this.#slot },
      this.#slot,
      ADMIN_BUDGET_MS,
    )
      .catch(() => {});
    this.cx.release(this, old);
    const placed = await this.cx.place(this, snapshot);
    this.attach(placed.worker, placed.slot, snapshot);
  }

  /** Removes the agent from its Worker. Pending calls reject. */
  async terminate(): Promise<void> {
    if (this.#state === "terminated") return;
    const was = this.#state;
    this.#state = "terminated";
    this.#shared?.leave(this);
    this.#rejectAll(
      new ApiError("AGENT_UNAVAILABLE", `Agent ${this.agentId.name} was terminated`, {
        agent: this.agentId.name,
      }),
    );
    if (was === "active" && this.#worker?.alive) {
      await this.#worker.request(
        { t: "drop", id: this.#worker.nextId(), slot: this.#slot },
        this.#slot,
        ADMIN_BUDGET_MS,
      ).catch(() => {});
    }
    if (this.#worker) this.cx.release(this, this.#worker);
  }

  /**
   * @internal The Worker died: fail if this agent was the culprit; else end, for a host
   * that starts the agent again from its own durable state (`onWorkerLost`), or move.
   */
  workerLost(culprit: boolean, reason: string): void {
    if (this.#state !== "active") return;
    if (culprit) {
      this.#fail("watchdog", reason);
      return;
    }
    if (this.host.onWorkerLost) {
      this.#state = "terminated";
      this.#shared?.leave(this);
      this.#rejectAll(workerLostError(this.agentId.name, reason));
      this.cx.release(this, this.#worker);
      this.host.onWorkerLost({ agentId: this.agentId.name, reason });
      return;
    }
    this.#moving ??= this.#move().finally(() => (this.#moving = undefined));
  }

  async #move(): Promise<void> {
    const dead = this.#worker;
    this.cx.release(this, dead);
    const snap = this.#lastSnapshot;
    try {
      const placed = await this.cx.place(this, snap, dead);
      this.attach(placed.worker, placed.slot);
      if (!snap) {
        await this.#sendRaw({ t: "call", id: 0, slot: 0, fn: "init" }, this.limits.cpu_ms_per_call);
      }
    } catch (err) {
      this.#fail("trap", `re-activation failed: ${err instanceof Error ? err.message : err}`);
      return;
    }
    // Send again, in order, every call the dead Worker had not answered (and that had its
    // turn: the others are sent when they get it).
    for (const op of this.#inflight) if (op.granted !== false) this.#send(op);
    this.host.onRestarted?.({ agentId: this.agentId.name, fromSnapshot: !!snap });
  }

  #checkMailbox(): void {
    this.#alive();
    if (this.#inflight.size >= this.limits.mailbox) {
      throw mailboxFull(this.agentId.name, this.limits.mailbox);
    }
  }

  #alive(): void {
    if (this.#state !== "active") {
      throw new ApiError(
        "AGENT_UNAVAILABLE",
        `Agent ${this.agentId.name} is ${this.#state}` +
          (this.#failure ? ` (${this.#failure.reason}: ${this.#failure.message})` : ""),
        { agent: this.agentId.name, state: this.#state, failure: this.#failure },
      );
    }
  }

  async #call(
    fn: ExportName,
    message?: ReturnType<typeof toWitMessage>,
    holdSends = false,
    timer?: { id: string; tag: string },
  ): Promise<{ value: unknown; sent: number; held?: HeldSend[] }> {
    const ticket = this.#ticket();
    try {
      const r = await this.#request(
        { t: "call", id: 0, slot: 0, fn, message, ...(timer ? { timer } : {}) },
        this.limits.cpu_ms_per_call,
        ticket,
      );
      const effects = (r as { effects?: Effect[] }).effects ?? [];
      const held: HeldSend[] | undefined = holdSends ? [] : undefined;
      const sent = await this.#apply(effects, held);
      return { value: (r as { value?: unknown }).value, sent, ...(held ? { held } : {}) };
    } finally {
      this.#endTicket(ticket);
    }
  }

  #ticket(): Ticket {
    const t: Ticket = { turn: false };
    this.#tickets.add(t);
    return t;
  }

  /** The call of `t` ended (its effects applied, or it failed): its turn ends. */
  #endTicket(t: Ticket): void {
    this.#tickets.delete(t);
    if (!t.turn) return;
    t.turn = false;
    this.#shared?.exit(this);
  }

  /**
   * Queues a request to the Worker. With `ticket` and shared storage, it waits for its turn
   * (asked for synchronously, so turns follow call order) and carries the writes of the other
   * instances this one has not seen.
   */
  #request(msg: ToWorker & { id: number }, budgetMs: number, ticket?: Ticket): Promise<Reply> {
    this.#alive();
    return new Promise<Reply>((res, rej) => {
      const op: Op = {
        msg,
        budgetMs,
        resolve: (r) => {
          op.settled = true;
          if (r.t !== "failed") return res(r);
          // Failed on this request: the agent fails (its other calls reject) before the
          // caller hears of it, as the reply comes in.
          this.#fail(r.reason, r.message);
          rej(
            new ApiError(
              "MESSAGE_DELIVERY_FAILED",
              `Agent ${this.agentId.name} failed (${r.reason}): ${r.message}`,
              { agent: this.agentId.name, reason: r.reason, message: r.message },
            ),
          );
        },
        reject: (e) => {
          op.settled = true;
          rej(e);
        },
      };
      this.#inflight.add(op);
      const shared = this.#shared;
      if (!ticket || !shared) {
        if (!this.#moving) this.#send(op);
        return;
      }
      const go = () => {
        ticket.turn = true;
        if (op.settled || this.#shared !== shared) {
          this.#endTicket(ticket);
          return;
        }
        const patch = shared.take(this);
        if (patch) op.msg = { ...op.msg, storage: patch } as ToWorker & { id: number };
        op.granted = true;
        if (!this.#moving) this.#send(op);
      };
      op.granted = false;
      shared.enter(this, go);
    });
  }

  /** Sends `op` to the agent's Worker now; its reply settles it (no promise in between). */
  #send(op: Op): void {
    const w = this.#worker;
    const msg = { ...op.msg, id: w.nextId(), slot: this.#slot } as ToWorker & { id: number };
    const waiter: ReplyWaiter = {
      resolve: (r) => {
        if (w !== this.#worker) return; // answered by a Worker we left: ignore
        this.#inflight.delete(op);
        op.resolve(r);
      },
      reject: (err) => {
        if (w !== this.#worker || w.alive) {
          if (w === this.#worker) {
            this.#inflight.delete(op);
            op.reject(err);
          }
        }
        // A dead Worker: the sandbox calls workerLost, which re-sends or fails.
      },
    };
    try {
      w.send(msg, this.#slot, op.budgetMs, waiter);
    } catch (err) {
      this.#inflight.delete(op);
      op.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #sendRaw(msg: ToWorker & { id: number }, budgetMs: number): Promise<Reply> {
    const w = this.#worker;
    return w.request(
      { ...msg, id: w.nextId(), slot: this.#slot } as ToWorker & { id: number },
      this.#slot,
      budgetMs,
    )
      .then((r) => {
        if (r.t === "failed") throw new Error(`${r.reason}: ${r.message}`);
        return r;
      });
  }

  async #apply(effects: Effect[], held?: HeldSend[]): Promise<number> {
    const waits: (void | Promise<void>)[] = [];
    let sent = 0;
    for (const e of effects) {
      switch (e.t) {
        case "send":
          sent++;
          if (held) held.push({ message: e.message, messageId: e.messageId });
          else waits.push(this.host.onSend(e.message, { messageId: e.messageId }));
          break;
        case "store":
          if (this.#shared) this.#shared.wrote(this, e.key, e.value);
          else this.#storage.set(e.key, e.value);
          waits.push(this.host.storage?.set(e.key, e.value));
          break;
        case "delete":
          if (this.#shared) this.#shared.wrote(this, e.key, null);
          else this.#storage.delete(e.key);
          waits.push(this.host.storage?.delete(e.key));
          break;
        case "log":
          this.host.onLog?.(e.level, e.message);
          break;
        case "migrate":
          waits.push(this.host.onMigrate?.(e.node));
          break;
        case "refused":
          this.host.onRefused?.({ kind: e.kind, target: e.target, message: e.message });
          break;
      }
    }
    await Promise.all(waits);
    return sent;
  }

  #fail(reason: AgentFailureInfo["reason"], message: string): void {
    if (this.#state !== "active") return;
    this.#state = "failed";
    this.#failure = { agentId: this.agentId.name, reason, message };
    this.#rejectAll(
      new ApiError(
        "AGENT_UNAVAILABLE",
        `Agent ${this.agentId.name} failed (${reason}): ${message}`,
        { agent: this.agentId.name, reason, message },
      ),
    );
    this.#shared?.leave(this);
    if (this.#worker) this.cx.release(this, this.#worker);
    this.host.onFailed?.(this.#failure);
  }

  #rejectAll(err: Error): void {
    const ops = this.#inflight;
    this.#inflight = new Set();
    for (const op of ops) op.reject(err);
  }
}
