import type { AgentIdentifier } from "../../acl/mod.ts";
import type { Limits, Manifest } from "../manifest.ts";
import { TokenBucket } from "../../limits/mod.ts";
import { entrySize, protocolAllowed, receiverAllowed } from "../policy.ts";
import type { Effect, ExportName, FailureReason, LogLevel, RpcOp } from "../protocol.ts";
import type { MemorySnapshot } from "../snapshot.ts";
import type { CheckpointDelta } from "../checkpoint-delta.ts";
import type { StoragePatch } from "../storage-sharing.ts";
import { PageTracker } from "./page-tracker.ts";
import { fromWitMessage, type WitAclMessage, type WitAgentId } from "../wit-message.ts";
import { Budget, coreInstantiator } from "./core-instances.ts";
import { wasiImports } from "./wasi.ts";
import { decideUrl, grantedDirs } from "../grant-decisions.ts";
import { AgentFiles, type Refusal } from "./files.ts";
import type { HttpBridge, HttpRequest, HttpResponse } from "./http.ts";

/** The exports of an agent component, as jco's bindings present them. */
interface AgentExports {
  init(): void;
  run(): boolean;
  shutdown(): void;
  handleMessage(message: WitAclMessage): boolean;
  /** World 0.2.0 only. */
  onTimer?(id: string, tag: string): void;
}

/** A component's bindings module (jco, async instantiation) and its compiled core modules. */
export interface ComponentCode {
  instantiate(
    getCoreModule: (name: string) => WebAssembly.Module,
    imports: Record<string, Record<string, unknown>>,
    instantiateCore: (m: WebAssembly.Module, i?: WebAssembly.Imports) => WebAssembly.Instance,
  ): AgentExports | Promise<AgentExports>;
  modules: Record<string, WebAssembly.Module>;
}

/** What an agent needs from its Worker: synchronous questions to the node, outgoing HTTP. */
export interface AgentHost {
  rpc(slot: number, op: RpcOp, arg: string): unknown;
  /** The Worker's HTTP bridge, started when an agent with a `net` grant was activated. */
  http?: HttpBridge;
}

/** An agent failed: the call that was running is lost, and so is the instance. */
export class AgentFailure extends Error {
  /**
   * @param needBytes for a component whose initial linear memory is above the limit: that
   *   memory, in bytes
   */
  constructor(readonly reason: FailureReason, message: string, readonly needBytes?: number) {
    super(message);
    this.name = "AgentFailure";
  }
}

class AgentExit extends Error {
  constructor(readonly ok: boolean) {
    super(`agent called wasi:cli/exit (${ok ? "success" : "failure"})`);
  }
}

/** How many log lines one call may write before further lines are dropped. */
const LOG_LINES_PER_CALL = 1000;
const MAX_LOG_LINE = 16 * 1024;
/** Longest storage key: Deno KV keys (with the node's prefix and the agent name) stop at 2,048 bytes. */
const MAX_KEY_BYTES = 1024;
const LOG_LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

/** Settings of one activation. */
export interface AgentSettings {
  slot: number;
  agentId: AgentIdentifier;
  nodeId: string;
  manifest: Manifest;
  limits: Limits;
  storage: [string, Uint8Array][];
  /** The agent's root for relative `files` grants. */
  filesRoot: string;
  /** Test only: skip the host's own check of grants. */
  skipGrantCheck: boolean;
}

const HTTP_METHOD = /^[A-Z]{1,16}$/;

/**
 * One agent inside a Worker: its component instance, its private storage view, its
 * mailbox of messages for `receive-message`, and the host functions that enforce its
 * manifest. Effects of a call (sends, storage writes, logs, migration requests) are
 * collected and handed to the node with the call's result; a failed call's effects are
 * dropped with the instance.
 */
