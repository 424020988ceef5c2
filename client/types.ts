/**
 * The types of the HTTP API as the client sees them, inferred from the zod schemas the node
 * itself validates with and puts into `/openapi.json` (and from the TypeScript views the node
 * answers with). Every import here is `import type`: nothing of the node's code is loaded at
 * run time, so the client can be used on its own.
 * @module
 */
import type { z } from "zod";
import type { DeployConfigSchema, UpdateConfigSchema } from "../runtime/agents/deploy-config.ts";
import type { AgentView } from "../runtime/agents/view.ts";
import type { AgentLogEntry } from "../runtime/agents/agent-log.ts";
import type { AclJson, AclJsonSchema } from "../runtime/acl/json-form.ts";
import type { DfAgentDescriptionSchema } from "../runtime/directory/df-description.ts";
import type { AgentPage as DirectoryAgentPage } from "../runtime/directory/queries.ts";
import type { EventFilter, NodeEvent } from "../runtime/events/types.ts";
import type { MigrationReport as ServerMigrationReport } from "../runtime/migration/source.ts";
import type { ErrorBodySchema } from "../runtime/http/schemas.ts";
import type {
  AgentListQuery as AgentListQuerySchema,
  MigrateSchema,
  StopSchema,
} from "../runtime/http/routes/agents.ts";
import type {
  QueuedResponseSchema,
  SendAndWaitResponseSchema,
  SendQuery,
  SendResponseSchema,
  WaitQuery,
} from "../runtime/http/routes/messages.ts";
import type {
  ClusterStatusSchema,
  RegisterBody,
  ServicesQuery as ServicesQuerySchema,
  ServicesResponseSchema,
} from "../runtime/http/routes/cluster.ts";
import type { DirectoryAgentsQuery } from "../runtime/http/routes/directory.ts";
import type { WsClientMessageSchema } from "../runtime/http/routes/observe.ts";
import type { AuditQuerySchema } from "../runtime/http/routes/audit.ts";
import type { AuditPage as ServerAuditPage } from "../runtime/audit/log.ts";
import type { ChainVerdict } from "../runtime/audit/chain.ts";
import type { CreateDeploymentSchema } from "../runtime/http/routes/deployments.ts";
import type { DeploymentView } from "../runtime/deployments/service.ts";
import type { AgentVersionsSchema } from "../runtime/http/routes/agents.ts";
import type { ScaleResponseSchema } from "../runtime/http/routes/scale.ts";

/** What `POST /api/v1/deployments` takes, as a client writes it. */
export type DeploymentRequest = z.input<typeof CreateDeploymentSchema>;
/** A deployment: status, stage, traffic per version, versions, reason. */
export type Deployment = DeploymentView;
/** What `PUT /api/v1/agents/{id}/scale` answers: the instances and their nodes. */
export type Scaled = z.output<typeof ScaleResponseSchema>;
/** An agent's recorded versions, oldest first. */
export type AgentVersions = z.output<typeof AgentVersionsSchema>;

export type { AclJson, AgentLogEntry, AgentView, EventFilter, NodeEvent };

/** `GET /api/v1/agents/{id}/logs`: the agent's name and its last entries, oldest first. */
export interface AgentLogPage {
  agent: string;
  entries: AgentLogEntry[];
}

/** The API's error body: `{"error": {"code", "message", "details", "trace_id"}}`. */
export type ErrorBody = z.output<typeof ErrorBodySchema>;
/** One error code of the API, e.g. `"AGENT_NOT_FOUND"`. */
export type ErrorCode = ErrorBody["error"]["code"];

/** The `config` of a deployment as a client writes it (`name` is required). */
export type DeployConfig = z.input<typeof DeployConfigSchema>;
/** The `config` of an update: every field optional, the name cannot change. */
export type UpdateConfig = z.input<typeof UpdateConfigSchema>;
/** An ACL message in JSON form, as a client writes it. */
export type AclMessageInput = z.input<typeof AclJsonSchema>;
/**
 * A message to send: the JSON form as an object, or the FIPA string form (SC00070) as a
 * string, e.g. `(request :receiver (set (agent-identifier :name echo)) :content "ping")`.
 */
