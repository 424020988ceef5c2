/**
 * A second instance of an agent, of the version a deployment brings (canary, blue-green):
 * started beside the running one with a copy of the agent's storage, given the new
 * conversations its weight picks (the mailbox asks {@link Managed.next}'s split), counted
 * (handled, errors, latencies) for the deployment's decisions, started again after a
 * failure, and stopped once it took nothing new and finished what it had.
 * @module
 */
import { aid } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Delivery } from "../routing/mod.ts";
import { TrafficSplit } from "../deployments/traffic.ts";
import type { AgentStore } from "./agent-store.ts";
import type { AgentInstance, AgentManagerDeps } from "./deps.ts";
import type { Instances } from "./instances.ts";
import { countOutcome, freshStats, isErrorReply, type Managed } from "./managed.ts";
import { failedOn } from "./mailbox.ts";
import type { AgentRecord } from "./record.ts";

/** Starts, feeds and stops agents' next instances. */
export class NextInstances {
  constructor(
    readonly deps: AgentManagerDeps,
    readonly store: AgentStore,
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

  /** Hands `d` to the next instance (the mailbox decided it goes there). */
  deliver(m: Managed, d: Delivery): void | Promise<void> {
    const n = m.next!;
    const t0 = performance.now();
    const run = async () => {
      const h = n.handle ?? await (n.starting ?? this.#activate(m));
      return await h.deliver(d.message, { messageId: d.message_id });
    };
    const done = run().then(
      (r) => countOutcome(n.stats.next, performance.now() - t0, !r.handled),
      (e) => {
        countOutcome(n.stats.next, performance.now() - t0, true);
        throw e;
      },
    );
    if (d.mode === "at-least-once") return done;
    if (d.await_handled) return done.catch((e) => Promise.reject(failedOn(m.record.name, e)));
    done.catch((e) =>
      this.deps.log.debug("delivery to the next version failed", {
        agent: m.record.name,
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

  #activate(m: Managed): Promise<AgentInstance> {
    const n = m.next!;
    const r = n.record;
    n.starting = (async () => {
      const storage = await this.store.loadStorage(m.record.name);
      const host = this.instances.host(m);
      // Set once activated (a failure may be reported before).
      const box: { self?: AgentInstance } = {};
      const self: AgentInstance = box.self = await this.deps.sandbox.activate({
        agentId: aid(`${r.name}@${this.deps.router.platform}`),
        hash: r.hash,
        manifest: r.manifest,
        limits: r.limits,
        storage,
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
      if (n.closing || m.next !== n) {
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

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
