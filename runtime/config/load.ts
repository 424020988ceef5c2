import { parseArgs } from "node:util";
import { z } from "zod";
import { type Config, ConfigSchema, DEFAULTS } from "./schema.ts";

/** Where each setting can come from: flag name, environment variable, config-file key. */
/** Every setting that has a flag and an environment variable. */
export const SETTINGS = [
  { key: "host", flag: "host", env: "FIPA_EDGE_HOST", help: "HTTP listen address" },
  { key: "port", flag: "port", env: "FIPA_EDGE_PORT", help: "HTTP port (0 picks a free one)" },
  { key: "dataDir", flag: "data-dir", env: "FIPA_EDGE_DATA_DIR", help: "data directory (KV file)" },
  {
    key: "name",
    flag: "name",
    env: "FIPA_EDGE_NAME",
    help: "node name: its member id in the cluster",
  },
  { key: "logLevel", flag: "log-level", env: "FIPA_EDGE_LOG_LEVEL", help: "debug|info|warn|error" },
  { key: "p2pPort", flag: "p2p-port", env: "FIPA_EDGE_P2P_PORT", help: "libp2p TCP port" },
  {
    key: "p2pHost",
    flag: "p2p-host",
    env: "FIPA_EDGE_P2P_HOST",
    help: "libp2p listen address (default: --host)",
  },
  {
    key: "platform",
    flag: "platform",
    env: "FIPA_EDGE_PLATFORM",
    help: "FIPA platform name (default: --name)",
  },
  { key: "join", flag: "join", env: "FIPA_EDGE_JOIN", help: "multiaddr to join (repeatable)" },
  {
    key: "maxBodyBytes",
    flag: "max-body-bytes",
    env: "FIPA_EDGE_MAX_BODY_BYTES",
    help: "largest HTTP request body",
  },
  {
    key: "adminTokens",
    flag: "admin-token",
    env: "FIPA_EDGE_ADMIN_TOKEN",
    help: "admin API token (repeatable)",
  },
  {
    key: "readTokens",
    flag: "read-token",
    env: "FIPA_EDGE_READ_TOKEN",
    help: "read-only API token (repeatable)",
  },
  {
    key: "apiTokens",
    flag: "api-token",
    env: "FIPA_EDGE_API_TOKEN",
    help: "token with a role: role=TOKEN or role[scope ...]=TOKEN (repeatable)",
  },
  {
    key: "jwtJwksUrl",
    flag: "jwt-jwks-url",
    env: "FIPA_EDGE_JWT_JWKS_URL",
    help: "accept JWTs signed by the keys at this JWKS URL",
  },
  {
    key: "jwtJwksFile",
    flag: "jwt-jwks-file",
    env: "FIPA_EDGE_JWT_JWKS_FILE",
    help: "accept JWTs signed by the keys in this JWKS file",
  },
  { key: "jwtIssuer", flag: "jwt-issuer", env: "FIPA_EDGE_JWT_ISSUER", help: "required JWT iss" },
  {
    key: "jwtAudience",
    flag: "jwt-audience",
    env: "FIPA_EDGE_JWT_AUDIENCE",
    help: "accepted JWT aud (repeatable)",
  },
  {
    key: "jwtRolesClaim",
    flag: "jwt-roles-claim",
    env: "FIPA_EDGE_JWT_ROLES_CLAIM",
    help: "JWT claim with the roles (dotted path)",
  },
  {
    key: "jwtScopesClaim",
    flag: "jwt-scopes-claim",
    env: "FIPA_EDGE_JWT_SCOPES_CLAIM",
    help: "JWT claim with the scopes",
  },
  {
    key: "jwtSenderClaim",
    flag: "jwt-sender-claim",
    env: "FIPA_EDGE_JWT_SENDER_CLAIM",
    help: "JWT claim with the sender names allowed",
  },
  {
    key: "jwtClockSkewSeconds",
    flag: "jwt-clock-skew-seconds",
    env: "FIPA_EDGE_JWT_CLOCK_SKEW_SECONDS",
    help: "clock skew accepted on exp and nbf",
  },
  {
    key: "jwtJwksCooldownSeconds",
    flag: "jwt-jwks-cooldown-seconds",
    env: "FIPA_EDGE_JWT_JWKS_COOLDOWN_SECONDS",
    help: "least time between two JWKS fetches",
  },
  {
    key: "rateLimit",
    flag: "rate-limit",
    env: "FIPA_EDGE_RATE_LIMIT",
    help: "per-endpoint rate limits: on|off",
  },
  {
    key: "raftTickMs",
    flag: "raft-tick-ms",
    env: "FIPA_EDGE_RAFT_TICK_MS",
    help: "Raft tick in ms; heartbeat every tick (default 50)",
  },
  {
    key: "raftElectionTicks",
    flag: "raft-election-ticks",
    env: "FIPA_EDGE_RAFT_ELECTION_TICKS",
    help: "Raft election timeout in ticks (default 10)",
  },
  {
    key: "voters",
    flag: "voters",
    env: "FIPA_EDGE_VOTERS",
    help: "voters the cluster keeps (odd); other nodes are learners",
  },
  {
    key: "deadVoterMs",
    flag: "dead-voter-ms",
    env: "FIPA_EDGE_DEAD_VOTER_MS",
    help: "a voter silent this long is replaced by a learner",
  },
  {
    key: "leaveOnShutdown",
    flag: "leave-on-shutdown",
    env: "FIPA_EDGE_LEAVE_ON_SHUTDOWN",
    help: "leave the cluster on SIGTERM/SIGINT: on|off",
  },
  {
    key: "mdns",
    flag: "mdns",
    env: "FIPA_EDGE_MDNS",
    help: "discover nodes on the local network: on|off",
  },
  {
    key: "sampleAgents",
    flag: "sample-agents",
    env: "FIPA_EDGE_SAMPLE_AGENTS",
    help: "deploy the sample agent echo on a fresh node: on|off",
  },
  {
    key: "publicUrl",
    flag: "public-url",
    env: "FIPA_EDGE_PUBLIC_URL",
    help: "URL other platforms reach this node at",
  },
  {
    key: "clusterToken",
    flag: "cluster-token",
    env: "FIPA_EDGE_CLUSTER_TOKEN",
    help: "secret a node needs to join the cluster",
  },
  {
    key: "deliveryMaxAttempts",
    flag: "delivery-max-attempts",
    env: "FIPA_EDGE_DELIVERY_MAX_ATTEMPTS",
    help: "at-least-once attempts before a dead letter",
  },
  {
    key: "deliveryRetryMs",
    flag: "delivery-retry-ms",
    env: "FIPA_EDGE_DELIVERY_RETRY_MS",
    help: "at-least-once first retry delay, ms (doubling)",
  },
  {
    key: "mtpDelivery",
    flag: "mtp-delivery",
    env: "FIPA_EDGE_MTP_DELIVERY",
    help: "what POST /acc answers 200 after: at-most-once|at-least-once (stored first)",
  },
  {
    key: "maxAgentMemory",
    flag: "max-agent-memory",
    env: "FIPA_EDGE_MAX_AGENT_MEMORY",
    help: "largest limits.memory an agent may ask for",
  },
  {
    key: "maxAgentCpuMs",
    flag: "max-agent-cpu-ms",
    env: "FIPA_EDGE_MAX_AGENT_CPU_MS",
    help: "largest limits.cpu_ms_per_call",
  },
  {
    key: "maxAgentMailbox",
    flag: "max-agent-mailbox",
    env: "FIPA_EDGE_MAX_AGENT_MAILBOX",
    help: "largest limits.mailbox",
  },
  {
    key: "maxAgentStorage",
    flag: "max-agent-storage",
    env: "FIPA_EDGE_MAX_AGENT_STORAGE",
    help: "largest manifest.storage_quota",
  },
  {
    key: "agentNetAllow",
    flag: "agent-net-allow",
    env: "FIPA_EDGE_AGENT_NET_ALLOW",
    help: "hosts agents' net grants may name: host, host:port, *.domain, *",
  },
  {
    key: "agentFilesAllow",
    flag: "agent-files-allow",
    env: "FIPA_EDGE_AGENT_FILES_ALLOW",
    help: "absolute directories agents' files grants may name (besides their own root)",
  },
  {
    key: "sharedWorkerCpuMs",
    flag: "shared-worker-cpu-ms",
    env: "FIPA_EDGE_SHARED_WORKER_CPU_MS",
    help: "agents with a longer cpu_ms_per_call get their own Worker",
  },
  {
    key: "agentsPerWorker",
    flag: "agents-per-worker",
    env: "FIPA_EDGE_AGENTS_PER_WORKER",
    help: "agents sharing one sandbox Worker at most",
  },
  {
    key: "spreadWorkers",
    flag: "spread-workers",
    env: "FIPA_EDGE_SPREAD_WORKERS",
    help: "sandbox Workers agents are spread over before any is filled",
  },
  {
    key: "componentGraceSeconds",
    flag: "component-grace-seconds",
    env: "FIPA_EDGE_COMPONENT_GRACE_SECONDS",
    help: "unused components are deleted after this long",
  },
  {
    key: "dfFederateWith",
    flag: "df-federate-with",
    env: "FIPA_EDGE_DF_FEDERATE_WITH",
    help: "DF to register with: df@platform=http://host/acc (repeatable)",
  },
  {
    key: "dfFederationTimeoutMs",
    flag: "df-federation-timeout-ms",
    env: "FIPA_EDGE_DF_FEDERATION_TIMEOUT_MS",
    help: "time a federated DF has to answer, ms",
  },
  {
    key: "historyMaxMessages",
    flag: "history-max-messages",
    env: "FIPA_EDGE_HISTORY_MAX_MESSAGES",
    help: "message history: most messages kept",
  },
  {
    key: "historyMaxBytes",
    flag: "history-max-bytes",
    env: "FIPA_EDGE_HISTORY_MAX_BYTES",
    help: "message history: most bytes kept (e.g. 16MiB)",
  },
  {
    key: "historyRetentionHours",
    flag: "history-retention-hours",
    env: "FIPA_EDGE_HISTORY_RETENTION_HOURS",
    help: "message history: hours a message is kept (0: until bounds)",
  },
  {
    key: "maxTasks",
    flag: "max-tasks",
    env: "FIPA_EDGE_MAX_TASKS",
    help: "Task API: tasks kept (oldest ended ones go first)",
  },
  {
    key: "trustedPublisherKeys",
    flag: "trusted-publisher-key",
    env: "FIPA_EDGE_TRUSTED_PUBLISHER_KEY",
    help: "Ed25519 public key (or file) of a trusted agent publisher (repeatable)",
  },
  {
    key: "requireSignedAgents",
    flag: "require-signed-agents",
    env: "FIPA_EDGE_REQUIRE_SIGNED_AGENTS",
    help: "refuse components without a trusted signature (flag alone; variable: on|off)",
  },
  {
    key: "auditRetentionDays",
    flag: "audit-retention-days",
    env: "FIPA_EDGE_AUDIT_RETENTION_DAYS",
    help: "prune audit records older than this (0: keep all)",
  },
  {
    key: "tlsCert",
    flag: "tls-cert",
    env: "FIPA_EDGE_TLS_CERT",
    help: "PEM certificate file (HTTPS)",
  },
  {
    key: "tlsKey",
    flag: "tls-key",
    env: "FIPA_EDGE_TLS_KEY",
    help: "PEM private key file (HTTPS)",
  },
] as const;

