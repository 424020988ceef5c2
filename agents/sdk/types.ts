/**
 * TypeScript types of the `fipa:agent` world (0.1.0, and the imports 0.2.0 adds), as the JS bindings of ComponentizeJS
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

/** `http.request` (world 0.2.0). */
export interface HttpRequestRecord {
  method: string;
  url: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** `http.response` (world 0.2.0). */
export interface HttpResponseRecord {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The imports of the world, one object per interface (`http`, `files`, `timers`: 0.2.0). */
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
  http?: {
    fetch(request: HttpRequestRecord): HttpResponseRecord;
  };
  files?: {
    read(path: string): Uint8Array;
    write(path: string, data: Uint8Array): void;
    append(path: string, data: Uint8Array): void;
    listDir(path: string): string[];
    remove(path: string): void;
  };
  timers?: {
    setTimer(afterMs: bigint, tag: string): string;
    setTimerAt(unixMs: bigint, tag: string): string;
    cancelTimer(id: string): boolean;
  };
  /** `wasi:cli/environment` (world 0.2.0 builds): the manifest's `env`. */
  environment?: {
    getEnvironment(): [string, string][];
  };
}

/** The exports of the world. */
export interface WorldExports {
  init(): void;
  run(): boolean;
  shutdown(): void;
  handleMessage(message: AclMessage): boolean;
  /** World 0.2.0: a timer is due. */
  onTimer?(id: string, tag: string): void;
}
