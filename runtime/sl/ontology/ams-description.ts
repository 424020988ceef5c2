import type { AgentIdentifier } from "../../acl/mod.ts";
import { slFrame, slParam, slSequence, type SlTerm, slWord } from "../ast.ts";
import { agentIdentifierFromSl, agentIdentifierToSl } from "./agent-identifier.ts";
import { badValue, FrameReader, readCollection, readText } from "./frame.ts";
import { slText } from "./text.ts";

/** FIPA agent platform life-cycle states (SC00023 `ams-agent-description :state`). */
export const AMS_STATES = ["initiated", "active", "suspended", "waiting", "transit"] as const;

/** One FIPA life-cycle state. */
export type AmsState = typeof AMS_STATES[number];

/** An `ams-agent-description`; as a search template every field is optional. */
export interface AmsAgentDescription {
  name?: AgentIdentifier;
  ownership?: string;
  state?: AmsState;
}

/** Reads an `ams-agent-description` (the state word is case-insensitive). */
export function amsAgentDescriptionFromSl(
  t: SlTerm,
  parameter = "description",
): AmsAgentDescription {
  const f = new FrameReader(t, "ams-agent-description", parameter);
  const d: AmsAgentDescription = {};
  const name = f.one("name");
  if (name !== undefined) d.name = agentIdentifierFromSl(name, "name");
  const ownership = f.one("ownership");
  if (ownership !== undefined) d.ownership = readText(ownership, "ownership");
  const state = f.one("state");
  if (state !== undefined) {
    const s = readText(state, "state").toLowerCase();
    if (!(AMS_STATES as readonly string[]).includes(s)) badValue("state", state);
    d.state = s as AmsState;
  }
  f.finish();
  return d;
}

/** Writes an `ams-agent-description`. */
export function amsAgentDescriptionToSl(d: AmsAgentDescription): SlTerm {
  return slFrame("ams-agent-description", {
    name: d.name && agentIdentifierToSl(d.name),
    ownership: d.ownership === undefined ? undefined : slText(d.ownership),
    state: d.state === undefined ? undefined : slWord(d.state),
  });
}

/** An `ap-service`: one service of the platform, e.g. an MTP with its addresses. */
export interface ApService {
  name: string;
  type: string;
  addresses: string[];
}

/** An `ap-description`: the platform's name and services (the AMS `get-description`). */
export interface ApDescription {
  name: string;
  ap_services: ApService[];
}

/** The `ap-service` name and type of the FIPA HTTP MTP (SC00084). */
export const HTTP_MTP_SERVICE = "fipa.mts.mtp.http.std";

/** Reads an `ap-service`. */
export function apServiceFromSl(t: SlTerm, parameter = "ap-services"): ApService {
  const f = new FrameReader(t, "ap-service", parameter);
  const name = readText(f.required("name"), "name");
  const type = readText(f.required("type"), "type");
  const addresses: string[] = [];
  for (const a of f.all("addresses")) {
    for (const e of readCollection(a, "addresses")) addresses.push(readText(e, "addresses"));
  }
  f.finish();
  return { name, type, addresses };
}

/** Writes an `ap-service`. */
export function apServiceToSl(s: ApService): SlTerm {
  const t = slFrame("ap-service", { name: slText(s.name), type: slText(s.type) });
  t.items.push(slParam("addresses", slSequence(s.addresses.map(slText))));
  return t;
}

/** Reads an `ap-description`. */
export function apDescriptionFromSl(t: SlTerm, parameter = "result"): ApDescription {
  const f = new FrameReader(t, "ap-description", parameter);
  const name = readText(f.required("name"), "name");
  const ap_services: ApService[] = [];
  for (const s of f.all("ap-services")) {
    for (const e of readCollection(s, "ap-services")) ap_services.push(apServiceFromSl(e));
  }
  f.finish();
  return { name, ap_services };
}

/**
 * Writes an `ap-description`, e.g.
 * `(ap-description :name "p:1099/x" :ap-services (sequence (ap-service ...)))`.
 */
export function apDescriptionToSl(d: ApDescription): SlTerm {
  return slFrame("ap-description", {
    name: slText(d.name),
    "ap-services": slSequence(d.ap_services.map(apServiceToSl)),
  });
}
