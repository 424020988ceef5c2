// Issue 14 in small: many agents of one component on one node, most of them hibernated;
// `GET /api/v1/agents` pages through all of them by cursor, and every agent answers.
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";

const TINY = new URL("../../agents/dist/tiny.wasm", import.meta.url);
const N = 40;
const AWAKE = 5;

async function inParallel(n: number, lanes: number, job: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

async function page(base: string, query: string) {
  const res = await fetch(`${base}/api/v1/agents?${query}`);
  return { status: res.status, body: await res.json() };
}

Deno.test("many agents, few awake: cursor paging lists each once, every agent answers", async () => {
  const node = await spawnNode(["--name", "many", "--rate-limit", "off"]);
  try {
    const bytes = await Deno.readFile(TINY);
    const names = Array.from({ length: N }, (_, i) => `a${String(i).padStart(3, "0")}`);
    await inParallel(N, 4, async (i) => {
      const form = new FormData();
      form.append("wasm", new Blob([bytes]), "tiny.wasm");
      form.append("config", JSON.stringify({ name: names[i], hibernate_after_seconds: 0 }));
      const res = await fetch(`${node.url}/api/v1/agents`, { method: "POST", body: form });
      assert.equal(res.status, 201, await res.text());
    });
    await inParallel(N - AWAKE, 4, async (i) => {
      const res = await fetch(`${node.url}/api/v1/agents/${names[i]}/hibernate`, {
        method: "POST",
      });
      assert.equal(res.status, 200, await res.text());
    });

    // Pages of 7 by cursor: every agent once, in name order, and the last page has no cursor.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = `limit=7${cursor === undefined ? "" : `&cursor=${cursor}`}`;
      const r = await page(node.url, q);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total, N);
      seen.push(...r.body.agents.map((a: { name: string }) => a.name));
      cursor = r.body.next_cursor;
      if (cursor !== undefined) assert.equal(cursor, seen[seen.length - 1]);
      pages++;
    } while (cursor !== undefined && pages <= N);
    assert.deepEqual(seen, names);
    assert.equal(pages, Math.ceil(N / 7));

    // The status filter pages the same way; small lists keep their shape (no cursor).
    const sleeping = await page(node.url, "status=hibernated&limit=1000");
    assert.equal(sleeping.body.total, N - AWAKE);
    assert.equal(sleeping.body.next_cursor, undefined);
    assert.equal(sleeping.body.next_offset, undefined);
    const after = await page(node.url, `status=hibernated&limit=10&cursor=${names[N - AWAKE - 3]}`);
    assert.deepEqual(
      after.body.agents.map((a: { name: string }) => a.name),
      names.slice(N - AWAKE - 2, N - AWAKE),
    );

    // A cursor names a position, so one of an agent that is gone still continues the list.
    const gone = await page(node.url, "limit=2&cursor=a0105");
    assert.deepEqual(gone.body.agents.map((a: { name: string }) => a.name), ["a011", "a012"]);

    const bad = await page(node.url, "cursor=%40nope");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, "INVALID_REQUEST");
    assert.match(JSON.stringify(bad.body), /cursor/);

    // Every agent answers: the hibernated ones wake on the message.
    await inParallel(N, 4, async (i) => {
      const res = await fetch(`${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ performative: "request", receiver: names[i], content: `hi ${i}` }),
      });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.reply.content, `hi ${i}`);
      assert.equal(body.reply.sender, `${names[i]}@many`);
    });
    const running = await page(node.url, "status=running&limit=1000");
    assert.equal(running.body.total, N);
  } finally {
    await node.stop();
  }
});
