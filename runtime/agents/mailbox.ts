/**
 * The way in: hands each delivery to the agent's instance, or holds it while the agent is
 * paused (waking, hibernating, moving, arriving), and answers for it as its mode asks.
 * @module
 */
import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import { isWorkerLost, mailboxFull } from "../sandbox/mod.ts";
import type { AgentManagerDeps } from "./deps.ts";
import { countOutcome, isErrorReply, type Managed, type Queued } from "./managed.ts";
import { recordSuccess } from "./restart.ts";

/** What the mailbox needs beyond the node's deps. */
export interface MailboxDeps {
  deps: Pick<AgentManagerDeps, "held" | "log" | "metrics">;
  now: () => number;
  /** Whether deliveries to `m` wait now; a hibernated agent starts waking here (mobility). */
  holding(m: Managed): boolean;
  /** Delivers to the agent's next instance (see `next-instance.ts`), addressed to `to`. */
  deliverNext?(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void>;
  /** The agent did not understand `message` (`handle-message` returned false). */
  declined?(m: Managed, message: AclMessage): void;
  /** A message reached the agent's instance (its own log). */
  received?(m: Managed, d: Delivery): void;
  /**
   * A replicated agent (several instances): picks the instance that takes `d` and hands it
   * over, calling `here` when it is this agent's own instance; `undefined` when the agent
   * runs as one instance (see `replicas/host.ts`).
   */
  spread?(
    m: Managed,
    d: Delivery,
    here: () => void | Promise<void>,
  ): Promise<void> | undefined;
}

/** Delivers, holds and releases agents' messages. */
export class Mailbox {
  constructor(readonly x: MailboxDeps) {}

