/**
 * The restart supervisor: marks an agent that failed (`failed`, with the reason on its
 * record) and restarts it from its last checkpoint as its restart strategy decides.
 * @module
 */
import type { Timers } from "../async/mod.ts";
import type { AgentFailureInfo } from "../sandbox/mod.ts";
import type { AgentStore } from "./agent-store.ts";
import type { AgentManagerDeps } from "./deps.ts";
import type { Instances } from "./instances.ts";
import type { Managed } from "./managed.ts";
import type { AgentRegistry } from "./registry.ts";
import { decideRestart } from "./restart.ts";

/** Marks failed agents and restarts them per their strategy. */
export class RestartSupervisor {
  constructor(
    readonly deps: Pick<AgentManagerDeps, "events" | "log">,
    readonly store: AgentStore,
    readonly registry: AgentRegistry,
    readonly instances: Instances,
    readonly timers: Timers,
    readonly now: () => number,
  ) {}

  /** Sets the agent `failed` with `reason` and `message` on its record (kept after restarts). */
  markFailed(m: Managed, reason: string, message: string): void {
    m.record = {
      ...m.record,
      failure: { reason, message, at: new Date(this.now()).toISOString() },
    };
    this.registry.setState(m, "failed");
    this.store.putRecord(m.record).catch(() => {});
    this.deps.events.publish({
      type: "agent.failed",
      agent_id: m.record.name,
      severity: "warning",
      details: { reason, message },
    });
  }

  /** The agent's instance failed: mark it, and restart it if its strategy says so. */
  failed(m: Managed, f: AgentFailureInfo): void {
    if (this.registry.closed || m.handle === undefined) return;
    this.instances.closeCheckpoints(m, `${f.reason}: ${f.message}`);
    m.handle = undefined;
    this.markFailed(m, f.reason, f.message);
    const d = decideRestart(m.record.restart, m.failures, this.now());
    m.failures = d.record;
    if (!d.restart) {
      this.deps.log.warn("agent failed; not restarting", {
        agent: m.record.name,
        reason: d.reason,
      });
      return;
    }
    this.deps.log.info("agent failed; restarting", {
      agent: m.record.name,
      failure: f.reason,
      delay_ms: d.delayMs,
    });
    m.restartTimer = this.timers.set(() => this.#restart(m), d.delayMs);
  }

  /** Cancels a pending restart. */
  cancel(m: Managed): void {
    this.timers.clear(m.restartTimer);
    m.restartTimer = undefined;
  }

  #restart(m: Managed): void {
    this.registry.serial(m, async () => {
      if (this.registry.closed || m.handle || m.record.state !== "failed") return;
      try {
        const from = await this.instances.lastSnapshot(m);
        await this.instances.activate(m, from);
        m.counters.restarts++;
        await this.store.putRecord(m.record);
        this.deps.events.publish({
          type: "agent.restarted",
          agent_id: m.record.name,
          details: { from_snapshot: from !== undefined, cause: "failure" },
        });
      } catch (e) {
        this.failed(m, { agentId: m.record.name, reason: "trap", message: (e as Error).message });
      }
    }).catch(() => {}); // the agent left or was removed meanwhile
  }
}
