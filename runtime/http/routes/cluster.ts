import { z } from "zod";
import { AgentRefSchema } from "../../acl/mod.ts";
import { type Cluster, RemoveResponseSchema } from "../../cluster/mod.ts";
import {
  type ApplyFailure,
  DfAgentDescriptionSchema,
  directoryReader,
  listMembers,
} from "../../directory/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { authorize } from "../access.ts";
import { proposalAudit } from "../audit-trail.ts";
import { errorResponses } from "../schemas.ts";
import { findServices, ServicesQuery } from "../services-query.ts";

export { ServicesQuery };

/** A registration as REST takes it: the agent as a name or an identifier. */
export const RegisterBody = DfAgentDescriptionSchema.extend({ name: AgentRefSchema });

function directoryFailure(r: ApplyFailure, name: string): ApiError {
  if (r.reason === "already-registered") {
    return new ApiError("CONFLICT", `'${name}' is already registered`, { reason: r.reason, name });
  }
  if (r.reason === "not-registered") {
    return new ApiError("NOT_FOUND", `'${name}' is not registered`, { reason: r.reason, name });
  }
  return new ApiError("INVALID_REQUEST", r.message, { reason: r.reason, name });
}

/** What `GET /api/v1/cluster` answers: the cluster as this node sees it. */
export const ClusterStatusSchema = z.object({
  self: z.object({
    id: z.string(),
    addresses: z.array(z.string()),
    role: z.string(),
    /** This node in the Raft configuration: `voter`, `learner` or `none`. */
    member: z.enum(["voter", "learner", "none"]),
  }),
  /** How many voters the autopilot keeps (`--voters`). */
  voter_target: z.number(),
  leader: z.string().nullable(),
  term: z.number(),
  commit_index: z.number(),
  applied_index: z.number(),
  last_index: z.number(),
  snapshot_index: z.number(),
  members: z.array(z.object({
    id: z.string(),
    addresses: z.array(z.string()),
    role: z.string(),
    /** Its key, from its member record; null while a configuration member has none yet. */
    public_key: z.string().nullable(),
    match_index: z.number().nullable(),
    /** On the leader: milliseconds since it last heard from the member. */
    silent_ms: z.number().nullable(),
    is_leader: z.boolean(),
  })),
  voters: z.array(z.string()),
  learners: z.array(z.string()),
}).meta({ id: "ClusterStatus" });

/** What `GET /api/v1/services` answers: the matching DF agent descriptions. */
export const ServicesResponseSchema = z.object({
  services: z.array(DfAgentDescriptionSchema),
  total: z.number(),
}).meta({ id: "ServiceSearch" });

const TransferSchema = z.strictObject({ to: z.string().min(1).max(128) });

/**
 * Mounts `GET /api/v1/cluster`, the service registry (`/api/v1/services`), leadership
 * transfer and the removal of dead members. Writes follow the client's request: when it
 * goes away, retries stop (an unknown outcome answers `OUTCOME_UNKNOWN`, 504).
 */
