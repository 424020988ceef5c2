import assert from "node:assert/strict";
import { checkLinearizable } from "../sim/linearizability.ts";
import { History, type Op } from "../sim/history.ts";
import {
  type ClusterNode,
  clusterView,
  spawnCluster,
  spawnMember,
  waitFor,
} from "../support/cluster-procs.ts";

/**
 * DF writes through followers while the leader is SIGKILLed (and restarted) in a loop:
 * each DF entry is a register (its one service's `type`), written by two clients with
 * `PUT /api/v1/services/{agent}` (FIPA modify) and read by a third with a consistent
 * search. The history of every key must be linearizable (the simulator's checker). Before
 * request ids, a forwarded modify whose answer was lost was re-proposed and could commit
 * twice — a v1 coming back after v2 — and a register answered 409 for its own write.
 */

const PLATFORM = "lplat";
const KEYS = ["k0", "k1", "k2", "k3"].map((k) => `${k}@${PLATFORM}`);
const KILLS = 3;
/** The clients' request rate is far beyond the per-client limits: turned off here. */
const ENV = { FIPA_EDGE_RATE_LIMIT: "off" };

function body(name: string, value: string): string {
  return JSON.stringify({ name, services: [{ name: `svc-${name}`, type: value }] });
}

Deno.test("DF register/modify through followers under a leader-kill loop is linearizable", async () => {
  const nodes: (ClusterNode & { dead?: boolean })[] = await spawnCluster(
    ["l1", "l2", "l3"],
    PLATFORM,
    ENV,
  );
  const history = new History();
  const badAnswers: string[] = [];
  let leader = (await clusterView(nodes[0].proc.url)).leader!;
  let turn = 0;
  /** A live node other than the leader (writes are forwarded), round robin. */
  const follower = () => {
    const live = nodes.filter((n) => !n.dead && n.name !== leader);
    return live[turn++ % live.length] ?? nodes.find((n) => !n.dead)!;
  };
  const call = async (method: string, path: string, payload?: string) => {
    const n = follower();
    const res = await fetch(`${n.proc.url}${path}`, {
      method,
      headers: payload ? { "content-type": "application/json" } : {},
      body: payload,
      signal: AbortSignal.timeout(15_000),
    });
    const json = await res.json().catch(() => null);
    return { status: res.status, json };
  };
  /** Records one write: 2xx ok; 503 (no leader: nothing committed) failed; else unknown. */
  const record = async (op: Op, method: string, path: string, payload: string) => {
    try {
      const r = await call(method, path, payload);
      if (r.status === 200 || r.status === 201) history.ok(op);
      else if (r.status === 503) history.fail(op);
      else if (r.status === 504 && r.json?.error?.code === "OUTCOME_UNKNOWN") history.unknown(op);
      else {
        badAnswers.push(`${method} ${path} ${payload}: ${r.status} ${JSON.stringify(r.json)}`);
        history.unknown(op);
      }
    } catch {
      history.unknown(op); // the node we talked to was killed under us
    }
  };

  try {
    // Each key is registered once, before the faults.
    for (const k of KEYS) {
      const op = history.invoke(0, "put", k, "v0");
      const r = await call("POST", "/api/v1/services", body(k, "v0"));
      assert.equal(r.status, 201, JSON.stringify(r.json));
      history.ok(op);
    }
    let stop = false;
    let seq = 0;
    const writer = async (client: number, key: string) => {
      while (!stop) {
        const value = `c${client}-${++seq}`;
        const op = history.invoke(client, "put", key, value);
        await record(op, "PUT", `/api/v1/services/${encodeURIComponent(key)}`, body(key, value));
      }
    };
    const reader = async (client: number, key: string) => {
      while (!stop) {
        const op = history.invoke(client, "get", key);
        try {
          const r = await call(
            "GET",
            `/api/v1/services?agent=${encodeURIComponent(key)}&consistent=true`,
          );
          if (r.status === 200) {
            const d = r.json.services[0];
            history.ok(op, d ? d.services[0].type : null);
          } else history.unknown(op);
        } catch {
          history.unknown(op);
        }
      }
    };
    const clients: Promise<void>[] = [];
    KEYS.forEach((k, i) => {
      clients.push(writer(10 * i + 1, k), writer(10 * i + 2, k), reader(10 * i + 3, k));
    });

    for (let kill = 0; kill < KILLS; kill++) {
      const before = history.ops.filter((o) => o.status === "ok").length;
      await waitFor(
        "writes between kills",
        () => history.ops.filter((o) => o.status === "ok").length >= before + 20 ? true : undefined,
      );
      const victim = nodes.find((n) => n.name === leader)!;
      await victim.proc.stop("SIGKILL", { keepData: true });
      victim.dead = true;
      const others = nodes.filter((n) => !n.dead);
      leader = await waitFor("a new leader", async () => {
        const v = await clusterView(others[0].proc.url);
        return v.leader && v.leader !== victim.name ? v.leader : undefined;
      });
      const back = await spawnMember(
        victim.name,
        PLATFORM,
        victim.p2pPort,
        [],
        victim.proc.dataDir,
        ENV,
      );
      nodes[nodes.indexOf(victim)] = back;
      await waitFor(`${victim.name} back in the cluster`, async () => {
        const v = await clusterView(back.proc.url);
        return v.leader ? true : undefined;
      });
    }
    stop = true;
    await Promise.all(clients);

    assert.deepEqual(badAnswers, [], "no 404/409/500 made up by a retry");
    const ops = history.ops;
    const count = (s: string) => ops.filter((o) => o.status === s).length;
    console.log(
      `history: ${ops.length} ops, ${count("ok")} ok, ${count("fail")} failed, ` +
        `${count("unknown")} unknown, ${KILLS} leader kills`,
    );
    const verdict = checkLinearizable(ops);
    assert.ok(
      verdict.ok,
      `key ${verdict.key} is not linearizable: ${JSON.stringify(verdict.ops, null, 1)}`,
    );
  } finally {
    await Promise.all(nodes.filter((n) => !n.dead).map((n) => n.proc.stop("SIGTERM")));
  }
});
