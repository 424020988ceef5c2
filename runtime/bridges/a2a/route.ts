import { type Client, ClientFactory } from "@a2a-js/sdk/client";
import { type AgentIdentifier, aid } from "../../acl/mod.ts";
import type { Logger } from "../../log/mod.ts";
import { deliveryFailureMessage } from "../../mtp/mod.ts";
import {
  type Delivery,
  type MessageRouter,
  newMessageId,
  type RemoteRoute,
} from "../../routing/mod.ts";
import { A2A_TASK_TIMEOUT_MS } from "./executor.ts";
import { a2aAddress, a2aRequest, fipaReply } from "./outbound.ts";

/** A2A clients kept at most (one per agent card URL); past it the oldest is dropped. */
const MAX_CLIENTS = 64;

/**
 * The route to A2A agents: a receiver that is not ours and carries an `a2a+http(s)://`
 * address gets the message as an A2A `SendMessage` (the `@a2a-js/sdk` client, from the
 * agent card at that address), in the background like the HTTP MTP (the caller learns
 * `forwarded`). The A2A answer comes back to the sender as a FIPA reply ({@link fipaReply});
 * when the A2A agent cannot be reached the sender gets a FIPA `failure` from our AMS.
 */
export function a2aRoute(opts: {
  router: MessageRouter;
  log: Logger;
  /** Tracks background sends so shutdown can wait for them. */
  inflight?: Set<Promise<unknown>>;
  /** How long one A2A call may take. */
  timeoutMs?: number;
}): RemoteRoute {
  const { router, log } = opts;
  const ams = aid(`ams@${router.platform}`);
  const factory = new ClientFactory();
  const clients = new Map<string, Promise<Client>>();
  const clientFor = (url: string): Promise<Client> => {
    let c = clients.get(url);
    if (c === undefined) {
      // The SDK resolves the card's path against the URL: a base must end with '/'.
      c = /\.json$/i.test(new URL(url).pathname)
        ? factory.createFromUrl(url, "")
        : factory.createFromUrl(url.endsWith("/") ? url : `${url}/`);
      clients.set(url, c);
      if (clients.size > MAX_CLIENTS) clients.delete(clients.keys().next().value!);
    }
    return c;
  };
  const deliverBack = async (d: Delivery, to: AgentIdentifier, url: string) => {
    try {
      const client = await clientFor(url);
      const result = await client.sendMessage(a2aRequest(d.message), {
        signal: AbortSignal.timeout(opts.timeoutMs ?? A2A_TASK_TIMEOUT_MS),
      });
      const reply = fipaReply(d.message, to, result);
      if (reply === undefined) return;
      await router.route({
        message_id: newMessageId(),
        message: reply,
        accepted_at: new Date().toISOString(),
        origin: "mtp",
      });
    } catch (e) {
      clients.delete(url);
      const reason = `A2A agent at ${url}: ${(e as Error).message}`;
      log.warn("message to an A2A agent failed", {
        message_id: d.message_id,
        receiver: to.name,
        reason,
      });
      const failure = deliveryFailureMessage(d.message, to, reason, ams);
      if (!failure) return;
      await router.route({
        message_id: `${d.message_id}-failure`,
        message: failure,
        accepted_at: new Date().toISOString(),
        origin: "platform",
      }).catch((err) =>
        log.warn("could not report an A2A delivery failure", {
          message_id: d.message_id,
          error: (err as Error).message,
        })
      );
    }
  };
  return {
    kind: "a2a",
    resolve(to) {
      if (router.localName(to) !== undefined) return undefined;
      const url = a2aAddress(to);
      if (url === undefined) return undefined;
      return (d, r) => {
        const p = deliverBack(d, r, url);
        opts.inflight?.add(p);
        p.finally(() => opts.inflight?.delete(p));
        return Promise.resolve();
      };
    },
  };
}
