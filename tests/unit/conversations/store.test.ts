import assert from "node:assert/strict";
import { DEFAULT_TRACKER_LIMITS, trackMessage } from "../../../protocols/mod.ts";
import { TrackerStore } from "../../../runtime/conversations/mod.ts";

function open(store: TrackerStore, cid: string, finish: boolean): void {
  let st = store.get("a@p", cid) ?? store.fresh("a@p");
  const seen = { from: "c@p", to: ["a@p"], conversation_id: cid, protocol: "fipa-request" };
  const r = trackMessage(st, "received", { ...seen, performative: "request" });
  assert.ok(r.ok);
  st = r.state;
  if (finish) {
    const done = trackMessage(st, "sent", {
      ...seen,
      from: "a@p",
      to: ["c@p"],
      performative: "inform",
    });
    assert.ok(done.ok);
    st = done.state;
  }
  store.put("a@p", cid, st);
}

Deno.test("the store keeps per-agent bounds over conversations and merges them for snapshots", () => {
  const store = new TrackerStore({ ...DEFAULT_TRACKER_LIMITS, maxActive: 3, maxFinished: 2 });
  for (let i = 0; i < 5; i++) open(store, `f${i}`, true);
  for (let i = 0; i < 5; i++) open(store, `o${i}`, false);
  assert.deepEqual(store.counts(), { active: 3, finished: 2 });
  assert.equal(store.get("a@p", "f0"), undefined);
  assert.ok(store.get("a@p", "f4"));
  assert.equal(store.get("a@p", "o1"), undefined);
  const merged = store.merged("a@p")!;
  assert.deepEqual(Object.keys(merged.active).sort(), [
    "participant|o2",
    "participant|o3",
    "participant|o4",
  ]);
  assert.deepEqual(merged.finished.map((c) => c.conversation_id), ["f3", "f4"]);
  const copy = new TrackerStore(store.limits);
  copy.replace("a@p", JSON.parse(JSON.stringify(merged)));
  assert.deepEqual(copy.counts(), store.counts());
  assert.deepEqual(copy.merged("a@p")!.finished, merged.finished);
  assert.deepEqual(copy.dropAgent("a@p").sort(), ["f3", "f4", "o2", "o3", "o4"]);
  assert.equal(copy.size, 0);
});

Deno.test("the store lists an agent's brokering shards under way (the only ones new conversations may join)", () => {
  const store = new TrackerStore(DEFAULT_TRACKER_LIMITS);
  const step = (cid: string, performative: "proxy" | "agree") => {
    const seen = { conversation_id: cid, protocol: "fipa-brokering", performative } as const;
    const r = trackMessage(
      store.get("a@p", cid) ?? store.fresh("a@p"),
      performative === "proxy" ? "received" : "sent",
      performative === "proxy"
        ? { ...seen, from: "c@p", to: ["a@p"] }
        : { ...seen, from: "a@p", to: ["c@p"] },
    );
    assert.ok(r.ok);
    store.put("a@p", cid, r.state);
  };
  step("b1", "proxy");
  for (let i = 0; i < 5; i++) open(store, `f${i}`, i % 2 === 0);
  step("b2", "proxy");
  step("b1", "agree"); // used again: now the most recent
  const ids = () => [...store.proxyShards("a@p")].map(([cid]) => cid);
  assert.deepEqual(ids(), ["b2", "b1"]);
  assert.equal([...store.proxyShards("a@p")][0][1], store.get("a@p", "b2"));
  store.drop("a@p", "b2");
  assert.deepEqual(ids(), ["b1"]);
  store.put("a@p", "b1", store.fresh("a@p"));
  assert.deepEqual(ids(), []);
  assert.deepEqual([...store.proxyShards("nobody@p")], []);
});
