import { z } from "zod";
import { type AgentIdentifier, AgentIdentifierSchema } from "../acl/mod.ts";

const Text = z.string().min(1, "must not be empty").max(1024);
const TextSet = z.array(Text).max(256).default([]);

/**
 * The value of a service property (SC00023 `property`). Strings, numbers and booleans
 * stand for themselves; any other SL term (a date-time, a structured term) is kept as its
 * SL text in `{ sl }`, so it still compares and round-trips exactly.
 */
export type PropertyValue = string | number | boolean | { sl: string };

/** Schema of a {@link PropertyValue}. */
export const PropertyValueSchema: z.ZodType<PropertyValue> = z.union([
  z.string().max(65536),
  z.number().refine(Number.isFinite, "property value must be a finite number"),
  z.boolean(),
  z.strictObject({ sl: z.string().min(1).max(65536) }),
]);

/** Schema of a service property: a name/value pair (SC00023 `property`). */
export const PropertySchema = z.strictObject({ name: Text, value: PropertyValueSchema });

/** A service property. */
export type Property = z.output<typeof PropertySchema>;

/**
 * Schema of a service description (SC00023 `service-description`). Every field is
 * optional in FIPA; the sets default to empty.
 */
export const ServiceDescriptionSchema = z.strictObject({
  name: Text.optional(),
  type: Text.optional(),
  protocols: TextSet,
  ontologies: TextSet,
  languages: TextSet,
  ownership: Text.optional(),
  properties: z.array(PropertySchema).max(256).default([]),
});

/** A service an agent offers (SC00023 `service-description`). */
export type ServiceDescription = z.output<typeof ServiceDescriptionSchema>;

const dfFields = {
  services: z.array(ServiceDescriptionSchema).max(256).default([]),
  protocols: TextSet,
  ontologies: TextSet,
  languages: TextSet,
  /** Absolute expiry of the registration, ISO 8601 UTC (`lease-time` made absolute). */
  lease_time: z.iso.datetime({ offset: true }).optional(),
  scope: TextSet,
};

/**
 * Schema of a DF registration (SC00023 `df-agent-description`): the agent's identifier
 * (mandatory for register, modify and deregister), its services, the protocols, ontologies
 * and languages it understands, an optional lease expiry and scope.
 */
export const DfAgentDescriptionSchema = z.strictObject({
  name: AgentIdentifierSchema,
  ...dfFields,
});

/** A DF registration. */
export interface DfAgentDescription {
  name: AgentIdentifier;
  services: ServiceDescription[];
  protocols: string[];
  ontologies: string[];
  languages: string[];
  lease_time?: string;
  scope: string[];
}

/**
 * Schema of a DF search template: a `df-agent-description` whose every field may be
 * absent. See {@link matchesDfTemplate} for the matching rules.
 */
export const DfTemplateSchema = z.strictObject({
  name: AgentIdentifierSchema.optional(),
  ...dfFields,
});

/** A DF search template (a `df-agent-description` with every field optional). */
export type DfTemplate = Omit<DfAgentDescription, "name"> & { name?: AgentIdentifier };

/** Builds a service description, filling the empty sets. */
export function serviceDescription(
  fields: Partial<ServiceDescription> = {},
): ServiceDescription {
  return { protocols: [], ontologies: [], languages: [], properties: [], ...fields };
}

/**
 * Builds a DF registration for `name`, filling the empty sets.
 *
 * @example
 * ```ts
 * dfAgentDescription(aid("seller@node-a"), {
 *   services: [serviceDescription({ name: "books", type: "selling" })],
 * });
 * ```
 */
export function dfAgentDescription(
  name: AgentIdentifier,
  fields: Partial<Omit<DfAgentDescription, "name">> = {},
): DfAgentDescription {
  return { name, services: [], protocols: [], ontologies: [], languages: [], scope: [], ...fields };
}

/** Builds a DF template (every field optional; the sets default to empty). */
export function dfTemplate(fields: Partial<DfTemplate> = {}): DfTemplate {
  return { services: [], protocols: [], ontologies: [], languages: [], scope: [], ...fields };
}
