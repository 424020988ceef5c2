import type { Context } from "hono";
import { z } from "zod";
import {
  AGENT_STATES,
  type AgentManager,
  type AgentView,
  DeployConfigSchema,
  UpdateConfigSchema,
} from "../../agents/mod.ts";
import { type InstanceStats, type ReplicaHost, requireStateless } from "../../replicas/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import { checkAgentBounds } from "../../sandbox/mod.ts";
import type { MigrationService } from "../../migration/mod.ts";
import { mediaType } from "../acl-body.ts";
import type { App, AppEnv } from "../env.ts";
import { parseField, readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { authorize, principalOf, readFilter } from "../access.ts";
import { AgentVersionSchema } from "../../directory/mod.ts";
import { type SignatureRefusal, TrustedPublishers } from "../../security/mod.ts";
import { errorResponses } from "../schemas.ts";
import { proposalAudit } from "../audit-trail.ts";
import { deployIntentId } from "../../audit/mod.ts";

/** Largest component a deployment may upload (multipart), in bytes. */
export const MAX_COMPONENT_BYTES = 64 * 1024 * 1024;

const AgentViewSchema = z.record(z.string(), z.unknown()).meta({ id: "Agent" });
const IdParam = z.object({ id: z.string().min(1).max(1024) });

/** What a deploy or update form carries. */
export interface DeployForm {
  bytes?: Uint8Array;
  config?: unknown;
  /** Detached Ed25519 signature (base64) over the component's SHA-256, and its key id. */
  signature?: string;
  keyId?: string;
}

/** A text field of a form, or `undefined`; a file where text belongs is a 400. */
function textField(form: Record<string, unknown>, name: string): string | undefined {
  const v = form[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length > 4096) {
    throw new ApiError(
      "INVALID_REQUEST",
      `Field '${name}' must be text (at most 4096 characters)`,
      {
        field: name,
      },
    );
  }
  return v;
}

/**
 * Reads `wasm` (a file), `config` (JSON text), `signature` and `key_id` from a
 * multipart/form-data body.
 */
export async function readDeployForm(
  c: Context<AppEnv>,
  requireWasm: boolean,
): Promise<DeployForm> {
  const type = mediaType(c.req.header("content-type"));
  if (type !== "multipart/form-data") {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type '${
        type || "(none)"
      }' is not supported; send multipart/form-data with 'wasm' and 'config'`,
      { content_type: type, supported: ["multipart/form-data"] },
    );
  }
  let form: Record<string, string | File | (string | File)[]>;
  try {
    form = await c.req.parseBody({ all: false });
  } catch (e) {
    throw new ApiError("INVALID_REQUEST", `Malformed multipart body: ${(e as Error).message}`);
  }
  const wasm = form.wasm;
  let bytes: Uint8Array | undefined;
  if (wasm instanceof File) bytes = new Uint8Array(await wasm.arrayBuffer());
  else if (typeof wasm === "string") {
    throw new ApiError("INVALID_REQUEST", "Field 'wasm' must be a file upload", { field: "wasm" });
  }
  if (requireWasm && !bytes) {
    throw new ApiError("INVALID_WASM", "Field 'wasm' (the component file) is missing", {
      field: "wasm",
      reason: "missing",
    });
  }
  let config: unknown;
  const raw = form.config;
  if (raw instanceof File) config = await raw.text();
  else config = raw;
  if (typeof config === "string") {
    try {
      config = JSON.parse(config);
    } catch (e) {
      throw new ApiError("INVALID_REQUEST", `Field 'config' is not JSON: ${(e as Error).message}`, {
        field: "config",
      });
    }
  }
  return {
    bytes,
    config,
    signature: textField(form, "signature"),
    keyId: textField(form, "key_id"),
  };
}

/**
 * Verifies a component's signature against the trusted publishers: `400 INVALID_SIGNATURE`
 * (before anything is stored) when it is required and missing, or given and wrong.
 */
