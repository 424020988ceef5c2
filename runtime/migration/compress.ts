/**
 * gzip with the platform's CompressionStream, and a bounded gunzip for bytes from peers.
 * @module
 */

async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) throw new RangeError(`${what} exceeds ${limit} bytes`);
      parts.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function source(bytes: Uint8Array): ReadableStream<BufferSource> {
  return new ReadableStream<BufferSource>({
    start(c) {
      c.enqueue(bytes as BufferSource);
      c.close();
    },
  });
}

/** gzip-compresses `bytes`. */
export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return collect(
    source(bytes).pipeThrough(new CompressionStream("gzip")),
    Number.MAX_SAFE_INTEGER,
    "gzip output",
  );
}

/**
 * Decompresses gzip bytes, refusing output larger than `limit` (a decompression bomb stops
 * at the limit, not at the end of memory).
 *
 * @throws {RangeError} past the limit; {@link TypeError} for bytes that are not gzip.
 */
export function gunzip(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  return collect(
    source(bytes).pipeThrough(new DecompressionStream("gzip")),
    limit,
    "decompressed snapshot",
  );
}
