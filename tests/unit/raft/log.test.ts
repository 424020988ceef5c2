import assert from "node:assert/strict";
import { confOf, type Entry } from "../../../runtime/raft/mod.ts";
import { RaftLog } from "../../../runtime/raft/log.ts";

const noop = (index: number, term: number): Entry => ({ type: "noop", index, term });

function logOf(terms: number[], commit = 0): RaftLog {
  return new RaftLog({
    hardState: { term: Math.max(0, ...terms), vote: null, commit },
    entries: terms.map((t, i) => noop(i + 1, t)),
  });
}

Deno.test("log: terms, bounds and up-to-date comparison", () => {
  const log = logOf([1, 1, 2]);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.lastTerm(), 2);
  assert.equal(log.term(0), 0);
  assert.equal(log.term(4), undefined);
  assert.equal(log.isUpToDate(3, 2), true);
  assert.equal(log.isUpToDate(2, 2), false, "same term, shorter");
  assert.equal(log.isUpToDate(9, 1), false, "longer, older term");
  assert.equal(log.isUpToDate(1, 3), true, "newer term wins");
});

Deno.test("log: maybeAppend truncates a conflicting suffix only", () => {
  const log = logOf([1, 1, 2, 2]);
  // Entries that match change nothing (a late duplicate).
  assert.equal(log.maybeAppend(1, 1, 0, [noop(2, 1)]), 2);
  assert.equal(log.lastIndex(), 4);
  // A conflict at 3 replaces 3.. with the new entries.
  assert.equal(log.maybeAppend(2, 1, 0, [noop(3, 3)]), 3);
  assert.equal(log.lastIndex(), 3);
  assert.equal(log.term(3), 3);
  // A mismatch at the previous index is refused.
  assert.equal(log.maybeAppend(3, 2, 0, [noop(4, 3)]), undefined);
});

Deno.test("log: a follower commits no further than the entries the leader sent", () => {
  // Entries 3 and 4 (term 2) are stale leftovers; the leader has committed up to 10.
  const log = logOf([1, 1, 2, 2]);
  assert.equal(log.maybeAppend(1, 1, 10, [noop(2, 1)]), 2);
  assert.equal(log.committed, 2, "not 4: entries 3 and 4 were not vouched for");
});

Deno.test("log: committed entries are never overwritten", () => {
  const log = logOf([1, 1, 1], 2);
  assert.throws(() => log.append([noop(2, 5)]), /committed/);
});

Deno.test("log: findConflictByTerm walks back to a term not above the given one", () => {
  const log = logOf([1, 1, 1, 4, 4, 5, 5, 6, 6, 6]);
  assert.deepEqual(log.findConflictByTerm(10, 3), { index: 3, term: 1 });
  assert.deepEqual(log.findConflictByTerm(10, 5), { index: 7, term: 5 });
  assert.deepEqual(log.findConflictByTerm(10, 6), { index: 10, term: 6 });
  assert.deepEqual(log.findConflictByTerm(20, 6), { index: 10, term: 6 }, "clamped to the log");
  assert.deepEqual(log.findConflictByTerm(10, 0), { index: 0, term: 0 });
});

Deno.test("log: compaction keeps the configuration and the terms at the boundary", () => {
  const conf = confOf(["a", "b"]);
  const log = new RaftLog({
    hardState: { term: 2, vote: null, commit: 4 },
    entries: [
      noop(1, 1),
      { type: "conf", index: 2, term: 1, change: { type: "addVoter", node: "b" }, conf },
      noop(3, 2),
      noop(4, 2),
    ],
  });
  log.applied = 3;
  assert.throws(() => log.compact(4, new Uint8Array()), RangeError, "not applied yet");
  const snap = log.compact(3, new Uint8Array([9]));
  assert.deepEqual(snap.meta, { index: 3, term: 2, conf });
  assert.equal(log.firstIndex(), 4);
  assert.equal(log.term(3), 2);
  assert.equal(log.term(2), undefined);
  assert.deepEqual(log.lastConf(), { conf, index: 3 });
});

Deno.test("log: restoring from persisted state skips entries the snapshot covers and gaps", () => {
  const log = new RaftLog({
    hardState: { term: 3, vote: "a", commit: 9 },
    snapshot: { meta: { index: 2, term: 1, conf: confOf(["a"]) }, data: new Uint8Array() },
    entries: [noop(1, 1), noop(2, 1), noop(3, 2), noop(4, 3), noop(6, 3)],
  });
  assert.equal(log.firstIndex(), 3);
  assert.equal(log.lastIndex(), 4);
  assert.equal(log.committed, 4, "commit clamped to the log");
  assert.equal(log.applied, 2);
});
