/**
 * Builds the TypeScript sample agents into components with ComponentizeJS, cached by a
 * hash of every input (sources, SDK, WIT, toolchain), so an unchanged agent is never
 * rebuilt. The toolchain is installed from npm with npm into `.cache/` on first use.
 * @module
 */
import { WIT_FILE, WIT_FILE_0_2 } from "./wat.ts";

const ROOT = new URL("../../", import.meta.url);
/** Where build outputs and the toolchain are cached (gitignored). */
export const CACHE_DIR = new URL(".cache/", ROOT);
/** Where `deno task build-agents` puts the components. */
export const DIST_DIR = new URL("agents/dist/", ROOT);

/**
 * The npm toolchain. ComponentizeJS 0.23 asks for jco `^1.15.1`; npm would pick the newest
 * jco, so it is pinned to 1.15.1 (the version the node transpiles with), and
 * `@bytecodealliance/preview2-shim@0.17` is installed beside it because ComponentizeJS
 * imports it without declaring it.
 */
const TOOLCHAIN_PACKAGE = {
  private: true,
  type: "module",
  dependencies: {
    "@bytecodealliance/componentize-js": "0.23.0",
    "@bytecodealliance/jco": "1.15.1",
    "@bytecodealliance/preview2-shim": "0.17.9",
    "esbuild": "0.28.2",
  },
  overrides: { "@bytecodealliance/jco": "1.15.1" },
};

const SCRIPT = new URL("./componentize-node.mjs", import.meta.url);
const SDK_DIR = new URL("../sdk/", import.meta.url);
const SAMPLES_DIR = new URL("../samples/", import.meta.url);

async function sha256Hex(parts: (string | Uint8Array)[]): Promise<string> {
  const enc = new TextEncoder();
  const chunks = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length + 1, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length + 1; // a zero byte between parts keeps boundaries unambiguous
  }
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function filesUnder(dir: URL): Promise<URL[]> {
  const out: URL[] = [];
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) out.push(...await filesUnder(u));
    else out.push(u);
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

