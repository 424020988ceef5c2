/**
 * Outbound FIPA HTTP MTP (SC00084): send an ACL message to an agent on a foreign platform by
 * POSTing `multipart/mixed` (XML envelope + ACL string) to its `http://…/acc` address.
 *
 * The request is built by a pure function ({@link buildHttpMtpRequest}); the sender
 * ({@link sendHttpMtp}) is a thin shell over injected `fetch`, `sleep`, clock and boundary
 * source, so tests are deterministic. A final failure is returned as data, for the caller to
 * turn into a FIPA `failure` to the sender (`deliveryFailureMessage` in `failure.ts`).
 * @module
 */
import {
  ACL_XML_REPRESENTATION,
  type AclMessage,
  type AgentIdentifier,
  aid,
  toAclString,
  toAclXml,
} from "../acl/mod.ts";
import type { AclRepresentation } from "./representation.ts";
import { backoffDelay, TimeoutSlots } from "../async/mod.ts";
import { buildEnvelopeXml } from "./envelope-build.ts";
import type { EnvelopeParams } from "./envelope-model.ts";
import { ACL_STRING_REPRESENTATION, MESSAGE_ID_PARAM } from "./names.ts";
import { buildMultipart } from "./multipart.ts";

const ENCODER = new TextEncoder();

/** Retry behaviour of {@link sendHttpMtp}, per receiver address. */
export interface RetryPolicy {
  /** Attempts per address, the first one included. */
  maxAttempts: number;
  /** Wait before the second attempt, in ms. */
  initialDelayMs: number;
  /** Each further wait is the previous one times this. */
  factor: number;
  /** Upper bound of one wait, in ms (also caps a server's `Retry-After`). */
  maxDelayMs: number;
  /**
   * Time allowed for one attempt (connect, send, response headers), in ms; the attempt is
   * aborted at most `DEFAULT_SLOT_MS` (8 ms) later (timeouts are grouped, see `TimeoutSlots`).
   */
  timeoutMs: number;
}

/**
 * Defaults: 3 attempts per address, waiting 500 ms then 1 s (×2, capped at 8 s), 10 s per
 * attempt. With two addresses a dead receiver costs at most ~6 attempts and ~3 s of waits
 * plus timeouts.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 3,
  initialDelayMs: 500,
  factor: 2,
  maxDelayMs: 8000,
  timeoutMs: 10_000,
});

/** The effects {@link sendHttpMtp} needs, injected. */
export interface HttpMtpClientDeps {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  sleep: (ms: number) => Promise<void>;
  /** The clock, for the envelope date. */
  now: () => Date;
  /** A fresh MIME boundary (random in production). */
  boundary: () => string;
  /**
   * Where each attempt's timeout is set (one timer per few ms of attempts, not one each);
   * default one shared by all senders.
   */
  timeouts?: TimeoutSlots;
}

/** The attempt timeouts of senders whose deps bring none. */
const SHARED_TIMEOUTS = new TimeoutSlots();

/** Production dependencies: global `fetch`, `setTimeout`, the system clock, random boundaries. */
export function defaultHttpMtpDeps(): HttpMtpClientDeps {
  return {
    fetch: (url, init) => fetch(url, init),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    // 122 random bits as 32 hex digits (a random UUID without its dashes): ~8x cheaper than
    // hex-encoding 16 random bytes by hand.
    boundary: () => `fipa-edge-${crypto.randomUUID().replaceAll("-", "")}`,
  };
}

/** Inputs of {@link buildHttpMtpRequest} besides the message. */
export interface HttpMtpRequestInput {
  /** Envelope date. */
  date: Date;
  /** MIME boundary. */
  boundary: string;
  /**
   * Our platform's MTP addresses (`http://host:port/acc`). When the sender's identifier has no
   * address they are filled in, in the envelope and in the ACL `:sender`, so that the foreign
   * agent can reply.
   */
  platformAddresses?: string[];
  /** Envelope `comments`. */
  comments?: string;
  /** The ACL representation of the payload; default the string one (SC00070). */
  representation?: AclRepresentation;
  /**
   * Our id of the message, written as the envelope's {@link MESSAGE_ID_PARAM}; every attempt
   * and retry of the message must carry the same one (the receiver deduplicates on it).
   */
  messageId?: string;
}

