/**
 * The FIPA HTTP message transport (SC00084) with XML envelopes (SC00085): how agents on other
 * FIPA platforms (JADE above all) reach ours and how we reach them.
 *
 * - Inbound: {@link parseHttpMtpRequest} turns `POST /acc` (`multipart/mixed`: XML envelope +
 *   ACL string) into envelope, ACL message and receivers; {@link mtpResponse} /
 *   {@link mtpFailureStatus} give the HTTP answer (200 empty on acceptance).
 * - Outbound: {@link sendHttpMtp} posts a message to a foreign agent's `http://` addresses
 *   with retries and backoff; {@link deliveryFailureMessage} builds the AMS `failure` when it
 *   could not.
 * - Codecs: {@link parseEnvelopeXml} / {@link buildEnvelopeXml}, {@link parseMultipart} /
 *   {@link buildMultipart}, {@link parseFipaDate} / {@link formatFipaDate}.
 * - {@link apDescription}: what `GET /api/v1/platform` returns.
 *
 * @example
 * ```ts
 * import { mtpResponse, parseHttpMtpRequest } from "./runtime/mtp/mod.ts";
 * app.post("/acc", async (c) => {
 *   try {
 *     const body = new Uint8Array(await c.req.arrayBuffer());
 *     const m = parseHttpMtpRequest(c.req.header("content-type"), body, { now: Date.now() });
 *     await transport.accept(m.message, m.receivers);
 *     return mtpResponse();
 *   } catch (e) {
 *     return mtpResponse(e);
 *   }
 * });
 * ```
 * @module
 */
export { MtpError, type MtpFailureReason } from "./mtp-error.ts";
export {
  ACL_STRING_REPRESENTATION,
  HTTP_MTP_NAME,
  MESSAGE_ID_PARAM,
  XML_ENVELOPE_REPRESENTATION,
} from "./names.ts";
export { formatFipaDate, parseFipaDate } from "./fipa-date.ts";
export {
  effectiveEnvelope,
  type Envelope,
  type EnvelopeParams,
  EnvelopeParamsSchema,
  envelopeReceivers,
  EnvelopeSchema,
  type EnvelopeView,
  isCanonicalEnvelope,
  type ReceivedStamp,
  ReceivedStampSchema,
} from "./envelope-model.ts";
export { type EnvelopeLimits, parseEnvelopeXml } from "./envelope.ts";
export { buildEnvelopeXml } from "./envelope-build.ts";
export { type MediaType, parseMediaType } from "./content-type.ts";
export { decodeLatin1, decodeText, encodeLatin1 } from "./charset.ts";
export {
  buildMultipart,
  type BuiltMultipart,
  DEFAULT_MULTIPART_LIMITS,
  JADE_PREAMBLE,
  type MimePart,
  multipartBoundary,
  type MultipartLimits,
  type OutgoingPart,
  parseMultipart,
} from "./multipart.ts";
export {
  ENVELOPE_PART_TYPES,
  type InboundLimits,
  type InboundMessage,
  type InboundOptions,
  mtpFailureStatus,
  mtpResponse,
  parseHttpMtpRequest,
  PAYLOAD_PART_TYPES,
  SUPPORTED_REPRESENTATIONS,
} from "./inbound.ts";
export { backoffDelay } from "../async/mod.ts";
export {
  buildHttpMtpRequest,
  DEFAULT_RETRY_POLICY,
  defaultHttpMtpDeps,
  type DeliveryAttempt,
  type HttpMtpClientDeps,
  type HttpMtpRequest,
  type HttpMtpRequestInput,
  isRetryableStatus,
  type RetryPolicy,
  sendHttpMtp,
  type SendOptions,
  type SendResult,
} from "./outbound.ts";
export {
  type AclRepresentation,
  REPRESENTATION_SLOT,
  RepresentationChoice,
} from "./representation.ts";
export { deliveryFailureMessage, type FailureReason, mtsErrorContent } from "./failure.ts";
export { slAgentIdentifier, slString, slTerm } from "./sl-terms.ts";
export {
  type ApDescription,
  apDescription,
  apDescriptionToSl,
  type ApService,
  DEFAULT_CONTENT_LANGUAGES,
  type PlatformConfig,
  PlatformConfigSchema,
} from "./platform.ts";
