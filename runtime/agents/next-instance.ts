/**
 * A second instance of an agent, of the version a deployment brings (canary, blue-green):
 * started beside the running one, sharing its storage (the sandbox's `SharedStorage`: the
 * two take turns, and each sees the other's writes before its next call), given the new
 * conversations its weight picks (the mailbox asks {@link Managed.next}'s split), its
 * handlings made durable by the agent's own checkpointer (storage writes and at-least-once
 * marks, acknowledged only once committed), counted (handled, errors, latencies) for the
 * deployment's decisions, started again after a failure, and stopped once it took nothing
 * new and finished what it had.
 * @module
 */
import { aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import { TrafficSplit } from "../deployments/traffic.ts";
import type { AgentInstance, AgentManagerDeps } from "./deps.ts";
import type { Instances } from "./instances.ts";
import {
  countOutcome,
  freshStats,
  isErrorReply,
  type Managed,
  type NextInstance,
} from "./managed.ts";
import { failedOn } from "./mailbox.ts";
import { isWorkerLost } from "../sandbox/mod.ts";
import type { AgentRecord } from "./record.ts";

/** Starts, feeds and stops agents' next instances. */
export class NextInstances {
  constructor(
    readonly deps: AgentManagerDeps,
    readonly instances: Instances,
  ) {}

  /** Starts `record` (the next version of `m`) beside its instance, taking `weight` percent. */
  async start(m: Managed, record: AgentRecord, weight: number): Promise<void> {
    if (m.next) {
      throw new ApiError(
        "CONFLICT",
        `Agent '${m.record.name}' already runs a second version (${m.next.record.version})`,
        { agent: m.record.name, field: "agent_id" },
      );
    }
    m.next = {
      record,
      split: new TrafficSplit(weight),
      stats: { stable: freshStats(), next: freshStats() },
    };
    try {
      await this.#activate(m);
    } catch (e) {
      m.next = undefined;
      throw e;
    }
  }

  /**
   * Hands `d` to the next instance (the mailbox decided it goes there). As with the agent's
   * own instance, an at-least-once message is acknowledged once a checkpoint of the agent
   * covers its handling (its storage writes and its mark), and what the handling sent is
   * held back until then; other handlings' writes reach a checkpoint within its interval.
   * `again` delivers `d` anew through the mailbox (after the agent's Worker was lost).
   */
  deliver(m: Managed, d: Delivery, again: () => void | Promise<void>): void | Promise<void> {
    const n = m.next!;
    const name = m.record.name;
    const t0 = performance.now();
    const durable = d.mode === "at-least-once";
    // Whether it failed on the message without trapping: not understood, or answered with
    // a failure it held back until durable.
    let failedSoftly = false;
    const run = async () => {
      const h = await this.#current(m, n);
      const ckpt = m.ckpt;
      if (!ckpt || h.sharedStorage === undefined || h.sharedStorage !== m.handle?.sharedStorage) {
        throw restarting(name);
      }
      // Registered in the same tick as the call (so every checkpoint taken after it, a turn
      // of the agent's instance queued behind this one, covers it).
      const handled = h.deliver(d.message, { messageId: d.message_id, holdSends: durable });
      handled.then((r) => {
        failedSoftly = !r.handled || (r.held ?? []).some((s) => isErrorReply(s.message));
      }, () => {});
      await (durable
        ? ckpt.durable(
          { receiver: name, messageId: d.message_id },
          handled.then((r) => r.held ?? []),
        )
        : handled.then(() => void ckpt.touched()));
    };
    const done = run().then(
      () => countOutcome(n.stats.next, performance.now() - t0, failedSoftly),
      (e) => {
        // Not taken while the agent's instance starts again, or not made durable because
        // its Worker was lost: no outcome of the new version.
        if (!notTaken.has(e) && !isWorkerLost(e)) {
          countOutcome(n.stats.next, performance.now() - t0, true);
        }
        throw e;
      },
    );
    // The agent's Worker was lost before a checkpoint covered this handling: nothing of it
    // was acknowledged, and the message goes through the mailbox again (held until the
    // agent runs again), once — as for the agent's own instance.
    const retry = (e: unknown): void | Promise<void> => {
      if (!isWorkerLost(e)) throw e;
      return again();
    };
    if (d.mode === "at-least-once") return done.then(() => {}, retry);
    if (d.await_handled) {
      return done.then(() => {}, retry).catch((e) => Promise.reject(failedOn(name, e)));
    }
    done.then(() => {}, retry).catch((e) =>
      this.deps.log.debug("delivery to the next version failed", {
        agent: name,
        message_id: d.message_id,
        error: String(e),
      })
    );
  }

  /**
   * Stops the next instance: it takes nothing new from now on (its conversations go to the
   * agent's instance), finishes what it has (at most `graceMs`), then ends.
   */
  async stop(m: Managed, graceMs = 5_000): Promise<void> {
    const n = m.next;
    if (!n) return;
    n.closing = true;
    const until = Date.now() + graceMs;
    while ((n.handle?.pending ?? 0) > 0 && Date.now() < until) await sleep(5);
    if (m.next === n) m.next = undefined;
    await n.handle?.terminate().catch(() => {});
    n.handle = undefined;
  }

  /**
   * The next instance, started (again) when it has none, or when the one it has shares the
   * storage of an instance of the agent that is gone (the agent started again from its last
   * checkpoint: what that one saw of the storage is gone with it).
   */
  #current(m: Managed, n: NextInstance): Promise<AgentInstance> {
    const h = n.handle;
    if (h && h.sharedStorage !== undefined && h.sharedStorage === m.handle?.sharedStorage) {
      return Promise.resolve(h);
    }
    if (h) {
      n.handle = undefined;
      h.terminate().catch(() => {});
    }
    return n.starting ?? this.#activate(m);
  }

  #activate(m: Managed): Promise<AgentInstance> {
    const n = m.next!;
    const r = n.record;
    n.starting = (async () => {
      const base = m.handle;
      if (!base) throw restarting(m.record.name);
      // One storage for both instances, owned by the agent's instance (and its checkpoints).
      const shared = base.share();
      const host = this.instances.host(m);
      // Set once activated (a failure may be reported before).
      const box: { self?: AgentInstance } = {};
      const self: AgentInstance = box.self = await this.deps.sandbox.activate({
        agentId: aid(`${r.name}@${this.deps.router.platform}`),
        hash: r.hash,
        manifest: r.manifest,
        limits: r.limits,
        shared,
        host: {
          ...host,
          // Its `failure`/`not-understood` replies count as errors of the new version.
          onSend: (message, meta) => {
            if (isErrorReply(message)) n.stats.next.errorReplies++;
            return this.instances.on.sent(m, message, meta.messageId);
          },
          // A failure of the next version is counted (its delivery failed) and it starts
          // again on its next message; the agent itself is not touched.
          onFailed: (f) => {
            if (box.self === undefined || n.handle === box.self) n.handle = undefined;
            this.deps.log.info("next version failed", {
              agent: r.name,
              version: r.version,
              reason: f.reason,
            });
          },
          onMigrate: () => {},
        },
      });
      if (n.closing || m.next !== n || m.handle !== base) {
        await self.terminate().catch(() => {});
        throw new ApiError("AGENT_UNAVAILABLE", `The next version of '${r.name}' was stopped`, {
          agent: r.name,
        });
      }
      n.handle = self;
      return self;
    })().finally(() => (n.starting = undefined));
    return n.starting;
  }
}

/** The agent's own instance is not there (starting again): the message is not taken. */
function restarting(name: string): ApiError {
  const e = new ApiError(
    "AGENT_UNAVAILABLE",
    `Agent '${name}' is starting again; its second version waits for it`,
    { agent: name },
    { headers: { "Retry-After": "1" } },
  );
  notTaken.add(e);
  return e;
}

/** Errors of messages the next instance did not take (they count against no version). */
const notTaken = new WeakSet<object>();

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
