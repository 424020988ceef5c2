import type {
  DfTemplate,
  Property,
  PropertyValue,
  ServiceDescription,
} from "../../directory/mod.ts";
import {
  slDateTime,
  slFrame,
  type SlItem,
  slNumber,
  slNumberValue,
  slParam,
  slSet,
  type SlTerm,
  slWord,
} from "../ast.ts";
import { isoToSlDateTime, slDateTimeToIso } from "../datetime.ts";
import { parseSl } from "../parser.ts";
import { writeSl } from "../writer.ts";
import { agentIdentifierFromSl, agentIdentifierToSl } from "./agent-identifier.ts";
import { badValue, FrameReader, readCollection, readText, readTextSet } from "./frame.ts";
import { slText } from "./text.ts";

/**
 * Reads a property value: words and strings → string (the words `true`/`false` →
 * boolean), numbers → number, anything else → `{ sl: <its SL text> }`.
 */
export function propertyValueFromSl(t: SlTerm): PropertyValue {
  if (t.kind === "word") {
    const l = t.value.toLowerCase();
    return l === "true" ? true : l === "false" ? false : t.value;
  }
  if (t.kind === "string") return t.value;
  if (t.kind === "number") {
    const n = slNumberValue(t);
    if (Number.isFinite(n)) return n;
  }
  return { sl: writeSl(t) };
}

/** Writes a property value (inverse of {@link propertyValueFromSl}). */
export function propertyValueToSl(v: PropertyValue): SlTerm {
  if (typeof v === "boolean") return slWord(String(v));
  if (typeof v === "number") return slNumber(v);
  if (typeof v === "string") {
    const l = v.toLowerCase();
    return l === "true" || l === "false" ? { kind: "string", value: v } : slText(v);
  }
  return parseSl(v.sl);
}

/** Reads `(property :name n :value v)`. */
export function propertyFromSl(t: SlTerm, parameter = "properties"): Property {
  const f = new FrameReader(t, "property", parameter);
  const name = readText(f.required("name"), "name");
  const value = propertyValueFromSl(f.required("value"));
  f.finish();
  return { name, value };
}

/** Writes `(property :name n :value v)`. */
export function propertyToSl(p: Property): SlTerm {
  return slFrame("property", { name: slText(p.name), value: propertyValueToSl(p.value) });
}

/**
 * Reads a `service-description`. The FIPA 97 singular slots `:protocol`, `:ontology`,
 * `:language` that JADE also writes are merged into the plural sets.
 *
 * @throws {OntologyError}
 */
export function serviceDescriptionFromSl(t: SlTerm, parameter = "services"): ServiceDescription {
  const f = new FrameReader(t, "service-description", parameter);
  const s: ServiceDescription = {
    protocols: readTextSet(f.all("protocols", "protocol"), "protocols"),
    ontologies: readTextSet(f.all("ontologies", "ontology"), "ontologies"),
    languages: readTextSet(f.all("languages", "language"), "languages"),
    properties: [],
  };
  const name = f.one("name");
  if (name !== undefined) s.name = readText(name, "name");
  const type = f.one("type");
  if (type !== undefined) s.type = readText(type, "type");
  const ownership = f.one("ownership");
  if (ownership !== undefined) s.ownership = readText(ownership, "ownership");
  for (const ps of f.all("properties")) {
    for (const p of readCollection(ps, "properties")) s.properties.push(propertyFromSl(p));
  }
  f.finish();
  return s;
}

function setParam(items: SlItem[], name: string, values: string[]): void {
  if (values.length) items.push(slParam(name, slSet(values.map(slText))));
}

/** Writes a `service-description`; empty sets and absent fields are left out. */
export function serviceDescriptionToSl(s: ServiceDescription): SlTerm {
  const t = slFrame("service-description", {
    name: s.name === undefined ? undefined : slText(s.name),
    type: s.type === undefined ? undefined : slText(s.type),
  });
  setParam(t.items, "protocols", s.protocols);
  setParam(t.items, "ontologies", s.ontologies);
  setParam(t.items, "languages", s.languages);
  if (s.ownership !== undefined) t.items.push(slParam("ownership", slText(s.ownership)));
  if (s.properties.length) {
    t.items.push(slParam("properties", slSet(s.properties.map(propertyToSl))));
  }
  return t;
}

/** Options for reading descriptions. */
export interface DescriptionReadOptions {
  /** Now (ISO 8601), to make a relative `lease-time` absolute. */
  now?: string;
}

/**
 * Reads a `df-agent-description` as a template (every field optional; a registration
 * additionally needs `name`, which the DF checks). `lease-time` becomes an absolute ISO
 * instant (a relative one needs `opts.now`; one without zone designator is taken as UTC).
 *
 * @throws {OntologyError}
 */
export function dfAgentDescriptionFromSl(
  t: SlTerm,
  opts: DescriptionReadOptions = {},
  parameter = "description",
): DfTemplate {
  const f = new FrameReader(t, "df-agent-description", parameter);
  const d: DfTemplate = {
    services: [],
    protocols: readTextSet(f.all("protocols", "protocol"), "protocols"),
    ontologies: readTextSet(f.all("ontologies", "ontology"), "ontologies"),
    languages: readTextSet(f.all("languages", "language"), "languages"),
    scope: readTextSet(f.all("scope"), "scope"),
  };
  const name = f.one("name");
  if (name !== undefined) d.name = agentIdentifierFromSl(name, "name");
  for (const ss of f.all("services")) {
    for (const s of readCollection(ss, "services")) d.services.push(serviceDescriptionFromSl(s));
  }
  const lease = f.one("lease-time");
  if (lease !== undefined) {
    let iso = lease.kind === "datetime" ? slDateTimeToIso(lease.text, opts.now) : undefined;
    if (iso !== undefined && !/(Z|[+-]\d\d:\d\d)$/.test(iso)) iso += "Z";
    if (iso === undefined) badValue("lease-time", lease);
    d.lease_time = iso;
  }
  f.finish();
  return d;
}

/** Writes a `df-agent-description` (absent fields and empty sets are left out). */
export function dfAgentDescriptionToSl(d: DfTemplate): SlTerm {
  const t = slFrame("df-agent-description");
  if (d.name) t.items.push(slParam("name", agentIdentifierToSl(d.name)));
  if (d.services.length) {
    t.items.push(slParam("services", slSet(d.services.map(serviceDescriptionToSl))));
  }
  setParam(t.items, "protocols", d.protocols);
  setParam(t.items, "ontologies", d.ontologies);
  setParam(t.items, "languages", d.languages);
  if (d.lease_time !== undefined) {
    t.items.push(slParam("lease-time", slDateTime(isoToSlDateTime(d.lease_time))));
  }
  setParam(t.items, "scope", d.scope);
  return t;
}
