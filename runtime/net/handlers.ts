/**
 * The types of protocol handlers and the table that holds them.
 * @module
 */
import type { z } from "zod";

/** What a handler knows about the request it serves. */
export interface RequestContext {
  /** The peer id of the sender (authenticated by Noise). */
  peer: string;
  /** The protocol id the request came in on. */
  protocol: string;
  /** Aborted when the stream it came on closes or the node stops. */
  signal: AbortSignal;
}

/**
 * Serves one request; its return value (JSON-encodable, `Uint8Array` fields allowed) is the
 * response. Throw an `ApiError` to answer with that error code; anything else thrown
 * answers `INTERNAL_ERROR`. For one-way `send`s the return value is discarded.
 */
export type RequestHandler<T> = (frame: T, ctx: RequestContext) => unknown | Promise<unknown>;

/**
 * Serves one transfer: `header` is validated, `body` yields the payload chunks as they
 * arrive (with backpressure: a slow consumer slows the sender). The return value is the
 * response, as for {@link RequestHandler}.
 */
export type TransferHandler<H> = (
  header: H,
  body: AsyncIterable<Uint8Array>,
  ctx: RequestContext,
) => unknown | Promise<unknown>;

/**
 * Serves one raw one-way frame ({@link NetNode.sendBytes}): `body` is the sender's bytes,
 * not yet validated; the handler must decode and validate them (and throw on bad ones).
 */
export type BytesHandler = (body: Uint8Array, ctx: RequestContext) => void;

/** The handlers registered for one protocol id. */
export interface ProtocolHandlers {
  bytes?: BytesHandler;
  rpc?: { schema: z.ZodType; handler: RequestHandler<unknown> };
  transfer?: { schema: z.ZodType; handler: TransferHandler<unknown> };
}
