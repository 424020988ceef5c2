/**
 * `multipart/mixed` bodies (RFC 2046 §5.1) as the FIPA HTTP MTP (SC00084) uses them: parse
 * leniently (CRLF or bare LF, preamble and epilogue ignored, header names case-insensitive,
 * folded headers), build strictly (CRLF everywhere, quoted boundary).
 * @module
 */
import { decodeLatin1 } from "./charset.ts";
import { type MediaType, parseMediaType } from "./content-type.ts";
import { MtpError } from "./mtp-error.ts";

/** One body part. */
export interface MimePart {
  /** Header fields by lower-case name (first occurrence wins), values unfolded and trimmed. */
  headers: Record<string, string>;
  /** The part's media type; `text/plain` when it has no `Content-Type` (RFC 2046 §5.1.1). */
  contentType: MediaType;
  /** The part's body, exactly the bytes between its header block and the next delimiter. */
  body: Uint8Array;
}

/** Limits for {@link parseMultipart}. */
export interface MultipartLimits {
  /** Largest body accepted, in bytes. Default 1 MiB. */
  maxBytes: number;
  /** Most parts accepted. Default 8. */
  maxParts: number;
  /** Largest header block of one part, in bytes. Default 8 KiB. */
  maxHeaderBytes: number;
}

/** The default {@link MultipartLimits}. */
export const DEFAULT_MULTIPART_LIMITS: Readonly<MultipartLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxParts: 8,
  maxHeaderBytes: 8 * 1024,
});

/** The preamble JADE writes before the first delimiter; harmless to any MIME reader. */
export const JADE_PREAMBLE = "This is not part of the MIME multipart encoded message.";

const ENCODER = new TextEncoder();
const CR = 13;
const LF = 10;
const DASH = 45;
const SP = 32;
const HT = 9;
// RFC 2046 bchars: digits, letters and '()+_,-./:=? and space (not last).
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

function malformed(message: string, details: Record<string, unknown> = {}): MtpError {
  return new MtpError("malformed-multipart", `Invalid multipart body: ${message}`, details);
}

/** Whether `pattern` occurs in `bytes` at `at`. */
function startsWithAt(bytes: Uint8Array, pattern: Uint8Array, at: number): boolean {
  if (at + pattern.length > bytes.length) return false;
  for (let k = 0; k < pattern.length; k++) if (bytes[at + k] !== pattern[k]) return false;
  return true;
}

/**
 * Finds the next delimiter line at or after `from`: `--boundary` at the start of a line, then
 * either `--` (the close delimiter) or optional blanks and a line break. Returns where the
 * delimiter starts, where the next part starts, and whether it closes the body.
 */
function nextDelimiter(
  bytes: Uint8Array,
  dash: Uint8Array,
  from: number,
): { at: number; next: number; close: boolean } | undefined {
  let i = from;
  while (i <= bytes.length - dash.length) {
    const hit = bytes.indexOf(DASH, i);
    if (hit < 0 || hit > bytes.length - dash.length) return undefined;
    i = hit + 1;
    if (bytes[hit + 1] !== DASH || (hit !== 0 && bytes[hit - 1] !== LF)) continue;
    if (!startsWithAt(bytes, dash, hit)) continue;
    let j = hit + dash.length;
    if (bytes[j] === DASH && bytes[j + 1] === DASH) return { at: hit, next: j + 2, close: true };
    while (bytes[j] === SP || bytes[j] === HT) j++;
    if (bytes[j] === CR && bytes[j + 1] === LF) return { at: hit, next: j + 2, close: false };
    if (bytes[j] === LF) return { at: hit, next: j + 1, close: false };
    // `--boundary` followed by something else is ordinary content.
  }
  return undefined;
}

/** Splits a part into its header block and body. */
function splitPart(part: Uint8Array, index: number, maxHeaderBytes: number): MimePart {
  const headers: Record<string, string> = {};
  let pos = 0;
  let last: string | undefined;
  for (;;) {
    if (pos > maxHeaderBytes) {
      throw new MtpError(
        "too-large",
        `Part ${index} has more than ${maxHeaderBytes} bytes of headers`,
        {
          part: index,
          limit: maxHeaderBytes,
        },
      );
    }
    const eol = part.indexOf(LF, pos);
    if (eol < 0) {
      if (pos === part.length) break; // an empty part: no headers, no body
      throw malformed(`part ${index} has no empty line after its headers`, { part: index });
    }
    const end = eol > pos && part[eol - 1] === CR ? eol - 1 : eol;
    const line = decodeLatin1(part.subarray(pos, end));
    pos = eol + 1;
    if (line === "") break;
    if ((line[0] === " " || line[0] === "\t") && last !== undefined) {
      headers[last] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw malformed(`part ${index} has a header line without a name: '${line.slice(0, 80)}'`, {
        part: index,
      });
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name in headers) {
      last = undefined;
      continue;
    }
    headers[name] = line.slice(colon + 1).trim();
    last = name;
  }
  const contentType = parseMediaType(headers["content-type"] ?? "text/plain");
  return { headers, contentType, body: part.subarray(Math.min(pos, part.length)) };
}

/**
 * Reads the boundary from a `multipart/*` content type.
 *
 * @throws {MtpError} `unsupported-media-type` when the type is not `multipart/mixed`;
 * `malformed-multipart` when the boundary is missing or not RFC 2046 compliant.
 */
