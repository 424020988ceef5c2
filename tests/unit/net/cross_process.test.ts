import assert from "node:assert/strict";
import { RAFT_PROTOCOL } from "../../../runtime/net/mod.ts";
import { cleanup, startTestNode } from "./_helpers.ts";

const FIXTURE = new URL("./fixtures/net_node_process.ts", import.meta.url).pathname;
/** How long the child may take to exit once its node has stopped. */
const EXIT_BOUND_MS = 5000;

/** Reads stdout line by line. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) yield buf;
}

Deno.test("a node in another process answers, then exits promptly after stop", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-net-child-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", FIXTURE, dataDir],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const out = lines(child.stdout);
  const local = await startTestNode();
  let killer: ReturnType<typeof setTimeout> | undefined;
  try {
    const first = await out.next();
    assert.equal(first.done, false, "the child printed nothing");
    const info = JSON.parse(first.value as string) as { peerId: string; addresses: string[] };
    assert.match(info.addresses[0], new RegExp(`/p2p/${info.peerId}$`));

    const answer = await local.request(info.addresses[0], RAFT_PROTOCOL, { say: "hi" });
    assert.deepEqual(answer, { said: "hi", pid: child.pid });
    const many = await Promise.all(
      Array.from(
        { length: 50 },
        (_, i) => local.request(info.peerId, RAFT_PROTOCOL, { say: `m${i}` }),
      ),
    );
    assert.deepEqual(
      many.map((m) => (m as { said: string }).said),
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
    assert.ok((await local.ping(info.peerId)) >= 0);

    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("stop\n"));
    await writer.close();
    const next = await out.next();
    assert.equal(next.value, "stopped");

    // The process must end by itself (it never calls Deno.exit) within the bound.
    let timedOut = false;
    killer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, EXIT_BOUND_MS);
    const stoppedAt = performance.now();
    const status = await child.status;
    const exitMs = performance.now() - stoppedAt;
    assert.equal(timedOut, false, `the child did not exit within ${EXIT_BOUND_MS} ms of stop`);
    assert.equal(status.code, 0);
    console.log(`  child exited ${exitMs.toFixed(0)} ms after its node stopped`);

    // Its identity persists: the same data dir gives the same peer id next time.
    const again = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", FIXTURE, dataDir],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const againOut = lines(again.stdout);
    const info2 = JSON.parse((await againOut.next()).value as string) as { peerId: string };
    const w2 = again.stdin.getWriter();
    await w2.write(new TextEncoder().encode("stop\n"));
    await w2.close();
    for await (const _ of againOut) { /* drain */ }
    await again.status;
    assert.equal(info2.peerId, info.peerId);
  } finally {
    clearTimeout(killer);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await out.return(undefined);
    await cleanup(local);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
