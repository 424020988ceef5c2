// `deno task cluster` as a developer runs it: nodes come up joined, and Ctrl-C stops them.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * The low end of the kernel's ephemeral port range: ports below it are never handed out for a
 * bind to port 0, which every other test's server and client uses.
 */
function ephemeralLow(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range").split(/\s+/)[0]);
  } catch {
    return 32_768; // Linux's default
  }
}

/**
 * A base port with `n` free ports after it (probed by binding each), below the ephemeral
 * range: the script binds fixed ports after the probe released them, and no port-0 bind of a
 * test running in parallel can take them meanwhile.
 */
function freeRun(n: number): number {
  const top = Math.max(ephemeralLow(), 12_000) - n;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (top - 10_000));
    const held: Deno.Listener[] = [];
    try {
      for (let i = 0; i < n; i++) held.push(Deno.listen({ hostname: "127.0.0.1", port: base + i }));
      return base;
    } catch {
      /* taken: try another */
    } finally {
      for (const l of held) l.close();
    }
  }
  throw new Error("no run of free ports");
}

Deno.test("deno task cluster starts joined nodes, prints their URLs, and stops them on SIGINT", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-devcluster-" });
  const http = freeRun(2);
  let p2p = freeRun(2);
  while (Math.abs(p2p - http) < 2) p2p = freeRun(2);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}scripts/cluster.ts`,
      "--nodes",
      "2",
      "--base-port",
      String(http),
      "--p2p-base-port",
      String(p2p),
      "--data-dir",
      dataDir,
      "--platform",
      "devtest",
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const errText = new Response(child.stderr).text();
  let out = "";
  try {
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    while (!out.includes("Ctrl-C stops every node.")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    clearTimeout(deadline);
    if (!out.includes("Ctrl-C stops every node.")) {
      child.kill("SIGKILL");
      throw new Error(`the cluster did not come up:\n${out}\n${await errText}`);
    }
    const urls = [...out.matchAll(/^ {2}(node\d) +(http:\/\/\S+) +dashboard/gm)].map((
      m,
    ) => [m[1], m[2]]);
    assert.deepEqual(urls, [
      ["node1", `http://127.0.0.1:${http}`],
      ["node2", `http://127.0.0.1:${http + 1}`],
    ]);
    assert.match(out, new RegExp(`p2p /ip4/127\\.0\\.0\\.1/tcp/${p2p + 1}/p2p/12D3`));
    const view = await (await fetch(`${urls[1][1]}/api/v1/cluster`)).json();
    assert.deepEqual([...view.voters].sort(), ["node1", "node2"]);
    const health = await (await fetch(`${urls[1][1]}/health`)).json();
    assert.equal(health.node, "node2");
    const log = await Deno.readTextFile(`${dataDir}/node2.log`);
    assert.match(log, /"msg":"listening"/);

    child.kill("SIGINT");
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const status = await child.status;
    assert.equal(status.code, 0, `${out}\n${await errText}`);
    assert.match(out, /SIGINT: stopping 2 node\(s\)\.\.\.\nstopped\.\n$/);
    await assert.rejects(fetch(`${urls[0][1]}/health`), "node1 is down");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await reader.cancel().catch(() => {});
    await errText;
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
