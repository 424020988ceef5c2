// When a tracker next has a deadline due: the earliest reply_by of the threads under way.
import assert from "node:assert/strict";
import { createTracker, type TrackerState, trackMessage } from "../../../protocols/mod.ts";
import { nextDue } from "../../../runtime/conversations/deadlines.ts";

const I = "_t@p";
const LATE = "2030-01-01T00:01:00.000Z";
const EARLY = "2030-01-01T00:00:30.000Z";

function step(t: TrackerState, direction: "sent" | "received", m: Record<string, unknown>) {
  const r = trackMessage(
    t,
    direction,
    {
      conversation_id: "c1",
      protocol: "fipa-contract-net",
      ...m,
    } as Parameters<typeof trackMessage>[2],
  );
  if (!r.ok) throw new Error(r.violation.reason);
  return r.state;
}

Deno.test("nextDue: the earliest reply_by of the threads, however their deadlines repeat", () => {
  let t = createTracker(I);
  // Threads waiting on LATE, EARLY, LATE, LATE: the repeated text must not hide the early one.
  for (const [to, reply_by] of [["a@p", LATE], ["b@p", EARLY], ["c@p", LATE], ["d@p", LATE]]) {
    t = step(t, "sent", { performative: "cfp", from: I, to: [to], reply_by });
  }
  assert.equal(nextDue(t, { idle: false }), Date.parse(EARLY));
  t = step(t, "received", { performative: "propose", from: "b@p", to: [I] });
  assert.equal(nextDue(t, { idle: false }), Date.parse(LATE), "b answered: LATE is next");
  for (const from of ["a@p", "c@p", "d@p"]) {
    t = step(t, "received", { performative: "refuse", from, to: [I] });
  }
  assert.equal(nextDue(t, { idle: false }), undefined, "nobody is awaited any more");
});
