// In-process nodes for the dashboard tests: a small cluster on free ports and temp dirs.
import { pollUntil } from "../../runtime/async/mod.ts";
import { ConfigSchema } from "../../runtime/config/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { type RunningNode, startNode } from "../../runtime/node/mod.ts";

/** A node and its data directory. */
export interface TestNode {
  node: RunningNode;
  dataDir: string;
}

/** Starts `names.length` nodes of one platform; the first founds, the others join it. */
export async function startCluster(
  names: string[],
  extra: Record<string, unknown> = {},
): Promise<TestNode[]> {
  const out: TestNode[] = [];
  try {
    for (const name of names) {
      const dataDir = await Deno.makeTempDir({ prefix: `fipa-edge-dash-${name}-` });
      const join = out.length ? [out[0].node.cluster.opts.net.addresses()[0]] : [];
      const config = ConfigSchema.parse({
        name,
        platform: "dash",
        port: 0,
        p2pPort: 0,
        dataDir,
        join,
        rateLimit: "off",
        ...extra,
      });
      out.push({ node: await startNode(config, silentLogger), dataDir });
    }
    const first = out[0].node;
    await pollUntil(
      "every node to become a voter",
      () => first.cluster.status().members.voters.length >= names.length || undefined,
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    return out;
  } catch (e) {
    await stopCluster(out);
    throw e;
  }
}

/** Stops the nodes and removes their data directories. */
export async function stopCluster(nodes: TestNode[]): Promise<void> {
  for (const n of [...nodes].reverse()) {
    await n.node.stop().catch(() => {});
    await Deno.remove(n.dataDir, { recursive: true }).catch(() => {});
  }
}
