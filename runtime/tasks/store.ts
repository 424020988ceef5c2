import { z } from "zod";
import { JsonValueSchema } from "../acl/mod.ts";
import { commitOps, type KvOp } from "../agents/kv-batch.ts";
import { parseJsonText, textBytes } from "../agents/kv-ops.ts";
import type { Logger } from "../log/mod.ts";
import type { CnetState } from "./contract-net.ts";
import { type CreateTask, CreateTaskSchema } from "./schema.ts";

/**
 * Where tasks are kept: `[...TASK_PREFIX, task id]` → {@link StoredTask} as JSON text (its
 * size is measured as JSON anyway, and a string costs Deno KV no structured clone of a
 * contract net's hundred participants). Tasks stored as values by earlier versions are
 * still read.
 */
export const TASK_PREFIX = ["tasks", "v1"] as const;

/** Largest task kept (a Deno KV value holds at most 64 KiB). */
const MAX_TASK_BYTES = 60_000;

const STATUSES = ["created", "distributing", "in_progress", "completed", "failed"] as const;

/** A task as it is kept across restarts. */
export interface StoredTask {
  id: string;
  spec: CreateTask;
  status: typeof STATUSES[number];
  created_at: string;
  started_at: string | null;
  awarded_at: string | null;
  completed_at: string | null;
  strategy: string | null;
  error: string | null;
  /** The contract net's state (under way or ended), once distributed. */
  cnet?: CnetState;
  /** Creation order on its node (tasks created in the same millisecond keep their order). */
  seq?: number;
}

const Instant = z.string().min(1).max(64);
const CnetStateSchema = z.looseObject({
  v: z.literal(1),
  opts: z.looseObject({
    task_id: z.string(),
    conversation_id: z.string(),
    initiator: z.string(),
    participants: z.array(z.string()),
    content: JsonValueSchema,
    strategy: z.string(),
    reply_by: z.string(),
    result_by: z.string().optional(),
  }),
  phase: z.enum(["bidding", "awarded", "completed", "failed"]),
  seq: z.number(),
  participants: z.record(z.string(), z.looseObject({ state: z.string() })),
  called: z.number().int().nonnegative().optional(),
  winner: z.string().nullable(),
  result: JsonValueSchema.nullable(),
  failure: z.string().nullable(),
});

const StoredTaskSchema = z.strictObject({
  id: z.string().regex(/^task_[0-9a-f]{1,64}$/),
  spec: z.unknown(),
  status: z.enum(STATUSES),
  created_at: Instant,
  started_at: Instant.nullable(),
  awarded_at: Instant.nullable(),
  completed_at: Instant.nullable(),
  strategy: z.string().nullable(),
  error: z.string().nullable(),
  cnet: CnetStateSchema.optional(),
  seq: z.number().int().nonnegative().optional(),
});

/** What to do with a task found in the store after a restart. */
export type RestartDecision =
  /** Ended or never started: as it was. */
  | { kind: "keep" }
  /** Awarded, waiting for the winner's result: wait again until its deadline. */
  | { kind: "resume"; result_by_ms: number }
  /** Interrupted where it cannot go on (bidding, whose caller is gone; a passed deadline). */
  | { kind: "fail"; error: string };

/**
 * The pure decision for a stored task after a restart: ended and created tasks stay;
 * an awarded task waits for its winner's result until `result_by` (failing if that passed);
 * a task interrupted while bidding fails (the `distribute` call that ran it is gone).
 */
export function restartDecision(t: StoredTask, nowMs: number): RestartDecision {
  if (t.status === "created" || t.status === "completed" || t.status === "failed") {
    return { kind: "keep" };
  }
  if (t.status === "in_progress" && t.cnet?.phase === "awarded") {
    const by = t.cnet.opts.result_by === undefined ? NaN : Date.parse(t.cnet.opts.result_by);
    if (by > nowMs) return { kind: "resume", result_by_ms: by };
    return { kind: "fail", error: "no result before the deadline (the node restarted)" };
  }
  return { kind: "fail", error: "the node restarted while the task was being distributed" };
}

/**
 * The thin Deno KV shell of the Task API: writes tasks as they change, reads them back
 * after a restart (in creation order). Values that do not validate are skipped and logged.
 */
export class TaskKv {
  constructor(readonly kv: Deno.Kv, readonly log?: Logger) {}

  /** Every stored task, oldest first. */
  async load(): Promise<StoredTask[]> {
    const out: StoredTask[] = [];
    for await (const e of this.kv.list({ prefix: [...TASK_PREFIX] })) {
      const r = StoredTaskSchema.safeParse(
        typeof e.value === "string" ? parseJsonText(e.value) : e.value,
      );
      const spec = r.success ? CreateTaskSchema.safeParse(r.data.spec) : undefined;
      if (r.success && spec?.success) {
        out.push({ ...r.data, spec: spec.data, cnet: r.data.cnet as CnetState | undefined });
      } else this.log?.warn("skipped a stored task", { key: String(e.key.at(-1)) });
    }
    return out.sort((a, b) =>
      a.created_at < b.created_at
        ? -1
        : a.created_at > b.created_at
        ? 1
        : (a.seq ?? 0) !== (b.seq ?? 0)
        ? (a.seq ?? 0) - (b.seq ?? 0)
        : a.id < b.id
        ? -1
        : 1
    );
  }

  /**
   * Writes tasks (a task `undefined` is deleted), in as few commits as Deno KV's limits
   * allow. A task too big for one Deno KV value (64 KiB) is not kept (and logged).
   */
  async write(changes: readonly [id: string, task: StoredTask | undefined][]): Promise<void> {
    const ops: KvOp[] = [];
    for (const [id, t] of changes) {
      const key = [...TASK_PREFIX, id];
      const text = t === undefined ? undefined : JSON.stringify(t);
      const bytes = text === undefined ? 0 : textBytes(text);
      if (bytes > MAX_TASK_BYTES) {
        this.log?.warn("task too big to keep across restarts", { task_id: id });
        ops.push({ key });
      } else ops.push(text === undefined ? { key } : { key, value: text, bytes });
    }
    await commitOps(this.kv, ops, "task changes");
  }
}
