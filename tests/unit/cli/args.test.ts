import assert from "node:assert/strict";
import { type Command, DEFAULT_URL, parseCli, UsageError } from "../../../cli/mod.ts";

const noEnv = () => undefined;
const cmd = (argv: string[], env: (k: string) => string | undefined = noEnv): Command =>
  parseCli(argv, env).command;

Deno.test("global flags: --url and --token win over the environment, which wins over defaults", () => {
  assert.deepEqual(parseCli(["cluster"], noEnv).global, {
    url: DEFAULT_URL,
    json: false,
    progress: true,
  });
  const env = (k: string) =>
    ({ FIPA_EDGE_URL: "http://10.0.0.1:9000/", FIPA_EDGE_TOKEN: "from-env" })[k];
  assert.deepEqual(parseCli(["cluster"], env).global, {
    url: "http://10.0.0.1:9000",
    token: "from-env",
    json: false,
    progress: true,
  });
  const g = parseCli(
    ["--url", "https://h:1", "cluster", "--token", "t", "--json", "--no-progress"],
    env,
  ).global;
  assert.deepEqual(g, { url: "https://h:1", token: "t", json: true, progress: false });
});

Deno.test("a bad URL is named with where it came from", () => {
  assert.throws(() => parseCli(["cluster", "--url", "ftp://x"], noEnv), /--url 'ftp:\/\/x'/);
  assert.throws(
    () => parseCli(["cluster"], (k) => (k === "FIPA_EDGE_URL" ? "nope" : undefined)),
    /FIPA_EDGE_URL 'nope'/,
  );
});

Deno.test("no command, help and --help give help", () => {
  assert.deepEqual(cmd([]), { cmd: "help", topic: undefined });
  assert.deepEqual(cmd(["help", "send"]), { cmd: "help", topic: "send" });
  assert.deepEqual(cmd(["send", "--help"]), { cmd: "help", topic: "send" });
});

Deno.test("deploy: file, name, inline or @file config, version", () => {
  assert.deepEqual(cmd(["deploy", "a.wasm", "--name", "echo"]), {
    cmd: "deploy",
    file: "a.wasm",
    name: "echo",
    config: { kind: "none" },
    version: undefined,
  });
  const c = cmd(["deploy", "a.wasm", "-c", '{"name":"x","limits":{"fuel":5}}', "--version", "2"]);
  assert.deepEqual(c, {
    cmd: "deploy",
    file: "a.wasm",
    name: undefined,
    config: { kind: "inline", value: { name: "x", limits: { fuel: 5 } } },
    version: "2",
  });
  assert.deepEqual(
    (cmd(["deploy", "a.wasm", "--config", "@cfg.json"]) as { config: unknown }).config,
    {
      kind: "file",
      path: "cfg.json",
    },
  );
  assert.throws(() => cmd(["deploy", "a.wasm"]), /needs --name/);
  assert.throws(() => cmd(["deploy", "--name", "x"]), /needs <file.wasm>/);
  assert.throws(
    () => cmd(["deploy", "a.wasm", "--name", "x", "--config", "{bad"]),
    /--config is not JSON/,
  );
  assert.throws(() => cmd(["deploy", "a.wasm", "--name", "x", "--config", "[1]"]), /JSON object/);
});

Deno.test("send: a message argument, stdin, or one built from flags", () => {
  assert.deepEqual(cmd(["send", '{"performative":"inform"}']), {
    cmd: "send",
    text: '{"performative":"inform"}',
    wait: false,
    waitFor: "first",
    fipa: false,
  });
  assert.equal((cmd(["send", "-"]) as { text?: string }).text, undefined);
  assert.equal((cmd(["send"]) as { text?: string }).text, undefined);
  assert.deepEqual(
    cmd([
      "send",
      "--to",
      "a,b",
      "--to",
      "c",
      "-p",
      "QUERY-IF",
      "--content",
      "x",
      "--conversation",
      "c1",
      "--wait",
      "--timeout",
      "5000",
      "--final",
      "--fipa",
    ]),
    {
      cmd: "send",
      text: undefined,
      built: {
        performative: "query-if",
        receiver: ["a", "b", "c"],
        content: "x",
        conversation_id: "c1",
      },
      wait: true,
      timeoutMs: 5000,
      waitFor: "final",
      fipa: true,
    },
  );
});

