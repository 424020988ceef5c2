// A directory write answered before its audit record was stored (the node killed between the
// two) gets its record, with the outcome of the write, from its intent at the next start:
// real Deno KV file, real Raft driver and KV storage, the directory as state machine.
import assert from "node:assert/strict";
import { KvWriter } from "../../../runtime/agents/kv-writer.ts";
import { AuditLog, deployIntentId } from "../../../runtime/audit/mod.ts";
import { DirectoryMachine } from "../../../runtime/cluster/directory-machine.ts";
import type { ApplyResult } from "../../../runtime/directory/mod.ts";
import { startAuditRecovery } from "../../../runtime/node/audit-recovery.ts";
import { KvStorage, RaftDriver } from "../../../runtime/raft/mod.ts";

const AT = "2026-12-07T00:00:00.000Z";
const register = (requestId: string, name: string) =>
  JSON.stringify({
    request_id: requestId,
    command: { type: "df.register", description: { name: { name }, services: [] }, at: AT },
  });
const intent = (requestId: string, target: string) => ({
  at: AT,
  actor: "tester",
  action: "service.register",
  target,
  details: { request_id: requestId },
});

/** One node of a one-voter cluster on `path`: its KV, driver, directory and audit log. */
async function open(path: string, snapshotThreshold: number) {
  const kv = await Deno.openKv(path);
  const machine = new DirectoryMachine();
  const driver = await RaftDriver.open<ApplyResult>({
    id: "solo",
    storage: new KvStorage(kv, { prefix: ["raft"] }),
    transport: { send: () => {} },
    stateMachine: machine,
    initialVoters: ["solo"],
    tickMs: 0,
    snapshotThreshold,
  });
  const audit = new AuditLog(kv, { retentionDays: 0 });
  return { kv, machine, driver, audit };
}

for (const snapshotThreshold of [10_000, 1]) {
  Deno.test(`audit recovery: intents left by a crash become records with their write's outcome (snapshot every ${snapshotThreshold})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "audit-recovery-" });
    const path = `${dir}/node.kv`;
    try {
      // First run: the writes as the HTTP route makes them; the node dies before storing
      // the records (no stop: the stored commit index may lag).
      {
        const { kv, driver, audit } = await open(path, snapshotThreshold);
        driver.start();
        const w = KvWriter.of(kv);
        const write = async (id: string, name: string) => {
          const before = w.commits;
          const r = await w.together(() => {
            void audit.intend(id, intent(id, name));
            return driver.propose(register(id, name));
          });
          return { r, commits: w.commits - before };
        };
        assert.ok((await driver.propose(register("n1/c/0", "warm-up@p"))).ok);
        await driver.whenIdle();
        const ok = await write("n1/c/1", "a@p");
        assert.ok(ok.r.ok);
        assert.equal(ok.commits, 1, "the intent shares the commit of the entry's save");
        const refused = await write("n1/c/2", "a@p");
        assert.equal(refused.r.ok, false);
        // Stored intent, no proposal (killed before it was made).
        await audit.intend("n1/c/3", intent("n1/c/3", "b@p"));
        // A write whose record was stored: nothing to recover.
        const done = await write("n1/c/4", "c@p");
        await audit.append({ ...intent("n1/c/4", "c@p"), outcome: "ok" }, { settles: "n1/c/4" });
        assert.ok(done.r.ok);
        await driver.whenIdle();
        assert.equal((await audit.intents()).length, 3);
        kv.close();
      }
      // Second run: the recovery listens before the driver starts applying.
      {
        const { kv, machine, driver, audit } = await open(path, snapshotThreshold);
        try {
          const recovery = await startAuditRecovery({
            audit,
            onApplied: (fn) => machine.onApplied(fn),
            remembered: (id) => machine.state.requests.get(id),
            caughtUp: async () => {
              for (let i = 0; i < 100 && driver.status().role !== "leader"; i++) {
                driver.tick();
                await driver.whenIdle();
              }
              await driver.linearizableRead();
            },
          });
          driver.start();
          assert.equal(await recovery.done, 3);
          const records = (await audit.list({ limit: 100 })).records;
          const byId = (id: string) => records.filter((r) => r.details?.request_id === id);
          assert.deepEqual(byId("n1/c/1").map((r) => [r.outcome, r.target, r.actor]), [
            ["ok", "a@p", "tester"],
          ]);
          assert.deepEqual(byId("n1/c/2").map((r) => [r.outcome, r.details?.code]), [
            ["failed", "already-registered"],
          ]);
          assert.deepEqual(byId("n1/c/3").map((r) => r.outcome), ["unknown"]);
          assert.equal(byId("n1/c/4").length, 1, "a stored record is not recovered again");
          assert.equal(byId("n1/c/1")[0].details?.recovered, true);
          assert.deepEqual(await audit.intents(), []);
          assert.ok((await audit.verify()).ok);
        } finally {
          await driver.stop();
          kv.close();
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("audit recovery: a deploy's intent gets its outcome from whether its agent's record is stored, without the directory", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const audit = new AuditLog(kv, { retentionDays: 0 });
    const deployIntent = (agentId: string, name: string) => ({
      at: AT,
      actor: "tester",
      action: "agent.deploy",
      target: name,
      details: { agent: name, request_id: deployIntentId(agentId) },
    });
    // Kept: the record was stored (with the intent) and is there. Gone: the deploy failed and
    // deleted its record before the crash.
    await audit.intend(deployIntentId("agent_kept"), deployIntent("agent_kept", "kept"));
    await audit.intend(deployIntentId("agent_gone"), deployIntent("agent_gone", "gone"));
    const recovery = await startAuditRecovery({
      audit,
      onApplied: () => () => {},
      remembered: () => undefined,
      caughtUp: () => Promise.reject(new Error("no leader")), // never needed
      deployed: (name, agentId) => Promise.resolve(name === "kept" && agentId === "agent_kept"),
      retryMs: 1_000_000,
    });
    const page = await audit.list({ limit: 10 });
    const byTarget = new Map(page.records.map((r) => [r.target, r]));
    assert.equal(byTarget.get("kept")?.outcome, "ok");
    assert.equal(byTarget.get("gone")?.outcome, "failed");
    assert.equal(byTarget.get("kept")?.details?.recovered, true);
    assert.deepEqual(await audit.intents(), []);
    assert.equal(await recovery.done, 2);
  } finally {
    kv.close();
  }
});
