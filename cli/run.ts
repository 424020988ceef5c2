import {
  type Command,
  type GlobalOptions,
  type Invocation,
  parseCli,
  parseConfigJson,
  UsageError,
} from "./args.ts";
// The node checks what the command line gives (a state name, say): the CLI passes it on.
import {
  type AgentListQuery,
  ApiError,
  type AuditQuery,
  type DeploymentRequest,
  type DirectoryQuery,
  FipaEdgeClient,
  type Subscription,
  UnreachableError,
} from "../client/mod.ts";
import {
  formatAgent,
  formatAgentList,
  formatAgentLogEntry,
  formatApiError,
  formatCluster,
  formatDeployment,
  formatDirectoryList,
  formatEvent,
  formatLifecycle,
  formatReply,
  formatSent,
} from "./format.ts";
import { helpText } from "./help.ts";
import { builtBody, type MessageBody, messageBody } from "./message-input.ts";
import { formatBytes, formatDuration, Progress, type ProgressSink } from "./progress.ts";
import { signWith } from "./sign.ts";
import { pathToFileURL } from "node:url";
import { fromInvocation } from "./paths.ts";
import { scaffold } from "./scaffold.ts";
import { buildAgentFile } from "../agents/build/mod.ts";
import { formatAuditPage, formatAuditVerdict } from "./audit.ts";

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
    if (e instanceof ApiError) {
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

/** The client of the node the command line names, on the CLI's injected fetch, sockets and sleep. */
function clientOf(g: GlobalOptions, io: CliIo, progress: Progress): FipaEdgeClient {
  return new FipaEdgeClient({
    url: g.url,
    token: g.token,
    fetch: io.fetch,
    webSocket: io.openWebSocket,
    sleep: (ms) => io.sleep(ms),
    onRetry: (r) => {
      progress.clear();
      io.err(`${r.error.code} (${r.error.status}): retrying in ${formatDuration(r.delayMs)}`);
    },
  });
}

/** The message of a `send`: JSON text as an object, a FIPA string as it is. */
function messageOf(m: MessageBody) {
  return m.form === "json" ? JSON.parse(m.body) : m.body;
}

async function execute(
  c: Command,
  g: GlobalOptions,
  io: CliIo,
  progress: Progress,
): Promise<number> {
  const api = clientOf(g, io, progress);
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
      const name = config.name;
      const wasm = await io.readFile(c.file);
      const filename = c.file.split(/[\\/]/).pop() || "agent.wasm";
      const signature = c.signKey
        ? await signWith(wasm, new TextDecoder().decode(await io.readFile(c.signKey)), c.signKey)
        : undefined;
      if (c.strategy !== undefined) {
        const { name: _n, version: _v, ...changes } = config;
        progress.spin(`deploying a new version of '${name}' (${c.strategy})`);
        const d = await api.createDeployment({
          agent_id: name,
          wasm,
          ...(c.version ? { version: c.version } : {}),
          ...(Object.keys(changes).length ? { config: changes } : {}),
          ...(signature ? { signature: signature.signature, key_id: signature.key_id } : {}),
          strategy: {
            type: c.strategy,
            ...(c.stages ? { stages: c.stages } : {}),
            ...(c.errorThreshold === undefined ? {} : { error_threshold: c.errorThreshold }),
          } as DeploymentRequest["strategy"],
        }, { signal });
        progress.clear();
        print(d, formatDeployment);
        return EXIT.ok;
      }
      const label = `uploading ${filename} (${formatBytes(wasm.length)})`;
      // The node checks the config; the CLI passes it on as given.
      const view = await api.deploy(wasm, config as { name: string }, {
        filename,
        signature,
        signal,
        onProgress: (sent, total) => {
          if (sent < total) progress.bar(label, sent, total);
          else progress.spin(`deploying '${name}': compiling and starting`);
        },
      });
      progress.clear();
      print(view, (v) => `${formatLifecycle("deployed", v)}\n  hash ${v.hash ?? "?"}`);
      return EXIT.ok;
    }

    case "rollback": {
      print(await api.rollback(c.id, { signal }), formatDeployment);
      return EXIT.ok;
    }

    case "audit": {
      if (c.verify) {
        const v = await api.auditVerify({ signal });
        print(v, formatAuditVerdict);
        return v.ok ? EXIT.ok : EXIT.failed;
      }
      const { cmd: _cmd, verify: _verify, ...filters } = c;
      // The node checks the filters (an unknown outcome is its 400); the CLI passes them on.
      print(await api.audit(filters as AuditQuery, { signal }), formatAuditPage);
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
        print(await api.send(messageOf(msg), { signal }), formatSent);
        return EXIT.ok;
      }
      progress.spin("waiting for the reply");
      const wait = { timeoutMs: c.timeoutMs, waitFor: c.waitFor, signal };
      if (c.fipa) {
        const reply = await api.sendAndWaitFipa(messageOf(msg), wait);
        progress.clear();
        io.out(reply);
      } else {
        const reply = await api.sendAndWait(messageOf(msg), wait);
        progress.clear();
        print(reply, formatReply);
      }
      return EXIT.ok;
    }

    case "agents": {
      if (c.all) {
        print(
          await api.directory({ state: c.status as DirectoryQuery["state"], limit: 10_000 }, {
            signal,
          }),
          formatDirectoryList,
        );
      } else {
        print(
          await api.agents(
            { status: c.status as AgentListQuery["status"], limit: 1000, cursor: c.cursor },
            { signal },
          ),
          formatAgentList,
        );
      }
      return EXIT.ok;
    }

    case "agent":
      print(await api.agent(c.id, { signal }), formatAgent);
      return EXIT.ok;

    case "stop": {
      progress.spin(`stopping '${c.id}' (draining its mailbox)`);
      const v = await api.stop(c.id, {
        drain_messages: c.drain,
        ...(c.graceSeconds !== undefined ? { grace_period_seconds: c.graceSeconds } : {}),
      }, { signal });
      progress.clear();
      print(v, (x) => formatLifecycle("stopped", x));
      return EXIT.ok;
    }

    case "start": {
      progress.spin(`starting '${c.id}'`);
      const v = await api.start(c.id, { signal });
      progress.clear();
      print(v, (x) => formatLifecycle("started", x));
      return EXIT.ok;
    }

    case "rm": {
      print(await api.remove(c.id, { signal }), (x) => formatLifecycle("removed", x));
      return EXIT.ok;
    }

    case "scale": {
      print(
        await api.scale(c.id, c.replicas, { signal }),
        (v) =>
          `scaled '${v.name}' to ${v.replicas} instance${v.replicas === 1 ? "" : "s"}` +
          v.instances.map((i: { index: number; node: string }) => `\n  #${i.index} on ${i.node}`)
            .join(""),
      );
      return EXIT.ok;
    }

    case "migrate": {
      progress.spin(`migrating '${c.id}' to ${c.node}`);
      const v = await api.migrate(c.id, c.node, { signal });
      progress.clear();
      print(v, (x) => {
        const where = x.node ?? x.target_node ?? c.node;
        const status = x.status ?? x.lifecycle_state ?? "ok";
        return `migrated ${x.full_name ?? x.name ?? c.id} to ${where}: ${status}`;
      });
      return EXIT.ok;
    }

    case "cluster":
      print(await api.cluster({ signal }), formatCluster);
      return EXIT.ok;

    case "new": {
      const dir = fromInvocation(c.dir, io.env);
      const files = await scaffold(dir);
      print(
        { dir, files },
        (v) => `created ${v.dir}\n${v.files.map((f: string) => `  ${f}`).join("\n")}`,
      );
      return EXIT.ok;
    }

    case "build": {
      const file = fromInvocation(c.file, io.env);
      const out = c.out
        ? fromInvocation(c.out, io.env)
        : file.replace(/\.[cm]?[jt]s$/, "") + ".wasm";
      progress.spin(`building ${file}`);
      const r = await buildAgentFile(pathToFileURL(file) as URL);
      await Deno.copyFile(r.path, out);
      progress.clear();
      const bytes = (await Deno.stat(out)).size;
      print(
        { out, built: r.built, ms: Math.round(r.ms), bytes },
        (v) =>
          `${v.built ? "built" : "cached"} ${v.out} (${formatBytes(v.bytes)}) in ${
            formatDuration(v.ms)
          }`,
      );
      return EXIT.ok;
    }

    case "logs":
      return await followLogs(c, g, api, io);
  }
}

