import type { Config } from "../config/mod.ts";
import { createApp } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import { apDescription, defaultHttpMtpDeps, sendHttpMtp } from "../mtp/mod.ts";
import { AgentManager } from "../agents/mod.ts";
import { EventBus } from "../events/mod.ts";
import { ComponentStore, Sandbox } from "../sandbox/mod.ts";
import { createNodeMetrics, type NodeMetrics } from "../metrics/mod.ts";
import { MessageRouter, mtpRoute, newMessageId } from "../routing/mod.ts";

/** A running node. */
export interface RunningNode {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The HTTP port actually bound (useful with `--port 0`). */
  port: number;
  router: MessageRouter;
  agents: AgentManager;
  events: EventBus;
  metrics: NodeMetrics;
  kv: Deno.Kv;
  /** Stops serving and closes storage; resolves when everything is closed. */
  stop(): Promise<void>;
}

/** File name of the node's Deno KV database inside the data directory. */
export const KV_FILE = "node.kv";

/**
 * Starts one node: opens (creating if needed) its data directory and Deno KV file, builds
 * the HTTP API and serves it.
 *
 * @example
 * ```ts
 * const node = await startNode({ ...config, port: 0 }, log);
 * await fetch(`${node.url}/health`);
 * await node.stop();
 * ```
 */
export async function startNode(config: Config, log: Logger): Promise<RunningNode> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  const kvPath = `${config.dataDir}/${KV_FILE}`;
  const kv = await Deno.openKv(kvPath);
  const router = new MessageRouter(config.name);
  const events = new EventBus(config.name);
  const inflight = new Set<Promise<unknown>>();
  const mtpDeps = defaultHttpMtpDeps();
  router.addRemote(mtpRoute({
    router,
    log,
    inflight,
    send: (msg, to) =>
      sendHttpMtp(msg, to, mtpDeps, {
        platformAddresses: [`${config.publicUrl ?? baseUrl}/acc`],
      }),
  }));
  const metrics = createNodeMetrics(config.name);
  let baseUrl = "";
  const acceptForeign = async (message: AclMessage, receivers: AgentIdentifier[]) => {
    for (const to of receivers) {
      const delivery = {
        message_id: newMessageId(),
        message,
        accepted_at: new Date().toISOString(),
      };
      try {
        await router.route({ ...delivery, message: { ...message, receivers: [to] } });
      } catch (e) {
        // Accepted by the transport (SC00084) but undeliverable: reported, not refused.
        log.warn("undeliverable message from another platform", {
          receiver: to.name,
          sender: message.sender?.name,
          error: (e as Error).message,
        });
      }
    }
  };
  const store = ComponentStore.forDataDir(config.dataDir);
  const sandbox = new Sandbox({ store, nodeId: config.name });
  const agents = new AgentManager({
    kv,
    store,
    sandbox,
    router,
    events,
    log,
    metrics,
    nodeId: config.name,
  });
  metrics.collectors.push(() => {
    const s = agents.stats();
    metrics.agentsByState.reset();
    for (const [state, n] of Object.entries(s.byState)) metrics.agentsByState.set({ state }, n);
    metrics.mailboxDepth.reset();
    for (const [agent, n] of Object.entries(s.mailbox)) metrics.mailboxDepth.set({ agent }, n);
  });
  await agents.restore();
  const app = createApp({
    node: config.name,
    router,
    log,
    maxBodyBytes: config.maxBodyBytes,
    adminTokens: config.adminTokens,
    readTokens: config.readTokens,
    rateLimits: config.rateLimit === "on" ? config.rateLimits : undefined,
    events,
    metrics,
    agents,
    acc: {
      acceptForeign,
      platform: () =>
        apDescription({ name: config.name, mtpAddresses: [`${config.publicUrl ?? baseUrl}/acc`] }),
    },
    checks: {
      kv: async () => {
        await kv.get(["health"]);
        return true;
      },
    },
  });
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const tls = config.tlsCert && config.tlsKey
    ? { cert: await Deno.readTextFile(config.tlsCert), key: await Deno.readTextFile(config.tlsKey) }
    : undefined;
  if (config.adminTokens.length === 0 && config.readTokens.length === 0) {
    log.warn("no API tokens configured: the HTTP API is open to anyone who can reach it");
  }
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    ...tls,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
    onError: (e) => {
      log.error("http handler failed", { error: (e as Error).message });
      return new Response("internal error", { status: 500 });
    },
  }, app.fetch);
  const addr = await listening;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `${tls ? "https" : "http"}://${host}:${addr.port}`;
  baseUrl = url;
  log.info("listening", { url, node: config.name, data_dir: config.dataDir, kv: kvPath });
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    router,
    agents,
    events,
    metrics,
    kv,
    stop() {
      stopped ??= (async () => {
        await server.shutdown();
        await Promise.allSettled([...inflight]);
        await agents.close();
        await sandbox.close();
        store.close();
        kv.close();
        log.info("stopped", { node: config.name });
      })();
      return stopped;
    },
  };
}
