/// <reference lib="deno.worker" />
/**
 * Runs jco in a Worker so that transpiling a large component (seconds) does not stall the
 * node's event loop. Requests: `{id, op: "transpile", bytes}` or `{id, op: "reference",
 * wit}`; replies `{id, ok, result | error}`.
 * @module
 */
// jco is pinned to exactly 1.15.1: newer releases (1.16+) fail npm resolution under Deno on
// a missing platform-specific package, while 1.15.1's `transpile` and wasm-tools functions
// work in Deno. Its bindings use the async instantiation API the sandbox relies on
// (`instantiate(getCoreModule, imports, instantiateCore)`).
import { componentEmbed, componentNew, transpile } from "@bytecodealliance/jco";

/** Files and lists jco produced for a component. */
export interface TranspileOutput {
  files: [string, Uint8Array][];
  imports: string[];
  exports: [string, string][];
}

async function transpileBytes(bytes: Uint8Array): Promise<TranspileOutput> {
  const r = await transpile(
    bytes,
    {
      name: "agent",
      instantiation: "async",
      typescript: true,
      nodejsCompat: false,
      tlaCompat: false,
      base64Cutoff: 0,
      validLiftingOptimization: false,
    } as Parameters<typeof transpile>[1],
  );
  return {
    files: Object.entries(r.files) as [string, Uint8Array][],
    imports: r.imports,
    exports: r.exports,
  };
}

async function reference(wit: string): Promise<TranspileOutput> {
  const embedded = await componentEmbed({ dummy: true, witSource: wit, world: "agent" });
  return transpileBytes(await componentNew(embedded, []));
}

self.onmessage = async (
  e: MessageEvent<{ id: number; op: string; bytes?: Uint8Array; wit?: string }>,
) => {
  const { id, op } = e.data;
  try {
    const result = op === "reference"
      ? await reference(e.data.wit!)
      : await transpileBytes(e.data.bytes!);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
