/**
 * Building agents: the TypeScript samples with ComponentizeJS (cached by input hash), and
 * the hand-written WAT agents (tiny ones and hostile test agents) with jco's wasm-tools.
 * @module
 */
export {
  buildAgentFile,
  buildSample,
  type BuiltAgent,
  CACHE_DIR,
  DIST_DIR,
  ensureToolchain,
  sampleBytes,
  sampleNames,
} from "./componentize.ts";
export {
  agentWit,
  buildCoreModule,
  buildWatComponent,
  probeWit,
  readWat,
  WASI_SUBSET_WIT,
  WIT_FILE,
  WIT_FILE_0_2,
} from "./wat.ts";

import { agentWit, buildWatComponent, probeWit, readWat } from "./wat.ts";

/** The WAT agents: dist name → source file (relative to `agents/`). */
export const WAT_AGENTS: Record<string, string> = {
  "tiny": "tiny/echo.wat",
  "tiny-counter": "tiny/counter.wat",
  "tiny-replica": "tiny/replica.wat",
  "tiny-burn": "tiny/burn.wat",
  "tiny-kv": "tiny/kv.wat",
  "tiny-fill": "tiny/fill.wat",
  "tiny-bidder": "tiny/bidder.wat",
  "tiny-keys": "tiny/keys.wat",
  "tiny-timer": "tiny/timer.wat",
  "tiny-timer-later": "tiny/timer-later.wat",
  "tiny-fetch": "tiny/fetch.wat",
  "hostile-loop": "hostile/loop.wat",
  "hostile-bomb": "hostile/bomb.wat",
  "hostile-flood": "hostile/flood.wat",
  "hostile-forbidden": "hostile/forbidden.wat",
  "hostile-probe": "hostile/probe.wat",
};

/** WAT agents built against world 0.2.0 (the others are 0.1.0). */
const WAT_0_2 = new Set(["tiny-timer", "tiny-timer-later", "tiny-fetch"]);

/** Builds one of {@link WAT_AGENTS} into component bytes. */
export async function watAgentBytes(name: string): Promise<Uint8Array> {
  const file = WAT_AGENTS[name];
  if (!file) throw new Error(`unknown WAT agent ${JSON.stringify(name)}`);
  const wat = await readWat(new URL(`../${file}`, import.meta.url));
  return name === "hostile-probe"
    ? await buildWatComponent(wat, { wit: await probeWit(), world: "probe" })
    : WAT_0_2.has(name)
    ? await buildWatComponent(wat, { wit: await agentWit("0.2.0") })
    : await buildWatComponent(wat);
}
