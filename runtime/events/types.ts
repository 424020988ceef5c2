/**
 * Events the node publishes (the WebSocket stream of the Caxton API reference): `agent.*`,
 * `message.*`, `task.*`, `migration.*`, `cluster.*` and `system.alert`.
 */
export interface NodeEvent {
  /** Dotted type, e.g. `agent.deployed`, `message.sent`, `system.alert`. */
  type: string;
  /** ISO 8601. */
  timestamp: string;
  /** The node that published it. */
  node?: string;
  agent_id?: string;
  message_id?: string;
  from?: string;
  to?: string | string[];
  performative?: string;
  conversation_id?: string;
  task_id?: string;
  severity?: "info" | "warning" | "critical";
  message?: string;
  details?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What a subscriber wants to see; every given field must match. */
export interface EventFilter {
  /** Type patterns: exact (`task.completed`), prefix (`agent.*`) or `*`. Empty: all. */
  events?: string[];
  /** Only events about these agents (as `agent_id`, `from` or `to`). */
  agent_ids?: string[];
  /** Only message events with these performatives. */
  performatives?: string[];
  /** Only events of these conversations. */
  conversation_ids?: string[];
}

function typeMatches(type: string, pattern: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

/** Whether `event` passes `filter`. Pure. */
export function matches(event: NodeEvent, filter: EventFilter): boolean {
  if (filter.events?.length && !filter.events.some((p) => typeMatches(event.type, p))) {
    return false;
  }
  if (filter.agent_ids?.length) {
    const about = [event.agent_id, event.from, ...(Array.isArray(event.to) ? event.to : [event.to])]
      .filter((x): x is string => typeof x === "string");
    const bare = (n: string) => n.split("@")[0];
    if (!about.some((a) => filter.agent_ids!.some((f) => f === a || bare(f) === bare(a)))) {
      return false;
    }
  }
  if (filter.performatives?.length) {
    if (!event.performative || !filter.performatives.includes(event.performative)) return false;
  }
  if (filter.conversation_ids?.length) {
    if (!event.conversation_id || !filter.conversation_ids.includes(event.conversation_id)) {
      return false;
    }
  }
  return true;
}
