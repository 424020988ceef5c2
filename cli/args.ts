import { parseArgs } from "node:util";
import { z } from "zod";

/** Where the CLI talks to when neither `--url` nor `FIPA_EDGE_URL` says otherwise. */
export const DEFAULT_URL = "http://127.0.0.1:8080";

/** Settings every command shares. */
export interface GlobalOptions {
  /** Base URL of the node's HTTP API, without a trailing slash. */
  url: string;
  /** API token (`--token` or `FIPA_EDGE_TOKEN`). */
  token?: string;
  /** Print the API's JSON instead of text. */
  json: boolean;
  /** Show progress on long operations (only where stderr is a terminal). */
  progress: boolean;
}

/** A message built from flags (`send --to echo --content hi`). */
export interface BuiltMessage {
  performative: string;
  receiver: string[];
  sender?: string;
  content?: string;
  conversation_id?: string;
  protocol?: string;
  ontology?: string;
  language?: string;
}

/** One command, as the command line asked for it. */
export type Command =
  | { cmd: "help"; topic?: string }
  | {
    cmd: "deploy";
    file: string;
    name?: string;
    config: ConfigSource;
    version?: string;
    /** Ed25519 private key (PEM) to sign the component with. */
    signKey?: string;
    /** A deployment strategy: the agent exists and gets a new version through it. */
    strategy?: string;
    /** Canary stages from `--stages 10:30s,50:30s,100:0`. */
    stages?: { percentage: number; duration: string }[];
    errorThreshold?: number;
  }
  | { cmd: "rollback"; id: string }
  | { cmd: "sign"; file: string; key: string }
  | {
    cmd: "audit";
    verify: boolean;
    action?: string;
    target?: string;
    outcome?: string;
    actor?: string;
    limit?: number;
    cursor?: string;
  }
  | {
    cmd: "send";
    /** The message text (JSON or FIPA string); `undefined` reads stdin. */
    text?: string;
    built?: BuiltMessage;
    wait: boolean;
    timeoutMs?: number;
    waitFor: "first" | "final";
    /** Ask for the reply in FIPA string form. */
    fipa: boolean;
  }
  | { cmd: "agents"; status?: string; all: boolean; cursor?: string }
  | { cmd: "agent"; id: string }
  | { cmd: "stop"; id: string; graceSeconds?: number; drain: boolean }
  | { cmd: "start"; id: string }
  | { cmd: "rm"; id: string }
  | { cmd: "migrate"; id: string; node: string }
  | { cmd: "scale"; id: string; replicas: number }
  | { cmd: "cluster" }
  | { cmd: "new"; dir: string }
  | { cmd: "build"; file: string; out?: string }
  | {
    cmd: "logs";
    events: string[];
    agents: string[];
    performatives: string[];
    conversations: string[];
    /** Stop after this many events (default: follow until Ctrl-C). */
    count?: number;
  };

/** Where `deploy --config` comes from: none, inline JSON, or a file (`@path`). */
export type ConfigSource =
  | { kind: "none" }
  | { kind: "inline"; value: Record<string, unknown> }
  | { kind: "file"; path: string };

/** A parsed command line. */
export interface Invocation {
  global: GlobalOptions;
  command: Command;
}

/** A command line that makes no sense; the message says which part. Exit status 2. */
export class UsageError extends Error {
  constructor(message: string, readonly topic?: string) {
    super(message);
    this.name = "UsageError";
  }
}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  "no-progress": { type: "boolean" },
  // deploy
  name: { type: "string", short: "n" },
  config: { type: "string", short: "c" },
  version: { type: "string" },
  "sign-key": { type: "string" },
  strategy: { type: "string" },
  stages: { type: "string" },
  "error-threshold": { type: "string" },
  // sign
  key: { type: "string" },
  // audit
  verify: { type: "boolean" },
  action: { type: "string" },
  target: { type: "string" },
  outcome: { type: "string" },
  actor: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  // send
  wait: { type: "boolean", short: "w" },
  timeout: { type: "string" },
  final: { type: "boolean" },
  fipa: { type: "boolean" },
  to: { type: "string", multiple: true },
  performative: { type: "string", short: "p" },
  content: { type: "string" },
  sender: { type: "string" },
  conversation: { type: "string", multiple: true },
  protocol: { type: "string" },
  ontology: { type: "string" },
  language: { type: "string" },
  // agents, stop
  status: { type: "string" },
  all: { type: "boolean", short: "a" },
  grace: { type: "string" },
  // scale
  replicas: { type: "string" },
  "no-drain": { type: "boolean" },
  // logs
  events: { type: "string", multiple: true },
  agent: { type: "string", multiple: true },
  count: { type: "string" },
  // build
  out: { type: "string", short: "o" },
} as const;

