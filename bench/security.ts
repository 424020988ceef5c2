import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { BenchResult } from "./lib/results.ts";
import { cpuUsage } from "node:process";
import { quantile } from "./lib/stats.ts";
import { securedApp as app } from "./lib/secured-app.ts";
import { compareServers, type ServerVariant } from "./lib/wrk-compare.ts";
import { SAMPLE_CONTENT } from "./lib/sample-content.ts";

const BODY = JSON.stringify({
  performative: "request",
  sender: "client_001",
  receiver: "sink",
  content: SAMPLE_CONTENT,
  conversation_id: "conv_789",
  language: "json",
});

/** A JWKS with one fresh key of `alg` and a token it signs (a sender, allowed `client_001`). */
async function jwtFixture(alg: "RS256" | "ES256" | "EdDSA") {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench-1", alg };
  const token = await new SignJWT({ roles: ["sender"], fipa_sender: ["client_001"] })
    .setProtectedHeader({ alg, kid: "bench-1" })
    .setSubject("bench")
    .setIssuer("https://issuer.bench")
    .setAudience("fipa-edge")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
  return { jwks: JSON.stringify({ keys: [jwk] }), token };
}

/**
 * CPU microseconds (user + system, of this process: other processes' load does not count) per
 * `POST /api/v1/messages` through `app.fetch` (no sockets), the variants interleaved in
 * batches; the median batch.
 */
async function inProcessUs(
  variants: Record<string, { fetch: (r: Request) => Response | Promise<Response>; token?: string }>,
  rounds = 60,
  batch = 200,
): Promise<Record<string, number>> {
  const perBatch: Record<string, number[]> = {};
  const one = async (name: string) => {
    const v = variants[name];
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (v.token) headers.authorization = `Bearer ${v.token}`;
    const t0 = cpuUsage();
    for (let i = 0; i < batch; i++) {
      const res = await v.fetch(
        new Request("http://bench/api/v1/messages", { method: "POST", body: BODY, headers }),
      );
      if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
      await res.body?.cancel();
    }
    const used = cpuUsage(t0);
    return (used.user + used.system) / batch;
  };
  for (const name of Object.keys(variants)) await one(name); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const name of Object.keys(variants)) (perBatch[name] ??= []).push(await one(name));
  }
  return Object.fromEntries(
    Object.entries(perBatch).map(([k, v]) => [k, quantile(v.sort((a, b) => a - b), 0.5)]),
  );
}

/** CPU µs per request of each variant in process (fresh keys; see {@link inProcessUs}). */
async function inProcessCpuUs(): Promise<Record<string, number>> {
  const algs = ["RS256", "ES256", "EdDSA"] as const;
  const fixtures = Object.fromEntries(
    await Promise.all(algs.map(async (a) => [a, await jwtFixture(a)] as const)),
  );
  const staticToken = "bench-static-token-0123456789";
  return inProcessUs({
    open: app("open", ""),
    static: { ...app("static", staticToken), token: staticToken },
    ...Object.fromEntries(algs.map((a) => [a, {
      ...app("jwt", "", fixtures[a].jwks),
      token: fixtures[a].token,
    }])),
  });
}

/**
 * The cost of authentication on `POST /api/v1/messages`: requests per second with a JWT
 * (RS256, ES256, EdDSA; the key cached, a verified token remembered for 60 s) against a static
 * token, and a static token against no authentication, each server alone on CPU 0 and wrk on
 * CPU 1, alternately in the same run.
 */
export async function securityBench(
  opts: { seconds?: number; rounds?: number } = {},
): Promise<BenchResult> {
  const script = new URL("./servers/secured.ts", import.meta.url);
  const staticToken = "bench-static-token-0123456789";
  const algs = ["RS256", "ES256", "EdDSA"] as const;
  const fixtures = Object.fromEntries(
    await Promise.all(algs.map(async (a) => [a, await jwtFixture(a)] as const)),
  );
  const variants: ServerVariant[] = [
    { name: "open", script, args: ["open"] },
    { name: "static", script, args: ["static"], env: { BENCH_TOKEN: staticToken } },
    ...algs.map((a) => ({
      name: a,
      script,
      args: ["jwt"],
      env: { BENCH_JWKS: fixtures[a].jwks },
    })),
  ];
  const headers: Record<string, Record<string, string>> = {
    static: { Authorization: `Bearer ${staticToken}` },
  };
  for (const a of algs) headers[a] = { Authorization: `Bearer ${fixtures[a].token}` };
  const r = await compareServers(variants, { path: "/api/v1/messages", body: BODY, headers }, {
    rounds: opts.rounds ?? 2,
    seconds: opts.seconds ?? 3,
  });
  const lat = (n: string) => `p50 ${r[n].p50Ms} ms, p99 ${r[n].p99Ms} ms`;
  const us = await inProcessCpuUs();
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    id: "security",
    title: "Security: authentication cost on POST /api/v1/messages",
    figures: [
      {
        name: "static token (sender role, as: scope)",
        value: r.static.rps,
        unit: "req/s",
        baseline: { name: "no authentication", value: r.open.rps, unit: "req/s" },
        ratio: r.static.rps / r.open.rps,
        note: lat("static"),
      },
      ...algs.map((a) => ({
        name: `JWT ${a} (key cached, a verified token remembered 60 s)`,
        value: r[a].rps,
        unit: "req/s",
        baseline: { name: "static token", value: r.static.rps, unit: "req/s" },
        ratio: r[a].rps / r.static.rps,
        note: `${lat(a)}; goal: ratio >= 0.95`,
      })),
      ...algs.map((a) => ({
        name: `in process: CPU µs per request, JWT ${a} (remembered token)`,
        value: round(us[a]),
        unit: "µs",
        baseline: { name: "static token", value: round(us.static), unit: "µs" },
        ratio: us[a] / us.static,
        note: `no authentication: ${round(us.open)} µs; goal: ratio <= 1.05`,
      })),
    ],
  };
}
