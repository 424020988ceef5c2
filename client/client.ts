import { type EventStreamOptions, followEvents } from "./events.ts";
import { multipartBody, progressStream } from "./multipart.ts";
import { receiverCount } from "./receivers.ts";
import { type ClientOptions, type RequestOptions, Transport } from "./transport.ts";
import type {
  AgentListQuery,
  AgentLogEntry,
  AgentLogPage,
  AgentPage,
  AgentVersions,
  AgentView,
  AuditPage,
  AuditQuery,
  AuditVerdict,
  ClusterStatus,
  ComponentSignature,
  Delivery,
  DeployConfig,
  Deployment,
  DeploymentRequest,
  DirectoryPage,
  DirectoryQuery,
  MessageInput,
  MigrationReport,
  NodeEvent,
  QueuedResult,
  Scaled,
  SendAndWaitResult,
  SendResult,
  ServiceRegistration,
  ServiceSearch,
  ServicesQuery,
  StopOptions,
  Subscription,
  UpdateConfig,
  WaitFor,
} from "./types.ts";

/** The default node URL (`deno task start`). */
export const DEFAULT_URL = "http://127.0.0.1:8080";

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the request (and any wait before a retry). */
  signal?: AbortSignal;
}

/** Options of {@link FipaEdgeClient.deploy} and {@link FipaEdgeClient.update}. */
export interface UploadOptions extends CallOptions {
  /** The component's file name in the upload (default `agent.wasm`). */
  filename?: string;
  /** Called as the upload is read: bytes sent so far and in all (the multipart body). */
  onProgress?: (sent: number, total: number) => void;
  /**
   * The component's signature (multipart fields `signature` and `key_id`), checked against
   * the node's trusted publisher keys; required under `--require-signed-agents`.
   */
  signature?: ComponentSignature;
}

/** Options of {@link FipaEdgeClient.send}. */
export interface SendOptions extends CallOptions {
  /** `at-least-once` stores the message first and answers 202 queued. */
  delivery?: Delivery;
  /** Becomes the message id, so that retries of the same send are deduplicated. */
  idempotencyKey?: string;
}

/** Options of {@link FipaEdgeClient.sendAndWait}. */
export interface WaitOptions extends CallOptions {
  /** How long the node waits for the reply (default 30 s; at most 300 s). */
  timeoutMs?: number;
  /** `final` skips an `agree` and waits for the answer after it. */
  waitFor?: WaitFor;
}

const agentPath = (id: string) => `/api/v1/agents/${encodeURIComponent(id)}`;

/**
 * The body and content type of a message (JSON form for objects, FIPA string form for
 * strings), and whether a refusal may be retried. The node delivers to several receivers one
 * after the other, so a 429 or 503 for the second may come after the first got the message:
 * an at-most-once message is sent again only when it has one receiver. At least once, a
 * refusal means nothing was stored.
 */
function messageRequest(
  message: MessageInput,
  delivery?: Delivery,
): Pick<RequestOptions, "json" | "body" | "contentType" | "retry"> {
  const retry = delivery === "at-least-once" || receiverCount(message) === 1;
  return typeof message === "string"
    ? { body: () => message, contentType: "text/fipa-acl", retry }
    : { json: message, retry };
}

/**
 * A typed client of one fipa-edge node's HTTP API. Request and answer types come from the
 * zod schemas the node validates with (see `client/types.ts`); a refusal is thrown as one
 * {@link ApiError} carrying the node's `code`, message, `details` and trace id; 429 and 503
 * answers are retried after the node's `Retry-After` (or with backoff).
 *
 * @example
 * ```ts
 * const client = new FipaEdgeClient({ url: "http://127.0.0.1:8080", token: Deno.env.get("TOKEN") });
 * const { reply } = await client.sendAndWait({ performative: "request", receiver: "echo", content: "ping" });
 * console.log(reply.performative, reply.content); // inform ping
 * ```
 */
export class FipaEdgeClient {
  /** The request layer (base URL, token, retries); for routes without a method here. */
  readonly http: Transport;

