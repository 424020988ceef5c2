import { describeEvent } from "../runtime/dashboard/assets/model.js";
import type { AgentLogEntry, ApiErrorBody, Deployment } from "../client/mod.ts";
import { formatBytes } from "./progress.ts";

/** A column of {@link formatTable}: header and how to read a cell from a row. */
export interface Column<T> {
  header: string;
  cell: (row: T) => unknown;
  align?: "left" | "right";
}

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v).replace(/[\r\n\t]+/g, " ");
}

/**
 * A plain-text table with a header row, columns padded to their widest cell. Pure.
 *
 * @example
 * ```ts
 * formatTable([{ a: 1 }], [{ header: "A", cell: (r) => r.a }]); // "A\n1"
 * ```
 */
export function formatTable<T>(rows: readonly T[], cols: readonly Column<T>[]): string {
  const cells = rows.map((r) => cols.map((c) => text(c.cell(r))));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) =>
    vals.map((v, i) => (cols[i].align === "right" ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ").trimEnd();
  return [line(cols.map((c) => c.header)), ...cells.map(line)].join("\n");
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

/** `GET /api/v1/agents` (this node) as a table. */
export function formatAgentList(page: Json): string {
  const agents: Json[] = page.agents ?? [];
  if (agents.length === 0) return "no agents on this node";
  const table = formatTable(agents, [
    { header: "NAME", cell: (a) => a.name },
    { header: "STATUS", cell: (a) => a.status },
    { header: "VERSION", cell: (a) => a.version },
    { header: "PROCESSED", cell: (a) => a.metrics?.messages_processed, align: "right" },
    { header: "FAILED", cell: (a) => a.metrics?.messages_failed, align: "right" },
    { header: "MAILBOX", cell: (a) => a.metrics?.mailbox_depth, align: "right" },
    { header: "AGENT ID", cell: (a) => a.agent_id },
  ]);
  const shown = more(table, agents.length, page.total);
  return typeof page.next_cursor === "string"
    ? `${shown}\n(next page: --cursor ${page.next_cursor})`
    : shown;
}

/** `GET /api/v1/directory/agents` (the whole cluster) as a table. */
export function formatDirectoryList(page: Json): string {
  const agents: Json[] = page.agents ?? [];
  if (agents.length === 0) return "no agents in the cluster";
  const table = formatTable(agents, [
    { header: "NAME", cell: (a) => a.name },
    { header: "NODE", cell: (a) => a.node },
    { header: "STATE", cell: (a) => a.state },
    { header: "VERSION", cell: (a) => a.manifest?.version },
    { header: "UPDATED", cell: (a) => a.updated_at },
  ]);
  return more(table, agents.length, page.total);
}

function more(table: string, shown: number, total: unknown): string {
  return typeof total === "number" && total > shown
    ? `${table}\n(${shown} of ${total} shown)`
    : table;
}

function keyValues(pairs: [string, unknown][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== "");
  const w = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(w)}  ${text(v)}`).join("\n");
}

/** One agent (`GET /api/v1/agents/{id}`) as key/value lines. */
export function formatAgent(a: Json): string {
  const m = a.metrics ?? {};
  const lim = a.resource_limits ?? {};
  return keyValues([
    ["name", a.full_name ?? a.name],
    ["agent id", a.agent_id],
    ["status", a.status],
    ["node", a.node],
    ["version", a.version],
    ["hash", a.hash],
    ["deployed", a.deployed_at],
    ["updated", a.updated_at],
    ["processed", m.messages_processed],
    ["failed", m.messages_failed],
    ["avg latency", m.average_latency_ms !== undefined ? `${m.average_latency_ms} ms` : undefined],
    ["mailbox", m.mailbox_depth],
    ["restarts", m.restarts],
    ["uptime", m.uptime_seconds !== undefined ? `${m.uptime_seconds} s` : undefined],
    ["memory limit", typeof lim.memory === "number" ? formatBytes(lim.memory) : lim.memory],
    ["restart", formatRestart(a.restart)],
    ["failure", a.failure ? `${a.failure.reason}: ${a.failure.message}` : undefined],
  ]);
}

/** A restart strategy in words: `backoff 100 ms → 30000 ms ×2`, `never`, ... */
export function formatRestart(r: unknown): string | undefined {
  if (r === undefined || r === null) return undefined;
  if (typeof r !== "object") return String(r);
  const { type, ...rest } = r as Json;
  if (type === "backoff" && rest.initial_ms !== undefined) {
    return `backoff ${rest.initial_ms} ms → ${rest.max_ms} ms ×${rest.multiplier}`;
  }
  const params = Object.entries(rest).map(([k, v]) => `${k}=${text(v)}`).join(" ");
  return [type ?? "?", params].filter(Boolean).join(" ");
}

/** A lifecycle answer (deploy, stop, start, rm) in one line. */
export function formatLifecycle(verb: string, a: Json): string {
  const name = a.full_name ?? a.name ?? a.agent_id ?? "agent";
  const id = a.agent_id && a.agent_id !== name ? ` (${a.agent_id})` : "";
  return `${verb} ${name}${id}: ${a.status ?? "ok"}`;
}

/** `GET /api/v1/cluster` as a summary and a members table. */
export function formatCluster(c: Json): string {
  const members: Json[] = c.members ?? [];
  const head = keyValues([
    ["this node", `${c.self?.id} (${c.self?.role})`],
    ["leader", c.leader ?? "none"],
    ["term", c.term],
    ["commit index", c.commit_index],
    ["applied index", c.applied_index],
  ]);
  const table = formatTable(members, [
    { header: "MEMBER", cell: (m) => m.id + (m.id === c.leader ? " *" : "") },
    { header: "ROLE", cell: (m) => m.role },
    { header: "MATCH", cell: (m) => m.match_index, align: "right" },
    { header: "ADDRESS", cell: (m) => (m.addresses ?? [])[0] },
  ]);
  return `${head}\n\n${table}\n(* leader)`;
}

/** The answer of `POST /api/v1/messages` in one line per receiver. */
export function formatSent(r: Json): string {
  const lines = [`sent ${r.message_id}`];
  for (const x of r.receivers ?? []) {
    lines.push(`  → ${x.receiver}: ${x.status}${x.via ? ` via ${x.via}` : ""}`);
  }
  return lines.join("\n");
}

/** The answer of send-and-wait: who replied, how, how fast, and the reply's content. */
export function formatReply(r: Json): string {
  const m: Json = r.reply ?? {};
  const elapsed = typeof r.elapsed_ms === "number" ? ` in ${Math.round(r.elapsed_ms)} ms` : "";
  const head = `${m.performative ?? "reply"} from ${senderName(m.sender)}${elapsed}`;
  const lines = [head];
  for (const k of ["conversation_id", "in_reply_to", "protocol", "language", "ontology"]) {
    if (m[k] !== undefined) lines.push(`  ${k}: ${text(m[k])}`);
  }
  if (m.content !== undefined) {
    lines.push(
      typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 2),
    );
  }
  return lines.join("\n");
}

function senderName(s: unknown): string {
  if (typeof s === "string") return s;
  if (s && typeof s === "object" && "name" in s) return String((s as Json).name);
  return "?";
}

/** One event of `logs`: time, node, type and a short description. */
export function formatEvent(e: Json): string {
  const l = describeEvent(e);
  return [l.time || "--:--:--", l.node || "-", l.type.padEnd(18), l.text].join("  ").trimEnd();
}

/**
 * One entry of an agent's own log: time, then `[level] text` for its lines, `<- act from
 * sender` for a message it received and `-> act to receivers` for one it sent. Pure.
 */
export function formatAgentLogEntry(e: AgentLogEntry): string {
  const time = e.at.slice(11, 23);
  if (e.kind === "log") return `${time}  [${e.level}] ${e.text}`;
  const conv = e.conversation_id ? ` (conversation ${e.conversation_id})` : "";
  const content = e.content === undefined ? "" : `: ${e.content}`;
  return e.kind === "received"
    ? `${time}  <- ${e.performative} from ${e.from ?? "?"}${conv}${content}`
    : `${time}  -> ${e.performative} to ${e.to.join(", ")}${conv}${content}`;
}

/** An API error for stderr: code, status, message, then details and the trace id. */
export function formatApiError(status: number, e: ApiErrorBody): string {
  const lines = [`error: ${e.code} (${status}): ${e.message}`];
  const d = e.details ?? {};
  for (const [k, v] of Object.entries(d)) {
    if (k === "issues") continue;
    lines.push(`  ${k}: ${text(v)}`);
  }
  if (e.trace_id) lines.push(`  trace id: ${e.trace_id}`);
  return lines.join("\n");
}

/** A deployment in a few lines: id, agent, status, versions and traffic, reason. */
export function formatDeployment(d: Deployment): string {
  const from = d.from_version ? `${d.from_version.version} (#${d.from_version.seq})` : "-";
  const to = d.to_version ? `${d.to_version.version} (#${d.to_version.seq})` : "-";
  const traffic = Object.entries(d.traffic).map(([v, w]) => `${v} ${w}%`).join(", ");
  return [
    `${d.deployment_id}  ${d.agent_id}  ${d.status}  (${String(d.strategy.type ?? "?")})`,
    `  from ${from} to ${to}${traffic ? `; traffic ${traffic}` : ""}`,
    ...(d.reason ? [`  reason: ${d.reason}`] : []),
  ].join("\n");
}
