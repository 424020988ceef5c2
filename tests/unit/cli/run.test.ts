import assert from "node:assert/strict";
import { EXIT, runCli, subscription } from "../../../cli/mod.ts";
import { fakeIo, json } from "./fake-io.ts";

const VIEW = {
  name: "echo",
  full_name: "echo@p",
  agent_id: "agent_1",
  status: "running",
  hash: "h",
};

Deno.test("deploy uploads multipart 'config' and 'wasm' with the token, and prints the agent", async () => {
  const f = fakeIo({ "POST /api/v1/agents": () => json(VIEW, 201) });
  f.files.set("dist/echo.wasm", new Uint8Array([0, 97, 115, 109, 1, 2, 3]));
  const code = await runCli(
    [
      "deploy",
      "dist/echo.wasm",
      "--name",
      "echo",
      "--config",
      '{"limits":{"fuel":9}}',
      "--token",
      "secret",
    ],
    f.io,
  );
  assert.equal(code, EXIT.ok, f.err.join("\n"));
  const req = f.seen[0];
  assert.equal(req.headers.get("authorization"), "Bearer secret");
  const type = req.headers.get("content-type")!;
  assert.match(type, /^multipart\/form-data; boundary=/);
  const form = await new Response(req.body as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": type },
  }).formData();
  assert.deepEqual(JSON.parse(form.get("config") as string), { limits: { fuel: 9 }, name: "echo" });
  const wasm = form.get("wasm") as File;
  assert.equal(wasm.name, "echo.wasm");
  assert.deepEqual(
    new Uint8Array(await wasm.arrayBuffer()),
    new Uint8Array([0, 97, 115, 109, 1, 2, 3]),
  );
  assert.deepEqual(f.out, ["deployed echo@p (agent_1): running\n  hash h"]);
});

Deno.test("deploy reads @config files and reports a missing component file", async () => {
  const f = fakeIo({ "POST /api/v1/agents": () => json(VIEW, 201) });
  f.files.set("cfg.json", new TextEncoder().encode('{"name":"from-file"}'));
  f.files.set("a.wasm", new Uint8Array([1]));
  assert.equal(await runCli(["deploy", "a.wasm", "--config", "@cfg.json"], f.io), EXIT.ok);
  const cfg = new TextDecoder().decode(f.seen[0].body);
  assert.match(cfg, /\{"name":"from-file"\}/);
  const g = fakeIo({});
  assert.equal(await runCli(["deploy", "missing.wasm", "--name", "x"], g.io), EXIT.failed);
  assert.match(g.err[0], /no file missing\.wasm/);
});

