/**
 * The agents of one node by name and id, each with its lifecycle lock (operations on one
 * agent run one at a time), its state as the directory sees it and its API view.
 * @module
 */
import type { AgentIdentifier } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import type { AgentManagerDeps } from "./deps.ts";
import { type Managed, newManaged, SETTLED } from "./managed.ts";
import { type AgentRecord, type AgentState, withSharedParts } from "./record.ts";
import { type AgentView, toView } from "./view.ts";

/** What the registry needs: the node's router, directory and log, a clock, and the mailbox. */
export interface RegistryDeps {
  deps: Pick<AgentManagerDeps, "router" | "directory" | "log" | "nodeId">;
  now: () => number;
  /** Where the router hands an agent's messages (the mailbox). */
  deliver(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void>;
}

/** The agents of this node, their lifecycle locks and their views. */
export class AgentRegistry {
  readonly #agents = new Map<string, Managed>();
  readonly #byId = new Map<string, string>();
  /**
   * The names in {@link byName} order, made on demand and then kept in order as agents come
   * and go (a binary search and one move each, not a sort of 100,000 names per deploy).
   */
  #sorted: string[] | undefined;
  /** Names set running since {@link takeActivated} last ran (the hibernation scheduler's feed). */
  readonly #activated = new Set<string>();
  #closed = false;

  constructor(readonly r: RegistryDeps) {}

  /** Whether the node is shutting down. */
  get closed(): boolean {
    return this.#closed;
  }

  /** From now on, operations that start something answer `UNAVAILABLE`. */
  close(): void {
    this.#closed = true;
  }

  /** @throws {ApiError} `UNAVAILABLE` once the node is shutting down. */
  open(): void {
    if (this.#closed) throw new ApiError("UNAVAILABLE", "node is shutting down");
  }

  /** Every agent managed here. */
  all(): IterableIterator<Managed> {
    return this.#agents.values();
  }

  /**
   * The agents set running (activated, woken, arrived) since the last call, each once; the
   * first call returns every agent running so far. What the hibernation scheduler looks at
   * besides the agents it already waits on.
   */
  takeActivated(): string[] {
    const out = [...this.#activated];
    this.#activated.clear();
    return out;
  }

  /** Every agent's name, sorted by {@link byName} (read it before the set changes again). */
  sortedNames(): readonly string[] {
    return this.#sorted ??= [...this.#agents.keys()].sort(byName);
  }

  /** Whether an agent of that name is managed here. */
  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /** The agent of that name, if it is managed here. */
  get(name: string): Managed | undefined {
    return this.#agents.get(name);
  }

  /** Starts managing `record`: listed, and reachable through the router. */
  track(record: AgentRecord): Managed {
    const m = newManaged(withSharedParts(record), this.r.now());
    this.adopt(m);
    this.connect(m);
    return m;
  }

  /** Lists `m` (already connected to the router, as an arrival is). */
  adopt(m: Managed): void {
    if (!this.#agents.has(m.record.name) && this.#sorted) {
      this.#sorted.splice(firstAfterName(this.#sorted, m.record.name), 0, m.record.name);
    }
    this.#agents.set(m.record.name, m);
    this.#byId.set(m.record.agent_id, m.record.name);
    if (m.record.state === "running") this.#activated.add(m.record.name);
  }

  /** Makes the router hand `m`'s messages to the mailbox. */
  connect(m: Managed): void {
    m.unregister = this.r.deps.router.register(m.record.name, {
      deliver: (d, to) => this.r.deliver(m, d, to),
      marksDurably: true,
    });
  }

  /** Stops managing `m`: unlisted and unreachable. */
  untrack(m: Managed): void {
    m.unregister?.();
    if (this.#agents.delete(m.record.name) && this.#sorted) {
      const at = firstAfterName(this.#sorted, m.record.name) - 1;
      if (this.#sorted[at] === m.record.name) this.#sorted.splice(at, 1);
      else this.#sorted = undefined; // not where it should be: sorted again on demand
    }
    this.#byId.delete(m.record.agent_id);
    this.#activated.delete(m.record.name);
  }

  /**
   * The agent by name, full name (`name@platform`) or agent id.
   * @throws {ApiError} `AGENT_NOT_FOUND`
   */
  find(ref: string): Managed {
    const local = this.r.deps.router.localName(ref) ?? ref;
    const m = this.#agents.get(local) ?? this.#agents.get(this.#byId.get(ref) ?? "");
    if (!m) throw new ApiError("AGENT_NOT_FOUND", `Agent '${ref}' not found`, { agent: ref });
    return m;
  }

  /**
   * Runs `op` after the agent's other lifecycle operations. An operation queued behind a
   * move finds the agent gone (moved to another node): `AGENT_NOT_FOUND`.
   */
  serial<T>(m: Managed, op: () => Promise<T>): Promise<T> {
    const guarded = () => {
      if (this.#agents.get(m.record.name) !== m) {
        throw new ApiError(
          "AGENT_NOT_FOUND",
          `Agent '${m.record.name}' is no longer on this node`,
          { agent: m.record.name },
        );
      }
      return op();
    };
    const run = m.busy.then(guarded, guarded);
    // The lock waits for the operation but keeps nothing of its result: an agent's last
    // operation (often a whole view) must not stay in memory while it sleeps.
    const idle = run.then(ignore, ignore);
    m.busy = idle;
    // Once it has ended, a sleeper shares one settled lock instead of keeping its own promise.
    void idle.then(() => {
      if (m.busy === idle) m.busy = SETTLED;
    });
    return run;
  }

  /** Locks the agent's lifecycle until {@link unlock} (a move left in doubt by a restart). */
  lock(m: Managed): void {
    const gate = Promise.withResolvers<void>();
    m.unlock = gate.resolve;
    this.serial(m, () => gate.promise).catch(() => {});
  }

  /** Ends the lock of {@link lock} or of a move's pause. */
  unlock(m: Managed): void {
    const u = m.unlock;
    m.unlock = undefined;
    u?.();
  }

  /**
   * Sets the agent's state, and tells the directory (in the background) unless `announce`
   * is false (the caller's own directory commit carries the state).
   */
  setState(m: Managed, state: AgentState, announce = true): void {
    m.record = { ...m.record, state, updated_at: new Date(this.r.now()).toISOString() };
    if (state === "running") this.#activated.add(m.record.name);
    if (!announce) return;
    this.r.deps.directory?.setState(m.record.name, state).catch((e) =>
      this.r.deps.log.warn("directory state update failed", {
        agent: m.record.name,
        error: String(e),
      })
    );
  }

  /** What the API shows of the agent. */
  view(m: Managed): AgentView {
    return toView(m.record, m.counters, {
      platform: this.r.deps.router.platform,
      node: this.r.deps.nodeId,
      mailbox: m.handle?.pending ?? 0,
      now: this.r.now(),
    });
  }
}

const ignore = (): void => {};

const collator = new Intl.Collator();
/** The order of agent lists: by name, as `localeCompare` orders them. */
export const byName = (a: string, b: string): number => collator.compare(a, b);

/** The index of the first name of `sorted` (by {@link byName}) that comes after `name`. */
export function firstAfterName(sorted: readonly string[], name: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byName(sorted[mid], name) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
