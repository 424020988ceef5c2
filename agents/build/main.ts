/**
 * `deno task build-agents`: builds every sample and WAT agent into `agents/dist/<name>.wasm`.
 * ComponentizeJS builds are cached in `.cache/agents/` by a hash of their inputs.
 * @module
 */
import { buildSample, DIST_DIR, sampleNames, WAT_AGENTS, watAgentBytes } from "./mod.ts";

await Deno.mkdir(DIST_DIR, { recursive: true });
for (const name of await sampleNames()) {
  const r = await buildSample(name);
  await Deno.copyFile(r.path, new URL(`${name}.wasm`, DIST_DIR));
  console.log(`${name}: ${r.built ? "built" : "cached"} in ${Math.round(r.ms)} ms`);
}
for (const name of Object.keys(WAT_AGENTS)) {
  const bytes = await watAgentBytes(name);
  await Deno.writeFile(new URL(`${name}.wasm`, DIST_DIR), bytes);
  console.log(`${name}: ${bytes.length} bytes`);
}
