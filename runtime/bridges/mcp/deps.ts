import type { AgentManager } from "../../agents/mod.ts";
import type { Cluster } from "../../cluster/mod.ts";
import type { ConversationService } from "../../conversations/mod.ts";
import type { Outbox } from "../../delivery/mod.ts";
import type { EventBus } from "../../events/mod.ts";
import type { MessageRouter, ReplyWaiters } from "../../routing/mod.ts";
import type { TaskService } from "../../tasks/mod.ts";
import type { TrustedPublishers } from "../../security/mod.ts";
import type { AuditLog } from "../../audit/mod.ts";

/** What the MCP server reaches of the node: the services the HTTP routes use. */
export interface McpDeps {
  /** Node name (the server's name as MCP clients see it). */
  node: string;
  router: MessageRouter;
  /** The send-and-wait callers of the HTTP API (one set of reply inboxes per node). */
  waiters: ReplyWaiters;
  outbox?: Outbox;
  agents?: AgentManager;
  cluster?: Cluster;
  conversations?: ConversationService;
  tasks?: TaskService;
  /** Agent and conversation changes become resource notifications. */
  events: EventBus;
  /** The platform description (the ACC's `ap-description`), for `fipa://platform`. */
  platform?: () => unknown;
  /** Agents hosted on this platform: never a sender a tool caller may name. */
  isHosted?: (name: string) => boolean;
  /** Trusted agent publishers (`deploy_agent` checks signatures as the HTTP deploy does). */
  publishers?: TrustedPublishers;
  /** The audit trail: deploys, stops and refusals through tools are recorded like HTTP's. */
  audit?: AuditLog;
}
