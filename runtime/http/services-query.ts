import { z } from "zod";
import { aid } from "../acl/mod.ts";
import {
  type DfAgentDescription,
  dfTemplate,
  type DirectoryReader,
  serviceDescription,
} from "../directory/mod.ts";

/** Query of `GET /api/v1/services` (and the input of the MCP tool `search_services`). */
export const ServicesQuery = z.object({
  name: z.string().min(1).max(256).optional(),
  type: z.string().min(1).max(256).optional(),
  protocol: z.string().min(1).max(256).optional(),
  ontology: z.string().min(1).max(256).optional(),
  language: z.string().min(1).max(256).optional(),
  agent: z.string().min(1).max(1024).optional(),
  max_results: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Read through the leader first, so the answer includes every committed change. */
  consistent: z.enum(["true", "false"]).default("false"),
});
/** A validated services query. */
export type ServicesQuery = z.output<typeof ServicesQuery>;

/**
 * The DF search of a services query: one service template from the fields given (none: any
 * registration), and the agent's name if given (in full or local: the directory keys it).
 * Registrations whose lease ended before `now` (ISO 8601) are left out.
 */
export function findServices(
  directory: DirectoryReader,
  p: ServicesQuery,
  now: string,
): { services: DfAgentDescription[]; total: number } {
  const svc = p.name || p.type || p.protocol || p.ontology || p.language;
  const template = dfTemplate({
    ...(p.agent ? { name: aid(p.agent) } : {}),
    services: svc
      ? [serviceDescription({
        ...(p.name ? { name: p.name } : {}),
        ...(p.type ? { type: p.type } : {}),
        ...(p.protocol ? { protocols: [p.protocol] } : {}),
        ...(p.ontology ? { ontologies: [p.ontology] } : {}),
        ...(p.language ? { languages: [p.language] } : {}),
      })]
      : [],
  });
  const found = directory.searchServices(template, { max_results: p.max_results, now });
  return { services: found, total: found.length };
}
