import { z } from "zod";
import { ByteSizeSchema } from "../sandbox/manifest.ts";
import { DEFAULT_AGENT_BOUNDS } from "../sandbox/bounds.ts";
import {
  AGENTS_PER_WORKER,
  MAX_AGENTS_PER_WORKER,
  MAX_SPREAD_WORKERS,
  SPREAD_WORKERS,
} from "../sandbox/worker-sharing.ts";

/** A list setting given as repeated values or comma-separated ones. */
function splitList(v: unknown): unknown {
  return Array.isArray(v) ? v.flatMap((x) => typeof x === "string" ? x.split(",") : [x]) : v;
}
import { TokenGrantSchema } from "../security/static-tokens.ts";

/** Log levels, most verbose first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** One log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Documented defaults of every setting (also printed by `--help`). */
export const DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: ".data/node",
  name: "node1",
  logLevel: "info",
  p2pPort: 9001,
  join: [] as string[],
  maxBodyBytes: 1_048_576,
  adminTokens: [] as string[],
  readTokens: [] as string[],
  apiTokens: [] as string[],
  jwtRolesClaim: "roles",
  jwtScopesClaim: "scope",
  jwtSenderClaim: "fipa_sender",
  jwtClockSkewSeconds: 30,
  jwtJwksCooldownSeconds: 30,
  trustedPublisherKeys: [] as string[],
  requireSignedAgents: "off",
  auditRetentionDays: 90,
  rateLimit: "on",
  sampleAgents: "on",
  deliveryMaxAttempts: 8,
  deliveryRetryMs: 200,
  mtpDelivery: "at-most-once",
  maxAgentMemory: DEFAULT_AGENT_BOUNDS.memory,
  maxAgentCpuMs: DEFAULT_AGENT_BOUNDS.cpuMsPerCall,
  maxAgentMailbox: DEFAULT_AGENT_BOUNDS.mailbox,
  maxAgentStorage: DEFAULT_AGENT_BOUNDS.storageQuota,
  agentNetAllow: [] as string[],
  agentFilesAllow: [] as string[],
  sharedWorkerCpuMs: 1000,
  agentsPerWorker: AGENTS_PER_WORKER,
  spreadWorkers: SPREAD_WORKERS,
  componentGraceSeconds: 600,
  dfFederateWith: [] as string[],
  dfFederationTimeoutMs: 5000,
  historyMaxMessages: 10_000,
  historyMaxBytes: 16 * 1024 * 1024,
  historyRetentionHours: 168,
  maxTasks: 10_000,
  voters: 5,
  deadVoterMs: 10_000,
  leaveOnShutdown: "off",
} as const;

/** A request rate: `limit` per `windowSeconds`, bursts up to `burst`. */
export const RateSchema = z.strictObject({
  limit: z.number().int().min(1),
  windowSeconds: z.number().min(0.001),
  burst: z.number().int().min(1),
});

/**
 * Per-endpoint rate limits per client (token, or address without one), as in the Caxton
 * API reference: deployment 10/min (burst 20), messages 1000/s (2000), metrics 100/min
 * (200), system operations 50/min (100); reads (`GET` of the other `/api/` routes: status
 * pollers such as the dashboard or a client watching a deployment) 600/min (1200).
 */
export const RATE_LIMIT_DEFAULTS = {
  deploy: { limit: 10, windowSeconds: 60, burst: 20 },
  messages: { limit: 1000, windowSeconds: 1, burst: 2000 },
  metrics: { limit: 100, windowSeconds: 60, burst: 200 },
  system: { limit: 50, windowSeconds: 60, burst: 100 },
  reads: { limit: 600, windowSeconds: 60, burst: 1200 },
} as const;

/** Rate limits by endpoint class. */
export const RateLimitsSchema = z.strictObject({
  deploy: RateSchema.default(RATE_LIMIT_DEFAULTS.deploy),
  messages: RateSchema.default(RATE_LIMIT_DEFAULTS.messages),
  metrics: RateSchema.default(RATE_LIMIT_DEFAULTS.metrics),
  system: RateSchema.default(RATE_LIMIT_DEFAULTS.system),
  reads: RateSchema.default(RATE_LIMIT_DEFAULTS.reads),
});

