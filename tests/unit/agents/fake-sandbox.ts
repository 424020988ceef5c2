/**
 * A fake sandbox for the agent manager's unit tests (no Workers): each instance is a
 * counter kept in one "global", so snapshots and checkpoints carry it, with storage writes
 * on request and failures on demand. Its content language:
 * - `trap`: the agent fails on the message (`MESSAGE_DELIVERY_FAILED`, then `onFailed`);
 * - `put:<key>`: stores the count under `<key>`;
 * - `send:<name>`: sends an `inform` to `<name>`;
 * - anything else: counts.
 */
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import type {
  AgentDirectory,
  AgentInstance,
  AgentRecord,
  AgentSandbox,
  AgentState,
  ComponentLoader,
} from "../../../runtime/agents/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  type ActivateOptions,
  type CheckpointDelta,
  DEFAULT_AGENT_BOUNDS,
  type DeliveryResult,
  type HostCallbacks,
  type MemorySnapshot,
  SharedStorage,
} from "../../../runtime/sandbox/mod.ts";

const te = new TextEncoder();

/** The SHA-256 (hex) of `bytes`, as the component store names components. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A component store that only names components. */
export const fakeComponents: ComponentLoader = {
  load: async (bytes) => ({ hash: await sha256(bytes) }),
};

/** One fake instance: a counter. */
export class FakeInstance implements AgentInstance {
  count: number;
  pending = 0;
  terminated = false;
  shutdownCalled = false;
  /** While set, checkpoints are taken but handed over only once it resolves (a slow transfer). */
  gate?: Promise<void>;
  /** Called when a checkpoint was taken. */
  onCheckpoint?: () => void;
  /** Every message handed to it, in order. */
  readonly received: AclMessage[] = [];
  readonly storage: Map<string, Uint8Array>;
  #dirty = new Set<string>();
  #full = true;
  /** Calls run one at a time, in call order, as in the agent's Worker. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly opts: ActivateOptions, readonly host: HostCallbacks) {
    const g = opts.snapshot?.instances[0]?.globals[0]?.value;
    this.count = typeof g === "number" ? g : 0;
    this.storage = new Map(
      opts.storage instanceof Map || Array.isArray(opts.storage)
        ? opts.storage as Iterable<[string, Uint8Array]>
        : Object.entries(opts.storage ?? {}),
    );
  }

  get name(): string {
    const id = this.opts.agentId;
    return (typeof id === "string" ? id : id.name).split("@")[0];
  }

  #inOrder<T>(call: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(call, call);
    this.#queue = run.catch(() => {});
    return run;
  }

  deliver(message: AclMessage, opts: { messageId?: string } = {}): Promise<DeliveryResult> {
    if (this.terminated) {
      return Promise.reject(new ApiError("AGENT_UNAVAILABLE", `${this.name} terminated`));
    }
    this.pending++;
    return this.#inOrder(() => this.#handle(message, opts));
  }

  async #handle(message: AclMessage, opts: { messageId?: string }): Promise<DeliveryResult> {
    this.received.push(message);
    await Promise.resolve();
    this.pending--;
    const content = String(message.content ?? "");
    if (content === "trap") {
      this.terminated = true;
      queueMicrotask(() =>
        this.host.onFailed?.({ agentId: this.name, reason: "trap", message: "unreachable" })
      );
      throw new ApiError("MESSAGE_DELIVERY_FAILED", `Agent ${this.name} failed (trap)`, {
        agent: this.name,
        reason: "trap",
        message: "unreachable",
      });
    }
    this.count++;
    if (content.startsWith("put:")) {
      const key = content.slice(4);
      this.storage.set(key, te.encode(String(this.count)));
      this.#dirty.add(key);
    }
    if (content.startsWith("send:")) {
      await this.host.onSend?.({
        performative: "inform",
        sender: aid(this.name),
        receivers: [aid(content.slice(5))],
        content: String(this.count),
      }, { messageId: `${opts.messageId ?? "m"}-out` });
    }
    return { handled: true, sent: 0 };
  }

  snapshot(): Promise<MemorySnapshot> {
    return this.#inOrder(() =>
      Promise.resolve({
        hash: this.opts.hash,
        instances: [{ memories: [], globals: [{ index: 0, value: this.count }] }],
      })
    );
  }

  async checkpoint(): Promise<CheckpointDelta> {
    const delta = await this.#inOrder(() => this.#checkpoint());
    this.onCheckpoint?.();
    await this.gate;
    return delta;
  }

  #checkpoint(): Promise<CheckpointDelta> {
    const full = this.#full;
    const keys = full ? [...this.storage.keys()] : [...this.#dirty];
    this.#full = false;
    this.#dirty.clear();
    return Promise.resolve({
      hash: this.opts.hash,
      full,
      instances: [{ memories: [], globals: [{ index: 0, value: this.count }] }],
      storage: {
        set: keys.filter((k) => this.storage.has(k)).map((k) => [k, this.storage.get(k)!]),
        del: keys.filter((k) => !this.storage.has(k)),
      },
    });
  }

  checkpointLost(): void {
    this.#full = true;
  }

  /** Shared storage (no turns: the fake runs one call at a time anyway). */
  sharedStorage?: SharedStorage;
  share(): SharedStorage {
    return this.sharedStorage ??= new SharedStorage(this.storage);
  }

  storageEntries(): [string, Uint8Array][] {
    return [...this.storage];
  }

  shutdown(): Promise<void> {
    this.shutdownCalled = true;
    return Promise.resolve();
  }

  terminate(): Promise<void> {
    this.terminated = true;
    return Promise.resolve();
  }
}

/** A sandbox of {@link FakeInstance}s; activations for which `refuse` gives an error fail. */
export class FakeSandbox implements AgentSandbox {
  readonly bounds = DEFAULT_AGENT_BOUNDS;
  readonly instances: FakeInstance[] = [];
  refuse?: (opts: ActivateOptions) => Error | undefined;

  activate(opts: ActivateOptions): Promise<AgentInstance> {
    const refused = this.refuse?.(opts);
    if (refused) return Promise.reject(refused);
    const i = new FakeInstance(opts, opts.host);
    this.instances.push(i);
    return Promise.resolve(i);
  }

  /** Instances not terminated, by agent name. */
  live(name?: string): FakeInstance[] {
    return this.instances.filter((i) => !i.terminated && (name === undefined || i.name === name));
  }
}

/** A directory of one cluster: names → nodes, shared by the managers of several "nodes". */
export class FakeCluster {
  readonly agents = new Map<string, { node: string; state: AgentState }>();
  /** Every deregister asked for, as `node:name`. */
  readonly deregistered: string[] = [];

  /** The directory as the manager of `node` sees it. */
  directory(node: string): AgentDirectory {
    return {
      register: (r: AgentRecord) => {
        const other = this.agents.get(r.name);
        if (other) {
          return Promise.reject(
            new ApiError("AGENT_ALREADY_EXISTS", `Agent name '${r.name}' already in use`, {
              name: r.name,
              node: other.node,
            }),
          );
        }
        this.agents.set(r.name, { node, state: r.state });
        return Promise.resolve();
      },
      setState: (name, state) => {
        const a = this.agents.get(name);
        if (a) a.state = state;
        return Promise.resolve();
      },
      deregister: (name) => {
        this.deregistered.push(`${node}:${name}`);
        if (this.agents.get(name)?.node === node) this.agents.delete(name);
        return Promise.resolve();
      },
      findAgentsByService: () => [],
      listNodes: () => [],
      nodeOf: (name) => this.agents.get(name)?.node,
    };
  }
}
