import type { Deduper } from "../routing/mod.ts";

/**
 * Receiver-side deduplication of at-least-once messages: (receiver, message id) pairs
 * remembered in memory (bounded) and in Deno KV for `ttlMs` (default 24 h), so a retry after
 * a lost acknowledgement, even across a restart, is not delivered twice.
 */
export class KvDeduper implements Deduper {
  readonly #recent = new Map<string, true>();

  constructor(
    readonly kv: Deno.Kv,
    readonly opts: { ttlMs?: number; memory?: number } = {},
  ) {}

  async seen(receiver: string, messageId: string): Promise<boolean> {
    const k = `${receiver}\u0000${messageId}`;
    if (this.#recent.has(k)) return true;
    return (await this.kv.get(["seen", receiver, messageId])).value !== null;
  }

  /** Notes a pair in memory only (its mark was committed with a checkpoint). */
  remember(receiver: string, messageId: string): void {
    this.#recent.set(`${receiver}\u0000${messageId}`, true);
    const cap = this.opts.memory ?? 100_000;
    if (this.#recent.size > cap) this.#recent.delete(this.#recent.keys().next().value!);
  }

  async mark(receiver: string, messageId: string): Promise<void> {
    this.remember(receiver, messageId);
    await this.kv.set(["seen", receiver, messageId], 1, {
      expireIn: this.opts.ttlMs ?? 24 * 3600 * 1000,
    });
  }
}
