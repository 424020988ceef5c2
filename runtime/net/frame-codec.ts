/**
 * The wire framing of every fipa-edge stream (pure: no I/O, no clock).
 *
 * ```
 * frame  = length:u32be  kind:u8  id:u32be  body:byte[length - 5]
 * ```
 *
 * `length` counts everything after itself (kind, id and body), so the smallest frame has
 * `length = 5`. A frame whose `length` exceeds the receiver's `maxFrameBytes` is
 * *oversized*; one with `length < 5` or an unknown `kind` is *malformed*. Both are fatal
 * to the stream they arrive on: the decoder reports the error once and accepts nothing
 * after it.
 * @module
 */

/** What a frame carries. The body encoding depends on the kind. */
export const FrameKind = {
  /** A request (JSON body); the receiver answers with RESPONSE or ERROR of the same id. */
  REQUEST: 1,
  /** The answer to the REQUEST with the same id (JSON body). */
  RESPONSE: 2,
  /** A failed REQUEST or transfer (JSON body `{code, message, details}`). */
  ERROR: 3,
  /** A one-way message (JSON body); no answer. */
  SEND: 4,
  /** Opens a transfer on a stream of its own (JSON header body). */
  TRANSFER_BEGIN: 5,
  /** A piece of a transfer's payload (raw bytes). */
  CHUNK: 6,
  /** The transfer's payload is complete (empty body); the receiver answers RESPONSE/ERROR. */
  TRANSFER_END: 7,
  /**
   * A one-way message whose body is the protocol's own bytes (no JSON): the handler decodes
   * and validates them (e.g. Raft's binary messages); no answer.
   */
  BYTES: 8,
} as const;

/** One of the {@link FrameKind} values. */
export type FrameKind = typeof FrameKind[keyof typeof FrameKind];

const KINDS = new Set<number>(Object.values(FrameKind));

/** Bytes before the body: length (4), kind (1), id (4). */
export const FRAME_HEADER_BYTES = 9;
/** The `length` field of an empty-bodied frame. */
const MIN_LENGTH = 5;
/** Largest request id; ids wrap around to 1 after it. */
export const MAX_FRAME_ID = 0xffff_ffff;

/** A decoded frame. */
export interface Frame {
  kind: FrameKind;
  id: number;
  body: Uint8Array;
}

/** Why a stream's bytes could not be decoded. */
export interface FrameError {
  reason: "oversized" | "malformed";
  message: string;
}

/**
 * Encodes one frame.
 *
 * @example
 * ```ts
 * const bytes = encodeFrame(FrameKind.REQUEST, 7, new TextEncoder().encode("{}"));
 * ```
 */
export function encodeFrame(kind: FrameKind, id: number, body: Uint8Array): Uint8Array {
  if (!Number.isInteger(id) || id < 0 || id > MAX_FRAME_ID) {
    throw new RangeError(`frame id ${id} is not a u32`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, MIN_LENGTH + body.byteLength);
  view.setUint8(4, kind);
  view.setUint32(5, id);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** The total encoded size of a frame with a body of `bodyBytes`. */
export function frameSize(bodyBytes: number): number {
  return FRAME_HEADER_BYTES + bodyBytes;
}

/** What {@link FrameDecoder.push} found in the bytes it was given. */
export interface DecodeResult {
  /** Complete frames, in order. */
  frames: Frame[];
  /** Set once the stream is unusable; no frames are decoded after it. */
  error?: FrameError;
}

/**
 * Incremental decoder: feed it the stream's bytes as they arrive, in pieces of any size,
 * and it returns the complete frames. An oversized length is reported as soon as its four
 * bytes arrive, before any of the body is buffered.
 *
 * @example
 * ```ts
 * const dec = new FrameDecoder(1024);
 * const { frames } = dec.push(encodeFrame(FrameKind.SEND, 0, new Uint8Array([1])));
 * ```
 */
export class FrameDecoder {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #failed: FrameError | undefined;

  /** @param maxFrameBytes the largest accepted `length` field (kind + id + body). */
  constructor(readonly maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < MIN_LENGTH) {
      throw new RangeError(`maxFrameBytes ${maxFrameBytes} must be an integer >= ${MIN_LENGTH}`);
    }
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.#buffered;
  }

  /** The error that stopped this decoder, if any. */
  get error(): FrameError | undefined {
    return this.#failed;
  }

  /** Adds bytes and returns the frames they complete. */
  push(bytes: Uint8Array): DecodeResult {
    if (this.#failed) return { frames: [], error: this.#failed };
    if (bytes.byteLength > 0) {
      this.#chunks.push(bytes);
      this.#buffered += bytes.byteLength;
    }
    const frames: Frame[] = [];
    while (this.#buffered >= 4) {
      const length = this.#peekLength();
      if (length > this.maxFrameBytes) {
        return this.#fail(
          "oversized",
          `frame length ${length} exceeds limit ${this.maxFrameBytes}`,
          frames,
        );
      }
      if (length < MIN_LENGTH) {
        return this.#fail(
          "malformed",
          `frame length ${length} is below the minimum ${MIN_LENGTH}`,
          frames,
        );
      }
      if (this.#buffered < 4 + length) break;
      const raw = this.#take(4 + length);
      const kind = raw[4];
      if (!KINDS.has(kind)) {
        return this.#fail("malformed", `unknown frame kind ${kind}`, frames);
      }
      const id = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(5);
      frames.push({ kind: kind as FrameKind, id, body: raw.subarray(FRAME_HEADER_BYTES) });
    }
    return { frames };
  }

  #fail(reason: FrameError["reason"], message: string, frames: Frame[]): DecodeResult {
    this.#failed = { reason, message };
    this.#chunks = [];
    this.#buffered = 0;
    return { frames, error: this.#failed };
  }

  #peekLength(): number {
    const first = this.#chunks[0];
    if (first.byteLength >= 4) {
      return new DataView(first.buffer, first.byteOffset, 4).getUint32(0);
    }
    const head = new Uint8Array(4);
    let filled = 0;
    for (const c of this.#chunks) {
      const n = Math.min(4 - filled, c.byteLength);
      head.set(c.subarray(0, n), filled);
      filled += n;
      if (filled === 4) break;
    }
    return new DataView(head.buffer).getUint32(0);
  }

  /** Removes and returns the first `n` buffered bytes (copying only when they span chunks). */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0];
    if (first.byteLength >= n) {
      const out = first.subarray(0, n);
      if (first.byteLength === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0];
      const k = Math.min(n - filled, c.byteLength);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.byteLength) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }
}
