// A deploy over HTTP stores its audit intent in the same Deno KV commit as the agent's record
// (both durable or neither), so its `201` need not wait for a commit of the audit record of
// its own; the record follows, with the outcome, and settles the intent. Real node, real KV.
import assert from "node:assert/strict";
import { AuditLog, type AuditRecord } from "../../../runtime/audit/mod.ts";
import { ConfigSchema } from "../../../runtime/config/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { startNode } from "../../../runtime/node/mod.ts";

const TINY = new URL("../../../agents/dist/tiny.wasm", import.meta.url);

/** Records the keys each Deno KV atomic commit of this process writes, while `fn` runs. */
async function commitsDuring(fn: () => Promise<void>): Promise<string[][]> {
  const proto = Deno.AtomicOperation.prototype;
  const { set, delete: del, commit } = proto;
  const keys = new WeakMap<Deno.AtomicOperation, string[]>();
  const note = (a: Deno.AtomicOperation, key: Deno.KvKey) => {
    const list = keys.get(a) ?? [];
    list.push(JSON.stringify(key));
    keys.set(a, list);
  };
  const commits: string[][] = [];
  proto.set = function (key, value, opts) {
    note(this, key);
    return set.call(this, key, value, opts);
  };
  proto.delete = function (key) {
    note(this, key);
    return del.call(this, key);
  };
  proto.commit = function () {
    commits.push(keys.get(this) ?? []);
    return commit.call(this);
  };
  try {
    await fn();
  } finally {
    Object.assign(proto, { set, delete: del, commit });
  }
  return commits;
}

async function deploy(url: string, name: string, start: string): Promise<Response> {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(TINY)]), `${name}.wasm`);
  form.append("config", JSON.stringify({ name, start }));
  return await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
}

for (const start of ["on-deploy", "on-message"]) {
  Deno.test(`a deploy (${start}) stores its audit intent in its record's commit; the record settles it`, async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "fe-deploy-audit-" });
    const node = await startNode(
      ConfigSchema.parse({
        name: "deploy-audit",
        port: 0,
        p2pPort: 0,
        dataDir,
        sampleAgents: "off",
        logLevel: "error",
      }),
      silentLogger,
    );
    try {
      const name = `audited-${start}`;
      let res: Response | undefined;
      const commits = await commitsDuring(async () => {
        res = await deploy(node.url, name, start);
        await res.text();
      });
      assert.equal(res?.status, 201);
      const record = JSON.stringify(["agents", name]);
      const withRecord = commits.filter((c) => c.includes(record));
      assert.equal(withRecord.length, 1, "one commit writes the record");
      const intents = withRecord[0].filter((k) =>
        k.startsWith(JSON.stringify(["audit", "pending"]).slice(0, -1))
      );
      assert.equal(intents.length, 1, "the record's commit holds the deploy's audit intent");
      // The record (outcome ok) follows and deletes the intent.
      // The node's audit log waits for the records under way before it lists.
      const page = await (await fetch(`${node.url}/api/v1/audit?limit=100`)).json() as {
        records: AuditRecord[];
      };
      const rec = page.records.find((r) => r.action === "agent.deploy" && r.target === name);
      assert.equal(rec?.outcome, "ok");
      assert.equal(typeof rec?.details?.request_id, "string");
      assert.equal(JSON.stringify(["audit", "pending", rec?.details?.request_id]), intents[0]);
      const audit = new AuditLog(node.kv, { retentionDays: 0 });
      assert.deepEqual(await audit.intents(), []);
    } finally {
      await node.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  });
}
