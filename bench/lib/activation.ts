/**
 * Activation of a loaded component through the sandbox API: a fresh agent (instantiate +
 * `init`) and a woken one (restored from its snapshot), each in a Worker that already
 * holds the component, as when a deployed agent is started or woken.
 * @module
 */
import { ComponentStore, Sandbox } from "../../runtime/sandbox/mod.ts";
import { instantiateUs } from "./baselines.ts";

/** What {@link measureActivation} measured, in µs per activation. */
export interface ActivationSample {
  fresh: number[];
  fromSnapshot: number[];
  /** `new WebAssembly.Instance` of the component's main core module. */
  instance: number[];
}

/**
 * Loads `bytes` into a fresh store, activates `n` agents one after another (timing each),
 * snapshots and terminates them, then activates `n` from those snapshots.
 */
export async function measureActivation(bytes: Uint8Array, n: number): Promise<ActivationSample> {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-bench-act-" });
  const store = new ComponentStore({ dir });
  const sandbox = new Sandbox({ store, nodeId: "bench" });
  try {
    const { hash } = await store.load(bytes);
    const loaded = await store.get(hash);
    const main = Object.entries(loaded.modules).sort(([a], [b]) => a.localeCompare(b))[0][1];
    const instance = instantiateUs(main, n);
    await sandbox.warmUp();
    const host = { onSend: () => {} };
    // The first activation loads the component into the Worker; not measured.
    const warm = await sandbox.activate({ agentId: "warm@bench", hash, host });
    const fresh: number[] = [];
    const handles = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      handles.push(await sandbox.activate({ agentId: `a${i}@bench`, hash, host }));
      fresh.push((performance.now() - t0) * 1000);
    }
    const snaps = [];
    for (const h of handles) {
      snaps.push(await h.snapshot());
      await h.terminate();
    }
    const fromSnapshot: number[] = [];
    const woken = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      woken.push(
        await sandbox.activate({ agentId: `a${i}@bench`, hash, host, snapshot: snaps[i] }),
      );
      fromSnapshot.push((performance.now() - t0) * 1000);
    }
    for (const h of [warm, ...woken]) await h.terminate();
    return { fresh, fromSnapshot, instance };
  } finally {
    await sandbox.close();
    store.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
