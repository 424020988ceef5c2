import { aid, parseAclJson } from "../acl/mod.ts";
import { DeploymentService } from "../deployments/mod.ts";
import { AgentManager, AgentStore } from "../agents/mod.ts";
import {
  Cluster,
  clusterAgentDirectory,
  type LeaveReport,
  mountHistoryPeers,
  mountPlatformAgents,
  peerRoute,
} from "../cluster/mod.ts";
import { agentBounds, type Config, workerSharing } from "../config/mod.ts";
import { KvDeduper, Outbox } from "../delivery/mod.ts";
import { EventBus } from "../events/mod.ts";
import { createApp, hostedCheck } from "../http/mod.ts";
import type { Logger } from "../log/mod.ts";
import { createNodeMetrics, type NodeMetrics } from "../metrics/mod.ts";
import {
  apDescription,
  defaultHttpMtpDeps,
  RepresentationChoice,
  sendHttpMtp,
} from "../mtp/mod.ts";
import { type NetNode, startNetNode } from "../net/mod.ts";
import { foreignAcceptor, MessageRouter, mtpRoute, ReplyWaiters } from "../routing/mod.ts";
import { a2aRoute, mountBridges } from "../bridges/mod.ts";
import { ComponentCollector, ComponentStore, GRANT_CHECK_FAULT, Sandbox } from "../sandbox/mod.ts";
import {
  ConversationKv,
  ConversationService,
  exportAgentConversations,
  importAgentConversations,
} from "../conversations/mod.ts";
import { TaskKv, TaskService } from "../tasks/mod.ts";
import { collectNodeMetrics } from "./collect-metrics.ts";
import { startMetricsSampler } from "./metrics-sampler.ts";
import { componentsInUse } from "./components-in-use.ts";
import { jwtVerifier } from "./jwt-verifier.ts";
import { trustedPublishers } from "./publishers.ts";
import { startAuditLog } from "./audit.ts";
import { startAuditRecovery } from "./audit-recovery.ts";
import { getMember, listMembers } from "../directory/mod.ts";
import { ReplicaHost } from "../replicas/mod.ts";
import {
  FAULT_ENV,
  faultHook,
  KvHeldLog,
  MigrationService,
  parseFault,
  SnapshotKeeper,
} from "../migration/mod.ts";

/** A running node. */
export interface RunningNode {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The HTTP port actually bound (useful with `--port 0`). */
  port: number;
  /** The FIPA platform name (`@platform` of agent names). */
  platform: string;
  router: MessageRouter;
  agents: AgentManager;
  cluster: Cluster;
  net: NetNode;
  events: EventBus;
  metrics: NodeMetrics;
  kv: Deno.Kv;
  /** Conversation policing, conversation views and message history. */
  conversations: ConversationService;
  /** The Task API (contract net). */
  tasks: TaskService;
  /** Migration, hibernation, drain. */
  migration: MigrationService;
  /** Leaves the cluster on purpose: leadership handed over, agents drained, then removed. */
  leave(): Promise<LeaveReport>;
  /** Stops serving, agents, the cluster and storage; resolves when all is closed. */
  stop(): Promise<void>;
}

/** File name of the node's Deno KV database inside the data directory. */
export const KV_FILE = "node.kv";

/**
 * Starts one node: its data directory and Deno KV file, its libp2p identity and node, its
 * cluster membership (founding a one-member cluster unless `join` is given), the agent
 * sandbox and lifecycle, and the HTTP API.
 *
 * @example
 * ```ts
 * const node = await startNode({ ...config, port: 0, p2pPort: 0 }, log);
 * await fetch(`${node.url}/health`);
 * await node.stop();
 * ```
 */
