// Fault injection with real processes: the source or the target of a migration exits
// (FIPA_EDGE_FAULT=migrate:<role>:<phase>, as if SIGKILLed) at each phase of the move while
// messages keep coming. After the victim restarts from its data directory the agent runs
// on exactly one node, its count continued, and every message a node acknowledged was
// handled. Ends with a drain of the source node.
import assert from "node:assert/strict";
import { boundP2pPort, waitFor } from "../support/cluster-procs.ts";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

const PLAT = "fplat";
const DIST = new URL("../../agents/dist/", import.meta.url);

interface Node {
  name: string;
  port: number;
  dataDir: string;
  join: string[];
  proc: NodeProcess;
}

async function spawn(n: Omit<Node, "proc">, fault?: string): Promise<Node> {
  const args = [
    "--name",
    n.name,
    "--platform",
    PLAT,
    "--p2p-port",
    String(n.port),
    "--rate-limit",
    "off",
  ];
  for (const j of n.join) args.push("--join", j);
  const proc = await spawnNode(args, fault ? { FIPA_EDGE_FAULT: fault } : {}, {
    dataDir: n.dataDir,
  });
  // Port 0 binds a free one; a restart keeps it (its address is in the directory).
  return { ...n, port: n.port || await boundP2pPort(proc.url), proc };
}

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function deploy(url: string, name: string) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL("tiny-counter.wasm", DIST))]));
  form.append("config", JSON.stringify({ name }));
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, JSON.stringify(await json(res)));
}

/** Sends a request and waits for the counter's reply: its count. */
async function ask(url: string, agent: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/messages/send-and-wait?timeout_ms=5000`, {
    signal: AbortSignal.timeout(10_000),
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative: "request", receiver: `${agent}@${PLAT}`, content: "t" }),
  });
  const body = await json(res);
  if (res.status !== 200) throw new Error(`ask ${agent}: ${res.status} ${JSON.stringify(body)}`);
  const c = body.reply.content;
  return (typeof c === "string" ? JSON.parse(c) : c).count;
}

/** Sends requests to `url` until stopped; counts what was attempted and acknowledged. */
function stream(url: string, agent: string) {
  const s = { attempted: 0, acked: 0, stop: false, done: Promise.resolve() };
  s.done = (async () => {
    while (!s.stop) {
      s.attempted++;
      try {
        const res = await fetch(`${url}/api/v1/messages`, {
          signal: AbortSignal.timeout(10_000),
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            performative: "request",
            receiver: `${agent}@${PLAT}`,
            content: "s",
          }),
        });
        await res.body?.cancel();
        if (res.status === 200) s.acked++;
      } catch { /* the node went away under us: not acknowledged */ }
      await new Promise((r) => setTimeout(r, 3));
    }
  })();
  return s;
}

/** Where the agent runs: the nodes whose API lists it as running. */
async function runningOn(nodes: Node[], agent: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of nodes) {
    const res = await fetch(`${n.proc.url}/api/v1/agents/${agent}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = await json(res);
    if (res.status === 200 && body.status === "running") out.push(n.name);
  }
  return out;
}