export type MessageInput = AclMessageInput | string;

/** What a stop may ask for: the grace period and whether to drain the mailbox first. */
export type StopOptions = z.input<typeof StopSchema>;
/** The body of a migration request. */
export type MigrateRequest = z.input<typeof MigrateSchema>;
/** Filters of `GET /api/v1/agents` (this node's agents). */
export type AgentListQuery = Partial<z.output<typeof AgentListQuerySchema>>;
/** Filters of `GET /api/v1/directory/agents` (the whole cluster's agents). */
export type DirectoryQuery = Partial<z.output<typeof DirectoryAgentsQuery>>;
/** A DF template as query parameters of `GET /api/v1/services`. */
export type ServicesQuery = Partial<z.output<typeof ServicesQuerySchema>>;
/** A DF registration: the agent (a name or an identifier) and its service descriptions. */
export type ServiceRegistration = z.input<typeof RegisterBody>;
/** One DF agent description as the registry answers it. */
export type DfAgentDescription = z.output<typeof DfAgentDescriptionSchema>;

/** `delivery` of `POST /api/v1/messages`. */
export type Delivery = NonNullable<z.output<typeof SendQuery>["delivery"]>;
/** `wait_for` of send-and-wait: the first reply, or the final one (skipping an `agree`). */
export type WaitFor = z.output<typeof WaitQuery>["wait_for"];

/** What a send answers (at most once): delivered to every receiver's mailbox. */
export type SendResult = z.output<typeof SendResponseSchema>;
/** What an at-least-once send answers (202): stored and queued. */
export type QueuedResult = z.output<typeof QueuedResponseSchema>;
/** What send-and-wait answers: the reply (in JSON form) and how long it took. */
export type SendAndWaitResult = Omit<z.output<typeof SendAndWaitResponseSchema>, "reply"> & {
  reply: AclJson;
};
/** A page of this node's agents. */
export interface AgentPage {
  /** The agents of this page. */
  agents: AgentView[];
  /** How many agents match the filter. */
  total: number;
  /** The offset of the next page, when there is one. */
  next_offset?: number;
  /** The cursor of the next page (`cursor` of the query), when there is one. */
  next_cursor?: string;
}
/** A page of the cluster's agents from the replicated directory (name → node, state). */
export type DirectoryPage = DirectoryAgentPage & { node: string; leader: string | null };
/** The cluster as the node asked sees it: itself, leader, term, commit index, members. */
export type ClusterStatus = z.output<typeof ClusterStatusSchema>;
/** What a DF search answers. */
export type ServiceSearch = z.output<typeof ServicesResponseSchema>;
/** What a migration did, with `name`, `node` and `status` as agent views have them. */
export type MigrationReport = ServerMigrationReport & {
  name: string;
  node: string;
  status: "running";
};

/** A subscription on the event WebSocket: event type patterns and filters. */
export type Subscription = Omit<
  Extract<z.input<typeof WsClientMessageSchema>, { type: "subscribe" }>,
  "type"
>;

/** Filters and paging of `GET /api/v1/audit` (admin): `limit`, then `cursor` = `next_cursor`. */
export type AuditQuery = Omit<z.input<typeof AuditQuerySchema>, "limit"> & { limit?: number };
/** A page of the audit trail, oldest first. */
export type AuditPage = ServerAuditPage;
/** What `GET /api/v1/audit/verify` answers: intact, or the first broken link. */
export type AuditVerdict = ChainVerdict;

/** A detached Ed25519 signature over a component's SHA-256 (`cli sign`), and its key id. */
export interface ComponentSignature {
  /** 64 bytes, base64. */
  signature: string;
  /** `ed25519:` and 16 hex digits of the public key's SHA-256. */
  key_id: string;
}
