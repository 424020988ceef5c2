/**
 * `deno task cluster`: a local development cluster. Starts N nodes (default 3) of one
 * platform on consecutive ports (HTTP 8080.., libp2p 9001..) with data under
 * `.data/cluster/`, joins them through the first, prints their URLs, and stops them all on
 * Ctrl-C. See `deno task cluster --help`.
 * @module
 */
import {
  CLUSTER_HELP,
  ClusterUsageError,
  parseClusterArgs,
  planCluster,
  type PlannedNode,
} from "./cluster-plan.ts";
import { type ClusterStatus, FipaEdgeClient } from "../client/mod.ts";
import { pollUntil } from "../runtime/async/mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--allow-run",
];

interface Running {
  plan: PlannedNode;
  child: Deno.ChildProcess;
  url: string;
  exited: Promise<Deno.CommandStatus>;
  done: Promise<void>;
}

const enc = new TextEncoder();
const say = (line: string) => void Deno.stdout.writeSync(enc.encode(`${line}\n`));
const warn = (line: string) => void Deno.stderr.writeSync(enc.encode(`${line}\n`));

/** Starts one node; resolves once it prints where it listens. */
async function spawn(plan: PlannedNode, join: string[], verbose: boolean): Promise<Running> {
  await Deno.mkdir(plan.dataDir, { recursive: true });
  const log = await Deno.open(plan.logFile, { create: true, append: true });
  const args = [...plan.args];
  for (const j of join) args.push("--join", j);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, `${ROOT}main.ts`, ...args],
    cwd: Deno.cwd(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const exited = child.status;
  const prefix = enc.encode(`[${plan.name}] `);
  const logs = (async () => {
    for await (const chunk of child.stderr) {
      await log.write(chunk);
      if (verbose) {
        for (const line of new TextDecoder().decode(chunk).split("\n")) {
          if (line) Deno.stderr.writeSync(new Uint8Array([...prefix, ...enc.encode(`${line}\n`)]));
        }
      }
    }
    log.close();
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
    url = out.match(/listening on (https?:\/\/\S+)/)?.[1];
  }
  const rest = (async () => {
    while (!(await reader.read()).done) { /* the node prints nothing else of use */ }
  })();
  if (!url) {
    const status = await exited;
    await Promise.all([logs, rest]);
    throw new Error(
      `${plan.name} exited (code ${status.code}) before listening; see ${plan.logFile}`,
    );
  }
  return { plan, child, url, exited, done: Promise.all([logs, rest]).then(() => {}) };
}

/** What `url` says of the cluster (through the client library). */
function clusterView(url: string, token?: string): Promise<ClusterStatus> {
  return new FipaEdgeClient({ url, token }).cluster();
}

function waitFor<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, f, { timeoutMs: ms, intervalMs: 200 });
}

async function stopAll(nodes: Running[]): Promise<void> {
  for (const n of nodes) {
    try {
      n.child.kill("SIGTERM");
    } catch { /* already gone */ }
  }
  const killer = setTimeout(() => {
    for (const n of nodes) {
      try {
        n.child.kill("SIGKILL");
      } catch { /* gone */ }
    }
  }, 10_000);
  await Promise.all(nodes.map((n) => n.exited));
  clearTimeout(killer);
  await Promise.all(nodes.map((n) => n.done));
}

async function main(): Promise<number> {
  let o;
  try {
    o = parseClusterArgs(Deno.args);
  } catch (e) {
    if (!(e instanceof ClusterUsageError)) throw e;
    warn(`error: ${e.message} (see deno task cluster --help)`);
    return 2;
  }
  if (o.help) {
    say(CLUSTER_HELP);
    return 0;
  }
  const plans = planCluster(o);
  if (o.clean) await Deno.remove(o.dataDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(o.dataDir, { recursive: true });

  const nodes: Running[] = [];
  const stop = Promise.withResolvers<string>();
  const onSignal = (sig: Deno.Signal) => () => stop.resolve(sig);
  const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => {
    const l = onSignal(s);
    Deno.addSignalListener(s, l);
    return [s, l] as const;
  });
  try {
    say(`starting ${o.nodes} node(s) of platform '${o.platform}', data in ${o.dataDir}/`);
    const first = await spawn(plans[0], [], o.verbose);
    nodes.push(first);
    const seed = await waitFor(`${first.plan.name} to lead`, 30_000, async () => {
      const v = await clusterView(first.url, o.adminToken);
      return v.leader ? v.self.addresses[0] : undefined;
    });
    const rest = await Promise.allSettled(
      plans.slice(1).map((p) => spawn(p, [seed], o.verbose)),
    );
    for (const r of rest) {
      if (r.status === "fulfilled") nodes.push(r.value);
      else throw r.reason;
    }
    // Up to 5 nodes all vote; beyond that (the default --voters) the others are learners.
    const view = await waitFor("every node to join (voter or learner)", 60_000, async () => {
      const v = await clusterView(first.url, o.adminToken);
      const voters = (v.voters as string[]).length;
      const learners = (v.learners as string[]).length;
      return voters + learners >= o.nodes && voters >= Math.min(o.nodes, 5) ? v : undefined;
    });
    const members = new Map(view.members.map((m) => [m.id, m.addresses[0]]));
    say("");
    for (const n of nodes) {
      say(`  ${n.plan.name}  ${n.url}  dashboard ${n.url}/dashboard  log ${n.plan.logFile}`);
      say(`         p2p ${members.get(n.plan.name) ?? "?"}`);
    }
    say("");
    say(`leader: ${view.leader}; voters: ${(view.voters as string[]).join(", ")}`);
    const learners = view.learners as string[];
    if (learners.length > 0) say(`learners: ${learners.join(", ")}`);
    say(`try:    deno task cli --url ${nodes[0].url} cluster`);
    say("Ctrl-C stops every node.");
    for (const n of nodes) {
      n.exited.then((s) => {
        if (!stopping) warn(`${n.plan.name} exited (code ${s.code}); see ${n.plan.logFile}`);
      });
    }
    const sig = await stop.promise;
    stopping = true;
    say(`\n${sig}: stopping ${nodes.length} node(s)...`);
    await stopAll(nodes);
    say("stopped.");
    return 0;
  } catch (e) {
    stopping = true;
    warn(`error: ${(e as Error).message}`);
    await stopAll(nodes);
    return 1;
  } finally {
    for (const [s, l] of listeners) Deno.removeSignalListener(s, l);
  }
}

let stopping = false;

if (import.meta.main) Deno.exit(await main());
