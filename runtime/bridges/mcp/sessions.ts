import { McpServer, WebStandardStreamableHTTPServerTransport } from "./sdk.ts";
import { isInitializeRequest, SubscribeRequestSchema, UnsubscribeRequestSchema } from "./sdk.ts";
import { ApiError } from "../../errors/mod.ts";
import { VERSION } from "../../version.ts";
import type { McpDeps } from "./deps.ts";
import { registerResources, resourceChanges } from "./resources.ts";
import { registerTools } from "./tools.ts";
import { OPEN_PRINCIPAL, type Principal } from "../../security/mod.ts";

/** Sessions kept at most; past it the least recently used one is closed. */
export const MAX_MCP_SESSIONS = 256;

/** One client's session: its server, transport and resource subscriptions. */
interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  close(): Promise<void>;
}

/**
 * The MCP server of a node over the Streamable HTTP transport (the SDK's web-standard
 * transport, stateful): each client's `initialize` opens a session (`Mcp-Session-Id`) with its
 * own server, which carries the platform's tools and resources and forwards agent and
 * conversation events as resource notifications on the session's SSE stream.
 */
export class McpSessions {
  readonly #sessions = new Map<string, Session>();
  #closed = false;

  constructor(readonly deps: McpDeps) {}

  /** How many sessions are open. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Answers one HTTP request to `/mcp` (POST, GET for the SSE stream, DELETE to end) made by
   * `principal` (its tool calls are checked against its roles and scopes).
   */
  async handle(req: Request, principal: Principal): Promise<Response> {
    if (this.#closed) throw new ApiError("UNAVAILABLE", "The node is shutting down");
    const authInfo = {
      token: "",
      clientId: principal.subject,
      scopes: [...principal.roles],
      extra: { principal },
    };
    const id = req.headers.get("mcp-session-id");
    if (id !== null) {
      const s = this.#sessions.get(id);
      if (!s) {
        throw new ApiError("NOT_FOUND", `No MCP session '${id.slice(0, 128)}': initialize again`, {
          session_id: id.slice(0, 128),
        });
      }
      // Most recently used last: the first entry is the one to close when full.
      this.#sessions.delete(id);
      this.#sessions.set(id, s);
      return await s.transport.handleRequest(req, { authInfo });
    }
    if (req.method !== "POST") {
      throw new ApiError("INVALID_REQUEST", "Mcp-Session-Id is required: initialize first", {
        header: "Mcp-Session-Id",
      });
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch (e) {
      throw new ApiError("INVALID_REQUEST", `The body is not JSON: ${(e as Error).message}`);
    }
    if (!isInitializeRequest(body)) {
      throw new ApiError(
        "INVALID_REQUEST",
        "Mcp-Session-Id is required on every request but 'initialize'",
        { header: "Mcp-Session-Id" },
      );
    }
    const s = await this.#open();
    const res = await s.transport.handleRequest(req, { authInfo, parsedBody: body });
    // An initialize the transport refused opened no session: nothing may stay subscribed.
    if (s.transport.sessionId === undefined) await s.close();
    return res;
  }

  /** Closes every session (their SSE streams end), and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#sessions.values()].map((s) => s.close()));
    this.#sessions.clear();
  }

  async #open(): Promise<Session> {
    const server = new McpServer(
      { name: `fipa-edge ${this.deps.node}`, version: VERSION },
      { capabilities: { resources: { subscribe: true, listChanged: true } } },
    );
    registerTools(server, this.deps, (extra) => principalIn(extra.authInfo?.extra));
    registerResources(server, this.deps);
    const subscribed = new Set<string>();
    server.server.setRequestHandler(SubscribeRequestSchema, (r) => {
      subscribed.add(r.params.uri);
      return {};
    });
    server.server.setRequestHandler(UnsubscribeRequestSchema, (r) => {
      subscribed.delete(r.params.uri);
      return {};
    });
    const unsubscribe = this.deps.events.subscribe(
      { events: ["agent.*", "migration.*", "message.*", "conversation.*"] },
      (e) => {
        const ch = resourceChanges(e);
        if (ch.listChanged) server.sendResourceListChanged();
        for (const uri of ch.updated) {
          if (subscribed.has(uri)) server.server.sendResourceUpdated({ uri }).catch(() => {});
        }
      },
    );
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (sid) => {
        this.#sessions.set(sid, session);
        this.#evict();
      },
    });
    let closing: Promise<void> | undefined;
    const session: Session = {
      server,
      transport,
      close: () => closing ??= server.close(),
    };
    transport.onclose = () => {
      unsubscribe();
      if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return session;
  }

  #evict(): void {
    while (this.#sessions.size > MAX_MCP_SESSIONS) {
      const [oldest, s] = this.#sessions.entries().next().value!;
      this.#sessions.delete(oldest);
      s.close().catch(() => {});
    }
  }
}

/** The principal {@link McpSessions.handle} put in the call's auth info; none: no rights. */
function principalIn(extra: Record<string, unknown> | undefined): Principal {
  const p = extra?.principal as Principal | undefined;
  return p ?? { ...OPEN_PRINCIPAL, via: "static", roles: [] };
}
