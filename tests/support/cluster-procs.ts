import { pollUntil } from "../../runtime/async/mod.ts";
import { type NodeProcess, spawnNode } from "./node-process.ts";

/**
 * The libp2p TCP port a node bound (from its first multiaddr in `GET /api/v1/cluster`): start
 * nodes with `--p2p-port 0` and read the port back, so that parallel tests never race for a
 * port picked in advance; a restart from the node's data reuses it.
 */
export async function boundP2pPort(url: string): Promise<number> {
  return await waitFor("libp2p address", async () => {
    const v = await clusterView(url);
    const m = v.self?.addresses?.[0]?.match(/\/tcp\/(\d+)\//);
    return m ? Number(m[1]) : undefined;
  });
}

/** What `GET /api/v1/cluster` answers. */
export interface ClusterView {
  self: { id: string; addresses: string[]; role: string };
  leader: string | null;
  term: number;
  commit_index: number;
  voters: string[];
  members: { id: string; addresses: string[] }[];
}

/** Reads a node's cluster view. */
export async function clusterView(url: string): Promise<ClusterView> {
  const res = await fetch(`${url}/api/v1/cluster`);
  return await res.json();
}

/** Polls `check` every 100 ms until it returns a value, or throws after `ms`. */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  return pollUntil(what, check, { timeoutMs: ms });
}

/** One node of a test cluster, restartable from its data directory. */
export interface ClusterNode {
  name: string;
  p2pPort: number;
  proc: NodeProcess;
}

/**
 * Spawns a node of a cluster named `platform` on p2p port `p2pPort` (0: one the node binds,
 * read back into the result's `p2pPort`; a restart passes that port to keep its address)
 * (`env`: its variables; `startTimeoutMs`: how long it may take to listen, default 30 s).
 */
export async function spawnMember(
  name: string,
  platform: string,
  p2pPort: number,
  join: string[],
  dataDir?: string,
  env: Record<string, string> = {},
  startTimeoutMs?: number,
): Promise<ClusterNode> {
  const args = ["--name", name, "--platform", platform, "--p2p-port", String(p2pPort)];
  for (const j of join) args.push("--join", j);
  const proc = await spawnNode(args, env, { dataDir, startTimeoutMs });
  return { name, p2pPort: p2pPort || await boundP2pPort(proc.url), proc };
}

/** Starts `names.length` nodes: the first founds the cluster, the others join it. */
export async function spawnCluster(
  names: string[],
  platform = "plat",
  env: Record<string, string> = {},
): Promise<ClusterNode[]> {
  const first = await spawnMember(names[0], platform, 0, [], undefined, env);
  const seed = await waitFor("founder's address", async () => {
    const v = await clusterView(first.proc.url);
    return v.leader ? v.self.addresses[0] : undefined;
  });
  const rest = await Promise.all(
    names.slice(1).map((n) => spawnMember(n, platform, 0, [seed], undefined, env)),
  );
  const nodes = [first, ...rest];
  await waitFor("all voters", async () => {
    const v = await clusterView(first.proc.url);
    return v.voters.length === names.length ? true : undefined;
  }, 30_000);
  return nodes;
}
