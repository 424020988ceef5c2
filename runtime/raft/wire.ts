import { type Message, MessageSchema } from "./messages.ts";

/**
 * The byte form of Raft messages for the node-to-node transport: UTF-8 JSON in which every
 * `Uint8Array` is written as `{"$b64": "<base64>"}`. Decoding validates with
 * {@link MessageSchema}, so a peer's frame is trusted only after it parsed.
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Error thrown by {@link decodeMessage} for a frame that is not a valid Raft message. */
export class WireError extends Error {
  /** @param message what is wrong with the frame; `cause` the underlying error */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WireError";
  }
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $b64: value.toBase64() };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (
    value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.keys(value).length === 1 && typeof (value as { $b64?: unknown }).$b64 === "string"
  ) {
    return Uint8Array.fromBase64((value as { $b64: string }).$b64);
  }
  return value;
}

/**
 * Encodes a message to bytes.
 *
 * @example
 * ```ts
 * const bytes = encodeMessage({ type: "timeoutNow", term: 3, from: "a", to: "b" });
 * decodeMessage(bytes); // the same message
 * ```
 */
export function encodeMessage(msg: Message): Uint8Array {
  return encoder.encode(JSON.stringify(msg, replacer));
}

/**
 * Decodes and validates bytes produced by {@link encodeMessage}.
 * @throws {WireError} when the bytes are not UTF-8 JSON or not a valid message; the error
 * names the offending field.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes), reviver);
  } catch (cause) {
    throw new WireError(`raft frame is not JSON: ${String(cause)}`, { cause });
  }
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WireError(
      `invalid raft message at ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
