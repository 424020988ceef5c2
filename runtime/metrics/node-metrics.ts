import client from "prom-client";
import { HttpTally } from "./http-tally.ts";
import { bucketsOf, type HistogramValue } from "./quantile.ts";
import type { MetricsReading } from "./series.ts";

/**
 * The node's Prometheus metrics (prom-client), one registry per node so several nodes can
 * live in one process (tests, `deno task cluster`). Components get the handles they update;
 * gauges whose value lives elsewhere are sampled at scrape time through `collectors`.
 */
export interface NodeMetrics {
  registry: client.Registry;
  /**
   * HTTP requests by method, route and status, and their duration by method and route
   * (`fipa_edge_http_requests_total`, `fipa_edge_http_request_duration_seconds`): counted
   * locally, rendered at scrape time.
   */
  http: HttpTally;
  /** Event WebSockets closed because their client did not read (send buffer full). */
  wsSlowClientsClosed: client.Counter;
  messagesIn: client.Counter<"performative" | "source">;
  messagesOut: client.Counter<"performative" | "destination">;
  messageLatency: client.Histogram<"agent_kind">;
  agentsByState: client.Gauge<"state">;
  mailboxDepth: client.Gauge<"agent">;
  raftTerm: client.Gauge;
  raftCommitIndex: client.Gauge;
  raftFollowerLag: client.Gauge<"follower">;
  raftIsLeader: client.Gauge;
  migrations: client.Counter<"outcome">;
  hibernations: client.Counter;
  wakes: client.Counter;
  checkpoints: client.Counter;
  checkpointBytes: client.Counter;
  checkpointMessages: client.Counter;
  checkpointSeconds: client.Histogram;
  refusedSnapshots: client.Counter<"reason">;
  /** Host calls of agents refused by their grants (`net`: a host, `files`: a path). */
  grantRefusals: client.Counter<"kind">;
  deadLetters: client.Gauge;
  /** Functions run before each scrape to refresh sampled gauges. */
  collectors: (() => void | Promise<void>)[];
}

/** Histogram buckets (seconds) of the node's latency metrics, HTTP and agent calls. */
export const LATENCY_BUCKETS = [
  0.00005,
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
];

/**
 * Creates a node's metrics, labelled with its name.
 *
 * @example
 * ```ts
 * const m = createNodeMetrics("node1");
 * m.messagesIn.inc({ performative: "inform", source: "http" });
 * await renderMetrics(m); // Prometheus text
 * ```
 */
export function createNodeMetrics(node: string): NodeMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ node });
  const registers = [registry];
  const http = new HttpTally(LATENCY_BUCKETS);
  // prom-client's registry takes any metric with a name, help, type, get() and reset().
  registry.registerMetric(
    http.counter(
      "fipa_edge_http_requests_total",
      "HTTP requests by method, route and status",
    ) as unknown as client.Metric,
  );
  registry.registerMetric(
    http.histogram(
      "fipa_edge_http_request_duration_seconds",
      "HTTP request duration",
    ) as unknown as client.Metric,
  );
  return {
    registry,
    collectors: [],
    http,
    wsSlowClientsClosed: new client.Counter({
      name: "fipa_edge_ws_slow_clients_closed_total",
      help: "Event WebSockets closed (1013) because the client did not read",
      registers,
    }),
    messagesIn: new client.Counter({
      name: "fipa_edge_messages_in_total",
      help: "ACL messages accepted, by performative and source (http, mtp, agent, peer)",
      labelNames: ["performative", "source"],
      registers,
    }),
    messagesOut: new client.Counter({
      name: "fipa_edge_messages_out_total",
      help: "ACL messages delivered, by performative and destination (local, peer, mtp)",
      labelNames: ["performative", "destination"],
      registers,
    }),
    messageLatency: new client.Histogram({
      name: "fipa_edge_message_handling_seconds",
      help: "Time an agent took to handle one message",
      labelNames: ["agent_kind"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    agentsByState: new client.Gauge({
      name: "fipa_edge_agents",
      help: "Agents on this node by lifecycle state",
      labelNames: ["state"],
      registers,
    }),
    mailboxDepth: new client.Gauge({
      name: "fipa_edge_mailbox_depth",
      help: "Messages waiting in an agent's mailbox",
      labelNames: ["agent"],
      registers,
    }),
    raftTerm: new client.Gauge({ name: "fipa_edge_raft_term", help: "Raft term", registers }),
    raftCommitIndex: new client.Gauge({
      name: "fipa_edge_raft_commit_index",
      help: "Raft commit index",
      registers,
    }),
    raftFollowerLag: new client.Gauge({
      name: "fipa_edge_raft_follower_lag",
      help: "Entries a follower lags behind the leader's log (on the leader)",
      labelNames: ["follower"],
      registers,
    }),
    raftIsLeader: new client.Gauge({
      name: "fipa_edge_raft_is_leader",
      help: "1 on the Raft leader",
      registers,
    }),
    migrations: new client.Counter({
      name: "fipa_edge_migrations_total",
      help: "Agent migrations by outcome",
      labelNames: ["outcome"],
      registers,
    }),
    hibernations: new client.Counter({
      name: "fipa_edge_hibernations_total",
      help: "Agents hibernated",
      registers,
    }),
    wakes: new client.Counter({
      name: "fipa_edge_wakes_total",
      help: "Agents woken from hibernation",
      registers,
    }),
    checkpoints: new client.Counter({
      name: "fipa_edge_checkpoints_total",
      help: "Agent checkpoints committed (memory, storage and duplicate marks at once)",
      registers,
    }),
    checkpointBytes: new client.Counter({
      name: "fipa_edge_checkpoint_bytes_total",
      help: "Bytes of memory pages and storage values written by checkpoints",
      registers,
    }),
    checkpointMessages: new client.Counter({
      name: "fipa_edge_checkpoint_messages_total",
      help: "At-least-once messages whose handling checkpoints made durable",
      registers,
    }),
    checkpointSeconds: new client.Histogram({
      name: "fipa_edge_checkpoint_seconds",
      help: "Time to take and commit one checkpoint",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    refusedSnapshots: new client.Counter({
      name: "fipa_edge_refused_snapshots_total",
      help: "Snapshots refused (bad signature, unknown signer, replay, hash mismatch)",
      labelNames: ["reason"],
      registers,
    }),
    grantRefusals: new client.Counter({
      name: "fipa_edge_agent_grant_refusals_total",
      help: "Agent host calls refused because the manifest does not grant them (net, files)",
      labelNames: ["kind"],
      registers,
    }),
    deadLetters: new client.Gauge({
      name: "fipa_edge_dead_letters",
      help: "Messages in the dead-letter queue",
      registers,
    }),
  };
}

/** Runs the collectors and renders the Prometheus text exposition. */
export async function renderMetrics(m: NodeMetrics): Promise<string> {
  for (const c of m.collectors) await c();
  return await m.registry.metrics();
}

/** The content type of the Prometheus text exposition. */
export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * Reads the counters the time series is made of: messages handled by agents (sum of
 * `messagesIn`) and the handling-latency histogram, stamped `at`.
 */
export async function readMetrics(m: NodeMetrics, at: number): Promise<MetricsReading> {
  const messages = (await m.messagesIn.get()).values.reduce((s, v) => s + v.value, 0);
  const latency = bucketsOf((await m.messageLatency.get()).values as HistogramValue[]);
  return { at, messages, latency };
}