  /** A client of the node at `options.url` (or the URL given as a string; default {@link DEFAULT_URL}). */
  constructor(options: ClientOptions | string = DEFAULT_URL) {
    this.http = new Transport(typeof options === "string" ? { url: options } : options);
  }

  /** The node's base URL. */
  get url(): string {
    return this.http.url;
  }

  /**
   * Deploys an agent: its component (`.wasm` bytes) and its config (`name` at least).
   * Answers the running agent.
   */
  async deploy(
    wasm: Uint8Array,
    config: DeployConfig,
    opts: UploadOptions = {},
  ): Promise<AgentView> {
    return await this.http.json<AgentView>(
      "POST",
      "/api/v1/agents",
      upload(wasm, config, opts),
    );
  }

  /** Updates an agent: a new component and/or config; its storage carries over. */
  async update(
    id: string,
    change: { wasm?: Uint8Array; config?: UpdateConfig },
    opts: UploadOptions = {},
  ): Promise<AgentView> {
    return await this.http.json<AgentView>(
      "PUT",
      agentPath(id),
      upload(change.wasm, change.config, opts),
    );
  }

  /** The recorded versions of an agent (each deploy and update), oldest first. */
  async versions(id: string, opts: CallOptions = {}): Promise<AgentVersions> {
    return await this.http.json<AgentVersions>("GET", `${agentPath(id)}/versions`, opts);
  }

  /**
   * Deploys a new version of an agent with a strategy (`POST /api/v1/deployments`); give
   * the component as bytes in `wasm` (sent base64) or a stored version in `version`.
   */
  async createDeployment(
    request: Omit<DeploymentRequest, "wasm_module"> & { wasm?: Uint8Array },
    opts: CallOptions = {},
  ): Promise<Deployment> {
    const { wasm, ...rest } = request;
    return await this.http.json<Deployment>("POST", "/api/v1/deployments", {
      json: { ...rest, ...(wasm ? { wasm_module: base64(wasm) } : {}) },
      signal: opts.signal,
    });
  }

  /** One deployment. */
  async deployment(id: string, opts: CallOptions = {}): Promise<Deployment> {
    return await this.http.json<Deployment>(
      "GET",
      `/api/v1/deployments/${encodeURIComponent(id)}`,
      opts,
    );
  }

  /** Deployments, newest first (optionally of one agent). */
  async deployments(
    query: { agent_id?: string } = {},
    opts: CallOptions = {},
  ): Promise<{ deployments: Deployment[] }> {
    return await this.http.json("GET", "/api/v1/deployments", { query, ...opts });
  }

  /** Rolls a deployment back: the agent returns to the version before it. */
  async rollback(id: string, opts: CallOptions = {}): Promise<Deployment> {
    return await this.http.json<Deployment>(
      "POST",
      `/api/v1/deployments/${encodeURIComponent(id)}/rollback`,
      opts,
    );
  }

  /**
   * Runs a stateless agent as `replicas` instances, placed over the cluster by load (1: the
   * agent alone again). A stateful agent is refused (`CONFLICT`, field `replicas`).
   */
  async scale(id: string, replicas: number, opts: CallOptions = {}): Promise<Scaled> {
    return await this.http.json<Scaled>("PUT", `${agentPath(id)}/scale`, {
      json: { replicas },
      signal: opts.signal,
    });
  }

  /** Stops an agent: drains its mailbox within the grace period (default 30 s), then stops. */
  async stop(id: string, options: StopOptions = {}, opts: CallOptions = {}): Promise<AgentView> {
    return await this.http.json<AgentView>("POST", `${agentPath(id)}/stop`, {
      json: options,
      signal: opts.signal,
    });
  }

  /** Starts a stopped or failed agent again. */
  async start(id: string, opts: CallOptions = {}): Promise<AgentView> {
    return await this.http.json<AgentView>("POST", `${agentPath(id)}/start`, opts);
  }

  /** Removes an agent, its record and its storage. */
  async remove(id: string, opts: CallOptions = {}): Promise<AgentView> {
    return await this.http.json<AgentView>("DELETE", agentPath(id), opts);
  }

  /** One agent of this node (by agent id, name or `name@platform`), with its counters. */
  async agent(id: string, opts: CallOptions = {}): Promise<AgentView> {
    return await this.http.json<AgentView>("GET", agentPath(id), opts);
  }

