/** The agent components the benchmarks deploy, built when `agents/dist/` lacks them. */
import { buildSample, DIST_DIR, WAT_AGENTS, watAgentBytes } from "../../agents/build/mod.ts";

/**
 * Makes sure `agents/dist/<name>.wasm` exists for each name (a WAT agent or a
 * ComponentizeJS sample), building the missing ones as `deno task build-agents` would.
 */
export async function ensureAgentBuilds(names: string[]): Promise<void> {
  await Deno.mkdir(DIST_DIR, { recursive: true });
  for (const name of names) {
    const out = new URL(`${name}.wasm`, DIST_DIR);
    try {
      await Deno.stat(out);
      continue;
    } catch { /* missing: build it */ }
    console.error(`bench: building agents/dist/${name}.wasm...`);
    if (WAT_AGENTS[name]) await Deno.writeFile(out, await watAgentBytes(name));
    else await Deno.copyFile((await buildSample(name)).path, out);
  }
}
