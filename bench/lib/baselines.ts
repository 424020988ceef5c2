/**
 * Same-run baselines for the agent benchmarks: a bare Worker (spawn, round trip) and raw
 * WebAssembly (compile, instantiate, call), the least any sandboxed agent costs.
 * @module
 */

/** A Worker that posts every message straight back. */
const ECHO_WORKER_URL = "data:application/javascript," +
  encodeURIComponent("self.onmessage = (e) => self.postMessage(e.data);");

/** A bare echo Worker with no Deno permissions, and its round trip. */
export interface EchoWorker {
  /** One postMessage round trip; resolves with its duration in µs. */
  roundTrip(payload?: unknown): Promise<number>;
  close(): void;
}

/** Starts a bare echo Worker (`permissions: "none"`, like the sandbox's) and waits for it. */
export async function startEchoWorker(): Promise<EchoWorker> {
  const w = new Worker(ECHO_WORKER_URL, {
    type: "module",
    deno: { permissions: "none" },
  } as WorkerOptions);
  let pending: ((v: unknown) => void) | undefined;
  w.onmessage = (e) => {
    const p = pending;
    pending = undefined;
    p?.(e.data);
  };
  const roundTrip = async (payload: unknown = 0): Promise<number> => {
    const t0 = performance.now();
    const { promise, resolve } = Promise.withResolvers<unknown>();
    pending = resolve;
    w.postMessage(payload);
    await promise;
    return (performance.now() - t0) * 1000;
  };
  await roundTrip();
  return { roundTrip, close: () => w.terminate() };
}

/** Time from `new Worker()` to its first answer, in ms (the Worker is terminated). */
export async function workerSpawnMs(): Promise<number> {
  const t0 = performance.now();
  const w = await startEchoWorker();
  const ms = performance.now() - t0;
  w.close();
  return ms;
}

/** Sequential round trips to one bare echo Worker, in µs each (after `warmup` unmeasured). */
export async function workerRoundTripsUs(n: number, warmup = 200): Promise<number[]> {
  const w = await startEchoWorker();
  try {
    for (let i = 0; i < warmup; i++) await w.roundTrip(i);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await w.roundTrip(i));
    return out;
  } finally {
    w.close();
  }
}

/**
 * Imports for a core module in which every imported function is a no-op returning 0 (the
 * module must import nothing but functions).
 */
export function stubImports(mod: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const i of WebAssembly.Module.imports(mod)) {
    if (i.kind !== "function") {
      throw new Error(`cannot stub import ${i.module}.${i.name} of kind ${i.kind}`);
    }
    (imports[i.module] ??= {})[i.name] = () => 0;
  }
  return imports;
}

/** `new WebAssembly.Instance` of `mod` with stub imports, in µs each. */
export function instantiateUs(mod: WebAssembly.Module, n: number): number[] {
  const imports = stubImports(mod);
  for (let i = 0; i < 20; i++) new WebAssembly.Instance(mod, imports);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    new WebAssembly.Instance(mod, imports);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** `WebAssembly.compile` of every core module given, in ms (all together). */
export async function compileMs(modules: Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(modules.map((b) => WebAssembly.compile(b as BufferSource)));
  return performance.now() - t0;
}

/** Nanoseconds per call of an export `fn` taking no arguments, on an instance of `mod`. */
export function wasmCallNs(mod: WebAssembly.Module, fn: string, ms = 300): number {
  const inst = new WebAssembly.Instance(mod, stubImports(mod));
  const f = inst.exports[fn] as () => unknown;
  if (typeof f !== "function") throw new Error(`no exported function ${fn}`);
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10_000; i++) f();
    calls += 10_000;
    t = performance.now();
  }
  return ((t - t0) * 1e6) / calls;
}
