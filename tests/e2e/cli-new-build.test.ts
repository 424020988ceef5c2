// Writing an agent outside the repository, as a user does: `deno task cli new` in a
// temporary directory, its unit test, `cli build`, then deploy to a real node and send.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

/**
 * `deno task --config <repo>/deno.json cli ...` run from `cwd`, as a user would from a shell:
 * without the `INIT_CWD` this test process may have inherited (npm and `npx deno task` set it to
 * where they ran, and `deno task` keeps one that is set), so the CLI sees `cwd` as the caller's.
 */
async function task(cwd: string, args: string[]) {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "--config", CONFIG, "cli", ...args],
    cwd,
    clearEnv: true,
    env: { ...env, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("cli new → deno test → cli build → deploy → send, in a directory outside the repo", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fipa-edge-new-" });
  const node = await spawnNode(["--name", "edge-new"]);
  try {
    const made = await task(tmp, ["new", "hello-agent"]);
    assert.equal(made.code, 0, made.err);
    const dir = `${tmp}/hello-agent`;
    for (const f of ["agent.ts", "agent_test.ts", "README.md", "sdk/mod.ts", "sdk/testing.ts"]) {
      assert.ok((await Deno.stat(`${dir}/${f}`)).isFile, f);
    }
    const again = await task(tmp, ["new", "hello-agent"]);
    assert.equal(again.code, 1);
    assert.match(again.err, /not empty/);

    // The scaffolded unit test runs the logic without wasm.
    const test = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-config", "agent_test.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const testOut = new TextDecoder().decode(test.stdout) + new TextDecoder().decode(test.stderr);
    assert.ok(test.success, testOut);
    assert.match(testOut, /2 passed/);

    const built = await task(dir, ["build", "agent.ts", "-o", "hello.wasm"]);
    assert.equal(built.code, 0, built.err);
    assert.match(built.out, /(built|cached) .*hello\.wasm/);
    const wasm = await Deno.readFile(`${dir}/hello.wasm`);
    assert.deepEqual([...wasm.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);

    const dep = await task(dir, ["--url", node.url, "deploy", "hello.wasm", "--name", "hello"]);
    assert.equal(dep.code, 0, dep.err);
    const sent = await task(dir, [
      "--url",
      node.url,
      "--json",
      "send",
      "--to",
      "hello",
      "--content",
      "world",
      "--wait",
    ]);
    assert.equal(sent.code, 0, sent.err);
    const reply = JSON.parse(sent.out).reply;
    assert.equal(reply.performative, "inform");
    assert.equal(reply.content, "hello, world");
    // Its own log has its line and the messages it received and sent.
    const log = await (await fetch(`${node.url}/api/v1/agents/hello/logs`)).json();
    const seen = log.entries.map((e: { kind: string; text?: string }) => e.text ?? e.kind);
    assert.equal(seen.length, 3, JSON.stringify(log));
    assert.equal(seen[0], "received");
    assert.match(seen[1], /^greeting http-[0-9a-f]+@edge-new$/);
    assert.equal(seen[2], "sent");

    // A second build of unchanged sources comes from the cache.
    const cached = await task(dir, ["build", "agent.ts"]);
    assert.equal(cached.code, 0, cached.err);
    assert.match(cached.out, /cached .*agent\.wasm/);
  } finally {
    await node.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});
