import type { Config } from "../config/mod.ts";
import { JwtVerifier } from "../security/mod.ts";

/** The node's JWT verifier, when a JWKS URL or file is configured. */
export function jwtVerifier(config: Config): JwtVerifier | undefined {
  if (!config.jwtJwksUrl && !config.jwtJwksFile) return undefined;
  return new JwtVerifier({
    jwksUrl: config.jwtJwksUrl,
    jwksFile: config.jwtJwksFile,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    clockSkewSeconds: config.jwtClockSkewSeconds,
    jwksCooldownSeconds: config.jwtJwksCooldownSeconds,
    claims: {
      roles: config.jwtRolesClaim,
      scopes: config.jwtScopesClaim,
      sender: config.jwtSenderClaim,
    },
  });
}
