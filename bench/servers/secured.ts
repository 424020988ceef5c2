// The node's HTTP API with a sink agent, authenticated as `Deno.args[0]`: `open` (no token),
// `static` (a sender token from BENCH_TOKEN) or `jwt` (JWTs verified against BENCH_JWKS).
import { createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";
import { JwtVerifier, parseTokenSpec } from "../../runtime/security/mod.ts";

const mode = Deno.args[0] ?? "open";
const router = new MessageRouter("bench");
router.register("sink", { deliver: () => {} });
const app = createApp({
  node: "bench",
  router,
  log: silentLogger,
  maxBodyBytes: 1 << 20,
  tokens: mode === "static"
    ? [parseTokenSpec(`sender[as:client_001]=${Deno.env.get("BENCH_TOKEN")}`)]
    : [],
  jwt: mode === "jwt"
    ? new JwtVerifier({
      jwksFile: "env:BENCH_JWKS",
      readFile: () => Promise.resolve(Deno.env.get("BENCH_JWKS")!),
      issuer: "https://issuer.bench",
      audience: "fipa-edge",
      clockSkewSeconds: 30,
      jwksCooldownSeconds: 30,
      claims: { roles: "roles", scopes: "scope", sender: "fipa_sender" },
    })
    : undefined,
});
Deno.serve(
  {
    port: 0,
    hostname: "127.0.0.1",
    onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
  },
  app.fetch,
);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
