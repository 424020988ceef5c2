import { OpenAPIHono } from "@hono/zod-openapi";
import type { Logger } from "../log/mod.ts";
import { type MessageRouter, ReplyWaiters } from "../routing/mod.ts";
import { VERSION } from "../version.ts";
import type { App, AppEnv } from "./env.ts";
import type { RateLimits } from "../config/mod.ts";
import { EventBus } from "../events/mod.ts";
import type { MetricsSeries, NodeMetrics } from "../metrics/mod.ts";
import { httpMetrics } from "./metrics-middleware.ts";
import { observeRoutes } from "./routes/observe.ts";
import { metricsApiRoutes } from "./routes/metrics-api.ts";
import { auth } from "./auth.ts";
import { auditTokenFailure, setAuditLog } from "./audit-trail.ts";
import { auditRoutes } from "./routes/audit.ts";
import type { AuditLog } from "../audit/mod.ts";
import { publicPaths, publicPatterns, setAgentResolver } from "./access.ts";
import { foreignSenderGuard, hostedCheck, senderGuard } from "./sender-guard.ts";
import {
  Authenticator,
  type JwtVerifier,
  legacyGrants,
  StaticTokens,
  type TokenGrant,
  type TrustedPublishers,
} from "../security/mod.ts";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "./body-limit.ts";
import { chain } from "./chain.ts";
import { headerLimit } from "./header-limit.ts";
import { rateLimit } from "./rate-limit.ts";
import { notFound, onError } from "./errors.ts";
import { type AccDeps, accRoutes } from "./routes/acc.ts";
import type { AgentManager } from "../agents/mod.ts";
import type { Cluster, DfFederationControl, HistoryPeers } from "../cluster/mod.ts";
import type { Outbox } from "../delivery/mod.ts";
import { deadLetterRoutes } from "./routes/dead-letters.ts";
import { clusterRoutes } from "./routes/cluster.ts";
import { DASHBOARD_PATHS, dashboardRoutes } from "./routes/dashboard.ts";
import { directoryRoutes } from "./routes/directory.ts";
import { federationRoutes } from "./routes/federation.ts";
import { agentRoutes, MAX_COMPONENT_BYTES } from "./routes/agents.ts";
import { deploymentRoutes } from "./routes/deployments.ts";
import { reloadRoutes } from "./routes/reload.ts";
import { scaleRoutes } from "./routes/scale.ts";
import type { ReplicaHost } from "../replicas/mod.ts";
import type { DeploymentService } from "../deployments/mod.ts";
import { agentLogRoutes } from "./routes/agent-logs.ts";
import { drainRoutes, leaveRoutes } from "./routes/drain.ts";
import { DOCS_PATHS, docsRoutes } from "./routes/docs.ts";
import type { MigrationService } from "../migration/mod.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { taskRoutes } from "./routes/tasks.ts";
import type { ConversationService } from "../conversations/mod.ts";
import type { TaskService } from "../tasks/mod.ts";
import { type HealthCheck, healthRoutes } from "./routes/health.ts";
import { messageRoutes } from "./routes/messages.ts";
import { traceIdOf } from "./trace.ts";

