/**
 * Client histories: each operation's invocation and completion at logical times, and its
 * outcome. `unknown` means the client gave up (timeout, crash of the node it talked to):
 * the operation may or may not have taken effect.
 * @module
 */

/** Outcome of an operation. */
export type OpStatus = "pending" | "ok" | "fail" | "unknown";

/** One client operation on a key-value register. */
export interface Op {
  /** Unique id. */
  id: number;
  /** Client that issued it (a client runs one operation at a time). */
  client: number;
  /** The key. */
  key: string;
  /** A put or a get. */
  kind: "put" | "get";
  /** Put: the value written. Get: the value read (null: key absent). */
  value: string | null;
  /** Logical time of invocation. */
  invoke: number;
  /** Logical time of completion (absent while pending or unknown). */
  complete?: number;
  /** Outcome. */
  status: OpStatus;
}

/** Records a history with a strictly increasing logical clock. */
export class History {
  /** All operations, in invocation order. */
  readonly ops: Op[] = [];
  #clock = 0;
  #nextId = 0;

  /** Records an invocation. */
  invoke(client: number, kind: "put" | "get", key: string, value: string | null = null): Op {
    const op: Op = {
      id: this.#nextId++,
      client,
      key,
      kind,
      value,
      invoke: ++this.#clock,
      status: "pending",
    };
    this.ops.push(op);
    return op;
  }

  /** Records a successful completion (`value` is what a get read). */
  ok(op: Op, value?: string | null): void {
    if (op.status !== "pending") return;
    op.status = "ok";
    op.complete = ++this.#clock;
    if (op.kind === "get") op.value = value ?? null;
  }

  /** Records a definite failure (the operation did not take effect). */
  fail(op: Op): void {
    if (op.status !== "pending") return;
    op.status = "fail";
    op.complete = ++this.#clock;
  }

  /** Records that the outcome is unknown. */
  unknown(op: Op): void {
    if (op.status !== "pending") return;
    op.status = "unknown";
  }
}
