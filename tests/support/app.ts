import { type AppDeps, createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";

/**
 * The node's HTTP app without a node around it, for tests of its routes: node `n1` (or
 * `deps.node`), an empty router of that node, a silent log and a 1 MiB body limit, overridden
 * by `deps`.
 */
export function testApp(deps: Partial<AppDeps> = {}): ReturnType<typeof createApp> {
  const node = deps.node ?? "n1";
  return createApp({
    node,
    router: new MessageRouter(node),
    log: silentLogger,
    maxBodyBytes: 1 << 20,
    ...deps,
  });
}
