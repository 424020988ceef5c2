import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { waitFor } from "../support/cluster-procs.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

function form(file: Uint8Array<ArrayBuffer>, config?: Record<string, unknown>) {
  const f = new FormData();
  f.append("wasm", new Blob([file]), "agent.wasm");
  if (config) f.append("config", JSON.stringify(config));
  return f;
}

async function ask(base: string, receiver: string, content: string) {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=5000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver, content }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("update with a new component keeps the agent's storage", async () => {
  const node = await spawnNode();
  try {
    const kv = await Deno.readFile(new URL("tiny-kv.wasm", DIST));
    const res = await fetch(`${node.url}/api/v1/agents`, {
      method: "POST",
      body: form(kv, { name: "store" }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    await res.body?.cancel();
    assert.equal((await ask(node.url, "store", "remember me")).body.reply.content, "remember me");
    // A different build of the same agent (same behaviour, other bytes: a custom section).
    const v2 = new Uint8Array([...kv, 0, 4, 1, 0x76, 0x32, 0x32]);
    const upd = await fetch(`${node.url}/api/v1/agents/store`, {
      method: "PUT",
      body: form(v2, { version: "2.0.0" }),
    });
    const view = await upd.json();
    assert.equal(upd.status, 200, JSON.stringify(view));
    assert.equal(view.version, "2.0.0");
    assert.equal((await ask(node.url, "store", "?")).body.reply.content, "remember me");
  } finally {
    await node.stop();
  }
});

Deno.test("a trapping agent restarts per its strategy: immediate comes back, none stays failed", async () => {
  const node = await spawnNode();
  try {
    const loop = await Deno.readFile(new URL("hostile-loop.wasm", DIST));
    const echo = await Deno.readFile(new URL("tiny.wasm", DIST));
    for (const [name, restart] of [["spinner", "immediate"], ["doomed", "none"]]) {
      const r = await fetch(`${node.url}/api/v1/agents`, {
        method: "POST",
        body: form(loop, { name, restart, limits: { cpu_ms_per_call: 50 } }),
      });
      assert.equal(r.status, 201, await r.clone().text());
      await r.body?.cancel();
    }
    const innocent = await fetch(`${node.url}/api/v1/agents`, {
      method: "POST",
      body: form(echo, { name: "innocent" }),
    });
    await innocent.body?.cancel();
    for (const name of ["spinner", "doomed"]) {
      const r = await fetch(`${node.url}/api/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ performative: "request", receiver: name, content: "spin" }),
      });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    }
    // The innocent neighbour keeps answering.
    assert.equal((await ask(node.url, "innocent", "still here")).body.reply.content, "still here");
    const spinner = await waitFor("spinner restarted", async () => {
      const v = await (await fetch(`${node.url}/api/v1/agents/spinner`)).json();
      return v.status === "running" && v.metrics.restarts >= 1 ? v : undefined;
    });
    assert.equal(spinner.status, "running");
    const doomed = await waitFor("doomed failed", async () => {
      const v = await (await fetch(`${node.url}/api/v1/agents/doomed`)).json();
      return v.status === "failed" ? v : undefined;
    });
    assert.equal(doomed.failure.reason, "cpu-limit");
    const toFailed = await fetch(`${node.url}/api/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "doomed", content: "x" }),
    });
    assert.equal(toFailed.status, 503);
    assert.match((await toFailed.json()).error.message, /failed \(cpu-limit/);
  } finally {
    await node.stop();
  }
});

function count(r: { body: { reply: { content: unknown } } }): number {
  const c = r.body.reply.content;
  return (typeof c === "string" ? JSON.parse(c) : c).count;
}

async function put(base: string, name: string, config: unknown) {
  const res = await fetch(`${base}/api/v1/agents/${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ config }),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("a failed update leaves the agent as it was; a later valid update works", async () => {
  const node = await spawnNode();
  try {
    const counter = await Deno.readFile(new URL("tiny-counter.wasm", DIST));
    const r = await fetch(`${node.url}/api/v1/agents`, {
      method: "POST",
      body: form(counter, { name: "upd", version: "1.0.0" }),
    });
    assert.equal(r.status, 201, await r.clone().text());
    await r.body?.cancel();
    for (let i = 1; i <= 3; i++) assert.equal(count(await ask(node.url, "upd", "tick")), i);
    const before = await (await fetch(`${node.url}/api/v1/agents/upd`)).json();

    // Valid for the schema and the node's bounds; the component needs more memory.
    const bad = await put(node.url, "upd", { version: "2.0.0", limits: { memory: 1000 } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.match(bad.body.error.message, /limits\.memory 1000 is below/);
    const after = await (await fetch(`${node.url}/api/v1/agents/upd`)).json();
    assert.equal(after.status, "running");
    for (const k of ["version", "hash", "resource_limits", "deployment"] as const) {
      assert.deepEqual(after[k], before[k], k);
    }
    // Its memory is where it was: the count goes on.
    assert.equal(count(await ask(node.url, "upd", "tick")), 4);

    const good = await put(node.url, "upd", { version: "2.0.0", limits: { memory: "32MiB" } });
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.equal(good.body.version, "2.0.0");
    assert.equal(good.body.status, "running");
    const t = await ask(node.url, "upd", "tick");
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(count(t), 1); // an update starts the new instance fresh (storage carries over)
  } finally {
    await node.stop();
  }
});

Deno.test("send-and-wait to an agent that fails answers 503 at once; the reason stays after its restart", async () => {
  const node = await spawnNode();
  try {
    const loop = await Deno.readFile(new URL("hostile-loop.wasm", DIST));
    const r = await fetch(`${node.url}/api/v1/agents`, {
      method: "POST",
      body: form(loop, { name: "spinner", restart: "immediate", limits: { cpu_ms_per_call: 50 } }),
    });
    assert.equal(r.status, 201, await r.clone().text());
    await r.body?.cancel();
    const t0 = performance.now();
    const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=30000`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ performative: "request", receiver: "spinner", content: "spin" }),
    });
    const ms = performance.now() - t0;
    const body = await res.json();
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, "AGENT_UNAVAILABLE");
    assert.match(body.error.message, /^Agent 'spinner' failed on the message \(cpu-limit: /);
    assert.equal(body.error.details.failure.reason, "cpu-limit");
    assert.ok(ms < 20_000, `answered after ${Math.round(ms)} ms, not at the 30 s timeout`);
    // Restarted automatically, and the record still says why it failed.
    const v = await waitFor("spinner restarted", async () => {
      const v = await (await fetch(`${node.url}/api/v1/agents/spinner`)).json();
      return v.status === "running" && v.metrics.restarts >= 1 ? v : undefined;
    });
    assert.equal(v.failure.reason, "cpu-limit");
    assert.equal(typeof v.failure.at, "string");
  } finally {
    await node.stop();
  }
});

Deno.test("the API serves HTTPS with --tls-cert and --tls-key", async () => {
  const dir = await Deno.makeTempDir();
  // A CA and a leaf certificate for 127.0.0.1 signed by it (rustls refuses a CA as leaf).
  const ssl = async (...args: string[]) => {
    const o = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
      .output();
    assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  };
  await Deno.writeTextFile(`${dir}/leaf.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await ssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
  );
  await ssl(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "key.pem",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=localhost",
  );
  await ssl(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "cert.pem",
    "-days",
    "1",
    "-extfile",
    "leaf.ext",
  );
  const node = await spawnNode(["--tls-cert", `${dir}/cert.pem`, "--tls-key", `${dir}/key.pem`]);
  const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(`${dir}/ca.pem`)] });
  try {
    assert.match(node.url, /^https:/);
    const res = await fetch(`${node.url}/health`, { client });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, "ok");
  } finally {
    client.close();
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
