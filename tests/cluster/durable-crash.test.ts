/**
 * Nothing acknowledged is lost, nothing is applied twice: at-least-once messages to a
 * counter that keeps its count both in memory and in storage, a SIGKILL of the node at a
 * chosen point (after k of a round's messages were acknowledged), a restart on the same
 * data directory, and the client re-sending what it had no answer for (same Idempotency-Key).
 * After each round both counts equal the number of messages sent: the acknowledged ones
 * exactly once, whatever the kill interrupted.
 */
import assert from "node:assert/strict";
import { counterCount, waitOutboxEmpty } from "../support/http.ts";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);
/** Messages per round, and after how many acknowledgements each round's kill comes. */
const ROUND = 24;
const KILL_AFTER = [0, 1, 3, 5, 8, 11, 14, 17, 20, 23];
const IN_FLIGHT = 4;

async function deploy(base: string, file: string, name: string): Promise<void> {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  // `cpu_ms_per_call`: the node's largest default bound, so that a machine loaded by parallel
  // tests (where the wall-time backstop is ten times the limit) does not fail the counter; this test
  // is about what a crash keeps, the limit has its own tests.
  form.append(
    "config",
    JSON.stringify({ name, hibernate_after_seconds: 0, limits: { cpu_ms_per_call: 5_000 } }),
  );
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.text());
}

function send(base: string, receiver: string, id: string): Promise<number> {
  return fetch(`${base}/api/v1/messages?delivery=at-least-once`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": id },
    body: JSON.stringify({ performative: "request", sender: "client", receiver, content: "inc" }),
  }).then(async (r) => {
    await r.body?.cancel();
    return r.status;
  });
}

/** Sends a round, killing the node right after `killAfter` acknowledgements; returns the unanswered ids. */
async function roundWithKill(
  node: NodeProcess,
  ids: string[],
  killAfter: number,
): Promise<string[]> {
  let acked = 0;
  let killed: Promise<unknown> | undefined;
  const kill = () => (killed ??= node.stop("SIGKILL", { keepData: true }));
  if (killAfter === 0) kill();
  const unanswered: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      if (killed) {
        unanswered.push(id);
        continue;
      }
      const status = await send(node.url, "c", id).catch(() => 0);
      if (status === 202) {
        if (++acked === killAfter) kill();
      } else {
        unanswered.push(id);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await kill();
  return unanswered;
}

async function crashRounds(file: string): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-crash-" });
  let node = await spawnNode(["--name", "crash"], {}, { dataDir });
  try {
    await deploy(node.url, file, "c");
    let total = 0;
    for (const [round, killAfter] of KILL_AFTER.entries()) {
      const ids = Array.from({ length: ROUND }, (_, i) => `r${round}-m${i}`);
      const unanswered = await roundWithKill(node, ids, killAfter);
      node = await spawnNode(["--name", "crash"], {}, { dataDir });
      for (const id of unanswered) assert.equal(await send(node.url, "c", id), 202, id);
      total += ROUND;
      await waitOutboxEmpty(node.url, `round ${round}`);
      assert.equal(
        await counterCount(node.url, "c", "query-ref"),
        total,
        `round ${round} (kill after ${killAfter}): storage`,
      );
      assert.equal(
        await counterCount(node.url, "c", "query-if"),
        total,
        `round ${round} (kill after ${killAfter}): memory`,
      );
    }
  } finally {
    await node.stop("SIGKILL");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

Deno.test("SIGKILL at ten points: the tiny counter's memory and storage both count every message once", async () => {
  await crashRounds("tiny-counter.wasm");
});

Deno.test("SIGKILL at ten points: the ComponentizeJS counter's memory and storage both count every message once", async () => {
  await crashRounds("counter.wasm");
});