Deno.test("deploy shows an upload bar and then a spinner on a terminal, and clears them", async () => {
  const f = fakeIo({ "POST /api/v1/agents": () => json(VIEW, 201) }, { tty: true });
  f.files.set("big.wasm", new Uint8Array(300_000));
  assert.equal(await runCli(["deploy", "big.wasm", "--name", "big"], f.io), EXIT.ok);
  const drawn = f.drawn.join("");
  assert.match(drawn, /uploading big\.wasm \(293 KiB\) {2}\[#+-*\] +\d+%/);
  assert.match(drawn, /deploying 'big': compiling and starting/);
  assert.ok(f.drawn.at(-1)!.endsWith("\x1b[2K"), "the line is cleared at the end");
  const quiet = fakeIo({ "POST /api/v1/agents": () => json(VIEW, 201) }, { tty: true });
  quiet.files.set("big.wasm", new Uint8Array(10));
  await runCli(["deploy", "big.wasm", "--name", "big", "--no-progress"], quiet.io);
  assert.deepEqual(quiet.drawn, []);
});

Deno.test("send: a FIPA string goes as text/fipa-acl; JSON as JSON; flags build JSON", async () => {
  const sent = { message_id: "m1", receivers: [{ receiver: "echo", status: "delivered" }] };
  const f = fakeIo({ "POST /api/v1/messages": () => json(sent) });
  const fipa = '(inform :receiver (set (agent-identifier :name echo)) :content "x")';
  assert.equal(await runCli(["send", fipa], f.io), EXIT.ok);
  assert.equal(f.seen[0].headers.get("content-type"), "text/fipa-acl");
  assert.equal(new TextDecoder().decode(f.seen[0].body), fipa);
  assert.deepEqual(f.out, ["sent m1\n  → echo: delivered"]);

  await runCli(["send", "--to", "echo", "--content", "hi", "--conversation", "c1"], f.io);
  assert.equal(f.seen[1].headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(f.seen[1].body)), {
    performative: "request",
    receiver: "echo",
    content: "hi",
    conversation_id: "c1",
  });
});

Deno.test("send reads stdin when no message is given, and refuses a terminal", async () => {
  const f = fakeIo({ "POST /api/v1/messages": () => json({ message_id: "m", receivers: [] }) }, {
    stdinIsTerminal: false,
    readStdin: () => Promise.resolve('  {"performative":"inform","receiver":"e"}\n'),
  });
  assert.equal(await runCli(["send"], f.io), EXIT.ok);
  assert.equal(
    new TextDecoder().decode(f.seen[0].body),
    '{"performative":"inform","receiver":"e"}',
  );
  const t = fakeIo({});
  assert.equal(await runCli(["send"], t.io), EXIT.usage);
  assert.match(t.err[0], /no message/);
  assert.equal(t.seen.length, 0);
});

Deno.test("send --wait uses send-and-wait with timeout and wait_for, --fipa asks for the string form", async () => {
  const f = fakeIo({
    "POST /api/v1/messages/send-and-wait": (r) =>
      r.headers.get("accept") === "text/fipa-acl"
        ? new Response('(inform :content "pong")')
        : json({
          elapsed_ms: 5,
          reply: { performative: "inform", sender: "echo@p", content: "pong" },
        }),
  });
  assert.equal(
    await runCli(["send", "--to", "echo", "--wait", "--timeout", "700", "--final"], f.io),
    EXIT.ok,
  );
  assert.equal(f.seen[0].url.searchParams.get("timeout_ms"), "700");
  assert.equal(f.seen[0].url.searchParams.get("wait_for"), "final");
  assert.deepEqual(f.out, ["inform from echo@p in 5 ms\npong"]);
  await runCli(["send", "--to", "echo", "--wait", "--fipa"], f.io);
  assert.equal(f.out[1], '(inform :content "pong")');
  assert.equal(f.seen[1].url.searchParams.get("wait_for"), "first");
});

Deno.test("API errors are printed from the error JSON; exit status 1", async () => {
  const f = fakeIo({
    "GET /api/v1/agents/nope": () =>
      json({
        error: {
          code: "AGENT_NOT_FOUND",
          message: "Agent 'nope' not found",
          details: { agent: "nope" },
          trace_id: "tr",
        },
      }, 404),
    "GET /api/v1/cluster": () => new Response("<html>bad gateway</html>", { status: 502 }),
    "GET /api/v1/agents": () =>
      json({
        error: { code: "UNAUTHORIZED", message: "A token is required", details: {}, trace_id: "t" },
      }, 401),
  });
  assert.equal(await runCli(["agent", "nope"], f.io), EXIT.failed);
  assert.deepEqual(f.err, [
    "error: AGENT_NOT_FOUND (404): Agent 'nope' not found\n  agent: nope\n  trace id: tr",
  ]);
  f.err.length = 0;
  assert.equal(await runCli(["cluster"], f.io), EXIT.failed);
  assert.deepEqual(f.err, ["error: HTTP_502 (502): <html>bad gateway</html>"]);
  f.err.length = 0;
  assert.equal(await runCli(["agents"], f.io), EXIT.failed);
  assert.match(f.err.join("\n"), /UNAUTHORIZED \(401\)[\s\S]*pass --token or set FIPA_EDGE_TOKEN/);
});

Deno.test("an unreachable node is named with the cause", async () => {
  const f = fakeIo({});
  assert.equal(await runCli(["cluster", "--url", "http://10.9.9.9:1"], f.io), EXIT.failed);
  assert.match(f.err[0], /cannot reach http:\/\/10\.9\.9\.9:1: Connection refused/);
});

Deno.test("lifecycle commands call their routes; ids are URL-encoded", async () => {
  const f = fakeIo({
    "POST /api/v1/agents/a%2Fb/stop": () => json({ ...VIEW, status: "stopped" }),
    "POST /api/v1/agents/echo/start": () => json(VIEW),
    "DELETE /api/v1/agents/echo": () => json({ ...VIEW, status: "removed" }),
    "POST /api/v1/agents/echo/migrate": () => json({ ...VIEW, node: "n2", status: "running" }),
    "GET /api/v1/directory/agents": () => json({ agents: [], total: 0 }),
  });
  assert.equal(await runCli(["stop", "a/b", "--grace", "2", "--no-drain"], f.io), EXIT.ok);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(f.seen[0].body)), {
    drain_messages: false,
    grace_period_seconds: 2,
  });
  await runCli(["start", "echo"], f.io);
  await runCli(["rm", "echo"], f.io);
  await runCli(["migrate", "echo", "n2"], f.io);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(f.seen[3].body)), { target_node: "n2" });
  await runCli(["agents", "--all", "--status", "running"], f.io);
  assert.equal(f.seen[4].url.searchParams.get("state"), "running");
  assert.deepEqual(f.out, [
    "stopped echo@p (agent_1): stopped",
    "started echo@p (agent_1): running",
    "removed echo@p (agent_1): removed",
    "migrated echo@p to n2: running",
    "no agents in the cluster",
  ]);
});