async function run(cmd: string, args: string[], cwd: URL): Promise<void> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    const err = new TextDecoder().decode(r.stderr) || new TextDecoder().decode(r.stdout);
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${err.slice(-4000)}`);
  }
}

/** Installs the toolchain (once per toolchain version); returns its directory. */
export async function ensureToolchain(): Promise<URL> {
  const script = await Deno.readFile(SCRIPT);
  const key = (await sha256Hex([JSON.stringify(TOOLCHAIN_PACKAGE), script])).slice(0, 16);
  const dir = new URL(`agent-toolchain-${key}/`, CACHE_DIR);
  try {
    await Deno.stat(new URL("node_modules/.fipa-ok", dir));
    return dir;
  } catch { /* not installed yet */ }
  const tmp = new URL(`agent-toolchain-${key}.tmp-${crypto.randomUUID()}/`, CACHE_DIR);
  await Deno.mkdir(tmp, { recursive: true });
  try {
    await Deno.writeTextFile(new URL("package.json", tmp), JSON.stringify(TOOLCHAIN_PACKAGE));
    await Deno.writeFile(new URL("componentize-node.mjs", tmp), script);
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], tmp);
    await Deno.writeTextFile(new URL("node_modules/.fipa-ok", tmp), key);
    try {
      await Deno.rename(tmp, dir);
    } catch {
      // Another build installed it meanwhile.
      await Deno.remove(tmp, { recursive: true });
    }
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
  return dir;
}

/** The TypeScript samples that can be built. */
export async function sampleNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(SAMPLES_DIR)) if (e.isDirectory) names.push(e.name);
  return names.sort();
}

/** Result of building one sample. */
export interface BuiltAgent {
  name: string;
  /** The component in the cache (`.cache/agents/<name>-<hash>.wasm`). */
  path: URL;
  /** Whether ComponentizeJS ran (false: the cache had it). */
  built: boolean;
  ms: number;
}

/**
 * Builds `agents/samples/<name>/agent.ts` into a component, or takes it from the cache when
 * no input changed. Safe to call from parallel tests.
 */
export async function buildSample(name: string): Promise<BuiltAgent> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`bad sample name ${JSON.stringify(name)}`);
  const sampleDir = new URL(`${name}/`, SAMPLES_DIR);
  return await buildCached(name, new URL("agent.ts", sampleDir), await filesUnder(sampleDir));
}

/**
 * Builds any agent file (a module whose default export is a `defineAgent` agent, anywhere
 * on this machine) into a component, with the same toolchain and cache as the samples: the
 * cache key covers every local module the file imports (as `deno info` lists them).
 *
 * @throws {Error} naming the file when it cannot be read or its imports cannot be resolved.
 */
export async function buildAgentFile(file: URL): Promise<BuiltAgent> {
  const base = decodeURIComponent(file.pathname.split("/").pop() ?? "agent")
    .replace(/\.[cm]?[jt]s$/, "").toLowerCase().replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "") || "agent";
  return await buildCached(base, file, await localModules(file), new URL("./", file));
}

/** The local files of `file`'s module graph, from `deno info --json`. */
async function localModules(file: URL): Promise<URL[]> {
  await Deno.stat(file).catch((e) => {
    throw new Error(`cannot read agent file ${file.pathname}: ${(e as Error).message}`);
  });
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) {
    throw new Error(
      `cannot resolve the imports of ${file.pathname}: ` +
        new TextDecoder().decode(r.stderr).slice(-2000),
    );
  }
  const info = JSON.parse(new TextDecoder().decode(r.stdout)) as {
    modules?: { specifier?: string; error?: string }[];
  };
  const bad = info.modules?.find((m) => m.error);
  if (bad) throw new Error(`cannot build ${file.pathname}: ${bad.specifier}: ${bad.error}`);
  return (info.modules ?? [])
    .map((m) => m.specifier ?? "")
    .filter((s) => s.startsWith("file:"))
    .map((s) => new URL(s))
    .sort((a, b) => a.href.localeCompare(b.href));
}

/**
 * A file's name in the cache key: relative to the repository when inside it, else to `base`
 * (the agent's directory, so that a copied project hits the cache), else its URL.
 */
function keyName(f: URL, base?: URL): string {
  if (f.href.startsWith(ROOT.href)) return f.href.slice(ROOT.href.length);
  if (base && f.href.startsWith(base.href)) return `./${f.href.slice(base.href.length)}`;
  return f.href;
}

async function buildCached(
  name: string,
  agent: URL,
  sources: URL[],
  base?: URL,
): Promise<BuiltAgent> {
  const t0 = performance.now();
  const v02 = declaresWorld02(await Deno.readTextFile(agent));
  const wit = v02 ? WIT_FILE_0_2 : WIT_FILE;
  const inputs = [...sources, ...await filesUnder(SDK_DIR), wit, SCRIPT];
  const parts: (string | Uint8Array)[] = [JSON.stringify(TOOLCHAIN_PACKAGE)];
  for (const f of inputs) parts.push(keyName(f, base), await Deno.readFile(f));
  const hash = (await sha256Hex(parts)).slice(0, 24);
  const outDir = new URL("agents/", CACHE_DIR);
  const path = new URL(`${name}-${hash}.wasm`, outDir);
  try {
    await Deno.stat(path);
    return { name, path, built: false, ms: performance.now() - t0 };
  } catch { /* build it */ }
  const toolchain = await ensureToolchain();
  const work = new URL(`build-${name}-${crypto.randomUUID()}/`, toolchain);
  await Deno.mkdir(work, { recursive: true });
  await Deno.mkdir(outDir, { recursive: true });
  try {
    const entry = new URL("entry.js", work);
    await Deno.writeTextFile(entry, entrySource(agent, v02));
    const tmpOut = new URL(`${name}-${hash}.wasm.tmp-${crypto.randomUUID()}`, outDir);
    await run("node", [
      new URL("componentize-node.mjs", toolchain).pathname,
      entry.pathname,
      new URL("bundle.js", work).pathname,
      wit.pathname,
      "agent",
      tmpOut.pathname,
    ], toolchain);
    await Deno.rename(tmpOut, path);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  return { name, path, built: true, ms: performance.now() - t0 };
}

/**
 * Whether an agent source asks for world 0.2.0 (outgoing HTTP, files, timers): a line
 * `export const world = "fipa:agent@0.2.0";`. Without it an agent is built against 0.1.0.
 */
export function declaresWorld02(source: string): boolean {
  return /^export const world = "fipa:agent@0\.2\.0";?\s*$/m.test(source);
}

function entrySource(agent: URL, v02: boolean): string {
  const sdk = new URL("agent.ts", SDK_DIR).pathname;
  if (v02) {
    return [
      `import * as messaging from "fipa:agent/messaging@0.2.0";`,
      `import * as migration from "fipa:agent/migration@0.2.0";`,
      `import * as storage from "fipa:agent/storage@0.2.0";`,
      `import * as logging from "fipa:agent/logging@0.2.0";`,
      `import * as http from "fipa:agent/http@0.2.0";`,
      `import * as files from "fipa:agent/files@0.2.0";`,
      `import * as timers from "fipa:agent/timers@0.2.0";`,
      `import * as environment from "wasi:cli/environment@0.2.10";`,
      `import agent from ${JSON.stringify(agent.pathname)};`,
      `import { bindAgent } from ${JSON.stringify(sdk)};`,
      `const world = bindAgent(agent, { messaging, migration, storage, logging, http, files, timers, environment });`,
      `export const init = world.init;`,
      `export const run = world.run;`,
      `export const shutdown = world.shutdown;`,
      `export const handleMessage = world.handleMessage;`,
      `export const onTimer = world.onTimer;`,
      ``,
    ].join("\n");
  }
  return [
    `import * as messaging from "fipa:agent/messaging@0.1.0";`,
    `import * as migration from "fipa:agent/migration@0.1.0";`,
    `import * as storage from "fipa:agent/storage@0.1.0";`,
    `import * as logging from "fipa:agent/logging@0.1.0";`,
    `import agent from ${JSON.stringify(agent.pathname)};`,
    `import { bindAgent } from ${JSON.stringify(sdk)};`,
    `const world = bindAgent(agent, { messaging, migration, storage, logging });`,
    `export const init = world.init;`,
    `export const run = world.run;`,
    `export const shutdown = world.shutdown;`,
    `export const handleMessage = world.handleMessage;`,
    ``,
  ].join("\n");
}

/** Builds a sample (cached) and returns its bytes. */
export async function sampleBytes(name: string): Promise<Uint8Array> {
  return await Deno.readFile((await buildSample(name)).path);
}
