/**
 * Entry point: `deno task start [flags]` starts one fipa-edge node. See `--help`.
 * @module
 */
import { ConfigError, loadConfig } from "./runtime/config/mod.ts";
import { createLogger } from "./runtime/log/mod.ts";
import {
  deploySampleAgents,
  isFreshDataDir,
  startNode,
  wantsSampleAgents,
} from "./runtime/node/mod.ts";

async function main(): Promise<number> {
  let loaded;
  try {
    loaded = loadConfig(Deno.args, (k) => Deno.env.get(k));
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`fipa-edge: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (loaded.help) {
    console.log(loaded.text);
    return 0;
  }
  const { config } = loaded;
  const log = createLogger(config.logLevel);
  const fresh = await isFreshDataDir(config.dataDir);
  const node = await startNode(config, log);
  if (wantsSampleAgents(config, fresh)) await deploySampleAgents(node, log);
  console.log(`fipa-edge node '${config.name}' listening on ${node.url} (data: ${config.dataDir})`);

  const { promise: stop, resolve } = Promise.withResolvers<string>();
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => resolve(sig));
  const signal = await stop;
  log.info("shutting down", { signal });
  if (config.leaveOnShutdown === "on") {
    try {
      const r = await node.leave();
      log.info("left the cluster before stopping", { voters: r.voters, learners: r.learners });
    } catch (e) {
      log.warn("could not leave the cluster; stopping anyway", { error: String(e) });
    }
  }
  await node.stop();
  return 0;
}

Deno.exit(await main());
