import { z } from "zod";
import {
  ComponentHashSchema,
  InstantSchema,
  ManifestSummarySchema,
  NodeIdSchema,
} from "./agent-record.ts";

/** How many versions of one agent name the directory keeps (the oldest go first). */
export const MAX_AGENT_VERSIONS = 20;

/** Largest JSON text of a version's `config`, in characters. */
export const MAX_VERSION_CONFIG_CHARS = 16_384;

/**
 * The whole config a version ran with (manifest, limits, restart, hibernation): enough to
 * bring the version back. Plain JSON, at most {@link MAX_VERSION_CONFIG_CHARS} as text.
 */
export const VersionConfigSchema = z.record(z.string().min(1).max(64), z.unknown()).refine(
  (v) => (JSON.stringify(v) ?? "").length <= MAX_VERSION_CONFIG_CHARS,
  { message: `config must be at most ${MAX_VERSION_CONFIG_CHARS} characters of JSON` },
).meta({ description: "plain JSON (commands cross the wire as JSON)" });

/** A version label: the client's `version`, or the automatic `v<seq>`. */
export const VersionLabelSchema = z.string().min(1).max(64);

/**
 * One deploy or update of an agent name as the directory records it: the n-th (`seq`,
 * from 1, never reused for that name) with its label, component, manifest summary (with
 * the limits), full config, who deployed it and where.
 */
export const AgentVersionSchema = z.strictObject({
  seq: z.number().int().min(1),
  version: VersionLabelSchema,
  component_hash: ComponentHashSchema,
  manifest: ManifestSummarySchema,
  config: VersionConfigSchema,
  node: NodeIdSchema,
  deployment_id: z.string().min(1).max(128),
  deployed_by: z.string().min(1).max(256).optional(),
  deployed_at: InstantSchema,
});

/** One recorded version of an agent (see {@link AgentVersionSchema}). */
export type AgentVersion = z.output<typeof AgentVersionSchema>;