async function exited(n: Node, ms = 20_000): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const status = await Promise.race([
    n.proc.child.status,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${n.name} did not exit`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
  await n.proc.stop("SIGKILL", { keepData: true });
  return status.code;
}

Deno.test("SIGKILL-like exits of source or target at every migration phase lose neither agent nor acknowledged messages", async () => {
  const mk = async (name: string) => ({
    name,
    port: 0,
    dataDir: await Deno.makeTempDir({ prefix: `fe-mf-${name}-` }),
    join: [] as string[],
  });
  const phases = [
    { role: "source", phase: "before-transfer" },
    { role: "source", phase: "after-transfer" },
    { role: "source", phase: "after-commit" },
    { role: "target", phase: "receive" },
    { role: "target", phase: "after-transfer" },
    { role: "target", phase: "after-commit" },
  ] as const;
  const fault = (i: number) => phases[i] && `migrate:${phases[i].role}:${phases[i].phase}`;
  let x = await spawn(await mk("fx"), fault(0));
  const seed = await waitFor("founder", async () => {
    const v = await json(await fetch(`${x.proc.url}/api/v1/cluster`));
    return v.leader ? v.self.addresses[0] as string : undefined;
  });
  let y = await spawn({ ...(await mk("fy")), join: [seed] });
  const nodes = () => [x, y];
  try {
    await waitFor("two voters", async () => {
      const v = await json(await fetch(`${x.proc.url}/api/v1/cluster`));
      return v.voters?.length === 2 && v.members.length === 2 ? true : undefined;
    }, 30_000);

    for (let i = 0; i < phases.length; i++) {
      const { role, phase } = phases[i];
      const agent = `c${i}`;
      const victim = role === "source" ? x : y;
      const survivor = role === "source" ? y : x;
      await deploy(x.proc.url, agent);
      for (let k = 1; k <= 3; k++) assert.equal(await ask(x.proc.url, agent), k);

      const s = stream(survivor.proc.url, agent);
      await new Promise((r) => setTimeout(r, 50));
      const move = fetch(`${x.proc.url}/api/v1/agents/${agent}/migrate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ target_node: "fy" }),
        signal: AbortSignal.timeout(60_000),
      }).then((r) => r.text()).catch(() => "(connection lost)");
      assert.equal(await exited(victim), 86, `${role} exits at ${phase}`);
      await new Promise((r) => setTimeout(r, 100));
      // Restart the victim from its data directory (armed for the next phase if it is the
      // victim there too).
      const nextFault = phases[i + 1]?.role === role ? fault(i + 1) : undefined;
      const again = await spawn(victim, nextFault);
      if (role === "source") x = again;
      else y = again;
      // (A source whose commit became uncertain when the target died retries until the
      // target is back: its request ends only now.)
      await move;
      await waitFor(`${agent} running on one node`, async () => {
        const on = await runningOn(nodes(), agent);
        return on.length === 1 ? on : undefined;
      }, 30_000).catch(async (e) => {
        const log = Deno.env.get("MIGRATION_FAULTS_LOG");
        if (log) {
          await Deno.writeTextFile(log, `x:\n${x.proc.logs()}\ny:\n${y.proc.logs()}`);
        }
        throw new Error(`${e.message}; running on ${await runningOn(nodes(), agent)}`);
      });
      await new Promise((r) => setTimeout(r, 100));
      s.stop = true;
      await s.done;
      // Every acknowledged message was handled (once: no more than were attempted).
      let asks = 0;
      let count = 0;
      await waitFor(`${agent} handled every acknowledged message`, async () => {
        count = await ask(survivor.proc.url, agent);
        asks++;
        return count - asks >= 3 + s.acked ? true : undefined;
      }, 20_000).catch(async (e) => {
        const log = Deno.env.get("MIGRATION_FAULTS_LOG");
        if (log) {
          await Deno.writeTextFile(log, `x:\n${x.proc.logs()}\ny:\n${y.proc.logs()}`);
        }
        throw new Error(
          `${e.message}: count ${count}, asks ${asks}, acked ${s.acked}, attempted ${s.attempted}`,
        );
      });
      assert.ok(
        count - asks <= 3 + s.attempted,
        `no duplicates: ${count} - ${asks} > 3 + ${s.attempted}`,
      );
      assert.deepEqual((await runningOn(nodes(), agent)).length, 1);
      console.log(
        `${role}:${phase}: ${agent} on ${(await runningOn(nodes(), agent))[0]}, ` +
          `${s.acked}/${s.attempted} acknowledged, count ${count}`,
      );
      if (phases[i + 1] && phases[i + 1].role !== role) {
        // The next victim is the other node: restart it armed.
        await y.proc.stop("SIGTERM", { keepData: true });
        y = await spawn(y, fault(i + 1));
        await waitFor("cluster whole again", async () => {
          const v = await json(await fetch(`${y.proc.url}/api/v1/cluster`));
          return v.leader ? true : undefined;
        });
      }
    }

    // Drain the source: everything on it moves to the other node, counts intact.
    const before: Record<string, number> = {};
    const onX = (await json(await fetch(`${x.proc.url}/api/v1/agents`))).agents.map((
      a: { name: string },
    ) => a.name);
    for (const a of onX) before[a] = await ask(x.proc.url, a);
    const drain = await json(await fetch(`${x.proc.url}/api/v1/cluster/drain`, { method: "POST" }));
    assert.equal(drain.failed.length, 0, JSON.stringify(drain.failed));
    assert.deepEqual(drain.migrated.map((m: { agent: string }) => m.agent).sort(), [...onX].sort());
    assert.equal((await json(await fetch(`${x.proc.url}/api/v1/agents`))).total, 0);
    for (const a of onX) assert.equal(await ask(x.proc.url, a), before[a] + 1);
  } finally {
    await Promise.all(
      nodes().map(async (n) => {
        await n.proc.stop("SIGTERM");
        await Deno.remove(n.dataDir, { recursive: true }).catch(() => {});
      }),
    );
  }
});
