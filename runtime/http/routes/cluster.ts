import { z } from "zod";
import { AgentRefSchema, aid } from "../../acl/mod.ts";
import { type Cluster, RemoveResponseSchema } from "../../cluster/mod.ts";
import {
  type ApplyFailure,
  DfAgentDescriptionSchema,
  dfTemplate,
  listMembers,
  searchServices,
  serviceDescription,
} from "../../directory/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { authorize } from "../access.ts";
import { errorResponses } from "../schemas.ts";

const ServicesQuery = z.object({
  name: z.string().min(1).max(256).optional(),
  type: z.string().min(1).max(256).optional(),
  protocol: z.string().min(1).max(256).optional(),
  ontology: z.string().min(1).max(256).optional(),
  language: z.string().min(1).max(256).optional(),
  agent: z.string().min(1).max(1024).optional(),
  max_results: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Read through the leader first, so the answer includes every committed change. */
  consistent: z.enum(["true", "false"]).default("false"),
});

/** A registration as REST takes it: the agent as a name or an identifier. */
const RegisterBody = DfAgentDescriptionSchema.extend({ name: AgentRefSchema });

function directoryFailure(r: ApplyFailure, name: string): ApiError {
  if (r.reason === "already-registered") {
    return new ApiError("CONFLICT", `'${name}' is already registered`, { reason: r.reason, name });
  }
  if (r.reason === "not-registered") {
    return new ApiError("NOT_FOUND", `'${name}' is not registered`, { reason: r.reason, name });
  }
  return new ApiError("INVALID_REQUEST", r.message, { reason: r.reason, name });
}

const TransferSchema = z.strictObject({ to: z.string().min(1).max(128) });

/**
 * Mounts `GET /api/v1/cluster`, the service registry (`/api/v1/services`), leadership
 * transfer and the removal of dead members. Writes follow the client's request: when it
 * goes away, retries stop (an unknown outcome answers `OUTCOME_UNKNOWN`, 504).
 */
