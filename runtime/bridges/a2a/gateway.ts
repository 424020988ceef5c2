import { AgentCard } from "@a2a-js/sdk";
import { DefaultRequestHandler, type RequestContext } from "@a2a-js/sdk/server";
import type { AgentManager } from "../../agents/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import type { Logger } from "../../log/mod.ts";
import type { MessageRouter } from "../../routing/mod.ts";
import { agentCard, type CardContext, type OptedInAgent, platformCard } from "./cards.ts";
import { type A2aTarget, FipaExecutor } from "./executor.ts";
import { BoundedTaskStore } from "./task-store.ts";

/** What the gateway needs of the node. */
export interface A2aGatewayDeps {
  router: MessageRouter;
  node: string;
  log: Logger;
  agents: AgentManager;
  /** Tokens are configured: cards declare the bearer scheme. */
  secured: boolean;
  /** The node's public URL; the request's origin when omitted. */
  publicUrl?: string;
}

/** The request handler of one A2A endpoint, and its executor. */
interface Endpoint {
  key: string;
  handler: DefaultRequestHandler;
  executor: FipaExecutor;
}

/** The skill a message names in its own or the request's `metadata.skill`, if any. Pure. */
export function requestedSkill(metadata: readonly (unknown)[]): string | undefined {
  for (const m of metadata) {
    const s = (m as { skill?: unknown } | undefined)?.skill;
    if (typeof s === "string") return s;
  }
  return undefined;
}

/**
 * The A2A gateway's state: which agents opted in (their manifest's `a2a.skills`), their cards,
 * and one `DefaultRequestHandler` (with its task store and {@link FipaExecutor}) per opted-in
 * agent and one for the platform endpoint, rebuilt when the skills change.
 */
export class A2aGateway {
  readonly #endpoints = new Map<string, Endpoint>();

  constructor(readonly deps: A2aGatewayDeps) {}

  /** The agents of this node that opted in, in name order. */
  optedIn(): OptedInAgent[] {
    return this.deps.agents.list({ limit: 1000 }).agents
      .filter((a) => a.manifest.a2a !== undefined)
      .map((a) => ({ name: a.name, skills: a.manifest.a2a!.skills }))
      .sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  /**
   * One opted-in agent.
   *
   * @throws {ApiError} `AGENT_NOT_FOUND` for an unknown agent; `NOT_FOUND` for an agent whose
   *   manifest has no `a2a` opt-in.
   */
  agent(name: string): OptedInAgent {
    const view = this.deps.agents.get(name);
    if (view.manifest.a2a === undefined) {
      throw new ApiError(
        "NOT_FOUND",
        `Agent '${view.name}' has not opted in to A2A (its manifest has no a2a.skills)`,
        { agent: view.name, reason: "not-opted-in" },
      );
    }
    return { name: view.name, skills: view.manifest.a2a.skills };
  }

  /** The context cards are built in, for a request to `origin`. */
  context(origin: string): CardContext {
    return {
      baseUrl: (this.deps.publicUrl ?? origin).replace(/\/+$/, ""),
      platform: this.deps.router.platform,
      secured: this.deps.secured,
    };
  }

  /** The platform's card as JSON. */
  platformCardJson(origin: string): unknown {
    return AgentCard.toJSON(platformCard(this.context(origin), this.optedIn()));
  }

  /** An opted-in agent's card as JSON. */
  agentCardJson(origin: string, name: string): unknown {
    return AgentCard.toJSON(agentCard(this.context(origin), this.agent(name)));
  }

  /**
   * Which agent and skill a message for `agent`'s endpoint (or, without `agent`, the
   * platform's) is for: the skill named in `metadata.skill` (`<skill>`, or `<agent>/<skill>`
   * on the platform endpoint), else the agent's first skill.
   *
   * @throws {ApiError} `INVALID_REQUEST` naming the skill when it is not offered.
   */
  target(agent: string | undefined, skill: string | undefined): A2aTarget {
    if (agent !== undefined) {
      const a = this.agent(agent);
      const s = skill === undefined ? a.skills[0] : a.skills.find((x) => x.id === skill);
      if (!s) throw unknownSkill(skill!, a.skills.map((x) => x.id));
      return { agent: a.name, skill: s };
    }
    const all = this.optedIn().flatMap((a) => a.skills.map((s) => ({ agent: a.name, skill: s })));
    const ids = all.map((t) => `${t.agent}/${t.skill.id}`);
    if (skill === undefined) {
      throw new ApiError(
        "INVALID_REQUEST",
        `Name a skill in metadata.skill as '<agent>/<skill>'; this platform offers: ${
          ids.join(", ") || "(none)"
        }`,
        { skills: ids },
      );
    }
    const found = all.find((t) => `${t.agent}/${t.skill.id}` === skill);
    if (!found) throw unknownSkill(skill, ids);
    return found;
  }

  /** The request handler of `agent`'s endpoint (the platform's without `agent`). */
  endpoint(origin: string, agent: string | undefined): DefaultRequestHandler {
    const ctx = this.context(origin);
    const card = agent === undefined
      ? platformCard(ctx, this.optedIn())
      : agentCard(ctx, this.agent(agent));
    const key = agent ?? "";
    const version = JSON.stringify(card.skills);
    const known = this.#endpoints.get(key);
    if (known?.key === version) return known.handler;
    const executor = new FipaExecutor({
      router: this.deps.router,
      node: this.deps.node,
      log: this.deps.log,
      target: (rc: RequestContext) =>
        this.target(agent, requestedSkill([rc.userMessage.metadata, rc.request.metadata])),
    });
    const handler = new DefaultRequestHandler(card, new BoundedTaskStore(), executor);
    this.#endpoints.set(key, { key: version, handler, executor });
    return handler;
  }

  /** Forgets the endpoints of agents that are gone (their tasks with them). */
  prune(): void {
    const names = new Set(this.optedIn().map((a) => a.name));
    for (const k of this.#endpoints.keys()) {
      if (k !== "" && !names.has(k)) this.#endpoints.delete(k);
    }
  }
}

function unknownSkill(skill: string, offered: string[]): ApiError {
  return new ApiError(
    "INVALID_REQUEST",
    `Skill '${skill.slice(0, 200)}' is not offered; offered: ${offered.join(", ") || "(none)"}`,
    { skill: skill.slice(0, 200), offered },
  );
}
