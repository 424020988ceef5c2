/**
 * TypeScript types of the `fipa:agent@0.1.0` world, as the JS bindings of ComponentizeJS
 * (and jco) present them: kebab-case names become camelCase, `option<T>` is
 * `T | undefined`, `u64` is `bigint`, a function returning `result<T, E>` returns `T` and
 * throws on error.
 * @module
 */

/** The 22 FIPA performatives (`messaging.performative`). */
export type Performative =
  | "accept-proposal"
  | "agree"
  | "cancel"
  | "cfp"
  | "confirm"
  | "disconfirm"
  | "failure"
  | "inform"
  | "inform-if"
  | "inform-ref"
  | "not-understood"
  | "propagate"
  | "propose"
  | "proxy"
  | "query-if"
  | "query-ref"
  | "refuse"
  | "reject-proposal"
  | "request"
  | "request-when"
  | "request-whenever"
  | "subscribe";

/** `messaging.agent-id`. */
export interface AgentId {
  name: string;
  addresses: string[];
  resolvers: string[];
}

/** `messaging.content`: FIPA text, or the text of a JSON value. */
export type Content = { tag: "text"; val: string } | { tag: "json"; val: string };

/** `messaging.acl-message`. */
export interface AclMessage {
  messageId: string;
  performative: Performative;
  sender?: AgentId;
  receivers: AgentId[];
  replyTo: AgentId[];
  content?: Content;
  language?: string;
  encoding?: string;
  ontology?: string;
  protocol?: string;
  conversationId?: string;
  replyWith?: string;
  inReplyTo?: string;
  replyBy?: string;
  userParams: [string, string][];
}

/** `migration.node-info`. */
export interface NodeInfo {
  id: string;
  load: number;
  latencyMs: number;
  availableMemory: bigint;
}

/** `logging.log-level`. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** The imports of the world, one object per interface. */
export interface WorldImports {
  messaging: {
    sendMessage(message: AclMessage): string;
    receiveMessage(): AclMessage | undefined;
    findAgentsByService(service: string): AgentId[];
  };
  migration: {
    getCurrentNode(): string;
    listNodes(): NodeInfo[];
    migrateTo(nodeId: string): void;
  };
  storage: {
    store(key: string, value: Uint8Array): void;
    load(key: string): Uint8Array;
    delete(key: string): void;
  };
  logging: {
    log(level: LogLevel, message: string): void;
  };
}

/** The exports of the world. */
export interface WorldExports {
  init(): void;
  run(): boolean;
  shutdown(): void;
  handleMessage(message: AclMessage): boolean;
}