const GLOBAL_FLAGS = ["help", "url", "token", "json", "no-progress"];

/** Flags each command takes, besides the global ones. */
export const COMMAND_FLAGS: Record<Command["cmd"], readonly string[]> = {
  help: [],
  deploy: ["name", "config", "version", "sign-key", "strategy", "stages", "error-threshold"],
  rollback: [],
  sign: ["key"],
  audit: ["verify", "action", "target", "outcome", "actor", "limit", "cursor"],
  send: [
    "wait",
    "timeout",
    "final",
    "fipa",
    "to",
    "performative",
    "content",
    "sender",
    "conversation",
    "protocol",
    "ontology",
    "language",
  ],
  agents: ["status", "all", "cursor"],
  agent: [],
  stop: ["grace", "no-drain"],
  start: [],
  rm: [],
  migrate: [],
  scale: ["replicas"],
  cluster: [],
  logs: ["events", "agent", "performative", "conversation", "count"],
  new: [],
  build: ["out"],
};

/** Positional arguments each command takes: [required, optional]. */
const POSITIONALS: Record<Command["cmd"], [string[], string[]]> = {
  help: [[], ["command"]],
  deploy: [["file.wasm"], []],
  rollback: [["deployment-id"], []],
  sign: [["file.wasm"], []],
  audit: [[], []],
  send: [[], ["message"]],
  agents: [[], []],
  agent: [["id"], []],
  stop: [["id"], []],
  start: [["id"], []],
  rm: [["id"], []],
  migrate: [["id", "node"], []],
  scale: [["id"], []],
  cluster: [[], []],
  logs: [[], []],
  new: [["dir"], []],
  build: [["file.ts"], []],
};

/** Every command name. */
export const COMMANDS = Object.keys(POSITIONALS) as Command["cmd"][];

const UrlSchema = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

