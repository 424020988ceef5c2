import assert from "node:assert/strict";
import { createRng } from "../../runtime/raft/mod.ts";
import type { Op, OpStatus } from "./history.ts";
import { checkLinearizable } from "./linearizability.ts";

let nextId = 0;
function op(
  kind: "put" | "get",
  key: string,
  value: string | null,
  invoke: number,
  complete: number | undefined,
  status: OpStatus = "ok",
  client = 0,
): Op {
  return { id: nextId++, client, key, kind, value, invoke, complete, status };
}

Deno.test("checker: a sequential history is linearizable", () => {
  const h = [
    op("get", "k", null, 1, 2),
    op("put", "k", "a", 3, 4),
    op("get", "k", "a", 5, 6),
    op("put", "k", "b", 7, 8),
    op("get", "k", "b", 9, 10),
  ];
  assert.equal(checkLinearizable(h).ok, true);
});

Deno.test("checker: a stale read after a completed write is caught", () => {
  const h = [
    op("put", "k", "a", 1, 2),
    op("put", "k", "b", 3, 4),
    op("get", "k", "a", 5, 6, "ok", 1),
  ];
  const r = checkLinearizable(h);
  assert.equal(r.ok, false);
  assert.equal(r.key, "k");
});

Deno.test("checker: a read overlapping a write may see the old or the new value", () => {
  for (const seen of ["a", "b"]) {
    const h = [
      op("put", "k", "a", 1, 2),
      op("put", "k", "b", 3, 6),
      op("get", "k", seen, 4, 5, "ok", 1),
    ];
    assert.equal(checkLinearizable(h).ok, true, `reading ${seen}`);
  }
});

Deno.test("checker: two reads cannot see overlapping writes in opposite orders", () => {
  const h = [
    op("put", "k", "a", 1, 10, "ok", 0),
    op("put", "k", "b", 1, 10, "ok", 1),
    op("get", "k", "a", 2, 3, "ok", 2),
    op("get", "k", "b", 4, 5, "ok", 2),
    op("get", "k", "b", 2, 3, "ok", 3),
    op("get", "k", "a", 4, 5, "ok", 3),
  ];
  assert.equal(checkLinearizable(h).ok, false);
});

Deno.test("checker: a read of a value nobody wrote is caught", () => {
  assert.equal(checkLinearizable([op("get", "k", "ghost", 1, 2)]).ok, false);
});

Deno.test("checker: an unknown write may take effect late, but not be undone", () => {
  const late = [
    op("put", "k", "a", 1, undefined, "unknown"),
    op("get", "k", null, 5, 6, "ok", 1),
    op("get", "k", "a", 7, 8, "ok", 1),
  ];
  assert.equal(checkLinearizable(late).ok, true);
  const never = [op("put", "k", "a", 1, undefined, "unknown"), op("get", "k", null, 5, 6)];
  assert.equal(checkLinearizable(never).ok, true);
  const undone = [
    op("put", "k", "a", 1, undefined, "unknown"),
    op("get", "k", "a", 5, 6, "ok", 1),
    op("get", "k", null, 7, 8, "ok", 1),
  ];
  assert.equal(checkLinearizable(undone).ok, false);
});

Deno.test("checker: failed writes are ignored, and keys are checked separately", () => {
  const h = [
    op("put", "x", "a", 1, 2, "fail"),
    op("get", "x", null, 3, 4),
    op("put", "y", "b", 5, 6),
    op("get", "y", null, 7, 8),
  ];
  const r = checkLinearizable(h);
  assert.equal(r.ok, false);
  assert.equal(r.key, "y");
});

Deno.test("checker: accepts every history of a real atomic register (randomized)", () => {
  const rng = createRng(7);
  for (let round = 0; round < 200; round++) {
    // Clients run operations whose effect happens at one instant inside [invoke, complete].
    let value: string | null = null;
    const h: Op[] = [];
    const clients = Array.from({ length: 4 }, () => ({ op: null as Op | null, at: 0, done: 0 }));
    let t = 0;
    for (let step = 0; step < 60; step++) {
      t++;
      const c = rng.pick(clients);
      if (!c.op) {
        const kind = rng.chance(0.5) ? "put" : "get";
        c.op = op(kind, "k", kind === "put" ? `v${t}` : null, t, undefined, "pending");
        c.at = t + rng.int(3);
        c.done = c.at + rng.int(3);
        h.push(c.op);
      }
      for (const cl of clients) {
        if (cl.op && cl.at === t) {
          if (cl.op.kind === "put") value = cl.op.value;
          else cl.op.value = value;
          cl.at = -1;
        }
        if (cl.op && cl.at === -1 && cl.done <= t) {
          cl.op.status = rng.chance(0.1) && cl.op.kind === "put" ? "unknown" : "ok";
          if (cl.op.status === "ok") cl.op.complete = t + 0.5;
          cl.op = null;
        }
      }
    }
    assert.equal(checkLinearizable(h).ok, true, `round ${round}`);
  }
});
