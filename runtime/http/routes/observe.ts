import type { WSContext } from "hono/ws";
import { upgradeWebSocket } from "hono/deno";
import { z } from "zod";
import { type EventBus, type EventFilter, type NodeEvent } from "../../events/mod.ts";
import { METRICS_CONTENT_TYPE, type NodeMetrics, renderMetrics } from "../../metrics/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

const Names = z.array(z.string().min(1).max(256)).max(256);

/**
 * A client's message on the event WebSocket: subscribe (with the Caxton API's `events` and
 * `filters`, or its older `filter: {agents, performatives}` form) or unsubscribe.
 */
export const WsClientMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("subscribe"),
    events: Names.optional(),
    filters: z.object({
      agent_ids: Names.optional(),
      performatives: Names.optional(),
      conversation_ids: Names.optional(),
    }).optional(),
    filter: z.object({ agents: Names.optional(), performatives: Names.optional() }).optional(),
  }),
  z.object({ type: z.literal("unsubscribe"), subscription_id: z.string() }),
  z.object({ type: z.literal("ping") }),
]);

/** Most subscriptions one WebSocket may hold. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 32;
/**
 * Bytes queued for a socket that does not read (events and replies alike) before it is
 * closed (1013, try again later).
 */
export const MAX_BUFFERED_BYTES = 4 << 20;

/** Mounts `GET /metrics` (Prometheus) and the event WebSocket `GET /ws`. */
export function observeRoutes(app: App, deps: { metrics?: NodeMetrics; events: EventBus }): void {
  if (deps.metrics) {
    const metrics = deps.metrics;
    defineRoute(
      app,
      {
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics of this node",
        responses: {
          200: { description: "Prometheus text exposition" },
          ...errorResponses(401, 429),
        },
      },
      async (c) => {
        c.header("Content-Type", METRICS_CONTENT_TYPE);
        return c.body(await renderMetrics(metrics));
      },
    );
  }

  defineRoute(
    app,
    {
      method: "get",
      path: "/ws",
      summary: "Event stream (WebSocket): agent.*, message.*, task.*, migration.*, system.alert",
      description:
        'Send {"type":"subscribe","events":["agent.*"],"filters":{"agent_ids":["echo"]}}; ' +
        'receive {"type":"subscribed","subscription_id"} then events. Browsers pass the ' +
        "token as ?token=.",
      responses: { 101: { description: "Switching protocols" }, ...errorResponses(401) },
    },
    upgradeWebSocket(() => {
      const subs = new Map<string, () => void>();
      let n = 0;
      let closed = false;
      const stop = () => {
        for (const off of subs.values()) off();
        subs.clear();
      };
      /**
       * Every frame to the client goes through here: past {@link MAX_BUFFERED_BYTES} unsent
       * (a client that does not read), the socket is closed with 1013 and nothing more is
       * queued, whether the frame is an event, an error reply or a pong.
       */
      const send = (ws: WSContext, value: unknown) => {
        if (closed) return;
        const text = JSON.stringify(value);
        const raw = ws.raw as WebSocket | undefined;
        if (raw && raw.bufferedAmount + text.length > MAX_BUFFERED_BYTES) {
          closed = true;
          stop();
          raw.close(1013, "client is not reading: send buffer full");
          deps.metrics?.wsSlowClientsClosed.inc();
          return;
        }
        ws.send(text);
      };
      return {
        onMessage(evt, ws) {
          if (closed) return;
          let parsed: z.infer<typeof WsClientMessageSchema>;
          try {
            parsed = WsClientMessageSchema.parse(JSON.parse(String(evt.data)));
          } catch (e) {
            return send(ws, {
              type: "error",
              code: "INVALID_REQUEST",
              message: `Invalid WebSocket message: ${(e as Error).message.slice(0, 300)}`,
            });
          }
          if (parsed.type === "ping") return send(ws, { type: "pong" });
          if (parsed.type === "unsubscribe") {
            subs.get(parsed.subscription_id)?.();
            subs.delete(parsed.subscription_id);
            return send(ws, { type: "unsubscribed", subscription_id: parsed.subscription_id });
          }
          if (subs.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
            return send(ws, {
              type: "error",
              code: "RATE_LIMITED",
              message: `At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per socket`,
            });
          }
          const filter: EventFilter = {
            events: parsed.events,
            agent_ids: parsed.filters?.agent_ids ?? parsed.filter?.agents,
            performatives: parsed.filters?.performatives ?? parsed.filter?.performatives,
            conversation_ids: parsed.filters?.conversation_ids,
          };
          const id = `sub_${++n}`;
          subs.set(
            id,
            deps.events.subscribe(
              filter,
              (e: NodeEvent) => send(ws, { ...e, subscription_id: id }),
            ),
          );
          send(ws, { type: "subscribed", subscription_id: id, filter });
        },
        onClose() {
          closed = true;
          stop();
        },
      };
    }),
  );
}
