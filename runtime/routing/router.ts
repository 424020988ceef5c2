import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { extractTrace, inSpan, messageAttributes, TRACING } from "../tracing/mod.ts";

/** A message accepted by the node, with the id the API assigned to it. */
export interface Delivery {
  message_id: string;
  message: AclMessage;
  /** ISO 8601 time the node accepted it. */
  accepted_at: string;
  /**
   * Where it came from: an HTTP client, a local agent, another node of the cluster, another
   * platform (MTP), or the platform itself (AMS/DF). Absent means unknown.
   */
  origin?: "http" | "agent" | "peer" | "mtp" | "platform";
  /**
   * `at-least-once`: the endpoint resolves only once the agent handled the message, and a
   * message id seen before is not delivered twice (see {@link Deduper}). Default: at most once.
   */
  mode?: "at-most-once" | "at-least-once";
  /**
   * The endpoint resolves only once the receiver handled the message, and rejects with its
   * failure (`AGENT_UNAVAILABLE` with the reason) when it failed on it, whatever the mode:
   * send-and-wait asks for it, so that a receiver that fails answers at once.
   */
  await_handled?: boolean;
  /**
   * The instance of a replicated receiver that takes it (its index), chosen by the node
   * that forwarded it; absent: the receiving node picks (see `replicas/pick.ts`).
   */
  instance?: number;
}

/** Remembers which (receiver, message id) pairs were delivered at least once. */
export interface Deduper {
  seen(receiver: string, messageId: string): boolean | Promise<boolean>;
  mark(receiver: string, messageId: string): void | Promise<void>;
  /** Notes a pair whose mark the endpoint already made durable itself (in memory only). */
  remember?(receiver: string, messageId: string): void;
}

/**
 * Checks a message before anything is delivered; throws (an `ApiError`, such as
 * `PROTOCOL_VIOLATION`) to refuse it. `local` lists the receivers that live on this node.
 */
export type RouteGuard = (delivery: Delivery, local: AgentIdentifier[]) => void;

/**
 * Sees every message that passed the guards once its delivery ended (history, tracing,
 * metrics), with its outcomes; when the delivery failed, also with the error (and the
 * outcomes of the receivers reached before it). Must not throw.
 */
export type RouteObserver = (
  delivery: Delivery,
  outcomes: RouteOutcome[],
  error?: unknown,
) => void;

/** Something on this node that takes messages for one agent name. */
export interface LocalEndpoint {
  /** Hands the message over; resolves once it is in the agent's mailbox. */
  deliver(delivery: Delivery, to: AgentIdentifier): Promise<void> | void;
  /**
   * The endpoint commits the duplicate mark of an at-least-once message itself, together
   * with the effects of handling it (a durable agent's checkpoint): the router does not
   * write it again.
   */
  readonly marksDurably?: boolean;
}

/** Where one receiver's copy of a message went. */
export interface RouteOutcome {
  receiver: string;
  /** `delivered`: in a local mailbox; `forwarded`: handed to a remote route. */
  status: "delivered" | "forwarded";
  /** At-least-once: this copy had been delivered before and was dropped. */
  duplicate?: boolean;
  /** The remote route's kind (`peer`, `mtp`), when forwarded. */
  via?: string;
}

/** A way to reach agents that do not live on this node. */
export interface RemoteRoute {
  /** Reported in outcomes, e.g. `peer` (another cluster node) or `mtp` (another platform). */
  readonly kind: string;
  /**
   * Whether this route carries messages for `to`; if so, the function that hands one over
   * (resolving once the route accepted it, not necessarily once it arrived).
   */
  resolve(
    to: AgentIdentifier,
  ): ((delivery: Delivery, to: AgentIdentifier) => Promise<void>) | undefined;
}

/** Where {@link MessageRouter} sends a message for one receiver. */
type Target =
  | { kind: "local"; ep: LocalEndpoint }
  | { kind: string; send: (d: Delivery, to: AgentIdentifier) => Promise<void> };

/**
 * Routes messages to the agents that take them. An agent is addressed by its local name
 * (`echo`) or its full name (`echo@<platform>`); both reach the same endpoint.
 *
 * @example
 * ```ts
 * const router = new MessageRouter("node1");
 * router.register("echo", { deliver: (d) => console.log(d.message) });
 * await router.route(delivery); // delivers to echo, or throws AGENT_NOT_FOUND
 * ```
 */