/** Rate limits by endpoint class. */
export type RateLimits = z.infer<typeof RateLimitsSchema>;

const Token = z.string().min(16, "tokens must be at least 16 characters").regex(
  /^[\x21-\x7e]+$/,
  "tokens are printable ASCII without spaces",
);

const Port = z.coerce.number().int().min(0).max(65535);

/**
 * The node's configuration after merging flags, environment and an optional config file.
 * A node name becomes the platform part of agent names (`echo@<name>`), so it may not
 * contain `@`, whitespace or parentheses.
 */
export const ConfigSchema = z.strictObject({
  host: z.string().min(1).default(DEFAULTS.host),
  port: Port.default(DEFAULTS.port),
  dataDir: z.string().min(1).default(DEFAULTS.dataDir),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/, "letters, digits and . _ : - (at most 63)")
    .default(DEFAULTS.name),
  logLevel: z.enum(LOG_LEVELS).default(DEFAULTS.logLevel),
  p2pPort: Port.default(DEFAULTS.p2pPort),
  /** Interface libp2p binds; defaults to `host`. Use 0.0.0.0 to reach other hosts. */
  p2pHost: z.string().min(1).optional(),
  /**
   * The FIPA platform name: the `@platform` of agent names and of `ams@`/`df@`. Every node
   * of a cluster should use the same; defaults to the node name.
   */
  platform: z.string().regex(/^[^\s()@]{1,128}$/, "no whitespace, parentheses or '@'").optional(),
  join: z.array(z.string().min(1)).default([]),
  maxBodyBytes: z.coerce.number().int().min(1024).max(1 << 30).default(DEFAULTS.maxBodyBytes),
  /** Tokens with every right. With no token configured at all, the API is open. */
  adminTokens: z.array(Token).default([]),
  /** Tokens that may only read (GET, and POSTs that change nothing). */
  readTokens: z.array(Token).default([]),
  /** Tokens with a role and scopes: `role=TOKEN`, `role[scope ...]=TOKEN` or objects. */
  apiTokens: z.array(TokenGrantSchema).default([]),
  /** JWKS URL of the JWT issuer (JWT bearer tokens are accepted when this or a file is set). */
  jwtJwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** JWKS file (reread when a token names an unknown key id). */
  jwtJwksFile: z.string().min(1).optional(),
  /** Required `iss` of JWTs. */
  jwtIssuer: z.string().min(1).optional(),
  /** Accepted `aud` values of JWTs (one must match). */
  jwtAudience: z.array(z.string().min(1)).optional(),
  /** The claim (dotted path) holding a JWT's roles. */
  jwtRolesClaim: z.string().min(1).default(DEFAULTS.jwtRolesClaim),
  /** The claim holding a JWT's scopes (space-separated string or array). */
  jwtScopesClaim: z.string().min(1).default(DEFAULTS.jwtScopesClaim),
  /** The claim holding the sender names a JWT's holder may use. */
  jwtSenderClaim: z.string().min(1).default(DEFAULTS.jwtSenderClaim),
  /** Clock skew accepted on `exp` and `nbf`, seconds. */
  jwtClockSkewSeconds: z.coerce.number().min(0).max(600).default(DEFAULTS.jwtClockSkewSeconds),
  /** The JWKS is refetched at most this often (an unknown `kid` triggers a refetch), seconds. */
  jwtJwksCooldownSeconds: z.coerce.number().min(0).max(86_400).default(
    DEFAULTS.jwtJwksCooldownSeconds,
  ),
  rateLimit: z.enum(["on", "off"]).default("on"),
  rateLimits: RateLimitsSchema.default(RATE_LIMIT_DEFAULTS),
  /** Raft tick, ms: heartbeats every tick, elections after `raftElectionTicks`..2× ticks. */
  raftTickMs: z.coerce.number().int().min(5).max(10_000).default(50),
  /** Raft election timeout in ticks (randomized up to twice this). */
  raftElectionTicks: z.coerce.number().int().min(3).max(1000).default(10),
  /**
   * Voters the cluster keeps (odd): nodes beyond it stay learners; the leader promotes a
   * caught-up learner when a voter is missing or has been silent for `deadVoterMs`.
   */
  voters: z.coerce.number().int().min(1).max(99)
    .refine((n) => n % 2 === 1, "must be odd (an even count adds no fault tolerance)")
    .default(DEFAULTS.voters),
  /** A voter the leader has not heard from for this long is replaced by a learner, ms. */
  deadVoterMs: z.coerce.number().int().min(100).max(86_400_000).default(DEFAULTS.deadVoterMs),
  /**
   * On SIGTERM/SIGINT, leave the cluster first (hand over leadership, drain agents, leave
   * the configuration) instead of only stopping (`on`/`off`).
   */
  leaveOnShutdown: z.enum(["on", "off"]).default(DEFAULTS.leaveOnShutdown),
  /** Discover other nodes on the local network with mDNS (`on`/`off`). */
  mdns: z.enum(["on", "off"]).default("off"),
  /**
   * `deno task start` (main.ts) deploys the built-in sample agent `echo` when it founds a
   * cluster on an empty data directory (`on`/`off`).
   */
  sampleAgents: z.enum(["on", "off"]).default(DEFAULTS.sampleAgents),
  /** At-least-once delivery: attempts before a message is dead-lettered. */
  deliveryMaxAttempts: z.coerce.number().int().min(1).max(1000).default(8),
  /** At-least-once delivery: first retry delay (doubling up to 30 s), ms. */
  deliveryRetryMs: z.coerce.number().int().min(1).max(600_000).default(200),
  /**
   * What `POST /acc` (FIPA HTTP MTP) answers 200 after: `at-most-once` (default, as JADE)
   * once the message is in the receivers' mailboxes; `at-least-once` once it is stored in the
   * at-least-once outbox (retries, dead letters, duplicate marks), so a crash loses nothing.
   */
  mtpDelivery: z.enum(["at-most-once", "at-least-once"]).default(DEFAULTS.mtpDelivery),
  /** The largest `limits.memory` any agent may ask for, bytes (or "256MiB"). */
  maxAgentMemory: ByteSizeSchema.pipe(z.number().min(1 << 20).max(2 ** 40))
    .default(DEFAULTS.maxAgentMemory),
  /** The largest `limits.cpu_ms_per_call` any agent may ask for. */
  maxAgentCpuMs: z.coerce.number().int().min(1).max(600_000).default(DEFAULTS.maxAgentCpuMs),
  /** The largest `limits.mailbox` any agent may ask for. */
  maxAgentMailbox: z.coerce.number().int().min(1).max(1_000_000).default(
    DEFAULTS.maxAgentMailbox,
  ),
  /** The largest `manifest.storage_quota` any agent may ask for, bytes. */
  maxAgentStorage: ByteSizeSchema.pipe(z.number().min(1).max(2 ** 40))
    .default(DEFAULTS.maxAgentStorage),
  /**
   * Hosts agents' `net` grants may name: `host`, `host:port`, `*.domain` or `*`; default
   * none (no agent may make outgoing HTTP requests).
   */
  agentNetAllow: z.preprocess(
    splitList,
    z.array(
      z.string().trim().toLowerCase().regex(
        /^(\*|(\*\.)?[a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/,
        'host, host:port, "*.domain" or "*"',
      ),
    ),
  ).default([]),
  /**
   * Absolute directories agents' `files` grants may name besides each agent's own root
   * (`<data-dir>/agent-files/<agent>`); default none.
   */
  agentFilesAllow: z.preprocess(
    splitList,
    z.array(
      z.string().trim().regex(/^\/[^\0]*$/, "an absolute directory").refine(
        (p) => !p.split("/").includes(".."),
        'a directory without ".." segments',
      ).transform((p) => p.replace(/\/+$/, "") || "/"),
    ),
  ).default([]),
  /** Agents whose `cpu_ms_per_call` is above this get a Worker of their own. */
  sharedWorkerCpuMs: z.coerce.number().int().min(1).max(600_000).default(
    DEFAULTS.sharedWorkerCpuMs,
  ),
  /**
   * Agents sharing one sandbox Worker at most (fewer: more, smaller Workers, e.g. for many
   * cores; more: fewer heaps to collect).
   */
  agentsPerWorker: z.coerce.number().int().min(1).max(MAX_AGENTS_PER_WORKER).default(
    DEFAULTS.agentsPerWorker,
  ),
  /** Sandbox Workers agents are spread over before any is filled (e.g. one per core). */
  spreadWorkers: z.coerce.number().int().min(1).max(MAX_SPREAD_WORKERS).default(
    DEFAULTS.spreadWorkers,
  ),
  /** Components no agent or snapshot uses are deleted after this long, seconds. */
  componentGraceSeconds: z.coerce.number().min(0).max(86_400 * 365).default(
    DEFAULTS.componentGraceSeconds,
  ),
  /**
   * DFs of other platforms the DF registers with (federation, SC00023), each
   * `<df name>=<MTP address>`, e.g. `df@jade-platform=http://host:7778/acc`.
   */
  dfFederateWith: z.array(
    z.string().regex(
      /^[^\s()@=]+@[^\s()=]+=https?:\/\/\S+$/,
      "expected <df>@<platform>=<http(s) MTP address>",
    ),
  ).default([]),
  /** How long a federated DF has to answer a propagated search or a register, ms. */
  dfFederationTimeoutMs: z.coerce.number().int().min(10).max(600_000).default(
    DEFAULTS.dfFederationTimeoutMs,
  ),
  /** Message history (kept in Deno KV across restarts): most messages kept per node. */
  historyMaxMessages: z.coerce.number().int().min(1).max(10_000_000).default(
    DEFAULTS.historyMaxMessages,
  ),
  /** Message history: most (estimated) bytes kept per node, or "16MiB". */
  historyMaxBytes: ByteSizeSchema.pipe(z.number().min(1024).max(2 ** 40))
    .default(DEFAULTS.historyMaxBytes),
  /** Message history: messages older than this many hours are dropped (0: kept until bounds). */
  historyRetentionHours: z.coerce.number().min(0).max(24 * 365 * 10).default(
    DEFAULTS.historyRetentionHours,
  ),
  /** Task API: tasks kept per node (kept in Deno KV); the oldest ended ones go first. */
  maxTasks: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULTS.maxTasks),
  /** Shared secret nodes present to join the cluster (see README); unset: open joins. */
  clusterToken: Token.optional(),
  /** Base URL other platforms reach this node's HTTP API at (MTP address = it + `/acc`). */
  publicUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")).optional(),
  /** Ed25519 public keys of trusted agent publishers: PEM or base64 text, or a file of them. */
  trustedPublisherKeys: z.array(z.string().min(1)).default([]),
  /** Refuse components without a trusted publisher's signature (`on`/`off`; flag alone: on). */
  requireSignedAgents: z.preprocess(
    (v) => v === true || v === "true" ? "on" : v === false || v === "false" ? "off" : v,
    z.enum(["on", "off"]),
  ).default("off"),
  /** Audit records older than this are pruned (the chain stays verifiable); 0 keeps all. */
  auditRetentionDays: z.coerce.number().min(0).max(36_500).default(DEFAULTS.auditRetentionDays),
  /** PEM certificate and key files; both set serves HTTPS. */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
}).refine((c) => !c.tlsCert === !c.tlsKey, {
  message: "tlsCert and tlsKey go together",
  path: ["tlsCert"],
}).refine((c) => !(c.jwtJwksUrl && c.jwtJwksFile), {
  message: "set jwtJwksUrl or jwtJwksFile, not both",
  path: ["jwtJwksUrl"],
});

/** A validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
