/**
 * A byte-chunk queue between a stream's reader and a transfer handler, with watermarks
 * for backpressure (no timers, no I/O): the producer pushes chunks and is told through
 * `onHigh`/`onLow` when to pause and resume the underlying stream; the consumer iterates.
 * @module
 */

/** Callbacks fired when the buffered byte count crosses the watermarks. */
export interface ChunkQueueOptions {
  /** Pause the producer above this many buffered bytes. */
  highWaterBytes: number;
  /** Resume the producer at or below this many buffered bytes. */
  lowWaterBytes: number;
  /** Called once each time the buffer rises above `highWaterBytes`. */
  onHigh?: () => void;
  /** Called once each time the buffer drains to `lowWaterBytes` after `onHigh`. */
  onLow?: () => void;
}

/**
 * An async-iterable queue of byte chunks. Iterate it once.
 *
 * @example
 * ```ts
 * const q = new ChunkQueue({ highWaterBytes: 1 << 20, lowWaterBytes: 1 << 18 });
 * q.push(new Uint8Array([1, 2])); q.end();
 * for await (const chunk of q) console.log(chunk.byteLength);
 * ```
 */
export class ChunkQueue implements AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #ended = false;
  #error: unknown = undefined;
  #high = false;
  #waiter: (() => void) | undefined;
  #iterated = false;

  constructor(private readonly options: ChunkQueueOptions) {}

  /** Bytes pushed but not yet consumed. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** True once `end` or `fail` was called. */
  get closed(): boolean {
    return this.#ended || this.#error !== undefined;
  }

  /** Adds a chunk (ignored after `end`/`fail`). */
  push(chunk: Uint8Array): void {
    if (this.closed || chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    if (!this.#high && this.#bytes > this.options.highWaterBytes) {
      this.#high = true;
      this.options.onHigh?.();
    }
    this.#wake();
  }

  /** Marks the end of the data; the iterator finishes after the buffered chunks. */
  end(): void {
    if (this.closed) return;
    this.#ended = true;
    this.#wake();
  }

  /** Fails the iterator with `error` (buffered chunks are dropped). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.#error = error ?? new Error("transfer failed");
    this.#chunks = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  #shift(): Uint8Array | undefined {
    if (this.#head >= this.#chunks.length) return undefined;
    const chunk = this.#chunks[this.#head];
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#bytes -= chunk.byteLength;
    if (this.#high && this.#bytes <= this.options.lowWaterBytes) {
      this.#high = false;
      this.options.onLow?.();
    }
    return chunk;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#iterated) throw new Error("a ChunkQueue can be iterated only once");
    this.#iterated = true;
    while (true) {
      if (this.#error !== undefined) throw this.#error;
      const chunk = this.#shift();
      if (chunk) {
        yield chunk;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#waiter = resolve);
    }
  }
}
