/**
 * Issue 12, outgoing HTTP and activation: an agent's outgoing request (a delivery to the
 * `tiny-fetch` agent, which GETs a local server through `fipa:agent/http`: the sandbox's
 * synchronous bridge to its helper Worker) against a bare Worker doing the same GET with
 * `fetch` on a message (the same main-thread round trip, no agent), p50 ratio (goal ≤ 1.5×);
 * and the activation of a tiny agent with this tree's sandbox against the base commit's
 * (`git merge-base HEAD main`, copied with `git archive`), both in child processes of this
 * run, interleaved (goal: within 10 %). `BENCH_QUICK=1`: fewer samples.
 * @module
 */
import { watAgentBytes } from "../agents/build/mod.ts";
import { aid } from "../runtime/acl/mod.ts";
import { ComponentStore, DEFAULT_AGENT_BOUNDS, Sandbox } from "../runtime/sandbox/mod.ts";
import { runJsonChild } from "./lib/child-json.ts";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";

const QUICK = !!Deno.env.get("BENCH_QUICK");

/** A Worker with net access to `host` that answers each URL it gets with the body's length. */
function bareFetchWorker(host: string) {
  const src = `self.onmessage = async (e) => {
    if (e.data === "") return self.postMessage(0);
    const r = await fetch(e.data);
    self.postMessage((await r.text()).length);
  };`;
  const w = new Worker(`data:application/javascript,${encodeURIComponent(src)}`, {
    type: "module",
    deno: { permissions: { net: [host] } },
  } as WorkerOptions);
  return {
    async get(url: string): Promise<number> {
      const t0 = performance.now();
      const { promise, resolve } = Promise.withResolvers<void>();
      w.onmessage = () => resolve();
      w.postMessage(url);
      await promise;
      return (performance.now() - t0) * 1000;
    },
    close: () => w.terminate(),
  };
}

