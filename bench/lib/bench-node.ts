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
  /** Sends a request to `to` and resolves with the round trip in µs once the reply arrived. */
  ask(to: string, content?: string): Promise<number>;
  close(): void;
}

/** Registers a prober endpoint on a node's router. */
export function prober(node: RunningNode, name = "probe"): Prober {
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
  const sender = `${name}@${node.platform}`;
  return {
    async ask(to: string, content = "ping"): Promise<number> {
      const replyWith = `rw${++n}`;
      const message: AclMessage = parseAclJson({
        performative: "request",
        sender,
        receiver: to,
        content,
        reply_with: replyWith,
        conversation_id: `c${n}`,
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
