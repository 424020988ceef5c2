import { type McpServer, type ReadResourceResult, ResourceTemplate } from "./sdk.ts";
import type { NodeEvent } from "../../events/mod.ts";
import type { McpDeps } from "./deps.ts";

/** The platform description (the AMS's `ap-description`). */
export const PLATFORM_URI = "fipa://platform";
/** The agents of this node. */
export const AGENTS_URI = "fipa://agents";
const AGENT_PREFIX = "fipa://agents/";
const CONVERSATION_PREFIX = "fipa://conversations/";

/** What an event changes of the resources: the list itself, and which resources. */
export interface ResourceChanges {
  /** The set of resources changed (an agent came or went): `notifications/resources/list_changed`. */
  listChanged: boolean;
  /** Resources whose content changed: `notifications/resources/updated` to their subscribers. */
  updated: string[];
}

/** Events after which this node has an agent more or less. */
const LIST_CHANGING = new Set([
  "agent.deployed",
  "agent.removed",
  "migration.completed",
  "migration.arrived",
]);

/**
 * Which resources a node event changes. Pure.
 *
 * @example
 * ```ts
 * resourceChanges({ type: "agent.stopped", agent_id: "echo", timestamp: "" });
 * // { listChanged: false, updated: ["fipa://agents", "fipa://agents/echo"] }
 * ```
 */
export function resourceChanges(e: NodeEvent): ResourceChanges {
  const updated: string[] = [];
  let listChanged = false;
  const aboutAgent = e.type.startsWith("agent.") || LIST_CHANGING.has(e.type);
  if (aboutAgent && typeof e.agent_id === "string") {
    listChanged = LIST_CHANGING.has(e.type);
    updated.push(AGENTS_URI, agentUri(e.agent_id));
  }
  if (
    (e.type.startsWith("message.") || e.type.startsWith("conversation.")) &&
    typeof e.conversation_id === "string"
  ) {
    updated.push(conversationUri(e.conversation_id));
  }
  return { listChanged, updated };
}

/** The resource URI of one agent. */
export function agentUri(name: string): string {
  return `${AGENT_PREFIX}${encodeURIComponent(name.split("@")[0])}`;
}

/** The resource URI of one conversation. */
export function conversationUri(id: string): string {
  return `${CONVERSATION_PREFIX}${encodeURIComponent(id)}`;
}

function json(uri: string, value: unknown): ReadResourceResult {
  return {
    contents: [{ uri, mimeType: "application/json", text: JSON.stringify(value) }],
  };
}

function one(v: string | string[]): string {
  return decodeURIComponent(Array.isArray(v) ? v[0] : v);
}

/**
 * Registers the platform's resources on one MCP session's server: `fipa://platform`,
 * `fipa://agents`, `fipa://agents/{name}` and `fipa://conversations/{id}` (JSON, as the HTTP
 * API shows them). A missing agent or conversation is an error carrying our code.
 */
export function registerResources(server: McpServer, deps: McpDeps): void {
  server.registerResource("platform", PLATFORM_URI, {
    description: "The platform description (FIPA ap-description): name and transport addresses",
    mimeType: "application/json",
  }, (uri) => json(uri.href, deps.platform?.() ?? { name: deps.router.platform }));

  if (deps.agents) {
    const agents = deps.agents;
    server.registerResource("agents", AGENTS_URI, {
      description: "The agents of this node, their states and counters",
      mimeType: "application/json",
    }, (uri) => json(uri.href, agents.list({ limit: 1000 })));

    server.registerResource(
      "agent",
      new ResourceTemplate(`${AGENT_PREFIX}{name}`, {
        list: () => ({
          resources: agents.list({ limit: 1000 }).agents.map((a) => ({
            uri: agentUri(a.name),
            name: a.name,
            mimeType: "application/json",
          })),
        }),
      }),
      { description: "One agent: manifest, state, counters", mimeType: "application/json" },
      (uri, v) => json(uri.href, agents.get(one(v.name))),
    );
  }

  if (deps.conversations) {
    const conversations = deps.conversations;
    server.registerResource(
      "conversation",
      new ResourceTemplate(`${CONVERSATION_PREFIX}{id}`, { list: undefined }),
      {
        description: "A conversation as this node's agents see it: protocol, state, messages",
        mimeType: "application/json",
      },
      (uri, v) => {
        return json(uri.href, conversations.requireView(one(v.id)));
      },
    );
  }
}
