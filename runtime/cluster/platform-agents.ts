import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import {
  addSubscription,
  type AmsSubscriptionRegistry,
  completeRequest,
  dropSubscriber,
  emptyAmsSubscriptions,
  emptySubscriptions,
  failRequest,
  handleManagementMessage,
  type ManagementContext,
  type ManagementOutcome,
  notifyAmsSubscribers,
  notifySubscribers,
  removeSubscription,
  selfOnly,
  type SubscriptionRegistry,
  withFullName,
} from "../ams/mod.ts";
import { type ApplyResult, directoryReader } from "../directory/mod.ts";
import type { Logger } from "../log/mod.ts";
import { type Delivery, type MessageRouter, newMessageId } from "../routing/mod.ts";
import type { Cluster } from "./cluster.ts";
import { DfFederation, type FederationStatus } from "./df-federation.ts";

/** What the AMS needs of this node's agent manager. */
export interface AgentControl {
  stop(name: string): Promise<unknown>;
  resume(name: string): Promise<unknown>;
  hibernate(name: string): Promise<unknown>;
  remove(name: string): Promise<unknown>;
}

/**
 * Mounts the platform's agents `ams` and `df` (FIPA SC00023) on this node: they answer
 * FIPA-request conversations in FIPA-SL0 as views of the replicated directory. Mutating
 * requests are committed through Raft before the final `inform` or `failure`; DF
 * subscriptions are held by the node that took them and notified on every directory change;
 * AMS subscriptions likewise hear of every platform event (agent born, died, moved, state).
 * AMS `modify`/`deregister` act on this node's agents through `control`. The DF federates
 * ({@link DfFederation}): it registers with other DFs when told to (`federation.join`) and
 * propagates searches with `max-depth` other than 0 to federated DFs.
 */
export function mountPlatformAgents(opts: {
  cluster: Cluster;
  router: MessageRouter;
  log: Logger;
  /** The platform's MTP addresses, for AIDs and `get-description`. */
  addresses: () => string[];
  /** This node's agents, for AMS `modify` (stop, start, hibernate) and `deregister`. */
  control?: () => AgentControl | undefined;
  /** How long a federated DF has to answer, ms (default 5000). */
  federationTimeoutMs?: number;
}): PlatformAgents {
  const { cluster, router, log } = opts;
  let subs: SubscriptionRegistry = emptySubscriptions();
  let amsSubs: AmsSubscriptionRegistry = emptyAmsSubscriptions();
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
  const context = (): ManagementContext => ({
    platform: router.platform,
    addresses: opts.addresses(),
    now: new Date().toISOString(),
    directory: directoryReader(cluster.machine.state, { localName: (n) => router.localName(n) }),
    subscriptions: subs,
    amsSubscriptions: amsSubs,
    localName: (n) => router.localName(n),
    federation: federation.context(),
  });
  const handle = async (msg: AclMessage, origin: Delivery["origin"]) => {
    // Callers of our own API (authenticated by its tokens) may manage any agent; agents
    // only themselves; other platforms nobody.
    const mayManage = (who: AgentIdentifier, target: AgentIdentifier) =>
      origin === "http" || (origin !== "mtp" && selfOnly(who, target));
    if (federation.offer(msg)) return;
    const out = handleManagementMessage({ ...context(), mayManage }, msg);
    if (out.searched !== undefined) federation.served(out.searched);
    if (out.federate) {
      for (const r of out.replies) await send(r);
      await send(await federation.search(out.federate));
      return;
    }
    if (out.subscribe) subs = addSubscription(subs, out.subscribe);
    if (out.amsSubscribe) amsSubs = addSubscription(amsSubs, out.amsSubscribe);
    if (out.amsUnsubscribe) {
      amsSubs = removeSubscription(
        amsSubs,
        out.amsUnsubscribe.subscriber,
        out.amsUnsubscribe.conversation_id,
      ).registry;
    }
    if (out.unsubscribe) {
      subs = removeSubscription(subs, out.unsubscribe.subscriber, out.unsubscribe.conversation_id)
        .registry;
    }
    for (const r of out.replies) await send(r);
    if (out.manage) await send(await manage(out.manage));
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
  const manage = async (m: NonNullable<ManagementOutcome["manage"]>): Promise<AclMessage> => {
    const agents = opts.control?.();
    if (m.node !== cluster.id || !agents) {
      return failRequest(
        m.pending,
        `agent '${m.agent}' lives on node '${m.node}'; this node's AMS manages its own agents`,
      );
    }
    try {
      if (m.action === "stop") await agents.stop(m.agent);
      else if (m.action === "start") await agents.resume(m.agent);
      else if (m.action === "hibernate") await agents.hibernate(m.agent);
      else await agents.remove(m.agent);
      return completeRequest(m.pending, []);
    } catch (e) {
      return failRequest(m.pending, (e as Error).message);
    }
  };
  const offEvents = cluster.machine.onEvents((events) => {
    if (amsSubs.byKey.size > 0) {
      const notes = notifyAmsSubscribers(
        amsSubs,
        events,
        router.platform,
        opts.addresses(),
        (n) => router.localName(n),
      );
      for (const m of notes) void send(m);
    }
    if (subs.byKey.size === 0) return;
    for (const e of events) {
      if (e.type === "agent.deregistered") subs = dropSubscriber(subs, e.agent.name);
    }
    const ctx = context();
    for (const m of notifySubscribers(subs, events, (d) => withFullName(ctx, d))) void send(m);
  });
  const endpoint = {
    deliver: (d: Delivery) => {
      // Answer after the HTTP request that brought the message returned.
      queueMicrotask(() =>
        void handle(d.message, d.origin).catch((e) =>
          log.warn("platform agent", { error: String(e) })
        )
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
