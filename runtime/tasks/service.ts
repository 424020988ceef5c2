import { GroupCommit, REAL_TIMERS, type Timers } from "../async/mod.ts";
import type { AgentIdentifier, JsonValue } from "../acl/mod.ts";
import { canonicalNames } from "../conversations/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Delivery, type MessageRouter, newMessageId } from "../routing/mod.ts";
import { millisToIso } from "../../protocols/mod.ts";
import {
  biddingClosed,
  cnetAward,
  cnetCounts,
  cnetGiveUp,
  cnetReceive,
  cnetStart,
  type CnetState,
  cnetTimedOut,
  cnetUnreachable,
} from "./contract-net.ts";
import type { CreateTask, Distribute } from "./schema.ts";
import { restartDecision, type StoredTask, type TaskKv } from "./store.ts";

/** Where a task is. */
export type TaskStatus = "created" | "distributing" | "in_progress" | "completed" | "failed";

/** What `GET /api/v1/tasks/{id}` shows. */
export interface TaskView {
  task_id: string;
  name: string;
  description: string | null;
  protocol: "contract_net";
  status: TaskStatus;
  progress: number;
  created_at: string;
  started_at: string | null;
  awarded_at: string | null;
  completed_at: string | null;
  conversation_id: string | null;
  strategy: string | null;
  assigned_to: string | null;
  proposals_received: number;
  refusals_received: number;
  no_response: number;
  winning_bid: Record<string, JsonValue> | null;
  result: JsonValue | null;
  error: string | null;
  participants: { agent: string; state: string; bid: JsonValue | null; reason: string | null }[];
}

/** What `POST /api/v1/tasks/{id}/distribute` answers. */
export interface DistributeResult {
  task_id: string;
  /** `distributed`: awarded, the winner works on it; `completed`/`failed`: it ended. */
  status: "distributed" | "completed" | "failed";
  assigned_to: string | null;
  proposals_received: number;
  refusals_received: number;
  no_response: number;
  winning_bid: Record<string, JsonValue> | null;
  conversation_id: string;
  result: JsonValue | null;
  error: string | null;
}

/** What a {@link TaskService} needs. */
export interface TaskServiceDeps {
  router: MessageRouter;
  /**
   * This node's name: initiator endpoints are named `_<task_id>@<home>` so that answers
   * from agents on other nodes of the cluster come back here. Default: the platform.
   */
  home?: string;
  /** Conversation policing: the initiator's messages are checked like an agent's. */
  conversations?: { trackEndpoint(localName: string): () => void };
  /** The directory facilitator, for tasks addressed by requirements. */
  directory?: { findAgentsByService(service: string): AgentIdentifier[] };
  events?: EventBus;
  log?: Logger;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Bid and result deadlines (default: the real timers; `ManualTimers` in tests). */
  timers?: Timers;
  /** Tasks kept at most; the oldest ended ones are forgotten first. */
  maxTasks?: number;
  /**
   * Where tasks are kept across restarts (default: nowhere); call
   * {@link TaskService.load} once at start.
   */
  store?: TaskKv;
}

interface Run {
  state: CnetState;
  local: string;
  unregister: () => void;
  untrack: () => void;
  bidTimer?: unknown;
  resultTimer?: unknown;
  closeBidding: () => void;
  ended: PromiseWithResolvers<void>;
}

/** A task: what is stored of it, and its run while the contract net is under way. */
interface Task extends StoredTask {
  run?: Run;
}

const PROGRESS: Record<TaskStatus, number> = {
  created: 0,
  distributing: 0.25,
  in_progress: 0.5,
  completed: 1,
  failed: 1,
};

/**
 * The Task API: tasks distributed among agents with a real FIPA contract net. The
 * initiator is a platform endpoint on this node (`_<task_id>`), whose messages go through
 * the router and its guards like an agent's: a `cfp` to each participant (`reply_by` = the
 * bidding deadline), proposals and refusals collected until all answered or the deadline,
 * `accept-proposal` to the best bid, `reject-proposal` to the others, then the winner's
 * `inform` (result) or `failure`, within the task's `timeout_seconds`.
 *
 * @example
 * ```ts
 * const tasks = new TaskService({ router, directory });
 * const t = tasks.create(CreateTaskSchema.parse({ name: "x", participants: ["a", "b"] }));
 * const r = await tasks.distribute(t.task_id, DistributeSchema.parse({ max_wait_seconds: 5 }));
 * r.assigned_to;
 * ```
 */
