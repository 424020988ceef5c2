/**
 * CPU per `POST /api/v1/messages` of two (or more) checkouts' HTTP apps in ONE process,
 * mounted as `bench/servers/node.ts` mounts them (metrics, audit trail; the conversation
 * service with its KV history only with `CONV=1`), called through `app.fetch` 64 at a time in
 * batches of 5,000 that alternate between the apps (`ROUNDS`, default 40, batches each). On a
 * machine shared with other work this is steadier than whole servers under wrk: both apps see
 * the same load minute by minute. The figure includes the client side (building the `Request`,
 * reading the response), the same for every app, so compare differences, not ratios; the main
 * thread's own CPU time (its scheduler statistics, in ns) is printed beside the process's.
 * A checkout given as `<root>@<parts>` mounts only those parts (`metrics,audit,conversations`;
 * `<root>@` none), to split the cost of each.
 * Run: `deno run -A --config deno.json bench/messages-ab.ts /work/before /work/wt-x`.
 * @module
 */
import { cpuUsage } from "node:process";
import { MESSAGES_BODY } from "./lib/sample-content.ts";

type Fetch = (r: Request) => Response | Promise<Response>;

const roots = Deno.args.length > 0 ? Deno.args : [new URL("..", import.meta.url).pathname];
const rounds = Number(Deno.env.get("ROUNDS") ?? 40);
const BATCH = 5000;

async function build(spec: string): Promise<{ fetch: Fetch; close: () => void }> {
  // `<root>@<parts>` mounts only the parts named (of metrics, audit, conversations).
  const [root, only] = spec.split("@");
  const parts = new Set(
    only?.split(",") ??
      ["metrics", "audit", ...(Deno.env.get("CONV") === "1" ? ["conversations"] : [])],
  );
  const at = (p: string) => import(`file://${root}/runtime/${p}/mod.ts`);
  const [{ AuditLog }, conversationsMod, { createApp }, { silentLogger }, metrics, routing] =
    await Promise.all(
      ["audit", "conversations", "http", "log", "metrics", "routing"].map(at),
    );
  const router = new routing.MessageRouter("bench");
  router.register("sink", { deliver: () => {} });
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-ab-" });
  const kv = await Deno.openKv(`${dir}/node.kv`);
  const conversations = parts.has("conversations")
    ? new conversationsMod.ConversationService({
      router,
      isAgent: () => false,
      log: silentLogger,
      store: new conversationsMod.ConversationKv(kv, silentLogger),
    })
    : undefined;
  await conversations?.load();
  conversations?.attach();
  const app = createApp({
    node: "bench",
    router,
    log: silentLogger,
    maxBodyBytes: 1 << 20,
    metrics: parts.has("metrics") ? metrics.createNodeMetrics("bench") : undefined,
    audit: parts.has("audit") ? new AuditLog(kv, { retentionDays: 90 }) : undefined,
    conversations,
  });
  return {
    fetch: app.fetch,
    close: () => {
      conversations?.close();
      kv.close();
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

async function run(fetch: Fetch, n: number): Promise<void> {
  let i = 0;
  const headers = {
    "content-type": "application/json",
    "content-length": String(MESSAGES_BODY.length),
    host: "127.0.0.1:8000",
    "user-agent": "wrk",
  };
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (i++ < n) {
      const res = await fetch(
        new Request("http://127.0.0.1:8000/api/v1/messages", {
          method: "POST",
          body: MESSAGES_BODY,
          headers,
        }),
      );
      if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  }));
}

const apps = [];
for (const root of roots) apps.push(await build(root));
for (const app of apps) await run(app.fetch, 30_000);
/** The main thread's CPU time, ns (`/proc/thread-self/schedstat`): no helper threads, no ticks. */
const threadNs = () => Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]);
const perBatch: number[][] = apps.map(() => []);
const mainBatch: number[][] = apps.map(() => []);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < apps.length; k++) {
    const j = (r + k) % apps.length; // each app goes first in turn
    const c0 = cpuUsage();
    const t0 = threadNs();
    await run(apps[j].fetch, BATCH);
    mainBatch[j].push((threadNs() - t0) / 1000 / BATCH);
    const c = cpuUsage(c0);
    perBatch[j].push((c.user + c.system) / BATCH);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
roots.forEach((root, j) =>
  console.log(
    `${root}: mean ${mean(perBatch[j]).toFixed(2)} µs, median ${
      median(perBatch[j]).toFixed(2)
    } µs of CPU per request (app.fetch and client side); main thread: median ${
      median(mainBatch[j]).toFixed(2)
    } µs`,
  )
);
console.log(`load ${load}`);
for (const app of apps) app.close();
Deno.exit(0);
