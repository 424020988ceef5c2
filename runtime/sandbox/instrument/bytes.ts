/** An error in a core module's binary: where it is and what is wrong. */
export class WasmDecodeError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = "WasmDecodeError";
  }
}

/** Reads a WebAssembly binary: bytes and LEB128 integers, with bounds checks. */
export class ByteReader {
  pos: number;

  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  /** Whether the reader has consumed everything up to `end`. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmDecodeError("unexpected end of data", this.pos);
    return this.bytes[this.pos++];
  }

  /** Advances by `n` bytes. */
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new WasmDecodeError(`cannot skip ${n} bytes`, this.pos);
    }
    this.pos += n;
  }

  /** An unsigned LEB128 integer of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift === 28 && (b & 0x70) !== 0) {
        throw new WasmDecodeError("u32 out of range", this.pos - 1);
      }
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 28) throw new WasmDecodeError("u32 too long", this.pos);
    }
  }

  /** Skips one LEB128 integer of any width (signed or unsigned). */
  skipLeb(): void {
    const start = this.pos;
    while (this.byte() & 0x80) {
      if (this.pos - start > 10) throw new WasmDecodeError("LEB128 too long", start);
    }
  }

  /** A length-prefixed UTF-8 name. */
  name(): string {
    const n = this.u32();
    const start = this.pos;
    this.skip(n);
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(start, start + n));
  }
}

/** Collects output bytes in chunks and joins them once. */
export class ByteWriter {
  #chunks: Uint8Array[] = [];
  #small: number[] = [];
  length = 0;

  #flushSmall(): void {
    if (this.#small.length) {
      this.#chunks.push(Uint8Array.from(this.#small));
      this.#small = [];
    }
  }

  byte(b: number): this {
    this.#small.push(b & 0xff);
    this.length++;
    return this;
  }

  bytes(b: Uint8Array | readonly number[]): this {
    if (b instanceof Uint8Array && b.length > 64) {
      this.#flushSmall();
      this.#chunks.push(b);
    } else {
      for (const x of b) this.#small.push(x & 0xff);
    }
    this.length += b.length;
    return this;
  }

  /** An unsigned LEB128 integer. */
  u32(value: number): this {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** A signed LEB128 integer (32-bit range). */
  s32(value: number): this {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** A length-prefixed UTF-8 name. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  toBytes(): Uint8Array {
    this.#flushSmall();
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Encodes an unsigned LEB128 integer. */
export function u32Bytes(value: number): Uint8Array {
  return new ByteWriter().u32(value).toBytes();
}
