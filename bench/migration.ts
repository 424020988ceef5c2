/**
 * Issue 6, mobility and scale to zero, measured on two in-process nodes of one cluster on
 * loopback: migration time of the tiny counter and of the ComponentizeJS counter (there and
 * back, p50), their snapshot sizes raw and sealed, wake-from-hibernation time of the tiny
 * agent, and agents hibernated per second. Each figure has a same-run baseline: a libp2p
 * round trip, a libp2p transfer of the same bytes, the request round trip to a running
 * agent, or Deno KV commits of the same size.
 * @module
 */
import { DeployConfigSchema } from "../runtime/agents/mod.ts";
import { ConfigSchema } from "../runtime/config/mod.ts";
import { getMember } from "../runtime/directory/mod.ts";
import { silentLogger } from "../runtime/log/mod.ts";
import { type RunningNode, startNode } from "../runtime/node/mod.ts";
import { ComponentStore } from "../runtime/sandbox/mod.ts";
import { z } from "zod";
import type { BenchResult, Figure } from "./lib/results.ts";
import { summarize } from "./lib/stats.ts";
import { prober as benchProber } from "./lib/bench-node.ts";

/** Knobs of {@link migrationBench}. */
export interface MigrationBenchOptions {
  /** Moves of the tiny agent (default 40) and of the ComponentizeJS agent (default 12). */
  tinyMoves?: number;
  jsMoves?: number;
  /** Wakes measured (default 40). */
  wakes?: number;
  /** Agents hibernated for the rate (default 200). */
  hibernations?: number;
}

const DIST = new URL("../agents/dist/", import.meta.url);
const CACHE = new URL("../.cache/test-components", import.meta.url).pathname;
const LIMITS = { send_rate: 1_000_000, send_burst: 1_000_000, mailbox: 100_000 };

interface Node {
  name: string;
  dataDir: string;
  n: RunningNode;
}

/** Copies the transpiled component into a data dir (transpiling it into the cache once). */
async function seed(dataDir: string, file: string): Promise<void> {
  const store = new ComponentStore({ dir: CACHE });
  let hash: string;
  try {
    hash = (await store.load(await Deno.readFile(new URL(file, DIST)))).hash;
  } finally {
    store.close();
  }
  await Deno.mkdir(`${dataDir}/components/${hash}`, { recursive: true });
  for await (const e of Deno.readDir(`${CACHE}/${hash}`)) {
    if (e.isFile) {
      await Deno.copyFile(`${CACHE}/${hash}/${e.name}`, `${dataDir}/components/${hash}/${e.name}`);
    }
  }
}

async function start(name: string, join: string[]): Promise<Node> {
  const dataDir = await Deno.makeTempDir({ prefix: `fe-bench-mig-${name}-` });
  for (const f of ["tiny-counter.wasm", "counter.wasm"]) await seed(dataDir, f);
  const n = await startNode(
    ConfigSchema.parse({
      name,
      platform: "bp",
      port: 0,
      p2pPort: 0,
      dataDir,
      rateLimit: "off",
      maxAgentMailbox: 100_000,
      logLevel: "error",
      join,
    }),
    silentLogger,
  );
  return { name, dataDir, n };
}

async function until(what: string, f: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A prober on node `t` (sender qualified with the node's name, so replies find it wherever
 * the agent lives); `ask` answers the round trip in ms.
 */
function prober(t: Node) {
  const p = benchProber(t.n, "probe", t.name);
  return {
    ask: async (to: string) => (await p.ask(`${to}@bp`, { content: "t" })) / 1000,
    close: () => p.close(),
  };
}

async function deploy(t: Node, file: string, name: string, hibernate = 0) {
  await t.n.agents.deploy(
    await Deno.readFile(new URL(file, DIST)),
    DeployConfigSchema.parse({ name, limits: LIMITS, hibernate_after_seconds: hibernate }),
  );
}

const ms = (x: number) => Math.round(x * 1000) / 1000;

/** Moves `agent` back and forth `moves` times; durations (ms) and the last report. */
async function pingPong(a: Node, b: Node, agent: string, moves: number) {
  const times: number[] = [];
  const paused: number[] = [];
  let report;
  for (let i = 0; i < moves; i++) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    const t0 = performance.now();
    report = await from.n.migration.migrate(agent, to.name);
    times.push(performance.now() - t0);
    paused.push(report.paused_ms);
  }
  return { times, paused, report: report! };
}

