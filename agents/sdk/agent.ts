import type {
  AclMessage,
  AgentId,
  Content,
  HttpResponseRecord,
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

/** What {@link AgentContext.fetch} takes besides the URL. */
export interface FetchInit {
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string> | [string, string][];
  /** A string is sent as UTF-8. */
  body?: string | Uint8Array;
}

/** A complete HTTP response, as {@link AgentContext.fetch} returns it. */
export interface FetchResult {
  status: number;
  /** Whether the status is 2xx. */
  ok: boolean;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON. */
  json(): Json;
}

/** The agent's files (world 0.2.0): paths relative to its root, inside its `files` grants. */
export interface AgentFilesApi {
  read(path: string): Uint8Array;
  readText(path: string): string;
  /** Replaces the file (creating it and its directories). */
  write(path: string, data: string | Uint8Array): void;
  append(path: string, data: string | Uint8Array): void;
  list(path: string): string[];
  remove(path: string): void;
}

/**
 * The message of what a world function threw: ComponentizeJS throws an `err` result as an
 * error whose `payload` is the world's error string.
 */
export function errorText(e: unknown): string {
  const p = (e as { payload?: unknown })?.payload;
  if (typeof p === "string") return p;
  if (e instanceof Error) return e.message;
  return String(e);
}

function rethrow<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(errorText(e));
  }
}

const utf8 = (d: string | Uint8Array) => typeof d === "string" ? new TextEncoder().encode(d) : d;

function fetchResult(r: HttpResponseRecord): FetchResult {
  const headers: Record<string, string> = {};
  for (const [k, v] of r.headers) {
    const key = k.toLowerCase();
    headers[key] = key in headers ? `${headers[key]}, ${v}` : v;
  }
  return {
    status: r.status,
    ok: r.status >= 200 && r.status < 300,
    headers,
    body: r.body,
    text: () => new TextDecoder().decode(r.body),
    json: () => JSON.parse(new TextDecoder().decode(r.body)) as Json,
  };
}

function needs<T>(value: T | undefined, what: string): T {
  if (value === undefined) {
    throw new Error(
      `${what} needs world fipa:agent@0.2.0: declare it in agent.ts (see agents/README.md)`,
    );
  }
  return value;
}

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
  /**
   * Sends an HTTP request to a host the manifest's `net` grants and waits for the whole
   * response (world 0.2.0). Throws an `Error` with the node's reason when the host is not
   * granted, a limit is reached, it timed out or failed; any status is a result.
   */
  fetch(url: string, init?: FetchInit): FetchResult;
  /** Milliseconds since the Unix epoch (the node's wall clock). */
  now(): number;
  /** The manifest's `env` (world 0.2.0 builds; `{}` otherwise). */
  readonly env: Record<string, string>;
  /** Files in the manifest's `files` grants (world 0.2.0). */
  files: AgentFilesApi;
  /**
   * Schedules a durable wake-up in `ms` milliseconds (world 0.2.0): the agent's `onTimer`
   * runs with the returned id and `tag` when it is due, also after hibernation, a restart
   * or a move. Throws the node's reason (e.g. too many pending timers).
   */
  setTimer(ms: number, tag: string): string;
  /** As {@link setTimer}, due at `unixMs` (ms since the Unix epoch; past: at once). */
  setTimerAt(unixMs: number, tag: string): string;
  /** Cancels a pending timer; false when there is no such pending timer. */
  cancelTimer(id: string): boolean;
}

/** An agent written with the SDK: only `handleMessage` is required. */
export interface Agent {
  init?(cx: AgentContext): void;
  /** A step of the agent's own work; return true to be called again. */
  run?(cx: AgentContext): boolean;
  shutdown?(cx: AgentContext): void;
  /** Handles a message; return false when it was not understood. */
  handleMessage(message: AclMessage, cx: AgentContext): boolean;
  /** World 0.2.0: a timer set through `timers` is due. */
  onTimer?(id: string, tag: string, cx: AgentContext): void;
}

/** Declares an agent (an identity function that gives the object its type). */
export function defineAgent(agent: Agent): Agent {
  return agent;
}

/** Builds the {@link AgentContext} over the world's imports. */
export function context(imports: WorldImports): AgentContext {
  const { messaging, migration, storage, logging, http, files, environment, timers } = imports;
  const ms = (n: number, what: string) => {
    if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: invalid time ${n}`);
    return BigInt(Math.floor(n));
  };
  let env: Record<string, string> | undefined;
  const file = () => needs(files, "cx.files");
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
    fetch: (url, init = {}) => {
      const h = needs(http, "cx.fetch");
      const headers = Array.isArray(init.headers)
        ? init.headers
        : Object.entries(init.headers ?? {});
      return fetchResult(rethrow(() =>
        h.fetch({
          method: init.method ?? "GET",
          url,
          headers,
          body: init.body === undefined ? undefined : utf8(init.body),
        })
      ));
    },
    now: () => Date.now(),
    get env() {
      env ??= Object.fromEntries(environment?.getEnvironment() ?? []);
      return env;
    },
    setTimer: (n, tag) =>
      rethrow(() => needs(timers, "cx.setTimer").setTimer(ms(n, "cx.setTimer"), tag)),
    setTimerAt: (n, tag) =>
      rethrow(() => needs(timers, "cx.setTimerAt").setTimerAt(ms(n, "cx.setTimerAt"), tag)),
    cancelTimer: (id) => needs(timers, "cx.cancelTimer").cancelTimer(id),
    files: {
      read: (p) => rethrow(() => file().read(p)),
      readText: (p) => new TextDecoder().decode(rethrow(() => file().read(p))),
      write: (p, d) => rethrow(() => file().write(p, utf8(d))),
      append: (p, d) => rethrow(() => file().append(p, utf8(d))),
      list: (p) => rethrow(() => file().listDir(p)),
      remove: (p) => rethrow(() => file().remove(p)),
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
    onTimer: (id, tag) => agent.onTimer?.(id, tag, cx),
  };
}