function intFlag(flag: string, raw: string | undefined, min: number, max: number) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a number from ${min} to ${max}, not '${raw}'`);
  }
  return n;
}

/**
 * Parses `--stages 10:30s,50:30s,100:0` into canary stages (the node checks percentages
 * and durations; here only the shape `<percentage>:<duration>`).
 */
export function parseStages(raw: string): { percentage: number; duration: string }[] {
  return raw.split(",").map((part) => {
    const m = /^\s*(\d+(?:\.\d+)?):(\S+)\s*$/.exec(part);
    if (!m) {
      throw new UsageError(
        `--stages takes <percentage>:<duration>,... (e.g. 10:30s,50:30s,100:0), not '${part}'`,
      );
    }
    return { percentage: Number(m[1]), duration: m[2] };
  });
}

/** Splits repeatable, comma-separated flag values: `--events a,b --events c` → [a, b, c]. */
function commaList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/**
 * Parses `deploy --config`: inline JSON (an object) or `@path` of a JSON file.
 * @throws {UsageError} naming the bad value
 */
export function parseConfigFlag(raw: string | undefined): ConfigSource {
  if (raw === undefined) return { kind: "none" };
  if (raw.startsWith("@")) {
    if (raw.length === 1) throw new UsageError("--config @ needs a file name, e.g. @agent.json");
    return { kind: "file", path: raw.slice(1) };
  }
  return { kind: "inline", value: parseConfigJson(raw, "--config") };
}

/** Parses a deploy config's JSON text (an object); `where` names its origin in errors. */
export function parseConfigJson(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where} is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new UsageError(`${where} must be a JSON object, e.g. '{"limits":{"fuel":1000000}}'`);
  }
  return v as Record<string, unknown>;
}

/**
 * Reads the command line into a command and the global options. Pure: the environment
 * comes in as a lookup function.
 *
 * @throws {UsageError} for an unknown command or flag, a missing argument, or a bad value
 * @example
 * ```ts
 * parseCli(["send", "--to", "echo", "--content", "hi", "--wait"], () => undefined);
 * // { global: { url: "http://127.0.0.1:8080", json: false, progress: true },
 * //   command: { cmd: "send", built: { performative: "request", receiver: ["echo"], ... }, wait: true, ... } }
 * ```
 */
export function parseCli(
  argv: readonly string[],
  env: (name: string) => string | undefined,
): Invocation {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }) as { values: typeof values; positionals: string[] });
  } catch (e) {
    throw new UsageError(
      (e as Error).message.replace(/\. To specify a positional.*$/s, "").trim(),
    );
  }

  const rawUrl = (values.url as string | undefined) ?? env("FIPA_EDGE_URL") ?? DEFAULT_URL;
  const url = UrlSchema.safeParse(rawUrl);
  if (!url.success) {
    const from = values.url !== undefined ? "--url" : "FIPA_EDGE_URL";
    throw new UsageError(`${from} '${rawUrl}' ${url.error.issues[0].message}`);
  }
  const token = (values.token as string | undefined) ?? env("FIPA_EDGE_TOKEN") ?? undefined;
  const global: GlobalOptions = {
    url: url.data.replace(/\/+$/, ""),
    ...(token ? { token } : {}),
    json: values.json === true,
    progress: values["no-progress"] !== true,
  };

  const [name, ...args] = positionals;
  if (name === undefined || name === "help") {
    return { global, command: { cmd: "help", topic: name === "help" ? args[0] : undefined } };
  }
  if (!(COMMANDS as string[]).includes(name)) {
    throw new UsageError(`unknown command '${name}'; commands: ${COMMANDS.join(", ")}`);
  }
  const cmd = name as Command["cmd"];
  if (values.help) return { global, command: { cmd: "help", topic: cmd } };

  const allowed = new Set([...GLOBAL_FLAGS, ...COMMAND_FLAGS[cmd]]);
  for (const [flag, v] of Object.entries(values)) {
    if (v !== undefined && !allowed.has(flag)) {
      throw new UsageError(`'${cmd}' does not take --${flag}`, cmd);
    }
  }
  const [required, optional] = POSITIONALS[cmd];
  if (args.length < required.length) {
    throw new UsageError(
      `'${cmd}' needs ${required.slice(args.length).map((r) => `<${r}>`).join(" ")}`,
      cmd,
    );
  }
  if (args.length > required.length + optional.length) {
    throw new UsageError(
      `'${cmd}' takes ${required.length + optional.length} argument(s), got ${args.length}: ` +
        args.map((a) => `'${a}'`).join(" "),
      cmd,
    );
  }
  return { global, command: commandOf(cmd, args, values) };
}

function commandOf(
  cmd: Command["cmd"],
  args: string[],
  v: Record<string, string | boolean | string[] | undefined>,
): Command {
  const s = (k: string) => v[k] as string | undefined;
  const list = (k: string) => v[k] as string[] | undefined;
  switch (cmd) {
    case "deploy": {
      const config = parseConfigFlag(s("config"));
      const name = s("name");
      if (!name && !(config.kind === "inline" && typeof config.value.name === "string")) {
        if (config.kind !== "file") {
          throw new UsageError("'deploy' needs --name <agent name> (or a name in --config)", cmd);
        }
      }
      const signKey = s("sign-key");
      const strategy = s("strategy");
      const stages = s("stages");
      const threshold = s("error-threshold");
      if ((stages !== undefined || threshold !== undefined) && strategy === undefined) {
        throw new UsageError("--stages and --error-threshold go with --strategy", cmd);
      }
      return {
        cmd,
        file: args[0],
        name,
        config,
        version: s("version"),
        ...(signKey === undefined ? {} : { signKey }),
        ...(strategy === undefined ? {} : { strategy }),
        ...(stages === undefined ? {} : { stages: parseStages(stages) }),
        ...(threshold === undefined
          ? {}
          : { errorThreshold: intFlag("error-threshold", threshold, 0, 1) }),
      };
    }
    case "rollback":
      return { cmd, id: args[0] };
    case "audit":
      return {
        cmd,
        verify: v.verify === true,
        action: s("action"),
        target: s("target"),
        outcome: s("outcome"),
        actor: s("actor"),
        limit: intFlag("limit", s("limit"), 1, 1000),
        cursor: s("cursor"),
      };
    case "sign": {
      const key = s("key");
      if (!key) throw new UsageError("'sign' needs --key <ed25519 private key .pem>", cmd);
      return { cmd, file: args[0], key };
    }
    case "send":
      return sendCommand(args[0], v);
    case "agents": {
      const cursor = s("cursor");
      return { cmd, status: s("status"), all: v.all === true, ...(cursor ? { cursor } : {}) };
    }
    case "stop":
      return {
        cmd,
        id: args[0],
        graceSeconds: intFlag("grace", s("grace"), 0, 3600),
        drain: v["no-drain"] !== true,
      };
    case "agent":
    case "start":
    case "rm":
      return { cmd, id: args[0] };
    case "migrate":
      return { cmd, id: args[0], node: args[1] };
    case "scale": {
      const raw = s("replicas");
      if (raw === undefined || !/^\d+$/.test(raw.trim())) {
        throw new UsageError(`scale needs --replicas <n> (a whole number), not '${raw ?? ""}'`);
      }
      return { cmd, id: args[0], replicas: Number(raw) };
    }
    case "cluster":
      return { cmd };
    case "new":
      return { cmd, dir: args[0] };
    case "build":
      return { cmd, file: args[0], ...(s("out") ? { out: s("out") } : {}) };
    case "logs":
      return {
        cmd,
        events: commaList(list("events")),
        agents: commaList(list("agent")),
        performatives: commaList(s("performative") ? [s("performative")!] : []),
        conversations: commaList(list("conversation")),
        count: intFlag("count", s("count"), 1, 1_000_000),
      };
    default:
      return { cmd: "help" };
  }
}

function sendCommand(
  text: string | undefined,
  v: Record<string, string | boolean | string[] | undefined>,
): Command {
  const s = (k: string) => v[k] as string | undefined;
  const to = commaList(v.to as string[] | undefined);
  const conversations = (v.conversation as string[] | undefined) ?? [];
  if (conversations.length > 1) {
    throw new UsageError("'send' takes one --conversation", "send");
  }
  const buildFlags = ["performative", "content", "sender", "protocol", "ontology", "language"]
    .filter((k) => v[k] !== undefined);
  let built: BuiltMessage | undefined;
  if (to.length > 0) {
    if (text !== undefined) {
      throw new UsageError("give either a message or --to (with --content ...), not both", "send");
    }
    built = {
      performative: (s("performative") ?? "request").toLowerCase(),
      receiver: to,
      ...(s("sender") ? { sender: s("sender") } : {}),
      ...(s("content") !== undefined ? { content: s("content") } : {}),
      ...(conversations[0] ? { conversation_id: conversations[0] } : {}),
      ...(s("protocol") ? { protocol: s("protocol") } : {}),
      ...(s("ontology") ? { ontology: s("ontology") } : {}),
      ...(s("language") ? { language: s("language") } : {}),
    };
  } else if (buildFlags.length > 0 || conversations.length > 0) {
    const flag = buildFlags[0] ?? "conversation";
    throw new UsageError(`--${flag} builds a message and needs --to <receiver>`, "send");
  }
  const timeoutMs = intFlag("timeout", s("timeout"), 1, 300_000);
  if (!v.wait && (timeoutMs !== undefined || v.final || v.fipa)) {
    throw new UsageError("--timeout, --final and --fipa go with --wait", "send");
  }
  return {
    cmd: "send",
    text: text === "-" ? undefined : text,
    ...(built ? { built } : {}),
    wait: v.wait === true,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    waitFor: v.final ? "final" : "first",
    fipa: v.fipa === true,
  };
}