export async function startNode(config: Config, log: Logger): Promise<RunningNode> {
  await Deno.mkdir(config.dataDir, { recursive: true });
  const kvPath = `${config.dataDir}/${KV_FILE}`;
  const kv = await Deno.openKv(kvPath);
  // Reads that must not queue behind the node's writes (waking agents).
  const kvReader = await Deno.openKv(kvPath);
  const platform = config.platform ?? config.name;
  const router = new MessageRouter(platform);
  router.addAlias(config.name);
  const events = new EventBus(config.name);
  const auditing = startAuditLog(kv, {
    retentionDays: config.auditRetentionDays,
    events,
    log,
  });
  const metrics = createNodeMetrics(config.name);
  const sampler = await startMetricsSampler(config.name, metrics);
  let baseUrl = "";
  const accUrl = () => `${config.publicUrl ?? baseUrl}/acc`;

  const net = await startNetNode({
    dataDir: config.dataDir,
    listen: config.p2pPort,
    host: config.p2pHost ?? config.host,
    bootstrap: config.join,
    mdns: config.mdns === "on",
    logger: log.child({ component: "net" }),
  });
  const cluster = await Cluster.start({
    id: config.name,
    kv,
    net,
    log: log.child({ component: "cluster" }),
    join: config.join,
    clusterToken: config.clusterToken,
    tickMs: config.raftTickMs,
    electionTicks: config.raftElectionTicks,
    voters: config.voters,
    deadVoterMs: config.deadVoterMs,
  });
  // Directory writes answered before their audit records were stored (a crash between the
  // two) get their records from their intents once this node caught up; a deploy's intent
  // from whether its agent's record is stored.
  const auditRecovery = await startAuditRecovery({
    audit: auditing.audit,
    onApplied: (fn) => cluster.machine.onApplied(fn),
    remembered: (id) => cluster.machine.state.requests.get(id),
    caughtUp: () => cluster.linearizableRead(),
    deployed: (name, agentId) => new AgentStore(kv).holds(name, agentId),
  });
  auditRecovery.done.then(
    (n) => n > 0 && log.info("audit: records recovered from intents", { records: n }),
    (e) => log.error("audit: recovering intents failed", { error: (e as Error).message }),
  );
  cluster.machine.onEvents((evs) => {
    for (const e of evs) if (e.type === "member.added") router.addAlias(e.member.id);
    for (const e of evs) {
      events.publish({
        type: `cluster.${e.type}`,
        details: e as unknown as Record<string, unknown>,
      });
    }
  });

  // Remote routes, in order: another node of the cluster, then another FIPA platform.
  const peers = await peerRoute({ cluster, net, router, log });
  router.addRemote(peers);
  const inflight = new Set<Promise<unknown>>();
  const mtpDeps = defaultHttpMtpDeps();
  const representations = new RepresentationChoice();
  router.addRemote(mtpRoute({
    router,
    log,
    inflight,
    send: (msg, to, messageId) =>
      sendHttpMtp(msg, to, mtpDeps, {
        platformAddresses: [accUrl()],
        representation: representations.for(to),
        messageId,
      }),
  }));
  router.addRemote(a2aRoute({ router, log: log.child({ component: "a2a" }), inflight }));

  const control: { agents?: AgentManager } = {};
  const platformAgents = mountPlatformAgents({
    cluster,
    router,
    log,
    addresses: () => [accUrl()],
    federationTimeoutMs: config.dfFederationTimeoutMs,
    control: () => control.agents,
  });

  const store = ComponentStore.forDataDir(config.dataDir);
  // Two spare Workers: an agent that leaves and another that arrives (migration, wake) then
  // never wait for a Worker to start (one spare would be stopped and started every time).
  const sandbox: Sandbox = new Sandbox({
    store,
    nodeId: config.name,
    spareWorkers: 2,
    bounds: agentBounds(config),
    ...workerSharing(config),
    agentFilesDir: `${config.dataDir.replace(/\/+$/, "")}/agent-files`,
    skipGrantCheck: Deno.env.get(FAULT_ENV) === GRANT_CHECK_FAULT,
    // Agents' timers live in the agent manager (below; called only once agents run).
    timers: {
      set: (agent, t) => agents.timers.set(agent, t),
      cancel: (agent, id) => agents.timers.cancel(agent, id),
    },
  });
  const keeper = new SnapshotKeeper({
    kv,
    signer: { id: config.name, sign: (b) => net.identity.sign(b) },
    keyOf: (n) =>
      n === config.name
        ? net.identity.publicKeyBase64
        : getMember(cluster.machine.state, n)?.public_key,
  });
  const mobility: { service?: MigrationService } = {};
  const held = new KvHeldLog(kv);
  const agents: AgentManager = new AgentManager({
    kv,
    kvReader,
    store,
    sandbox,
    router,
    events,
    log,
    metrics,
    nodeId: config.name,
    directory: {
      ...clusterAgentDirectory(cluster, () => platform),
      listNodes: () => mobility.service?.listNodes() ?? [],
    },
    snapshots: keeper,
    held,
  });
  control.agents = agents;
  metrics.collectors.push(() => collectNodeMetrics(metrics, agents, cluster));
  const conversations = new ConversationService({
    router,
    isAgent: (name) => agents.has(name),
    events,
    log: log.child({ component: "conversations" }),
    history: { maxEntries: config.historyMaxMessages, maxBytes: config.historyMaxBytes },
    historyMaxAgeMs: config.historyRetentionHours > 0
      ? config.historyRetentionHours * 3_600_000
      : undefined,
    store: new ConversationKv(kv, log.child({ component: "conversations" })),
  });
  await conversations.load();
  const detachConversations = conversations.attach();
  const historyPeers = await mountHistoryPeers({
    cluster,
    net,
    conversations,
    log: log.child({ component: "history" }),
  });
  const tasks = new TaskService({
    router,
    home: config.name,
    conversations,
    directory: clusterAgentDirectory(cluster, () => platform),
    events,
    log: log.child({ component: "tasks" }),
    maxTasks: config.maxTasks,
    store: new TaskKv(kv, log.child({ component: "tasks" })),
  });
  router.setDeduper(new KvDeduper(kv));
  const outbox = new Outbox({
    kv,
    router,
    log: log.child({ component: "outbox" }),
    events,
    metrics,
    policy: { maxAttempts: config.deliveryMaxAttempts, initialDelayMs: config.deliveryRetryMs },
  });
  const migration = new MigrationService({
    cluster,
    net,
    agents,
    store,
    keeper,
    held,
    kv,
    log: log.child({ component: "migration" }),
    metrics,
    events,
    faults: faultHook(
      parseFault(
        Deno.env.get(FAULT_ENV) === GRANT_CHECK_FAULT ? undefined : Deno.env.get(FAULT_ENV),
      ),
      (code) => Deno.exit(code),
      (phase) => log.warn("fault injected: exiting", { phase }),
    ),
    conversations: {
      export: (a) => exportAgentConversations(conversations, a),
      import: (a, state) => importAgentConversations(conversations, a, state),
      drop: (a) => conversations.dropTracker(a),
    },
    timers: {
      take: (a) => agents.timers.take(a),
      load: (a, t) => agents.timers.load(a, t, { persist: true }),
      drop: (a) => agents.timers.drop(a),
    },
  });
  mobility.service = migration;
  const collector = new ComponentCollector({
    store,
    graceMs: config.componentGraceSeconds * 1000,
    inUse: () => componentsInUse({ kv, keeper, directory: () => cluster.machine.state }),
    log: log.child({ component: "components" }),
  });
  const replicas = new ReplicaHost({
    self: config.name,
    platform,
    state: () => cluster.machine.state,
    onDirectoryEvents: (fn) => cluster.machine.onEvents(fn),
    propose: (cmd) => cluster.propose(cmd),
    isLeader: () => cluster.status().role === "leader",
    linearizableRead: () => cluster.linearizableRead(),
    members: () => listMembers(cluster.machine.state).map((m) => m.id),
    health: () => cluster.health(),
    deadAfterMs: config.deadVoterMs,
    loads: () => migration.listNodes(),
    router,
    forward: peers.forward,
    net,
    addressOf: (id) => cluster.addressOf(id),
    isTrustedPeer: (p) => cluster.isTrustedPeer(p),
    store,
    sandbox,
    agents,
    events,
    log: log.child({ component: "replicas" }),
  });
  // A stateless or replicated agent comes back unstarted: the replica host starts it at the
  // directory's version once this node has caught up (it may have missed a rolling
  // deployment). Which agents are replicated is read from the directory as this node knew it
  // at start, which may lag (see `restoresUnstarted`); the local record says stateless.
  await cluster.appliedAsAtStart();
  await agents.restore({
    inDoubt: await migration.inDoubt(),
    defer: (r) => replicas.deferOwn(r),
  });
  await replicas.start();
  const deployments = new DeploymentService({
    nodeId: config.name,
    propose: (cmd) => cluster.propose(cmd),
    state: () => cluster.machine.state,
    agents,
    components: store,
    replicas,
    events,
  });
  deployments.watch();
  // What this node had under way when it stopped ends now, saying why (see `recover`).
  void deployments.recover().catch((e) =>
    log.warn("could not end the deployments under way before the restart", { error: String(e) })
  );
  conversations.restoreTrackers();
  await tasks.load();
  await migration.start();
  const foreign = foreignAcceptor({
    router,
    log,
    addresses: () => [accUrl()],
    representations,
    ...(config.mtpDelivery === "at-least-once" ? { enqueue: (d) => outbox.enqueue(d) } : {}),
  });
  // A message from another platform that ran out of retries: its sender hears of it.
  outbox.onDeadLetter = (dead) =>
    dead.origin === "mtp"
      ? foreign.deadLettered(parseAclJson(dead.message), dead.pending, dead.last_error ?? "")
      : undefined;
  await outbox.start();
  collector.start();

  const waiters = new ReplyWaiters(router, config.name);
  // A reply that never came counts against the version of the agent that had the request.
  waiters.onTimeout = (request) => agents.noteTimeout(request);
  const publishers = await trustedPublishers(config);
  const secured = config.adminTokens.length > 0 || config.readTokens.length > 0 ||
    config.apiTokens.length > 0 || config.jwtJwksUrl !== undefined ||
    config.jwtJwksFile !== undefined;
  const app = createApp({
    node: config.name,
    router,
    waiters,
    log,
    maxBodyBytes: config.maxBodyBytes,
    adminTokens: config.adminTokens,
    readTokens: config.readTokens,
    tokens: config.apiTokens,
    jwt: jwtVerifier(config),
    publishers,
    audit: auditing.audit,
    rateLimits: config.rateLimit === "on" ? config.rateLimits : undefined,
    events,
    metrics,
    metricsSeries: sampler.series,
    agents,
    deployments,
    replicas,
    cluster,
    outbox,
    conversations,
    tasks,
    migration,
    federation: platformAgents.federation,
    historyPeers,
    acc: {
      acceptForeign: foreign.accept,
      rejectForeign: foreign.reject,
      platform: () => apDescription({ name: platform, mtpAddresses: [accUrl()] }),
    },
    checks: {
      kv: async () => {
        await kv.get(["health"]);
        return true;
      },
      cluster: () => cluster.status().leader !== null,
    },
  });
  const bridges = mountBridges(app, {
    node: config.name,
    router,
    waiters,
    outbox,
    agents,
    cluster,
    conversations,
    tasks,
    events,
    platform: () => apDescription({ name: platform, mtpAddresses: [accUrl()] }),
    secured,
    isHosted: hostedCheck(router, agents),
    publishers,
    audit: auditing.audit,
    log,
    publicUrl: config.publicUrl,
  });
  const tls = config.tlsCert && config.tlsKey
    ? { cert: await Deno.readTextFile(config.tlsCert), key: await Deno.readTextFile(config.tlsKey) }
    : undefined;
  if (!secured) {
    log.warn("no API tokens configured: the HTTP API is open to anyone who can reach it");
  }
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
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
  // Registers with the configured DFs of other platforms once our MTP address is known.
  for (const s of config.dfFederateWith) {
    const eq = s.indexOf("=");
    void platformAgents.federation.join(aid(s.slice(0, eq), [s.slice(eq + 1)]));
  }
  log.info("listening", {
    url,
    node: config.name,
    platform,
    p2p: net.addresses(),
    data_dir: config.dataDir,
  });
  let stopped: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    platform,
    router,
    agents,
    cluster,
    net,
    events,
    metrics,
    kv,
    conversations,
    tasks,
    migration,
    leave: () => cluster.leave(() => migration.drain().catch((e) => ({ error: String(e) }))),
    stop() {
      stopped ??= (async () => {
        sampler.stop();
        await bridges.close();
        await server.shutdown();
        await collector.stop();
        tasks.close();
        conversations.close();
        detachConversations();
        await outbox.stop();
        await Promise.allSettled([...inflight]);
        await migration.stop();
        deployments.stop();
        await replicas.stop();
        await agents.close();
        auditRecovery.stop();
        await auditRecovery.done.catch(() => {});
        await auditing.stop();
        platformAgents.stop();
        await sandbox.close();
        store.close();
        await cluster.stop();
        await net.stop();
        await conversations.flush();
        await tasks.flush();
        kvReader.close();
        kv.close();
        log.info("stopped", { node: config.name });
      })();
      return stopped;
    },
  };
}
