import { z } from "zod";
import type { AclMessage, AgentIdentifier } from "../../acl/mod.ts";
import {
  type ApDescription,
  envelopeReceivers,
  type EnvelopeView,
  MtpError,
  mtpResponse,
  parseHttpMtpRequest,
} from "../../mtp/mod.ts";
import type { App } from "../env.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** What the ACC needs from the node. */
export interface AccDeps {
  /**
   * Takes a message that arrived over the HTTP MTP for `receivers` (the envelope's, which
   * override the ACL receivers). Resolves once it is handed to the transport (in the
   * mailboxes, or stored in the outbox with `--mtp-delivery at-least-once`); receivers that
   * turn out unknown are the transport's to report back (a FIPA `failure` from our AMS).
   */
  acceptForeign(
    message: AclMessage,
    receivers: AgentIdentifier[],
    info?: { representation: string; messageId?: string },
  ): Promise<void>;
  /**
   * A message arrived in an ACL representation we do not read: tell its sender (the
   * envelope's `from`) with a FIPA `failure`, besides the 415 its ACC gets.
   */
  rejectForeign?(from: AgentIdentifier, receivers: AgentIdentifier[], why: string): Promise<void>;
  /** The platform description (`GET /api/v1/platform`). */
  platform(): ApDescription;
  maxBodyBytes: number;
  /** Refuses senders another platform may not use (this platform's own agents). */
  checkSender?: (message: AclMessage) => void;
}

/**
 * Mounts the FIPA HTTP MTP endpoint `POST /acc` (SC00084; answers 200 with an empty body on
 * acceptance, 400/413/415 when the request is refused) and `GET /api/v1/platform`.
 */
export function accRoutes(app: App, deps: AccDeps): void {
  defineRoute(
    app,
    {
      method: "post",
      path: "/acc",
      security: [],
      summary: "FIPA HTTP MTP: a message from another platform (multipart/mixed)",
      request: {
        body: { content: { "multipart/mixed": { schema: z.string() } }, required: true },
      },
      responses: {
        200: { description: "Accepted by the message transport" },
        400: { description: "Malformed multipart body, envelope or ACL payload" },
        403: { description: "The sender names an agent of this platform" },
        413: { description: "Too large" },
        415: { description: "Unsupported content type, representation or charset" },
      },
    },
    async (c) => {
      try {
        const body = new Uint8Array(await c.req.arrayBuffer());
        const got = parseHttpMtpRequest(c.req.header("content-type") ?? "", body, {
          now: Date.now(),
          limits: { maxBytes: deps.maxBodyBytes },
        });
        deps.checkSender?.(got.message);
        await deps.acceptForeign(got.message, got.receivers, {
          representation: got.representation,
          ...(got.messageId ? { messageId: got.messageId } : {}),
        });
        return mtpResponse();
      } catch (e) {
        const env = e instanceof MtpError && e.details.reason === "unsupported-representation"
          ? e.details.envelope as EnvelopeView | undefined
          : undefined;
        if (env?.from && deps.rejectForeign) {
          await deps.rejectForeign(env.from, envelopeReceivers(env), (e as Error).message);
        }
        return mtpResponse(e);
      }
    },
  );

  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/platform",
      summary: "This platform's description (like a FIPA ap-description)",
      responses: {
        200: {
          description: "Platform name, MTP addresses, representations and content languages",
          content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
        },
        ...errorResponses(401),
      },
    },
    (c) => c.json(deps.platform()),
  );
}
