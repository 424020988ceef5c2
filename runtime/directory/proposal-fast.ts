/**
 * The happy path of reading a Raft entry's directory proposal: a hand-written check that a
 * decoded JSON value certainly passes {@link DirectoryProposalSchema} and comes out of it
 * unchanged (every defaulted field present, no other key), for the DF commands
 * (`df.register`, `df.modify`, `df.deregister`). An entry is written by the leader from a
 * proposal the schema produced, so its fields are already in that form, and every replica
 * applies every entry: at 25 nodes the schema's walk of each entry (~35 µs) was a fifth of a
 * learner's busy time. `false` does not mean invalid: the caller asks the schema then, for
 * its verdict and its message. `tests/unit/directory/proposal-fast.test.ts` checks, with
 * seeded property tests, that wherever this says `true` the schema accepts the value and
 * returns an equal one.
 * @module
 */
import { z } from "zod";
import { hasOnlyKeys, isAgentName, isCanonicalAid, isPlainRecord } from "../acl/mod.ts";
import type { DirectoryProposal } from "./commands.ts";

/** The pattern of `InstantSchema` (`z.iso.datetime({ offset: true })`). */
const INSTANT = z.regexes.datetime({ offset: true });
const MAX_REQUEST_ID = 200;
const MAX_TEXT = 1024;
const MAX_SET = 256;
const MAX_VALUE = 65536;

const PROPOSAL_KEYS: ReadonlySet<string> = new Set(["request_id", "command"]);
const DF_WRITE_KEYS: ReadonlySet<string> = new Set(["type", "description", "at"]);
const DF_DEREGISTER_KEYS: ReadonlySet<string> = new Set(["type", "name", "at"]);
const DESCRIPTION_KEYS: ReadonlySet<string> = new Set([
  "name",
  "services",
  "protocols",
  "ontologies",
  "languages",
  "lease_time",
  "scope",
]);
const SERVICE_KEYS: ReadonlySet<string> = new Set([
  "name",
  "type",
  "protocols",
  "ontologies",
  "languages",
  "ownership",
  "properties",
]);
const PROPERTY_KEYS: ReadonlySet<string> = new Set(["name", "value"]);
const SL_KEYS: ReadonlySet<string> = new Set(["sl"]);

function isText(v: unknown): boolean {
  return typeof v === "string" && v.length >= 1 && v.length <= MAX_TEXT;
}

function isInstant(v: unknown): boolean {
  return typeof v === "string" && INSTANT.test(v);
}

/** A present set of texts (the schema's default `[]` already filled in). */
function isTextSet(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > MAX_SET) return false;
  for (const x of v) if (!isText(x)) return false;
  return true;
}

function isPropertyValue(v: unknown): boolean {
  switch (typeof v) {
    case "string":
      return v.length <= MAX_VALUE;
    case "number":
      return Number.isFinite(v);
    case "boolean":
      return true;
    default:
      return isPlainRecord(v) && hasOnlyKeys(v, SL_KEYS) && typeof v.sl === "string" &&
        v.sl.length >= 1 && v.sl.length <= MAX_VALUE;
  }
}

function isService(v: unknown): boolean {
  if (!isPlainRecord(v) || !hasOnlyKeys(v, SERVICE_KEYS)) return false;
  for (const k of ["name", "type", "ownership"]) {
    if (v[k] !== undefined && !isText(v[k])) return false;
    if (v[k] === undefined && k in v) return false;
  }
  if (!isTextSet(v.protocols) || !isTextSet(v.ontologies) || !isTextSet(v.languages)) {
    return false;
  }
  const props = v.properties;
  if (!Array.isArray(props) || props.length > MAX_SET) return false;
  for (const p of props) {
    if (!isPlainRecord(p) || !hasOnlyKeys(p, PROPERTY_KEYS)) return false;
    if (!isText(p.name) || !isPropertyValue(p.value)) return false;
  }
  return true;
}

function isDescription(v: unknown): boolean {
  if (!isPlainRecord(v) || !hasOnlyKeys(v, DESCRIPTION_KEYS)) return false;
  if (!isCanonicalAid(v.name)) return false;
  const services = v.services;
  if (!Array.isArray(services) || services.length > MAX_SET) return false;
  for (const s of services) if (!isService(s)) return false;
  if (!isTextSet(v.protocols) || !isTextSet(v.ontologies) || !isTextSet(v.languages)) {
    return false;
  }
  if (!isTextSet(v.scope)) return false;
  if ("lease_time" in v && !isInstant(v.lease_time)) return false;
  return true;
}

function isDfCommand(v: unknown): boolean {
  if (!isPlainRecord(v) || !isInstant(v.at)) return false;
  switch (v.type) {
    case "df.register":
    case "df.modify":
      return hasOnlyKeys(v, DF_WRITE_KEYS) && isDescription(v.description);
    case "df.deregister":
      return hasOnlyKeys(v, DF_DEREGISTER_KEYS) && isAgentName(v.name);
    default:
      return false;
  }
}

/**
 * Whether `v` (a freshly decoded JSON value) certainly passes `DirectoryProposalSchema` and
 * comes out of it unchanged: a DF command (`df.register`, `df.modify`, `df.deregister`) with
 * every defaulted field present and no other key. Pure; `false` for anything else, valid or
 * not (ask the schema then).
 */
export function isCanonicalProposal(v: unknown): v is DirectoryProposal {
  if (!isPlainRecord(v) || !hasOnlyKeys(v, PROPOSAL_KEYS)) return false;
  const id = v.request_id;
  if (typeof id !== "string" || id.length < 1 || id.length > MAX_REQUEST_ID) return false;
  return isDfCommand(v.command);
}
