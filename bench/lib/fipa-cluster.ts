/**
 * A three-node fipa-edge cluster of `main.ts` processes on loopback (free ports, temporary
 * data directories, rate limits off), joined through the first node.
 * @module
 */
import { type NodeProcess, spawnNodeProcess, stopNodeProcess } from "./node-process.ts";

/** One node process. */
export type FipaNode = NodeProcess;

/** A running cluster. */
export interface FipaCluster {
  nodes: FipaNode[];
  platform: string;
  /** Index of the node that all live nodes see as leader now. */
  leader(): Promise<number>;
  /** Sends `signal` to node `i` and waits for it to exit. */
  kill(i: number, signal?: Deno.Signal): Promise<void>;
  /** Stops every node and removes the data directories. */
  stop(): Promise<void>;
}

interface ClusterView {
  self: { id: string; addresses: string[] };
  leader: string | null;
  voters: string[];
}

async function view(url: string): Promise<ClusterView | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/cluster`, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.json() : (await res.body?.cancel(), undefined);
  } catch {
    return undefined;
  }
}

async function poll<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fipa-edge cluster: timed out waiting for ${what}`);
}

/**
 * Starts `opts.size` nodes (default three: `n1` founds, the others join, five at a time)
 * and waits until all are members, `min(size, 5)` of them voters (the default `--voters`).
 * `denoFlags` go to every node's `deno run` (e.g. `--cpu-prof` to profile), `args` to every
 * node's `main.ts`.
 */
export async function startFipaCluster(
  platform = "plat",
  opts: { denoFlags?: string[]; size?: number; args?: string[] } = {},
): Promise<FipaCluster> {
  const size = opts.size ?? 3;
  const root = await Deno.makeTempDir({ prefix: "fipa-edge-bench-cluster-" });
  const nodes: FipaNode[] = [];
  const cluster: FipaCluster = {
    nodes,
    platform,
    async leader() {
      return await poll("an agreed leader", async () => {
        const live = nodes.filter((n) => n.alive);
        const views = await Promise.all(live.map((n) => view(n.url)));
        const leaders = new Set(views.map((v) => v?.leader ?? null));
        const [l] = [...leaders];
        if (leaders.size !== 1 || !l) return undefined;
        const i = nodes.findIndex((n) => n.name === l && n.alive);
        return i >= 0 ? i : undefined;
      });
    },
    async kill(i, signal = "SIGKILL") {
      const n = nodes[i];
      if (!n.alive) return;
      n.alive = false;
      try {
        n.child.kill(signal);
      } catch { /* gone */ }
      await n.child.status;
    },
    async stop() {
      await Promise.all(nodes.map((n) => stopNodeProcess(n)));
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  try {
    nodes.push(
      await spawnNodeProcess({
        name: "n1",
        platform,
        dataDir: `${root}/n1`,
        denoFlags: opts.denoFlags,
        args: opts.args,
      }),
    );
    const seed = await poll("the founder's address", async () => {
      const v = await view(nodes[0].url);
      return v?.leader ? v.self.addresses[0] : undefined;
    });
    const names = Array.from({ length: size - 1 }, (_, i) => `n${i + 2}`);
    for (let b = 0; b < names.length; b += 5) {
      nodes.push(
        ...await Promise.all(
          names.slice(b, b + 5).map((n) =>
            spawnNodeProcess({
              name: n,
              platform,
              dataDir: `${root}/${n}`,
              join: seed,
              denoFlags: opts.denoFlags,
              args: opts.args,
            })
          ),
        ),
      );
    }
    await poll(`${size} members, ${Math.min(size, 5)} voting`, async () => {
      const v = await view(nodes[0].url);
      const learners = (v as { learners?: string[] } | undefined)?.learners ?? [];
      return v && v.voters.length === Math.min(size, 5) &&
          v.voters.length + learners.length === size
        ? true
        : undefined;
    }, 60_000 + size * 10_000);
    await cluster.leader();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
