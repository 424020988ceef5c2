import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  apply,
  canonicalJson,
  createDirectoryState,
  dfAgentDescription,
  dfTemplate,
  type DirectoryCommand,
  DirectorySnapshotError,
  LIFECYCLE_STATES,
  listAgents,
  listMembers,
  restore,
  searchServices,
  serviceDescription,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { at, dfRegister, key, mustApply, reg, registerAgent } from "./fixtures.ts";

const text = new TextDecoder();

Deno.test("canonical JSON sorts keys and drops undefined", () => {
  assert.equal(
    canonicalJson({ b: 1, a: [true, null, { d: undefined, c: "x" }] }),
    '{"a":[true,null,{"c":"x"}],"b":1}',
  );
  assert.throws(() => canonicalJson({ n: NaN }), TypeError);
});

Deno.test("snapshot: equal states give equal bytes whatever the build order", () => {
  const a = createDirectoryState();
  const b = createDirectoryState();
  const cmds: DirectoryCommand[] = [
    {
      type: "member.add",
      member: { id: "n2", addresses: ["/x/2"], public_key: key(2), role: "voter" },
    },
    {
      type: "member.add",
      member: { id: "n1", addresses: ["/x/1"], public_key: key(1), role: "voter" },
    },
    registerAgent("zeta@n1", "n1"),
    registerAgent("alpha@n2", "n2"),
    dfRegister(reg("zeta@n1", "t1")),
    dfRegister(reg("alpha@n2", "t2")),
  ];
  for (const c of cmds) mustApply(a, c);
  for (const c of [...cmds.slice(0, 2).reverse(), ...cmds.slice(2).reverse()]) mustApply(b, c);
  assert.deepEqual(snapshot(a), snapshot(b));
  const doc = JSON.parse(text.decode(snapshot(a)));
  assert.equal(doc.format, "fipa-edge/directory");
  assert.deepEqual(doc.agents.map((x: { name: string }) => x.name), ["alpha@n2", "zeta@n1"]);
  assert.deepEqual(doc.members.map((x: { id: string }) => x.id), ["n1", "n2"]);
});

Deno.test("snapshot: restore rebuilds state and indexes; bytes are stable", () => {
  const s = createDirectoryState();
  mustApply(s, registerAgent("a@p", "node-a"));
  mustApply(
    s,
    dfRegister(dfAgentDescription(aid("a@p", ["http://h/acc"]), {
      services: [serviceDescription({
        name: "books",
        type: "selling",
        properties: [{ name: "p", value: { sl: "(x y)" } }, { name: "q", value: 1.5 }],
      })],
      lease_time: at(100),
    })),
  );
  const bytes = snapshot(s);
  const r = restore(bytes);
  assert.deepEqual(snapshot(r), bytes);
  assert.equal(r.revision, s.revision);
  const tpl = dfTemplate({ services: [serviceDescription({ type: "selling" })] });
  assert.deepEqual(searchServices(r, tpl), searchServices(s, tpl));
  assert.deepEqual(listAgents(r, { node: "node-a" }), listAgents(s, { node: "node-a" }));
  assert.equal(mustApply(r, { type: "df.expire", at: at(100) }).events.length, 1);
});

Deno.test("snapshot: restore refuses bad bytes and names the problem", () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const good = JSON.parse(text.decode(snapshot(createDirectoryState())));
  assert.throws(() => restore(new Uint8Array([0xff, 0xfe])), /not UTF-8 JSON/);
  assert.throws(() => restore(enc({ ...good, format: "other" })), /invalid snapshot at format/);
  assert.throws(
    () =>
      restore(enc({
        ...good,
        members: [{ id: "n1", addresses: [], public_key: "AAAA", role: "voter" }],
      })),
    /members\.0\.public_key: public key must be base64 of 32 raw Ed25519 bytes, got "AAAA"/,
  );
  const agent = { ...registerAgent("a@p"), type: undefined, registered_at: at(), updated_at: at() };
  delete (agent as Record<string, unknown>).type;
  delete (agent as Record<string, unknown>).at;
  assert.throws(() => restore(enc({ ...good, agents: [agent, agent] })), DirectorySnapshotError);
  assert.throws(() => restore(enc({ ...good, agents: [agent, agent] })), /lists agent 'a@p' twice/);
  assert.equal(restore(enc({ ...good, agents: [agent] })).agents.size, 1);
});

const names = ["a@p", "b@p", "c@p", "d@p"];
const nodes = ["n1", "n2", "n3"];
const command: fc.Arbitrary<DirectoryCommand> = fc.oneof(
  fc.tuple(fc.constantFrom(...names), fc.constantFrom(...nodes)).map(([n, node]) =>
    registerAgent(n, node)
  ),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom(...LIFECYCLE_STATES), fc.nat(100)).map((
    [name, state, t],
  ): DirectoryCommand => ({ type: "agent.set-state", name, state, at: at(t) })),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom(...nodes), fc.constantFrom(...nodes)).map((
    [name, from_node, to_node],
  ): DirectoryCommand => ({ type: "agent.move", name, from_node, to_node, at: at(1) })),
  fc.constantFrom(...names).map((name): DirectoryCommand => ({
    type: "agent.deregister",
    name,
    at: at(2),
  })),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom("t1", "t2"), fc.option(fc.nat(100))).map((
    [n, t, lease],
  ): DirectoryCommand => {
    const d = reg(n, t);
    if (lease !== null) d.lease_time = at(lease + 50);
    return dfRegister(d, 10);
  }),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom("t1", "t3")).map((
    [n, t],
  ): DirectoryCommand => ({ type: "df.modify", description: reg(n, t), at: at(20) })),
  fc.constantFrom(...names).map((name): DirectoryCommand => ({
    type: "df.deregister",
    name,
    at: at(3),
  })),
  fc.nat(200).map((t): DirectoryCommand => ({ type: "df.expire", at: at(t) })),
  fc.tuple(
    fc.constantFrom(...nodes),
    fc.constantFrom("voter", "learner") as fc.Arbitrary<
      "voter" | "learner"
    >,
  ).map(([id, role]): DirectoryCommand => ({
    type: "member.add",
    member: { id, addresses: [`/dns/${id}`], public_key: key(id.length), role },
  })),
  fc.constantFrom(...nodes).map((id): DirectoryCommand => ({ type: "member.remove", id })),
);

Deno.test("determinism: replicas applying the same commands agree, restore included", () => {
  fc.assert(
    fc.property(fc.array(command, { maxLength: 40 }), fc.nat(40), (cmds, cut) => {
      const a = createDirectoryState();
      const b = createDirectoryState();
      const ra = cmds.map((c) => apply(a, structuredClone(c)));
      let rb = cmds.slice(0, cut).map((c) => apply(b, structuredClone(c)));
      // Replica b restarts from a snapshot half-way.
      const restarted = restore(snapshot(b));
      rb = rb.concat(cmds.slice(cut).map((c) => apply(restarted, structuredClone(c))));
      assert.deepEqual(rb, ra);
      assert.deepEqual(snapshot(restarted), snapshot(a));
      assert.deepEqual(listMembers(restarted), listMembers(a));
      assert.deepEqual(
        searchServices(restarted, dfTemplate({ services: [serviceDescription({ type: "t1" })] })),
        searchServices(a, dfTemplate({ services: [serviceDescription({ type: "t1" })] })),
      );
    }),
    { numRuns: 150 },
  );
});
