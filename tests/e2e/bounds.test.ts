// Operator bounds and bad input over real HTTP: every refusal is a 4xx in the error shape
// naming the problem, never a 5xx (issue 11, points 6 and 7).
import assert from "node:assert/strict";
import fc from "../support/fast-check.ts";
import { spawnNode } from "../support/node-process.ts";

const TINY = await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url));

function form(config: unknown): FormData {
  const f = new FormData();
  f.append("wasm", new Blob([TINY]), "tiny.wasm");
  f.append("config", typeof config === "string" ? config : JSON.stringify(config));
  return f;
}

async function deploy(base: string, config: unknown) {
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form(config) });
  return { status: res.status, body: await res.json() } as Answer;
}

async function update(base: string, name: string, config: unknown) {
  const res = await fetch(`${base}/api/v1/agents/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ config }),
  });
  return { status: res.status, body: await res.json() } as Answer;
}

/** A JSON answer: an agent view, or the error shape. */
interface Answer {
  status: number;
  body: {
    name?: string;
    error: { code: string; message: string; trace_id: string; details: Record<string, unknown> };
  };
}

function assertError(r: Answer, status: number, message: RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.code, "string");
  assert.equal(typeof r.body.error.trace_id, "string");
  assert.match(r.body.error.message, message);
}

Deno.test("deploys and updates beyond the node's bounds are 400 naming the field and bound", async () => {
  const node = await spawnNode(["--agent-net-allow", "127.0.0.1", "--rate-limit", "off"]);
  try {
    const b = node.url;
    assertError(
      await deploy(b, { name: "big", limits: { memory: "2GiB" } }),
      400,
      /^limits\.memory 2147483648 exceeds the node's max-agent-memory 268435456$/,
    );
    assertError(
      await deploy(b, { name: "big", resources: { memory: "1GiB" } }),
      400,
      /limits\.memory 1073741824 exceeds/,
    );
    assertError(
      await deploy(b, { name: "long", limits: { cpu_ms_per_call: 600_000 } }),
      400,
      /cpu_ms_per_call 600000 exceeds the node's max-agent-cpu-ms 5000/,
    );
    assertError(
      await deploy(b, { name: "mb", limits: { mailbox: 1_000_000 } }),
      400,
      /limits\.mailbox 1000000 exceeds the node's max-agent-mailbox 10000/,
    );
    assertError(
      await deploy(b, { name: "st", manifest: { storage_quota: "1GiB" } }),
      400,
      /manifest\.storage_quota 1073741824 exceeds the node's max-agent-storage 67108864/,
    );
    // Grants beyond the operator's allow lists: 403 naming the grant.
    const net = await deploy(b, { name: "perm", manifest: { net: ["example.com:443"] } });
    assertError(net, 403, /net grant "example\.com:443" is not allowed: .* allows 127\.0\.0\.1$/);
    assert.equal(net.body.error.code, "FORBIDDEN");
    assert.equal(net.body.error.details.field, "manifest.net[0]");
    const files = await deploy(b, { name: "perm", manifest: { files: [{ path: "/etc" }] } });
    assertError(files, 403, /files grant "\/etc" is not allowed/);
    // The raw permissions object is gone: asking for anything through it is refused.
    for (const p of ["read", "write", "net", "env", "run", "ffi", "import", "sys"]) {
      const r = await deploy(b, { name: "perm", manifest: { permissions: { [p]: true } } });
      assertError(r, 400, /raw `permissions` object is no longer supported/);
      assert.match(r.body.error.message, /permissions/, "names the field");
    }
    // Within the bounds, and a grant the operator allows.
    const ok = await deploy(b, {
      name: "ok",
      limits: { memory: "256MiB", cpu_ms_per_call: 5000, mailbox: 10_000 },
      manifest: { storage_quota: "64MiB", net: ["127.0.0.1:9"] },
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assertError(
      await update(b, "ok", { limits: { memory: "2GiB" } }),
      400,
      /limits\.memory 2147483648 exceeds/,
    );
    assertError(
      await update(b, "ok", { manifest: { permissions: { run: true } } }),
      400,
      /raw `permissions` object is no longer supported/,
    );
    assertError(
      await update(b, "ok", { manifest: { net: ["10.0.0.1"] } }),
      403,
      /net grant "10\.0\.0\.1" is not allowed/,
    );
    const still = await (await fetch(`${b}/api/v1/agents/ok`)).json();
    assert.equal(still.status, "running");
    const names = (await (await fetch(`${b}/api/v1/agents`)).json()).agents.map(
      (a: { name: string }) => a.name,
    );
    assert.deepEqual(names, ["ok"]);
  } finally {
    await node.stop();
  }
});

Deno.test("bad input is a 4xx in the error shape, never a 5xx", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    const b = node.url;
    // An agent record over Deno KV's 64 KiB value limit.
    const env: Record<string, string> = {};
    for (let i = 0; i < 40; i++) env[`V${i}`] = "x".repeat(4000);
    assertError(await deploy(b, { name: "huge", manifest: { env } }), 400, /at most 32768/);
    assertError(
      await deploy(b, {
        name: "huge",
        manifest: {
          network: Array.from({ length: 1000 }, (_, i) => `agent-${i}-${"y".repeat(100)}`),
        },
      }),
      400,
      /at most 32768/,
    );
    // A memory limit below what the component starts with.
    const small = await deploy(b, { name: "small", limits: { memory: 1000 } });
    assertError(small, 400, /^limits\.memory 1000 is below the \d+ bytes of linear memory/);
    assert.ok((small.body.error.details.initial_memory as number) >= 65536);
    const gone = await fetch(`${b}/api/v1/agents/small`);
    assert.equal(gone.status, 404);
    await gone.body?.cancel();

    // Headers too large for the API: 431 in the error shape.
    const big = await fetch(`${b}/api/v1/agents`, { headers: { "x-padding": "p".repeat(40_000) } });
    assertError(
      { status: big.status, body: await big.json() },
      431,
      /headers are \d+ bytes; at most 32768/,
    );
  } finally {
    await node.stop();
  }
});

Deno.test("resolvers nested too deep: the same 400 from /messages and /validate, both forms", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    const b = node.url;
    const okDeploy = await deploy(b, { name: "echo" });
    assert.equal(okDeploy.status, 201);
    const nestedJson = (levels: number) => {
      let id: Record<string, unknown> = { name: "z" };
      for (let i = 1; i < levels; i++) id = { name: `a${i}`, resolvers: [id] };
      return JSON.stringify({ performative: "inform", sender: id, receiver: "echo", content: "x" });
    };
    const nestedString = (levels: number) => {
      let id = "(agent-identifier :name z)";
      for (let i = 1; i < levels; i++) {
        id = `(agent-identifier :name a${i} :resolvers (sequence ${id}))`;
      }
      return `(inform :sender ${id} :receiver (set (agent-identifier :name echo)) :content "x")`;
    };
    for (const levels of [17, 200, 1000, 2000]) {
      for (
        const [type, body] of [
          ["application/json", nestedJson(levels)],
          ["text/fipa-acl", nestedString(levels)],
        ]
      ) {
        for (const path of ["/api/v1/messages", "/api/v1/messages/validate"]) {
          const res = await fetch(`${b}${path}`, {
            method: "POST",
            headers: { "content-type": type },
            body,
          });
          const r = { status: res.status, body: await res.json() };
          assertError(r, 400, /nest at most 16 levels through :?resolvers/);
          assert.equal(r.body.error.code, "INVALID_ACL");
        }
      }
    }
    for (const path of ["/api/v1/messages", "/api/v1/messages/validate"]) {
      for (
        const [type, body] of [["application/json", nestedJson(16)], [
          "text/fipa-acl",
          nestedString(16),
        ]]
      ) {
        const res = await fetch(`${b}${path}`, {
          method: "POST",
          headers: { "content-type": type },
          body,
        });
        assert.ok(res.status === 200 || res.status === 202, `${path} ${type}: ${res.status}`);
        await res.body?.cancel();
      }
    }
  } finally {
    await node.stop();
  }
});

Deno.test("random and mutated deploy configs never answer 5xx", async () => {
  const node = await spawnNode(["--rate-limit", "off"]);
  try {
    const b = node.url;
    const size = fc.oneof(
      fc.integer({ min: -10, max: 2 ** 40 }),
      fc.constantFrom("1k", "64KB", "2GiB", "1e9", "lots", "", "0", "300MiB", "1.5GB"),
      fc.double(),
    );
    const perm = fc.oneof(fc.boolean(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
    const config = fc.record({
      name: fc.oneof(
        fc.constantFrom("fz", "a@b", "", "x".repeat(200)),
        fc.string({ maxLength: 8 }),
      ),
      version: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
      limits: fc.record({
        memory: size,
        cpu_ms_per_call: fc.oneof(fc.integer({ min: -1, max: 700_000 }), fc.string()),
        mailbox: fc.integer({ min: -1, max: 2_000_000 }),
        send_rate: fc.double(),
        send_burst: fc.integer(),
        bogus: fc.anything(),
      }, { requiredKeys: [] }),
      manifest: fc.record({
        storage_quota: size,
        network: fc.oneof(fc.constantFrom("none", "local", "any", "all"), fc.array(fc.string())),
        protocols: fc.oneof(fc.constant("any"), fc.array(fc.string(), { maxLength: 70 })),
        env: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 20 })),
        net: fc.oneof(fc.array(fc.string({ maxLength: 30 })), fc.anything()),
        files: fc.oneof(
          fc.array(fc.record({ path: fc.string({ maxLength: 20 }), mode: fc.string() })),
          fc.anything(),
        ),
        permissions: fc.record({
          read: perm,
          net: perm,
          run: perm,
          ffi: perm,
          import: perm,
          sys: perm,
          env: perm,
          bogus: perm,
        }, { requiredKeys: [] }),
        may_migrate: fc.anything(),
      }, { requiredKeys: [] }),
      restart: fc.oneof(fc.constantFrom("immediate", "never", "backoff"), fc.anything()),
      resources: fc.record({ memory: size, cpu: fc.anything() }, { requiredKeys: [] }),
      strategy: fc.constantFrom("immediate", "canary"),
    }, { requiredKeys: [] });
    const input = fc.oneof(
      { weight: 8, arbitrary: config },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: fc.json() },
    );
    await fc.assert(
      fc.asyncProperty(input, async (cfg) => {
        const r = await deploy(b, cfg);
        assert.ok(
          r.status < 500,
          `${JSON.stringify(cfg)} -> ${r.status} ${JSON.stringify(r.body)}`,
        );
        if (r.status === 201) {
          const del = await fetch(`${b}/api/v1/agents/${r.body.name}`, { method: "DELETE" });
          await del.body?.cancel();
        } else assert.equal(typeof r.body.error.message, "string");
      }),
      { numRuns: 150 },
    );
  } finally {
    await node.stop();
  }
});