export class AgentInstance {
  readonly budget: Budget;
  readonly mailbox: WitAclMessage[] = [];
  #exports?: AgentExports;
  #storage: Map<string, Uint8Array>;
  #storageBytes = 0;
  #bucket: TokenBucket;
  #effects: Effect[] = [];
  #peers = new Set<string>();
  #localCache = new Map<string, boolean>();
  #logLines = 0;
  #dead = false;
  /** Storage keys written (value) or deleted (null) since the last checkpoint. */
  #dirty = new Map<string, Uint8Array | null>();
  /** Per core instance, per memory index: the page tracker of checkpoints. */
  #trackers: Map<number, PageTracker>[] = [];
  #httpBucket: TokenBucket;
  /** Requests of this agent the HTTP helper has not finished (Int32 at 0). */
  #httpInflight = new SharedArrayBuffer(4);
  #files: AgentFiles;

  constructor(readonly settings: AgentSettings, private readonly host: AgentHost) {
    this.budget = new Budget(settings.limits.memory);
    this.#storage = new Map(settings.storage);
    for (const [k, v] of this.#storage) this.#storageBytes += entrySize(k, v);
    this.#bucket = new TokenBucket(
      { ratePerSecond: settings.limits.send_rate, burst: settings.limits.send_burst },
      performance.now(),
    );
    const rate = settings.limits.http_rate;
    this.#httpBucket = new TokenBucket(
      { ratePerSecond: rate, burst: Math.max(1, Math.ceil(rate)) },
      performance.now(),
    );
    this.#files = new AgentFiles({
      dirs: grantedDirs(settings.manifest.files, settings.filesRoot),
      root: settings.filesRoot,
      limitBytes: settings.limits.file_bytes,
      skipCheck: settings.skipGrantCheck,
      refused: (r) => this.#refused(r),
    });
  }

  #refused(r: Refusal): void {
    this.#effects.push({ t: "refused", kind: r.kind, target: r.target, message: r.message });
  }

  #fetch(req: HttpRequest): HttpResponse {
    const s = this.settings;
    if (!s.skipGrantCheck) {
      const d = decideUrl(req.url, s.manifest.net);
      if (!d.ok) {
        this.#refused({ kind: "net", target: d.target ?? req.url.slice(0, 200), message: d.error });
        throw d.error;
      }
    }
    const method = req.method === "" ? "GET" : req.method;
    if (!HTTP_METHOD.test(method)) {
      throw `invalid HTTP method ${JSON.stringify(method.slice(0, 32))}`;
    }
    if (!this.host.http) throw "outgoing HTTP is not available: the manifest grants no net access";
    const inflight = new Int32Array(this.#httpInflight);
    if (Atomics.load(inflight, 0) >= s.limits.http_in_flight) {
      throw `too many requests in flight (limits.http_in_flight ${s.limits.http_in_flight})`;
    }
    const now = performance.now();
    if (!this.#httpBucket.take(now).allowed) {
      throw `outgoing request rate exceeded (limits.http_rate ${s.limits.http_rate}/s)`;
    }
    // Waiting for the answer uses no CPU time: only the call's wall-time backstop bounds it.
    const left = Math.floor(this.budget.clock.sleepLimit - now);
    const timeoutMs = Math.min(s.limits.http_timeout_ms, left);
    if (timeoutMs <= 0) throw `no time left in this call for a request to ${req.url}`;
    Atomics.add(inflight, 0, 1);
    const r = this.host.http.fetch({ ...req, method }, {
      timeoutMs,
      maxBytes: s.limits.http_response_bytes,
      inflight: this.#httpInflight,
    });
    if ("error" in r) {
      if (r.error.startsWith("refused by the sandbox's Deno permissions")) {
        this.#refused({ kind: "net", target: req.url.slice(0, 200), message: r.error });
      }
      throw timeoutMs < s.limits.http_timeout_ms && r.error.includes("timed out")
        ? `${r.error} (what was left of the call's wall-time backstop for cpu_ms_per_call ` +
          `${s.limits.cpu_ms_per_call})`
        : r.error;
    }
    return r;
  }

  /** Instantiates the component; with a snapshot, restores memories and globals. */
  async instantiate(code: ComponentCode, snapshot?: MemorySnapshot): Promise<void> {
    this.budget.startCall(this.settings.limits.cpu_ms_per_call);
    try {
      const exports = await code.instantiate(
        (name) => {
          const m = code.modules[name];
          if (!m) throw new Error(`component has no core module ${name}`);
          return m;
        },
        { ...wasiImports(this.#wasiContext()), ...this.#fipaImports() },
        coreInstantiator(this.budget),
      );
      if (this.budget.memoryBytes() > this.settings.limits.memory) {
        throw new AgentFailure(
          "memory-limit",
          `initial linear memory ${this.budget.memoryBytes()} bytes exceeds the limit of ` +
            `${this.settings.limits.memory}`,
          this.budget.memoryBytes(),
        );
      }
      if (snapshot) {
        if (snapshot.instances.length !== this.budget.instances.length) {
          throw new Error(
            `snapshot has ${snapshot.instances.length} instances, the component ` +
              `${this.budget.instances.length}`,
          );
        }
        snapshot.instances.forEach((s, i) => this.budget.instances[i].restore(s));
      }
      this.#exports = exports;
    } finally {
      this.budget.clock.end();
    }
  }

  /**
   * Calls an export. Returns its result and the call's effects.
   *
   * @throws {AgentFailure} when the call trapped, ran out of time or memory, or exited.
   */
  call(
    fn: ExportName,
    message?: WitAclMessage,
    timer?: { id: string; tag: string },
  ): { value: unknown; effects: Effect[] } {
    if (this.#dead || !this.#exports) throw new AgentFailure("trap", "agent is not running");
    this.#effects = [];
    this.#peers.clear();
    this.#localCache.clear();
    this.#logLines = 0;
    if (message) this.#notePeers(message);
    this.budget.startCall(this.settings.limits.cpu_ms_per_call);
    let value: unknown;
    try {
      const e = this.#exports;
      value = fn === "init"
        ? e.init()
        : fn === "run"
        ? e.run()
        : fn === "shutdown"
        ? e.shutdown()
        : fn === "timer"
        ? e.onTimer?.(timer!.id, timer!.tag)
        : e.handleMessage(message!);
    } catch (err) {
      this.#dead = true;
      throw this.#classify(err);
    } finally {
      this.budget.clock.end();
    }
    const effects = this.#effects;
    this.#effects = [];
    return { value, effects };
  }

  /**
   * Applies what another instance of the agent wrote to the storage they share (only
   * between calls): the next checkpoint lists it as this instance's own change.
   */
  applyStorage(patch: StoragePatch): void {
    for (const [key, value] of patch.set) {
      const old = this.#storage.get(key);
      this.#storageBytes += entrySize(key, value) - (old ? entrySize(key, old) : 0);
      this.#storage.set(key, value);
      this.#dirty.set(key, value);
    }
    for (const key of patch.del) {
      const old = this.#storage.get(key);
      if (!old) continue;
      this.#storageBytes -= entrySize(key, old);
      this.#storage.delete(key);
      this.#dirty.set(key, null);
    }
  }

  /** Copies every memory and mutable global (only between calls). */
  snapshot(hash: string): MemorySnapshot {
    return { hash, instances: this.budget.instances.map((i) => i.capture()) };
  }

  /**
   * What changed since the last checkpoint (everything when `full`): dirty memory pages,
   * all mutable globals and the storage keys written or deleted. Only between calls.
   */
  checkpoint(hash: string, full: boolean): CheckpointDelta {
    const instances = this.budget.instances.map((inst, i) => {
      const trackers = this.#trackers[i] ??= new Map();
      const state = inst.capture({ memories: false });
      const memories = [...inst.memories].map(([index, m]) => {
        let t = trackers.get(index);
        if (!t) trackers.set(index, t = new PageTracker());
        const bytes = new Uint8Array(m.buffer);
        return { index, length: bytes.length, pages: t.diff(bytes, full) };
      });
      return { memories, globals: state.globals };
    });
    let storage: CheckpointDelta["storage"];
    if (full) {
      storage = { set: [...this.#storage], del: [] };
    } else {
      const set: [string, Uint8Array][] = [];
      const del: string[] = [];
      for (const [k, v] of this.#dirty) v ? set.push([k, v]) : del.push(k);
      storage = { set, del };
    }
    this.#dirty.clear();
    return { hash, full, instances, storage };
  }

  #classify(err: unknown): AgentFailure {
    if (err instanceof AgentFailure) return err;
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (this.budget.cpuExceeded) {
      return new AgentFailure("cpu-limit", this.budget.clock.describe());
    }
    if (this.budget.memoryRefused) {
      return new AgentFailure(
        "memory-limit",
        `linear memory would exceed ${this.settings.limits.memory} bytes (${text})`,
      );
    }
    if (err instanceof AgentExit) return new AgentFailure("exit", err.message);
    return new AgentFailure("trap", text);
  }

  #notePeers(m: WitAclMessage): void {
    if (m.sender) this.#peers.add(m.sender.name);
    for (const r of m.replyTo) this.#peers.add(r.name);
  }

  #wasiContext() {
    return {
      env: this.settings.manifest.env,
      write: (level: "info" | "warn", text: string) => this.#log(level, text),
      sleepUntil: (until: number) => {
        // Asleep, a call uses no CPU time: only the wall-time backstop bounds it.
        const limit = Math.min(until, this.budget.clock.sleepLimit);
        const ms = limit - performance.now();
        if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
        if (until > limit) this.budget.clock.stopForWall();
      },
      exit: (ok: boolean): never => {
        throw new AgentExit(ok);
      },
    };
  }

  #log(level: LogLevel, message: string): void {
    if (++this.#logLines > LOG_LINES_PER_CALL) return;
    const text = message.length > MAX_LOG_LINE ? `${message.slice(0, MAX_LOG_LINE)}...` : message;
    this.#effects.push({
      t: "log",
      level,
      message: this.#logLines === LOG_LINES_PER_CALL ? `${text} (further lines dropped)` : text,
    });
  }

  #isLocal(name: string): boolean {
    let v = this.#localCache.get(name);
    if (v === undefined) {
      v = this.host.rpc(this.settings.slot, "isLocal", name) === true;
      this.#localCache.set(name, v);
    }
    return v;
  }

  #setTimer(dueAtMs: number, tag: string, when: string): string {
    if (!Number.isSafeInteger(dueAtMs)) throw `timer ${when} is out of range`;
    const bytes = new TextEncoder().encode(tag).length;
    if (bytes > MAX_TIMER_TAG) {
      throw `timer tag of ${bytes} bytes is longer than the limit of ${MAX_TIMER_TAG} bytes`;
    }
    const v = this.host.rpc(this.settings.slot, "timerSet", JSON.stringify({ tag, dueAtMs })) as
      | { ok?: boolean; id?: unknown; error?: unknown }
      | string
      | null;
    if (typeof v === "string") throw v;
    if (v?.ok === true && typeof v.id === "string") return v.id;
    throw typeof v?.error === "string" ? v.error : "timer refused";
  }

  #fipaImports(): Record<string, Record<string, unknown>> {
    const s = this.settings;
    const facts = {
      peers: this.#peers,
      isLocal: (n: string) => this.#isLocal(n),
      nodeOf: (n: string) => {
        const v = this.host.rpc(s.slot, "nodeOf", n);
        return typeof v === "string" ? v : undefined;
      },
    };
    return {
      "fipa:agent/messaging": {
        sendMessage: (w: WitAclMessage): string => {
          const r = fromWitMessage(w, s.agentId);
          if (!r.ok) throw r.error;
          const m = r.message;
          const bad = protocolAllowed(s.manifest.protocols, m.protocol) ??
            m.receivers.map((x) => receiverAllowed(s.manifest.network, x.name, facts))
              .find((x) => x !== undefined);
          if (bad) throw bad;
          if (!this.#bucket.take(performance.now()).allowed) {
            throw `send rate exceeded (${s.limits.send_rate}/s, burst ${s.limits.send_burst})`;
          }
          const id = w.messageId && w.messageId.length <= 256 ? w.messageId : crypto.randomUUID();
          this.#effects.push({ t: "send", message: m, messageId: id });
          return id;
        },
        receiveMessage: (): WitAclMessage | undefined => {
          const m = this.mailbox.shift();
          if (m) this.#notePeers(m);
          return m;
        },
        findAgentsByService: (service: string): WitAgentId[] => {
          const v = this.host.rpc(s.slot, "find", service);
          if (!Array.isArray(v)) throw typeof v === "string" ? v : "directory unavailable";
          return v as WitAgentId[];
        },
      },
      "fipa:agent/migration": {
        getCurrentNode: () => s.nodeId,
        listNodes: () => {
          const v = this.host.rpc(s.slot, "nodes", "");
          if (!Array.isArray(v)) return [];
          return (v as { id: string; load: number; latency_ms: number; available_memory: number }[])
            .map((n) => ({
              id: n.id,
              load: n.load,
              latencyMs: n.latency_ms >>> 0,
              availableMemory: BigInt(Math.max(0, Math.floor(n.available_memory))),
            }));
        },
        migrateTo: (node: string): void => {
          if (!s.manifest.may_migrate) throw "migration is not allowed by the manifest";
          if (!node || node.length > 256) throw `invalid node id ${JSON.stringify(node)}`;
          this.#effects.push({ t: "migrate", node });
        },
      },
      "fipa:agent/storage": {
        store: (key: string, value: Uint8Array): void => {
          checkKey(key);
          const old = this.#storage.get(key);
          const next = this.#storageBytes - (old ? entrySize(key, old) : 0) +
            entrySize(key, value);
          if (next > s.manifest.storage_quota) {
            throw `storage quota of ${s.manifest.storage_quota} bytes exceeded ` +
              `(would use ${next})`;
          }
          const copy = value.slice();
          this.#storage.set(key, copy);
          this.#dirty.set(key, copy);
          this.#storageBytes = next;
          this.#effects.push({ t: "store", key, value: copy });
        },
        load: (key: string): Uint8Array => {
          const v = this.#storage.get(key);
          if (!v) throw `no value for key ${JSON.stringify(key)}`;
          return v;
        },
        delete: (key: string): void => {
          const old = this.#storage.get(key);
          if (!old) return;
          this.#storage.delete(key);
          this.#dirty.set(key, null);
          this.#storageBytes -= entrySize(key, old);
          this.#effects.push({ t: "delete", key });
        },
      },
      "fipa:agent/logging": {
        log: (level: string, message: string) =>
          this.#log(LOG_LEVELS.includes(level as LogLevel) ? level as LogLevel : "info", message),
      },
      "fipa:agent/http": {
        fetch: (req: HttpRequest): HttpResponse => this.#fetch(req),
      },
      "fipa:agent/files": {
        read: (path: string): Uint8Array => this.#files.read(path),
        write: (path: string, data: Uint8Array): void => this.#files.write(path, data, false),
        append: (path: string, data: Uint8Array): void => this.#files.write(path, data, true),
        listDir: (path: string): string[] => this.#files.listDir(path),
        remove: (path: string): void => this.#files.remove(path),
      },
      "fipa:agent/timers": {
        setTimer: (afterMs: bigint, tag: string): string =>
          this.#setTimer(Date.now() + Number(afterMs), tag, `after ${afterMs} ms`),
        setTimerAt: (unixMs: bigint, tag: string): string =>
          this.#setTimer(Number(unixMs), tag, `at ${unixMs}`),
        cancelTimer: (id: string): boolean =>
          id.length <= 256 && this.host.rpc(s.slot, "timerCancel", id) === true,
      },
    };
  }
}

/** Longest timer tag, in UTF-8 bytes. */
const MAX_TIMER_TAG = 1024;

function checkKey(key: string): void {
  if (key.length === 0) throw "storage key must not be empty";
  const bytes = new TextEncoder().encode(key).length;
  if (bytes > MAX_KEY_BYTES) {
    throw `storage key of ${bytes} bytes (UTF-8) is longer than the limit of ${MAX_KEY_BYTES} ` +
      `bytes: ${JSON.stringify(key.slice(0, 32))}...`;
  }
}
