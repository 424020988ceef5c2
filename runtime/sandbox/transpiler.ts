import type { TranspileOutput } from "./transpile-worker.ts";

export type { TranspileOutput };

/** jco refused the bytes (as opposed to the transpiler itself failing). */
export class TranspileRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TranspileRejected";
  }
}

/** Turns component bytes into jco bindings; injectable so tests can count transpiles. */
export interface Transpiler {
  /** Transpiles a component. Rejects with jco's message when the bytes are not valid. */
  transpile(bytes: Uint8Array): Promise<TranspileOutput>;
  /** Transpiles a dummy component of the agent world in `wit`, for type comparison. */
  reference(wit: string): Promise<TranspileOutput>;
  close(): void;
}

/** A {@link Transpiler} running jco in a Worker, started on first use. */
export class WorkerTranspiler implements Transpiler {
  #worker?: Worker;
  #next = 1;
  #pending = new Map<
    number,
    { resolve: (v: TranspileOutput) => void; reject: (e: Error) => void }
  >();
  /** Transpilations done (reference builds not counted). */
  count = 0;

  #request(msg: { op: string; bytes?: Uint8Array; wit?: string }): Promise<TranspileOutput> {
    if (!this.#worker) {
      // jco (and the WASI shim its own wasm runs on) reads its files and environment; it runs
      // no agent code, only parses the component, so it gets the node's permissions.
      this.#worker = new Worker(new URL("./transpile-worker.ts", import.meta.url), {
        type: "module",
        deno: { permissions: "inherit" },
      } as WorkerOptions);
      this.#worker.onmessage = (
        e: MessageEvent<{ id: number; ok: boolean; result?: TranspileOutput; error?: string }>,
      ) => {
        const p = this.#pending.get(e.data.id);
        if (!p) return;
        this.#pending.delete(e.data.id);
        if (e.data.ok) p.resolve(e.data.result!);
        else p.reject(new TranspileRejected(e.data.error ?? "transpile failed"));
        if (this.#pending.size === 0) this.close();
      };
      this.#worker.onerror = (e) => {
        e.preventDefault();
        for (const p of this.#pending.values()) p.reject(new Error(`transpiler: ${e.message}`));
        this.#pending.clear();
        this.close();
      };
    }
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker!.postMessage({ id, ...msg });
    });
  }

  transpile(bytes: Uint8Array): Promise<TranspileOutput> {
    this.count++;
    return this.#request({ op: "transpile", bytes });
  }

  reference(wit: string): Promise<TranspileOutput> {
    return this.#request({ op: "reference", wit });
  }

  /** Stops the Worker (it is restarted on the next request). */
  close(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    for (const p of this.#pending.values()) p.reject(new Error("transpiler closed"));
    this.#pending.clear();
  }
}
