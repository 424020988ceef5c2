import { AuditLog } from "../audit/mod.ts";
import { type Timers, UNREF_TIMERS } from "../async/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";

/** How often the audit log is pruned to its retention. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The node's audit log: records refused snapshots (the `migration.refused` events) beside what
 * the HTTP routes record, and prunes to `retentionDays` at start and every hour.
 */
export function startAuditLog(
  kv: Deno.Kv,
  opts: { retentionDays: number; events: EventBus; log: Logger; timers?: Timers },
): { audit: AuditLog; stop(): Promise<void> } {
  const audit = new AuditLog(kv, { retentionDays: opts.retentionDays });
  const timers = opts.timers ?? UNREF_TIMERS;
  const failed = (what: string) => (e: unknown) =>
    opts.log.error(`audit: ${what} failed`, { error: (e as Error).message });
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    p.finally(() => pending.delete(p));
  };
  const off = opts.events.subscribe({ events: ["migration.refused"] }, (e) => {
    const reason = e.details?.reason;
    track(
      audit.append({
        actor: typeof e.details?.peer === "string" ? e.details.peer : "peer",
        action: "migration.snapshot",
        target: e.agent_id ?? "unknown",
        outcome: "refused",
        details: {
          ...(typeof reason === "string" ? { reason } : {}),
          ...(e.message ? { message: e.message.slice(0, 500) } : {}),
        },
      }).catch(failed("recording a refused snapshot")),
    );
  });
  track(audit.prune().catch(failed("pruning")));
  const timer = timers.every(() => track(audit.prune().catch(failed("pruning"))), PRUNE_EVERY_MS);
  return {
    audit,
    async stop() {
      off();
      timers.clear(timer);
      await Promise.allSettled([...pending]);
      // Records the HTTP routes did not wait for (see `http/audit-trail.ts`).
      await audit.idle();
    },
  };
}