export class MessageRouter {
  readonly #local = new Map<string, LocalEndpoint>();
  readonly #remote: RemoteRoute[] = [];
  readonly #aliases = new Set<string>();
  readonly #guards: RouteGuard[] = [];
  readonly #observers: RouteObserver[] = [];
  #deduper?: Deduper;
  /** At-least-once copies being delivered now, by receiver and id: a retry joins them. */
  readonly #inflight = new Map<string, Promise<RouteOutcome>>();

  constructor(readonly platform: string) {}

  /** Registers a local endpoint under a local name; returns a function that removes it. */
  register(localName: string, endpoint: LocalEndpoint): () => void {
    if (localName.includes("@")) {
      throw new RangeError(`localName must not contain '@': '${localName}'`);
    }
    if (this.#local.has(localName)) {
      throw new ApiError("AGENT_ALREADY_EXISTS", `Agent '${localName}' already exists`, {
        agent: localName,
      });
    }
    this.#local.set(localName, endpoint);
    return () => {
      if (this.#local.get(localName) === endpoint) this.#local.delete(localName);
    };
  }

  /**
   * Treats `name` as another name of this platform (the node names of cluster members), so
   * `echo@node2` sent to node1 means the cluster's agent `echo`.
   */
  addAlias(name: string): void {
    this.#aliases.add(name);
  }

  /** Sets what remembers at-least-once deliveries (dedup by message id at the receiver). */
  setDeduper(d: Deduper): void {
    this.#deduper = d;
  }

  /**
   * Hands a message to a local endpoint; for at-least-once, skips a duplicate and waits for
   * the agent to have handled it before marking it delivered.
   */
  deliverLocal(ep: LocalEndpoint, d: Delivery, to: AgentIdentifier): Promise<RouteOutcome> {
    if (!TRACING) return this.#deliverLocal(ep, d, to);
    return inSpan(
      "fipa.deliver",
      { ...messageAttributes(d.message, d.message_id), "fipa.to": to.name },
      d.origin === "peer" || d.origin === "mtp" ? extractTrace(d.message) : undefined,
      () => this.#deliverLocal(ep, d, to),
    );
  }

  async #deliverLocal(ep: LocalEndpoint, d: Delivery, to: AgentIdentifier): Promise<RouteOutcome> {
    if (d.mode === "at-least-once" && this.#deduper) {
      // The receiver's local name keys its duplicate marks (at most once needs none).
      const local = this.localName(to) ?? to.name;
      const key = `${local}\u0000${d.message_id}`;
      const running = this.#inflight.get(key);
      if (running) {
        await running;
        return { receiver: to.name, status: "delivered", duplicate: true };
      }
      const p = this.#deliverOnce(this.#deduper, ep, d, to, local);
      this.#inflight.set(key, p);
      try {
        return await p;
      } finally {
        this.#inflight.delete(key);
      }
    }
    await ep.deliver(d, to);
    return { receiver: to.name, status: "delivered" };
  }