export function clusterRoutes(
  app: App,
  deps: {
    cluster: Cluster;
    /**
     * The local name an agent name of this platform stands for (`undefined`: another
     * platform's); the registry keys this platform's agents by local name, so `echo` and
     * `echo@<platform>` are the same registration.
     */
    localName?: (name: string) => string | undefined;
  },
): void {
  // Per call: the state object is replaced when a snapshot is installed.
  const directory = () =>
    directoryReader(deps.cluster.machine.state, { localName: deps.localName });
  const key = (name: string) => directory().key(name);
  const keyed = <T extends { name: { name: string } }>(d: T): T => ({
    ...d,
    name: { ...d.name, name: key(d.name.name) },
  });
  const { cluster } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/cluster",
      summary:
        "This node, the leader, term, commit index and the members with their role (voter, learner), match index and silence",
      responses: {
        200: {
          description: "Cluster status as this node sees it",
          content: { "application/json": { schema: ClusterStatusSchema } },
        },
        ...errorResponses(401),
      },
    },
    (c) => {
      const s = cluster.status();
      const health = s.role === "leader" ? cluster.health() : {};
      const members: z.output<typeof ClusterStatusSchema>["members"] = listMembers(
        cluster.machine.state,
      ).map((m) => ({
        id: m.id,
        addresses: m.addresses,
        // "none": registered but not (or no longer) in the Raft configuration.
        role: s.members.voters.includes(m.id)
          ? "voter"
          : s.members.learners.includes(m.id)
          ? "learner"
          : "none",
        public_key: m.public_key,
        match_index: s.matchIndex[m.id] ?? null,
        /** On the leader: milliseconds since it last heard from the member. */
        silent_ms: m.id === s.leader ? 0 : health[m.id]?.silentMs ?? null,
        is_leader: m.id === s.leader,
      }));
      // A member of the Raft configuration whose record is not applied yet (a founding node
      // registers itself once it leads) is still a member: listed, with what is known of it.
      const listed = new Set(members.map((m) => m.id));
      for (const [id, role] of configurationRoles(s.members)) {
        if (listed.has(id)) continue;
        members.push({
          id,
          addresses: id === cluster.id ? cluster.opts.net.addresses() : [],
          role,
          public_key: null,
          match_index: s.matchIndex[id] ?? null,
          silent_ms: id === s.leader ? 0 : health[id]?.silentMs ?? null,
          is_leader: id === s.leader,
        });
      }
      const body: z.output<typeof ClusterStatusSchema> = {
        self: {
          id: cluster.id,
          addresses: cluster.opts.net.addresses(),
          role: s.role,
          member: s.members.voters.includes(cluster.id)
            ? "voter"
            : s.members.learners.includes(cluster.id)
            ? "learner"
            : "none",
        },
        voter_target: cluster.opts.voters ?? 5,
        leader: s.leader,
        term: s.term,
        commit_index: s.commitIndex,
        applied_index: s.appliedIndex,
        last_index: s.lastIndex,
        snapshot_index: s.snapshotIndex,
        members,
        voters: s.members.voters,
        learners: s.members.learners,
      };
      return c.json(body);
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
          content: { "application/json": { schema: ServicesResponseSchema } },
        },
        ...errorResponses(400, 401),
      },
    },
    async (c) => {
      const p = c.req.valid("query");
      if (p.consistent === "true") await cluster.linearizableRead();
      const body: z.output<typeof ServicesResponseSchema> = findServices(
        directory(),
        p,
        new Date().toISOString(),
      );
      return c.json(body);
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
      const d = keyed(await readJson(c, RegisterBody));
      authorize(c, "deploy", d.name.name);
      const t0 = performance.now();
      const audit = proposalAudit(c);
      const r = await cluster.propose({
        type: "df.register",
        description: d,
        at: new Date().toISOString(),
      }, { signal: () => c.req.raw.signal, intend: audit?.intend });
      audit?.result(r);
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
      const d = keyed(await readJson(c, RegisterBody));
      const agent = key(c.req.valid("param").agent);
      if (d.name.name !== agent) {
        throw new ApiError("INVALID_REQUEST", `Body names '${d.name.name}', path '${agent}'`, {
          path: ["name"],
        });
      }
      const audit = proposalAudit(c);
      const r = await cluster.propose({
        type: "df.modify",
        description: d,
        at: new Date().toISOString(),
      }, { signal: () => c.req.raw.signal, intend: audit?.intend });
      audit?.result(r);
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
      const agent = key(c.req.valid("param").agent);
      const audit = proposalAudit(c);
      const r = await cluster.propose({
        type: "df.deregister",
        name: agent,
        at: new Date().toISOString(),
      }, { signal: () => c.req.raw.signal, intend: audit?.intend });
      audit?.result(r);
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

/** Each member of the Raft configuration with its role, voters first. */
function configurationRoles(
  m: { voters: readonly string[]; learners: readonly string[] },
): [string, "voter" | "learner"][] {
  return [
    ...m.voters.map((id): [string, "voter"] => [id, "voter"]),
    ...m.learners.map((id): [string, "learner"] => [id, "learner"]),
  ];
}
