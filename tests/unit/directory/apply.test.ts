import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  apply,
  createDirectoryState,
  dfAgentDescription,
  DirectoryCommandSchema,
  getAgent,
  getMember,
  getRegistration,
  parseDirectoryCommand,
  serviceDescription,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { at, dfRegister, key, mustApply, reg, registerAgent } from "./fixtures.ts";

function refused(r: ReturnType<typeof apply>, reason: string, message: RegExp): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.reason, reason);
  assert.match(r.message, message);
}

Deno.test("directory: agent register, duplicate, state change with precondition", () => {
  const s = createDirectoryState();
  const r = mustApply(s, registerAgent("echo@node-a"));
  assert.deepEqual(r.events.map((e) => e.type), ["agent.registered"]);
  refused(apply(s, registerAgent("echo@node-a")), "already-registered", /'echo@node-a'/);

  const stale = apply(s, {
    type: "agent.set-state",
    name: "echo@node-a",
    state: "stopped",
    expected_state: "loaded",
    at: at(5),
  });
  refused(stale, "stale-state", /is 'running', not 'loaded'/);
  mustApply(s, { type: "agent.set-state", name: "echo@node-a", state: "draining", at: at(5) });
  const a = getAgent(s, "echo@node-a")!;
  assert.equal(a.state, "draining");
  assert.equal(a.updated_at, at(5));
  assert.equal(a.registered_at, at(0));
  const same = mustApply(s, {
    type: "agent.set-state",
    name: "echo@node-a",
    state: "draining",
    at: at(6),
  });
  assert.equal(same.events.length, 0, "no change, no event");
  refused(
    apply(s, { type: "agent.set-state", name: "ghost@x", state: "running", at: at() }),
    "not-registered",
    /'ghost@x'/,
  );
});

Deno.test("directory: a stale move is refused; a good one changes the owner node", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("mover@node-a", "node-a"));
  const move = (from: string, to: string) =>
    apply(s, {
      type: "agent.move",
      name: "mover@node-a",
      from_node: from,
      to_node: to,
      state: "running",
      at: at(9),
    });
  refused(move("node-c", "node-b"), "stale-location", /is on node 'node-a', not 'node-c'/);
  assert.equal(getAgent(s, "mover@node-a")!.node, "node-a");
  mustApply(s, {
    type: "agent.set-state",
    name: "mover@node-a",
    state: "migrating",
    at: at(8),
  });
  const r = move("node-a", "node-b");
  assert.ok(r.ok);
  assert.equal(getAgent(s, "mover@node-a")!.node, "node-b");
  assert.equal(getAgent(s, "mover@node-a")!.state, "running");
  refused(move("node-a", "node-b"), "stale-location", /is on node 'node-b'/);
});

Deno.test("directory: once members are known, agents only live on members", () => {
  const s = createDirectoryState();
  mustApply(s, {
    type: "member.add",
    member: { id: "node-a", addresses: ["/ip4/127.0.0.1/tcp/1"], public_key: key(), role: "voter" },
  });
  refused(
    apply(s, registerAgent("x@node-z", "node-z")),
    "unsupported-value",
    /'node-z' is not a cluster member/,
  );
  mustApply(s, registerAgent("x@node-a", "node-a"));
  refused(
    apply(s, {
      type: "agent.move",
      name: "x@node-a",
      from_node: "node-a",
      to_node: "node-q",
      at: at(),
    }),
    "unsupported-value",
    /'node-q'/,
  );
});

Deno.test("directory: deregistering an agent removes its DF entry unless kept", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("a@p"));
  mustApply(s, registerAgent("b@p"));
  mustApply(s, dfRegister(reg("a@p", "selling")));
  mustApply(s, dfRegister(reg("b@p", "buying")));
  const r = mustApply(s, { type: "agent.deregister", name: "a@p", at: at(1) });
  assert.deepEqual(r.events.map((e) => e.type), ["agent.deregistered", "df.deregistered"]);
  assert.equal(getRegistration(s, "a@p"), undefined);
  mustApply(s, { type: "agent.deregister", name: "b@p", keep_services: true, at: at(1) });
  assert.ok(getRegistration(s, "b@p"));
  refused(
    apply(s, { type: "agent.deregister", name: "b@p", at: at(1) }),
    "not-registered",
    /'b@p'/,
  );
});

Deno.test("directory: a deregister naming a node removes only an agent that lives there", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("tiny@p", "node-a"));
  refused(
    apply(s, { type: "agent.deregister", name: "tiny@p", node: "node-b", at: at(1) }),
    "stale-location",
    /'tiny@p' is on node 'node-a', not 'node-b'/,
  );
  assert.equal(getAgent(s, "tiny@p")?.node, "node-a");
  mustApply(s, { type: "agent.deregister", name: "tiny@p", node: "node-a", at: at(1) });
  assert.equal(getAgent(s, "tiny@p"), undefined);
});

