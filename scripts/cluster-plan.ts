import { parseArgs } from "node:util";

/** Options of `deno task cluster`. */
export interface ClusterOptions {
  nodes: number;
  host: string;
  basePort: number;
  p2pBasePort: number;
  platform: string;
  dataDir: string;
  /** Remove the data directories first (a new cluster). */
  clean: boolean;
  /** Copy the nodes' logs to the terminal too. */
  verbose: boolean;
  adminToken?: string;
  clusterToken?: string;
  /** Extra flags for every node (after `--`). */
  nodeArgs: string[];
  help: boolean;
}

/** One node of the plan: its name, ports, data directory and `main.ts` flags. */
export interface PlannedNode {
  name: string;
  port: number;
  p2pPort: number;
  dataDir: string;
  logFile: string;
  /** Flags for `main.ts`; the others add `--join <first node's multiaddr>`. */
  args: string[];
  url: string;
}

/** Help of `deno task cluster`. */
export const CLUSTER_HELP =
  `Starts a local development cluster: N nodes on one machine, joined into one cluster.

Usage: deno task cluster [flags] [-- flags for every node]

  --nodes <n>          how many nodes (default 3)
  --host <addr>        HTTP and libp2p listen address (default 127.0.0.1)
  --base-port <p>      HTTP port of node1; node2 gets p+1, ... (default 8080)
  --p2p-base-port <p>  libp2p port of node1 (default 9001)
  --platform <name>    the FIPA platform name of all nodes (default dev)
  --data-dir <dir>     where node1/, node2/ ... and their logs go (default .data/cluster)
  --clean              remove the data first: a new cluster (default: resume the old one)
  --admin-token <t>    an API token for every node (default: the API is open)
  --cluster-token <t>  the shared secret nodes present to join
  --verbose            show the nodes' JSON logs here too (always in <data-dir>/nodeN.log)
  -h, --help           this help

Ctrl-C stops every node.`;

/** A bad flag or value of `deno task cluster`. */
export class ClusterUsageError extends Error {}

function port(flag: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    throw new ClusterUsageError(`--${flag} must be a port from 1 to 65535, not '${raw}'`);
  }
  return n;
}

/**
 * Reads the flags of `deno task cluster`. Pure.
 * @throws {ClusterUsageError} naming the bad flag and value
 */
export function parseClusterArgs(argv: readonly string[]): ClusterOptions {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? [...argv] : argv.slice(0, dash);
  const nodeArgs = dash < 0 ? [] : argv.slice(dash + 1);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        nodes: { type: "string" },
        host: { type: "string" },
        "base-port": { type: "string" },
        "p2p-base-port": { type: "string" },
        platform: { type: "string" },
        "data-dir": { type: "string" },
        clean: { type: "boolean" },
        verbose: { type: "boolean" },
        "admin-token": { type: "string" },
        "cluster-token": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    throw new ClusterUsageError((e as Error).message);
  }
  const rawNodes = values.nodes as string | undefined;
  const nodes = rawNodes === undefined ? 3 : Number(rawNodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 32) {
    throw new ClusterUsageError(`--nodes must be a whole number from 1 to 32, not '${rawNodes}'`);
  }
  const platform = (values.platform as string | undefined) ?? "dev";
  if (!/^[^\s()@]{1,128}$/.test(platform)) {
    throw new ClusterUsageError(`--platform '${platform}' may not contain spaces, '()' or '@'`);
  }
  const o: ClusterOptions = {
    nodes,
    host: (values.host as string | undefined) ?? "127.0.0.1",
    basePort: port("base-port", values["base-port"] as string | undefined, 8080),
    p2pBasePort: port("p2p-base-port", values["p2p-base-port"] as string | undefined, 9001),
    platform,
    dataDir: ((values["data-dir"] as string | undefined) ?? ".data/cluster").replace(/\/+$/, ""),
    clean: values.clean === true,
    verbose: values.verbose === true,
    nodeArgs,
    help: values.help === true,
  };
  if (values["admin-token"]) o.adminToken = values["admin-token"] as string;
  if (values["cluster-token"]) o.clusterToken = values["cluster-token"] as string;
  const lastHttp = o.basePort + nodes - 1;
  const lastP2p = o.p2pBasePort + nodes - 1;
  if (lastHttp > 65535 || lastP2p > 65535) {
    throw new ClusterUsageError("the ports of the last node would be above 65535");
  }
  if (o.basePort <= lastP2p && o.p2pBasePort <= lastHttp) {
    throw new ClusterUsageError(
      `HTTP ports ${o.basePort}-${lastHttp} overlap libp2p ports ${o.p2pBasePort}-${lastP2p}`,
    );
  }
  return o;
}

/**
 * The nodes to start: `node1..nodeN` on consecutive ports, each with its own data directory
 * under `dataDir`, all of one platform. Pure.
 *
 * @example
 * ```ts
 * planCluster(parseClusterArgs([]))[1].url; // "http://127.0.0.1:8081"
 * ```
 */
export function planCluster(o: ClusterOptions): PlannedNode[] {
  const urlHost = o.host === "0.0.0.0"
    ? "127.0.0.1"
    : o.host.includes(":")
    ? `[${o.host}]`
    : o.host;
  return Array.from({ length: o.nodes }, (_, i) => {
    const name = `node${i + 1}`;
    const port = o.basePort + i;
    const p2pPort = o.p2pBasePort + i;
    const dataDir = `${o.dataDir}/${name}`;
    const args = [
      "--name",
      name,
      "--platform",
      o.platform,
      "--host",
      o.host,
      "--port",
      String(port),
      "--p2p-port",
      String(p2pPort),
      "--data-dir",
      dataDir,
    ];
    if (o.adminToken) args.push("--admin-token", o.adminToken);
    if (o.clusterToken) args.push("--cluster-token", o.clusterToken);
    args.push(...o.nodeArgs);
    return {
      name,
      port,
      p2pPort,
      dataDir,
      logFile: `${o.dataDir}/${name}.log`,
      args,
      url: `http://${urlHost}:${port}`,
    };
  });
}
