/**
 * The Raft snapshot of a large directory: registers `n` hibernated agents (each with one
 * recorded version, as a deploy writes them) in a {@link DirectoryMachine}, then times
 * `snapshot()` (the first one, and one after `changes` more agents changed state, as the
 * driver takes them every threshold entries) and `restore()`, and prints the bytes, the CPU
 * per call and the process RSS. Run it with `--cpu-prof` for the profile:
 *
 * `deno run -A --v8-flags=--expose-gc bench/profile-directory-snapshot.ts [n] [changes]`
 * @module
 */
import { DirectoryMachine } from "../runtime/cluster/mod.ts";
import type { NormalEntry } from "../runtime/raft/mod.ts";

const [n = 100_000, changes = 10_000] = Deno.args.filter((a) => !a.startsWith("--")).map(Number);
const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const encoder = new TextEncoder();
const mib = (b: number) => +(b / 1048576).toFixed(1);
let index = 0;

/** One committed entry holding `command` with a fresh request id. */
function entry(command: unknown): NormalEntry {
  index++;
  const data = encoder.encode(JSON.stringify({ request_id: `bench/${index}`, command }));
  return { type: "normal", index, term: 1, data };
}

/** CPU milliseconds of this process so far (user + system, from /proc). */
function cpuMs(): number {
  const f = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

function timed<T>(f: () => T): { value: T; wallMs: number; cpuMs: number } {
  const c = cpuMs();
  const t = performance.now();
  const value = f();
  return { value, wallMs: Math.round(performance.now() - t), cpuMs: cpuMs() - c };
}

const m = new DirectoryMachine();
for (let i = 0; i < n; i++) {
  const r = m.apply(entry({
    type: "agent.register",
    name: `a${i}@node-a`,
    node: "node-a",
    state: "hibernated",
    manifest: { capabilities: ["messaging"], limits: { memory_bytes: 1 << 20, fuel: 1e9 } },
    component_hash: "sha256:" + "ab".repeat(32),
    at: new Date(Date.UTC(2026, 0, 1) + i).toISOString(),
    first_version: {
      config: {
        manifest: { capabilities: ["messaging"] },
        limits: { memory: 1 << 20, send_rate: 1e6 },
        restart: { type: "backoff" },
        hibernate_after_seconds: 0,
      },
      deployment_id: `deploy_${i}`,
    },
  }));
  if (!r.ok) throw new Error(`register ${i} refused: ${JSON.stringify(r)}`);
}
gc();
const rss0 = Deno.memoryUsage().rss;
const first = timed(() => m.snapshot());
for (let i = 0; i < changes; i++) {
  const r = m.apply(entry({
    type: "agent.set-state",
    name: `a${(i * 7919) % n}@node-a`,
    state: i % 2 ? "hibernated" : "running",
    at: new Date(Date.UTC(2026, 1, 1) + i).toISOString(),
  }));
  if (!r.ok) throw new Error(`set-state ${i} refused: ${JSON.stringify(r)}`);
}
const second = timed(() => m.snapshot());
gc();
const rss1 = Deno.memoryUsage().rss;
const back = new DirectoryMachine();
const restored = timed(() => back.restore(second.value));
if (back.state.agents.size !== n) throw new Error(`restored ${back.state.agents.size} agents`);
console.log(JSON.stringify({
  n,
  changes,
  snapshotMiB: mib(second.value.length),
  firstSnapshot: { wallMs: first.wallMs, cpuMs: first.cpuMs },
  nextSnapshot: { wallMs: second.wallMs, cpuMs: second.cpuMs },
  restore: { wallMs: restored.wallMs, cpuMs: restored.cpuMs },
  rssMiB: { beforeSnapshots: mib(rss0), afterSnapshots: mib(rss1) },
  load: load(),
}));
