/**
 * The node under test alone in the `mtp` exchange: this process plays the other FIPA platform
 * with the least work it can do (pre-built HTTP MTP requests; its `/acc` reads the reply's
 * multipart and envelope only as far as it needs to match it), so the figure is the node's
 * own CPU per request → reply exchange at `echo@beta`, not that of a second fipa-edge node.
 * `inFlight` exchanges run for `seconds`; prints exchanges/s, p50, the node's CPU per
 * exchange by thread, and this driver's; with `--prof`, the node runs with `--cpu-prof` and
 * the top self-time functions of its main thread follow.
 * Run: `deno run -A bench/profile-mtp-node.ts [seconds] [inFlight] [--durable] [--prof]`.
 * @module
 */
import { selfTimes } from "./lib/cpu-profile.ts";
import { aid } from "../runtime/acl/mod.ts";
import { buildHttpMtpRequest, parseHttpMtpRequest } from "../runtime/mtp/mod.ts";
import {
  processRunMs,
  schedMs,
  spawnNodeProcess,
  stopNodeProcess,
  threadCpuMs,
} from "./lib/node-process.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [seconds = "5", inFlight = "16"] = Deno.args.filter((a) => !a.startsWith("--"));
const args = flags.includes("--durable") ? ["--mtp-delivery", "at-least-once"] : [];
const dir = await Deno.makeTempDir();
const profDir = flags.includes("--prof")
  ? await Deno.makeTempDir({ prefix: "fipa-edge-prof-mtp-node-" })
  : undefined;
const beta = await spawnNodeProcess({
  name: "b1",
  platform: "beta",
  dataDir: dir,
  sampleAgents: true,
  args,
  denoFlags: profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
});

/** Replies waited for, by conversation id. */
const waiting = new Map<string, () => void>();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
  const body = new Uint8Array(await req.arrayBuffer());
  const got = parseHttpMtpRequest(req.headers.get("content-type"), body);
  const id = got.message.conversation_id ?? "";
  waiting.get(id)?.();
  waiting.delete(id);
  return new Response(null, { status: 200 });
});
const driverAcc = `http://127.0.0.1:${server.addr.port}/acc`;
const receiver = aid("echo@beta", [`${beta.url}/acc`]);
let seq = 0;

/** One request → reply exchange; resolves with its wall time, ms. */
async function exchange(): Promise<number> {
  const n = ++seq;
  const req = buildHttpMtpRequest(
    {
      performative: "request",
      sender: aid("driver@ext", [driverAcc]),
      receivers: [receiver],
      content: "ping",
      conversation_id: `c-${n}`,
      reply_with: `r-${n}`,
    },
    receiver,
    { date: new Date(), boundary: `b-${n}`, messageId: `m-${n}` },
  );
  const t0 = performance.now();
  const replied = new Promise<void>((resolve) => waiting.set(`c-${n}`, resolve));
  const res = await fetch(`${beta.url}/acc`, {
    method: "POST",
    headers: req.headers,
    body: req.body,
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`/acc answered ${res.status}`);
  await replied;
  return performance.now() - t0;
}

async function run(ms: number): Promise<number[]> {
  const end = performance.now() + ms;
  const times: number[] = [];
  await Promise.all(Array.from({ length: Number(inFlight) }, async () => {
    while (performance.now() < end) times.push(await exchange());
  }));
  return times;
}

await run(1000); // warm-up
const s0 = schedMs(beta.child.pid);
const t0 = threadCpuMs(beta.child.pid);
const d0 = processRunMs(Deno.pid);
const w0 = performance.now();
const times = await run(Number(seconds) * 1000);
const wall = performance.now() - w0;
const n = times.length;
const s1 = schedMs(beta.child.pid);
const rows = [...threadCpuMs(beta.child.pid)].map(([t, ms]) =>
  [t, (ms - (t0.get(t) ?? 0)) * 1000 / n] as const
).filter(([, us]) => us > 0).sort((a, b) => b[1] - a[1]);
const total = rows.reduce((s, [, us]) => s + us, 0);
times.sort((a, b) => a - b);
console.log(
  `${(n / wall * 1000).toFixed(0)} exchanges/s, p50 ${times[n >> 1].toFixed(2)} ms, ` +
    `${inFlight} in flight${args.length ? ", durable" : ""}; node CPU/exchange ${
      total.toFixed(0)
    } µs (${rows.map(([t, us]) => `${t} ${us.toFixed(0)}`).join(", ")}); driver ${
      ((processRunMs(Deno.pid) - d0) * 1000 / n).toFixed(0)
    } µs; node main thread ran ${((s1.ran - s0.ran) / wall * 100).toFixed(0)} %, waited ${
      ((s1.waited - s0.waited) / wall * 100).toFixed(0)
    } %; load ${(await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")}`,
);
await stopNodeProcess(beta, 20_000);
await server.shutdown();
await Deno.remove(dir, { recursive: true }).catch(() => {});
if (profDir) {
  // The main thread's profile is the largest one (Workers' are named like it).
  const [main] = [...Deno.readDirSync(profDir)].filter((e) => e.name.endsWith(".cpuprofile"))
    .map((e) => ({
      file: `${profDir}/${e.name}`,
      size: Deno.statSync(`${profDir}/${e.name}`).size,
    }))
    .sort((a, b) => b.size - a.size);
  if (!main) throw new Error(`no profile written in ${profDir}`);
  console.log(`\nnode self time (${main.file}):`);
  for (const x of selfTimes(JSON.parse(await Deno.readTextFile(main.file))).slice(0, 30)) {
    console.log(
      `${(x.share * 100).toFixed(1).padStart(5)} %  ${x.ms.toFixed(0).padStart(7)} ms  ${x.fn}`,
    );
  }
}
