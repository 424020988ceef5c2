import { MtpError } from "./mtp-error.ts";

const LATIN1 = new Set([
  "iso-8859-1",
  "iso8859-1",
  "iso_8859-1",
  "latin1",
  "latin-1",
  "l1",
  "cp819",
  "ibm819",
  "iso-ir-100",
  // ASCII is a subset of Latin-1; bytes above 0x7F are read as Latin-1 rather than refused.
  "us-ascii",
  "ascii",
  "iso646-us",
]);
const UTF8 = new Set(["utf-8", "utf8"]);
const WINDOWS_1252 = new Set(["windows-1252", "cp1252"]);

/** Decodes bytes as ISO-8859-1 (each byte is the code point; no Windows-1252 remapping). */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    // `apply` takes the bytes as they are: a spread would run the iterator byte by byte.
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

/** Encodes text as ISO-8859-1; `undefined` if some character is outside Latin-1. */
export function encodeLatin1(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes a text payload by its declared charset: UTF-8 (strict), ISO-8859-1 and its aliases
 * (US-ASCII is read as Latin-1), Windows-1252. Without a charset the bytes are tried as UTF-8
 * and, when that fails, read as Latin-1 (what JADE writes by default is ASCII or Latin-1).
 *
 * @throws {MtpError} `unsupported-charset` (415) naming an unknown charset;
 * `malformed-payload` (400) when bytes declared UTF-8 are not.
 * @example
 * ```ts
 * decodeText(new Uint8Array([0xe9]), "ISO-8859-1"); // "é"
 * decodeText(new Uint8Array([0xc3, 0xa9]));         // "é"
 * ```
 */
export function decodeText(bytes: Uint8Array, charset?: string): string {
  const cs = charset?.trim().toLowerCase();
  if (cs === undefined || cs === "") {
    try {
      return utf8Fatal.decode(bytes);
    } catch {
      return decodeLatin1(bytes);
    }
  }
  if (UTF8.has(cs)) {
    try {
      return utf8Fatal.decode(bytes);
    } catch {
      throw new MtpError("malformed-payload", "Payload declared UTF-8 is not valid UTF-8", {
        charset,
      });
    }
  }
  if (LATIN1.has(cs)) return decodeLatin1(bytes);
  if (WINDOWS_1252.has(cs)) return new TextDecoder("windows-1252").decode(bytes);
  throw new MtpError(
    "unsupported-charset",
    `Charset '${charset}' is not supported (use UTF-8 or ISO-8859-1)`,
    { charset },
  );
}
