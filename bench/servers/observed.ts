// The HTTP → agent path (Hono app, router, agent manager, sandbox, tiny echo as `echo`)
// with observability switched by the first argument:
//   none            no metrics (neither HTTP middleware nor agent counters), no listener
//   metrics         Prometheus metrics as a node has them (HTTP middleware + agent metrics)
//   metrics+events  and a subscriber to every node event that serializes it, as /ws does
//   metrics+history and the ConversationService (protocol checks and the message history
//                   of GET /api/v1/messages: the node's record of every message)
// The trace-id middleware is part of createApp and always on.
import { DeployConfigSchema } from "../../runtime/agents/mod.ts";
import { AgentManager } from "../../runtime/agents/mod.ts";
import { ConversationService } from "../../runtime/conversations/mod.ts";
import { EventBus } from "../../runtime/events/mod.ts";
import { createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { createNodeMetrics } from "../../runtime/metrics/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";
import { ComponentStore, DEFAULT_AGENT_BOUNDS, Sandbox } from "../../runtime/sandbox/mod.ts";
import { BENCH_LIMITS } from "../lib/bench-node.ts";

const variant = Deno.args[0] ?? "none";
if (!["none", "metrics", "metrics+events", "metrics+history"].includes(variant)) {
  console.error("usage: observed.ts none|metrics|metrics+events|metrics+history");
  Deno.exit(2);
}
const dir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-obs-" });
const kv = await Deno.openKv(`${dir}/node.kv`);
const router = new MessageRouter("obs");
const events = new EventBus("obs");
const metrics = variant === "none" ? undefined : createNodeMetrics("obs");
let serialized = 0;
if (variant === "metrics+events") {
  events.subscribe({}, (e) => void (serialized += JSON.stringify(e).length));
}
const store = ComponentStore.forDataDir(dir);
// The bench's limits (a large mailbox) are within this node's bounds, as for bench nodes.
const sandbox = new Sandbox({
  store,
  nodeId: "obs",
  bounds: { ...DEFAULT_AGENT_BOUNDS, mailbox: BENCH_LIMITS.mailbox },
});
const agents = new AgentManager({
  kv,
  store,
  sandbox,
  router,
  events,
  log: silentLogger,
  metrics,
  nodeId: "obs",
});
await agents.deploy(
  await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url)),
  DeployConfigSchema.parse({ name: "echo", limits: BENCH_LIMITS }),
);
const conversations = variant === "metrics+history"
  ? new ConversationService({ router, isAgent: (n) => agents.has(n), events, log: silentLogger })
  : undefined;
conversations?.attach();
const app = createApp({
  node: "obs",
  router,
  log: silentLogger,
  maxBodyBytes: 1 << 20,
  events,
  metrics,
  agents,
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
  await agents.close();
  await sandbox.close();
  store.close();
  kv.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  Deno.exit(serialized >= 0 ? 0 : 1);
});
