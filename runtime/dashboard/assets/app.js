// The dashboard's shell: fetches the API, follows the event WebSocket, renders the DOM.
// What to show is computed in model.js; here are only I/O, timers and DOM updates.
import {
  addConversation,
  addMigration,
  agentCount,
  agentRows,
  chartModel,
  deploymentRows,
  describeEvent,
  fromHistory,
  HISTORY_LIMIT,
  lineMatches,
  MAX_EVENTS,
  memberRows,
  spanLabel,
  stateClass,
  timeOfDay,
} from "./model.js";

const TOKEN_KEY = "fipa-edge-token";
const REFRESH_MS = 5000;

const ui = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? "",
  cluster: null,
  directory: null,
  local: null,
  deployments: null,
  /** @type {ReturnType<typeof describeEvent>[]} */
  events: [],
  conversations: [],
  migrations: [],
  series: null,
  historyLoaded: false,
  paused: false,
  ws: null,
  wsRetryMs: 1000,
  refreshTimer: 0,
  refreshing: false,
  refreshAgain: false,
};

const $ = (id) => document.getElementById(id);

/** Builds an element; children are nodes or text (never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = String(v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function emptyRow(cols, text) {
  return h("tr", {}, h("td", { class: "empty", colspan: cols }, text));
}

/** A token problem: the API answered 401. */
class Unauthorized extends Error {}

async function api(path) {
  const headers = { accept: "application/json" };
  if (ui.token) headers.authorization = `Bearer ${ui.token}`;
  const res = await fetch(path, { headers });
  if (res.status === 401) {
    const body = await res.json().catch(() => ({}));
    throw new Unauthorized(body?.error?.message ?? "A token is required");
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const err = new Error(
      `${path}: ${res.status} ${body?.error?.code ?? ""} ${body?.error?.message ?? ""}`.trim(),
    );
    err.status = res.status;
    throw err;
  }
  return await res.json();
}

function showError(message) {
  const el = $("error");
  el.textContent = message ?? "";
  el.hidden = !message;
}

function askToken(reason) {
  const dialog = $("token-dialog");
  $("token-reason").textContent = ui.token ? `The token was refused: ${reason}` : reason;
  $("token-button").hidden = false;
  if (!dialog.open) dialog.showModal();
  $("token-input").focus();
}

async function refresh() {
  if (ui.refreshing) {
    ui.refreshAgain = true;
    return;
  }
  ui.refreshing = true;
  try {
    const [cluster, local, series, deployments] = await Promise.all([
      api("/api/v1/cluster").catch((e) => {
        if (e instanceof Unauthorized || e.status !== 404) throw e;
        return null;
      }),
      api("/api/v1/agents?limit=1000").catch((e) => {
        if (e instanceof Unauthorized || e.status !== 404) throw e;
        return null;
      }),
      api("/api/v1/metrics/series").catch((e) => {
        if (e instanceof Unauthorized) throw e;
        return null;
      }),
      api("/api/v1/deployments").catch((e) => {
        if (e instanceof Unauthorized || e.status !== 404) throw e;
        return null;
      }),
    ]);
    const directory = cluster
      ? await api("/api/v1/directory/agents?limit=1000").catch((e) => {
        if (e instanceof Unauthorized) throw e;
        return null;
      })
      : null;
    Object.assign(ui, { cluster, local, directory, series, deployments });
    if (!ui.historyLoaded) await loadHistory(cluster?.self?.id ?? "");
    showError("");
    render();
    if (!ui.ws) connectEvents();
  } catch (e) {
    if (e instanceof Unauthorized) askToken(e.message);
    else showError(`Cannot reach the node: ${e.message}`);
  } finally {
    ui.refreshing = false;
    if (ui.refreshAgain) {
      ui.refreshAgain = false;
      scheduleRefresh(200);
    }
  }
}

/**
 * Fills the live view and the conversations with what the node routed before the page
 * opened (its message history), once, before the event stream starts.
 */
async function loadHistory(self) {
  const page = await api(`/api/v1/messages?order=desc&limit=${HISTORY_LIMIT}`).catch((e) => {
    if (e instanceof Unauthorized) throw e;
    return null;
  });
  const h = fromHistory(page, self);
  ui.events = [...ui.events, ...h.events];
  ui.conversations = h.conversations;
  ui.historyLoaded = true;
}

function scheduleRefresh(ms) {
  clearTimeout(ui.refreshTimer);
  ui.refreshTimer = setTimeout(refresh, ms);
}

