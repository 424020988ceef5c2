// Runs under Node inside the agent toolchain directory (.cache/agent-toolchain-*), where
// npm installed ComponentizeJS and esbuild. Usage:
//   node componentize-node.mjs <entry.js> <bundle.js> <wit file> <world> <out.wasm>
// Bundles the entry (TypeScript sources of the sample and the SDK) into one ES module with
// the world's interfaces left as imports, then makes a component of it.
import { writeFile } from "node:fs/promises";

// Resolved by Node from the toolchain's node_modules (through a variable, so that Deno's
// type checker, which walks agents/, does not try to resolve them itself).
const load = (name) => import(name);
const { componentize } = await load("@bytecodealliance/componentize-js");
const { build } = await load("esbuild");

const [entry, bundle, wit, world, out] = process.argv.slice(2);
await build({
  entryPoints: [entry],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["fipa:*", "wasi:*"],
  outfile: bundle,
  logLevel: "warning",
});
const { component } = await componentize({
  sourcePath: bundle,
  witPath: wit,
  worldName: world,
  // No stdio (agents log through the logging interface) and no HTTP: fewer WASI imports,
  // and no stream resources whose handles a memory snapshot could not carry.
  disableFeatures: ["stdio", "http", "fetch-event"],
});
await writeFile(out, component);