Deno.test("--json prints the API's answer as it is", async () => {
  const f = fakeIo({ "GET /api/v1/agents/echo": () => json(VIEW) });
  await runCli(["agent", "echo", "--json"], f.io);
  assert.deepEqual(JSON.parse(f.out[0]), VIEW);
});

Deno.test("usage errors exit 2 and point at help; help prints", async () => {
  const f = fakeIo({});
  assert.equal(await runCli(["send", "{}", "--to", "x"], f.io), EXIT.usage);
  assert.match(f.err[1], /deno task cli send --help/);
  assert.equal(await runCli(["help", "logs"], f.io), EXIT.ok);
  assert.match(f.out[0], /^Usage: deno task cli logs/);
});

Deno.test("logs subscribes with events and filters", () => {
  assert.deepEqual(
    subscription({ cmd: "logs", events: [], agents: [], performatives: [], conversations: [] }),
    { type: "subscribe", events: ["*"] },
  );
  assert.deepEqual(
    subscription({
      cmd: "logs",
      events: ["agent.*"],
      agents: ["e"],
      performatives: ["inform"],
      conversations: ["c"],
    }),
    {
      type: "subscribe",
      events: ["agent.*"],
      filters: { agent_ids: ["e"], performatives: ["inform"], conversation_ids: ["c"] },
    },
  );
});

Deno.test("429 and 503 are retried after Retry-After, each retry said on stderr", async () => {
  let calls = 0;
  const slept: number[] = [];
  const f = fakeIo({
    "GET /api/v1/cluster": () => {
      calls++;
      if (calls === 1) {
        return new Response(
          JSON.stringify({
            error: { code: "RATE_LIMITED", message: "slow down", details: {}, trace_id: "t" },
          }),
          { status: 429, headers: { "content-type": "application/json", "retry-after": "2" } },
        );
      }
      return json({ self: { id: "n1" }, leader: "n1", term: 1, commit_index: 3, members: [] });
    },
  }, {
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
  assert.equal(await runCli(["cluster", "--json"], f.io), EXIT.ok, f.err.join("\n"));
  assert.equal(calls, 2);
  assert.deepEqual(slept, [2000]);
  assert.deepEqual(f.err, ["RATE_LIMITED (429): retrying in 2.0 s"]);
  assert.equal(JSON.parse(f.out[0]).leader, "n1");
});
