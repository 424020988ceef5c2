import type {
  DfAgentDescription,
  DfTemplate,
  Property,
  PropertyValue,
  ServiceDescription,
} from "./df-description.ts";

/**
 * Whether every element of `sub` is in `sup`, ignoring case (protocol, ontology and
 * language names are FIPA names, which are compared case-insensitively).
 */
export function isSubsetIgnoringCase(sub: readonly string[], sup: readonly string[]): boolean {
  return containsAllLower(sub.map((s) => s.toLowerCase()), sup);
}

/** `wanted` (already lower-cased) ⊆ `sup`, ignoring case. Sets here are small: no hashing. */
function containsAllLower(wanted: readonly string[], sup: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  if (wanted.length > sup.length) return false;
  const have = sup.map((s) => s.toLowerCase());
  return wanted.every((w) => have.includes(w));
}

/** Structural equality of two property values. */
export function samePropertyValue(a: PropertyValue, b: PropertyValue): boolean {
  if (typeof a === "object" && typeof b === "object") return a.sl === b.sl;
  return a === b;
}

function hasProperty(props: readonly Property[], wanted: Property): boolean {
  return props.some((p) => p.name === wanted.name && samePropertyValue(p.value, wanted.value));
}

function compileService(t: ServiceDescription): (s: ServiceDescription) => boolean {
  const protocols = t.protocols.map((x) => x.toLowerCase());
  const ontologies = t.ontologies.map((x) => x.toLowerCase());
  const languages = t.languages.map((x) => x.toLowerCase());
  return (s) =>
    (t.name === undefined || t.name === s.name) &&
    (t.type === undefined || t.type === s.type) &&
    (t.ownership === undefined || t.ownership === s.ownership) &&
    containsAllLower(protocols, s.protocols) &&
    containsAllLower(ontologies, s.ontologies) &&
    containsAllLower(languages, s.languages) &&
    t.properties.every((p) => hasProperty(s.properties, p));
}

/**
 * FIPA DF matching of one service description against a template service: each field the
 * template gives must match (`name`, `type`, `ownership` exactly; `protocols`,
 * `ontologies`, `languages` as subsets ignoring case; each template property must be
 * present with an equal value). Fields absent from the template match anything.
 */
export function matchesServiceTemplate(
  template: ServiceDescription,
  service: ServiceDescription,
): boolean {
  return compileService(template)(service);
}

/**
 * The matcher of a DF template ({@link matchesDfTemplate}), with the template's names
 * lower-cased once: use it to test many registrations against one template.
 */
export function compileDfTemplate(template: DfTemplate): (d: DfAgentDescription) => boolean {
  const name = template.name?.name;
  const protocols = template.protocols.map((x) => x.toLowerCase());
  const ontologies = template.ontologies.map((x) => x.toLowerCase());
  const languages = template.languages.map((x) => x.toLowerCase());
  const services = template.services.map(compileService);
  return (d) =>
    (name === undefined || name === d.name.name) &&
    containsAllLower(protocols, d.protocols) &&
    containsAllLower(ontologies, d.ontologies) &&
    containsAllLower(languages, d.languages) &&
    services.every((m) => d.services.some(m));
}

/**
 * FIPA DF matching (SC00023 `search`): a registration matches a template when every field
 * present in the template matches. `name` compares agent names; the sets (`protocols`,
 * `ontologies`, `languages`) match when the template's set is a subset; each template
 * service must match some service of the registration ({@link matchesServiceTemplate}).
 * `lease_time` and `scope` in a template are not used for matching.
 *
 * @example
 * ```ts
 * matchesDfTemplate(dfTemplate({ services: [serviceDescription({ type: "selling" })] }), reg);
 * ```
 */
export function matchesDfTemplate(template: DfTemplate, d: DfAgentDescription): boolean {
  return compileDfTemplate(template)(d);
}
