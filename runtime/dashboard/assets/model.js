// The dashboard's pure part: turns API answers and WebSocket events into what the page
// shows. No DOM, no clock, no I/O here, so it runs in the browser and in Deno tests alike.

/** Lifecycle states and the badge colour class each gets. */
export const STATE_CLASS = {
  running: "ok",
  loaded: "ok",
  hibernated: "idle",
  stopped: "idle",
  unloaded: "idle",
  draining: "warn",
  migrating: "warn",
  failed: "bad",
};

/** Most events the live view keeps. */
export const MAX_EVENTS = 300;
/** Most conversations the conversation view keeps. */
export const MAX_CONVERSATIONS = 50;
/** Most migrations the migration view keeps. */
export const MAX_MIGRATIONS = 50;

/**
 * The badge class of a lifecycle state.
 * @param {string | undefined} state
 * @returns {string}
 */
export function stateClass(state) {
  return (state && STATE_CLASS[state]) || "idle";
}

/**
 * The family of an event type: `message`, `agent`, `migration`, `cluster` or `other`.
 * @param {string} type
 * @returns {string}
 */
export function eventKind(type) {
  const head = String(type).split(".")[0];
  return ["message", "agent", "migration", "cluster"].includes(head) ? head : "other";
}

/** @param {unknown} v */
function list(v) {
  if (Array.isArray(v)) return v.map(String);
  return v === undefined || v === null || v === "" ? [] : [String(v)];
}

/** @param {Record<string, unknown>} e @param {string[]} keys */
function pick(e, keys) {
  const details = e.details && typeof e.details === "object" ? e.details : {};
  for (const k of keys) {
    if (e[k] !== undefined && e[k] !== null && e[k] !== "") return String(e[k]);
    if (details[k] !== undefined && details[k] !== null && details[k] !== "") {
      return String(details[k]);
    }
  }
  return undefined;
}

/**
 * Where a migration event says the agent moves: `{agent, from, to, id}`.
 * @param {Record<string, unknown>} e
 */
export function migrationOf(e) {
  const agent = pick(e, ["agent_id", "agent", "name"]) ?? "?";
  return {
    id: pick(e, ["migration_id"]) ?? agent,
    agent,
    from: pick(e, ["from_node", "source_node", "source", "from"]) ?? "?",
    to: pick(e, ["target_node", "to_node", "target", "to"]) ?? "?",
  };
}

/**
 * One line of the live view for an event: its kind, a short text and the time of day.
 * @param {Record<string, unknown>} e a node event as the WebSocket sends it
 * @returns {{kind: string, type: string, time: string, node: string, text: string}}
 */
export function describeEvent(e) {
  const type = String(e.type ?? "?");
  const kind = eventKind(type);
  let text;
  if (kind === "message") {
    const to = list(e.to).join(", ") || "?";
    text = `${e.from ?? "?"} → ${to}`;
    if (e.performative) text += `  ${e.performative}`;
    if (e.conversation_id) text += `  [${e.conversation_id}]`;
  } else if (kind === "migration") {
    const m = migrationOf(e);
    text = m.from === "?" && m.to === "?" ? m.agent : `${m.agent}  ${m.from} → ${m.to}`;
    const reason = pick(e, ["reason", "error", "message"]);
    if (reason) text += `  (${reason})`;
  } else if (kind === "cluster") {
    text = describeDirectoryChange(e.details && typeof e.details === "object" ? e.details : {});
  } else if (kind === "agent") {
    text = String(e.agent_id ?? "?");
    const extra = pick(e, ["version", "cause", "reason", "message"]);
    if (extra) text += `  ${extra}`;
  } else {
    text = String(e.message ?? e.agent_id ?? "");
  }
  return { kind, type, time: timeOfDay(e.timestamp), node: String(e.node ?? ""), text };
}

/**
 * A directory change (the `details` of a `cluster.*` event) in a few words.
 * @param {Record<string, any>} d
 * @returns {string}
 */
export function describeDirectoryChange(d) {
  const agent = (a) => (a && typeof a === "object" ? `${a.name} on ${a.node} (${a.state})` : "?");
  switch (d.type) {
    case "agent.registered":
    case "agent.deregistered":
      return agent(d.agent);
    case "agent.updated": {
      const b = d.before ?? {};
      const a = d.after ?? {};
      const parts = [String(a.name ?? b.name ?? "?")];
      if (b.node !== a.node) parts.push(`moved ${b.node} → ${a.node}`);
      if (b.state !== a.state) parts.push(`${b.state} → ${a.state}`);
      return parts.join("  ");
    }
    case "df.registered":
    case "df.deregistered":
      return String(d.description?.name?.name ?? "?") + (d.expired ? "  (expired)" : "");
    case "df.modified":
      return String(d.after?.name?.name ?? "?");
    case "member.added":
    case "member.removed":
      return `${d.member?.id ?? "?"}  ${d.member?.role ?? ""}`.trim();
    case "member.updated":
      return `${d.after?.id ?? "?"}  ${d.before?.role ?? "?"} → ${d.after?.role ?? "?"}`;
    default:
      return String(d.type ?? "");
  }
}

