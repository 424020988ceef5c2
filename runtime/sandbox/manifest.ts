import { z } from "zod";
import { DEFAULT_MAX_TIMERS, MAX_TIMERS_LIMIT } from "../timers/table.ts";
import { FilesGrantSchema, NetGrantSchema } from "./grants.ts";

/** Bytes as a number or a string with a unit: `"50MB"`, `"64 MiB"`, `"512k"`. */
export const ByteSizeSchema: z.ZodType<number, number | string> = z.union([
  z.number().int().min(0),
  z.string().trim().regex(
    /^\d+(\.\d+)?\s*([kmg]i?b?|b)?$/i,
    'a size such as 1048576, "512KB", "50MB" or "1GiB"',
  ).transform((s) => {
    const m = /^(\d+(?:\.\d+)?)\s*([kmg])?/i.exec(s)!;
    const unit = (m[2] ?? "").toLowerCase();
    const mult = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
    return Math.round(Number(m[1]) * mult);
  }),
]) as unknown as z.ZodType<number, number | string>;

/**
 * Whom `send-message` may address:
 * - `"none"` (default): only the agents whose messages it is handling in the current call
 *   (their sender and `reply-to`), which is enough to answer requests;
 * - `"local"`: also every agent hosted on this node;
 * - a list: also the listed agent names, and every agent on a listed node (`node:<id>`);
 * - `"any"`: every agent.
 */
export const NetworkAccessSchema = z.union([
  z.enum(["none", "local", "any"]),
  z.array(z.string().min(1).max(1024)).max(1024),
]);
/** One network access level, see {@link NetworkAccessSchema}. */
export type NetworkAccess = z.infer<typeof NetworkAccessSchema>;

/** A value of the legacy `permissions` object (removed; see {@link ManifestSchema}). */
const LegacyPermissionValue = z.union([z.boolean(), z.array(z.string()).max(256)]);

/**
 * The manifest's old raw `permissions` object. Deno permissions now come only from the
 * grants (`net`, `files`): a `permissions` object that asks for nothing (every value `false`
 * or empty, as agent records stored before the change hold) is accepted and dropped; one
 * that asks for anything is refused, naming the field.
 */
const LegacyPermissionsSchema = z.record(z.string(), LegacyPermissionValue).refine(
  (p) => Object.values(p).every((v) => v === false || (Array.isArray(v) && v.length === 0)),
  {
    error: "the manifest's raw `permissions` object is no longer supported: an agent's Worker " +
      "gets Deno permissions only from its grants (`net`: hosts, `files`: directories); " +
      "`run`, `ffi`, `import` and `sys` are never granted",
  },
);

/**
 * One skill an agent offers to A2A clients: listed on its agent card and the platform's. An
 * A2A message for it becomes a FIPA `performative` (default `request`) to the agent.
 */
export const A2aSkillSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 of [A-Za-z0-9_.-]"),
  name: z.string().min(1).max(256),
  description: z.string().max(4096).default(""),
  tags: z.array(z.string().min(1).max(64)).max(32).default([]),
  examples: z.array(z.string().min(1).max(1024)).max(16).default([]),
  performative: z.enum(["request", "query-ref", "query-if", "inform", "cfp"]).default("request"),
  /** The interaction protocol the FIPA message names (default `fipa-request` for `request`). */
  protocol: z.string().min(1).max(256).optional(),
});
/** A validated A2A skill. */
export type A2aSkill = z.infer<typeof A2aSkillSchema>;

/** The A2A opt-in of a manifest: with it, the agent has an A2A card and endpoint. */
export const A2aOptInSchema = z.strictObject({
  skills: z.array(A2aSkillSchema).min(1).max(32),
});

/**
 * Largest manifest as JSON (UTF-8 bytes): the agent record that carries it must fit one
 * Deno KV value (64 KiB), with room for the rest of the record.
 */
export const MAX_MANIFEST_BYTES = 32 * 1024;

function jsonBytes(v: unknown): number {
  return new TextEncoder().encode(JSON.stringify(v)).length;
}

