import { createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";
import { JwtVerifier, parseTokenSpec } from "../../runtime/security/mod.ts";

/** How the secured bench app authenticates. */
export type SecuredMode = "open" | "static" | "jwt";

/**
 * The node's HTTP API with a sink agent, authenticated as `mode`: `open` (no token), `static`
 * (a sender token `secret`, allowed the sender `client_001`) or `jwt` (JWTs of issuer
 * `https://issuer.bench`, audience `fipa-edge`, verified against `jwks`).
 */
export function securedApp(mode: SecuredMode, secret = "", jwks = "") {
  const router = new MessageRouter("bench");
  router.register("sink", { deliver: () => {} });
  return createApp({
    node: "bench",
    router,
    log: silentLogger,
    maxBodyBytes: 1 << 20,
    tokens: mode === "static" ? [parseTokenSpec(`sender[as:client_001]=${secret}`)] : [],
    jwt: mode === "jwt"
      ? new JwtVerifier({
        jwksFile: "inline",
        readFile: () => Promise.resolve(jwks),
        issuer: "https://issuer.bench",
        audience: "fipa-edge",
        clockSkewSeconds: 30,
        jwksCooldownSeconds: 30,
        claims: { roles: "roles", scopes: "scope", sender: "fipa_sender" },
      })
      : undefined,
  });
}
