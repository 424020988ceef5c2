import assert from "node:assert/strict";
import { DirectoryMachine } from "../../../runtime/cluster/mod.ts";
import {
  applyOnce,
  createDirectoryState,
  type DirectoryCommand,
  type DirectoryProposal,
  getRegistration,
  MAX_REMEMBERED_REQUESTS,
  restore,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import type { NormalEntry } from "../../../runtime/raft/mod.ts";
import { at, dfRegister, reg } from "./fixtures.ts";

const p = (request_id: string, command: DirectoryCommand): DirectoryProposal => ({
  request_id,
  command,
});

const modify = (name: string, type: string, s = 1): DirectoryCommand => ({
  type: "df.modify",
  description: reg(name, type),
  at: at(s),
});

const typeOf = (state: ReturnType<typeof createDirectoryState>, name: string) =>
  getRegistration(state, name)?.services[0].type;

Deno.test("the same request id twice: applied once, the retry gets the first outcome", () => {
  const state = createDirectoryState();
  const first = applyOnce(state, p("c/1", dfRegister(reg("x@p", "a"))));
  assert.equal(first.ok, true);
  assert.equal(state.revision, 1);
  const retry = applyOnce(state, p("c/1", dfRegister(reg("x@p", "a"))));
  // Not "already-registered": the retry answers what the first copy did.
  assert.deepEqual(retry, { ok: true, events: [], duplicate: true });
  assert.equal(state.revision, 1, "nothing applied the second time");
  // A different request for the same write is a new request: refused as it should be.
  const other = applyOnce(state, p("c/2", dfRegister(reg("x@p", "a"))));
  assert.equal(other.ok, false);
  assert.equal(!other.ok && other.reason, "already-registered");
});

Deno.test("a retried modify v1 after v2 does not bring v1 back", () => {
  const state = createDirectoryState();
  applyOnce(state, p("c/1", dfRegister(reg("x@p", "v0"))));
  applyOnce(state, p("c/2", modify("x@p", "v1")));
  applyOnce(state, p("c/3", modify("x@p", "v2")));
  const late = applyOnce(state, p("c/2", modify("x@p", "v1")));
  assert.equal(late.ok && late.duplicate, true);
  assert.equal(typeOf(state, "x@p"), "v2");
});

Deno.test("refusals are remembered: a retry never turns a refusal into a success", () => {
  const state = createDirectoryState();
  applyOnce(state, p("a/1", dfRegister(reg("x@p", "a"))));
  const refused = applyOnce(state, p("b/1", dfRegister(reg("x@p", "b"))));
  assert.equal(refused.ok, false);
  applyOnce(state, p("a/2", { type: "df.deregister", name: "x@p", at: at(2) }));
  const retry = applyOnce(state, p("b/1", dfRegister(reg("x@p", "b"))));
  assert.deepEqual(retry, {
    ok: false,
    reason: "already-registered",
    message: !refused.ok ? refused.message : "",
    duplicate: true,
  });
  assert.equal(getRegistration(state, "x@p"), undefined, "the retry registered nothing");
});

Deno.test("memory of requests is bounded by count, oldest forgotten first", () => {
  const state = createDirectoryState();
  for (let i = 0; i < 5; i++) {
    applyOnce(state, p(`c/${i}`, dfRegister(reg(`a${i}@p`, "t"))), 3);
  }
  assert.deepEqual([...state.requests.keys()], ["c/2", "c/3", "c/4"]);
  // The forgotten id is a new request again; a remembered one is not.
  assert.equal(applyOnce(state, p("c/4", dfRegister(reg("a4@p", "t"))), 3).ok, true);
  const forgotten = applyOnce(state, p("c/0", dfRegister(reg("a0@p", "t"))), 3);
  assert.equal(!forgotten.ok && forgotten.reason, "already-registered");
  assert.deepEqual([...state.requests.keys()], ["c/3", "c/4", "c/0"]);
  // The default bound holds too.
  const big = createDirectoryState();
  for (let i = 0; i < MAX_REMEMBERED_REQUESTS + 10; i++) {
    applyOnce(big, p(`r/${i}`, { type: "df.expire", at: at() }));
  }
  assert.equal(big.requests.size, MAX_REMEMBERED_REQUESTS);
  assert.equal(big.requests.has("r/9"), false);
  assert.equal(big.requests.has("r/10"), true);
});

Deno.test("remembered requests survive snapshot and restore, in order", () => {
  const state = createDirectoryState();
  applyOnce(state, p("c/1", dfRegister(reg("x@p", "a"))));
  applyOnce(state, p("c/2", dfRegister(reg("x@p", "a"))));
  applyOnce(state, p("c/3", modify("x@p", "b")));
  const bytes = snapshot(state);
  const back = restore(bytes);
  assert.deepEqual(snapshot(back), bytes, "same bytes after a round trip");
  assert.deepEqual([...back.requests], [...state.requests]);
  assert.deepEqual(applyOnce(back, p("c/1", dfRegister(reg("x@p", "a")))), {
    ok: true,
    events: [],
    duplicate: true,
  });
  const c2 = applyOnce(back, p("c/2", dfRegister(reg("x@p", "a"))));
  assert.equal(!c2.ok && c2.duplicate && c2.reason, "already-registered");
  assert.equal(typeOf(back, "x@p"), "b");
  // A version 1 snapshot (before request ids) still restores, remembering nothing.
  const doc = JSON.parse(new TextDecoder().decode(bytes));
  delete doc.requests;
  doc.version = 1;
  assert.equal(restore(new TextEncoder().encode(JSON.stringify(doc))).requests.size, 0);
  // A snapshot listing a request twice is refused.
  const twice = JSON.parse(new TextDecoder().decode(bytes));
  twice.requests.push(twice.requests[0]);
  assert.throws(
    () => restore(new TextEncoder().encode(JSON.stringify(twice))),
    /request 'c\/1' twice/,
  );
});

Deno.test("the directory machine applies a proposal entry once and bare legacy commands as before", () => {
  const m = new DirectoryMachine();
  let index = 0;
  const entry = (v: unknown): NormalEntry => ({
    type: "normal",
    index: ++index,
    term: 1,
    data: new TextEncoder().encode(JSON.stringify(v)),
  });
  const events: number[] = [];
  m.onEvents((e) => events.push(e.length));
  const proposal = p("n1/u/1", dfRegister(reg("x@p", "a")));
  assert.equal(m.apply(entry(proposal)).ok, true);
  const again = m.apply(entry(proposal));
  assert.equal(again.ok && again.duplicate, true);
  assert.deepEqual(events, [1], "a duplicate emits no events");
  assert.equal(m.apply(entry(dfRegister(reg("y@p", "a")))).ok, true, "a bare command");
  const bad = m.apply(entry({ request_id: "", command: dfRegister(reg("z@p", "a")) }));
  assert.equal(!bad.ok && bad.reason, "unsupported-value");
});