/** What the HTTP app needs from the node. */
export interface AppDeps {
  /** Node name; the platform part of local agents' names. */
  node: string;
  router: MessageRouter;
  log: Logger;
  /** Largest accepted request body in bytes; larger ones answer `413 PAYLOAD_TOO_LARGE`. */
  maxBodyBytes: number;
  /** Readiness checks reported by `/health` (e.g. the KV store). */
  checks?: Record<string, HealthCheck>;
  /** Start time in ms since the epoch, for uptime. */
  startedAt?: number;
  /** API tokens; with none configured (and no JWT verifier) the API is open. */
  adminTokens?: readonly string[];
  readTokens?: readonly string[];
  /** Static tokens with a role and scopes. */
  tokens?: readonly TokenGrant[];
  /** JWT bearer tokens. */
  jwt?: JwtVerifier;
  /** Trusted agent publishers; omitted: signatures are neither required nor checked. */
  publishers?: TrustedPublishers;
  /** The audit trail; omitted means nothing is audited and no `/api/v1/audit` routes. */
  audit?: AuditLog;
  /** Per-endpoint rate limits; omitted means none. */
  rateLimits?: RateLimits;
  /** Node events for the WebSocket stream; a private bus when omitted. */
  events?: EventBus;
  /** Prometheus metrics; omitted means no `/metrics` and no HTTP instrumentation. */
  metrics?: NodeMetrics;
  /** The recent throughput and latency series (`GET /api/v1/metrics/series`). */
  metricsSeries?: MetricsSeries;
  /** At-least-once delivery and the dead-letter queue; omitted means at most once only. */
  outbox?: Outbox;
  /** Cluster membership and directory; omitted means no cluster routes. */
  cluster?: Cluster;
  /** Migration and drain; omitted means no `/migrate`, `/hibernate` and `/cluster/drain`. */
  migration?: MigrationService;
  /** Agent lifecycle; omitted means no `/api/v1/agents` routes. */
  agents?: AgentManager;
  /** Deployments of agent versions; omitted means no `/api/v1/deployments` routes. */
  deployments?: DeploymentService;
  /** Replicas of stateless agents; omitted means no `PUT /api/v1/agents/{id}/scale`. */
  replicas?: ReplicaHost;
  /** Conversation policing; omitted means no conversation views and no message history. */
  conversations?: ConversationService;
  /** The Task API (contract net); omitted means no `/api/v1/tasks` routes. */
  tasks?: TaskService;
  /** Other nodes' message history (`GET /api/v1/messages` of their conversations). */
  historyPeers?: HistoryPeers;
  /** The DF's federation with other platforms' DFs; omitted means no `/api/v1/df/federation`. */
  federation?: DfFederationControl;
  /** The FIPA HTTP MTP endpoint and platform description; omitted means not mounted. */
  acc?: Omit<AccDeps, "maxBodyBytes" | "checkSender">;
  /** The send-and-wait callers (shared with the MCP bridge); a private set when omitted. */
  waiters?: ReplyWaiters;
}

