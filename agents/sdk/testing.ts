/**
 * Running an SDK agent's logic without wasm: the world's imports faked in memory, and a
 * message builder. For agents' unit tests (`deno task cli new` scaffolds one).
 *
 * @example
 * ```ts
 * import { bindAgent, text } from "./mod.ts";
 * import { fakeWorld, message } from "./testing.ts";
 * const w = fakeWorld();
 * bindAgent(agent, w.imports).handleMessage(message("request", text("hi")));
 * w.sent[0].performative; // "inform"
 * ```
 * @module
 */
import { agentId } from "./agent.ts";
import type { AclMessage, Content, LogLevel, Performative, WorldImports } from "./types.ts";

/** Fake world imports and what the agent did through them. */
export interface FakeWorld {
  imports: WorldImports;
  /** Messages the agent sent, in order. */
  sent: AclMessage[];
  /** Lines the agent logged. */
  logs: { level: LogLevel; message: string }[];
  /** The agent's storage. */
  storage: Map<string, Uint8Array>;
  /** Messages waiting for `receive-message`. */
  inbox: AclMessage[];
  /** Pending timers by id (world 0.2.0's `timers`); due times on the fake clock `now`. */
  timers: Map<string, { tag: string; dueAtMs: number }>;
  /** The fake clock of `timers`, ms (set it to move time). */
  now: number;
}

/** Fresh fake imports on node `node` (default `"node-1"`). */
export function fakeWorld(node = "node-1"): FakeWorld {
  const w: Omit<FakeWorld, "imports"> = {
    sent: [],
    logs: [],
    storage: new Map(),
    inbox: [],
    timers: new Map(),
    now: 0,
  };
  let timerSeq = 0;
  const addTimer = (dueAtMs: number, tag: string) => {
    const id = `timer-${++timerSeq}`;
    w.timers.set(id, { tag, dueAtMs });
    return id;
  };
  const imports: WorldImports = {
    messaging: {
      sendMessage: (m) => {
        w.sent.push(m);
        return `sent-${w.sent.length}`;
      },
      receiveMessage: () => w.inbox.shift(),
      findAgentsByService: () => [],
    },
    migration: { getCurrentNode: () => node, listNodes: () => [], migrateTo: () => {} },
    storage: {
      store: (k, v) => void w.storage.set(k, v),
      load: (k) => {
        const v = w.storage.get(k);
        if (v === undefined) throw `no value for key '${k}'`;
        return v;
      },
      delete: (k) => void w.storage.delete(k),
    },
    logging: { log: (level, message) => void w.logs.push({ level, message }) },
    timers: {
      setTimer: (afterMs, tag) => addTimer(world.now + Number(afterMs), tag),
      setTimerAt: (unixMs, tag) => addTimer(Number(unixMs), tag),
      cancelTimer: (id) => w.timers.delete(id),
    },
  };
  const world: FakeWorld = Object.assign(w, { imports });
  return world;
}

/** A message as the agent receives it, from `client` unless `extra` says otherwise. */
export function message(
  performative: Performative,
  content?: Content,
  extra: Partial<AclMessage> = {},
): AclMessage {
  return {
    messageId: "m-1",
    performative,
    sender: agentId("client"),
    receivers: [agentId("agent")],
    replyTo: [],
    content,
    conversationId: "c-1",
    replyWith: "r-1",
    userParams: [],
    ...extra,
  };
}
