/**
 * Inbound FIPA HTTP MTP (SC00084): a foreign platform (JADE above all) POSTs one message to
 * our ACC at `/acc` as `multipart/mixed` with two parts, the XML envelope (SC00085) and the ACL
 * payload in the string representation (SC00070).
 *
 * ## What the HTTP answer must be
 * SC00084 makes the HTTP response the only acknowledgement the sending ACC gets:
 * - **200 OK with an empty body** once the request parsed and the message was handed to our
 *   message transport. Acceptance is about transport, not delivery: if a receiver turns out
 *   not to exist or cannot be reached, we still answer 200 and our AMS later sends the sender
 *   a FIPA `failure` (see `failure.ts`), as SC00067 prescribes.
 * - **An error status** (4xx/5xx) when the request itself is refused; the sender then treats
 *   the message as not transported (JADE reports it to its agent as an MTS failure). The
 *   classes: 400 for a malformed multipart body, envelope or ACL payload; 413 beyond our
 *   size limits; 415 for a content type, representation or charset we do not speak; 500 for
 *   our own faults; 503 when the node cannot take messages now. See {@link mtpFailureStatus}.
 *   JADE ignores the response body and only looks at the status line; we send a short
 *   `text/plain` reason ({@link mtpResponse}).
 * @module
 */
import {
  ACL_XML_REPRESENTATION,
  AclError,
  type AclMessage,
  type AgentIdentifier,
  parseAclString,
  parseAclXml,
} from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { decodeText } from "./charset.ts";
import { type EnvelopeLimits, parseEnvelopeXml } from "./envelope.ts";
import {
  effectiveEnvelope,
  type Envelope,
  envelopeReceivers,
  type EnvelopeView,
} from "./envelope-model.ts";
import { MtpError } from "./mtp-error.ts";
import { ACL_STRING_REPRESENTATION, MESSAGE_ID_PARAM } from "./names.ts";
import { type MimePart, type MultipartLimits, parseMultipart } from "./multipart.ts";

/** Part types accepted for the envelope (the spec's, JADE's and a common alias). */
export const ENVELOPE_PART_TYPES: readonly string[] = [
  "application/xml",
  "text/xml",
  "application/fipa.mts.env.rep.xml.std",
];

/**
 * Part types accepted for the ACL payload. JADE writes `application/text`, or the bare
 * representation name with a charset when the envelope has a payload encoding.
 */
export const PAYLOAD_PART_TYPES: readonly string[] = [
  "application/text",
  "text/plain",
  "application/fipa.acl.rep.string.std",
  "fipa.acl.rep.string.std",
  "application/octet-stream",
  // The XML representation (SC00071), chosen by the envelope's acl-representation.
  "application/xml",
  "text/xml",
  "application/fipa.acl.rep.xml.std",
  "fipa.acl.rep.xml.std",
];

/** The ACL representations we read, by the envelope's `acl-representation` (lower case). */
export const SUPPORTED_REPRESENTATIONS: readonly string[] = [
  ACL_STRING_REPRESENTATION,
  ACL_XML_REPRESENTATION,
];

/** Limits for {@link parseHttpMtpRequest}: the multipart ones plus the envelope size. */
export type InboundLimits = MultipartLimits & EnvelopeLimits;

/** Options of {@link parseHttpMtpRequest}. */
export interface InboundOptions {
  /** Overrides of the size limits (defaults: 1 MiB body, 8 parts, 64 Ki-char envelope). */
  limits?: Partial<InboundLimits>;
  /**
   * When the request arrived (epoch ms), to resolve a relative `:reply-by` (`+…T…`) in the
   * ACL payload; without it such a message is refused. The shell passes its clock.
   */
  now?: number;
}

/** Transfer encodings that leave the bytes as they are; anything else is refused. */
const IDENTITY_ENCODINGS = new Set(["7bit", "8bit", "binary"]);

/** What an accepted request carries. */
export interface InboundMessage {
  /** The envelope as sent, every `params`. */
  envelope: Envelope;
  /** The envelope's `params` merged (latest index wins). */
  effective: EnvelopeView;
  /** The ACL payload, decoded to text. */
  payload: string;
  /** The payload parsed (its `receivers` are informational: see {@link receivers}). */
  message: AclMessage;
  /**
   * Whom to deliver to: the latest `intended-receiver` of the envelope, else its `to`. This
   * overrides the receivers written in the ACL message (SC00067).
   */
  receivers: AgentIdentifier[];
  /** Things that did not stop the message, e.g. a `payload-length` that does not match. */
  warnings: string[];
  /** The ACL representation of the payload (lower case), e.g. `fipa.acl.rep.xml.std`. */
  representation: string;
  /**
   * The sending platform's id of the message (the envelope's {@link MESSAGE_ID_PARAM}, the
   * same on its retries), when it gave a non-empty one.
   */
  messageId?: string;
}

function partType(part: MimePart): string {
  return part.contentType.type;
}

function checkTransferEncoding(part: MimePart, index: number): void {
  const cte = part.headers["content-transfer-encoding"]?.trim().toLowerCase();
  if (cte !== undefined && !IDENTITY_ENCODINGS.has(cte)) {
    throw new MtpError(
      "unsupported-media-type",
      `Part ${index} uses Content-Transfer-Encoding '${cte}'; only 7bit, 8bit or binary`,
      { part: index, content_transfer_encoding: cte },
    );
  }
}

