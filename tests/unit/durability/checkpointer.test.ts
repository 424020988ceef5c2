import assert from "node:assert/strict";
import { Checkpointer, type CheckpointTimers } from "../../../runtime/agents/checkpointer.ts";
import type { HandledMark } from "../../../runtime/agents/checkpoint-store.ts";
import type { CheckpointDelta, HeldSend } from "../../../runtime/sandbox/mod.ts";
import { aid } from "../../../runtime/acl/mod.ts";

/** Timers that fire only when the test says so. */
class ManualTimers implements CheckpointTimers {
  #next = 1;
  readonly due = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.due.set(id, { fn, ms });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.due.delete(id as number);
  }
  fireAll(): void {
    const all = [...this.due.values()];
    this.due.clear();
    for (const t of all) t.fn();
  }
}

const DELTA: CheckpointDelta = {
  hash: "h",
  full: false,
  instances: [],
  storage: { set: [], del: [] },
};

function harness(opts: { failCommit?: boolean } = {}) {
  const timers = new ManualTimers();
  const commits: HandledMark[][] = [];
  const released: string[] = [];
  const failures: string[] = [];
  let gate = Promise.withResolvers<void>();
  let takes = 0;
  const c = new Checkpointer({
    timers,
    take: () => {
      takes++;
      return Promise.resolve(DELTA);
    },
    commit: async (_d, marks) => {
      await gate.promise;
      if (opts.failCommit) throw new Error("disk full");
      commits.push(marks);
    },
    release: (held) => released.push(...held.map((h) => h.messageId)),
    failed: (e) => failures.push(e.message),
  });
  return {
    c,
    timers,
    commits,
    released,
    failures,
    takes: () => takes,
    open() {
      gate.resolve();
    },
    close() {
      gate = Promise.withResolvers<void>();
    },
  };
}

const send = (id: string): HeldSend => ({
  messageId: id,
  message: { performative: "inform", receivers: [aid("x")] },
});

Deno.test("an at-least-once handling resolves only after its checkpoint committed, then its sends go", async () => {
  const h = harness();
  let done = false;
  const p = h.c.durable({ receiver: "a", messageId: "m1" }, Promise.resolve([send("s1")])).then(
    () => (done = true),
  );
  await Promise.resolve();
  assert.equal(done, false);
  assert.deepEqual(h.released, [], "held until durable");
  h.open();
  await p;
  assert.deepEqual(h.commits, [[{ receiver: "a", messageId: "m1" }]]);
  assert.deepEqual(h.released, ["s1"]);
});

Deno.test("handlings that finish while a checkpoint commits share the next one", async () => {
  const h = harness();
  const first = h.c.durable({ receiver: "a", messageId: "m1" }, Promise.resolve([]));
  await Promise.resolve();
  const rest = [2, 3, 4].map((i) =>
    h.c.durable({ receiver: "a", messageId: `m${i}` }, Promise.resolve([]))
  );
  h.open();
  await Promise.all([first, ...rest]);
  assert.deepEqual(h.commits.map((m) => m.map((x) => x.messageId)), [["m1"], ["m2", "m3", "m4"]]);
});

Deno.test("other handlings schedule one checkpoint within the interval", async () => {
  const h = harness();
  h.open();
  h.c.touched();
  h.c.touched();
  assert.equal(h.timers.due.size, 1);
  assert.equal(h.takes(), 0);
  h.timers.fireAll();
  await h.c.flush();
  assert.equal(h.commits.length, 2, "the timer's checkpoint, then the flush");
  assert.equal(h.c.pending, false);
});

Deno.test("a failed commit rejects its handlings, releases nothing and stops the agent's checkpoints", async () => {
  const h = harness({ failCommit: true });
  const p = h.c.durable({ receiver: "a", messageId: "m1" }, Promise.resolve([send("s1")]));
  h.open();
  await assert.rejects(p, /disk full/);
  assert.deepEqual(h.released, []);
  assert.deepEqual(h.failures, ["disk full"]);
  await assert.rejects(h.c.durable(undefined, Promise.resolve([])), /disk full/);
});

Deno.test("a handling that failed is not marked and its waiter rejects", async () => {
  const h = harness();
  h.open();
  const bad = h.c.durable({ receiver: "a", messageId: "bad" }, Promise.reject(new Error("trap")));
  const good = h.c.durable({ receiver: "a", messageId: "good" }, Promise.resolve([]));
  await assert.rejects(bad, /trap/);
  await good;
  assert.deepEqual(h.commits.flat().map((m) => m.messageId), ["good"]);
});

Deno.test("a bad interval is a RangeError naming it", () => {
  assert.throws(
    () =>
      new Checkpointer({
        timers: new ManualTimers(),
        take: () => Promise.resolve(DELTA),
        commit: () => Promise.resolve(),
        release: () => {},
        failed: () => {},
        intervalMs: -1,
      }),
    (e: unknown) => e instanceof RangeError && /intervalMs.*-1/.test(e.message),
  );
});