export async function checkSignature(
  publishers: TrustedPublishers | undefined,
  f: Pick<DeployForm, "bytes" | "signature" | "keyId">,
): Promise<string | undefined> {
  if (!f.bytes) return undefined;
  if (!publishers) {
    if (f.signature === undefined && f.keyId === undefined) return undefined;
    publishers = new TrustedPublishers([], false);
  }
  const r = await publishers.verify({ bytes: f.bytes, signature: f.signature, keyId: f.keyId });
  if (r.ok) return r.keyId;
  const what: Record<SignatureRefusal, string> = {
    "unsigned": "This node requires signed agents: send 'signature' and 'key_id'",
    "untrusted key": `Key '${r.keyId}' is not a trusted publisher key`,
    "bad signature": `The signature does not verify with key '${r.keyId}'`,
    "malformed": "'signature' (64 bytes, base64) and 'key_id' go together",
  };
  throw new ApiError("INVALID_SIGNATURE", what[r.reason], {
    reason: r.reason,
    ...(r.keyId === undefined ? {} : { key_id: r.keyId }),
  });
}

/** An agent's view with its replicas and instances, when it runs as several. */
export async function withInstances(
  view: AgentView,
  replicas: ReplicaHost | undefined,
): Promise<AgentView & { replicas?: number; instances?: InstanceStats[] }> {
  const placed = replicas?.placement(view.name) ?? [];
  if (placed.length < 2) return view;
  return { ...view, replicas: placed.length, instances: await replicas!.instances(view.name) };
}

/** Response of `GET /api/v1/agents/{id}/versions`. */
export const AgentVersionsSchema = z.object({
  name: z.string(),
  versions: z.array(AgentVersionSchema.meta({ id: "AgentVersion" })),
}).meta({ id: "AgentVersions" });

/** Body of `POST /api/v1/agents/{id}/stop`. */
export const StopSchema = z.strictObject({
  grace_period_seconds: z.number().min(0).max(3600).default(30),
  drain_messages: z.boolean().default(true),
});

/** Query of `GET /api/v1/agents`. */
export const AgentListQuery = z.object({
  status: z.enum(AGENT_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  /** A `next_cursor` of an earlier page: the page starts after it (`offset` counts from there). */
  cursor: z.string().regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    "a next_cursor of an earlier page",
  ).optional(),
});

/** Body of `POST /api/v1/agents/{id}/migrate`. */
export const MigrateSchema = z.strictObject({
  /** A member id, as `GET /api/v1/cluster` lists them. */
  target_node: z.string().min(1).max(256),
});

/**
 * Mounts the agent lifecycle routes under `/api/v1/agents` (with `migration`, also
 * `POST /api/v1/agents/{id}/migrate` and `POST /api/v1/agents/{id}/hibernate`).
 */
