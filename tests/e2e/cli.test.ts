// The CLI (`deno task cli`) as a user runs it, against a spawned node with a token.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { spawnNode } from "../support/node-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = "cli-e2e-token-0123456789";

interface Ran {
  code: number;
  out: string;
  err: string;
}

function cliCommand(args: string[], stdin: "null" | "piped" = "null") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", `${ROOT}cli/main.ts`, ...args],
    env: { NO_COLOR: "1" },
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

async function cli(args: string[], input?: string): Promise<Ran> {
  const child = cliCommand(args, input === undefined ? "null" : "piped").spawn();
  if (input !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(input));
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("CLI: deploy, send (flags, FIPA on stdin, --wait), logs, agents, stop/start/rm, errors", async () => {
  const node = await spawnNode(["--name", "cli-node", "--admin-token", TOKEN]);
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-cli-" });
  let logs: Deno.ChildProcess | undefined;
  try {
    const wasm = `${dir}/tiny.wasm`;
    await Deno.writeFile(wasm, await watAgentBytes("tiny"));
    const url = ["--url", node.url];
    const auth = [...url, "--token", TOKEN];

    const denied = await cli(["cluster", ...url]);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /^error: UNAUTHORIZED \(401\): /);
    assert.match(denied.err, /trace id: [0-9a-f]{32}/);
    assert.match(denied.err, /pass --token or set FIPA_EDGE_TOKEN/);

    const dep = await cli([
      "deploy",
      wasm,
      "--name",
      "echo",
      "--config",
      '{"version":"1.2.3"}',
      ...auth,
    ]);
    assert.equal(dep.code, 0, dep.err);
    assert.match(dep.out, /^deployed echo@cli-node \(agent_[0-9a-f]{24}\): running/);
    assert.equal(dep.err, "", "no progress drawn when stderr is not a terminal");

    // Follow message events in the background while we talk to the agent.
    logs = cliCommand(["logs", "--events", "message.*", "--count", "2", ...auth]).spawn();
    const logReader = logs.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let logErr = "";
    while (!logErr.includes("following events")) {
      const { value, done } = await logReader.read();
      if (done) throw new Error(`logs ended early: ${logErr}`);
      logErr += value;
    }

    const asked = await cli([
      "send",
      "--to",
      "echo",
      "--content",
      "ping",
      "--conversation",
      "c-1",
      "--wait",
      ...auth,
    ]);
    assert.equal(asked.code, 0, asked.err);
    assert.match(asked.out, /^inform from echo@cli-node in \d+ ms\n/);
    assert.match(asked.out, /conversation_id: c-1/);
    assert.match(asked.out, /\nping\n$/);

    const fipa = '(request :receiver (set (agent-identifier :name echo)) :content "over stdin")';
    const viaStdin = await cli(["send", "--wait", "--fipa", ...auth], fipa);
    assert.equal(viaStdin.code, 0, viaStdin.err);
    assert.match(viaStdin.out, /^\(inform :sender \(agent-identifier :name echo@cli-node\)/);
    assert.match(viaStdin.out, /:content "over stdin"/);

    const drained = (async () => {
      while (!(await logReader.read()).done) { /* the rest of stderr */ }
    })();
    const followedOut = await new Response(logs.stdout).text();
    const followed = await logs.status;
    await drained;
    const lines = followedOut.trim().split("\n");
    assert.equal(followed.code, 0);
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0], /message\.sent +echo → \S+ +inform +\[c-1\]$/);
    logs = undefined;

    const list = await cli(["agents", "--json", ...auth]);
    const page = JSON.parse(list.out);
    assert.equal(page.agents[0].name, "echo");
    assert.equal(page.agents[0].metrics.messages_processed, 2);
    const all = await cli(["agents", "--all", ...auth]);
    assert.match(all.out, /^echo +cli-node +running +1\.2\.3/m);

    assert.match((await cli(["stop", "echo", "--grace", "1", ...auth])).out, /: stopped\n$/);
    assert.match((await cli(["start", "echo", ...auth])).out, /: running\n$/);
    assert.match((await cli(["rm", "echo", ...auth])).out, /: removed\n$/);
    const gone = await cli(["agent", "echo", ...auth]);
    assert.equal(gone.code, 1);
    assert.match(gone.err, /^error: AGENT_NOT_FOUND \(404\): /);

    const bad = await cli(["send", '{"performative":"inform","receiver":"x"', ...auth]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not valid JSON/);
    const invalid = await cli(["send", '{"performative":"shout","receiver":"x"}', ...auth]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.err, /^error: INVALID_ACL \(400\): /);
  } finally {
    if (logs) {
      try {
        logs.kill("SIGKILL");
      } catch { /* gone */ }
      await logs.status;
      await logs.stdout.cancel().catch(() => {});
      await logs.stderr.cancel().catch(() => {});
    }
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: deploy --strategy immediate makes a deployment; rollback undoes it", async () => {
  const node = await spawnNode(["--name", "cli-dep", "--admin-token", TOKEN]);
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-cli-" });
  try {
    const wasm = `${dir}/tiny.wasm`;
    const tiny = await watAgentBytes("tiny");
    await Deno.writeFile(wasm, tiny);
    const auth = ["--url", node.url, "--token", TOKEN];
    const first = await cli(["deploy", wasm, "--name", "svc", "--version", "1.0.0", ...auth]);
    assert.equal(first.code, 0, first.err);
    // Another build of the same agent (a custom section more).
    const v2 = `${dir}/tiny-v2.wasm`;
    await Deno.writeFile(v2, new Uint8Array([...tiny, 0, 4, 1, 0x76, 0x32, 0x32]));
    const dep = await cli([
      "deploy",
      v2,
      "--name",
      "svc",
      "--version",
      "2.0.0",
      "--strategy",
      "immediate",
      ...auth,
    ]);
    assert.equal(dep.code, 0, dep.err);
    const id = /^(deploy_\S+)\s+svc\s+completed\s+\(immediate\)/m.exec(dep.out)?.[1];
    assert.ok(id, dep.out);
    assert.match(
      dep.out,
      /from 1\.0\.0 \(#1\) to 2\.0\.0 \(#2\); traffic 1\.0\.0 0%, 2\.0\.0 100%/,
    );
    const rb = await cli(["rollback", id, ...auth]);
    assert.equal(rb.code, 0, rb.err);
    assert.match(rb.out, /rolled_back/);
    assert.match(rb.out, /reason: rollback requested/);
    const agent = await cli(["agent", "svc", "--json", ...auth]);
    assert.equal(JSON.parse(agent.out).version, "1.0.0");
    const again = await cli(["rollback", id, ...auth]);
    assert.equal(again.code, 1);
    assert.match(again.err, /CONFLICT \(409\).*already rolled back/);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