function render() {
  const c = ui.cluster;
  const self = c?.self?.id ?? "";
  $("node-name").textContent = self ? `node ${self}` : "";
  $("sum-self").textContent = self || "–";
  $("sum-role").textContent = c?.self?.role ?? "–";
  $("sum-leader").textContent = c ? (c.leader ?? "none") : "–";
  $("sum-term").textContent = c ? String(c.term) : "–";
  $("sum-commit").textContent = c ? String(c.commit_index) : "–";
  const members = memberRows(c);
  $("sum-members").textContent = c ? String(members.length) : "–";

  $("members").replaceChildren(
    ...(members.length
      ? members.map((m) =>
        h(
          "tr",
          { class: m.self ? "here" : "", "data-member": m.id },
          h("td", {}, m.id, m.leader ? h("span", { class: "leader" }, "  ★ leader") : null),
          h("td", {}, m.role),
          h("td", { class: "num" }, m.match_index),
          h("td", { class: "mono", title: m.address }, m.address),
        )
      )
      : [emptyRow(4, "no cluster information")]),
  );

  const rows = agentRows(ui.directory, ui.local, self);
  const count = agentCount(ui.directory, ui.local, rows.length);
  $("sum-agents").textContent = ui.directory || ui.local ? String(count.total) : "–";
  $("agents-source").textContent =
    (ui.directory ? "(whole cluster, from the directory; ● = on this node)" : "(this node)") +
    (count.partial ? ` — the first ${count.shown} of ${count.total}` : "");
  $("agents").replaceChildren(
    ...(rows.length
      ? rows.map((a) =>
        h(
          "tr",
          { class: a.here ? "here" : "", "data-agent": a.name },
          h("td", { title: a.agent_id }, a.name),
          h("td", {}, a.node),
          h("td", {}, h("span", { class: `badge ${stateClass(a.state)}` }, a.state)),
          h("td", { class: "num" }, a.processed ?? ""),
          h("td", { class: "num" }, a.failed ?? ""),
          h("td", { class: "num" }, a.mailbox ?? ""),
        )
      )
      : [emptyRow(6, "no agents deployed")]),
  );
  renderDeployments();
  renderEvents();
  renderConversations();
  renderMigrations();
  renderChart();
}

function renderDeployments() {
  const rows = deploymentRows(ui.deployments);
  $("deployments").replaceChildren(
    ...(rows.length
      ? rows.map((d) =>
        h(
          "tr",
          { "data-deployment": d.id, "data-agent": d.agent },
          h("td", { title: d.id }, d.agent),
          h("td", {}, d.strategy),
          h("td", {}, d.stage),
          h(
            "td",
            { title: d.reason || undefined },
            h("span", { class: `badge ${d.statusClass}` }, d.status),
          ),
          h("td", {}, d.traffic),
          h("td", { title: d.reason || undefined }, d.errors),
        )
      )
      : [emptyRow(6, "no deployments")]),
  );
}

const SVG_NS = "http://www.w3.org/2000/svg";
/** Chart height and the margins around the plot (axis labels), px. */
const CHART = { height: 150, left: 44, right: 52, top: 8, bottom: 22 };

/** Builds an SVG element (attributes as given, text as a text node). */
function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.append(document.createTextNode(String(text)));
  return el;
}

/** Messages per second and p50/p99 latency of this node over the last 15 minutes. */
function renderChart() {
  const chart = $("chart");
  const { height, left, right, top, bottom } = CHART;
  // The plot is as wide as the panel (1:1 with the page's pixels, so text keeps its shape).
  const width = Math.max(200, Math.round(chart.clientWidth || 600) - left - right);
  const m = chartModel(ui.series, { width, height });
  chart.setAttribute(
    "viewBox",
    `${-left} ${-top} ${width + left + right} ${height + top + bottom}`,
  );
  chart.setAttribute("data-points", String(m.points));
  const grid = [0, 0.5, 1].map((f) =>
    svg("line", { class: "grid", x1: 0, x2: width, y1: height * f, y2: height * f })
  );
  const labels = [
    svg("text", { class: "axis rate", x: -6, y: 4, "text-anchor": "end" }, `${m.maxRate}/s`),
    svg("text", { class: "axis rate", x: -6, y: height + 4, "text-anchor": "end" }, "0"),
    svg("text", { class: "axis lat", x: width + 6, y: 4 }, `${m.maxLatency} ms`),
    svg("text", { class: "axis lat", x: width + 6, y: height + 4 }, "0"),
    svg("text", { class: "axis", x: 0, y: height + 18 }, `−${spanLabel(m.spanSeconds)}`),
    svg("text", { class: "axis", x: width, y: height + 18, "text-anchor": "end" }, "now"),
  ];
  const lines = [
    svg("polyline", { class: "series rate", id: "chart-rate", points: m.rate }),
    svg("polyline", { class: "series p50", id: "chart-p50", points: m.p50 }),
    svg("polyline", { class: "series p99", id: "chart-p99", points: m.p99 }),
  ];
  chart.replaceChildren(...grid, ...labels, ...lines);
  const { last, latest } = m;
  const latency = latest
    ? `p50 ${latest.p50_ms} ms · p99 ${latest.p99_ms ?? "–"} ms (latest traffic, ${
      latest.t.slice(11, 19)
    })`
    : "no traffic in the window";
  $("chart-legend").textContent = last
    ? `${m.node}: ${last.messages_per_s} msg/s (last 10 s) · ${latency}`
    : "no samples yet";
}

