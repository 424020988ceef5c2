// Issue 14 (many agents of one component on one node): the directory and the agent manager
// keep one frozen copy of what agents repeat (manifest, config, limits), not one per agent.
import assert from "node:assert/strict";
import {
  createDirectoryState,
  getAgent,
  JsonInterner,
  listVersions,
  restore,
  snapshot,
} from "../../../runtime/directory/mod.ts";
import { withSharedParts } from "../../../runtime/agents/record.ts";
import { record } from "../agents/parts.ts";
import { mustApply, registerAgent } from "./fixtures.ts";

Deno.test("interner: equal JSON values (any key order) give one frozen copy; others their own", () => {
  const j = new JsonInterner();
  const input = { b: [1, { c: true }], a: "x" };
  const one = j.object(input);
  assert.equal(j.object({ a: "x", b: [1, { c: true }] }), one);
  assert.notEqual(one, input, "a copy: the caller's value stays the caller's");
  assert.ok(Object.isFrozen(one) && Object.isFrozen(one.b) && Object.isFrozen(one.b[1]));
  assert.deepEqual(one, input);
  assert.notEqual(j.object({ a: "y", b: [1, { c: true }] }), one);
  assert.equal(Object.isFrozen(input), false);
  // Not plain JSON: given back as it is.
  const odd = { n: Infinity };
  assert.equal(j.object(odd), odd);
  const s = ["sha256:", "ab".repeat(32)].join("");
  assert.equal(j.string(s), s);
});

Deno.test("directory: agents of one component share one manifest summary and one version config, also after a snapshot", () => {
  const s = createDirectoryState();
  const cmd = (name: string) => ({
    ...registerAgent(name),
    first_version: {
      config: { limits: { memory: 1 << 20 }, restart: { type: "backoff" } },
      deployment_id: `deploy_${name}`,
    },
  });
  for (const n of ["a@node-a", "b@node-a", "c@node-a"]) mustApply(s, cmd(n));
  const [a, b, c] = ["a@node-a", "b@node-a", "c@node-a"].map((n) => getAgent(s, n)!);
  assert.equal(a.manifest, b.manifest);
  assert.equal(b.manifest, c.manifest);
  const [va, vb] = ["a@node-a", "b@node-a"].map((n) => listVersions(s, n)![0]);
  assert.equal(va.config, vb.config);
  assert.equal(va.manifest, vb.manifest);
  const back = restore(snapshot(s));
  assert.equal(getAgent(back, "a@node-a")!.manifest, getAgent(back, "c@node-a")!.manifest);
  assert.deepEqual(getAgent(back, "a@node-a"), a);
});

Deno.test("agent records of one component share manifest, limits and restart strategy", () => {
  const [x, y] = [withSharedParts(record("x")), withSharedParts(record("y"))];
  assert.equal(x.manifest, y.manifest);
  assert.equal(x.limits, y.limits);
  assert.equal(x.restart, y.restart);
  assert.deepEqual(x, record("x"));
});
