import assert from "node:assert/strict";
import { EventBus, type NodeEvent } from "../../../runtime/events/mod.ts";

Deno.test("the bus stamps an event only when a subscriber's filter takes it", () => {
  let reads = 0;
  const bus = new EventBus("n1", () => {
    reads++;
    return new Date("2030-01-01T00:00:00Z");
  });
  const got: NodeEvent[] = [];
  const off = bus.subscribe({ events: ["task.*"] }, (e) => got.push(e));
  bus.subscribe({ events: ["task.completed"] }, (e) => got.push(e));
  bus.publish({ type: "conversation.started", conversation_id: "c1" });
  assert.equal(reads, 0, "no subscriber takes it: the clock is not read");
  assert.equal(got.length, 0);
  bus.publish({ type: "task.completed", task_id: "t1" });
  assert.equal(reads, 1, "stamped once for all the subscribers that take it");
  assert.equal(got.length, 2);
  assert.equal(got[0], got[1]);
  assert.equal(got[0].timestamp, "2030-01-01T00:00:00.000Z");
  assert.equal(got[0].node, "n1");
  bus.publish({ type: "task.created", task_id: "t2", timestamp: "x", node: "n2" });
  assert.deepEqual([got[2].timestamp, got[2].node], ["x", "n2"]);
  off();
});