Deno.test("send: contradictions and strays are usage errors", () => {
  assert.throws(() => cmd(["send", "{}", "--to", "x"]), /either a message or --to/);
  assert.throws(() => cmd(["send", "--content", "x"]), /--content builds a message and needs --to/);
  assert.throws(() => cmd(["send", "{}", "--timeout", "5"]), /go with --wait/);
  assert.throws(() => cmd(["send", "{}", "--fipa"]), /go with --wait/);
  assert.throws(
    () => cmd(["send", "{}", "--wait", "--timeout", "0"]),
    /--timeout must be a number from 1/,
  );
  assert.throws(() => cmd(["send", "{}", "--wait", "--timeout", "soon"]), /not 'soon'/);
  assert.throws(() => cmd(["send", "a", "b"]), /takes 1 argument\(s\), got 2/);
});

Deno.test("agents, agent, stop, start, rm, migrate, cluster", () => {
  assert.deepEqual(cmd(["agents"]), { cmd: "agents", status: undefined, all: false });
  assert.deepEqual(cmd(["agents", "-a", "--status", "running"]), {
    cmd: "agents",
    status: "running",
    all: true,
  });
  assert.deepEqual(cmd(["agents", "--cursor", "a999"]), {
    cmd: "agents",
    status: undefined,
    all: false,
    cursor: "a999",
  });
  assert.deepEqual(cmd(["agent", "echo"]), { cmd: "agent", id: "echo" });
  assert.deepEqual(cmd(["stop", "echo", "--grace", "3", "--no-drain"]), {
    cmd: "stop",
    id: "echo",
    graceSeconds: 3,
    drain: false,
  });
  assert.deepEqual(cmd(["stop", "echo"]), {
    cmd: "stop",
    id: "echo",
    graceSeconds: undefined,
    drain: true,
  });
  assert.deepEqual(cmd(["start", "e"]), { cmd: "start", id: "e" });
  assert.deepEqual(cmd(["rm", "e"]), { cmd: "rm", id: "e" });
  assert.deepEqual(cmd(["migrate", "e", "node2"]), { cmd: "migrate", id: "e", node: "node2" });
  assert.throws(() => cmd(["migrate", "e"]), /needs <node>/);
  assert.deepEqual(cmd(["cluster"]), { cmd: "cluster" });
});

Deno.test("logs: filters repeat or take commas; --count bounds it", () => {
  assert.deepEqual(
    cmd([
      "logs",
      "--events",
      "agent.*,message.sent",
      "--events",
      "migration.*",
      "--agent",
      "echo",
      "-p",
      "inform,request",
      "--conversation",
      "c1",
      "--count",
      "2",
    ]),
    {
      cmd: "logs",
      events: ["agent.*", "message.sent", "migration.*"],
      agents: ["echo"],
      performatives: ["inform", "request"],
      conversations: ["c1"],
      count: 2,
    },
  );
});

Deno.test("unknown commands and flags, and flags of other commands, are refused", () => {
  assert.throws(
    () => cmd(["deplyo"]),
    (e) => e instanceof UsageError && /unknown command 'deplyo'/.test(e.message),
  );
  assert.throws(() => cmd(["agents", "--bogus"]), /Unknown option '--bogus'/);
  assert.throws(() => cmd(["agents", "--wait"]), /'agents' does not take --wait/);
  assert.throws(() => cmd(["cluster", "extra"]), /takes 0 argument/);
});