/** Settings that take a list: repeatable flags, comma-separated variables. */
const LISTS = new Set([
  "join",
  "adminTokens",
  "readTokens",
  "apiTokens",
  "jwtAudience",
  "agentNetAllow",
  "agentFilesAllow",
  "trustedPublisherKeys",
  "dfFederateWith",
]);
/** Settings whose flag may stand alone (`--require-signed-agents` = on). */
const SWITCHES = new Set(["requireSignedAgents"]);
/** Token settings that can also come from a file (one token per line) via `--X-file` / `X_FILE`. */
const TOKEN_FILES = [
  { key: "adminTokens", flag: "admin-token-file", env: "FIPA_EDGE_ADMIN_TOKEN_FILE" },
  { key: "readTokens", flag: "read-token-file", env: "FIPA_EDGE_READ_TOKEN_FILE" },
  { key: "apiTokens", flag: "api-token-file", env: "FIPA_EDGE_API_TOKEN_FILE" },
] as const;

/** A configuration problem, naming the setting and its bad value. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The result of reading the command line: either help was asked for, or a configuration. */
export type LoadResult = { help: true; text: string } | { help: false; config: Config };

/** The `--help` text, listing every flag with its variable and default. */
export function helpText(): string {
  const lines = [
    "fipa-edge: an edge runtime for FIPA agents",
    "",
    "Usage: deno task start [flags]",
    "",
    "Flags (each also read from its environment variable; flags win, then variables, then",
    "the config file, then the default):",
  ];
  for (const s of SETTINGS) {
    const def = (DEFAULTS as Record<string, unknown>)[s.key];
    const shown = def === undefined || Array.isArray(def) ? "none" : String(def);
    lines.push(`  --${s.flag.padEnd(16)} ${s.env.padEnd(26)} ${s.help} (default: ${shown})`);
  }
  for (const t of TOKEN_FILES) {
    lines.push(`  --${t.flag.padEnd(16)} ${t.env.padEnd(26)} file with one token per line`);
  }
  lines.push(`  --${"config".padEnd(16)} ${"FIPA_EDGE_CONFIG".padEnd(26)} JSON config file`);
  lines.push(`  --${"help".padEnd(16)} ${"".padEnd(26)} print this help`);
  return lines.join("\n");
}

