import type { WorkerPermissions } from "./grants.ts";
import { type FromWorker, RPC_BYTES, RPC_HEADER, type RpcOp, type ToWorker } from "./protocol.ts";

/** A reply to a request: the call completed, or the agent failed. */
export type Reply = Extract<FromWorker, { t: "done" } | { t: "failed" }>;

/**
 * Who waits for a request's reply (see {@link SandboxWorker.send}): called once, from the
 * handler of the Worker's reply message (or from {@link SandboxWorker.terminate}).
 */
export interface ReplyWaiter {
  resolve(r: Reply): void;
  reject(e: Error): void;
}

interface Pending {
  waiter: ReplyWaiter;
  slot: number;
  budgetMs: number;
}

/**
 * Batches of calls posted to a Worker and not yet answered, at most: later calls wait on
 * the node's side and cross together (see {@link SandboxWorker.request}).
 */
const MAX_BATCHES = 2;

/**
 * Counts of postMessage crossings between the node and its sandbox Workers (all Workers of
 * the process), for benchmarks and tests: `callPosts` posts carried `calls` calls to Workers,
 * `replyPosts` posts carried `replies` messages back.
 */
export const crossings = { callPosts: 0, calls: 0, replyPosts: 0, replies: 0 };

/** Answers a Worker's synchronous question. */
export type RpcHandler = (slot: number, op: RpcOp, arg: string) => unknown;

/**
 * The node's side of one sandbox Worker: requests with ids, replies in order, the
 * synchronous-RPC buffer, and what the watchdog needs (the request running now and since
 * when). Requests are answered in the order they were sent.
 */
