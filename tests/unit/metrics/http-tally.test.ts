// The HTTP request counter and duration histogram counted locally (HttpTally): what a
// scrape renders equals what prom-client's own Counter and Histogram render for the same
// requests, and bad bounds are refused.
import assert from "node:assert/strict";
import client from "prom-client";
import { createNodeMetrics, LATENCY_BUCKETS, renderMetrics } from "../../../runtime/metrics/mod.ts";
import { HttpTally } from "../../../runtime/metrics/http-tally.ts";

/** The sample lines of a Prometheus text exposition, labels sorted, as a sorted list. */
function samples(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix)).map((l) => {
    const m = l.match(/^([^{ ]+)(?:\{(.*)\})? (.+)$/);
    assert.ok(m, `a sample line: ${l}`);
    const labels = (m[2] ?? "").split(/,(?=[a-z_]+=")/).filter(Boolean).sort().join(",");
    return `${m[1]}{${labels}} ${Number(m[3])}`;
  }).sort();
}

const REQUESTS: [string, string, number, number][] = [
  ["POST", "/api/v1/messages", 200, 0.0004],
  ["POST", "/api/v1/messages", 200, 0.00005],
  ["POST", "/api/v1/messages", 400, 0.003],
  ["GET", "/api/v1/agents/:id", 404, 7],
  ["GET", "unmatched", 404, 0.01],
  ["POST", "/api/v1/messages", 200, 0.25],
];

Deno.test("http tally: a scrape renders what prom-client's counter and histogram would", async () => {
  const m = createNodeMetrics("node1");
  for (const [method, route, status, s] of REQUESTS) m.http.record(method, route, status, s);
  const ours = await renderMetrics(m);

  const registry = new client.Registry();
  registry.setDefaultLabels({ node: "node1" });
  const requests = new client.Counter({
    name: "fipa_edge_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: "fipa_edge_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method", "route"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  for (const [method, route, status, s] of REQUESTS) {
    requests.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, s);
  }
  const theirs = await registry.metrics();
  for (
    const prefix of ["fipa_edge_http_requests_total", "fipa_edge_http_request_duration_seconds"]
  ) {
    assert.deepEqual(samples(ours, prefix), samples(theirs, prefix), prefix);
    assert.ok(ours.includes(`# TYPE ${prefix} `), `${prefix} has its TYPE line`);
  }
  assert.equal(samples(ours, "fipa_edge_http_requests_total").length, 4);

  m.registry.resetMetrics();
  assert.deepEqual(samples(await renderMetrics(m), "fipa_edge_http_request"), []);
});

Deno.test("http tally: bounds must ascend", () => {
  assert.throws(() => new HttpTally([0.1, 0.01]), /must ascend: 0.1, 0.01/);
});
