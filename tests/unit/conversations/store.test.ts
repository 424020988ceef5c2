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