/** The subscription `logs` sends on the event WebSocket. Pure. */
export function subscription(
  c: Extract<Command, { cmd: "logs" }>,
): Subscription & { type: "subscribe" } {
  const filters: Record<string, string[]> = {};
  if (c.agents.length) filters.agent_ids = c.agents;
  if (c.performatives.length) filters.performatives = c.performatives;
  if (c.conversations.length) filters.conversation_ids = c.conversations;
  return {
    type: "subscribe" as const,
    events: c.events.length ? c.events : ["*"],
    ...(Object.keys(filters).length ? { filters } : {}),
  };
}

/**
 * Whether `logs` shows one agent's own log (`--agent <id>` alone, maybe with `--count`)
 * rather than the node's event stream. Pure.
 */
export function agentLogOnly(c: Extract<Command, { cmd: "logs" }>): boolean {
  return c.agents.length === 1 && !c.events.length && !c.performatives.length &&
    !c.conversations.length;
}

async function followAgentLog(
  c: Extract<Command, { cmd: "logs" }>,
  g: GlobalOptions,
  api: FipaEdgeClient,
  io: CliIo,
): Promise<number> {
  const id = c.agents[0];
  io.err(`following the log of agent ${id} on ${g.url} (Ctrl-C stops)`);
  let seen = 0;
  const entries = api.followAgentLog(id, {}, { signal: io.interrupted });
  for await (const e of entries) {
    io.out(g.json ? JSON.stringify(e) : formatAgentLogEntry(e));
    if (c.count !== undefined && ++seen >= c.count) break;
  }
  return EXIT.ok;
}

async function followLogs(
  c: Extract<Command, { cmd: "logs" }>,
  g: GlobalOptions,
  api: FipaEdgeClient,
  io: CliIo,
): Promise<number> {
  if (agentLogOnly(c)) return await followAgentLog(c, g, api, io);
  const { type: _, ...sub } = subscription(c);
  let seen = 0;
  let announced = false;
  const events = api.events(sub, {
    signal: io.interrupted,
    onStatus: (s) => {
      if (s.type === "subscribed" && !announced) {
        io.err(`following events of ${g.url} (Ctrl-C stops)`);
        announced = true;
      }
      if (s.type === "error") io.err(`event stream: ${s.code}: ${s.message}`);
      if (s.type === "closed" && s.reconnectInMs !== undefined) {
        io.err(`event stream closed; reconnecting in ${s.reconnectInMs} ms`);
      }
    },
  });
  for await (const event of events) {
    io.out(g.json ? JSON.stringify(event) : formatEvent(event));
    if (c.count !== undefined && ++seen >= c.count) break;
  }
  return EXIT.ok;
}