  async #deliverOnce(
    dedup: Deduper,
    ep: LocalEndpoint,
    d: Delivery,
    to: AgentIdentifier,
    local: string,
  ): Promise<RouteOutcome> {
    if (await dedup.seen(local, d.message_id)) {
      return { receiver: to.name, status: "delivered", duplicate: true };
    }
    await ep.deliver(d, to);
    if (ep.marksDurably) dedup.remember?.(local, d.message_id);
    else await dedup.mark(local, d.message_id);
    return { receiver: to.name, status: "delivered" };
  }

  /** Adds a guard, run in order before every delivery. Returns its removal. */
  addGuard(g: RouteGuard): () => void {
    this.#guards.push(g);
    return () => void this.#guards.splice(this.#guards.indexOf(g) >>> 0, 1);
  }

  /** Adds an observer, called after every routed message. Returns its removal. */
  addObserver(o: RouteObserver): () => void {
    this.#observers.push(o);
    return () => void this.#observers.splice(this.#observers.indexOf(o) >>> 0, 1);
  }

  /** Adds a remote route; routes are tried in the order they were added. */
  addRemote(route: RemoteRoute): void {
    this.#remote.push(route);
  }

  /** Whether an agent of this name is registered on this node. */
  hasLocal(localName: string): boolean {
    return this.#local.has(localName);
  }

  /** The local names registered on this node. */
  localNames(): string[] {
    return [...this.#local.keys()];
  }

  /** The local name an identifier refers to, or `undefined` if it names another platform. */
  localName(id: AgentIdentifier | string): string | undefined {
    const name = typeof id === "string" ? id : id.name;
    const at = name.indexOf("@");
    if (at < 0) return name;
    const p = name.slice(at + 1);
    return p === this.platform || this.#aliases.has(p) ? name.slice(0, at) : undefined;
  }

  /** The endpoint for an identifier, if the agent lives on this node. */
  resolve(id: AgentIdentifier | string): LocalEndpoint | undefined {
    const local = this.localName(id);
    return local === undefined ? undefined : this.#local.get(local);
  }

  /**
   * Delivers to every receiver: local ones into their mailboxes, others through the first
   * remote route that takes them. All receivers are resolved before anything is delivered,
   * so a message with one unreachable receiver reaches nobody.
   *
   * @throws {ApiError} `AGENT_NOT_FOUND` naming the first receiver no route reaches.
   */
  route(delivery: Delivery): Promise<RouteOutcome[]> {
    if (!TRACING) return this.#route(delivery);
    return inSpan(
      "fipa.route",
      {
        ...messageAttributes(delivery.message, delivery.message_id),
        "fipa.origin": delivery.origin ?? "",
      },
      extractTrace(delivery.message),
      () => this.#route(delivery),
    );
  }

  /**
   * Delivers a message another node forwarded for `to`, an agent of this node: the guards
   * and observers run as for any local delivery, and no further hop is tried.
   *
   * @throws {ApiError} `AGENT_NOT_FOUND` when `to` does not live here (any more).
   */
  async receiveForwarded(delivery: Delivery, to: AgentIdentifier): Promise<RouteOutcome> {
    const ep = this.resolve(to);
    if (!ep) {
      throw new ApiError("AGENT_NOT_FOUND", `Agent '${to.name}' is not on this node`, {
        agent: to.name,
        platform: this.platform,
      });
    }
    let out: RouteOutcome;
    try {
      for (const g of this.#guards) g(delivery, [to]);
      out = await this.deliverLocal(ep, delivery, to);
    } catch (e) {
      this.#observe(delivery, [], e);
      throw e;
    }
    this.#observe(delivery, [out]);
    return out;
  }

  /**
   * Whether a route reaches `to` now (a local endpoint or a remote route that takes it), as
   * {@link route} decides before delivering; it delivers nothing.
   */
  reaches(to: AgentIdentifier): boolean {
    return this.#target(to) !== undefined;
  }

  #target(r: AgentIdentifier): Target | undefined {
    const ep = this.resolve(r);
    if (ep) return { kind: "local", ep };
    for (const route of this.#remote) {
      const send = route.resolve(r);
      if (send) return { kind: route.kind, send };
    }
    return undefined;
  }

  async #route(delivery: Delivery): Promise<RouteOutcome[]> {
    const targets: [AgentIdentifier, Target][] = delivery.message.receivers.map((r) => {
      const t = this.#target(r);
      if (t) return [r, t];
      throw new ApiError("AGENT_NOT_FOUND", `Agent '${r.name}' not found`, {
        agent: r.name,
        platform: this.platform,
      });
    });
    const out: RouteOutcome[] = [];
    try {
      if (this.#guards.length) {
        const local = targets.filter(([, t]) => t.kind === "local").map(([r]) => r);
        for (const g of this.#guards) g(delivery, local);
      }
      for (const [r, t] of targets) {
        if ("ep" in t) {
          out.push(await this.deliverLocal(t.ep, delivery, r));
        } else {
          await t.send(delivery, r);
          out.push({ receiver: r.name, status: "forwarded", via: t.kind });
        }
      }
    } catch (e) {
      this.#observe(delivery, out, e);
      throw e;
    }
    this.#observe(delivery, out);
    return out;
  }

  #observe(delivery: Delivery, out: RouteOutcome[], error?: unknown): void {
    for (const o of this.#observers) {
      try {
        o(delivery, out, error);
      } catch { /* observers must not break delivery */ }
    }
  }
}