/** A ready HTTP MTP request. */
export interface HttpMtpRequest {
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
  /** The envelope that was written, for logs and tests. */
  envelope: EnvelopeParams;
  /** The ACL text that was written. */
  payload: string;
}

/** An identifier reduced to name and addresses: JADE misreads resolvers inside envelopes. */
function envelopeAid(id: AgentIdentifier): AgentIdentifier {
  return aid(id.name, [...id.addresses]);
}

/**
 * Builds the HTTP MTP request that carries `msg` to `receiver` (pure). The envelope names the
 * one receiver in `to` and `intended-receiver`, the sender in `from`, representation
 * `fipa.acl.rep.string.std` (or `fipa.acl.rep.xml.std` when `input.representation` asks for
 * it), the payload length in bytes, `payload-encoding` UTF-8, the date and, when given, our
 * message id ({@link MESSAGE_ID_PARAM}). The payload is
 * `toAclString(msg)` (or `toAclXml(msg)`) in UTF-8; the ACL receivers stay as written.
 *
 * @example
 * ```ts
 * const req = buildHttpMtpRequest(msg, receiver, { date: new Date(), boundary: "b1" });
 * await fetch(receiver.addresses[0], { method: "POST", headers: req.headers, body: req.body });
 * ```
 */
export function buildHttpMtpRequest(
  msg: AclMessage,
  receiver: AgentIdentifier,
  input: HttpMtpRequestInput,
): HttpMtpRequest {
  let message = msg;
  if (msg.sender && msg.sender.addresses.length === 0 && input.platformAddresses?.length) {
    message = { ...msg, sender: { ...msg.sender, addresses: [...input.platformAddresses] } };
  }
  const xml = input.representation === ACL_XML_REPRESENTATION;
  const payload = xml ? toAclXml(message) : toAclString(message);
  const bytes = ENCODER.encode(payload);
  const envelope: EnvelopeParams = {
    index: 1,
    to: [envelopeAid(receiver)],
    ...(message.sender ? { from: envelopeAid(message.sender) } : {}),
    ...(input.comments !== undefined ? { comments: input.comments } : {}),
    acl_representation: xml ? ACL_XML_REPRESENTATION : ACL_STRING_REPRESENTATION,
    payload_length: bytes.length,
    payload_encoding: "UTF-8",
    date: input.date.toISOString(),
    intended_receiver: [envelopeAid(receiver)],
    ...(input.messageId ? { user_defined: { [MESSAGE_ID_PARAM]: input.messageId } } : {}),
  };
  const built = buildMultipart(input.boundary, [
    { contentType: "application/xml", body: buildEnvelopeXml(envelope) },
    {
      contentType: xml ? "application/xml; charset=UTF-8" : "application/text; charset=UTF-8",
      body: bytes,
    },
  ]);
  return {
    headers: {
      "content-type": built.contentType,
      "cache-control": "no-cache",
      "mime-version": "1.0",
    },
    body: built.body,
    envelope,
    payload,
  };
}

/** One try to hand the message to one address. */
export interface DeliveryAttempt {
  address: string;
  /** 1-based attempt number at this address. */
  attempt: number;
  /** HTTP status, when a response came. */
  status?: number;
  /** Why it failed without a response (network error, timeout), or why it was skipped. */
  error?: string;
}

/** The outcome of {@link sendHttpMtp}: success, or a failure described as data. */
export type SendResult =
  | {
    ok: true;
    receiver: AgentIdentifier;
    /** The address that took the message. */
    address: string;
    status: number;
    attempts: DeliveryAttempt[];
  }
  | {
    ok: false;
    receiver: AgentIdentifier;
    /** One line for the FIPA `failure` (`internal-error "..."`). */
    reason: string;
    attempts: DeliveryAttempt[];
  };

/** Options of {@link sendHttpMtp}. */
export interface SendOptions {
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** See {@link HttpMtpRequestInput.platformAddresses}. */
  platformAddresses?: string[];
  /** Envelope `comments`. */
  comments?: string;
  /** See {@link HttpMtpRequestInput.representation}. */
  representation?: AclRepresentation;
  /** See {@link HttpMtpRequestInput.messageId}. */
  messageId?: string;
}

/** Whether a status is worth retrying at the same address: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isHttpAddress(address: string): boolean {
  try {
    const u = new URL(address);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** `Retry-After` in ms when it is a number of seconds. */