/**
 * Builds the node's HTTP API (Hono): the REST routes under `/api/v1`, `/health`, and the
 * OpenAPI document generated from the routes' zod schemas at `/openapi.json`.
 *
 * @example
 * ```ts
 * const app = createApp({ node: "node1", router, log, maxBodyBytes: 1 << 20 });
 * Deno.serve({ port: 8080 }, app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>();
  if (deps.log.enabled("debug")) {
    app.use("*", async (c, next) => {
      const t0 = performance.now();
      await next();
      deps.log.debug("request", {
        trace_id: traceIdOf(c),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - t0) * 1000) / 1000,
      });
    });
  }
  const authenticator = new Authenticator(
    new StaticTokens([
      ...legacyGrants(deps.adminTokens ?? [], deps.readTokens ?? []),
      ...(deps.tokens ?? []),
    ]),
    deps.jwt,
  );
  // The app-wide checks of every request, in this order, as one middleware (`chain.ts`):
  // header size, token, rate limit, body size.
  const checks: MiddlewareHandler<AppEnv>[] = [headerLimit()];
  checks.push(
    auth({
      authenticator,
      // Foreign FIPA platforms cannot send our tokens: the ACC is as public as /health.
      // The OpenAPI document describes the code, not the node's data: public like /docs.
      // The public rows of the access table, the dashboard's and docs' files, the A2A cards.
      publicPaths: [...publicPaths(), ...DASHBOARD_PATHS, ...DOCS_PATHS],
      publicPatterns: publicPatterns(),
      onFailure: deps.audit ? auditTokenFailure(deps.audit) : undefined,
    }),
  );
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "A static token or a JWT (RS256, ES256, EdDSA); scopes list the roles",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "caxtonToken", {
    type: "apiKey",
    in: "header",
    name: "X-Caxton-Token",
  });
  // One error funnel: the app's `onError`, and the audit wrapper of a route's handler.
  const errors = onError(deps.log);
  if (deps.audit) setAuditLog(app, deps.audit, errors);
  const agents = deps.agents;
  if (agents) {
    setAgentResolver(app, (ref) => {
      try {
        return agents.get(ref).name;
      } catch {
        return ref;
      }
    });
  }
  if (deps.rateLimits) checks.push(rateLimit(deps.rateLimits));
  checks.push(
    bodyLimit(deps.maxBodyBytes, [
      { method: "POST", path: /^\/api\/v1\/agents\/?$/, maxBytes: MAX_COMPONENT_BYTES },
      { method: "PUT", path: /^\/api\/v1\/agents\/[^/]+$/, maxBytes: MAX_COMPONENT_BYTES },
      { method: "PUT", path: /^\/api\/v1\/agents\/[^/]+\/reload$/, maxBytes: MAX_COMPONENT_BYTES },
      // A component in base64 is 4/3 of its size.
      {
        method: "POST",
        path: /^\/api\/v1\/deployments\/?$/,
        maxBytes: Math.ceil(MAX_COMPONENT_BYTES * 4 / 3) + 65_536,
      },
    ]),
  );
  // The HTTP metrics run around the checks, in the same Hono middleware (one async step).
  app.use(
    "*",
    deps.metrics
      ? httpMetrics(deps.metrics, { handler: chain(...checks), onError: errors })
      : chain(...checks),
  );
  app.onError(errors);
  app.notFound(notFound);

  const isHosted = hostedCheck(deps.router, agents);
  healthRoutes(app, {
    node: deps.node,
    version: VERSION,
    startedAt: deps.startedAt ?? Date.now(),
    checks: deps.checks ?? {},
  });
  messageRoutes(app, {
    router: deps.router,
    waiters: deps.waiters ?? new ReplyWaiters(deps.router, deps.node),
    outbox: deps.outbox,
    checkSender: senderGuard(isHosted),
  });
  if (deps.outbox) deadLetterRoutes(app, { outbox: deps.outbox });
  conversationRoutes(app, { conversations: deps.conversations, peers: deps.historyPeers });
  if (deps.tasks) taskRoutes(app, { tasks: deps.tasks });
  if (deps.agents) {
    agentRoutes(app, {
      agents: deps.agents,
      migration: deps.migration,
      publishers: deps.publishers,
      replicas: deps.replicas,
    });
    agentLogRoutes(app, { agents: deps.agents });
    if (deps.replicas) scaleRoutes(app, { agents: deps.agents, replicas: deps.replicas });
  }
  if (deps.agents && deps.deployments) {
    deploymentRoutes(app, {
      deployments: deps.deployments,
      agents: deps.agents,
      publishers: deps.publishers,
    });
    reloadRoutes(app, {
      deployments: deps.deployments,
      agents: deps.agents,
      publishers: deps.publishers,
    });
  }
  if (deps.migration) drainRoutes(app, { migration: deps.migration });
  if (deps.cluster) {
    clusterRoutes(app, { cluster: deps.cluster, localName: (n) => deps.router.localName(n) });
  }
  if (deps.cluster && deps.migration) {
    leaveRoutes(app, { cluster: deps.cluster, migration: deps.migration });
  }
  if (deps.audit) auditRoutes(app, { audit: deps.audit });
  if (deps.cluster) directoryRoutes(app, { cluster: deps.cluster });
  if (deps.federation) federationRoutes(app, { federation: deps.federation });
  dashboardRoutes(app);
  docsRoutes(app);
  if (deps.metrics) {
    metricsApiRoutes(app, {
      metrics: deps.metrics,
      agents: deps.agents,
      series: deps.metricsSeries,
    });
  }
  observeRoutes(app, { metrics: deps.metrics, events: deps.events ?? new EventBus(deps.node) });
  if (deps.acc) {
    accRoutes(app, {
      ...deps.acc,
      maxBodyBytes: deps.maxBodyBytes,
      checkSender: foreignSenderGuard(deps.router, isHosted),
    });
  }

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    security: [{ bearerAuth: [] }, { caxtonToken: [] }],
    info: {
      title: "fipa-edge",
      version: VERSION,
      description: "An edge runtime for FIPA agents: REST API of one node.",
    },
  });
  return app;
}