Deno.test("directory: DF register/modify/deregister fail as FIPA says", () => {
  const s = createDirectoryState();
  mustApply(s, dfRegister(reg("da0@p", "fipa-df")));
  refused(apply(s, dfRegister(reg("da0@p", "other"))), "already-registered", /'da0@p'/);
  refused(
    apply(s, { type: "df.modify", description: reg("pluto@p", "x"), at: at() }),
    "not-registered",
    /'pluto@p'/,
  );
  refused(
    apply(s, { type: "df.deregister", name: "pluto@p", at: at() }),
    "not-registered",
    /pluto/,
  );
  const m = mustApply(s, { type: "df.modify", description: reg("da0@p", "trading"), at: at(1) });
  assert.equal(m.events[0].type, "df.modified");
  assert.equal(getRegistration(s, "da0@p")!.services[0].type, "trading");
  mustApply(s, { type: "df.deregister", name: "da0@p", at: at(2) });
  assert.equal(getRegistration(s, "da0@p"), undefined);
});

Deno.test("directory: leases expire by command, never by clock", () => {
  const s = createDirectoryState();
  const leased = (name: string, until: number) =>
    dfAgentDescription(aid(name), {
      services: [serviceDescription({ type: "t" })],
      lease_time: at(until),
    });
  refused(apply(s, dfRegister(leased("late@p", 10), 10)), "unsupported-value", /is not after/);
  mustApply(s, dfRegister(leased("b@p", 60)));
  mustApply(s, dfRegister(leased("a@p", 30)));
  mustApply(s, dfRegister(reg("forever@p", "t")));
  assert.equal(mustApply(s, { type: "df.expire", at: at(29) }).events.length, 0);
  const r = mustApply(s, { type: "df.expire", at: at(60) });
  assert.deepEqual(
    r.events.map((e) => e.type === "df.deregistered" && [e.description.name.name, e.expired]),
    [["a@p", true], ["b@p", true]],
  );
  assert.ok(getRegistration(s, "forever@p"));
});

Deno.test("directory: members add, update, remove; the last voter stays", () => {
  const s = createDirectoryState();
  const add = (id: string, role: "voter" | "learner") =>
    apply(s, { type: "member.add", member: { id, addresses: [], public_key: key(2), role } });
  assert.ok(add("n1", "voter").ok);
  assert.ok(add("n2", "learner").ok);
  refused(add("n1", "voter"), "already-registered", /'n1'/);
  refused(
    apply(s, { type: "member.update", id: "n1", role: "learner" }),
    "unsupported-value",
    /last voter/,
  );
  refused(apply(s, { type: "member.remove", id: "n1" }), "unsupported-value", /last voter/);
  mustApply(s, { type: "member.update", id: "n2", role: "voter", addresses: ["/dns/b/tcp/2"] });
  assert.deepEqual(getMember(s, "n2"), {
    id: "n2",
    addresses: ["/dns/b/tcp/2"],
    public_key: key(2),
    role: "voter",
  });
  mustApply(s, { type: "member.remove", id: "n1" });
  refused(apply(s, { type: "member.remove", id: "n1" }), "not-registered", /'n1'/);
  refused(apply(s, { type: "member.update", id: "zz" }), "not-registered", /'zz'/);
});

Deno.test("directory: a refused command changes nothing, not even the revision", () => {
  const s = createDirectoryState();
  mustApply(s, dfRegister(reg("a@p", "t")));
  const before = snapshot(s);
  assert.equal(s.revision, 1);
  apply(s, dfRegister(reg("a@p", "u")));
  apply(s, { type: "df.deregister", name: "zz@p", at: at() });
  assert.deepEqual(snapshot(s), before);
  assert.equal(s.revision, 1);
});

Deno.test("directory: stored records are frozen copies of the command", () => {
  const s = createDirectoryState();
  const d = reg("a@p", "t");
  mustApply(s, dfRegister(d));
  d.services[0].type = "changed";
  assert.equal(getRegistration(s, "a@p")!.services[0].type, "t");
  assert.throws(() => {
    (getRegistration(s, "a@p")!.services as unknown[]).push(1);
  }, TypeError);
});

Deno.test("directory: commands are validated at the boundary, naming the bad value", () => {
  assert.throws(
    () => parseDirectoryCommand({ type: "agent.explode", name: "x", at: at() }),
    /type/,
  );
  const bad = DirectoryCommandSchema.safeParse({
    type: "member.add",
    member: { id: "n1", addresses: [], public_key: "c2hvcnQ=", role: "voter" },
  });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0].message, /32 raw Ed25519 bytes, got "c2hvcnQ="/);
  const noZone = DirectoryCommandSchema.safeParse({
    ...registerAgent("a@p"),
    at: "2026-01-01T00:00:00",
  });
  assert.equal(noZone.success, false);
  const parsed = parseDirectoryCommand(JSON.parse(JSON.stringify(dfRegister(reg("a@p", "t")))));
  assert.equal(parsed.type, "df.register");
});

Deno.test("directory: apply stores copies of the caller's objects, or an owned command's own", () => {
  const s = createDirectoryState();
  const d = reg("copied@p", "a");
  assert.equal(apply(s, dfRegister(d)).ok, true);
  const stored = getRegistration(s, "copied@p")!;
  assert.notEqual(stored, d, "a copy");
  assert.equal(Object.isFrozen(stored.services[0]), true, "the stored copy is frozen");
  assert.equal(Object.isFrozen(d), false, "the caller's object is left as it was");
  d.services.length = 0;
  assert.equal(getRegistration(s, "copied@p")!.services.length, 1);

  const owned = reg("owned@p", "a");
  assert.equal(apply(s, dfRegister(owned), { owned: true }).ok, true);
  assert.equal(getRegistration(s, "owned@p"), owned, "kept, not copied");
  assert.equal(Object.isFrozen(owned.services[0]), true, "and frozen");
});
