import {
  type AclMessage,
  aid,
  type JsonValue,
  type Performative,
} from "../../../runtime/acl/mod.ts";
import { ConversationService } from "../../../runtime/conversations/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { type Delivery, MessageRouter } from "../../../runtime/routing/mod.ts";

/** A node-like setup: a router, agents (endpoints that record), conversation policing. */
export interface World {
  router: MessageRouter;
  conv: ConversationService;
  /** Messages each endpoint received, by local name. */
  inbox: Map<string, Delivery[]>;
  /** Adds an endpoint; `agent: false` makes it a non-agent (like an HTTP caller). */
  add(name: string, opts?: { agent?: boolean }): void;
  remove(name: string): void;
  /** Routes a message as `origin` at clock time `at` (ms). */
  send(msg: AclMessage, origin?: Delivery["origin"]): Promise<unknown>;
  clock: { now: number };
  detach(): void;
}

let ids = 0;

/** Builds a {@link World} on platform `p` with a manual clock and no timer. */
export function world(): World {
  const router = new MessageRouter("p");
  const agents = new Set<string>();
  const unregister = new Map<string, () => void>();
  const inbox = new Map<string, Delivery[]>();
  const clock = { now: Date.parse("2030-01-01T00:00:00.000Z") };
  const conv = new ConversationService({
    router,
    isAgent: (n) => agents.has(n),
    now: () => clock.now,
    timers: null,
    limits: { maxFinished: 4 },
  });
  const detach = conv.attach();
  return {
    router,
    conv,
    inbox,
    clock,
    add(name, opts = {}) {
      if (opts.agent ?? true) agents.add(name);
      inbox.set(name, []);
      unregister.set(
        name,
        router.register(name, { deliver: (d) => void inbox.get(name)!.push(d) }),
      );
    },
    remove(name) {
      agents.delete(name);
      unregister.get(name)?.();
    },
    send(msg, origin = "agent") {
      return router.route({
        message_id: `msg_${++ids}`,
        message: msg,
        accepted_at: new Date(clock.now).toISOString(),
        origin,
      });
    },
    detach,
  };
}

/** A message from `from` to `to` (local names are qualified with `@p`). */
export function msg(
  performative: Performative,
  from: string,
  to: string | string[],
  extra: Partial<AclMessage> & { content?: JsonValue } = {},
): AclMessage {
  const q = (n: string) => (n.includes("@") ? n : `${n}@p`);
  return {
    performative,
    sender: aid(q(from)),
    receivers: (Array.isArray(to) ? to : [to]).map((n) => aid(q(n))),
    conversation_id: "c1",
    ...extra,
  };
}

/** Resolves after pending promise callbacks ran (notices are routed asynchronously). */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** The `ApiError` a routing attempt was refused with (fails if it was not refused). */
export async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected the message to be refused");
}

/** A routed `inform` number `i` in conversation `cid`, accepted `i` seconds into 2030. */
export function delivery(i: number, cid: string, content = "x"): Delivery {
  return {
    message_id: `m${i}`,
    accepted_at: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
    origin: "http",
    message: {
      performative: "inform",
      sender: aid("a@p"),
      receivers: [aid("b@p")],
      content,
      conversation_id: cid,
    },
  };
}
