import { type Message, Role, TaskState } from "@a2a-js/sdk";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { type AclMessage, aid, type JsonValue } from "../../acl/mod.ts";
import { type Timers, UNREF_TIMERS } from "../../async/mod.ts";
import { ApiError } from "../../errors/mod.ts";
import type { Logger } from "../../log/mod.ts";
import { type Delivery, type MessageRouter, newMessageId } from "../../routing/mod.ts";
import type { A2aSkill } from "../../sandbox/mod.ts";
import { contentToParts, partsToContent, taskStep } from "./mapping.ts";

/** How long an A2A task waits for the FIPA agent's final answer before it fails. */
export const A2A_TASK_TIMEOUT_MS = 120_000;

/** The FIPA agent and skill an A2A request is for. */
export interface A2aTarget {
  agent: string;
  skill: A2aSkill;
}

/** What the executor needs of the node. */
export interface FipaExecutorDeps {
  router: MessageRouter;
  /** This node's name: the A2A caller's FIPA name is `a2a-<task>@<node>`. */
  node: string;
  log: Logger;
  /** Which agent and skill a request is for (validated before it reaches the executor). */
  target(ctx: RequestContext): A2aTarget;
  timers?: Timers;
  timeoutMs?: number;
}

/** The interaction protocol a skill's performative starts by default. */
function defaultProtocol(performative: A2aSkill["performative"]): string | undefined {
  switch (performative) {
    case "request":
      return "fipa-request";
    case "query-ref":
    case "query-if":
      return "fipa-query";
    case "cfp":
      return "fipa-contract-net";
    default:
      return undefined;
  }
}

/** One task in flight: its conversation, and how it ends. */
interface Running {
  request: AclMessage;
  agent: string;
  /** Ends the task: publishes the final status and releases the conversation. */
  finish(state: TaskState, text: string, content?: JsonValue): void;
}

/**
 * The A2A side of a FIPA agent (an `AgentExecutor` of `@a2a-js/sdk`): a `SendMessage`
 * becomes the skill's performative (default `request`) from `a2a-<task>@<node>` to the agent
 * in a conversation whose id is the task id. The agent's replies come back to that name (a
 * temporary endpoint on the router) and move the task ({@link taskStep}): `agree` →
 * `working`, `inform` → `completed` with the content as an artifact, `failure` → `failed`,
 * `refuse` / `not-understood` → `rejected`. Cancel sends FIPA `cancel` in the conversation.
 */
export class FipaExecutor implements AgentExecutor {
  readonly #running = new Map<string, Running>();

  constructor(readonly deps: FipaExecutorDeps) {}

  /** How many tasks wait for their agent now. */
  get inFlight(): number {
    return this.#running.size;
  }

  async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx;
    const { agent, skill } = this.deps.target(ctx);
    const local = `a2a-${taskId.replace(/[^A-Za-z0-9]/g, "").slice(0, 32)}`;
    const request: AclMessage = {
      performative: skill.performative,
      sender: aid(`${local}@${this.deps.node}`),
      receivers: [aid(agent)],
      content: partsToContent(ctx.userMessage.parts),
      conversation_id: taskId,
      reply_with: `a2a-${crypto.randomUUID()}`,
      ...(skill.protocol ?? defaultProtocol(skill.performative)
        ? { protocol: skill.protocol ?? defaultProtocol(skill.performative) }
        : {}),
    } as AclMessage;
    const fipa = { agent, conversation_id: taskId, skill: skill.id };
    bus.publish(AgentEvent.task({
      id: taskId,
      contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
      artifacts: [],
      history: [ctx.userMessage],
      metadata: { fipa },
    }));

    const done = Promise.withResolvers<void>();
    const timers = this.deps.timers ?? UNREF_TIMERS;
    let timer: unknown;
    let unregister: () => void = () => {};
    let over = false;
    const status = (state: TaskState, text?: string, content?: JsonValue) => {
      bus.publish(AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: {
          state,
          message: agentMessage(taskId, contextId, content ?? text),
          timestamp: now(),
        },
        metadata: { fipa },
      }));
    };
    const running: Running = {
      request,
      agent,
      finish: (state, text, content) => {
        if (over) return;
        over = true;
        status(state, text, content);
        done.resolve();
      },
    };
    const onReply = (d: Delivery) => {
      if (over) return;
      const m = d.message;
      const step = taskStep(m.performative);
      if (step === undefined) return;
      if (step.artifact) {
        bus.publish(AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: d.message_id,
            name: `${m.performative} from ${agent}`,
            description: "",
            parts: contentToParts(m.content),
            metadata: { fipa: { performative: m.performative, sender: m.sender?.name } },
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }));
      }
      if (step.final) running.finish(step.state, m.performative, m.content);
      else status(step.state, m.performative, m.content);
    };

    this.#running.set(taskId, running);
    try {
      unregister = this.deps.router.register(local, {
        deliver: (d) => {
          if (d.message.conversation_id !== taskId) {
            throw new ApiError(
              "AGENT_NOT_FOUND",
              `No A2A task waits for this message at '${local}'`,
              {
                agent: local,
              },
            );
          }
          onReply(d);
        },
      });
      timer = timers.set(() => {
        running.finish(
          TaskState.TASK_STATE_FAILED,
          `TIMEOUT: no final answer from ${agent} within ${
            this.deps.timeoutMs ?? A2A_TASK_TIMEOUT_MS
          } ms`,
        );
      }, this.deps.timeoutMs ?? A2A_TASK_TIMEOUT_MS);
      await this.deps.router.route({
        message_id: newMessageId(),
        message: request,
        accepted_at: now(),
        origin: "http",
      });
    } catch (e) {
      const code = e instanceof ApiError ? `${e.code}: ` : "";
      running.finish(TaskState.TASK_STATE_FAILED, `${code}${(e as Error).message}`);
    }
    try {
      await done.promise;
    } finally {
      timers.clear(timer);
      unregister();
      this.#running.delete(taskId);
      bus.finished();
    }
  }

  /** Cancels a task in flight: FIPA `cancel` to its agent, then the task is `canceled`. */
  async cancelTask(taskId: string, _bus: ExecutionEventBus): Promise<void> {
    const r = this.#running.get(taskId);
    if (r === undefined) return;
    const { request } = r;
    try {
      await this.deps.router.route({
        message_id: newMessageId(),
        message: {
          ...request,
          performative: "cancel",
          content: request.content,
          reply_with: `a2a-${crypto.randomUUID()}`,
        },
        accepted_at: now(),
        origin: "http",
      });
    } catch (e) {
      this.deps.log.warn("could not send FIPA cancel for an A2A task", {
        task_id: taskId,
        agent: r.agent,
        error: (e as Error).message,
      });
    }
    r.finish(TaskState.TASK_STATE_CANCELED, "canceled: FIPA cancel sent");
  }
}

function now(): string {
  return new Date().toISOString();
}

function agentMessage(taskId: string, contextId: string, content: JsonValue | undefined): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: contentToParts(content),
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}
