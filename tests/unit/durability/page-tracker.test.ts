import assert from "node:assert/strict";
import { CHECKPOINT_PAGE_BYTES as P } from "../../../runtime/sandbox/mod.ts";
import { PageTracker } from "../../../runtime/sandbox/worker/page-tracker.ts";

Deno.test("a first diff lists every non-zero page; a full one skips zero pages", () => {
  const mem = new Uint8Array(4 * P);
  mem[5] = 1;
  mem[2 * P + 7] = 9;
  const t = new PageTracker();
  assert.deepEqual(t.diff(mem, true).map((p) => p.n), [0, 2]);
  assert.deepEqual(t.diff(mem, false), []);
});

Deno.test("only pages written since the last diff come back, with their bytes", () => {
  const mem = new Uint8Array(4 * P);
  const t = new PageTracker();
  t.diff(mem, true);
  mem[3 * P + 1] = 42;
  const d = t.diff(mem, false);
  assert.equal(d.length, 1);
  assert.equal(d[0].n, 3);
  assert.equal(d[0].bytes![1], 42);
  assert.deepEqual(t.diff(mem, false), []);
});

Deno.test("a page written back to zeros comes back as a zero page", () => {
  const mem = new Uint8Array(2 * P);
  mem[P] = 1;
  const t = new PageTracker();
  t.diff(mem, true);
  mem[P] = 0;
  assert.deepEqual(t.diff(mem, false), [{ n: 1, bytes: null }]);
});

Deno.test("grown memory: new non-zero pages are dirty, new zero pages are not", () => {
  const t = new PageTracker();
  t.diff(new Uint8Array(P), true);
  const grown = new Uint8Array(3 * P);
  grown[2 * P] = 5;
  assert.deepEqual(t.diff(grown, false).map((p) => p.n), [2]);
});

Deno.test("the diff keeps its own copy: later writes to the memory are seen", () => {
  const mem = new Uint8Array(P);
  const t = new PageTracker();
  t.diff(mem, true);
  mem[0] = 1;
  assert.equal(t.diff(mem, false).length, 1);
  mem[0] = 2;
  const d = t.diff(mem, false);
  assert.equal(d.length, 1);
  assert.equal(d[0].bytes![0], 2);
});