  /** The last `limit` (default 100) entries of an agent's own log, on the node hosting it. */
  async agentLog(
    id: string,
    query: { limit?: number } = {},
    opts: CallOptions = {},
  ): Promise<AgentLogPage> {
    return await this.http.json<AgentLogPage>("GET", `${agentPath(id)}/logs`, {
      query,
      ...opts,
    });
  }

  /**
   * An agent's own log as it happens: its last `limit` entries, then each new one, until
   * `opts.signal` aborts or the node ends the stream (NDJSON, `follow=true`).
   */
  async *followAgentLog(
    id: string,
    query: { limit?: number } = {},
    opts: CallOptions = {},
  ): AsyncGenerator<AgentLogEntry> {
    const res = await this.http.request("GET", `${agentPath(id)}/logs`, {
      query: { ...query, follow: true },
      accept: "application/x-ndjson",
      retry: false,
      ...opts,
    });
    if (!res.body) return;
    let buf = "";
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line);
          if (e.error) throw new Error(`agent log stream: ${e.error.code}: ${e.error.message}`);
          yield e as AgentLogEntry;
        }
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }

  /** A page of this node's agents. */
  async agents(query: AgentListQuery = {}, opts: CallOptions = {}): Promise<AgentPage> {
    return await this.http.json<AgentPage>("GET", "/api/v1/agents", { query, ...opts });
  }

  /** A page of the whole cluster's agents from the replicated directory. */
  async directory(query: DirectoryQuery = {}, opts: CallOptions = {}): Promise<DirectoryPage> {
    return await this.http.json<DirectoryPage>("GET", "/api/v1/directory/agents", {
      query,
      ...opts,
    });
  }

  /**
   * Sends a message: the JSON form as an object, or the FIPA string form as a string.
   * At most once by default (answered once it is in the receivers' mailboxes).
   */
  async send(
    message: MessageInput,
    opts: SendOptions & { delivery: "at-least-once" },
  ): Promise<QueuedResult>;
  /** Sends a message at most once (the default): answered once it is in the mailboxes. */
  async send(message: MessageInput, opts?: SendOptions): Promise<SendResult>;
  async send(message: MessageInput, opts: SendOptions = {}): Promise<SendResult | QueuedResult> {
    return await this.http.json("POST", "/api/v1/messages", {
      ...messageRequest(message, opts.delivery),
      query: { delivery: opts.delivery },
      headers: opts.idempotencyKey ? { "idempotency-key": opts.idempotencyKey } : {},
      signal: opts.signal,
    });
  }

  /** Sends a message and waits for its reply (the first one, or the final one after `agree`). */
  async sendAndWait(message: MessageInput, opts: WaitOptions = {}): Promise<SendAndWaitResult> {
    return await this.http.json<SendAndWaitResult>("POST", "/api/v1/messages/send-and-wait", {
      ...messageRequest(message),
      query: { timeout_ms: opts.timeoutMs, wait_for: opts.waitFor },
      signal: opts.signal,
    });
  }

  /** Like {@link sendAndWait}, answering the reply in FIPA string form. */
  async sendAndWaitFipa(message: MessageInput, opts: WaitOptions = {}): Promise<string> {
    const res = await this.http.request("POST", "/api/v1/messages/send-and-wait", {
      ...messageRequest(message),
      query: { timeout_ms: opts.timeoutMs, wait_for: opts.waitFor },
      accept: "text/fipa-acl",
      signal: opts.signal,
    });
    return await res.text();
  }

  /** Searches the service registry (FIPA DF) with a template given as fields. */
  async services(query: ServicesQuery = {}, opts: CallOptions = {}): Promise<ServiceSearch> {
    return await this.http.json<ServiceSearch>("GET", "/api/v1/services", { query, ...opts });
  }

  /** Registers an agent's services in the DF (committed through Raft). */
  async registerService(
    registration: ServiceRegistration,
    opts: CallOptions = {},
  ): Promise<{ registered: string; commit_ms: number }> {
    return await this.http.json("POST", "/api/v1/services", { json: registration, ...opts });
  }

  /** Replaces the DF registration of `agent` (FIPA `modify`); the body must name the same agent. */
  async modifyService(
    agent: string,
    registration: ServiceRegistration,
    opts: CallOptions = {},
  ): Promise<{ modified: string }> {
    return await this.http.json("PUT", `/api/v1/services/${encodeURIComponent(agent)}`, {
      json: registration,
      ...opts,
    });
  }

  /** Removes an agent's DF registration. */
  async deregisterService(
    agent: string,
    opts: CallOptions = {},
  ): Promise<{ deregistered: string }> {
    return await this.http.json("DELETE", `/api/v1/services/${encodeURIComponent(agent)}`, opts);
  }

  /** Moves an agent to another node of the cluster (a member id), with its state and messages. */
  async migrate(id: string, targetNode: string, opts: CallOptions = {}): Promise<MigrationReport> {
    return await this.http.json<MigrationReport>("POST", `${agentPath(id)}/migrate`, {
      json: { target_node: targetNode },
      ...opts,
    });
  }

  /** The cluster as this node sees it: itself, the leader, term, commit index and members. */
  async cluster(opts: CallOptions = {}): Promise<ClusterStatus> {
    return await this.http.json<ClusterStatus>("GET", "/api/v1/cluster", opts);
  }

  /**
   * The node's events as an async iterator (the `/ws` WebSocket), filtered as the node does:
   * event type patterns (`agent.*`, `message.sent`, `*`) and `filters` by agent,
   * performative and conversation. Reconnects when the socket closes; break out of the loop
   * or abort `signal` to stop.
   *
   * @example
   * ```ts
   * for await (const e of client.events({ events: ["message.*"], filters: { agent_ids: ["echo"] } })) {
   *   console.log(e.type, e.performative);
   * }
   * ```
   */
  events(
    subscription: Subscription = {},
    opts: EventStreamOptions = {},
  ): AsyncGenerator<NodeEvent, void, undefined> {
    return followEvents(this.http, subscription, {
      ...opts,
      webSocket: this.http.options.webSocket,
    });
  }

  /** A page of the audit trail (admin), oldest first, filtered by `query`. */
  async audit(query: AuditQuery = {}, opts: CallOptions = {}): Promise<AuditPage> {
    return await this.http.json<AuditPage>("GET", "/api/v1/audit", { query, ...opts });
  }

  /** Verifies the audit chain (admin): intact, or the first record edited, unlinked or removed. */
  async auditVerify(opts: CallOptions = {}): Promise<AuditVerdict> {
    return await this.http.json<AuditVerdict>("GET", "/api/v1/audit/verify", opts);
  }

  /** A client of the same node with another token (e.g. a read-only one). */
  withToken(token: ClientOptions["token"]): FipaEdgeClient {
    return new FipaEdgeClient({ ...this.http.options, token });
  }
}