function renderEvents() {
  const filter = $("event-filter").value;
  const shown = ui.events.filter((l) => lineMatches(l, filter));
  $("event-count").textContent = `(${shown.length} of ${ui.events.length})`;
  $("events").replaceChildren(
    ...shown.map((l) =>
      h(
        "li",
        { class: l.kind },
        h("span", { class: "time" }, l.time),
        h("span", { class: "node" }, l.node),
        h("span", { class: "type" }, l.type),
        h("span", { class: "text", title: l.text }, l.text),
      )
    ),
  );
}

function renderConversations() {
  $("conversations").replaceChildren(
    ...(ui.conversations.length
      ? ui.conversations.map((c) =>
        h(
          "tr",
          { "data-conversation": c.id },
          h("td", { class: "mono", title: c.id }, c.id),
          h("td", { title: c.participants.join(", ") }, c.participants.join(", ")),
          h("td", { class: "num" }, c.messages),
          h("td", { title: c.performatives.join(" → ") }, c.last),
        )
      )
      : [emptyRow(4, "no conversations yet")]),
  );
}

function renderMigrations() {
  $("migrations").replaceChildren(
    ...(ui.migrations.length
      ? ui.migrations.map((m) =>
        h(
          "tr",
          { "data-migration": m.id },
          h("td", {}, m.agent),
          h("td", {}, m.from),
          h("td", {}, m.to),
          h(
            "td",
            {},
            h("span", { class: `badge ${m.failed ? "bad" : m.done ? "ok" : "warn"}` }, m.status),
          ),
          h("td", { class: "mono" }, timeOfDay(m.at)),
        )
      )
      : [emptyRow(5, "no migrations yet")]),
  );
}

function setWsStatus(text, cls) {
  const el = $("ws-status");
  el.textContent = `events: ${text}`;
  el.className = `pill ${cls}`;
}

function onEvent(e) {
  if (!ui.paused) {
    ui.events.unshift(describeEvent(e));
    if (ui.events.length > MAX_EVENTS) ui.events.length = MAX_EVENTS;
  }
  ui.conversations = addConversation(ui.conversations, e);
  ui.migrations = addMigration(ui.migrations, e);
  const kind = String(e.type).split(".")[0];
  // Lifecycle, membership and location changes: fetch the tables again soon.
  if (["agent", "cluster", "migration", "deployment"].includes(kind)) scheduleRefresh(150);
  renderEvents();
  renderConversations();
  renderMigrations();
}

function connectEvents() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const q = ui.token ? `?token=${encodeURIComponent(ui.token)}` : "";
  const ws = new WebSocket(`${proto}//${location.host}/ws${q}`);
  ui.ws = ws;
  setWsStatus("connecting", "warn");
  ws.onopen = () => ws.send(JSON.stringify({ type: "subscribe", events: ["*"] }));
  ws.onmessage = (msg) => {
    let e;
    try {
      e = JSON.parse(msg.data);
    } catch {
      return;
    }
    if (e.type === "subscribed") {
      ui.wsRetryMs = 1000;
      setWsStatus("live", "ok");
    } else if (e.type === "error") {
      showError(`Event stream: ${e.message}`);
    } else if (e.type !== "pong" && e.type !== "unsubscribed") {
      onEvent(e);
    }
  };
  ws.onclose = () => {
    if (ui.ws !== ws) return;
    ui.ws = null;
    setWsStatus("reconnecting", "bad");
    setTimeout(() => {
      if (!ui.ws) refresh();
    }, ui.wsRetryMs);
    ui.wsRetryMs = Math.min(ui.wsRetryMs * 2, 15000);
  };
}

function reconnectEvents() {
  const old = ui.ws;
  ui.ws = null;
  old?.close();
}

function main() {
  $("token-form").addEventListener("submit", () => {
    ui.token = $("token-input").value.trim();
    sessionStorage.setItem(TOKEN_KEY, ui.token);
    reconnectEvents();
    refresh();
  });
  $("token-button").addEventListener("click", () => askToken("Enter another token."));
  $("event-filter").addEventListener("input", renderEvents);
  $("pause").addEventListener("click", () => {
    ui.paused = !ui.paused;
    $("pause").textContent = ui.paused ? "Resume" : "Pause";
  });
  $("clear").addEventListener("click", () => {
    ui.events = [];
    renderEvents();
  });
  setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_MS);
  render();
  refresh();
}

main();
