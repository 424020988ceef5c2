/**
 * `--mtp-delivery`: what `POST /acc` (FIPA HTTP MTP) answers 200 after. With `at-least-once`
 * a message another platform handed us survives a SIGKILL of the node right after the 200:
 * after a restart on the same data directory the agent has it exactly once. With the default
 * (`at-most-once`) the 200 comes once the message is in the mailbox and nothing is stored.
 * A sender's retry of a message (same envelope `X-message-id`) is taken once.
 */
import assert from "node:assert/strict";
import { aid } from "../../runtime/acl/mod.ts";
import { buildHttpMtpRequest } from "../../runtime/mtp/mod.ts";
import { callJson, counterCount, waitOutboxEmpty } from "../support/http.ts";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);
/** A sender on another platform; its ACC does not answer (replies to it just fail). */
const REMOTE = aid("alice@remote", ["http://127.0.0.1:9/acc"]);

async function deployCounter(base: string): Promise<void> {
  const form = new FormData();
  const file = "tiny-counter.wasm";
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append(
    "config",
    JSON.stringify({ name: "c", hibernate_after_seconds: 0, limits: { cpu_ms_per_call: 5_000 } }),
  );
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.text());
}

/**
 * POSTs one `request` for the counter `c@plat` to the node's `/acc`, with the sender's
 * `messageId` in the envelope when given; returns the status.
 */
async function postAcc(base: string, n: number, messageId?: string): Promise<number> {
  const req = buildHttpMtpRequest(
    {
      performative: "request",
      sender: REMOTE,
      receivers: [aid("c@plat")],
      content: "inc",
      conversation_id: `acc-${n}`,
    },
    aid("c@plat", [`${base}/acc`]),
    { date: new Date(), boundary: `b-${n}`, ...(messageId ? { messageId } : {}) },
  );
  const res = await fetch(`${base}/acc`, { method: "POST", headers: req.headers, body: req.body });
  await res.body?.cancel();
  return res.status;
}

function start(dataDir: string, extra: string[]): Promise<NodeProcess> {
  return spawnNode(["--name", "n1", "--platform", "plat", ...extra], {}, { dataDir });
}

Deno.test("--mtp-delivery at-least-once: a message /acc answered 200 for survives a SIGKILL right after", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-mtp-durable-" });
  const flags = ["--mtp-delivery", "at-least-once"];
  let node = await start(dataDir, flags);
  try {
    await deployCounter(node.url);
    for (let round = 1; round <= 3; round++) {
      assert.equal(await postAcc(node.url, round), 200);
      await node.stop("SIGKILL", { keepData: true });
      node = await start(dataDir, flags);
      await waitOutboxEmpty(node.url, `round ${round}`);
      assert.equal(
        await counterCount(node.url, "c", "query-ref"),
        round,
        `round ${round}: storage`,
      );
      assert.equal(await counterCount(node.url, "c", "query-if"), round, `round ${round}: memory`);
    }
  } finally {
    await node.stop("SIGKILL");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("--mtp-delivery default (at-most-once): /acc answers once the message is in the mailbox, nothing is stored", async () => {
  const node = await spawnNode(["--name", "n1", "--platform", "plat"]);
  try {
    await deployCounter(node.url);
    assert.equal(await postAcc(node.url, 1), 200);
    const { status, body } = await callJson(node.url, "GET", "/api/v1/dead-letters");
    assert.equal(status, 200);
    assert.deepEqual({ pending: body.pending, total: body.total }, { pending: 0, total: 0 });
    // The mailbox is first in, first out: the question comes after the request.
    assert.equal(await counterCount(node.url, "c", "query-if"), 1);
  } finally {
    await node.stop("SIGKILL");
  }
});

Deno.test("--mtp-delivery at-least-once: a sender's retries of one message (same X-message-id) are taken once, even after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "fipa-edge-mtp-dedup-" });
  const flags = ["--mtp-delivery", "at-least-once"];
  let node = await start(dataDir, flags);
  try {
    await deployCounter(node.url);
    // Retried at once (the first may still be queued), then after it was handled.
    assert.equal(await postAcc(node.url, 1, "m-1"), 200);
    assert.equal(await postAcc(node.url, 2, "m-1"), 200);
    await waitOutboxEmpty(node.url, "first");
    assert.equal(await postAcc(node.url, 3, "m-1"), 200);
    await waitOutboxEmpty(node.url, "retry");
    assert.equal(await counterCount(node.url, "c", "query-ref"), 1, "after retries: storage");
    // A retry after a restart (the answer to the last one was lost) is still a duplicate.
    await node.stop("SIGKILL", { keepData: true });
    node = await start(dataDir, flags);
    assert.equal(await postAcc(node.url, 4, "m-1"), 200);
    await waitOutboxEmpty(node.url, "after restart");
    assert.equal(await counterCount(node.url, "c", "query-ref"), 1, "after restart: storage");
    assert.equal(await counterCount(node.url, "c", "query-if"), 1, "after restart: memory");
    // Another id, and messages with no id, are new messages.
    assert.equal(await postAcc(node.url, 5, "m-2"), 200);
    assert.equal(await postAcc(node.url, 6), 200);
    assert.equal(await postAcc(node.url, 7), 200);
    await waitOutboxEmpty(node.url, "new ones");
    assert.equal(await counterCount(node.url, "c", "query-ref"), 4, "new ones: storage");
  } finally {
    await node.stop("SIGKILL");
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
