import type { Op } from "./history.ts";

/**
 * A linearizability checker for histories of put/get operations on registers: the
 * Wing–Gong search with Lowe's memoization of (linearized set, state) pairs, run per key
 * (registers compose, so a history is linearizable iff each key's sub-history is).
 * Operations with an unknown outcome may take effect at any point after their invocation,
 * or never; failed operations and gets without a result are left out.
 * @module
 */

/** The verdict. */
export interface CheckResult {
  /** True if every key's history is linearizable. */
  ok: boolean;
  /** On failure: the first key whose history is not. */
  key?: string;
  /** On failure: that key's operations, for the report. */
  ops?: Op[];
  /** Search states explored, in total. */
  explored: number;
}

interface Event {
  op: Op;
  slot: number;
  call: boolean;
  time: number;
  match: Event | null;
  prev: Event | null;
  next: Event | null;
}

/** Thrown when a history is too large to decide within the step budget. */
export class CheckerGaveUp extends Error {}

/**
 * Checks a whole history, key by key.
 *
 * @example
 * ```ts
 * checkLinearizable([
 *   { id: 0, client: 0, key: "k", kind: "put", value: "1", invoke: 1, complete: 2, status: "ok" },
 *   { id: 1, client: 1, key: "k", kind: "get", value: null, invoke: 3, complete: 4, status: "ok" },
 * ]).ok; // false: the get started after the put finished, so it must see "1"
 * ```
 */
export function checkLinearizable(history: readonly Op[], maxSteps = 5_000_000): CheckResult {
  const byKey = new Map<string, Op[]>();
  for (const op of history) {
    if (op.status === "fail") continue; // did not take effect
    if (op.kind === "get" && op.status !== "ok") continue; // a read without result tells nothing
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, list = []);
    list.push(op);
  }
  let explored = 0;
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const r = checkRegister(ops, maxSteps);
    explored += r.steps;
    if (!r.ok) return { ok: false, key, ops, explored };
  }
  return { ok: true, explored };
}

/** Wing–Gong–Lowe search over one register's operations (initial value null). */
function checkRegister(ops: readonly Op[], maxSteps: number): { ok: boolean; steps: number } {
  const events: Event[] = [];
  ops.forEach((op, slot) => {
    const call: Event = {
      op,
      slot,
      call: true,
      time: op.invoke,
      match: null,
      prev: null,
      next: null,
    };
    events.push(call);
    if (op.status === "ok" && op.complete !== undefined) {
      const ret: Event = {
        op,
        slot,
        call: false,
        time: op.complete,
        match: null,
        prev: null,
        next: null,
      };
      call.match = ret;
      events.push(ret);
    }
  });
  events.sort((a, b) => a.time - b.time);
  const head: Event = {
    op: ops[0],
    slot: -1,
    call: false,
    time: -Infinity,
    match: null,
    prev: null,
    next: null,
  };
  let tail = head;
  for (const e of events) {
    e.prev = tail;
    tail.next = e;
    tail = e;
  }
  let returnsLeft = events.filter((e) => !e.call).length;

  const lift = (e: Event) => {
    e.prev!.next = e.next;
    if (e.next) e.next.prev = e.prev;
    const r = e.match;
    if (r) {
      r.prev!.next = r.next;
      if (r.next) r.next.prev = r.prev;
      returnsLeft--;
    }
  };
  const unlift = (e: Event) => {
    const r = e.match;
    if (r) {
      r.prev!.next = r;
      if (r.next) r.next.prev = r;
      returnsLeft++;
    }
    e.prev!.next = e;
    if (e.next) e.next.prev = e;
  };

  const seen = new Set<string>();
  const stack: { e: Event; state: string | null }[] = [];
  let linearized = 0n;
  let state: string | null = null;
  let entry = head.next;
  let steps = 0;
  while (returnsLeft > 0) {
    if (++steps > maxSteps) throw new CheckerGaveUp(`gave up after ${maxSteps} steps`);
    if (entry !== null && entry.call) {
      const op = entry.op;
      const legal = op.kind === "put" || op.value === state;
      if (legal) {
        const after: string | null = op.kind === "put" ? op.value : state;
        const bits = linearized | (1n << BigInt(entry.slot));
        const key = `${bits.toString(36)}|${after}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ e: entry, state });
          state = after;
          linearized = bits;
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A return (or the end) reached with its operation not linearized: backtrack.
      const top = stack.pop();
      if (!top) return { ok: false, steps };
      state = top.state;
      linearized &= ~(1n << BigInt(top.e.slot));
      unlift(top.e);
      entry = top.e.next;
    }
  }
  return { ok: true, steps };
}