/** Runs the benchmark. */
export async function migrationBench(o: MigrationBenchOptions = {}): Promise<BenchResult> {
  const tinyMoves = o.tinyMoves ?? 40;
  const jsMoves = o.jsMoves ?? 12;
  const wakes = o.wakes ?? 40;
  const hibernations = o.hibernations ?? 200;
  const a = await start("ba", []);
  await until("leader", () => a.n.cluster.status().leader !== null);
  const b = await start("bb", [a.n.net.addresses()[0]]);
  const nodes = [a, b];
  const probe = prober(a);
  try {
    await until(
      "both members",
      () =>
        nodes.every((t) => getMember(t.n.cluster.machine.state, "bb") !== undefined) &&
        a.n.cluster.status().members.voters.length === 2,
    );
    const bAddr = b.n.net.addresses()[0];
    // Baselines: libp2p round trip, and a transfer of N bytes to a handler that drops them.
    const pings: number[] = [];
    for (let i = 0; i < 200; i++) pings.push(await a.n.net.ping(bAddr));
    const transferProtocol = "/fipa-edge/bench-sink/1.0.0";
    await b.n.net.handleTransfer(transferProtocol, z.object({}), async (_h, body) => {
      for await (const _ of body) { /* drop */ }
      return { ok: true };
    });
    const transferOf = async (bytes: number, n: number) => {
      const buf = new Uint8Array(bytes);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await a.n.net.transfer(bAddr, transferProtocol, {}, buf);
        out.push(performance.now() - t0);
      }
      return summarize(out).p50;
    };

    // The tiny counter (state in a mutable global).
    await deploy(a, "tiny-counter.wasm", "tiny");
    for (let i = 0; i < 3; i++) await probe.ask("tiny");
    await pingPong(a, b, "tiny", 4); // warm-up
    const tiny = await pingPong(a, b, "tiny", tinyMoves);
    const tinyS = summarize(tiny.times);
    const tinyTransfer = await transferOf(tiny.report.snapshot_bytes, 50);

    // The ComponentizeJS counter (its JS heap in linear memory).
    await deploy(a, "counter.wasm", "js");
    for (let i = 0; i < 1000; i++) await probe.ask("js");
    await pingPong(a, b, "js", 2);
    const js = await pingPong(a, b, "js", jsMoves);
    const jsS = summarize(js.times);
    const jsTransfer = await transferOf(js.report.snapshot_bytes, 10);
    const raw = new Uint8Array(js.report.raw_bytes);
    const copies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      raw.slice();
      copies.push(performance.now() - t0);
    }

    // Wake from hibernation (tiny), against the round trip to the same agent running.
    const home = a.n.agents.has("tiny") ? a : b;
    const p = home === a ? probe : prober(home);
    const running: number[] = [];
    for (let i = 0; i < wakes; i++) running.push(await p.ask("tiny"));
    const woken: number[] = [];
    for (let i = 0; i < wakes; i++) {
      await home.n.agents.hibernate("tiny");
      woken.push(await p.ask("tiny"));
    }
    if (p !== probe) p.close();

    // Agents hibernated per second, against Deno KV commits of the same size.
    const names: string[] = [];
    for (let i = 0; i < hibernations; i++) {
      const name = `h${i}`;
      names.push(name);
      await deploy(a, "tiny-counter.wasm", name);
    }
    const t0 = performance.now();
    for (const n of names) await a.n.agents.hibernate(n);
    const rate = hibernations / ((performance.now() - t0) / 1000);
    const sealedTiny = tiny.report.snapshot_bytes;
    const kvT0 = performance.now();
    const blob = new Uint8Array(sealedTiny);
    for (let i = 0; i < hibernations; i++) await a.n.kv.set(["bench-kv", i], blob);
    const kvRate = hibernations / ((performance.now() - kvT0) / 1000);
    for (let i = 0; i < hibernations; i++) await a.n.kv.delete(["bench-kv", i]);

    const pingP50 = summarize(pings).p50;
    const figures: Figure[] = [
      {
        name: "migration of the tiny counter, p50 (request to release)",
        value: ms(tinyS.p50),
        unit: "ms",
        baseline: { name: "libp2p round trip p50", value: ms(pingP50), unit: "ms" },
        ratio: tinyS.p50 / pingP50,
        goal: "≤ 20 ms",
        note: `${tinyMoves} moves there and back; p90 ${ms(tinyS.p90)} ms; paused (messages ` +
          `held) p50 ${ms(summarize(tiny.paused).p50)} ms; a libp2p transfer of its sealed ` +
          `snapshot alone takes ${ms(tinyTransfer)} ms`,
      },
      {
        name: "migration of the ComponentizeJS counter, p50",
        value: ms(jsS.p50),
        unit: "ms",
        baseline: {
          name: "libp2p transfer of its sealed snapshot p50",
          value: ms(jsTransfer),
          unit: "ms",
        },
        ratio: jsS.p50 / jsTransfer,
        goal: "≤ 250 ms",
        note: `${jsMoves} moves after 1000 messages; p90 ${ms(jsS.p90)} ms; paused p50 ` +
          `${ms(summarize(js.paused).p50)} ms; copying its raw snapshot in memory: ` +
          `${ms(summarize(copies).p50)} ms`,
      },
      {
        name: "snapshot of the tiny counter, sealed (gzip + signature)",
        value: tiny.report.snapshot_bytes,
        unit: "bytes",
        baseline: {
          name: "raw (encoded, uncompressed)",
          value: tiny.report.raw_bytes,
          unit: "bytes",
        },
        ratio: tiny.report.snapshot_bytes / tiny.report.raw_bytes,
      },
      {
        name: "snapshot of the ComponentizeJS counter, sealed (gzip + signature)",
        value: js.report.snapshot_bytes,
        unit: "bytes",
        baseline: {
          name: "raw (encoded, uncompressed)",
          value: js.report.raw_bytes,
          unit: "bytes",
        },
        ratio: js.report.snapshot_bytes / js.report.raw_bytes,
      },
      {
        name: "wake from hibernation (tiny): request round trip p50",
        value: ms(summarize(woken).p50),
        unit: "ms",
        baseline: {
          name: "round trip to the agent running",
          value: ms(summarize(running).p50),
          unit: "ms",
        },
        ratio: summarize(woken).p50 / summarize(running).p50,
        goal: "≤ 10 ms",
        note: `${wakes} wakes; the wake itself is the difference, ` +
          `${ms(summarize(woken).p50 - summarize(running).p50)} ms`,
      },
      {
        name: "agents hibernated per second (tiny, one at a time)",
        value: Math.round(rate),
        unit: "agents/s",
        baseline: {
          name: `Deno KV commits/s of ${sealedTiny} bytes`,
          value: Math.round(kvRate),
          unit: "commits/s",
        },
        ratio: rate / kvRate,
        note: `${hibernations} agents: snapshot at a message boundary, seal, KV write, free`,
      },
    ];
    return { id: "migration", title: "Mobility and scale to zero", figures };
  } finally {
    probe.close();
    await Promise.all(nodes.map((t) => t.n.stop()));
    for (const t of nodes) await Deno.remove(t.dataDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const r = await migrationBench();
  console.log(JSON.stringify(r, null, 2));
  Deno.exit(0);
}
