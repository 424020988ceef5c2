import {
  type Command,
  type GlobalOptions,
  type Invocation,
  parseCli,
  parseConfigJson,
  UsageError,
} from "./args.ts";
import { ApiClient, CliApiError, UnreachableError } from "./client.ts";
import {
  formatAgent,
  formatAgentList,
  formatApiError,
  formatCluster,
  formatDirectoryList,
  formatEvent,
  formatLifecycle,
  formatReply,
  formatSent,
} from "./format.ts";
import { helpText } from "./help.ts";
import { builtBody, type MessageBody, messageBody } from "./message-input.ts";
import { multipartBody, progressStream } from "./multipart.ts";
import { formatBytes, Progress, type ProgressSink } from "./progress.ts";
import { signatureParts, signWith } from "./sign.ts";
import { auditQuery, formatAuditPage, formatAuditVerdict } from "./audit.ts";

/** Everything the CLI does to the outside world, injected (tests pass fakes). */
export interface CliIo {
  /** Writes a line (a newline is added) to stdout. */
  out(text: string): void;
  /** Writes a line to stderr. */
  err(text: string): void;
  readStdin(): Promise<string>;
  stdinIsTerminal: boolean;
  readFile(path: string): Promise<Uint8Array>;
  env(name: string): string | undefined;
  fetch: typeof fetch;
  openWebSocket(url: string): WebSocket;
  progress: ProgressSink;
  /** Aborted on Ctrl-C. */
  interrupted: AbortSignal;
  /** Waits `ms` (for reconnect back-off), or less when interrupted. */
  sleep(ms: number): Promise<void>;
}

