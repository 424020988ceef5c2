/**
 * A whole fipa-edge node started inside the bench process (or a bench server process) on
 * free ports and a fresh temporary data directory, plus helpers to deploy agents to it
 * and to exchange messages with them through its router.
 * @module
 */
import { type AclMessage, aid, parseAclJson } from "../../runtime/acl/mod.ts";
import { type AgentView, DeployConfigSchema } from "../../runtime/agents/mod.ts";
import { ConfigSchema } from "../../runtime/config/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { type RunningNode, startNode } from "../../runtime/node/mod.ts";
import { newMessageId } from "../../runtime/routing/mod.ts";
import type { ManifestInput } from "../../runtime/sandbox/mod.ts";

/** Limits for benchmark agents: the default send rate (1000/s) would cap every figure. */
export const BENCH_LIMITS = { send_rate: 1_000_000, send_burst: 1_000_000, mailbox: 100_000 };

/** A node in this process with its own data directory (removed by `stop`). */
export interface BenchNode {
  node: RunningNode;
  dataDir: string;
  /** Deploys component bytes under `name` (no HTTP), with {@link BENCH_LIMITS}. */
  deploy(bytes: Uint8Array, name: string, manifest?: ManifestInput): Promise<AgentView>;
  stop(): Promise<void>;
}

/** Starts a node on port 0 (HTTP and libp2p) with rate limits off. */
export async function startBenchNode(
  opts: { name?: string; dataDir?: string } = {},
): Promise<BenchNode> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "fipa-edge-bench-" });
  const config = ConfigSchema.parse({
    name: opts.name ?? "bench",
    port: 0,
    p2pPort: 0,
    dataDir,
    rateLimit: "off",
    maxAgentMailbox: 100_000,
    logLevel: "error",
  });
  const node = await startNode(config, silentLogger);
  return {
    node,
    dataDir,
    deploy: (bytes, name, manifest = {}) =>
      node.agents.deploy(
        bytes,
        DeployConfigSchema.parse({ name, manifest, limits: BENCH_LIMITS }),
      ),
    async stop() {
      await node.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * A local endpoint `name` on the node's router that sends requests and waits for their
 * replies (matched by `in_reply_to`), one at a time.
 */
export interface Prober {
  /**
   * Sends a message (a `request` by default) to `to` and resolves with the round trip in µs
   * once the reply (by `in_reply_to`) arrived. `protocol` opens a tracked conversation.
   */
  ask(
    to: string,
    opts?: {
      content?: string;
      performative?: AclMessage["performative"];
      /** Opens a tracked conversation of this protocol. */
      protocol?: string;
      /** Set a conversation id (default true); false sends an untracked message. */
      conversation?: boolean;
    },
  ): Promise<number>;
  close(): void;
}

/**
 * Registers a prober endpoint on a node's router. Its sender is `<name>@<home>`; give the
 * node name as `home` when replies may come from agents on other nodes of the cluster.
 */
export function prober(node: RunningNode, name = "probe", home = node.platform): Prober {
  const waiting = new Map<string, () => void>();
  const unregister = node.router.register(name, {
    deliver: (d) => {
      const key = d.message.in_reply_to ?? "";
      const done = waiting.get(key);
      waiting.delete(key);
      done?.();
    },
  });
  let n = 0;
  const sender = `${name}@${home}`;
  return {
    async ask(to, opts = {}): Promise<number> {
      const replyWith = `rw${++n}`;
      const message: AclMessage = parseAclJson({
        performative: opts.performative ?? "request",
        sender,
        receiver: to,
        content: opts.content ?? "ping",
        reply_with: replyWith,
        ...(opts.conversation ?? true ? { conversation_id: `${name}-c${n}` } : {}),
        ...(opts.protocol ? { protocol: opts.protocol } : {}),
      });
      const { promise, resolve } = Promise.withResolvers<void>();
      waiting.set(replyWith, resolve);
      const t0 = performance.now();
      await node.router.route({
        message_id: newMessageId(),
        message,
        accepted_at: new Date().toISOString(),
        origin: "http",
      });
      await promise;
      return (performance.now() - t0) * 1000;
    },
    close: () => unregister(),
  };
}

/** `aid()` re-exported for bench scripts that build messages. */
export { aid };
