import type { Logger } from "../log/mod.ts";
import type { ComponentStore } from "./component-store.ts";

/** A component in the store and when it was last known to be used, ms since the epoch. */
export interface StoredComponent {
  hash: string;
  lastUsedMs: number;
}

/**
 * Which components to delete: those not in use that nothing has used for `graceMs`. Pure.
 *
 * @example
 * ```ts
 * componentsToCollect([{ hash: "a", lastUsedMs: 0 }], new Set(), 600_000, 600_000); // ["a"]
 * ```
 */
export function componentsToCollect(
  stored: readonly StoredComponent[],
  inUse: ReadonlySet<string>,
  nowMs: number,
  graceMs: number,
): string[] {
  return stored
    .filter((c) => !inUse.has(c.hash) && nowMs - c.lastUsedMs >= graceMs)
    .map((c) => c.hash)
    .sort();
}

/** Options of a {@link ComponentCollector}. */
export interface ComponentCollectorOptions {
  store: ComponentStore;
  /** Hashes some agent, kept snapshot or directory entry refers to. */
  inUse: () => Promise<Iterable<string>>;
  /** How long a component must go unused before it is deleted, ms. */
  graceMs: number;
  /** Time between sweeps when {@link ComponentCollector.start}ed (default: grace / 2, 1 s to 5 min). */
  intervalMs?: number;
  log?: Logger;
}

/**
 * Deletes components no agent uses any more (the thin shell around
 * {@link componentsToCollect}). A sweep marks every component in use as used now, then
 * deletes the ones unused for the grace period; the store refuses to delete one that a
 * deploy or activation touched meanwhile, so a component re-deployed within the grace
 * period is kept.
 */
export class ComponentCollector {
  readonly intervalMs: number;
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<string[]>;

  constructor(readonly opts: ComponentCollectorOptions) {
    this.intervalMs = opts.intervalMs ??
      Math.min(300_000, Math.max(1000, Math.floor(opts.graceMs / 2)));
  }

  /** One sweep; resolves with the hashes it deleted. Sweeps never overlap. */
  sweep(): Promise<string[]> {
    this.#running ??= this.#sweep().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Sweeps every {@link intervalMs} until {@link stop}. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.sweep().catch((e) =>
        this.opts.log?.warn("component collection failed", { error: (e as Error).message })
      );
    }, this.intervalMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Stops sweeping and waits for a sweep under way. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  async #sweep(): Promise<string[]> {
    const { store, graceMs } = this.opts;
    const inUse = new Set(await this.opts.inUse());
    for (const h of inUse) store.touch(h);
    const now = store.now();
    const plan = componentsToCollect(await store.entries(), inUse, now, graceMs);
    const removed: string[] = [];
    for (const hash of plan) {
      if (await store.remove(hash, now - graceMs)) removed.push(hash);
    }
    if (removed.length) this.opts.log?.info("unused components deleted", { hashes: removed });
    return removed;
  }
}