/** Exit statuses: done, the API or network failed, bad command line. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Runs one CLI command line and returns its exit status. Errors are printed: API errors
 * from the API's error JSON (code, status, message, details, trace id), usage errors with
 * a pointer to `--help`.
 *
 * @example
 * ```ts
 * const status = await runCli(["cluster", "--url", "http://10.0.0.1:8080"], denoIo());
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseCli(argv, io.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`error: ${e.message}`);
    io.err(`(see: deno task cli ${e.topic ? `${e.topic} ` : ""}--help)`);
    return EXIT.usage;
  }
  const progress = new Progress(io.progress, inv.global.progress && !inv.global.json);
  try {
    return await execute(inv.command, inv.global, io, progress);
  } catch (e) {
    progress.clear();
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}`);
      return EXIT.usage;
    }
    if (e instanceof CliApiError) {
      io.err(formatApiError(e.status, e.body));
      if (e.status === 401 && !inv.global.token) {
        io.err("  (pass --token or set FIPA_EDGE_TOKEN)");
      }
      return EXIT.failed;
    }
    if (e instanceof UnreachableError) {
      io.err(`error: ${e.message}`);
      io.err("  (is the node running? set --url or FIPA_EDGE_URL)");
      return EXIT.failed;
    }
    if (e instanceof DOMException && e.name === "AbortError") {
      io.err("interrupted");
      return EXIT.failed;
    }
    io.err(`error: ${(e as Error).message}`);
    return EXIT.failed;
  } finally {
    progress.clear();
  }
}

const path = (id: string) => `/api/v1/agents/${encodeURIComponent(id)}`;

async function execute(
  c: Command,
  g: GlobalOptions,
  io: CliIo,
  progress: Progress,
): Promise<number> {
  const api = new ApiClient(g.url, g.token, io.fetch);
  // deno-lint-ignore no-explicit-any
  const print = (value: any, text: (v: any) => string) =>
    io.out(g.json ? JSON.stringify(value, null, 2) : text(value));
  const signal = io.interrupted;

  switch (c.cmd) {
    case "help":
      io.out(helpText(c.topic));
      return EXIT.ok;

    case "deploy": {
      let config: Record<string, unknown> = {};
      if (c.config.kind === "inline") config = c.config.value;
      if (c.config.kind === "file") {
        const text = new TextDecoder().decode(await io.readFile(c.config.path));
        config = parseConfigJson(text, `--config @${c.config.path}`);
      }
      if (c.name) config = { ...config, name: c.name };
      if (c.version) config = { ...config, version: c.version };
      if (typeof config.name !== "string") {
        throw new UsageError("'deploy' needs --name <agent name> (or a name in --config)");
      }
      const wasm = await io.readFile(c.file);
      const file = c.file.split(/[\\/]/).pop() || "agent.wasm";
      const signed = c.signKey
        ? signatureParts(
          await signWith(wasm, new TextDecoder().decode(await io.readFile(c.signKey)), c.signKey),
        )
        : [];
      const boundary = `fipa-edge-${crypto.randomUUID()}`;
      const body = multipartBody([
        {
          name: "config",
          contentType: "application/json",
          data: new TextEncoder().encode(JSON.stringify(config)),
        },
        { name: "wasm", filename: file, contentType: "application/wasm", data: wasm },
        ...signed,
      ], boundary);
      const label = `uploading ${file} (${formatBytes(wasm.length)})`;
      const stream = progressStream(body, (sent, total) => {
        if (sent < total) progress.bar(label, sent, total);
        else progress.spin(`deploying '${config.name}': compiling and starting`);
      });
      const view = await api.json("POST", "/api/v1/agents", {
        body: stream,
        contentType: `multipart/form-data; boundary=${boundary}`,
        signal,
      });
      progress.clear();
      print(view, (v) => `${formatLifecycle("deployed", v)}\n  hash ${v.hash ?? "?"}`);
      return EXIT.ok;
    }

    case "audit": {
      if (c.verify) {
        const v = await api.json("GET", "/api/v1/audit/verify", { signal });
        print(v, formatAuditVerdict);
        return v.ok ? EXIT.ok : EXIT.failed;
      }
      const { cmd: _cmd, verify: _verify, ...filters } = c;
      print(
        await api.json("GET", `/api/v1/audit${auditQuery(filters)}`, { signal }),
        formatAuditPage,
      );
      return EXIT.ok;
    }

    case "sign": {
      const wasm = await io.readFile(c.file);
      const s = await signWith(wasm, new TextDecoder().decode(await io.readFile(c.key)), c.key);
      print(s, (v) => `key_id    ${v.key_id}\nsignature ${v.signature}`);
      return EXIT.ok;
    }

    case "send": {
      let msg: MessageBody;
      if (c.built) msg = builtBody(c.built);
      else if (c.text !== undefined) msg = messageBody(c.text);
      else if (io.stdinIsTerminal) {
        throw new UsageError(
          "no message: give it as an argument, build one with --to, or pipe it on stdin",
          "send",
        );
      } else msg = messageBody(await io.readStdin());
      if (!c.wait) {
        const r = await api.json("POST", "/api/v1/messages", {
          body: msg.body,
          contentType: msg.contentType,
          signal,
        });
        print(r, formatSent);
        return EXIT.ok;
      }
      progress.spin("waiting for the reply");
      const res = await api.request("POST", "/api/v1/messages/send-and-wait", {
        body: msg.body,
        contentType: msg.contentType,
        query: { timeout_ms: c.timeoutMs, wait_for: c.waitFor },
        accept: c.fipa ? "text/fipa-acl" : "application/json",
        signal,
      });
      progress.clear();
      if (c.fipa) io.out(await res.text());
      else print(await res.json(), formatReply);
      return EXIT.ok;
    }

    case "agents": {
      if (c.all) {
        const page = await api.json("GET", "/api/v1/directory/agents", {
          query: { state: c.status, limit: 10_000 },
          signal,
        });
        print(page, formatDirectoryList);
      } else {
        const page = await api.json("GET", "/api/v1/agents", {
          query: { status: c.status, limit: 1000 },
          signal,
        });
        print(page, formatAgentList);
      }
      return EXIT.ok;
    }

    case "agent":
      print(await api.json("GET", path(c.id), { signal }), formatAgent);
      return EXIT.ok;

    case "stop": {
      progress.spin(`stopping '${c.id}' (draining its mailbox)`);
      const body: Record<string, unknown> = { drain_messages: c.drain };
      if (c.graceSeconds !== undefined) body.grace_period_seconds = c.graceSeconds;
      const v = await api.json("POST", `${path(c.id)}/stop`, { json: body, signal });
      progress.clear();
      print(v, (x) => formatLifecycle("stopped", x));
      return EXIT.ok;
    }

    case "start": {
      progress.spin(`starting '${c.id}'`);
      const v = await api.json("POST", `${path(c.id)}/start`, { signal });
      progress.clear();
      print(v, (x) => formatLifecycle("started", x));
      return EXIT.ok;
    }

    case "rm": {
      const v = await api.json("DELETE", path(c.id), { signal });
      print(v, (x) => formatLifecycle("removed", x));
      return EXIT.ok;
    }

    case "migrate": {
      progress.spin(`migrating '${c.id}' to ${c.node}`);
      const v = await api.json("POST", `${path(c.id)}/migrate`, {
        json: { target_node: c.node },
        signal,
      });
      progress.clear();
      print(v, (x) => {
        const where = x.node ?? x.target_node ?? c.node;
        const status = x.status ?? x.lifecycle_state ?? "ok";
        return `migrated ${x.full_name ?? x.name ?? c.id} to ${where}: ${status}`;
      });
      return EXIT.ok;
    }

    case "cluster":
      print(await api.json("GET", "/api/v1/cluster", { signal }), formatCluster);
      return EXIT.ok;

    case "logs":
      return await followLogs(c, g, api, io);
  }
}

/** The subscription `logs` sends on the event WebSocket. Pure. */
export function subscription(c: Extract<Command, { cmd: "logs" }>): Record<string, unknown> {
  const filters: Record<string, string[]> = {};
  if (c.agents.length) filters.agent_ids = c.agents;
  if (c.performatives.length) filters.performatives = c.performatives;
  if (c.conversations.length) filters.conversation_ids = c.conversations;
  return {
    type: "subscribe",
    events: c.events.length ? c.events : ["*"],
    ...(Object.keys(filters).length ? { filters } : {}),
  };
}

