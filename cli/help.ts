import { type Command, DEFAULT_URL } from "./args.ts";

const USAGE: Record<Command["cmd"], string> = {
  help: "help [command]                      this text, or one command's",
  deploy:
    "deploy <file.wasm> --name <n> [--config <json>|@file] [--version <v>] [--sign-key <pem>]\n" +
    "       [--strategy immediate|rolling|blue_green|canary [--stages 10:30s,50:30s,100:0]\n" +
    "        [--error-threshold 0.05]]   a new version of an existing agent as a deployment",
  rollback: "rollback <deployment-id>            back to the version before the deployment",
  sign: "sign <file.wasm> --key <private.pem>   Ed25519 signature and key id of a component",
  audit:
    "audit [--action <a>] [--target <t>] [--outcome ok|refused|failed|unknown] [--actor <s>]\n" +
    "       [--limit <n>] [--cursor <c>] [--verify]   the audit trail (admin); --verify checks it",
  send: "send [<message>|-] [--wait [--timeout <ms>] [--final]] [--fipa]\n" +
    "  send --to <agent> [--to ...] [-p <performative>] [--content <text>] [--conversation <id>]\n" +
    "       [--sender <agent>] [--protocol <p>] [--ontology <o>] [--language <l>] [--wait]",
  agents:
    "agents [--status <state>] [--all] [--cursor <c>]   this node's agents (1,000 a page; --cursor: the next); --all: the whole cluster",
  agent: "agent <id>                          one agent (id, name or name@platform)",
  stop: "stop <id> [--grace <seconds>] [--no-drain]",
  start: "start <id>",
  rm: "rm <id>                             remove an agent and its storage",
  migrate: "migrate <id> <node>                 move an agent to another cluster member",
  scale:
    "scale <agent> --replicas <n>        run a stateless agent as n instances over the cluster",
  cluster: "cluster                             members, leader, term, commit index",
  new:
    "new <dir>                           scaffold an agent project (agent.ts, a unit test, README)",
  build: "build <file.ts> [-o <out.wasm>]     build an agent file into a component (cached)",
  logs: "logs [--events <type,...>] [--agent <id>] [-p <performative>] [--conversation <id>]\n" +
    "       [--count <n>]                 follow the event stream (Ctrl-C stops)",
};

const DETAILS: Partial<Record<Command["cmd"], string>> = {
  send: [
    'The message is JSON ({"performative":"request","receiver":"echo",...}) or a FIPA string',
    '("(request :receiver (set (agent-identifier :name echo)) :content \\"hi\\")"), given as the',
    "argument, or read from stdin when it is '-' or missing. --wait sends and waits for the reply",
    "(POST /api/v1/messages/send-and-wait); --final waits past an agree; --fipa prints the",
    "reply in FIPA string form.",
  ].join("\n"),
  deploy: [
    "Uploads the component (multipart 'wasm' and 'config') to POST /api/v1/agents. --config is",
    "the deploy config as JSON or @file.json (name, version, manifest, limits, restart,",
    "hibernate_after_seconds, start: 'on-message' deploys it asleep); --name and --version",
    "override its fields. --sign-key signs the component with an Ed25519 private key (PEM),",
    "for nodes that trust its publisher.",
    "With --strategy the agent exists already: the component goes to POST /api/v1/deployments",
    "as its next version (--version labels it; --config holds config changes), and the",
    "deployment is printed (its id is what 'rollback' takes).",
  ].join("\n"),
  new: [
    "Writes a new agent project into <dir> (new or empty): agent.ts written with the SDK,",
    "agent_test.ts (its logic without wasm: deno test), README.md, and a copy of the SDK in sdk/.",
  ].join("\n"),
  build: [
    "Bundles <file.ts> (a module whose default export is a defineAgent agent) and what it imports",
    "into a WebAssembly component with ComponentizeJS, as build-agents does for the samples, and",
    "writes it to --out (default: <file>.wasm beside it). Builds are cached in .cache/agents/ by a",
    "hash of every source; the first build installs the toolchain with npm (Node is needed).",
  ].join("\n"),
  logs: [
    "Follows the node's event WebSocket (/ws). --events takes type patterns: exact",
    "(message.sent), prefix (agent.*) or *; the default is every event. Filters repeat or take",
    "comma-separated values. --agent <id> alone shows that agent's own log instead",
    "(GET /api/v1/agents/{id}/logs?follow=true): its log lines and the messages it received",
    "and sent, the last 100 first.",
  ].join("\n"),
};

/** The help text: every command, or one command with its details. */
export function helpText(topic?: string): string {
  if (topic && topic in USAGE) {
    const cmd = topic as Command["cmd"];
    return [`Usage: deno task cli ${USAGE[cmd]}`, "", DETAILS[cmd] ?? "", "", GLOBALS]
      .filter((l, i, a) => l !== "" || a[i - 1] !== "")
      .join("\n")
      .trimEnd();
  }
  return [
    "fipa-edge CLI: deploy agents, send messages, watch a cluster.",
    "",
    "Usage: deno task cli [global flags] <command> [arguments] [flags]",
    "",
    "Commands:",
    ...Object.values(USAGE).map((u) => `  ${u}`),
    "",
    GLOBALS,
  ].join("\n");
}

const GLOBALS = [
  "Global flags:",
  `  --url <url>      the node's HTTP API (env FIPA_EDGE_URL; default ${DEFAULT_URL})`,
  "  --token <token>  API token (env FIPA_EDGE_TOKEN)",
  "  --json           print the API's JSON instead of text",
  "  --no-progress    no progress display",
  "  -h, --help       help",
].join("\n");
