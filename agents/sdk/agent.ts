import type {
  AclMessage,
  AgentId,
  Content,
  LogLevel,
  NodeInfo,
  Performative,
  WorldExports,
  WorldImports,
} from "./types.ts";

/** JSON values, for {@link json} content. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Text content. */
export function text(val: string): Content {
  return { tag: "text", val };
}

/** JSON content; the node hands it to JSON clients as a structured value. */
export function json(value: Json): Content {
  return { tag: "json", val: JSON.stringify(value) };
}

/** The content of a message as text (JSON content as its JSON text), or `undefined`. */
export function contentText(m: AclMessage): string | undefined {
  return m.content?.val;
}

/** The content of a message parsed as JSON (text content is parsed too), or `undefined`. */
export function contentJson(m: AclMessage): Json | undefined {
  if (!m.content) return undefined;
  try {
    return JSON.parse(m.content.val) as Json;
  } catch {
    return m.content.tag === "text" ? m.content.val : undefined;
  }
}

/** An agent identifier from a name. */
export function agentId(name: string): AgentId {
  return { name, addresses: [], resolvers: [] };
}

/** What a message to send may leave out; the rest gets the world's defaults. */
export type OutgoingMessage =
  & Pick<AclMessage, "performative">
  & Partial<Omit<AclMessage, "performative" | "receivers">>
  & { receivers: (AgentId | string)[] };

/** What an agent can do, handed to each of its callbacks. */
export interface AgentContext {
  /** Sends a message; returns its id. Throws the node's reason when refused. */
  send(message: OutgoingMessage): string;
  /**
   * Answers `to`: to its `reply-to` if set, else its sender, in the same conversation and
   * in reply to its `reply-with`.
   */
  reply(to: AclMessage, performative: Performative, content?: Content): string;
  /** Takes the next message queued for `receive-message`. */
  receive(): AclMessage | undefined;
  findAgentsByService(service: string): AgentId[];
  log(level: LogLevel, message: string): void;
  storage: WorldImports["storage"];
  node: {
    current(): string;
    list(): NodeInfo[];
    migrateTo(nodeId: string): void;
  };
}

/** An agent written with the SDK: only `handleMessage` is required. */
export interface Agent {
  init?(cx: AgentContext): void;
  /** A step of the agent's own work; return true to be called again. */
  run?(cx: AgentContext): boolean;
  shutdown?(cx: AgentContext): void;
  /** Handles a message; return false when it was not understood. */
  handleMessage(message: AclMessage, cx: AgentContext): boolean;
}

/** Declares an agent (an identity function that gives the object its type). */
export function defineAgent(agent: Agent): Agent {
  return agent;
}

/** Builds the {@link AgentContext} over the world's imports. */
export function context(imports: WorldImports): AgentContext {
  const { messaging, migration, storage, logging } = imports;
  const send = (m: OutgoingMessage): string =>
    messaging.sendMessage({
      messageId: "",
      replyTo: [],
      userParams: [],
      ...m,
      sender: undefined,
      receivers: m.receivers.map((r) => (typeof r === "string" ? agentId(r) : r)),
    });
  return {
    send,
    reply: (to, performative, content) =>
      send({
        performative,
        receivers: to.replyTo.length ? to.replyTo : to.sender ? [to.sender] : [],
        content,
        conversationId: to.conversationId,
        inReplyTo: to.replyWith,
        protocol: to.protocol,
        language: content === to.content ? to.language : undefined,
        ontology: to.ontology,
      }),
    receive: () => messaging.receiveMessage(),
    findAgentsByService: (s) => messaging.findAgentsByService(s),
    log: (level, message) => logging.log(level, message),
    storage,
    node: {
      current: () => migration.getCurrentNode(),
      list: () => migration.listNodes(),
      migrateTo: (id) => migration.migrateTo(id),
    },
  };
}

/**
 * Binds an SDK agent to the world: the build's generated entry module passes the
 * imported interfaces and exports what this returns.
 */
export function bindAgent(agent: Agent, imports: WorldImports): WorldExports {
  const cx = context(imports);
  return {
    init: () => agent.init?.(cx),
    run: () => agent.run?.(cx) ?? false,
    shutdown: () => agent.shutdown?.(cx),
    handleMessage: (m) => agent.handleMessage(m, cx),
  };
}