export function agentRoutes(
  app: App,
  deps: {
    agents: AgentManager;
    migration?: MigrationService;
    publishers?: TrustedPublishers;
    replicas?: ReplicaHost;
  },
): void {
  const { agents, replicas } = deps;
  const json = (description: string) => ({
    description,
    content: { "application/json": { schema: AgentViewSchema } },
  });
  const form = {
    required: true,
    content: {
      "multipart/form-data": {
        schema: z.object({
          wasm: z.string().meta({ format: "binary", description: "the component (.wasm)" }),
          config: z.string().meta({
            description: "JSON: name, version, manifest, limits, restart, start " +
              "('on-deploy', the default: activated before the answer; 'on-message': " +
              "registered asleep, listed as hibernated, started fresh by its first message)",
          }),
          signature: z.string().optional().meta({
            description: "detached Ed25519 signature (base64) over the component's SHA-256",
          }),
          key_id: z.string().optional().meta({ description: "the signer's key id (ed25519:…)" }),
        }),
      },
    },
  };

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/agents",
      summary: "Deploy an agent: multipart 'wasm' (a component) and 'config' (JSON)",
      request: { body: form },
      responses: {
        201: json("Deployed: running, or hibernated (asleep) with start 'on-message'"),
        ...errorResponses(400, 401, 403, 409, 413, 415, 429, 500),
      },
    },
    async (c) => {
      const f = await readDeployForm(c, true);
      const cfg = parseField(DeployConfigSchema, f.config ?? {}, "config");
      authorize(c, "deploy", cfg.name);
      checkAgentBounds(cfg, agents.deps.sandbox.bounds);
      const n = cfg.replicas ?? 1;
      if (n > 1) requireStateless(cfg.name, cfg.manifest.stateless, n);
      if (n > 1 && !replicas) {
        throw new ApiError("CONFLICT", "This node runs no replicas: replicas must be 1", {
          field: "replicas",
        });
      }
      const publisherKeyId = await checkSignature(deps.publishers, f);
      // The audit intent is written atomically with the record: the 201's record may follow it.
      const audit = proposalAudit(c);
      const view = await agents.deploy(f.bytes!, cfg, {
        publisherKeyId,
        deployedBy: principalOf(c)?.subject,
        alongRecord: audit && ((id) => [audit.intentOp(deployIntentId(id), { agent: cfg.name })]),
      });
      audit?.stored();
      if (n > 1) {
        await replicas!.scale(view.name, n);
        audit?.result({ ok: true });
        return c.json(await withInstances(view, replicas), 201);
      }
      audit?.result({ ok: true });
      return c.json(view, 201);
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/agents",
      summary: "List agents on this node",
      request: { query: AgentListQuery },
      responses: { 200: json("A page of agents"), ...errorResponses(400, 401) },
    },
    (c) => {
      const { cursor, ...q } = c.req.valid("query");
      const { next_after, ...page } = agents.list({
        ...q,
        after: cursor,
        visible: readFilter(c),
      });
      return c.json(next_after === undefined ? page : { ...page, next_cursor: next_after });
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/agents/{id}",
      summary: "One agent (by agent id, name or name@platform), with its counters",
      request: { params: IdParam },
      responses: { 200: json("The agent"), ...errorResponses(401, 404) },
    },
    async (c) => {
      const id = c.req.valid("param").id;
      let view;
      try {
        view = agents.get(id);
      } catch (e) {
        // A replicated agent of another node: its instances, from any node.
        const placed = replicas?.placement(id) ?? [];
        if (!(e instanceof ApiError) || e.code !== "AGENT_NOT_FOUND" || placed.length < 2) throw e;
        return c.json({
          name: id,
          node: replicas!.homeOf(id),
          replicas: placed.length,
          instances: await replicas!.instances(id),
        });
      }
      return c.json(await withInstances(view, replicas));
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/agents/{id}/versions",
      summary: "The recorded versions of an agent, oldest first (each deploy and update)",
      description: "From the replicated directory: any node answers for any agent of the " +
        "cluster. Each version has its number (`seq`), label, component hash, manifest " +
        "summary, config, the node and deployment, and who deployed it. The last " +
        "versions are kept, and their components stay in the store.",
      request: { params: IdParam },
      responses: {
        200: {
          description: "The versions",
          content: { "application/json": { schema: AgentVersionsSchema } },
        },
        ...errorResponses(400, 401, 403, 404),
      },
    },
    (c) => c.json(agents.versions(c.req.valid("param").id)),
  );

  defineRoute(
    app,
    {
      method: "put",
      path: "/api/v1/agents/{id}",
      summary: "Update an agent: a new component and/or config; its storage carries over",
      description:
        "multipart/form-data with optional 'wasm' and 'config', or JSON {wasm_module (base64)?, config?}.",
      request: { params: IdParam, body: form },
      responses: { 200: json("Updated"), ...errorResponses(400, 401, 403, 404, 413, 415) },
    },
    async (c) => {
      let form: DeployForm;
      if (mediaType(c.req.header("content-type")) === "application/json") {
        const body = await readJson(
          c,
          z.strictObject({
            wasm_module: z.base64().optional(),
            config: z.unknown().optional(),
            signature: z.string().max(4096).optional(),
            key_id: z.string().max(4096).optional(),
            strategy: z.literal("immediate").optional(),
          }),
        );
        form = {
          bytes: body.wasm_module
            ? Uint8Array.from(atob(body.wasm_module), (ch) => ch.charCodeAt(0))
            : undefined,
          config: body.config,
          signature: body.signature,
          keyId: body.key_id,
        };
      } else {
        form = await readDeployForm(c, false);
      }
      const cfg = form.config === undefined
        ? undefined
        : parseField(UpdateConfigSchema, form.config, "config");
      if (cfg) checkAgentBounds(cfg, agents.deps.sandbox.bounds);
      const publisherKeyId = await checkSignature(deps.publishers, form);
      return c.json(
        await agents.update(c.req.valid("param").id, {
          bytes: form.bytes,
          config: cfg,
          publisherKeyId,
          deployedBy: principalOf(c)?.subject,
        }),
      );
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/agents/{id}/stop",
      summary: "Stop an agent: drain its mailbox within the grace period, then shutdown",
      request: {
        params: IdParam,
        body: { required: false, content: { "application/json": { schema: StopSchema } } },
      },
      responses: { 200: json("Stopped"), ...errorResponses(400, 401, 403, 404) },
    },
    async (c) => {
      const hasBody = (c.req.header("content-length") ?? "0") !== "0" ||
        c.req.header("transfer-encoding") !== undefined;
      const o = hasBody ? await readJson(c, StopSchema) : StopSchema.parse({});
      return c.json(
        await agents.stop(c.req.valid("param").id, {
          graceSeconds: o.grace_period_seconds,
          drain: o.drain_messages,
        }),
      );
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/agents/{id}/start",
      summary: "Start a stopped, failed or hibernated agent (a sleeper starts fresh)",
      request: { params: IdParam },
      responses: { 200: json("Running"), ...errorResponses(401, 403, 404, 500) },
    },
    async (c) => c.json(await agents.resume(c.req.valid("param").id)),
  );

  const migration = deps.migration;
  if (migration) {
    defineRoute(
      app,
      {
        method: "post",
        path: "/api/v1/agents/{id}/migrate",
        summary: "Move an agent to another node of the cluster, with its state and messages",
        description: "The agent pauses at a message boundary, its signed snapshot moves over " +
          "libp2p, and the directory's commit makes the target its owner. Messages sent " +
          "meanwhile are held and delivered on the target, in order. On failure the agent " +
          "continues where it was.",
        request: {
          params: IdParam,
          body: { required: true, content: { "application/json": { schema: MigrateSchema } } },
        },
        responses: {
          200: {
            description: "Moved: timings and sizes",
            content: {
              "application/json": {
                schema: z.record(z.string(), z.unknown()).meta({ id: "MigrationReport" }),
              },
            },
          },
          ...errorResponses(400, 401, 403, 404, 409, 503, 504),
        },
      },
      async (c) => {
        const body = await readJson(c, MigrateSchema);
        const report = await migration.migrate(c.req.valid("param").id, body.target_node);
        // `name`, `node` and `status` as the agent views have them (for clients such as the CLI).
        return c.json({ ...report, name: report.agent, node: report.to, status: "running" });
      },
    );

    defineRoute(
      app,
      {
        method: "post",
        path: "/api/v1/agents/{id}/hibernate",
        summary: "Hibernate a running agent now: snapshot it and free its sandbox instance",
        request: { params: IdParam },
        responses: { 200: json("Hibernated"), ...errorResponses(401, 403, 404, 409, 503) },
      },
      async (c) => c.json(await agents.hibernate(c.req.valid("param").id)),
    );
  }

  defineRoute(
    app,
    {
      method: "delete",
      path: "/api/v1/agents/{id}",
      summary: "Remove an agent, its record and its storage",
      request: { params: IdParam },
      responses: { 200: json("Removed"), ...errorResponses(401, 403, 404) },
    },
    async (c) => c.json(await agents.remove(c.req.valid("param").id)),
  );
}
