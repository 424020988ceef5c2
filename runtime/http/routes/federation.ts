import { z } from "zod";
import { aid } from "../../acl/mod.ts";
import type { DfFederationControl } from "../../cluster/mod.ts";
import type { App } from "../env.ts";
import { readJson } from "../json-body.ts";
import { defineRoute } from "../route.ts";
import { errorResponses } from "../schemas.ts";

/** Body of `POST /api/v1/df/federation`: the other platform's DF and its MTP address(es). */
export const FederateBody = z.strictObject({
  df: z.string().regex(/^[^\s()@]+@[^\s()]+$/, "expected <df name>@<platform>"),
  addresses: z.array(z.url({ protocol: /^https?$/ })).min(1).max(16),
});

const StatusSchema = z.object({
  df: z.string(),
  addresses: z.array(z.string()),
  state: z.enum(["joining", "registered"]),
  last_error: z.string().optional(),
  attempts: z.number(),
});

/**
 * Mounts `GET /api/v1/df/federation` (the DFs of other platforms this platform's DF
 * registers with, and how far it got) and `POST /api/v1/df/federation` (register with one
 * more: `200` once registered, `202` while it is still trying, retried in the background).
 * Federated DFs receive searches with `max-depth` > 0 (see README).
 */
export function federationRoutes(app: App, deps: { federation: DfFederationControl }): void {
  const { federation } = deps;
  defineRoute(
    app,
    {
      method: "get",
      path: "/api/v1/df/federation",
      summary: "DFs of other platforms this DF registers with (federation)",
      responses: {
        200: {
          description: "Federated DFs and their state",
          content: {
            "application/json": { schema: z.object({ federated: z.array(StatusSchema) }) },
          },
        },
        ...errorResponses(401),
      },
    },
    (c) => c.json({ federated: federation.list() }),
  );
  defineRoute(
    app,
    {
      method: "post",
      path: "/api/v1/df/federation",
      summary: "Register this platform's DF with another platform's DF (federation)",
      request: {
        body: { required: true, content: { "application/json": { schema: FederateBody } } },
      },
      responses: {
        200: {
          description: "Registered",
          content: { "application/json": { schema: StatusSchema } },
        },
        202: {
          description: "Not registered yet: retried in the background",
          content: { "application/json": { schema: StatusSchema } },
        },
        ...errorResponses(400, 401, 403, 415),
      },
    },
    async (c) => {
      const b = await readJson(c, FederateBody);
      const s = await federation.join(aid(b.df, b.addresses));
      return c.json(s, s.state === "registered" ? 200 : 202);
    },
  );
}
