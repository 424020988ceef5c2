/**
 * The long-lived request channels of a node, one per (peer, protocol), opened on first
 * use and reopened after a failure.
 * @module
 */
import { ApiError } from "../errors/mod.ts";
import type { Target } from "./peer-target.ts";
import { type ChannelDeps, RpcChannel } from "./rpc-client.ts";
import type { StreamOpener } from "./stream-opener.ts";

/** A node's channels. */
export class ChannelPool {
  readonly #channels = new Map<string, Promise<RpcChannel>>();
  #closed: Error | undefined;

  constructor(private readonly open: StreamOpener, private readonly deps: ChannelDeps) {}

  /** The open channel to (target, protocol), opening one if there is none. */
  async get(
    target: Target,
    protocol: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RpcChannel> {
    const key = `${target.peerId}\n${protocol}`;
    const existing = this.#channels.get(key);
    if (existing) {
      const ch = await existing.catch(() => undefined);
      if (ch && !ch.closed) return ch;
      if (this.#channels.get(key) === existing) this.#channels.delete(key);
    }
    if (this.#closed) throw this.#closed;
    const opening = this.#open(key, target, protocol, timeoutMs, signal);
    this.#channels.set(key, opening);
    opening.catch(() => {
      if (this.#channels.get(key) === opening) this.#channels.delete(key);
    });
    return await opening;
  }

  async #open(
    key: string,
    target: Target,
    protocol: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<RpcChannel> {
    let stream;
    try {
      stream = await this.open(target, protocol, timeoutMs, signal);
    } catch (err) {
      // A stale connection (the peer restarted) fails the first open: try once more.
      if (!(err instanceof ApiError) || err.code !== "UNAVAILABLE" || this.#closed) throw err;
      stream = await this.open(target, protocol, timeoutMs, signal);
    }
    const ch = new RpcChannel(stream, target.peerId, protocol, this.deps);
    const self = this.#channels.get(key);
    ch.onClose = () => {
      if (this.#channels.get(key) === self) this.#channels.delete(key);
    };
    if (this.#closed) ch.close(this.#closed);
    return ch;
  }

  /** Closes every channel (their pending requests fail) and refuses new ones. */
  closeAll(reason: Error): void {
    this.#closed = reason;
    for (const opening of this.#channels.values()) {
      opening.then((ch) => ch.close(reason), () => {});
    }
    this.#channels.clear();
  }
}