export function multipartBoundary(contentType: string | null | undefined): string {
  if (!contentType) {
    throw new MtpError(
      "unsupported-media-type",
      "Content-Type is missing; expected multipart/mixed",
    );
  }
  const mt = parseMediaType(contentType);
  if (mt.type !== "multipart/mixed") {
    throw new MtpError(
      "unsupported-media-type",
      `Content-Type '${mt.type}' is not multipart/mixed`,
      { content_type: mt.type },
    );
  }
  const boundary = mt.params["boundary"];
  if (boundary === undefined) throw malformed("Content-Type has no boundary parameter");
  if (!BOUNDARY.test(boundary)) {
    throw malformed(`boundary '${boundary.slice(0, 80)}' is not a valid MIME boundary`);
  }
  return boundary;
}

/**
 * Parses a `multipart/mixed` body.
 *
 * @param contentType the request's `Content-Type` header (gives the boundary).
 * @throws {MtpError} `too-large` beyond the limits; `unsupported-media-type` for another
 * content type; `malformed-multipart` when no delimiter, no close delimiter or a broken part
 * header is found.
 * @example
 * ```ts
 * const parts = parseMultipart('multipart/mixed; boundary="b"', bytes);
 * parts[0].contentType.type; // "application/xml"
 * ```
 */
export function parseMultipart(
  contentType: string | null | undefined,
  body: Uint8Array,
  limits: Partial<MultipartLimits> = {},
): MimePart[] {
  const lim = { ...DEFAULT_MULTIPART_LIMITS, ...limits };
  if (body.length > lim.maxBytes) {
    throw new MtpError("too-large", `Body of ${body.length} bytes exceeds ${lim.maxBytes} bytes`, {
      limit: lim.maxBytes,
    });
  }
  const boundary = multipartBoundary(contentType);
  const dash = ENCODER.encode(`--${boundary}`);
  let d = nextDelimiter(body, dash, 0);
  if (!d) throw malformed(`no delimiter --${boundary} found`);
  const parts: MimePart[] = [];
  while (!d.close) {
    const start = d.next;
    const nd = nextDelimiter(body, dash, start);
    if (!nd) throw malformed(`no closing delimiter --${boundary}-- found`);
    if (parts.length >= lim.maxParts) {
      throw new MtpError("too-large", `Body has more than ${lim.maxParts} parts`, {
        limit: lim.maxParts,
      });
    }
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let end = Math.max(start, nd.at - 1);
    if (end > start && body[end - 1] === CR) end--;
    parts.push(splitPart(body.subarray(start, end), parts.length + 1, lim.maxHeaderBytes));
    d = nd;
  }
  return parts;
}

/** A part to write with {@link buildMultipart}. */
export interface OutgoingPart {
  /** Full `Content-Type` value, e.g. `application/xml` or `application/text; charset=UTF-8`. */
  contentType: string;
  /** The body; strings are encoded as UTF-8. */
  body: Uint8Array | string;
}

/** A built multipart body and the `Content-Type` header that goes with it. */
export interface BuiltMultipart {
  /** `multipart/mixed ; boundary="..."`: JADE's reader needs the boundary quoted. */
  contentType: string;
  body: Uint8Array<ArrayBuffer>;
}

/**
 * Builds a `multipart/mixed` body: the preamble (JADE's by default), each part with its
 * `Content-Type`, CRLF line ends, the close delimiter followed by CRLF.
 *
 * @throws {RangeError} when the boundary is not a valid MIME boundary or occurs in a part.
 * @example
 * ```ts
 * const { contentType, body } = buildMultipart("b0f3", [
 *   { contentType: "application/xml", body: envelopeXml },
 *   { contentType: "application/text; charset=UTF-8", body: aclText },
 * ]);
 * ```
 */
export function buildMultipart(
  boundary: string,
  parts: OutgoingPart[],
  preamble: string = JADE_PREAMBLE,
): BuiltMultipart {
  if (!BOUNDARY.test(boundary)) throw new RangeError(`'${boundary}' is not a valid MIME boundary`);
  const delimiter = `--${boundary}`;
  let dash: Uint8Array | undefined;
  // The text between the bodies, and the bodies, in order; encoded once into one buffer.
  const pieces: (string | Uint8Array)[] = [];
  let before = preamble ? `${preamble}\r\n` : "";
  for (const p of parts) {
    if (/[\r\n]/.test(p.contentType)) throw new RangeError("Content-Type must be one line");
    // The delimiter is ASCII: a string holds it exactly when its UTF-8 bytes do.
    const inside = typeof p.body === "string"
      ? p.body.includes(delimiter)
      : occursIn(p.body, dash ??= ENCODER.encode(delimiter));
    if (inside) throw new RangeError(`boundary '${boundary}' occurs inside a part`);
    pieces.push(`${before}${delimiter}\r\nContent-Type: ${p.contentType}\r\n\r\n`, p.body);
    before = "\r\n";
  }
  pieces.push(`${before}${delimiter}--\r\n`);
  // At most 3 bytes per UTF-16 unit of text.
  let size = 0;
  for (const x of pieces) size += typeof x === "string" ? x.length * 3 : x.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const x of pieces) {
    if (typeof x === "string") at += ENCODER.encodeInto(x, out.subarray(at)).written;
    else {
      out.set(x, at);
      at += x.length;
    }
  }
  return { contentType: `multipart/mixed ; boundary="${boundary}"`, body: out.subarray(0, at) };
}

/** Whether `pattern` (which starts with two dashes) occurs anywhere in `bytes`. */
function occursIn(bytes: Uint8Array, pattern: Uint8Array): boolean {
  for (let i = bytes.indexOf(DASH); i >= 0; i = bytes.indexOf(DASH, i + 1)) {
    if (bytes[i + 1] === DASH && startsWithAt(bytes, pattern, i)) return true;
  }
  return false;
}