  /**
   * Delivers `d` to the agent. An `at-most-once` message is done once it is in the
   * instance's mailbox; an `at-least-once` one resolves once the agent handled it and a
   * checkpoint made the handling durable; with `await_handled` (send-and-wait) it resolves
   * once handled and rejects with the agent's failure.
   */
  deliver(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void> {
    if (this.x.holding(m)) return this.hold(m, d, to);
    // Several instances: THE place where a message's instance is picked.
    const spread = this.x.spread?.(m, d, () => this.#here(m, d, to));
    return spread ?? this.#here(m, d, to);
  }

  /** Delivers `d` to this node's instance of the agent (or its next version's). */
  #here(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void> {
    // Two versions side by side: THE place where a message's instance is picked.
    const next = m.next && !m.next.closing ? m.next : undefined;
    if (next && next.split.pick(d.message.conversation_id) === "next" && this.x.deliverNext) {
      return this.x.deliverNext(m, d, to);
    }
    const { deps } = this.x;
    m.lastActive = this.x.now();
    const h = m.handle;
    const name = m.record.name;
    if (!h) {
      const f = m.record.failure;
      throw new ApiError(
        "AGENT_UNAVAILABLE",
        `Agent '${name}' is ${m.record.state}` + (f ? ` (${f.reason}: ${f.message})` : ""),
        { agent: name, state: m.record.state, ...(f ? { failure: f } : {}) },
        { headers: m.record.state === "failed" ? {} : { "Retry-After": "1" } },
      );
    }
    if (m.record.state === "draining") {
      throw new ApiError("AGENT_UNAVAILABLE", `Agent '${name}' is draining`, {
        agent: name,
        state: "draining",
      });
    }
    if (h.pending >= m.record.limits.mailbox) throw mailboxFull(name, m.record.limits.mailbox);
    const t0 = performance.now();
    deps.metrics?.messagesIn.inc({ performative: d.message.performative, source: "local" });
    this.x.received?.(m, d);
    const ckpt = m.ckpt;
    const durable = d.mode === "at-least-once" && ckpt !== undefined;
    const handled = h.deliver(d.message, { messageId: d.message_id, holdSends: durable });
    // Whether the agent failed on it without trapping (for a deployment's counts): it did
    // not understand it, or answered with a failure it holds back until durable.
    let failedSoftly = false;
    if (next) {
      handled.then((r) => {
        failedSoftly = !r.handled || (r.held ?? []).some((s) => isErrorReply(s.message));
      }, () => {});
    }
    // Registered in the same tick as the call: every checkpoint taken after it covers it.
    const done = durable
      ? ckpt!.durable(
        { receiver: name, messageId: d.message_id },
        handled.then((r) => r.held ?? []),
      )
      : handled.then(() => void ckpt?.touched());
    // Not understood: answered (`not-understood`) once the handling is done (durable).
    done.then(() => handled).then((r) => {
      if (!r.handled) this.x.declined?.(m, d.message);
    }, () => {});
    done.then(
      () => {
        const ms = performance.now() - t0;
        m.counters.messages_processed++;
        m.counters.total_latency_ms += ms;
        m.counters.last_message_at = this.x.now();
        m.failures = recordSuccess(m.failures);
        if (next) countOutcome(next.stats.stable, ms, failedSoftly);
        deps.metrics?.messageLatency.observe({ agent_kind: "wasm" }, ms / 1000);
      },
      (e) => {
        if (isWorkerLost(e)) return; // handled again (below)
        m.counters.messages_failed++;
        if (next) countOutcome(next.stats.stable, performance.now() - t0, true);
        deps.log.debug("delivery failed", {
          agent: name,
          message_id: d.message_id,
          error: String(e),
        });
      },
    );
    // The agent's Worker was lost by a neighbour before a checkpoint covered this handling
    // (or before the Worker answered it): nothing of it was acknowledged, and the agent
    // starts again from that checkpoint; the message goes to its new instance (held until
    // it runs), once.
    const again = (e: unknown): void | Promise<void> => {
      if (!isWorkerLost(e)) throw e;
      return this.deliver(m, d, to);
    };
    // At least once: the router acknowledges only after the agent handled the message.
    if (d.mode === "at-least-once") return done.then(() => {}, again);
    // Send-and-wait: a receiver that fails on the request answers at once.
    if (d.await_handled) {
      return done.then(() => {}, again).catch((e) => Promise.reject(failedOn(name, e)));
    }
    done.catch((e) => isWorkerLost(e) ? this.deliver(m, d, to) : undefined).catch((e) => {
      deps.log.warn("message of an agent whose Worker was lost undeliverable", {
        agent: name,
        message_id: d.message_id,
        error: String(e),
      });
    });
  }

  /** Holds a delivery; durable holds resolve once it is in the held log. */
  hold(m: Managed, d: Delivery, to: AgentIdentifier): void | Promise<void> {
    const hold = m.hold!;
    const name = m.record.name;
    if (hold.queue.length >= m.record.limits.mailbox) {
      throw mailboxFull(name, m.record.limits.mailbox);
    }
    const q: Queued = { delivery: d, to };
    hold.queue.push(q);
    const held = this.x.deps.held;
    if (hold.durable && held) {
      return held.append(name, q).catch((e) => {
        const i = hold.queue.indexOf(q);
        if (i >= 0) hold.queue.splice(i, 1);
        throw new ApiError("UNAVAILABLE", `Could not hold a message for '${name}': ${e}`, {
          agent: name,
        });
      });
    }
    if (d.mode === "at-least-once") {
      return new Promise<void>((resolve, reject) => {
        q.settle = (p) => p.then(resolve, reject);
      });
    }
  }

  /** Ends a hold: its deliveries go to the agent, in order. */
  release(m: Managed): void {
    const hold = m.hold;
    if (!hold) return;
    m.hold = undefined;
    for (const q of hold.queue) this.redeliver(m, q);
  }

  /** Delivers a held message; its sender (if it waits) learns the outcome. */
  redeliver(m: Managed, q: Queued): void {
    try {
      const r = this.deliver(m, q.delivery, q.to);
      q.settle?.(Promise.resolve(r));
    } catch (e) {
      q.settle?.(Promise.reject(e));
      this.x.deps.log.warn("held message undeliverable", {
        agent: m.record.name,
        message_id: q.delivery.message_id,
        error: (e as Error).message,
      });
    }
  }
}

/** What a send-and-wait gets when its receiver failed on the request: 503 with the reason. */
export function failedOn(name: string, e: unknown): Error {
  if (!(e instanceof ApiError) || typeof e.details.reason !== "string") return e as Error;
  if (e.code !== "MESSAGE_DELIVERY_FAILED" && e.code !== "AGENT_UNAVAILABLE") return e;
  const reason = e.details.reason;
  const message = String(e.details.message ?? e.message);
  return new ApiError(
    "AGENT_UNAVAILABLE",
    `Agent '${name}' failed on the message (${reason}: ${message})`,
    { agent: name, failure: { reason, message } },
  );
}
