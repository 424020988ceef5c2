/**
 * The built-in sample agent: `echo` (the hand-written WAT echo of `agents/tiny/echo.wat`,
 * committed built as `agents/tiny/echo.wasm`, so a node needs no agent toolchain for it).
 * `deno task start` deploys it when it founds a cluster on an empty data directory, so the
 * README's first message has a receiver; `--sample-agents off` turns that off.
 * @module
 */
import { DeployConfigSchema } from "../agents/mod.ts";
import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import { KV_FILE, type RunningNode } from "./node.ts";

/** The committed component of the sample `echo` (built from `agents/tiny/echo.wat`). */
export const SAMPLE_ECHO_WASM: URL = new URL("../../agents/tiny/echo.wasm", import.meta.url);

/** The name the sample echo is deployed under. */
export const SAMPLE_ECHO_NAME = "echo";

/**
 * The sample echo's config: it opts in to A2A with one skill, so a fresh node's A2A gateway
 * has an agent to show (`/.well-known/agent-card.json`, `/a2a/echo`).
 */
export const SAMPLE_ECHO_CONFIG = {
  name: SAMPLE_ECHO_NAME,
  manifest: {
    a2a: {
      skills: [{
        id: "echo",
        name: "Echo",
        description: "Answers a request with an inform of the same content",
        examples: ["hello"],
      }],
    },
  },
};

/** Whether `dataDir` holds no node yet (no KV file): the node about to start is new. */
export async function isFreshDataDir(dataDir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dataDir}/${KV_FILE}`);
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return true;
    throw e;
  }
}

/**
 * Whether a node should deploy the sample agents: they are on, its data directory was empty
 * and it founds a cluster (a node that joins finds the cluster's agents, and a second `echo`
 * would clash with the first). Pure.
 *
 * @example
 * ```ts
 * wantsSampleAgents({ sampleAgents: "on", join: [] }, true); // true
 * wantsSampleAgents({ sampleAgents: "on", join: ["/ip4/10.0.0.1/tcp/9001/p2p/..."] }, true); // false
 * ```
 */
export function wantsSampleAgents(
  config: Pick<Config, "sampleAgents" | "join">,
  freshDataDir: boolean,
): boolean {
  return config.sampleAgents === "on" && freshDataDir && config.join.length === 0;
}

/**
 * Deploys the sample `echo` on `node`. A failure is logged, never fatal: the node runs
 * without it.
 */
export async function deploySampleAgents(node: RunningNode, log: Logger): Promise<void> {
  try {
    const bytes = await Deno.readFile(SAMPLE_ECHO_WASM);
    await node.agents.deploy(bytes, DeployConfigSchema.parse(SAMPLE_ECHO_CONFIG));
    log.info("sample agent deployed (--sample-agents off to start without it)", {
      agent: SAMPLE_ECHO_NAME,
    });
  } catch (e) {
    log.warn("could not deploy the sample agent", {
      agent: SAMPLE_ECHO_NAME,
      error: (e as Error).message,
    });
  }
}