/**
 * `HH:MM:SS.mmm` of an ISO 8601 instant (UTC), or `""`.
 * @param {unknown} iso
 */
export function timeOfDay(iso) {
  const m = typeof iso === "string" ? iso.match(/T(\d\d:\d\d:\d\d(?:\.\d{1,3})?)/) : null;
  return m ? m[1] : "";
}

/**
 * Folds a message event into the conversations, newest first. Returns a new array.
 * @param {Array<Record<string, unknown>>} conversations
 * @param {Record<string, unknown>} e
 */
export function addConversation(conversations, e) {
  if (eventKind(String(e.type)) !== "message" || !e.conversation_id) return conversations;
  const id = String(e.conversation_id);
  const old = conversations.find((c) => c.id === id);
  const participants = new Set(old ? old.participants : []);
  for (const p of [...list(e.from), ...list(e.to)]) participants.add(p);
  const performatives = old ? [...old.performatives] : [];
  if (e.performative) performatives.push(String(e.performative));
  const next = {
    id,
    participants: [...participants].sort(),
    messages: (old ? old.messages : 0) + 1,
    performatives: performatives.slice(-8),
    last: String(e.performative ?? (old ? old.last : "")),
    last_at: String(e.timestamp ?? ""),
    nodes: [...new Set([...(old ? old.nodes : []), ...list(e.node)])].sort(),
  };
  return [next, ...conversations.filter((c) => c.id !== id)].slice(0, MAX_CONVERSATIONS);
}

/**
 * Folds a migration event into the migrations, newest first: one row per migration with
 * its latest status (the event type's last part, e.g. `started`, `completed`).
 * @param {Array<Record<string, unknown>>} migrations
 * @param {Record<string, unknown>} e
 */
export function addMigration(migrations, e) {
  const type = String(e.type ?? "");
  if (eventKind(type) !== "migration") return migrations;
  const m = migrationOf(e);
  const old = migrations.find((x) => x.id === m.id && !x.done);
  const status = type.slice("migration.".length) || "?";
  const done = /complet|finish|done|fail|abort|refus|rolled/.test(status);
  const next = {
    ...m,
    from: m.from === "?" && old ? old.from : m.from,
    to: m.to === "?" && old ? old.to : m.to,
    status,
    done,
    failed: /fail|abort|refus|rolled/.test(status),
    started_at: old ? old.started_at : String(e.timestamp ?? ""),
    at: String(e.timestamp ?? ""),
  };
  return [next, ...migrations.filter((x) => x !== old)].slice(0, MAX_MIGRATIONS);
}

/**
 * Rows of the agents table: the directory's view of the whole cluster (name, node, state)
 * joined with this node's own agents (their counters). Without a directory, this node's
 * agents only.
 * @param {{agents?: Array<Record<string, unknown>>} | null | undefined} directory
 * @param {{agents?: Array<Record<string, unknown>>} | null | undefined} local
 * @param {string} self this node's id
 */
export function agentRows(directory, local, self) {
  const mine = new Map();
  for (const a of (local && local.agents) || []) mine.set(String(a.name), a);
  const rows = [];
  const seen = new Set();
  for (const d of (directory && directory.agents) || []) {
    const name = String(d.name);
    const local = name.split("@")[0];
    const own = d.node === self ? mine.get(local) ?? mine.get(name) : undefined;
    if (own) seen.add(String(own.name));
    rows.push(row(name, String(d.node ?? "?"), String(d.state ?? "?"), own, d.node === self));
  }
  for (const [name, a] of mine) {
    if (seen.has(name)) continue;
    rows.push(row(String(a.full_name ?? name), self, String(a.status ?? "?"), a, true));
  }
  return rows.sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
}

/**
 * How many agents there are, against the rows the table shows: the lists the page reads are
 * pages (the first 1,000 names), so a node of 100,000 agents shows 1,000 rows and must say
 * that there are 100,000 (the directory's total for the cluster, else this node's).
 * @param {{total?: number} | null | undefined} directory
 * @param {{total?: number} | null | undefined} local
 * @param {number} shown rows in the table
 */
