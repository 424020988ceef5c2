import { ApiError } from "../errors/mod.ts";

/**
 * Why an inbound HTTP MTP request (FIPA SC00084) was refused, one tag per failure class:
 *
 * | reason | API code | HTTP status |
 * | --- | --- | --- |
 * | `unsupported-media-type` (not `multipart/mixed`, unknown part type) | `UNSUPPORTED_MEDIA_TYPE` | 415 |
 * | `unsupported-representation` (ACL or envelope representation we do not speak) | `UNSUPPORTED_MEDIA_TYPE` | 415 |
 * | `unsupported-charset` | `UNSUPPORTED_MEDIA_TYPE` | 415 |
 * | `too-large` (body, envelope, part count or header limits) | `PAYLOAD_TOO_LARGE` | 413 |
 * | `malformed-multipart` | `INVALID_REQUEST` | 400 |
 * | `malformed-envelope` | `INVALID_REQUEST` | 400 |
 * | `malformed-payload` (the ACL text does not parse) | `INVALID_ACL` | 400 |
 */
export type MtpFailureReason =
  | "unsupported-media-type"
  | "unsupported-representation"
  | "unsupported-charset"
  | "too-large"
  | "malformed-multipart"
  | "malformed-envelope"
  | "malformed-payload";

const REASON_CODE = {
  "unsupported-media-type": "UNSUPPORTED_MEDIA_TYPE",
  "unsupported-representation": "UNSUPPORTED_MEDIA_TYPE",
  "unsupported-charset": "UNSUPPORTED_MEDIA_TYPE",
  "too-large": "PAYLOAD_TOO_LARGE",
  "malformed-multipart": "INVALID_REQUEST",
  "malformed-envelope": "INVALID_REQUEST",
  "malformed-payload": "INVALID_ACL",
} as const;

/**
 * An HTTP MTP codec failure. It is an {@link ApiError}, so the API's error middleware maps it
 * like any other (`status` follows from the code); `reason` says which MTP rule was broken.
 *
 * @example
 * ```ts
 * throw new MtpError("malformed-envelope", "envelope/params[1]/payload-length: 'x' is not an integer",
 *   { element: "envelope/params[1]/payload-length" });
 * ```
 */
export class MtpError extends ApiError {
  constructor(
    readonly reason: MtpFailureReason,
    message: string,
    details: Record<string, unknown> = {},
    options: { cause?: unknown } = {},
  ) {
    super(REASON_CODE[reason], message, { reason, ...details }, options);
    this.name = "MtpError";
  }
}
