import { createHash } from "node:crypto";
import { ApiError } from "../errors/mod.ts";
import {
  INSTRUMENT_VERSION,
  instrumentCoreModule,
  type InstrumentReport,
} from "./instrument/mod.ts";
import { type Transpiler, TranspileRejected, WorkerTranspiler } from "./transpiler.ts";
import { wasmKind } from "./wasm-kind.ts";
import {
  checkWorld,
  type Declarations,
  versionedImports,
  WORLD_VERSION,
  type WorldVersion,
  worldVersionOf,
} from "./world-check.ts";

/** Identifies the tool versions a cache entry was made with; a change invalidates it. */
export const TOOLCHAIN = `jco-1.15.1+instrument-${INSTRUMENT_VERSION}+world-${WORLD_VERSION}`;

/** What a loaded component is. */
export interface ComponentInfo {
  /** SHA-256 of the component bytes, hex. */
  hash: string;
  /** Size of the component in bytes. */
  size: number;
  /** Interfaces it imports, versioned. */
  imports: string[];
  /** Functions it exports (JS names). */
  exports: string[];
  /** The version of the agent world it was built against. */
  world: WorldVersion;
  /** Its core modules, instrumented, with what the instrumentation did. */
  modules: { name: string; size: number; report: InstrumentReport }[];
  /** How long jco took, in ms (0 when it came from the cache). */
  transpileMs: number;
  toolchain: string;
}

/** A component ready to instantiate: jco's bindings and its compiled core modules. */
export interface LoadedComponent {
  info: ComponentInfo;
  /** Source of the bindings module (patched to need no permissions). */
  glue: string;
  modules: Record<string, WebAssembly.Module>;
}

/** The result of {@link ComponentStore.load}. */
export interface LoadResult {
  hash: string;
  info: ComponentInfo;
  /** Whether this call ran jco (false when memory or the disk cache had it). */
  transpiled: boolean;
}

/** Options of a {@link ComponentStore}. */
export interface ComponentStoreOptions {
  /** Cache directory; one sub-directory per component hash. */
  dir: string;
  /** Defaults to jco in a Worker. */
  transpiler?: Transpiler;
  /**
   * The agent world's WIT by version; defaults to this repository's `wit/fipa-agent.wit`
   * (0.1.0) and `wit/fipa-agent-0.2.0.wit`.
   */
  witSources?: Partial<Record<WorldVersion, string>>;
  /** Clock for the last use of each component, ms since the epoch (default `Date.now`). */
  now?: () => number;
  /**
   * Instrument core modules (default true). Without it nothing bounds a call's CPU time
   * but the sandbox's watchdog, which stops the whole Worker: only for tests of that path.
   */
  instrument?: boolean;
}

/** File of a cache entry that holds the component's original bytes. */
const ORIGINAL_FILE = "component.wasm";

const NO_REPORT: InstrumentReport = { loops: 0, entries: 0, grows: 0, memories: [], globals: [] };

const WIT_URLS: Record<WorldVersion, URL> = {
  "0.1.0": new URL("../../wit/fipa-agent.wit", import.meta.url),
  "0.2.0": new URL("../../wit/fipa-agent-0.2.0.wit", import.meta.url),
};

