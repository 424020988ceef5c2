/** One part of a multipart/form-data body. */
export interface FormPart {
  /** The field name (`config`, `wasm`). */
  name: string;
  /** The file name, for a file upload. */
  filename?: string;
  /** The part's content type. */
  contentType: string;
  /** The part's bytes. */
  data: Uint8Array;
}

const enc = new TextEncoder();

function quoted(s: string): string {
  return `"${s.replace(/["\\\r\n]/g, (c) => (c === '"' ? "%22" : c === "\\" ? "\\\\" : ""))}"`;
}

/**
 * Encodes a multipart/form-data body (RFC 7578). Pure; the boundary comes from the caller
 * and must not occur in the data.
 *
 * @example
 * ```ts
 * const body = multipartBody([{ name: "config", contentType: "application/json", data }], "b0");
 * // content-type: multipart/form-data; boundary=b0
 * ```
 */
export function multipartBody(parts: readonly FormPart[], boundary: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    const disposition = `form-data; name=${quoted(p.name)}` +
      (p.filename !== undefined ? `; filename=${quoted(p.filename)}` : "");
    chunks.push(enc.encode(
      `--${boundary}\r\nContent-Disposition: ${disposition}\r\n` +
        `Content-Type: ${p.contentType}\r\n\r\n`,
    ));
    chunks.push(p.data);
    chunks.push(enc.encode("\r\n"));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * A stream over `bytes` in `chunkSize` pieces that reports how many bytes were taken so
 * far: the upload's progress as the HTTP client pulls the body.
 */
export function progressStream(
  bytes: Uint8Array,
  onProgress: (sent: number, total: number) => void,
  chunkSize = 64 * 1024,
): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) {
        onProgress(bytes.length, bytes.length);
        controller.close();
        return;
      }
      const end = Math.min(at + chunkSize, bytes.length);
      controller.enqueue(bytes.subarray(at, end));
      at = end;
      onProgress(at, bytes.length);
    },
  });
}
