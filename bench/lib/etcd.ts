/**
 * A three-member etcd cluster on loopback (Debian's `etcd-server`, installed with apt-get
 * when missing), each member a process with its own ports and temporary data directory.
 * @module
 */
import { freePort } from "./ports.ts";

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const o = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
      env: { DEBIAN_FRONTEND: "noninteractive" },
    }).output();
    const dec = new TextDecoder();
    return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
  } catch (e) {
    return { code: 127, out: (e as Error).message };
  }
}

/** The etcd version on PATH, installing Debian's `etcd-server` as root when it is missing. */
export async function ensureEtcd(): Promise<string> {
  const version = async () =>
    (await run("etcd", ["--version"])).out.match(/etcd Version: (\S+)/)?.[1];
  const have = await version();
  if (have) return have;
  console.error("bench: installing etcd-server (apt-get)...");
  let last = "";
  // Another apt-get may hold the dpkg lock for a while: retry for up to two minutes.
  for (let i = 0; i < 24; i++) {
    if (i === 0) await run("apt-get", ["update", "-qq"]);
    const r = await run("apt-get", ["install", "-y", "-qq", "etcd-server"]);
    last = r.out;
    const v = await version();
    if (v) return v;
    if (!/lock/i.test(r.out)) break;
    await new Promise((res) => setTimeout(res, 5000));
  }
  throw new Error(`etcd is not available and could not be installed: ${last.slice(-500)}`);
}

/** Raft timing of an etcd cluster, in ms (etcd's defaults: 100 and 1000). */
export interface EtcdTiming {
  heartbeatMs: number;
  electionMs: number;
}

/** One member process. */
export interface EtcdMember {
  name: string;
  clientUrl: string;
  child: Deno.ChildProcess;
  alive: boolean;
}

/** A running etcd cluster. */
export interface EtcdCluster {
  members: EtcdMember[];
  /** Index of the member that is leader now (asked over the JSON gateway). */
  leader(): Promise<number>;
  /** Sends `signal` to member `i` and waits for it to exit. */
  kill(i: number, signal?: Deno.Signal): Promise<void>;
  /** Stops every member and removes the data directories. */
  stop(): Promise<void>;
}

async function status(url: string): Promise<{ member: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${url}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      signal: AbortSignal.timeout(1000),
    });
    const j = await res.json();
    return j?.leader ? { member: String(j.header.member_id), leader: String(j.leader) } : undefined;
  } catch (e) {
    if (Deno.env.get("DEBUG_ETCD")) console.error(url, e);
    return undefined;
  }
}

/** Starts three members and waits until they have a leader. */
export async function startEtcdCluster(
  timing: EtcdTiming = { heartbeatMs: 100, electionMs: 1000 },
): Promise<EtcdCluster> {
  const root = await Deno.makeTempDir({ prefix: "fipa-edge-bench-etcd-" });
  const spec = ["e1", "e2", "e3"].map((name) => ({
    name,
    client: `http://127.0.0.1:${freePort()}`,
    peer: `http://127.0.0.1:${freePort()}`,
  }));
  const initial = spec.map((s) => `${s.name}=${s.peer}`).join(",");
  const token = `bench-${crypto.randomUUID().slice(0, 8)}`;
  const members: EtcdMember[] = spec.map((s) => {
    const child = new Deno.Command("etcd", {
      args: [
        "--name",
        s.name,
        "--data-dir",
        `${root}/${s.name}`,
        "--listen-client-urls",
        s.client,
        "--advertise-client-urls",
        s.client,
        "--listen-peer-urls",
        s.peer,
        "--initial-advertise-peer-urls",
        s.peer,
        "--initial-cluster",
        initial,
        "--initial-cluster-state",
        "new",
        "--initial-cluster-token",
        token,
        "--heartbeat-interval",
        String(timing.heartbeatMs),
        "--election-timeout",
        String(timing.electionMs),
        "--log-level",
        "error",
      ],
      stdout: "null",
      stderr: Deno.env.get("DEBUG_ETCD") ? "inherit" : "null",
      stdin: "null",
    }).spawn();
    return { name: s.name, clientUrl: s.client, child, alive: true };
  });
  const cluster: EtcdCluster = {
    members,
    async leader() {
      for (let i = 0; i < 100; i++) {
        for (const m of members) {
          if (!m.alive) continue;
          const s = await status(m.clientUrl);
          if (!s) continue;
          const ids = await Promise.all(
            members.map((x) => x.alive ? status(x.clientUrl) : undefined),
          );
          const at = ids.findIndex((x) => x?.member === s.leader);
          if (at >= 0) return at;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("etcd: no leader within 10 s");
    },
    async kill(i, signal = "SIGKILL") {
      const m = members[i];
      if (!m.alive) return;
      m.alive = false;
      try {
        m.child.kill(signal);
      } catch { /* gone */ }
      await m.child.status;
    },
    async stop() {
      for (let i = 0; i < members.length; i++) await cluster.kill(i, "SIGTERM");
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  try {
    await cluster.leader();
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