function invalid(reason: string, details: Record<string, unknown> = {}): ApiError {
  return new ApiError("INVALID_WASM", `Invalid WebAssembly component: ${reason}`, {
    reason,
    ...details,
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  // Small components (every deploy of a tiny agent) are hashed in place: ~4 µs of CPU, where
  // WebCrypto's async op costs ~16 µs; large ones off the event loop.
  if (bytes.length <= SYNC_HASH_BYTES) return createHash("sha256").update(bytes).digest("hex");
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Components up to this size are hashed synchronously (see `sha256`). */
const SYNC_HASH_BYTES = 256 * 1024;

/** Makes jco's bindings runnable without permissions (it reads an env var for debugging). */
function patchGlue(js: string): string {
  const probe = "globalThis?.process?.env?.JCO_DEBUG";
  if (!js.includes(probe)) throw new Error("unexpected jco bindings: debug probe not found");
  return js.replaceAll(probe, "false");
}

/**
 * Loads agent components: validates them against the agent world, transpiles them with
 * jco, instruments their core modules (fuel, memory hook, state exports) and caches the
 * result by the SHA-256 of the bytes, in memory and on disk (`<dir>/<hash>/`), so the same
 * bytes are transpiled once, also across restarts.
 *
 * @example
 * ```ts
 * const store = new ComponentStore({ dir: `${dataDir}/components` });
 * const { hash } = await store.load(bytes); // throws ApiError INVALID_WASM
 * const component = await store.get(hash);
 * ```
 */
export class ComponentStore {
  readonly dir: string;
  #transpiler: Transpiler;
  #witSources: Partial<Record<WorldVersion, string>>;
  #references = new Map<WorldVersion, Promise<Declarations>>();
  #loaded = new Map<string, Promise<LoadedComponent>>();
  #instrument: boolean;
  #toolchain: string;
  #originals = new Set<string>();
  /** Last load or get of each component, by {@link now}. */
  #used = new Map<string, number>();
  /** The store's clock, ms since the epoch. */
  readonly now: () => number;

  constructor(opts: ComponentStoreOptions) {
    this.dir = opts.dir;
    this.now = opts.now ?? Date.now;
    this.#instrument = opts.instrument ?? true;
    this.#toolchain = this.#instrument ? TOOLCHAIN : `${TOOLCHAIN}+uninstrumented`;
    this.#transpiler = opts.transpiler ?? new WorkerTranspiler();
    this.#witSources = opts.witSources ?? {};
  }

  /** A store under a node's data directory: `<dataDir>/components`. */
  static forDataDir(
    dataDir: string,
    opts: Omit<ComponentStoreOptions, "dir"> = {},
  ): ComponentStore {
    return new ComponentStore({ ...opts, dir: `${dataDir.replace(/\/+$/, "")}/components` });
  }

  /**
   * Validates, transpiles and caches a component.
   *
   * @throws {ApiError} `INVALID_WASM` naming the reason: not WebAssembly, a core module
   * instead of a component, not a valid component, or not the agent world.
   */
  async load(bytes: Uint8Array): Promise<LoadResult> {
    const kind = wasmKind(bytes);
    if (kind === "not-wasm") throw invalid("not a WebAssembly binary (bad magic or version)");
    if (kind === "core-module") {
      throw invalid(
        "this is a core WebAssembly module; agents must be components of the " +
          "fipa:agent world (e.g. built with ComponentizeJS or cargo-component)",
      );
    }
    const hash = await sha256(bytes);
    this.touch(hash);
    const known = this.#loaded.get(hash);
    if (known) {
      const info = (await known).info;
      await this.#keepOriginal(hash, bytes);
      return { hash, info, transpiled: false };
    }
    const fromDisk = await this.#readCache(hash).catch(() => undefined);
    if (fromDisk) {
      this.#loaded.set(hash, Promise.resolve(fromDisk));
      await this.#keepOriginal(hash, bytes);
      return { hash, info: fromDisk.info, transpiled: false };
    }
    const p = this.#build(hash, bytes);
    this.#loaded.set(hash, p);
    try {
      return { hash, info: (await p).info, transpiled: true };
    } catch (err) {
      this.#loaded.delete(hash);
      throw err;
    }
  }

  /** Whether a component is loaded or cached on disk. */
  async has(hash: string): Promise<boolean> {
    if (this.#loaded.has(hash)) return true;
    try {
      await Deno.stat(`${this.dir}/${hash}/meta.json`);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A loaded component by hash, from memory or the disk cache.
   *
   * @throws {ApiError} `NOT_FOUND` when it was never loaded here.
   */
  async get(hash: string): Promise<LoadedComponent> {
    this.touch(hash);
    const known = this.#loaded.get(hash);
    if (known) return known;
    const c = await this.#readCache(hash).catch(() => undefined);
    if (!c) throw new ApiError("NOT_FOUND", `Component ${hash} is not loaded`, { hash });
    this.#loaded.set(hash, Promise.resolve(c));
    return c;
  }

  /**
   * The original bytes of a component loaded here (to send it to another node), or
   * undefined when they were not kept (a cache entry written by an older version).
   */
  async original(hash: string): Promise<Uint8Array | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    try {
      return await Deno.readFile(`${this.dir}/${hash}/${ORIGINAL_FILE}`);
    } catch {
      return undefined;
    }
  }

  /** Marks a component as used now (loads and gets do this themselves). */
  touch(hash: string): void {
    this.#used.set(hash, this.now());
  }

  /**
   * The components cached on disk, each with its last use. One not used since this store
   * opened counts as used when first listed, so it gets a whole grace period.
   */
  async entries(): Promise<{ hash: string; lastUsedMs: number }[]> {
    const out: { hash: string; lastUsedMs: number }[] = [];
    try {
      for await (const e of Deno.readDir(this.dir)) {
        if (!e.isDirectory) continue;
        if (e.name.startsWith(".trash-")) {
          await Deno.remove(`${this.dir}/${e.name}`, { recursive: true }).catch(() => {});
          continue;
        }
        if (!/^[0-9a-f]{64}$/.test(e.name)) continue;
        if (!this.#used.has(e.name)) this.#used.set(e.name, this.now());
        out.push({ hash: e.name, lastUsedMs: this.#used.get(e.name)! });
      }
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    return out;
  }

  /**
   * Deletes a component from memory and disk, unless it was used after `unusedSince` (ms,
   * by {@link now}): a deploy that loaded it meanwhile keeps it. Resolves whether it was
   * deleted.
   */
  async remove(hash: string, unusedSince: number): Promise<boolean> {
    if (!/^[0-9a-f]{64}$/.test(hash)) return false;
    if ((this.#used.get(hash) ?? -Infinity) > unusedSince) return false;
    this.#loaded.delete(hash);
    this.#originals.delete(hash);
    this.#used.delete(hash);
    // Out of the way at once (a load from now on rebuilds it), then deleted.
    const trash = `${this.dir}/.trash-${hash}-${crypto.randomUUID()}`;
    try {
      await Deno.rename(`${this.dir}/${hash}`, trash);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      throw err;
    }
    await Deno.remove(trash, { recursive: true });
    return true;
  }

  /** Writes the original bytes next to a cache entry that lacks them. */
  async #keepOriginal(hash: string, bytes: Uint8Array): Promise<void> {
    if (this.#originals.has(hash)) return;
    const path = `${this.dir}/${hash}/${ORIGINAL_FILE}`;
    try {
      await Deno.stat(path);
    } catch {
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      try {
        await Deno.writeFile(tmp, bytes);
        await Deno.rename(tmp, path);
      } catch {
        await Deno.remove(tmp).catch(() => {});
        return; // the cache entry went away: nothing to keep the bytes next to
      }
    }
    this.#originals.add(hash);
  }

  /** Stops the transpiler Worker. */
  close(): void {
    this.#transpiler.close();
  }

  #referenceDecls(version: WorldVersion): Promise<Declarations> {
    let ref = this.#references.get(version);
    if (!ref) {
      ref = (async () => {
        const wit = this.#witSources[version] ?? await Deno.readTextFile(WIT_URLS[version]);
        const out = await this.#transpiler.reference(wit);
        return declarationsOf(out.files);
      })();
      this.#references.set(version, ref);
      ref.catch(() => this.#references.delete(version));
    }
    return ref;
  }

  async #build(hash: string, bytes: Uint8Array): Promise<LoadedComponent> {
    const t0 = performance.now();
    let out;
    try {
      out = await this.#transpiler.transpile(bytes);
    } catch (err) {
      if (!(err instanceof TranspileRejected)) {
        throw new ApiError("INTERNAL_ERROR", `Transpiler failed: ${(err as Error).message}`);
      }
      throw invalid(`not a valid component: ${err.message}`);
    }
    const transpileMs = Math.round(performance.now() - t0);
    const decls = declarationsOf(out.files);
    const world = worldVersionOf(decls);
    if (typeof world !== "string") {
      throw invalid(`does not match the fipa:agent world: ${world.error}`);
    }
    const mismatch = checkWorld(decls, await this.#referenceDecls(world), world);
    if (mismatch) throw invalid(`does not match the fipa:agent world: ${mismatch}`);
    const files = new Map(out.files);
    const glue = patchGlue(new TextDecoder().decode(files.get("agent.js")));
    const modules: Record<string, WebAssembly.Module> = {};
    const moduleInfo: ComponentInfo["modules"] = [];
    const instrumented: [string, Uint8Array][] = [];
    for (const [name, b] of out.files) {
      if (!name.endsWith(".wasm")) continue;
      let r;
      try {
        r = this.#instrument ? instrumentCoreModule(b) : { bytes: b, report: NO_REPORT };
      } catch (err) {
        throw invalid(`core module ${name} cannot be metered: ${(err as Error).message}`);
      }
      try {
        modules[name] = await WebAssembly.compile(r.bytes as BufferSource);
      } catch (err) {
        throw invalid(`core module ${name} does not compile: ${(err as Error).message}`);
      }
      instrumented.push([name, r.bytes]);
      moduleInfo.push({ name, size: r.bytes.length, report: r.report });
    }
    const info: ComponentInfo = {
      hash,
      size: bytes.length,
      world,
      imports: versionedImports(decls.get("agent.d.ts") ?? ""),
      exports: out.exports.map(([n]) => n),
      modules: moduleInfo,
      transpileMs,
      toolchain: this.#toolchain,
    };
    await this.#writeCache(hash, info, glue, instrumented, bytes);
    return { info, glue, modules };
  }

  async #writeCache(
    hash: string,
    info: ComponentInfo,
    glue: string,
    modules: [string, Uint8Array][],
    original: Uint8Array,
  ): Promise<void> {
    const final = `${this.dir}/${hash}`;
    const tmp = `${this.dir}/.tmp-${hash}-${crypto.randomUUID()}`;
    await Deno.mkdir(tmp, { recursive: true });
    try {
      for (const [name, b] of modules) await Deno.writeFile(`${tmp}/${name}`, b);
      await Deno.writeFile(`${tmp}/${ORIGINAL_FILE}`, original);
      await Deno.writeTextFile(`${tmp}/agent.js`, glue);
      await Deno.writeTextFile(`${tmp}/meta.json`, JSON.stringify(info, null, 2));
      if (await this.#publish(tmp, final)) return;
      // Another writer (a second store on the same directory, another process) published
      // first. The cache is content-addressed: keep theirs if it is of our toolchain.
      if (await this.#cachedToolchain(final) === this.#toolchain) {
        await Deno.remove(tmp, { recursive: true });
        return;
      }
      await Deno.remove(final, { recursive: true }).catch(() => {});
      if (!(await this.#publish(tmp, final))) await Deno.remove(tmp, { recursive: true });
    } catch (err) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw err;
    }
  }

  /** Renames `tmp` to `final`; false when `final` already exists (someone else's). */
  async #publish(tmp: string, final: string): Promise<boolean> {
    try {
      await Deno.rename(tmp, final);
      return true;
    } catch (err) {
      if (await Deno.stat(final).then(() => true, () => false)) return false;
      throw err;
    }
  }

  /** The toolchain a cached entry was built with, if it is readable. */
  async #cachedToolchain(dir: string): Promise<string | undefined> {
    try {
      return (JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as ComponentInfo).toolchain;
    } catch {
      return undefined;
    }
  }

  async #readCache(hash: string): Promise<LoadedComponent | undefined> {
    const dir = `${this.dir}/${hash}`;
    const info = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as ComponentInfo;
    if (info.toolchain !== this.#toolchain || info.hash !== hash) return undefined;
    const glue = await Deno.readTextFile(`${dir}/agent.js`);
    const modules: Record<string, WebAssembly.Module> = {};
    for (const m of info.modules) {
      modules[m.name] = await WebAssembly.compile(
        await Deno.readFile(`${dir}/${m.name}`) as BufferSource,
      );
    }
    return { info, glue, modules };
  }
}

function declarationsOf(files: [string, Uint8Array][]): Declarations {
  const d: Declarations = new Map();
  const dec = new TextDecoder();
  for (const [name, b] of files) if (name.endsWith(".d.ts")) d.set(name, dec.decode(b));
  return d;
}
