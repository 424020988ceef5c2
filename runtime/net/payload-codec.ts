/**
 * The body encoding of JSON frames (pure): UTF-8 JSON in which every `Uint8Array` becomes
 * `{"$bytes": "<base64>"}` and comes back as a `Uint8Array`, so binary fields (Raft
 * entries, signatures, snapshot parts) round-trip. `"$bytes"` is therefore a reserved key:
 * an object whose only key is `$bytes` always decodes to bytes.
 * @module
 */
import { z } from "zod";

const BYTES_KEY = "$bytes";
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A zod schema for a binary field of a frame. */
export const BytesSchema: z.ZodType<Uint8Array> = z.instanceof(Uint8Array);

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES_KEY]: value.toBase64() };
  if (typeof value === "bigint") throw new TypeError(`cannot encode bigint ${value} in a frame`);
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === BYTES_KEY) {
      const b64 = (value as Record<string, unknown>)[BYTES_KEY];
      if (typeof b64 !== "string") {
        throw new SyntaxError(`"${BYTES_KEY}" must hold a base64 string`);
      }
      return Uint8Array.fromBase64(b64);
    }
  }
  return value;
}

/**
 * Encodes a value as a frame body.
 *
 * @example
 * ```ts
 * const body = encodePayload({ term: 3, entry: new Uint8Array([1, 2]) });
 * decodePayload(body); // { term: 3, entry: Uint8Array [1, 2] }
 * ```
 */
export function encodePayload(value: unknown): Uint8Array {
  const text = JSON.stringify(value === undefined ? null : value, replacer);
  return encoder.encode(text);
}

/** Decodes a frame body; throws `SyntaxError` (or `TypeError`) when it is not valid. */
export function decodePayload(body: Uint8Array): unknown {
  return JSON.parse(decoder.decode(body), reviver);
}
