import { z } from "zod";
import { ERROR_STATUS } from "../errors/mod.ts";

/** The JSON error shape every failing route answers with. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    trace_id: z.string(),
  }),
});

/** OpenAPI response entries for the given error statuses. */
export function errorResponses(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: Record<string, { schema: typeof ErrorBodySchema }> }
  > = {};
  for (const s of statuses) {
    out[s] = {
      description: `Error (${
        Object.entries(ERROR_STATUS).filter(([, v]) => v === s).map(([k]) => k).join(", ")
      })`,
      content: { "application/json": { schema: ErrorBodySchema } },
    };
  }
  return out;
}
