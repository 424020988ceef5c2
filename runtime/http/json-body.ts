import type { Context } from "hono";
import type { z } from "zod";
import { zodIssues } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { mediaType } from "./acl-body.ts";
import type { AppEnv } from "./env.ts";

/**
 * Reads a JSON request body and validates it with `schema`.
 *
 * @throws {ApiError} `415` for a non-JSON content type; `400 INVALID_REQUEST` for bad JSON
 *   or a body the schema refuses, with the field path of each problem in `details.issues`.
 */
export async function readJson<S extends z.ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  const type = mediaType(c.req.header("content-type"));
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type '${type || "(none)"}' is not supported; send application/json`,
      { content_type: type, supported: ["application/json"] },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(await c.req.text());
  } catch (e) {
    throw new ApiError("INVALID_REQUEST", `Body is not valid JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issues = zodIssues(r.error);
    const first = issues[0];
    throw new ApiError(
      "INVALID_REQUEST",
      `Invalid request: ${first.path?.join(".") || "body"}: ${first.message}`,
      { path: first.path, issues },
    );
  }
  return r.data;
}
