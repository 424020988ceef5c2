// The node's HTTP API with one local endpoint, `sink`, that accepts every message, mounted
// the way `runtime/node/node.ts` mounts it (first argument):
//   node        (default) what a node runs on every request: the HTTP metrics middleware,
//               the audit trail (Deno KV), the ConversationService attached to the router
//               (protocol policing guard + the message history, kept in Deno KV), an open
//               API (no tokens); rate limits off as on every bench node
//   route-only  the route and createApp's own middlewares, without metrics, audit or the
//               conversation service (the setup of the figures before 2026-12-07)
// `BENCH_NODE_OFF=metrics,audit,conversations` (any of them) leaves those parts out of the
// `node` variant, to split its cost.
// `sink` is an endpoint, not an agent: the guard's tracking of agents' conversations is the
// conversations benchmark's subject, and an agent's mailbox hands the message to its Worker
// (the agents benchmark's subject).
import { AuditLog } from "../../runtime/audit/mod.ts";
import { ConversationKv, ConversationService } from "../../runtime/conversations/mod.ts";
import { createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { createNodeMetrics } from "../../runtime/metrics/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";

const variant = Deno.args[0] ?? "node";
if (variant !== "node" && variant !== "route-only") {
  console.error("usage: node.ts [node|route-only]");
  Deno.exit(2);
}
const full = variant === "node";
const off = new Set((Deno.env.get("BENCH_NODE_OFF") ?? "").split(",").filter(Boolean));
const has = (part: string) => full && !off.has(part);
const router = new MessageRouter("bench");
let delivered = 0;
router.register("sink", { deliver: () => void delivered++ });
const dir = full ? await Deno.makeTempDir({ prefix: "fipa-edge-bench-http-" }) : undefined;
const kv = dir ? await Deno.openKv(`${dir}/node.kv`) : undefined;
const conversations = kv && has("conversations")
  ? new ConversationService({
    router,
    isAgent: () => false,
    log: silentLogger,
    store: new ConversationKv(kv, silentLogger),
  })
  : undefined;
await conversations?.load();
conversations?.attach();
const app = createApp({
  node: "bench",
  router,
  log: silentLogger,
  maxBodyBytes: 1 << 20,
  metrics: has("metrics") ? createNodeMetrics("bench") : undefined,
  audit: kv && has("audit") ? new AuditLog(kv, { retentionDays: 90 }) : undefined,
  conversations,
});
Deno.serve(
  {
    port: 0,
    hostname: "127.0.0.1",
    onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
  },
  app.fetch,
);
Deno.addSignalListener("SIGTERM", async () => {
  conversations?.close();
  await conversations?.flush();
  kv?.close();
  if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.exit(delivered >= 0 ? 0 : 1);
});