/**
 * The multipart request of a deployment or an update: `config` (JSON), `wasm`, then the
 * signature fields when signed.
 */
function upload(
  wasm: Uint8Array | undefined,
  config: unknown,
  opts: UploadOptions,
): RequestOptions {
  const enc = new TextEncoder();
  const boundary = `fipa-edge-${crypto.randomUUID()}`;
  const body = multipartBody([
    ...(config === undefined ? [] : [{
      name: "config",
      contentType: "application/json",
      data: enc.encode(JSON.stringify(config)),
    }]),
    ...(wasm === undefined ? [] : [{
      name: "wasm",
      filename: opts.filename ?? "agent.wasm",
      contentType: "application/wasm",
      data: wasm,
    }]),
    ...(opts.signature === undefined ? [] : [
      { name: "signature", contentType: "text/plain", data: enc.encode(opts.signature.signature) },
      { name: "key_id", contentType: "text/plain", data: enc.encode(opts.signature.key_id) },
    ]),
  ], boundary);
  const progress = opts.onProgress;
  return {
    body: progress ? () => progressStream(body, progress) : () => body as Uint8Array<ArrayBuffer>,
    contentType: `multipart/form-data; boundary=${boundary}`,
    signal: opts.signal,
  };
}

/** Bytes as base64 (in chunks: a component may be large). */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}