export function agentCount(directory, local, shown) {
  const listed = directory ?? local;
  const total = typeof listed?.total === "number" ? Math.max(listed.total, shown) : shown;
  return { total, shown, partial: shown < total };
}

/** @param {string} name @param {string} node @param {string} state @param {any} own @param {boolean} here */
function row(name, node, state, own, here) {
  const m = own && own.metrics ? own.metrics : undefined;
  return {
    name,
    node,
    state: own ? String(own.status ?? state) : state,
    here,
    agent_id: own ? String(own.agent_id ?? "") : "",
    processed: m ? Number(m.messages_processed ?? 0) : undefined,
    failed: m ? Number(m.messages_failed ?? 0) : undefined,
    mailbox: m ? Number(m.mailbox_depth ?? 0) : undefined,
  };
}

/** Most deployments the deployments table shows (the newest). */
export const MAX_DEPLOYMENTS = 20;

/** Deployment statuses and the badge class each gets. */
export const DEPLOYMENT_CLASS = {
  in_progress: "warn",
  completed: "ok",
  rolled_back: "bad",
  failed: "bad",
};

/**
 * Rows of the deployments table from `GET /api/v1/deployments` (newest first): strategy and
 * stage (`2/3 (50 %)` of a canary), the share of new conversations per version, and each
 * version's errors over the messages it handled, as the rollback decision sees them.
 * @param {{deployments?: Array<Record<string, any>>} | null | undefined} page
 */
export function deploymentRows(page) {
  const list = Array.isArray(page && page.deployments) ? page.deployments : [];
  return list.slice(0, MAX_DEPLOYMENTS).map((d) => {
    const strategy = d.strategy && typeof d.strategy === "object" ? d.strategy : {};
    const stages = Array.isArray(strategy.stages) ? strategy.stages : [];
    const at = Math.min(Number(d.stage ?? 0), Math.max(stages.length - 1, 0));
    const stage = stages.length
      ? `${at + 1}/${stages.length} (${stages[at]?.percentage ?? "?"} %)`
      : strategy.type === "blue_green"
      ? (Number(d.stage) >= 1 ? "switched" : "warming")
      : "–";
    const traffic = Object.entries(d.traffic ?? {}).map(([v, p]) => `${v} ${p} %`).join(" · ");
    const errors = Object.entries(d.metrics ?? {}).map(([v, m]) => {
      const handled = Number(m?.handled ?? 0);
      const errs = Number(m?.errors ?? 0);
      const rate = handled ? ` (${round1((100 * errs) / handled)} %)` : "";
      return `${v} ${errs}/${handled}${rate}`;
    }).join(" · ");
    const status = String(d.status ?? "?");
    return {
      id: String(d.deployment_id ?? ""),
      agent: String(d.agent_id ?? ""),
      strategy: String(strategy.type ?? "?"),
      stage,
      status,
      statusClass: DEPLOYMENT_CLASS[status] ?? "idle",
      traffic: traffic || "–",
      errors: errors || "–",
      reason: d.reason ? String(d.reason) : "",
    };
  });
}

/**
 * Rows of the members table from `GET /api/v1/cluster`.
 * @param {Record<string, any> | null | undefined} cluster
 */
