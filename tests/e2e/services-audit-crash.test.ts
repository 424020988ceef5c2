// A service registration's audit record may be stored just after its response (its intent
// shares the Raft entry's commit): registrations in flight answered, the node killed at once
// (SIGKILL) and restarted on its data, the trail holds one record per answered request with
// the answer's outcome (recovered from the intent when the kill came first) and verifies.
// Guards the rewrite (the old code stored each record before the response).
import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { callJson as call } from "../support/http.ts";

const WRITES = 60;
const IN_FLIGHT = 8;

Deno.test("every answered service registration has its audit record after a SIGKILL", async () => {
  const first = await spawnNode(["--rate-limit", "off"]);
  let second: Awaited<ReturnType<typeof spawnNode>> | undefined;
  try {
    const answered = new Map<string, number>();
    let next = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < WRITES) {
        const i = next++;
        // Every fifth write registers a name again: the directory refuses it (409).
        const name = i % 5 === 4 ? `s${i - 1}` : `s${i}`;
        const r = await call(first.url, "POST", "/api/v1/services", {
          name: { name },
          services: [{ name: `svc-${i}`, type: "t" }],
        });
        answered.set(`${i}`, r.status);
      }
    }));
    await first.stop("SIGKILL", { keepData: true });
    const statuses = [...answered.values()];
    assert.equal(statuses.filter((s) => s === 201).length, 48);
    assert.equal(statuses.filter((s) => s === 409).length, 12);

    second = await spawnNode(["--rate-limit", "off"], {}, { dataDir: first.dataDir });
    const base = second.url;
    type Rec = { target: string; outcome: string; details?: Record<string, unknown> };
    let records: Rec[] = [];
    // The recovery runs once the restarted node caught up (a linearizable read).
    for (let t = 0; t < 100; t++) {
      const audit = await call(base, "GET", "/api/v1/audit?action=service.register&limit=500");
      assert.equal(audit.status, 200, JSON.stringify(audit.body));
      records = audit.body.records;
      if (records.length >= WRITES) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(records.length, WRITES, "one record per answered registration");
    assert.equal(records.filter((r) => r.outcome === "ok").length, 48);
    assert.equal(records.filter((r) => r.outcome === "failed").length, 12);
    assert.equal(new Set(records.map((r) => r.details?.request_id)).size, WRITES);
    const verified = await call(base, "GET", "/api/v1/audit/verify");
    assert.equal(verified.body.ok, true, JSON.stringify(verified.body));
  } finally {
    await second?.stop();
    await first.stop().catch(() => {});
  }
});
