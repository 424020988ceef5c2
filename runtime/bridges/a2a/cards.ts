import { A2A_PROTOCOL_VERSION, AgentCard } from "@a2a-js/sdk";
import type { A2aSkill } from "../../sandbox/mod.ts";
import { VERSION } from "../../version.ts";

/** Where the gateway serves an opted-in agent: its JSON-RPC endpoint is `/a2a/<name>`. */
export const A2A_PREFIX = "/a2a";

/** An agent as the cards need it: its name and the skills its manifest opts in with. */
export interface OptedInAgent {
  name: string;
  skills: readonly A2aSkill[];
}

/** What every card of the platform shares. */
export interface CardContext {
  /** The node's public base URL (`http://host:port`). */
  baseUrl: string;
  /** The FIPA platform name. */
  platform: string;
  /** Tokens are configured: the JSON-RPC endpoints need `Authorization: Bearer`. */
  secured: boolean;
}

const MODES = ["text/plain", "application/json"];

function security(ctx: CardContext): Record<string, unknown> {
  if (!ctx.secured) return {};
  return {
    securitySchemes: {
      bearer: {
        httpAuthSecurityScheme: {
          scheme: "Bearer",
          description: "An admin token of the fipa-edge API (--admin-token)",
        },
      },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
  };
}

function skillJson(s: A2aSkill, id: string): Record<string, unknown> {
  return {
    id,
    name: s.name,
    description: s.description || `${s.name} (FIPA ${s.performative})`,
    tags: [...s.tags, `fipa:${s.performative}`],
    examples: s.examples,
    inputModes: MODES,
    outputModes: MODES,
  };
}

/** The URL of an opted-in agent's JSON-RPC endpoint. Pure. */
export function agentEndpoint(ctx: CardContext, name: string): string {
  return `${ctx.baseUrl}${A2A_PREFIX}/${encodeURIComponent(name)}`;
}

/** The card of one JSON-RPC endpoint: what the platform's and the agents' cards share. */
function card(
  ctx: CardContext,
  c: { name: string; description: string; url: string; skills: Record<string, unknown>[] },
): AgentCard {
  return AgentCard.fromJSON({
    name: c.name,
    description: c.description,
    supportedInterfaces: [{
      url: c.url,
      protocolBinding: "JSONRPC",
      protocolVersion: A2A_PROTOCOL_VERSION,
    }],
    provider: { organization: `fipa-edge platform ${ctx.platform}`, url: ctx.baseUrl },
    version: VERSION,
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: MODES,
    defaultOutputModes: MODES,
    skills: c.skills,
    ...security(ctx),
  });
}

/**
 * The agent card of one opted-in agent: its skills, its JSON-RPC endpoint, streaming, and
 * the bearer scheme when the API needs tokens. Pure.
 */
export function agentCard(ctx: CardContext, agent: OptedInAgent): AgentCard {
  return card(ctx, {
    name: agent.name,
    description: `FIPA agent ${agent.name}@${ctx.platform}, reachable over A2A: a message ` +
      "becomes a FIPA ACL message in a conversation; agree → working, inform → completed.",
    url: agentEndpoint(ctx, agent.name),
    skills: agent.skills.map((s) => skillJson(s, s.id)),
  });
}

/**
 * The platform's card (`/.well-known/agent-card.json`): every opted-in agent's skills, with
 * ids `<agent>/<skill>`; its JSON-RPC endpoint (`/a2a`) takes a message for one of them
 * named in the message's (or the request's) `metadata.skill`. Pure.
 */
export function platformCard(ctx: CardContext, agents: readonly OptedInAgent[]): AgentCard {
  return card(ctx, {
    name: ctx.platform,
    description: `fipa-edge platform ${ctx.platform}: its FIPA agents that opted in to A2A. ` +
      "Name a skill as metadata.skill = '<agent>/<skill>', or use the agent's own card at " +
      `${ctx.baseUrl}${A2A_PREFIX}/<agent>/.well-known/agent-card.json.`,
    url: `${ctx.baseUrl}${A2A_PREFIX}`,
    skills: agents.flatMap((a) => a.skills.map((s) => skillJson(s, `${a.name}/${s.id}`))),
  });
}
