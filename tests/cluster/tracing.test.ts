import assert from "node:assert/strict";
import { spawnNode } from "../support/node-process.ts";
import { clusterView, waitFor } from "../support/cluster-procs.ts";

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

/** A local OTLP/HTTP JSON receiver standing in for a collector. */
function collector() {
  const spans: Span[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname !== "/v1/traces") {
      await req.body?.cancel();
      return Response.json({});
    }
    const body = await req.json();
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a: { key: string }) =>
        a.key === "service.name"
      )?.value
        ?.stringValue ?? "";
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) spans.push({ ...s, service });
      }
    }
    return Response.json({});
  });
  return { spans, url: `http://127.0.0.1:${server.addr.port}`, stop: () => server.shutdown() };
}

Deno.test("a trace started on one node continues on the node that hosts the receiver", async () => {
  const otel = collector();
  const env = (name: string) => ({
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: otel.url,
    OTEL_SERVICE_NAME: name,
    OTEL_DENO_CONSOLE: "ignore",
  });
  const a = await spawnNode(["--name", "ta", "--platform", "tp"], env("ta"));
  const seed = await waitFor("founder", async () => {
    const v = await clusterView(a.url);
    return v.leader ? v.self.addresses[0] : undefined;
  });
  const b = await spawnNode(["--name", "tb", "--platform", "tp", "--join", seed], env("tb"));
  try {
    await waitFor(
      "two voters",
      async () => ((await clusterView(a.url)).voters.length === 2 ? true : undefined),
    );
    const form = new FormData();
    form.append(
      "wasm",
      new Blob([await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url))]),
    );
    form.append("config", JSON.stringify({ name: "echo" }));
    const dep = await fetch(`${b.url}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(dep.status, 201);
    await dep.body?.cancel();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await waitFor("delivered across nodes", async () => {
      const r = await fetch(`${a.url}/api/v1/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
        body: JSON.stringify({ performative: "inform", receiver: "echo", content: "traced" }),
      });
      const body = await r.json();
      return r.status === 200 && body.receivers[0].via === "peer" ? true : undefined;
    });
    const both = await waitFor("spans from both nodes", () => {
      const route = otel.spans.find((s) =>
        s.service === "ta" && s.name === "fipa.route" && s.traceId === traceId
      );
      const deliver = otel.spans.find((s) =>
        s.service === "tb" && s.name === "fipa.deliver" && s.traceId === traceId
      );
      return route && deliver ? { route, deliver } : undefined;
    }, 30_000).catch((e) => {
      console.log(
        JSON.stringify(otel.spans.map((s) => [s.service, s.name, s.traceId]).slice(0, 40)),
      );
      throw e;
    });
    assert.equal(both.deliver.traceId, both.route.traceId);
  } finally {
    await b.stop();
    await a.stop();
    await otel.stop();
  }
});