async function httpFigures(n: number): Promise<Figure[]> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("x".repeat(256)),
  );
  const host = `127.0.0.1:${server.addr.port}`;
  const url = `http://${host}/data`;
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-out-" });
  const store = new ComponentStore({ dir });
  const sandbox = new Sandbox({
    store,
    nodeId: "bench",
    bounds: { ...DEFAULT_AGENT_BOUNDS, netAllow: ["127.0.0.1"] },
  });
  const bare = bareFetchWorker(host);
  try {
    const { hash } = await store.load(await watAgentBytes("tiny-fetch"));
    const echoHash = (await store.load(await watAgentBytes("tiny"))).hash;
    let replies = 0;
    const h = await sandbox.activate({
      agentId: "fetch@bench",
      hash,
      manifest: { net: [host] },
      limits: { http_rate: 1e5, http_in_flight: 1024 },
      host: {
        onSend: (m) => {
          if (m.performative !== "inform") throw new Error(`agent answered ${m.content}`);
          replies++;
        },
      },
    });
    // The same agent Worker (same grants) hosts an echo: a delivery without a request.
    const echo = await sandbox.activate({
      agentId: "echo@bench",
      hash: echoHash,
      manifest: { net: [host] },
      host: { onSend: () => {} },
    });
    const msg = {
      performative: "request" as const,
      sender: aid("bench@bench"),
      receivers: [aid("fetch@bench")],
      content: url,
    };
    const echoMsg = { ...msg, receivers: [aid("echo@bench")] };
    const agent: number[] = [];
    const baseline: number[] = [];
    const agentEcho: number[] = [];
    const bareEcho: number[] = [];
    const time = async (f: () => Promise<unknown>) => {
      const t0 = performance.now();
      await f();
      return (performance.now() - t0) * 1000;
    };
    for (let i = 0; i < 50; i++) {
      await h.deliver(msg);
      await bare.get(url);
      await echo.deliver(echoMsg);
    }
    // Interleaved, so that load on the shared machine hits all alike.
    for (let i = 0; i < n; i++) {
      agent.push(await time(() => h.deliver(msg)));
      baseline.push(await bare.get(url));
      agentEcho.push(await time(() => echo.deliver(echoMsg)));
      bareEcho.push(await bare.get(""));
    }
    if (replies !== n + 50) throw new Error(`${replies} replies for ${n + 50} requests`);
    const a = summarize(agent);
    const b = summarize(baseline);
    const ae = summarize(agentEcho);
    const be = summarize(bareEcho);
    return [
      {
        name: "agent's outgoing HTTP GET to a local server (delivery to tiny-fetch), p50",
        value: a.p50,
        unit: "µs",
        baseline: { name: "bare Worker: message, fetch, answer, p50", value: b.p50, unit: "µs" },
        ratio: a.p50 / b.p50,
        goal: "≤ 1.5×",
        note: `p99 ${Math.round(a.p99)} µs vs ${
          Math.round(b.p99)
        } µs; ${n} requests each, interleaved`,
      },
      {
        name: "the request alone: delivery to tiny-fetch − delivery to tiny echo, p50",
        value: a.p50 - ae.p50,
        unit: "µs",
        baseline: {
          name: "bare Worker: message + fetch − message alone, p50",
          value: b.p50 - be.p50,
          unit: "µs",
        },
        ratio: (a.p50 - ae.p50) / (b.p50 - be.p50),
        note: `delivery to tiny echo ${Math.round(ae.p50)} µs, bare Worker round trip ` +
          `${Math.round(be.p50)} µs (p50): what the bridge adds beyond any agent call`,
      },
    ];
  } finally {
    bare.close();
    await sandbox.close();
    store.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Copies the base commit's tree (read-only git commands) into a temporary directory. */
async function baseTree(): Promise<{ dir: string; commit: string }> {
  const git = async (...args: string[]) => {
    const r = await new Deno.Command("git", { args, stdout: "piped", stderr: "piped" }).output();
    if (!r.success) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
    return new TextDecoder().decode(r.stdout).trim();
  };
  const commit = await git("merge-base", "HEAD", "main");
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-base-" });
  const tar = `${dir}.tar`;
  await git("archive", "-o", tar, commit);
  const r = await new Deno.Command("tar", { args: ["-xf", tar, "-C", dir] }).output();
  await Deno.remove(tar);
  if (!r.success) throw new Error("tar failed");
  return { dir, commit };
}

async function activationFigures(n: number, rounds: number): Promise<Figure[]> {
  const base = await baseTree();
  const here = new URL("./lib/activation-child.ts", import.meta.url);
  const there = new URL(`file://${base.dir}/bench/lib/activation-child.ts`);
  await Deno.copyFile(here, there);
  try {
    const now: { fresh: number; fromSnapshot: number }[] = [];
    const before: { fresh: number; fromSnapshot: number }[] = [];
    for (let i = 0; i < rounds; i++) {
      before.push(await runJsonChild(there, [String(n)]));
      now.push(await runJsonChild(here, [String(n)]));
    }
    // The least of the runs' p50s: other processes on the shared machine only ever add time.
    const med = (xs: number[]) => Math.min(...xs);
    const out: Figure[] = [];
    for (const k of ["fresh", "fromSnapshot"] as const) {
      const a = med(now.map((x) => x[k]));
      const b = med(before.map((x) => x[k]));
      out.push({
        name: k === "fresh"
          ? "activate a tiny agent (sandbox.activate + init), p50"
          : "wake a tiny agent from its snapshot, p50",
        value: a / 1000,
        unit: "ms",
        baseline: {
          name: `the same on the base commit ${base.commit.slice(0, 10)}`,
          value: b / 1000,
          unit: "ms",
        },
        ratio: a / b,
        goal: "within 10 % (0.9–1.1×)",
        note: `least p50 of ${rounds} child runs of ${n} activations each, alternating; ` +
          `runs: ${now.map((x) => Math.round(x[k])).join(", ")} µs vs ${
            before.map((x) => Math.round(x[k])).join(", ")
          } µs`,
      });
    }
    return out;
  } finally {
    await Deno.remove(base.dir, { recursive: true }).catch(() => {});
  }
}

/** Runs the benchmark. */
export async function outboundBench(): Promise<BenchResult> {
  const figures = [
    ...await httpFigures(QUICK ? 200 : 1000),
    ...await activationFigures(QUICK ? 100 : 200, QUICK ? 2 : 5),
  ];
  return { id: "outbound", title: "Agents' outgoing HTTP and activation (issue 12)", figures };
}
