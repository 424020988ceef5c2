/**
 * Who may do what: roles, scopes, static tokens, JWT verification (`jose`), the senders an
 * HTTP caller may use. The decisions are pure; the verifier is the only part with I/O (keys).
 * @module
 */
export {
  type Action,
  ACTIONS,
  type Decision,
  hasAction,
  isRole,
  matchesPattern,
  OPEN_PRINCIPAL,
  parseScope,
  permits,
  type Principal,
  type Role,
  ROLE_ACTIONS,
  ROLES,
  rolesFor,
  type Scope,
  SCOPE_KINDS,
  type ScopeKind,
} from "./roles.ts";
export {
  legacyGrants,
  parseTokenSpec,
  StaticTokens,
  timingSafeEqual,
  type TokenGrant,
  TokenGrantSchema,
  tokenSubject,
} from "./static-tokens.ts";
export {
  claimAt,
  claimList,
  type ClaimNames,
  principalFromClaims,
  senderFromSubject,
} from "./claims.ts";
export {
  fileKeySet,
  JWT_ALGORITHMS,
  type JwtFailure,
  jwtFailure,
  type JwtOptions,
  type JwtResult,
  JwtVerifier,
  looksLikeJwt,
} from "./jwt.ts";
export { Authenticator, type AuthFailure, type AuthResult } from "./authenticator.ts";
export {
  allowedSenders,
  checkSender,
  PLATFORM_AGENT_NAMES,
  type SenderDecision,
  type SenderRefusal,
} from "./senders.ts";
export {
  componentDigest,
  newPublisherKeys,
  parsePublisherKey,
  parseSigningKey,
  type PublisherKey,
  publisherKeyId,
  type SignatureRefusal,
  type SignatureResult,
  signComponent,
  type SignedPackage,
  TrustedPublishers,
} from "./signatures.ts";