export class SandboxWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** Component hashes whose bindings this Worker has loaded (or is loading). */
  readonly components = new Map<string, Promise<void>>();
  /** Slots of the agents living here. */
  readonly slots = new Set<number>();
  alive = true;
  #next = 1;
  #pending = new Map<number, Pending>();
  #order: number[] = [];
  #headSince = 0;
  #rpc = new SharedArrayBuffer(RPC_BYTES);
  #rpcState = new Int32Array(this.#rpc, 0, 3);
  #rpcData = new Uint8Array(this.#rpc, RPC_HEADER);
  #failReady?: (e: Error) => void;

  constructor(
    readonly key: string,
    permissions: WorkerPermissions,
    private readonly onRpc: RpcHandler,
    private readonly onCrash: (w: SandboxWorker, error: string) => void,
    private readonly onBusy: () => void = () => {},
  ) {
    this.worker = new Worker(new URL("./worker/bootstrap.ts", import.meta.url), {
      type: "module",
      deno: { permissions: { ...permissions } },
    } as WorkerOptions);
    let ready!: () => void;
    this.ready = new Promise((resolve, reject) => {
      ready = resolve;
      this.#failReady = reject;
    });
    this.ready.catch(() => {});
    this.worker.onmessage = (e: MessageEvent<FromWorker | string>) => {
      const data: FromWorker | FromWorker[] = typeof e.data === "string"
        ? JSON.parse(e.data)
        : e.data;
      crossings.replyPosts++;
      if (Array.isArray(data)) {
        crossings.replies += data.length;
        for (const m of data) this.#receive(m, ready);
      } else {
        crossings.replies++;
        this.#receive(data, ready);
      }
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.onCrash(this, e.message);
    };
  }

  #receive(m: FromWorker, ready: () => void): void {
    {
      if (m.t === "ready") {
        this.worker.postMessage({ t: "setup", rpc: this.#rpc } satisfies ToWorker);
        ready();
      } else if (m.t === "rpc") {
        void this.#answer(m.seq, m.slot, m.op, m.arg);
      } else {
        this.#settle(m.id, m);
      }
    }
  }

  /** Number of requests not yet answered. */
  get busy(): number {
    return this.#pending.size;
  }

  /** The request running now (the oldest unanswered one), and for how long it has run. */
  running(now: number): { slot: number; budgetMs: number; forMs: number } | undefined {
    const id = this.#order[0];
    const p = id === undefined ? undefined : this.#pending.get(id);
    return p && { slot: p.slot, budgetMs: p.budgetMs, forMs: now - this.#headSince };
  }

  /** Sends a request; resolves with its reply. `budgetMs` is for the watchdog. */
  request(msg: ToWorker & { id: number }, slot: number, budgetMs: number): Promise<Reply> {
    if (!this.alive) return Promise.reject(new Error("sandbox worker is gone"));
    return new Promise((resolve, reject) => this.send(msg, slot, budgetMs, { resolve, reject }));
  }

  /**
   * Sends a request; `waiter` gets its reply, synchronously from the Worker's reply message
   * (no promise of its own: an agent's call is the hot path of every message). A Worker that
   * is gone rejects in a microtask. `budgetMs` is for the watchdog.
   *
   * @throws {TypeError} when `msg` cannot be encoded (nothing was sent).
   */
  send(msg: ToWorker & { id: number }, slot: number, budgetMs: number, waiter: ReplyWaiter): void {
    if (!this.alive) {
      queueMicrotask(() => waiter.reject(new Error("sandbox worker is gone")));
      return;
    }
    // (Encoded first: a message that cannot be leaves nothing behind.)
    // A checkpoint request (without another instance's writes) queues with the calls: as a
    // request of its own it would post the waiting calls early and then itself, two posts
    // that each wake the Worker, at every agent's checkpoint (~1 a second per busy agent).
    const json = (msg.t === "call" || msg.t === "checkpoint") && !msg.storage
      ? JSON.stringify(msg)
      : undefined;
    if (this.#order.length === 0) this.#headSince = performance.now();
    this.#pending.set(msg.id, { waiter, slot, budgetMs });
    this.#order.push(msg.id);
    if (json !== undefined) {
      // Calls (and checkpoint requests) cross as JSON text (cheaper than structured cloning),
      // and the calls made in
      // one turn of the event loop cross together (one postMessage for many). While two
      // batches posted before are unanswered, new calls wait here and cross as the next
      // batch the moment the older one is answered: the Worker runs calls one at a time
      // anyway (and always has the next batch at hand), so under load many calls cross
      // per postMessage, each of which wakes a thread.
      this.#outbox.push({ id: msg.id, json });
      if (this.#outbox.length === 1) queueMicrotask(this.#flushCalls);
    } else {
      // (A call with storage writes of another instance holds bytes: a structured clone.)
      this.#flush();
      crossings.callPosts++;
      crossings.calls++;
      this.worker.postMessage(msg);
    }
    this.onBusy();
  }

  /** Calls not yet posted, in order. */
  #outbox: { id: number; json: string }[] = [];
  /** The last call id of each batch posted and not yet answered, oldest first. */
  #batchEnds: number[] = [];
  /** Posts the waiting calls unless {@link MAX_BATCHES} posted before are unanswered. */
  #flushCalls = (): void => {
    if (this.#batchEnds.length < MAX_BATCHES) this.#flush();
  };
  /** Posts the waiting calls now (before any other request, to keep the order). */
  #flush(): void {
    if (this.#outbox.length === 0 || !this.alive) return;
    const out = this.#outbox;
    this.#outbox = [];
    this.#batchEnds.push(out[out.length - 1].id);
    crossings.callPosts++;
    crossings.calls += out.length;
    this.worker.postMessage(
      out.length === 1 ? out[0].json : `[${out.map((c) => c.json).join(",")}]`,
    );
  }

  /** A fresh request id. */
  nextId(): number {
    return this.#next++;
  }

  /** Stops the Worker; unanswered requests reject. */
  terminate(reason = "sandbox worker terminated"): void {
    if (!this.alive) return;
    this.alive = false;
    this.worker.terminate();
    const err = new Error(reason);
    this.#failReady?.(err);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#batchEnds = [];
    this.#outbox = [];
    this.#order = [];
    for (const p of pending) p.waiter.reject(err);
  }

  #settle(id: number, m: FromWorker): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    // Requests are answered in order: the end of the oldest batch ends it.
    if (id === this.#batchEnds[0]) {
      this.#batchEnds.shift();
      this.#flushCalls();
    }
    // Answered in order: almost always the oldest (shift is O(1), a search is not).
    const i = this.#order[0] === id ? 0 : this.#order.indexOf(id);
    if (i === 0) this.#order.shift();
    else if (i > 0) this.#order.splice(i, 1);
    if (i === 0) this.#headSince = performance.now();
    if (m.t === "error") p.waiter.reject(new Error(m.error));
    else p.waiter.resolve(m as Reply);
  }

  async #answer(seq: number, slot: number, op: RpcOp, arg: string): Promise<void> {
    let value: unknown;
    try {
      value = await this.onRpc(slot, op, arg);
    } catch (err) {
      value = err instanceof Error ? err.message : String(err);
    }
    let bytes = new TextEncoder().encode(JSON.stringify(value ?? null));
    if (bytes.length > this.#rpcData.length) {
      bytes = new TextEncoder().encode(JSON.stringify("answer too large"));
    }
    this.#rpcData.set(bytes);
    Atomics.store(this.#rpcState, 1, bytes.length);
    Atomics.store(this.#rpcState, 2, seq);
    Atomics.store(this.#rpcState, 0, 1);
    Atomics.notify(this.#rpcState, 0);
  }
}
