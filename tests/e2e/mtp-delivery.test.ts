/**
 * `--mtp-delivery`: what `POST /acc` (FIPA HTTP MTP) answers 200 after. With `at-least-once`
 * a message another platform handed us survives a SIGKILL of the node right after the 200:
 * after a restart on the same data directory the agent has it exactly once. With the default
 * (`at-most-once`) the 200 comes once the message is in the mailbox and nothing is stored.
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

/** POSTs one `request` for the counter `c@plat` to the node's `/acc`; returns the status. */
async function postAcc(base: string, n: number): Promise<number> {
  const req = buildHttpMtpRequest(
    {
      performative: "request",
      sender: REMOTE,
      receivers: [aid("c@plat")],
      content: "inc",
      conversation_id: `acc-${n}`,
    },
    aid("c@plat", [`${base}/acc`]),
    { date: new Date(), boundary: `b-${n}` },
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
