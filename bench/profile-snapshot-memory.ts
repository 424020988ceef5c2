/**
 * Memory a node keeps for its Raft snapshot: a one-node {@link RaftDriver} on a temporary
 * {@link KvStorage} with the directory as state machine registers `n` agents (snapshot every
 * `threshold` entries), then reports the process's external memory and RSS after a GC.
 * `--keep` hides the storage's `readSnapshot`, so the node keeps the snapshot's bytes in
 * memory as it did before they were read back from storage: run both for an A/B.
 *
 * `deno run -A --v8-flags=--expose-gc bench/profile-snapshot-memory.ts [n] [threshold] [--keep]`
 * @module
 */
import { DirectoryMachine } from "../runtime/cluster/mod.ts";
import { KvStorage, RaftDriver, type RaftStorage } from "../runtime/raft/mod.ts";

const [n = 100_000, threshold = 10_000] = Deno.args.filter((a) => !a.startsWith("--")).map(
  Number,
);
const keep = Deno.args.includes("--keep");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mib = (b: number) => +(b / 1048576).toFixed(1);
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

const dir = await Deno.makeTempDir({ prefix: "snapshot-memory-" });
const kv = await KvStorage.open(`${dir}/raft.kv`);
const storage: RaftStorage = keep
  ? { load: () => kv.load(), save: (u) => kv.save(u), compact: (s) => kv.compact(s) }
  : kv;
const sm = new DirectoryMachine();
const d = await RaftDriver.open({
  id: "solo",
  storage,
  transport: { send: () => {} },
  stateMachine: sm,
  initialVoters: ["solo"],
  tickMs: 0,
  snapshotThreshold: threshold,
});
d.start();
try {
  for (let i = 0; i < n; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 500); j++) {
      batch.push(d.propose(JSON.stringify({
        request_id: `bench/${j}`,
        command: {
          type: "agent.register",
          name: `a${j}@node-a`,
          node: "node-a",
          state: "hibernated",
          manifest: { capabilities: ["messaging"] },
          component_hash: "sha256:" + "ab".repeat(32),
          at: new Date(Date.UTC(2026, 0, 1) + j).toISOString(),
        },
      })));
    }
    for (const r of await Promise.all(batch)) {
      if (!r.ok) throw new Error(`a registration was refused: ${JSON.stringify(r)}`);
    }
  }
  await d.whenIdle();
  gc();
  gc();
  const mem = Deno.memoryUsage();
  console.log(JSON.stringify({
    n,
    threshold,
    keep,
    snapshotIndex: d.status().snapshotIndex,
    externalMiB: mib(mem.external),
    heapUsedMiB: mib(mem.heapUsed),
    rssMiB: mib(mem.rss),
    load: load(),
  }));
} finally {
  await d.stop();
  kv.close();
  await Deno.remove(dir, { recursive: true });
}
