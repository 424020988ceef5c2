/**
 * The API error codes and their HTTP statuses: the table of the Caxton API reference
 * (`seeds/003`), plus the codes this runtime adds for ACL, protocol and HTTP-level errors.
 */
export const ERROR_STATUS = {
  AGENT_NOT_FOUND: 404,
  AGENT_ALREADY_EXISTS: 409,
  INVALID_WASM: 400,
  RESOURCE_LIMIT_EXCEEDED: 429,
  DEPLOYMENT_FAILED: 500,
  MESSAGE_DELIVERY_FAILED: 500,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  // Added by fipa-edge.
  INVALID_ACL: 400,
  INVALID_REQUEST: 400,
  /** A component's signature is missing (when required), untrusted or wrong. */
  INVALID_SIGNATURE: 400,
  PROTOCOL_VIOLATION: 409,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  AGENT_UNAVAILABLE: 503,
  TIMEOUT: 504,
  CONFLICT: 409,
  NOT_LEADER: 503,
  UNAVAILABLE: 503,
  /** A write may or may not have been committed: the leader's answer never came back. */
  OUTCOME_UNKNOWN: 504,
} as const;

/** One API error code, e.g. `"AGENT_NOT_FOUND"`. */
export type ErrorCode = keyof typeof ERROR_STATUS;
