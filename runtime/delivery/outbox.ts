import { type AclMessage, type AgentIdentifier, parseAclJson, toAclJson } from "../acl/mod.ts";
import type { EventBus } from "../events/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { NodeMetrics } from "../metrics/mod.ts";
import { backoffDelay, type RetryPolicy } from "../mtp/mod.ts";
import type { Delivery, MessageRouter } from "../routing/mod.ts";

/** Retries of an at-least-once message (defaults: 8 attempts, 200 ms doubling to 30 s). */
export interface OutboxPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

/** The default {@link OutboxPolicy}. */
export const DEFAULT_OUTBOX_POLICY: OutboxPolicy = {
  maxAttempts: 8,
  initialDelayMs: 200,
  factor: 2,
  maxDelayMs: 30_000,
};

/** An at-least-once message waiting for (some of) its receivers, as stored in KV. */
export interface OutboxEntry {
  message_id: string;
  accepted_at: string;
  /** The message in JSON form. */
  message: unknown;
  /** Receivers not yet acknowledged. */
  pending: AgentIdentifier[];
  attempts: number;
  next_at: number;
  last_error?: string;
  /** Where it came from (absent: an HTTP client, as before this field existed). */
  origin?: Delivery["origin"];
}

/** A message that ran out of retries. */
export interface DeadLetter extends OutboxEntry {
  dead_at: string;
}

/**
 * At-least-once delivery. A message is written to Deno KV before the API acknowledges it,
 * then delivered receiver by receiver; each receiver acknowledges only once its agent
 * handled the message (and drops duplicates by message id). Failures are retried with
 * exponential backoff; after the last attempt the message goes to the dead-letter queue,
 * where it can be retried or purged. Pending messages survive a restart of the node.
 */
export class Outbox {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #running = new Set<Promise<void>>();
  readonly #policy: OutboxPolicy;
  #stopped = false;
  /**
   * Called once a message was moved to the dead-letter queue (after it is stored there), e.g.
   * to tell the sender of a message from another platform with a FIPA `failure`. Errors it
   * throws are logged.
   */
  onDeadLetter?: (dead: DeadLetter) => void | Promise<void>;

  constructor(
    readonly deps: {
      kv: Deno.Kv;
      router: MessageRouter;
      log: Logger;
      events?: EventBus;
      metrics?: NodeMetrics;
      policy?: Partial<OutboxPolicy>;
      now?: () => number;
    },
  ) {
    this.#policy = { ...DEFAULT_OUTBOX_POLICY, ...deps.policy };
  }

  #now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Schedules every message left pending by an earlier run. */
  async start(): Promise<void> {
    for await (const e of this.deps.kv.list<OutboxEntry>({ prefix: ["outbox"] })) {
      this.#schedule(e.value);
    }
    await this.#countDead();
  }

  /** Persists a message and schedules its first attempt; resolves once it is durable. */
  async enqueue(d: Delivery): Promise<void> {
    const entry: OutboxEntry = {
      message_id: d.message_id,
      accepted_at: d.accepted_at,
      message: toAclJson(d.message),
      pending: d.message.receivers,
      attempts: 0,
      next_at: this.#now(),
      ...(d.origin === undefined || d.origin === "http" ? {} : { origin: d.origin }),
    };
    const r = await this.deps.kv.atomic()
      .check({ key: ["outbox", d.message_id], versionstamp: null })
      .set(["outbox", d.message_id], entry)
      .commit();
    if (!r.ok) return; // the same message id is already queued: idempotent
    this.#schedule(entry);
  }

