import { type AgentIdentifier, parseAclJson, toAclJson } from "../acl/mod.ts";
import { getAgent, getMember } from "../directory/mod.ts";
import { CircuitBreaker } from "../delivery/mod.ts";
import { injectTrace } from "../tracing/mod.ts";
import { ApiError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import { ACL_PROTOCOL, type NetNode } from "../net/mod.ts";
import type { Delivery, MessageRouter, RemoteRoute } from "../routing/mod.ts";
import type { Cluster } from "./cluster.ts";
import { AclForwardSchema } from "./control.ts";

/** The peer route, and its forward to a given node (replicas pick the node themselves). */
export interface PeerRoute extends RemoteRoute {
  /**
   * Forwards `d` for local name `local` (receiver `r`) to `node`, to its instance
   * `instance` of a replicated agent when given. Rejects `UNAVAILABLE` when the node
   * cannot be reached (or its circuit is open), else with the receiving node's error.
   */
  forward(
    node: string,
    d: Delivery,
    r: AgentIdentifier,
    local: string,
    instance?: number,
  ): Promise<void>;
}

/**
 * Messages between nodes of the cluster. The route resolves a receiver through the
 * replicated directory (agent → node) and forwards the message over libp2p; the receiving
 * node delivers it to the agent's mailbox, and only locally (no second hop), answering
 * `AGENT_NOT_FOUND` when the agent is not (or no longer) there. A node that learns a new
 * location from the directory routes there without a restart.
 */
export async function peerRoute(opts: {
  cluster: Cluster;
  net: NetNode;
  router: MessageRouter;
  log: Logger;
}): Promise<PeerRoute> {
  const { cluster, net, router, log } = opts;
  await net.handle(ACL_PROTOCOL, AclForwardSchema, async (f, ctx) => {
    if (!cluster.isTrustedPeer(ctx.peer)) {
      cluster.refused++;
      log.warn("refused a message from a non-member peer", { peer: ctx.peer });
      throw new ApiError("FORBIDDEN", "not a cluster member", { peer: ctx.peer });
    }
    const message = parseAclJson(f.message);
    const to = message.receivers.find((r) => r.name === f.to) ??
      { ...message.receivers[0], name: f.to };
    return await router.receiveForwarded({
      message_id: f.message_id,
      message,
      accepted_at: f.accepted_at,
      origin: "peer",
      mode: f.mode,
      ...(f.await_handled ? { await_handled: true } : {}),
      ...(f.instance === undefined ? {} : { instance: f.instance }),
    }, to);
  });
  const breakers = new Map<string, CircuitBreaker>();
  const breaker = (node: string) => {
    let b = breakers.get(node);
    if (!b) breakers.set(node, b = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 2000 }));
    return b;
  };
  const forward = async (
    node: string,
    d: Delivery,
    r: AgentIdentifier,
    local: string,
    instance?: number,
  ): Promise<void> => {
    const addr = cluster.addressOf(node);
    if (!addr) {
      throw new ApiError("UNAVAILABLE", `Node '${node}' has no known address`, {
        node,
        agent: local,
      });
    }
    const b = breaker(node);
    if (!b.allow(Date.now())) {
      throw new ApiError("UNAVAILABLE", `Node '${node}' is unreachable (circuit open)`, {
        node,
        agent: local,
      }, { headers: { "Retry-After": "2" } });
    }
    try {
      await net.request(addr, ACL_PROTOCOL, {
        message_id: d.message_id,
        accepted_at: d.accepted_at,
        message: toAclJson(injectTrace({ ...d.message, receivers: [r] })),
        to: local,
        ...(d.mode ? { mode: d.mode } : {}),
        ...(d.await_handled ? { await_handled: true } : {}),
        ...(instance === undefined ? {} : { instance }),
      }, {
        timeoutMs: d.mode === "at-least-once" || d.await_handled ? 30_000 : 10_000,
      });
      b.success();
    } catch (e) {
      const transport = !(e instanceof ApiError) ||
        ["UNAVAILABLE", "TIMEOUT", "FORBIDDEN"].includes(e.code);
      if (transport) b.failure(Date.now());
      else b.success();
      log.debug("forward to peer failed", { agent: local, node, error: String(e) });
      throw e;
    }
  };
  return {
    kind: "peer",
    forward,
    resolve(to: AgentIdentifier) {
      const local = router.localName(to);
      if (local === undefined) return undefined;
      // Where it lives: the directory, else the node its name is qualified with
      // (`caller@node-b`: a temporary endpoint such as a send-and-wait caller).
      const node = getAgent(cluster.machine.state, local)?.node ?? qualifier(to.name);
      if (!node || node === cluster.id || !getMember(cluster.machine.state, node)) return undefined;
      const addr = cluster.addressOf(node);
      if (!addr) return undefined;
      return (d, r) => forward(node, d, r, local);
    },
  };
}

function qualifier(name: string): string | undefined {
  const at = name.indexOf("@");
  return at < 0 ? undefined : name.slice(at + 1);
}