/**
 * What an agent may do (Caxton's `AgentCapabilities`). Every field has a least-privilege
 * default, so `{}` is a valid manifest:
 *
 * | field | default | meaning |
 * | --- | --- | --- |
 * | `protocols` | `"any"` | interaction protocols its outgoing messages may name (messages without `protocol` always pass) |
 * | `network` | `"none"` | whom it may send to, see {@link NetworkAccessSchema} |
 * | `storage_quota` | 1 MiB | sum of key and value sizes in its storage |
 * | `may_migrate` | `false` | whether `migrate-to` is allowed |
 * | `may_spawn` | `false` | whether it may create agents (checked by the lifecycle layer) |
 * | `env` | `{}` | the WASI environment variables it sees |
 * | `net` | `[]` | hosts (`host` or `host:port`) its outgoing HTTP may reach (world 0.2.0) |
 * | `files` | `[]` | directories (`{path, mode: "read" \| "read-write"}`) relative to its root in the node's data directory (world 0.2.0) |
 * | `a2a` | none | `{ skills: [...] }`: the agent is reachable as an A2A agent (see {@link A2aSkillSchema}) |
 * | `stateless` | `false` | the agent keeps nothing between messages that matters, so it may run as several instances (`replicas`); stateful agents run as one |
 *
 * @example
 * ```ts
 * ManifestSchema.parse({ network: "local", storage_quota: "64KB" });
 * ```
 */
export const ManifestSchema = z.strictObject({
  protocols: z.union([z.literal("any"), z.array(z.string().min(1).max(256)).max(64)])
    .default("any"),
  network: NetworkAccessSchema.default("none"),
  storage_quota: ByteSizeSchema.default(1024 * 1024),
  may_migrate: z.boolean().default(false),
  may_spawn: z.boolean().default(false),
  env: z.record(z.string().min(1).max(256).regex(/^[^=\0]+$/), z.string().max(4096)).default({}),
  net: z.array(NetGrantSchema).max(64).default([]),
  files: z.array(FilesGrantSchema).max(32).default([]),
  permissions: LegacyPermissionsSchema.optional(),
  a2a: A2aOptInSchema.optional(),
  stateless: z.boolean().optional(),
}).transform(({ permissions: _legacy, ...m }) => m).refine(
  (m) => jsonBytes(m) <= MAX_MANIFEST_BYTES,
  {
    error: (i) =>
      `the manifest is ${jsonBytes(i.input)} bytes as JSON; at most ${MAX_MANIFEST_BYTES} ` +
      "(an agent record must fit a Deno KV value of 64 KiB)",
  },
);
/** A validated manifest. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** A manifest as written by a client. */
export type ManifestInput = z.input<typeof ManifestSchema>;

/**
 * Resource limits of one agent:
 *
 * | field | default | meaning |
 * | --- | --- | --- |
 * | `memory` | 64 MiB | linear memory cap (all its memories together); growing past it fails the agent with `memory-limit` |
 * | `cpu_ms_per_call` | 1000 | CPU time (the Worker thread's) one export call may use; past it, or past ten times it in wall time (at least it plus 2 s, see `cpu-clock.ts`), the call traps and the agent fails with `cpu-limit` |
 * | `mailbox` | 1024 | deliveries waiting for the agent; more are refused with `RESOURCE_LIMIT_EXCEEDED` |
 * | `send_rate` | 20000 | sustained `send-message` calls per second |
 * | `send_burst` | 2000 | sends allowed at once before the rate applies; past it `send-message` returns an error |
 * | `http_rate` | 10 | sustained outgoing HTTP requests per second (as many at once) |
 * | `http_in_flight` | 4 | outgoing requests not finished yet (a request given up on counts until it ends) |
 * | `http_timeout_ms` | 10000 | time per request, also bounded by what is left of the call's `cpu_ms_per_call` |
 * | `http_response_bytes` | 1 MiB | largest response body |
 * | `file_bytes` | 16 MiB | bytes the agent's files may hold in its writable directories |
 * | `timers` | 100 | timers pending at once (at most 150: the table is one Deno KV value); past it `set-timer` returns an error value |
 */
export const LimitsSchema = z.strictObject({
  memory: ByteSizeSchema.default(64 * 1024 * 1024),
  cpu_ms_per_call: z.number().int().min(1).max(600_000).default(1000),
  mailbox: z.number().int().min(1).max(1_000_000).default(1024),
  send_rate: z.number().min(0).max(1_000_000).default(20_000),
  send_burst: z.number().int().min(0).max(1_000_000).default(2000),
  http_rate: z.number().min(0).max(100_000).default(10),
  http_in_flight: z.number().int().min(1).max(1024).default(4),
  http_timeout_ms: z.number().int().min(1).max(600_000).default(10_000),
  http_response_bytes: ByteSizeSchema.pipe(z.number().max(256 * 1024 * 1024)).default(1024 * 1024),
  file_bytes: ByteSizeSchema.pipe(z.number().max(2 ** 40)).default(16 * 1024 * 1024),
  timers: z.number().int().min(1).max(MAX_TIMERS_LIMIT).default(DEFAULT_MAX_TIMERS),
});
/** Validated limits. */
export type Limits = z.infer<typeof LimitsSchema>;
/** Limits as written by a client. */
export type LimitsInput = z.input<typeof LimitsSchema>;