  #schedule(e: OutboxEntry): void {
    if (this.#stopped) return;
    clearTimeout(this.#timers.get(e.message_id));
    const delay = Math.max(0, e.next_at - this.#now());
    this.#timers.set(
      e.message_id,
      setTimeout(() => {
        this.#timers.delete(e.message_id);
        const p = this.#attempt(e).catch((err) =>
          this.deps.log.error("outbox attempt crashed", {
            message_id: e.message_id,
            error: String(err),
          })
        );
        this.#running.add(p);
        p.finally(() => this.#running.delete(p));
      }, delay),
    );
  }

  async #attempt(e: OutboxEntry): Promise<void> {
    const message: AclMessage = parseAclJson(e.message);
    const still: AgentIdentifier[] = [];
    let lastError = "";
    for (const to of e.pending) {
      try {
        await this.deps.router.route({
          message_id: e.message_id,
          accepted_at: e.accepted_at,
          message: { ...message, receivers: [to] },
          origin: e.origin ?? "http",
          mode: "at-least-once",
        });
      } catch (err) {
        still.push(to);
        lastError = `${to.name}: ${(err as Error).message}`;
      }
    }
    if (this.#stopped) return;
    if (still.length === 0) {
      await this.deps.kv.delete(["outbox", e.message_id]);
      this.deps.events?.publish({
        type: "message.delivered",
        message_id: e.message_id,
        details: { attempts: e.attempts + 1 },
      });
      return;
    }
    const next: OutboxEntry = {
      ...e,
      pending: still,
      attempts: e.attempts + 1,
      last_error: lastError,
    };
    if (next.attempts >= this.#policy.maxAttempts) {
      const dead: DeadLetter = { ...next, dead_at: new Date(this.#now()).toISOString() };
      await this.deps.kv.atomic()
        .delete(["outbox", e.message_id])
        .set(["dead-letters", e.message_id], dead)
        .commit();
      this.deps.log.warn("message dead-lettered", { message_id: e.message_id, error: lastError });
      this.deps.events?.publish({
        type: "message.dead_lettered",
        message_id: e.message_id,
        severity: "warning",
        details: { attempts: next.attempts, error: lastError },
      });
      await this.#countDead();
      try {
        await this.onDeadLetter?.(dead);
      } catch (err) {
        this.deps.log.error("dead-letter hook failed", {
          message_id: e.message_id,
          error: String(err),
        });
      }
      return;
    }
    next.next_at = this.#now() + backoffDelay(this.#policy as RetryPolicy, next.attempts);
    await this.deps.kv.set(["outbox", e.message_id], next);
    this.#schedule(next);
  }

  async #countDead(): Promise<void> {
    if (!this.deps.metrics) return;
    let n = 0;
    for await (const _ of this.deps.kv.list({ prefix: ["dead-letters"] })) n++;
    this.deps.metrics.deadLetters.set(n);
  }

  /** Messages still being retried. */
  async pending(): Promise<OutboxEntry[]> {
    const out: OutboxEntry[] = [];
    for await (const e of this.deps.kv.list<OutboxEntry>({ prefix: ["outbox"] })) out.push(e.value);
    return out;
  }

  /** The dead-letter queue, oldest first. */
  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for await (const e of this.deps.kv.list<DeadLetter>({ prefix: ["dead-letters"] }, { limit })) {
      out.push(e.value);
    }
    return out.sort((a, b) => a.dead_at.localeCompare(b.dead_at));
  }

  /** Moves a dead letter back to the outbox for a fresh round of attempts. */
  async retry(messageId: string): Promise<boolean> {
    const d = await this.deps.kv.get<DeadLetter>(["dead-letters", messageId]);
    if (!d.value) return false;
    const { dead_at: _, ...rest } = d.value;
    const entry: OutboxEntry = { ...rest, attempts: 0, next_at: this.#now() };
    await this.deps.kv.atomic().delete(["dead-letters", messageId]).set(
      ["outbox", messageId],
      entry,
    )
      .commit();
    this.#schedule(entry);
    await this.#countDead();
    return true;
  }

  /** Deletes one dead letter, or all of them; returns how many. */
  async purge(messageId?: string): Promise<number> {
    let n = 0;
    if (messageId) {
      const d = await this.deps.kv.get(["dead-letters", messageId]);
      if (d.value) {
        await this.deps.kv.delete(["dead-letters", messageId]);
        n = 1;
      }
    } else {
      for await (const e of this.deps.kv.list({ prefix: ["dead-letters"] })) {
        await this.deps.kv.delete(e.key);
        n++;
      }
    }
    await this.#countDead();
    return n;
  }

  /** Stops retrying (pending messages stay in KV for the next start). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#running]);
  }
}