/**
 * Reads flags, environment variables and an optional JSON config file (keys as in
 * {@link Config}) into a validated configuration.
 *
 * @param args command-line arguments (e.g. `Deno.args`)
 * @param env environment lookup (e.g. `(k) => Deno.env.get(k)`)
 * @param readFile reads the config file named by `--config` / `FIPA_EDGE_CONFIG`
 * @throws {ConfigError} naming the bad flag, variable or key and its value
 * @example
 * ```ts
 * const r = loadConfig(["--port", "0"], () => undefined, () => "{}");
 * if (!r.help) r.config.port; // 0
 * ```
 */
export function loadConfig(
  args: string[],
  env: (name: string) => string | undefined,
  readFile: (path: string) => string = (p) => Deno.readTextFileSync(p),
): LoadResult {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    help: { type: "boolean" },
    config: { type: "string" },
  };
  for (const s of SETTINGS) options[s.flag] = { type: "string", multiple: LISTS.has(s.key) };
  // A switch is `--flag` alone (on); its variable and config key take on|off.
  for (const s of SETTINGS) if (SWITCHES.has(s.key)) options[s.flag] = { type: "boolean" };
  for (const t of TOKEN_FILES) options[t.flag] = { type: "string" };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args, options, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new ConfigError(`${(e as Error).message} (see --help)`);
  }
  if (values.help) return { help: true, text: helpText() };

  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const file = (values.config as string | undefined) ?? env("FIPA_EDGE_CONFIG");
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(file));
    } catch (e) {
      throw new ConfigError(`config file '${file}': ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file '${file}' must hold a JSON object`);
    }
    for (const [k, v] of Object.entries(parsed)) {
      merged[k] = v;
      origin[k] = `config file '${file}' key '${k}'`;
    }
  }
  for (const s of SETTINGS) {
    const v = env(s.env);
    if (v === undefined || v === "") continue;
    merged[s.key] = LISTS.has(s.key) ? v.split(",").map((x) => x.trim()).filter(Boolean) : v;
    origin[s.key] = `environment variable ${s.env}`;
  }
  for (const t of TOKEN_FILES) {
    const path = (values[t.flag] as string | undefined) ?? env(t.env);
    if (!path) continue;
    let text: string;
    try {
      text = readFile(path);
    } catch (e) {
      throw new ConfigError(`token file '${path}' (--${t.flag}): ${(e as Error).message}`);
    }
    const tokens = text.split(/\r?\n/).map((x) => x.trim()).filter((x) => x && !x.startsWith("#"));
    merged[t.key] = [...((merged[t.key] as string[] | undefined) ?? []), ...tokens];
    origin[t.key] = `token file '${path}'`;
  }
  for (const s of SETTINGS) {
    const v = values[s.flag];
    if (v === undefined) continue;
    merged[s.key] = v;
    origin[s.key] = `flag --${s.flag}`;
  }
  const r = ConfigSchema.safeParse(merged);
  if (!r.success) throw new ConfigError(describe(r.error, merged, origin));
  return { help: false, config: r.data };
}

function describe(
  error: z.ZodError,
  merged: Record<string, unknown>,
  origin: Record<string, string>,
): string {
  return error.issues.map((i) => {
    const key = String(i.path[0] ?? "");
    if (i.code === "unrecognized_keys") return `unknown setting(s) ${i.keys.join(", ")}`;
    const from = origin[key] ?? key;
    // Never echo secrets.
    const shown = /[tT]okens?$/.test(key) ? "a token" : JSON.stringify(merged[key]);
    return `${from}: ${shown} is invalid: ${i.message}`;
  }).join("; ");
}