/**
 * Parses an inbound HTTP MTP request into envelope, payload and receivers. Pure: no clock,
 * no I/O. The ACL payload is parsed with `parseAclString`.
 *
 * Charset of the payload: the part's `charset` parameter, else the envelope's
 * `payload-encoding`, else UTF-8 falling back to ISO-8859-1.
 *
 * @param contentType the request's `Content-Type` header.
 * @param body the raw request body.
 * @param options size limits and the arrival time (for a relative `:reply-by`).
 * @throws {MtpError} for every refusal; map it with {@link mtpFailureStatus}.
 * @example
 * ```ts
 * const body = new Uint8Array(await c.req.arrayBuffer());
 * const req = parseHttpMtpRequest(c.req.header("content-type"), body, { now: Date.now() });
 * for (const r of req.receivers) deliver(r, req.message);
 * ```
 */
export function parseHttpMtpRequest(
  contentType: string | null | undefined,
  body: Uint8Array,
  options: InboundOptions = {},
): InboundMessage {
  const limits = options.limits ?? {};
  const parts = parseMultipart(contentType, body, limits);
  if (parts.length !== 2) {
    throw new MtpError(
      "malformed-multipart",
      `Invalid multipart body: expected 2 parts (envelope, payload), found ${parts.length}`,
      { parts: parts.length },
    );
  }
  const [envPart, payloadPart] = parts;
  if (!ENVELOPE_PART_TYPES.includes(partType(envPart))) {
    throw new MtpError(
      "unsupported-media-type",
      `Envelope part type '${partType(envPart)}' is not supported; expected application/xml`,
      { part: 1, content_type: partType(envPart) },
    );
  }
  if (!PAYLOAD_PART_TYPES.includes(partType(payloadPart))) {
    throw new MtpError(
      "unsupported-media-type",
      `Payload part type '${partType(payloadPart)}' is not supported; expected application/text`,
      { part: 2, content_type: partType(payloadPart) },
    );
  }
  checkTransferEncoding(envPart, 1);
  checkTransferEncoding(payloadPart, 2);
  const envCharset = envPart.contentType.params["charset"];
  // JADE writes the envelope byte per char (Latin-1) and declares nothing: decode leniently.
  const envelope = parseEnvelopeXml(decodeText(envPart.body, envCharset), limits);
  const effective = effectiveEnvelope(envelope);

  const repr = (effective.acl_representation ?? ACL_STRING_REPRESENTATION).toLowerCase();
  if (!SUPPORTED_REPRESENTATIONS.includes(repr)) {
    throw new MtpError(
      "unsupported-representation",
      `ACL representation '${effective.acl_representation}' is not supported; expected ${
        SUPPORTED_REPRESENTATIONS.join(" or ")
      }`,
      { acl_representation: effective.acl_representation, envelope: effective },
    );
  }
  const receivers = envelopeReceivers(effective);
  if (!receivers.length) {
    throw new MtpError(
      "malformed-envelope",
      "Invalid envelope: envelope/params/to: the envelope names no receiver (to)",
      { element: "envelope/params/to" },
    );
  }

  const warnings: string[] = [];
  if (
    effective.payload_length !== undefined && effective.payload_length !== payloadPart.body.length
  ) {
    warnings.push(
      `payload-length ${effective.payload_length} differs from the ${payloadPart.body.length} payload bytes received`,
    );
  }
  const charset = payloadPart.contentType.params["charset"] ?? effective.payload_encoding;
  const payload = decodeText(payloadPart.body, charset);
  let message: AclMessage;
  try {
    const opts = options.now === undefined ? {} : { now: options.now };
    message = repr === ACL_XML_REPRESENTATION
      ? parseAclXml(payload, opts)
      : parseAclString(payload, opts);
  } catch (e) {
    if (e instanceof AclError) {
      throw new MtpError("malformed-payload", `Invalid ACL payload: ${e.message}`, {
        issues: e.issues,
      }, { cause: e });
    }
    throw e;
  }
  const messageId = effective.user_defined?.[MESSAGE_ID_PARAM] || undefined;
  return {
    envelope,
    effective,
    payload,
    message,
    receivers,
    warnings,
    representation: repr,
    ...(messageId ? { messageId } : {}),
  };
}

/**
 * The HTTP status to answer an HTTP MTP request with, given why it failed: the status of an
 * {@link MtpError} or other `ApiError` (400, 413, 415, 503, ...), 400 for a bare `AclError`,
 * 500 for anything else (our fault). Success is always 200.
 */
export function mtpFailureStatus(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  if (err instanceof AclError) return 400;
  return 500;
}

/**
 * The response to an HTTP MTP request: `200 OK` with an empty body when `err` is undefined,
 * otherwise {@link mtpFailureStatus} with a one-line `text/plain` reason. Internal errors get
 * a generic reason so nothing leaks.
 */
export function mtpResponse(err?: unknown): Response {
  const headers = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" };
  if (err === undefined) return new Response(null, { status: 200, headers });
  const status = mtpFailureStatus(err);
  const reason = status >= 500 && !(err instanceof ApiError)
    ? "internal error"
    : (err as Error).message;
  return new Response(reason.replace(/[\r\n]+/g, " "), { status, headers });
}