export function clusterRoutes(app: App, deps: { cluster: Cluster }): void {
  const { cluster } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/cluster",
      summary: "This node, the leader, term, commit index and the members with their match index",
      responses: {
        200: {
          description: "Cluster status as this node sees it",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        ...errorResponses(401),
      },
    },
    (c) => {
      const s = cluster.status();
      const members = listMembers(cluster.machine.state).map((m) => ({
        id: m.id,
        addresses: m.addresses,
        role: s.members.voters.includes(m.id)
          ? "voter"
          : s.members.learners.includes(m.id)
          ? "learner"
          : m.role,
        public_key: m.public_key,
        match_index: s.matchIndex[m.id] ?? null,
        is_leader: m.id === s.leader,
      }));
      return c.json({
        self: { id: cluster.id, addresses: cluster.opts.net.addresses(), role: s.role },
        leader: s.leader,
        term: s.term,
        commit_index: s.commitIndex,
        applied_index: s.appliedIndex,
        last_index: s.lastIndex,
        snapshot_index: s.snapshotIndex,
        members,
        voters: s.members.voters,
        learners: s.members.learners,
      });
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/services",
      summary: "Search the service registry (FIPA DF) by template",
      request: { query: ServicesQuery },
      responses: {
        200: {
          description: "Matching DF agent descriptions",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        ...errorResponses(400, 401),
      },
    },
    async (c) => {
      const p = c.req.valid("query");
      if (p.consistent === "true") await cluster.linearizableRead();
      const svc = p.name || p.type || p.protocol || p.ontology || p.language;
      const template = dfTemplate({
        ...(p.agent ? { name: aid(p.agent) } : {}),
        services: svc
          ? [serviceDescription({
            ...(p.name ? { name: p.name } : {}),
            ...(p.type ? { type: p.type } : {}),
            ...(p.protocol ? { protocols: [p.protocol] } : {}),
            ...(p.ontology ? { ontologies: [p.ontology] } : {}),
            ...(p.language ? { languages: [p.language] } : {}),
          })]
          : [],
      });
      const found = searchServices(cluster.machine.state, template, {
        max_results: p.max_results,
        now: new Date().toISOString(),
      });
      return c.json({ services: found, total: found.length });
    },
  );

  const registration = {
    required: true,
    content: { "application/json": { schema: RegisterBody } },
  };
  const written = {
    description: "Committed",
    content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
  };
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/services",
      summary: "Register an agent's services (a FIPA DF registration), committed through Raft",
      request: { body: registration },
      responses: { 201: written, ...errorResponses(400, 401, 403, 409, 415, 503, 504) },
    },
    async (c) => {
      const d = await readJson(c, RegisterBody);
      authorize(c, "deploy", d.name.name);
      const t0 = performance.now();
      const r = await cluster.propose({
        type: "df.register",
        description: d,
        at: new Date().toISOString(),
      }, { signal: c.req.raw.signal });
      if (!r.ok) throw directoryFailure(r, d.name.name);
      return c.json({ registered: d.name.name, commit_ms: performance.now() - t0 }, 201);
    },
  );

  defineRoute(
    app,
    {
      method: "put",
      path: "/api/v1/services/{agent}",
      summary: "Replace an agent's DF registration (FIPA modify)",
      request: { params: z.object({ agent: z.string() }), body: registration },
      responses: { 200: written, ...errorResponses(400, 401, 403, 404, 415, 503, 504) },
    },
    async (c) => {
      const d = await readJson(c, RegisterBody);
      const { agent } = c.req.valid("param");
      if (d.name.name !== agent) {
        throw new ApiError("INVALID_REQUEST", `Body names '${d.name.name}', path '${agent}'`, {
          path: ["name"],
        });
      }
      const r = await cluster.propose({
        type: "df.modify",
        description: d,
        at: new Date().toISOString(),
      }, { signal: c.req.raw.signal });
      if (!r.ok) throw directoryFailure(r, agent);
      return c.json({ modified: agent });
    },
  );

  defineRoute(
    app,
    {
      method: "delete",
      path: "/api/v1/services/{agent}",
      summary: "Remove an agent's DF registration",
      request: { params: z.object({ agent: z.string() }) },
      responses: { 200: written, ...errorResponses(401, 403, 404, 503, 504) },
    },
    async (c) => {
      const { agent } = c.req.valid("param");
      const r = await cluster.propose({
        type: "df.deregister",
        name: agent,
        at: new Date().toISOString(),
      }, { signal: c.req.raw.signal });
      if (!r.ok) throw directoryFailure(r, agent);
      return c.json({ deregistered: agent });
    },
  );

  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/cluster/leader",
      summary: "Hand Raft leadership to another voter",
      request: {
        body: { required: true, content: { "application/json": { schema: TransferSchema } } },
      },
      responses: {
        202: { description: "Transfer started" },
        ...errorResponses(400, 401, 403, 503),
      },
    },
    async (c) => {
      const body = TransferSchema.safeParse(await c.req.json().catch(() => null));
      if (!body.success) throw new ApiError("INVALID_REQUEST", 'Body must be {"to": <member id>}');
      const s = cluster.status();
      if (s.role !== "leader") {
        throw new ApiError("NOT_LEADER", `Node '${cluster.id}' is not the leader`, {
          leader: s.leader,
        });
      }
      if (!s.members.voters.includes(body.data.to)) {
        throw new ApiError("INVALID_REQUEST", `'${body.data.to}' is not a voter`, {
          to: body.data.to,
        });
      }
      cluster.transferLeadership(body.data.to);
      return c.json({ status: "transferring", from: cluster.id, to: body.data.to }, 202);
    },
  );

  defineRoute(
    app,
    {
      method: "delete",
      path: "/api/v1/cluster/members/{id}",
      summary: "Remove a member lost for good, so that the others regain a quorum (admin)",
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: {
          description: "Removed: the configuration without it",
          content: {
            "application/json": {
              schema: RemoveResponseSchema,
            },
          },
        },
        ...errorResponses(401, 403, 404, 409, 503, 504),
      },
    },
    async (c) => {
      const id = c.req.param("id") ?? "";
      return c.json(await cluster.removeMember(id));
    },
  );
}
