import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import {
  addSubscription,
  completeRequest,
  dropSubscriber,
  emptySubscriptions,
  failRequest,
  handleManagementMessage,
  notifySubscribers,
  removeSubscription,
  type SubscriptionRegistry,
} from "../ams/mod.ts";
import { type ApplyResult, directoryReader } from "../directory/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type MessageRouter, newMessageId } from "../routing/mod.ts";
import type { Cluster } from "./cluster.ts";
import { DfFederation, type FederationStatus } from "./df-federation.ts";

/**
 * Mounts the platform's agents `ams` and `df` (FIPA SC00023) on this node: they answer
 * FIPA-request conversations in FIPA-SL0 as views of the replicated directory. Mutating
 * requests are committed through Raft before the final `inform` or `failure`; DF
 * subscriptions are held by the node that took them and notified on every directory change.
 * The DF federates ({@link DfFederation}): it registers with other DFs when told to
 * (`federation.join`) and propagates searches with `max-depth` > 0 to federated DFs.
 */
export function mountPlatformAgents(opts: {
  cluster: Cluster;
  router: MessageRouter;
  log: Logger;
  /** The platform's MTP addresses, for AIDs and `get-description`. */
  addresses: () => string[];
  /** How long a federated DF has to answer, ms (default 5000). */
  federationTimeoutMs?: number;
}): PlatformAgents {
  const { cluster, router, log } = opts;
  let subs: SubscriptionRegistry = emptySubscriptions();
  const send = async (m: AclMessage) => {
    try {
      await router.route({
        message_id: newMessageId(),
        message: m,
        accepted_at: new Date().toISOString(),
        origin: "platform",
      });
    } catch (e) {
      log.debug("platform agent reply undeliverable", {
        to: m.receivers.map((r) => r.name),
        error: (e as Error).message,
      });
    }
  };
  const federation = new DfFederation({
    self: () => aid(`df@${router.platform}`, opts.addresses()),
    send: (m) =>
      router.route({
        message_id: newMessageId(),
        message: m,
        accepted_at: new Date().toISOString(),
        origin: "platform",
      }).then(() => {}),
    timeoutMs: opts.federationTimeoutMs ?? 5000,
    log: log.child({ component: "df-federation" }),
  });
  const handle = async (msg: AclMessage) => {
    if (federation.offer(msg)) return;
    const out = handleManagementMessage({
      platform: router.platform,
      addresses: opts.addresses(),
      now: new Date().toISOString(),
      directory: directoryReader(cluster.machine.state),
      subscriptions: subs,
      federation: federation.context(),
    }, msg);
    if (out.searched !== undefined) federation.served(out.searched);
    if (out.federate) {
      for (const r of out.replies) await send(r);
      await send(await federation.search(out.federate));
      return;
    }
    if (out.subscribe) subs = addSubscription(subs, out.subscribe);
    if (out.unsubscribe) {
      subs = removeSubscription(subs, out.unsubscribe.subscriber, out.unsubscribe.conversation_id)
        .registry;
    }
    for (const r of out.replies) await send(r);
    if (out.pending) {
      const results: ApplyResult[] = [];
      try {
        for (const c of out.commands) results.push(await cluster.propose(c));
        await send(completeRequest(out.pending, results));
      } catch (e) {
        await send(failRequest(out.pending, (e as Error).message));
      }
    }
  };
  const offEvents = cluster.machine.onEvents((events) => {
    if (subs.byKey.size === 0) return;
    for (const e of events) {
      if (e.type === "agent.deregistered") subs = dropSubscriber(subs, e.agent.name);
    }
    for (const m of notifySubscribers(subs, events)) void send(m);
  });
  const endpoint = {
    deliver: (d: { message: AclMessage }) => {
      // Answer after the HTTP request that brought the message returned.
      queueMicrotask(() =>
        void handle(d.message).catch((e) => log.warn("platform agent", { error: String(e) }))
      );
    },
  };
  const offAms = router.register("ams", endpoint);
  const offDf = router.register("df", endpoint);
  return {
    federation: {
      join: (parent) => federation.join(parent),
      list: () => federation.list(),
    },
    stop() {
      federation.close();
      offAms();
      offDf();
      offEvents();
    },
  };
}

/** The platform agents mounted on a node. */
export interface PlatformAgents {
  /** The DF's federation with DFs of other platforms. */
  federation: DfFederationControl;
  /** Unmounts the AMS and DF. */
  stop(): void;
}

/** What the HTTP API may do with the DF's federation. */
export interface DfFederationControl {
  /** Registers the DF with `parent`; resolves with the status after the first attempt. */
  join(parent: AgentIdentifier): Promise<FederationStatus>;
  /** The DFs this DF registers with. */
  list(): FederationStatus[];
}