function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  return v && /^\d{1,6}$/.test(v.trim()) ? Number(v) * 1000 : undefined;
}

async function attemptOnce(
  deps: HttpMtpClientDeps,
  address: string,
  req: HttpMtpRequest,
  timeoutMs: number,
): Promise<{ status: number; retryAfter?: number } | { error: string }> {
  const abort = new AbortController();
  const timeouts = deps.timeouts ?? SHARED_TIMEOUTS;
  const timeout = timeouts.add(() => abort.abort(new Error("timed out")), timeoutMs);
  try {
    const res = await deps.fetch(address, {
      method: "POST",
      headers: req.headers,
      body: req.body,
      redirect: "manual",
      signal: abort.signal,
    });
    await res.body?.cancel();
    // Retry-After only matters for a status that is retried (read no header otherwise).
    return isRetryableStatus(res.status)
      ? { status: res.status, retryAfter: retryAfterMs(res) }
      : { status: res.status };
  } catch (e) {
    return {
      error: abort.signal.aborted ? `timed out after ${timeoutMs} ms` : (e as Error).message,
    };
  } finally {
    timeouts.cancel(timeout);
  }
}

/**
 * Sends `msg` to one foreign `receiver` over the HTTP MTP. Tries the receiver's `http(s)://`
 * addresses in order (others are skipped); at each address up to `maxAttempts` times with
 * exponential backoff ({@link backoffDelay}) while the failure is retryable (network error,
 * timeout, 408, 429, 5xx; a `Retry-After` in seconds lengthens the wait up to `maxDelayMs`).
 * Any 2xx is success. Another status (4xx, 3xx) moves on to the next address at once.
 *
 * Never throws for delivery problems: the result says what happened. Send one request per
 * receiver (JADE reads one agent per envelope `to`).
 *
 * @example
 * ```ts
 * const r = await sendHttpMtp(msg, receiver, defaultHttpMtpDeps(), {
 *   platformAddresses: ["http://node-a:8080/acc"],
 * });
 * if (!r.ok) post(deliveryFailureMessage(msg, receiver, r.reason, ams));
 * ```
 */
export async function sendHttpMtp(
  msg: AclMessage,
  receiver: AgentIdentifier,
  deps: HttpMtpClientDeps,
  options: SendOptions = {},
): Promise<SendResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const attempts: DeliveryAttempt[] = [];
  const addresses = receiver.addresses.filter(isHttpAddress);
  for (const address of receiver.addresses) {
    if (!isHttpAddress(address)) {
      attempts.push({ address, attempt: 0, error: "not an http(s) address; skipped" });
    }
  }
  if (!addresses.length) {
    return {
      ok: false,
      receiver,
      reason: `agent ${receiver.name} has no http address to deliver to`,
      attempts,
    };
  }
  const req = buildHttpMtpRequest(msg, receiver, {
    date: deps.now(),
    boundary: deps.boundary(),
    platformAddresses: options.platformAddresses,
    comments: options.comments,
    representation: options.representation,
    messageId: options.messageId,
  });
  for (const address of addresses) {
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const r = await attemptOnce(deps, address, req, policy.timeoutMs);
      if ("status" in r) {
        attempts.push({ address, attempt, status: r.status });
        if (r.status >= 200 && r.status < 300) {
          return { ok: true, receiver, address, status: r.status, attempts };
        }
        if (!isRetryableStatus(r.status)) break;
      } else {
        attempts.push({ address, attempt, error: r.error });
      }
      if (attempt < policy.maxAttempts) {
        const wait = Math.max(
          backoffDelay(policy, attempt),
          "retryAfter" in r && r.retryAfter !== undefined
            ? Math.min(r.retryAfter, policy.maxDelayMs)
            : 0,
        );
        await deps.sleep(wait);
      }
    }
  }
  const last = attempts[attempts.length - 1];
  const what = last.status !== undefined ? `HTTP ${last.status}` : last.error;
  return {
    ok: false,
    receiver,
    reason: `could not deliver to ${receiver.name} over HTTP MTP after ${
      attempts.filter((a) => a.attempt > 0).length
    } attempts at ${addresses.length} address(es); last: ${what}`,
    attempts,
  };
}
