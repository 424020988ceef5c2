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

Deno.test("grants beyond the operator's allow lists are FORBIDDEN, naming the grant", () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { net: ["api.example.com:443"] },
      "manifest.net[0]",
      /^the net grant "api\.example\.com:443" is not allowed: the node's agent-net-allow allows none$/,
    ],
    [
      { files: [{ path: "/etc", mode: "read" }] },
      "manifest.files[0].path",
      /^the files grant "\/etc" is not allowed: .*agent-files-allow \(none\)/,
    ],
  ];
  for (const [m, field, re] of cases) {
    assert.throws(
      () => checkAgentBounds({ manifest: manifest(m) }, DEFAULT_AGENT_BOUNDS),
      (e) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.code, "FORBIDDEN");
        assert.match(e.message, re);
        assert.equal(e.details.field, field);
        return true;
      },
    );
  }
  // Relative directories are inside the agent's own root: always allowed.
  assert.equal(
    boundViolation({ manifest: manifest({ files: [{ path: "out", mode: "read-write" }] }) }, {
      ...DEFAULT_AGENT_BOUNDS,
    }),
    undefined,
  );
});

Deno.test("agent-net-allow: host covers its ports, host:port only itself, *.domain and *", () => {
  const b = (netAllow: string[]) => ({ ...DEFAULT_AGENT_BOUNDS, netAllow });
  const ok = (net: string[], allow: string[]) =>
    boundViolation({ manifest: manifest({ net }) }, b(allow)) === undefined;
  assert.ok(ok(["127.0.0.1:8080", "127.0.0.1"], ["127.0.0.1"]));
  assert.ok(ok(["127.0.0.1:8080"], ["127.0.0.1:8080"]));
  assert.ok(!ok(["127.0.0.1:8081"], ["127.0.0.1:8080"]));
  assert.ok(!ok(["127.0.0.1"], ["127.0.0.1:8080"]), "a host grant is every port");
  assert.ok(ok(["a.example.com:443"], ["*.example.com"]));
  assert.ok(!ok(["example.com"], ["*.example.com"]));
  assert.ok(!ok(["badexample.com"], ["*.example.com"]));
  assert.ok(ok(["anything.org:1"], ["*"]));
  const files = (path: string, allow: string[]) =>
    boundViolation({ manifest: manifest({ files: [{ path }] }) }, {
      ...DEFAULT_AGENT_BOUNDS,
      filesAllow: allow,
    }) === undefined;
  assert.ok(files("/srv/shared/reports", ["/srv/shared"]));
  assert.ok(!files("/srv/sharedother", ["/srv/shared"]));
});

Deno.test("the raw permissions object is gone: empty ones (old records) pass, others are refused by name", () => {
  assert.equal(
    "permissions" in manifest({ permissions: { read: false, net: [], run: false } }),
    false,
  );
  for (const p of ["read", "write", "net", "env", "run", "ffi", "import", "sys"]) {
    for (const value of [true, ["x"]]) {
      const r = ManifestSchema.safeParse({ permissions: { [p]: value } });
      assert.equal(r.success, false, p);
      assert.deepEqual(r.error!.issues[0].path, ["permissions"]);
      assert.match(r.error!.issues[0].message, /raw `permissions` object is no longer supported/);
    }
  }
});

Deno.test("grant syntax: net entries are host[:port], files paths have no '..'", () => {
  assert.deepEqual(manifest({ net: ["API.Example.com:443", "127.0.0.1", "[::1]:80"] }).net, [
    "api.example.com:443",
    "127.0.0.1",
    "[::1]:80",
  ]);
  for (const bad of ["http://x", "x:0", "x:70000", "a b", "", "x/y"]) {
    assert.equal(ManifestSchema.safeParse({ net: [bad] }).success, false, bad);
  }
  assert.deepEqual(manifest({ files: [{ path: "./out/" }] }).files, [{
    path: "out",
    mode: "read",
  }]);
  for (const bad of ["../x", "a/../b", "a\\b", "a\u0000"]) {
    assert.equal(ManifestSchema.safeParse({ files: [{ path: bad }] }).success, false, bad);
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