export function memberRows(cluster) {
  if (!cluster || !Array.isArray(cluster.members)) return [];
  return cluster.members.map((m) => ({
    id: String(m.id),
    role: String(m.role ?? "?"),
    leader: m.id === cluster.leader,
    self: cluster.self && m.id === cluster.self.id,
    match_index: m.match_index === null || m.match_index === undefined ? "" : String(m.match_index),
    address: Array.isArray(m.addresses) && m.addresses.length ? String(m.addresses[0]) : "",
  })).sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Whether an event passes the live view's text filter (case-insensitive, on type and text).
 * @param {{type: string, text: string, node: string}} line
 * @param {string} filter
 */
export function lineMatches(line, filter) {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return `${line.type} ${line.node} ${line.text}`.toLowerCase().includes(f);
}

/** How many routed messages the page asks the node's history for when it opens. */
export const HISTORY_LIMIT = MAX_EVENTS;

/** @param {unknown} a an agent identifier in the JSON form: a name or `{name, ...}` */
function aidName(a) {
  if (a && typeof a === "object") return String(/** @type {any} */ (a).name ?? "?");
  return a === undefined || a === null ? "?" : String(a);
}

/**
 * A message of the node's history (`GET /api/v1/messages`) as the event the page would
 * have seen for it: `message.routed`, with sender, receivers, performative, conversation.
 * @param {Record<string, any>} m one history entry
 * @param {string} node this node's id
 */
export function historyEvent(m, node) {
  const receivers = Array.isArray(m.receiver) ? m.receiver : [m.receiver];
  return {
    type: "message.routed",
    timestamp: m.timestamp,
    node,
    message_id: m.message_id,
    from: aidName(m.sender),
    to: receivers.filter((r) => r !== undefined && r !== null).map(aidName),
    performative: m.performative,
    conversation_id: m.conversation_id ?? undefined,
  };
}

/**
 * What the page shows for the node's history when it opens: the live-view lines (newest
 * first) and the conversations, folded from the oldest message on.
 * @param {{messages?: Array<Record<string, any>>} | null | undefined} page a page of
 *   `GET /api/v1/messages?order=desc`
 * @param {string} node this node's id
 */
export function fromHistory(page, node) {
  const newestFirst = ((page && page.messages) || []).map((m) => historyEvent(m, node));
  let conversations = [];
  for (const e of [...newestFirst].reverse()) conversations = addConversation(conversations, e);
  return { events: newestFirst.slice(0, MAX_EVENTS).map(describeEvent), conversations };
}

/**
 * The throughput and latency chart of `GET /api/v1/metrics/series`: SVG polyline points
 * (`"x,y x,y ..."`, a horizontal step over each point's interval) for messages per second
 * (left axis) and p50/p99 latency (right axis), ending at the last point and spanning what
 * the series covers (at least a minute, at most its window); plus the axes' maxima, the
 * span, the last point's rate and the latency of the latest point that had traffic (an idle
 * last interval has no latency, so the legend would otherwise lose it).
 * @param {{node?: string, window_seconds?: number, points?: Array<Record<string, any>>} | null | undefined} series
 * @param {{width: number, height: number}} size
 */
export function chartModel(series, size) {
  const points = (series && series.points) || [];
  const windowMs = ((series && series.window_seconds) || 900) * 1000;
  const { width, height } = size;
  const empty = {
    rate: "",
    p50: "",
    p99: "",
    maxRate: 0,
    maxLatency: 0,
    points: 0,
    spanSeconds: windowMs / 1000,
  };
  if (!points.length) {
    return { ...empty, node: String(series?.node ?? ""), last: null, latest: null };
  }
  const end = Date.parse(points[points.length - 1].t);
  const first = Date.parse(points[0].t) - (Number(points[0].seconds) || 0) * 1000;
  // The time axis spans what the series covers (at least a minute, at most its window).
  const spanMs = Math.min(windowMs, Math.max(MIN_SPAN_MS, end - first));
  const start = end - spanMs;
  const maxRate = niceMax(Math.max(...points.map((p) => Number(p.messages_per_s) || 0)));
  const lat = points.flatMap((p) => [p.p50_ms, p.p99_ms]).filter((v) => typeof v === "number");
  const maxLatency = niceMax(lat.length ? Math.max(...lat) : 0);
  const x = (ms) => round1(Math.max(0, (ms - start) / spanMs) * width);
  const y = (v, max) => round1(height - (max > 0 ? (v / max) * height : 0));
  // A step per point: its value holds over its interval (so one point is already a line).
  const line = (pick, max) =>
    points.filter((p) => typeof pick(p) === "number").map((p) => {
      const t = Date.parse(p.t);
      const from = t - (Number(p.seconds) || 0) * 1000;
      const v = y(pick(p), max);
      return `${x(from)},${v} ${x(t)},${v}`;
    }).join(" ");
  const last = points[points.length - 1];
  const busy = [...points].reverse().find((p) => typeof p.p50_ms === "number");
  return {
    node: String(series?.node ?? ""),
    rate: line((p) => Number(p.messages_per_s) || 0, maxRate),
    p50: line((p) => p.p50_ms, maxLatency),
    p99: line((p) => p.p99_ms, maxLatency),
    maxRate,
    maxLatency,
    points: points.length,
    spanSeconds: spanMs / 1000,
    last: {
      messages_per_s: Number(last.messages_per_s) || 0,
      p50_ms: last.p50_ms ?? null,
      p99_ms: last.p99_ms ?? null,
    },
    latest: busy ? { t: String(busy.t), p50_ms: busy.p50_ms, p99_ms: busy.p99_ms ?? null } : null,
  };
}

/** Shortest time axis of the chart: a minute. */
export const MIN_SPAN_MS = 60_000;

/**
 * A time span for an axis label: `15 min`, `2 min 30 s`, `45 s`.
 * @param {number} seconds
 */
export function spanLabel(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

/** @param {number} v */
function round1(v) {
  return Math.round(v * 10) / 10;
}

/**
 * A round axis maximum at or above `v` (1, 2 or 5 times a power of ten); 1 for 0.
 * @param {number} v
 */
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}
