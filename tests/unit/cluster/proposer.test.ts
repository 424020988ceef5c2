import assert from "node:assert/strict";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { Proposer, type ProposerDeps } from "../../../runtime/cluster/mod.ts";
import {
  applyOnce,
  type ApplyResult,
  createDirectoryState,
  type DirectoryProposal,
  getRegistration,
} from "../../../runtime/directory/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { RaftError } from "../../../runtime/raft/mod.ts";
import { dfRegister, reg } from "../directory/fixtures.ts";

/**
 * A follower's proposer in front of a leader whose answers can be lost: the leader applies
 * every forwarded proposal to its directory (at most once per request id, as the real state
 * machine does) and then, while `lose` says so, the answer never reaches the follower
 * (the transport reports TIMEOUT). Time is manual.
 */
function follower(lose: (attempt: number) => boolean, extra: Partial<ProposerDeps> = {}) {
  const timers = new ManualTimers();
  const leaderState = createDirectoryState();
  const seen: DirectoryProposal[] = [];
  const proposer = new Proposer({
    proposeHere: () => Promise.reject(new RaftError("NOT_LEADER", "not the leader", "L")),
    forward: (leader, proposal) => {
      assert.equal(leader, "L");
      seen.push(proposal);
      const result = applyOnce(leaderState, proposal);
      return lose(seen.length)
        ? Promise.reject(new ApiError("TIMEOUT", "request timed out"))
        : Promise.resolve(result);
    },
    timers,
    now: () => timers.now(),
    ...extra,
  });
  return { timers, leaderState, seen, proposer };
}

/** Runs `p` to completion, advancing manual time 10 ms per turn of the event loop. */
async function drive<T>(timers: ManualTimers, p: Promise<T>): Promise<T> {
  let settled = false;
  const done = p.finally(() => settled = true);
  done.catch(() => {});
  while (!settled) {
    await new Promise((r) => setTimeout(r, 0));
    if (!settled) timers.advance(10);
  }
  return await done;
}

const proposal = (id = "f/1"): DirectoryProposal => ({
  request_id: id,
  command: dfRegister(reg("x@p", "t")),
});

Deno.test("a lost answer is retried with the same id and gets the first result, not a 409", async () => {
  const f = follower((n) => n <= 2);
  const r: ApplyResult = await drive(f.timers, f.proposer.commit(proposal()));
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.ok && r.duplicate, true, "the answer is the remembered first outcome");
  assert.equal(f.seen.length, 3);
  assert.ok(f.seen.every((s) => s.request_id === "f/1"), "one id across the retries");
  assert.equal(f.leaderState.revision, 1, "applied once");
  assert.ok(getRegistration(f.leaderState, "x@p"));
});

Deno.test("answers lost until the deadline: OUTCOME_UNKNOWN naming the request, applied once", async () => {
  const f = follower(() => true);
  const t0 = f.timers.now();
  await assert.rejects(drive(f.timers, f.proposer.commit(proposal(), { timeoutMs: 500 })), (e) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, "OUTCOME_UNKNOWN");
    assert.equal(e.status, 504);
    assert.equal(e.details.request_id, "f/1");
    return true;
  });
  assert.ok(f.timers.now() - t0 <= 510, "the retry loop does not outlive the deadline");
  assert.ok(f.seen.length > 1);
  assert.equal(f.leaderState.revision, 1);
});

Deno.test("the client's abort ends the retries at once", async () => {
  const ac = new AbortController();
  const f = follower((n) => {
    if (n === 2) ac.abort();
    return true;
  });
  await assert.rejects(
    drive(f.timers, f.proposer.commit(proposal(), { signal: ac.signal, timeoutMs: 60_000 })),
    (e) => e instanceof ApiError && e.code === "OUTCOME_UNKNOWN",
  );
  assert.equal(f.seen.length, 2, "no attempt after the abort");
  assert.ok(f.timers.now() < 1000);
});

Deno.test("a signal given as a function is read only once a first attempt failed", async () => {
  // Reading an HTTP request's signal makes Deno abort it (a DOMException) after its response.
  let reads = 0;
  const ac = new AbortController();
  const lazy = () => (reads++, ac.signal);
  const once = follower(() => false);
  assert.ok((await drive(once.timers, once.proposer.commit(proposal(), { signal: lazy }))).ok);
  assert.equal(reads, 0, "a first attempt that settles never reads it");
  const f = follower((n) => {
    if (n === 2) ac.abort();
    return true;
  });
  await assert.rejects(
    drive(f.timers, f.proposer.commit(proposal(), { signal: lazy, timeoutMs: 60_000 })),
    (e) => e instanceof ApiError && e.code === "OUTCOME_UNKNOWN",
  );
  assert.equal(reads, 1);
  assert.equal(f.seen.length, 2, "no attempt after the abort");
});

Deno.test("a forward that never answers is cut at the deadline: outcome unknown", async () => {
  const timers = new ManualTimers();
  const proposer = new Proposer({
    proposeHere: () => Promise.reject(new RaftError("NOT_LEADER", "not the leader", "L")),
    forward: () => new Promise<ApplyResult>(() => {}),
    timers,
    now: () => timers.now(),
  });
  await assert.rejects(
    drive(timers, proposer.commit(proposal(), { timeoutMs: 300 })),
    (e) => e instanceof ApiError && e.code === "OUTCOME_UNKNOWN",
  );
  assert.ok(timers.now() <= 310);
});

Deno.test("no leader at all is UNAVAILABLE / NOT_LEADER, not an unknown outcome", async () => {
  const timers = new ManualTimers();
  let forwards = 0;
  const proposer = new Proposer({
    proposeHere: () => Promise.reject(new RaftError("NOT_LEADER", "no leader", null)),
    forward: () => {
      forwards++;
      return undefined;
    },
    timers,
    now: () => timers.now(),
  });
  await assert.rejects(
    drive(timers, proposer.commit(proposal(), { timeoutMs: 200 })),
    (e) => e instanceof ApiError && e.code === "NOT_LEADER",
  );
  assert.equal(forwards, 0);
});

Deno.test("definite errors are not retried; a leader here commits directly", async () => {
  const f = follower(() => false, {
    forward: () => Promise.reject(new ApiError("PAYLOAD_TOO_LARGE", "too big")),
  });
  await assert.rejects(
    drive(f.timers, f.proposer.commit(proposal())),
    (e) => e instanceof ApiError && e.code === "PAYLOAD_TOO_LARGE",
  );
  const state = createDirectoryState();
  const local = new Proposer({
    proposeHere: (data) => Promise.resolve(applyOnce(state, JSON.parse(data))),
    forward: () => assert.fail("a leader does not forward"),
  });
  assert.equal((await local.commit(proposal())).ok, true);
  // A local timeout (outcome unknown) is retried; the retry finds the first outcome.
  let calls = 0;
  const flaky = new Proposer({
    proposeHere: (data) => {
      const r = applyOnce(state, JSON.parse(data));
      return ++calls === 1
        ? Promise.reject(new RaftError("TIMEOUT", "timed out; outcome unknown"))
        : Promise.resolve(r);
    },
    forward: () => assert.fail("a leader does not forward"),
    timers: f.timers,
    now: () => f.timers.now(),
  });
  const r = await drive(f.timers, flaky.commit(proposal("g/1")));
  // g/1 registers x@p again: refused the first time; the retry gets that refusal back.
  assert.equal(!r.ok && r.duplicate && r.reason, "already-registered");
  assert.equal(calls, 2);
});