export class TaskService {
  readonly #tasks = new Map<string, Task>();
  readonly #deps: TaskServiceDeps;
  readonly #now: () => number;
  readonly #timers: Timers;
  readonly #canon: (name: string) => string;
  readonly #home: string;
  #closed = false;
  /** The last creation order given (continues after the tasks loaded at start). */
  #seq = 0;
  /** Tasks changed since the last write, as they were then (`undefined`: forgotten). */
  readonly #dirty = new Map<string, StoredTask | undefined>();
  /** Writes of task changes (with a store). */
  readonly #commit: GroupCommit | undefined;

  constructor(deps: TaskServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#timers = deps.timers ?? REAL_TIMERS;
    this.#canon = canonicalNames((n) => deps.router.localName(n), deps.router.platform);
    this.#home = deps.home ?? deps.router.platform;
    const store = deps.store;
    if (store !== undefined) {
      this.#commit = new GroupCommit(async () => {
        const changes = [...this.#dirty];
        this.#dirty.clear();
        if (changes.length > 0) await store.write(changes);
      }, (e) => this.#deps.log?.error("could not keep tasks", { error: String(e) }));
    }
  }

  /**
   * Puts back the tasks kept before a restart ({@link restartDecision}): ended and created
   * ones as they were, an awarded one waiting again for its winner's result until its
   * deadline, one interrupted while bidding as failed.
   */
  async load(): Promise<number> {
    const store = this.#deps.store;
    if (store === undefined) return 0;
    const now = this.#now();
    for (const t of await store.load()) {
      const { cnet, ...rest } = t;
      const task: Task = { ...rest };
      if (cnet !== undefined) task.cnet = cnet;
      this.#seq = Math.max(this.#seq, task.seq ?? 0);
      this.#tasks.set(task.id, task);
      const d = restartDecision(t, now);
      if (d.kind === "resume") this.#resume(task, cnet!, d.result_by_ms - now);
      else if (d.kind === "fail") {
        task.status = "failed";
        task.error = d.error;
        task.completed_at = this.#iso();
        if (task.cnet !== undefined) task.cnet = cnetGiveUp(task.cnet, d.error);
        this.#mark(task);
      }
    }
    this.#bound();
    await this.flush();
    return this.#tasks.size;
  }

  /** Resolves once every change so far is written to the store. */
  async flush(): Promise<void> {
    await this.#commit?.flush();
  }

  /** Notes a task's state now, to be written (nothing without a store, or once closed). */
  #mark(task: Task, gone = false): void {
    if (this.#commit === undefined || this.#closed) return;
    if (gone) this.#dirty.set(task.id, undefined);
    else {
      // A shallow copy is the task as it is now: its fields are replaced, never changed
      // in place (the spec is as created; a contract net's state is a new object at each
      // step, see CnetState), so nothing needs a deep copy.
      const cnet = this.#cnet(task);
      const { run: _run, cnet: _cnet, ...rest } = task;
      const stored: StoredTask = rest;
      if (cnet !== undefined) stored.cnet = cnet;
      this.#dirty.set(task.id, stored);
    }
    this.#commit.soon();
  }

