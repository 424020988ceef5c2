// Operator bounds on what an agent may ask for, and Workers of their own for agents with
// long CPU limits.
import assert from "node:assert/strict";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  boundViolation,
  checkAgentBounds,
  DEFAULT_AGENT_BOUNDS,
  LimitsSchema,
  ManifestSchema,
  MAX_MANIFEST_BYTES,
} from "../../../runtime/sandbox/mod.ts";
import { Recorder, request, setup } from "./helpers.ts";

const limits = (x: Record<string, unknown> = {}) => LimitsSchema.parse(x);
const manifest = (x: Record<string, unknown> = {}) => ManifestSchema.parse(x);

Deno.test("defaults are within the default bounds", () => {
  assert.equal(
    boundViolation({ manifest: manifest(), limits: limits() }, DEFAULT_AGENT_BOUNDS),
    undefined,
  );
});

Deno.test("each bound names its field, the value and the node setting", () => {
  const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    [
      {},
      { memory: "2GiB" },
      /^limits\.memory 2147483648 exceeds the node's max-agent-memory 268435456$/,
    ],
    [
      {},
      { cpu_ms_per_call: 600_000 },
      /^limits\.cpu_ms_per_call 600000 exceeds .* max-agent-cpu-ms 5000$/,
    ],
    [{}, { mailbox: 10_001 }, /^limits\.mailbox 10001 exceeds .* max-agent-mailbox 10000$/],
    [
      { storage_quota: "1GiB" },
      {},
      /^manifest\.storage_quota 1073741824 exceeds .* max-agent-storage 67108864$/,
    ],
    [
      { permissions: { net: true } },
      {},
      /^manifest\.permissions\.net is not allowed: .* allows none$/,
    ],
    [{ permissions: { read: ["/etc"] } }, {}, /^manifest\.permissions\.read is not allowed/],
  ];
  for (const [m, l, re] of cases) {
    const v = boundViolation({ manifest: manifest(m), limits: limits(l) }, DEFAULT_AGENT_BOUNDS);
    assert.ok(v, JSON.stringify([m, l]));
    assert.match(v.message, re);
    assert.throws(
      () => checkAgentBounds({ manifest: manifest(m), limits: limits(l) }, DEFAULT_AGENT_BOUNDS),
      (e) => {
        assert.ok(e instanceof ApiError && e.code === "INVALID_REQUEST");
        assert.equal(e.message, v.message);
        assert.deepEqual([e.details.field, e.details.bound], [v.field, v.bound]);
        return true;
      },
    );
  }
  // At the bound is fine; only the parts given are checked.
  assert.equal(
    boundViolation({ limits: limits({ memory: "256MiB", mailbox: 10_000 }) }, DEFAULT_AGENT_BOUNDS),
    undefined,
  );
  assert.equal(boundViolation({}, DEFAULT_AGENT_BOUNDS), undefined);
});

Deno.test("the operator allows permissions by name; an empty list asks for nothing", () => {
  const bounds = { ...DEFAULT_AGENT_BOUNDS, permissions: ["read", "env"] as const };
  const m = manifest({ permissions: { read: ["/data"], env: true, net: [] } });
  assert.equal(boundViolation({ manifest: m }, bounds), undefined);
  const v = boundViolation({ manifest: manifest({ permissions: { write: true } }) }, bounds);
  assert.match(v?.message ?? "", /permissions\.write is not allowed: .* allows read, env/);
});

Deno.test("run, ffi, import and sys are never grantable: the schema refuses them by name", () => {
  for (const p of ["run", "ffi", "import", "sys"]) {
    for (const value of [true, ["x"]]) {
      const r = ManifestSchema.safeParse({ permissions: { [p]: value } });
      assert.equal(r.success, false, p);
      assert.deepEqual(r.error!.issues[0].path, ["permissions", p]);
      assert.match(r.error!.issues[0].message, new RegExp(`'${p}' permission is never granted`));
    }
    assert.equal(ManifestSchema.safeParse({ permissions: { [p]: false } }).success, true);
  }
});

Deno.test("a manifest too large for an agent record is refused naming the bound", () => {
  const env: Record<string, string> = {};
  for (let i = 0; i < 20; i++) env[`V${i}`] = "x".repeat(4000);
  const r = ManifestSchema.safeParse({ env });
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0].message, new RegExp(`at most ${MAX_MANIFEST_BYTES}`));
  assert.equal(ManifestSchema.safeParse({ env: { A: "x".repeat(4000) } }).success, true);
});

Deno.test("the sandbox refuses an activation beyond its bounds", async () => {
  const s = await setup();
  try {
    await assert.rejects(
      s.sandbox.activate({
        agentId: "big@n1",
        hash: await s.wat("tiny"),
        limits: { memory: "1GiB" },
        host: new Recorder().host(),
      }),
      (e) =>
        e instanceof ApiError && e.code === "INVALID_REQUEST" && /max-agent-memory/.test(e.message),
    );
    assert.equal(s.sandbox.stats().agents, 0);
  } finally {
    await s.close();
  }
});

Deno.test("a memory limit below the component's initial memory is INVALID_REQUEST naming both", async () => {
  const s = await setup();
  try {
    await assert.rejects(
      s.sandbox.activate({
        agentId: "small@n1",
        hash: await s.wat("tiny"),
        limits: { memory: 1000 },
        host: new Recorder().host(),
      }),
      (e) => {
        assert.ok(e instanceof ApiError, String(e));
        assert.equal(e.code, "INVALID_REQUEST", e.message);
        assert.match(e.message, /^limits\.memory 1000 is below the \d+ bytes of linear memory/);
        assert.equal(e.details.value, 1000);
        assert.ok((e.details.initial_memory as number) >= 65536);
        return true;
      },
    );
  } finally {
    await s.close();
  }
});

Deno.test("an agent with a long CPU limit gets its own Worker: its neighbour answers during its call", async () => {
  const s = await setup({ watchdogGraceMs: 60_000 });
  try {
    const innocentRec = new Recorder();
    const innocent = await s.sandbox.activate({
      agentId: "echo@n1",
      hash: await s.wat("tiny"),
      host: innocentRec.host(),
    });
    const looper = await s.sandbox.activate({
      agentId: "loop@n1",
      hash: await s.wat("hostile-loop"),
      limits: { cpu_ms_per_call: 5_000 },
      host: new Recorder().host(),
    });
    const friend = await s.sandbox.activate({
      agentId: "friend@n1",
      hash: await s.wat("tiny"),
      host: new Recorder().host(),
    });
    assert.notEqual(looper.worker, innocent.worker, "the long-limit agent is alone");
    assert.equal(friend.worker, innocent.worker, "default agents still share");
    let loopEnded = false;
    const stuck = looper.deliver(request("loop@n1")).finally(() => {
      loopEnded = true;
    });
    stuck.catch(() => {});
    // The looping call runs (up to 5 s); the innocent agent answers meanwhile.
    assert.deepEqual(await innocent.deliver(request("echo@n1", "during")), {
      handled: true,
      sent: 1,
    });
    assert.equal(innocentRec.sent.at(-1)?.content, "during");
    assert.equal(loopEnded, false, "the innocent reply came before the long call ended");
  } finally {
    await s.close();
  }
});