async function followLogs(
  c: Extract<Command, { cmd: "logs" }>,
  g: GlobalOptions,
  api: ApiClient,
  io: CliIo,
): Promise<number> {
  // A WebSocket says nothing about why an upgrade failed: ask over plain HTTP first, so a
  // bad token is reported from the API's error JSON.
  try {
    const res = await api.request("GET", "/ws", { signal: io.interrupted });
    await res.body?.cancel();
  } catch (e) {
    if (!(e instanceof CliApiError) || e.status === 401 || e.status === 403) throw e;
  }
  let seen = 0;
  let backoff = 500;
  let announced = false;
  while (!io.interrupted.aborted) {
    const outcome = await new Promise<"done" | "closed" | "interrupted">((resolve) => {
      const ws = io.openWebSocket(api.wsHref("/ws"));
      const finish = (o: "done" | "closed" | "interrupted") => {
        io.interrupted.removeEventListener("abort", onAbort);
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
          ws.close();
        }
        resolve(o);
      };
      const onAbort = () => finish("interrupted");
      io.interrupted.addEventListener("abort", onAbort);
      ws.onopen = () => ws.send(JSON.stringify(subscription(c)));
      ws.onmessage = (m) => {
        let e: Record<string, unknown>;
        try {
          e = JSON.parse(String(m.data));
        } catch {
          return;
        }
        if (e.type === "subscribed") {
          backoff = 500;
          if (!announced) io.err(`following events of ${g.url} (Ctrl-C stops)`);
          announced = true;
          return;
        }
        if (e.type === "error") {
          io.err(`event stream: ${e.code}: ${e.message}`);
          return;
        }
        if (e.type === "pong" || e.type === "unsubscribed") return;
        const { subscription_id: _, ...event } = e;
        io.out(g.json ? JSON.stringify(event) : formatEvent(event));
        if (c.count !== undefined && ++seen >= c.count) finish("done");
      };
      ws.onerror = () => {};
      ws.onclose = () => finish("closed");
    });
    if (outcome !== "closed") return EXIT.ok;
    io.err(`event stream closed; reconnecting in ${backoff} ms`);
    await io.sleep(backoff);
    backoff = Math.min(backoff * 2, 10_000);
  }
  return EXIT.ok;
}