  /** Waits again for the result of an awarded task (after a restart). */
  #resume(task: Task, state: CnetState, remainingMs: number): void {
    const local = `_${task.id}`;
    const run: Run = {
      state,
      local,
      unregister: () => {},
      untrack: () => {},
      closeBidding: () => {},
      ended: Promise.withResolvers<void>(),
    };
    run.unregister = this.#deps.router.register(local, {
      deliver: (d) => this.#onMessage(task, run, d),
    });
    run.untrack = this.#deps.conversations?.trackEndpoint(local) ?? (() => {});
    task.run = run;
    delete task.cnet;
    run.resultTimer = this.#timers.set(() => {
      run.state = cnetGiveUp(run.state, `no result within ${task.spec.timeout_seconds} s`);
      this.#end(task, run);
    }, remainingMs);
  }

  /** Creates a task (nothing is sent until it is distributed). */
  create(spec: CreateTask): TaskView {
    this.#open();
    const id = `task_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const task: Task = {
      id,
      spec,
      status: "created",
      created_at: this.#iso(),
      started_at: null,
      awarded_at: null,
      completed_at: null,
      strategy: null,
      error: null,
      seq: ++this.#seq,
    };
    this.#tasks.set(id, task);
    this.#mark(task);
    this.#bound();
    this.#deps.events?.publish({ type: "task.created", task_id: id, details: { name: spec.name } });
    return this.#view(task);
  }

  /** One task. @throws {ApiError} `NOT_FOUND`. */
  get(id: string): TaskView {
    return this.#view(this.#find(id));
  }

  /** Tasks, newest first. */
  list(opts: { status?: TaskStatus; limit?: number } = {}): { tasks: TaskView[]; total: number } {
    const all = [...this.#tasks.values()].reverse()
      .filter((t) => opts.status === undefined || t.status === opts.status);
    return { tasks: all.slice(0, opts.limit ?? 100).map((t) => this.#view(t)), total: all.length };
  }

  /**
   * Runs the contract net of a created task. Resolves once the bidding closed and the best
   * bid was accepted (or, with `wait_for_result`, once the winner answered).
   *
   * @throws {ApiError} `NOT_FOUND`; `CONFLICT` when the task was distributed before or no
   *   agent qualifies as a participant.
   */
  async distribute(id: string, opts: Distribute): Promise<DistributeResult> {
    this.#open();
    const task = this.#find(id);
    if (task.status !== "created") {
      throw new ApiError("CONFLICT", `Task '${id}' was already distributed (${task.status})`, {
        task_id: id,
        status: task.status,
      });
    }
    const participants = this.#participants(task.spec);
    if (participants.length === 0) {
      throw new ApiError("CONFLICT", `No agent qualifies as a participant of task '${id}'`, {
        task_id: id,
        participants: task.spec.participants ?? [],
        requirements: task.spec.requirements ?? {},
      });
    }
    const local = `_${id}`;
    const start = this.#now();
    const spec = task.spec;
    const { state, out } = cnetStart({
      task_id: id,
      conversation_id: `conv_${id}`,
      initiator: `${local}@${this.#home}`,
      participants,
      content: {
        task_id: id,
        name: spec.name,
        ...(spec.description === undefined ? {} : { description: spec.description }),
        ...(spec.data === undefined ? {} : { data: spec.data }),
        ...(spec.requirements === undefined ? {} : { requirements: spec.requirements }),
      },
      strategy: opts.strategy,
      reply_by: new Date(start + opts.max_wait_seconds * 1000).toISOString(),
      result_by: new Date(start + (opts.max_wait_seconds + spec.timeout_seconds) * 1000)
        .toISOString(),
    });
    const bidding = Promise.withResolvers<void>();
    const run: Run = {
      state,
      local,
      unregister: () => {},
      untrack: () => {},
      closeBidding: () => bidding.resolve(),
      ended: Promise.withResolvers<void>(),
    };
    run.unregister = this.#deps.router.register(local, {
      deliver: (d) => this.#onMessage(task, run, d),
    });
    run.untrack = this.#deps.conversations?.trackEndpoint(local) ?? (() => {});
    task.run = run;
    task.status = "distributing";
    task.started_at = new Date(start).toISOString();
    task.strategy = opts.strategy;
    this.#mark(task);
    run.bidTimer = this.#timers.set(() => run.closeBidding(), opts.max_wait_seconds * 1000);
    try {
      // All the cfps at once (routed, and so checked by the guard, in order): the
      // sandbox takes the calls for each Worker in one go instead of one by one.
      const sent = await this.#sendAll(out);
      sent.forEach((r, i) => {
        if (r.status === "rejected") {
          const to = out[i].receivers[0].name;
          run.state = cnetUnreachable(run.state, to, (r.reason as Error).message);
        }
      });
      if (biddingClosed(run.state)) run.closeBidding();
      await bidding.promise;
    } finally {
      this.#timers.clear(run.bidTimer);
    }
    await this.#award(task, run);
    if (opts.wait_for_result) await run.ended.promise;
    return this.#result(task);
  }

  /**
   * Ends every running contract net (as failed) and stops the timers. With a store, the
   * stored tasks stay as they were (an awarded task waits again after the restart).
   */
  close(): void {
    this.#closed = true;
    for (const t of this.#tasks.values()) {
      if (t.run === undefined) continue;
      t.run.state = cnetGiveUp(t.run.state, "the node is shutting down");
      t.run.closeBidding();
      this.#end(t, t.run);
    }
  }

  // ---- internals ----

  #open(): void {
    if (this.#closed) throw new ApiError("UNAVAILABLE", "node is shutting down");
  }

  /** The clock as ISO 8601 (each cfp and award stamps it: the text is kept per millisecond). */
  #iso(): string {
    return millisToIso(this.#now());
  }

  #find(id: string): Task {
    const t = this.#tasks.get(id);
    if (!t) throw new ApiError("NOT_FOUND", `Task '${id}' not found`, { task_id: id });
    return t;
  }

  /** The participants' canonical names: the named ones, filtered by the requirements. */
  #participants(spec: CreateTask): string[] {
    const req = spec.requirements;
    const services = [
      ...(req?.service_type === undefined ? [] : [req.service_type]),
      ...(req?.capabilities ?? []),
    ];
    let qualified: Set<string> | undefined;
    if (services.length > 0) {
      const dir = this.#deps.directory;
      if (dir === undefined) {
        throw new ApiError("UNAVAILABLE", "No service directory to resolve requirements", {});
      }
      for (const s of services) {
        const providers = new Set(dir.findAgentsByService(s).map((a) => this.#canon(a.name)));
        qualified = qualified === undefined
          ? providers
          : new Set([...qualified].filter((n) => providers.has(n)));
      }
    }
    const named = spec.participants?.map((n) => this.#canon(n));
    const picked = named === undefined
      ? [...(qualified ?? [])].sort()
      : named.filter((n) => qualified === undefined || qualified.has(n));
    return [...new Set(picked)];
  }

  async #send(message: Delivery["message"]): Promise<void> {
    await this.#deps.router.route({
      message_id: newMessageId(),
      message,
      accepted_at: this.#iso(),
      origin: "platform",
    });
  }

  /**
   * Routes `messages` in order without waiting for each to be delivered before the next;
   * resolves once all were, with each one's outcome.
   */
  #sendAll(messages: readonly Delivery["message"][]): Promise<PromiseSettledResult<void>[]> {
    return Promise.allSettled(messages.map((m) => this.#send(m)));
  }

  #onMessage(task: Task, run: Run, d: Delivery): void {
    if (task.run !== run) {
      throw new ApiError("AGENT_NOT_FOUND", `Task '${task.id}' takes no more messages`, {
        agent: run.local,
      });
    }
    const msg = d.message;
    const from = this.#canon(msg.sender?.name ?? "");
    const content = msg.content;
    const isNotice = from === this.#canon(`ams@${this.#deps.router.platform}`) &&
      content !== null && typeof content === "object" && !Array.isArray(content) &&
      content.notice === "timeout" && Array.isArray(content.parties);
    if (isNotice) {
      const parties = (content.parties as JsonValue[]).filter((p): p is string =>
        typeof p === "string"
      ).map((p) => this.#canon(p));
      run.state = cnetTimedOut(run.state, parties);
    } else {
      const step = cnetReceive(run.state, from, msg, d.accepted_at);
      run.state = step.state;
      for (const m of step.out) {
        this.#send(m).catch((e) =>
          this.#deps.log?.debug("task message undeliverable", {
            task_id: task.id,
            to: m.receivers[0].name,
            error: (e as Error).message,
          })
        );
      }
    }
    if (run.state.phase === "bidding" && biddingClosed(run.state)) run.closeBidding();
    if (run.state.phase === "completed" || run.state.phase === "failed") {
      if (task.status !== "distributing") this.#end(task, run);
    }
  }

  async #award(task: Task, run: Run): Promise<void> {
    if (run.state.phase === "bidding") {
      const step = cnetAward(run.state);
      run.state = step.state;
      const sent = await this.#sendAll(step.out);
      sent.forEach((r, i) => {
        if (r.status === "rejected" && step.out[i].performative === "accept-proposal") {
          run.state = cnetGiveUp(
            run.state,
            `the accepted bidder is unreachable: ${(r.reason as Error).message}`,
          );
        }
      });
    }
    task.awarded_at = this.#iso();
    this.#deps.events?.publish({
      type: "task.distributed",
      task_id: task.id,
      agent_id: run.state.winner ?? undefined,
      details: { proposals: cnetCounts(run.state).proposals },
    });
    if (run.state.phase === "awarded") {
      task.status = "in_progress";
      this.#mark(task);
      run.resultTimer = this.#timers.set(() => {
        run.state = cnetGiveUp(
          run.state,
          `no result within ${task.spec.timeout_seconds} s`,
        );
        this.#end(task, run);
      }, task.spec.timeout_seconds * 1000);
    } else {
      this.#end(task, run);
    }
  }

  /** Ends a run: records the outcome, releases the endpoint and timers, tells listeners. */
  #end(task: Task, run: Run): void {
    if (task.run !== run) return;
    this.#timers.clear(run.bidTimer);
    this.#timers.clear(run.resultTimer);
    task.run = undefined;
    task.cnet = run.state;
    task.status = run.state.phase === "completed" ? "completed" : "failed";
    task.error = run.state.failure;
    task.completed_at = this.#iso();
    this.#mark(task);
    run.unregister();
    run.untrack();
    this.#deps.events?.publish({
      type: task.status === "completed" ? "task.completed" : "task.failed",
      task_id: task.id,
      agent_id: run.state.winner ?? undefined,
      result: task.status === "completed" ? "success" : "failure",
      details: task.error === null ? {} : { error: task.error },
    });
    run.ended.resolve();
  }

  #cnet(task: Task): CnetState | undefined {
    return task.run?.state ?? task.cnet;
  }

  #winningBid(st: CnetState | undefined): Record<string, JsonValue> | null {
    if (st?.winner === null || st === undefined) return null;
    const bid = st.participants[st.winner]?.bid;
    const c = bid?.content;
    return c !== null && c !== undefined && typeof c === "object" && !Array.isArray(c)
      ? { agent_id: st.winner, ...c }
      : { agent_id: st.winner, bid: c ?? null };
  }

  #result(task: Task): DistributeResult {
    const st = this.#cnet(task)!;
    const counts = cnetCounts(st);
    return {
      task_id: task.id,
      status: task.status === "completed" || task.status === "failed" ? task.status : "distributed",
      assigned_to: st.winner,
      proposals_received: counts.proposals,
      refusals_received: counts.refusals,
      no_response: counts.no_response,
      winning_bid: this.#winningBid(st),
      conversation_id: st.opts.conversation_id,
      result: st.result,
      error: st.failure,
    };
  }

  #view(task: Task): TaskView {
    const st = this.#cnet(task);
    const counts = st === undefined
      ? { proposals: 0, refusals: 0, no_response: 0 }
      : cnetCounts(st);
    return {
      task_id: task.id,
      name: task.spec.name,
      description: task.spec.description ?? null,
      protocol: "contract_net",
      status: task.status,
      progress: PROGRESS[task.status],
      created_at: task.created_at,
      started_at: task.started_at,
      awarded_at: task.awarded_at,
      completed_at: task.completed_at,
      conversation_id: st?.opts.conversation_id ?? null,
      strategy: task.strategy,
      assigned_to: st?.winner ?? null,
      proposals_received: counts.proposals,
      refusals_received: counts.refusals,
      no_response: counts.no_response,
      winning_bid: this.#winningBid(st),
      result: st?.result ?? null,
      error: task.error,
      participants: st === undefined ? [] : Object.entries(st.participants).map(([agent, p]) => ({
        agent,
        state: p.state,
        bid: p.bid?.content ?? null,
        reason: p.reason,
      })),
    };
  }

  /** Forgets the oldest ended tasks beyond the bound. */
  #bound(): void {
    const max = this.#deps.maxTasks ?? 10_000;
    if (this.#tasks.size <= max) return;
    for (const [id, t] of this.#tasks) {
      if (this.#tasks.size <= max) break;
      if (t.run === undefined) {
        this.#tasks.delete(id);
        this.#mark(t, true);
      }
    }
  }
}
