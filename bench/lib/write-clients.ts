/**
 * One client interface over both replicated stores of the cluster benchmark, so that the
 * same measuring code drives etcd (npm `etcd3`, gRPC) and fipa-edge (`POST
 * /api/v1/services`, a DF registration committed through Raft). Both write the same
 * payload: a JSON DF description of about 150 bytes.
 * @module
 */
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";

/** Writes that are committed by the cluster when they resolve. */
export interface WriteClient {
  /** Writes item `i` to endpoint `endpoint` (an index into the client's endpoints). */
  write(i: number, endpoint: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** The DF description written as item `i`. */
export function description(i: number, platform: string) {
  return {
    name: { name: `agent-${i}@${platform}` },
    services: [{ name: `svc-${i}`, type: "bench", ontologies: ["bench-onto"] }],
  };
}

/**
 * etcd through `etcd3`, one client per endpoint, with the library's retries and circuit
 * breaker off (the caller retries, the same way for both stores).
 */
export function etcdWriter(endpoints: string[], platform = "plat"): WriteClient {
  const clients = endpoints.map((hosts) =>
    new Etcd3({
      hosts,
      dialTimeout: 2000,
      faultHandling: { host: () => noop, global: noop },
    })
  );
  return {
    async write(i, endpoint, timeoutMs = 10_000) {
      const key = `bench/agent-${i}`;
      const value = JSON.stringify(description(i, platform));
      await clients[endpoint].put(key).value(value).options({
        deadline: Date.now() + timeoutMs,
      }).exec();
    },
    close() {
      for (const c of clients) c.close();
    },
  };
}

/** fipa-edge nodes through `POST /api/v1/services` (201 = committed). */
export function fipaWriter(urls: string[], platform = "plat"): WriteClient {
  return {
    async write(i, endpoint, timeoutMs = 10_000) {
      const res = await fetch(`${urls[endpoint]}/api/v1/services`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(description(i, platform)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`register ${i}: ${res.status} ${text.slice(0, 300)}`);
    },
    close() {},
  };
}

function base64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}

/**
 * etcd through its JSON gateway (`POST /v3/kv/put`), that is over HTTP/1.1 with `fetch`
 * like {@link fipaWriter}: the same transport and client code on both sides.
 */
export function etcdHttpWriter(endpoints: string[], platform = "plat"): WriteClient {
  return {
    async write(i, endpoint, timeoutMs = 10_000) {
      const res = await fetch(`${endpoints[endpoint]}/v3/kv/put`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          key: base64(`bench/agent-${i}`),
          value: base64(JSON.stringify(description(i, platform))),
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`put ${i}: ${res.status} ${text.slice(0, 300)}`);
    },
    close() {},
  };
}
