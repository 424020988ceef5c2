import type { AclMessage, AgentIdentifier } from "../acl/mod.ts";
import {
  type DfAgentDescription,
  DfAgentDescriptionSchema,
  type DfTemplate,
  type DirectoryReader,
  type ServiceDescription,
} from "../directory/mod.ts";
import {
  actionToSl,
  dfAgentDescriptionFromSl,
  dfAgentDescriptionToSl,
  doneFromSl,
  exceptionFromSl,
  OntologyError,
  parseSlContent,
  resultFromSl,
  resultToSl,
  SlError,
  slSequence,
  type SlTerm,
  writeSlContent,
} from "../sl/mod.ts";
import { type FederationContext, sameAgentName } from "./context.ts";

export type { FederationContext };
import {
  AGENT_MANAGEMENT_ONTOLOGY,
  buildReply,
  DEFAULT_LANGUAGE,
  type ReplyTemplate,
} from "./reply.ts";

/** Descriptions read from one federated DF's answer at most (the rest are ignored). */
export const MAX_FEDERATED_RESULTS = 1000;

/** The service type a DF registers under when it federates with another DF (SC00023). */
export const DF_SERVICE_TYPE = "fipa-df";

/**
 * A search to propagate to federated DFs: the shell sends {@link searchRequestTo} to every
 * target, collects the results of the `inform`s ({@link searchResultsOf}) until all have
 * answered or its time bound passed, then answers with {@link federatedSearchInform}.
 */
export interface FederatedSearch {
  /** Where the final `inform` goes. */
  reply: ReplyTemplate;
  /** The action as received (echoed in the `inform`). */
  action: SlTerm;
  template: DfTemplate;
  /** The local matches. */
  local: DfAgentDescription[];
  /** Results wanted at most (the effective `max-results`). */
  max_results: number;
  /** The search id sent on (loop detection). */
  search_id: string;
  /** The `max-depth` the federated DFs get (one less than ours; negative stays unlimited). */
  max_depth: number;
  /** The federated DFs to ask. */
  targets: AgentIdentifier[];
}

/**
 * The federated DFs of `self`: the DF-type entries registered with it (services of type
 * {@link DF_SERVICE_TYPE}) and the DFs it registered with, once each (names compare
 * ignoring case), never `self` nor `exclude` (the DF that asked). O(k) for the k DF entries.
 */
export function federatedDfs(
  directory: DirectoryReader,
  self: string,
  parents: readonly AgentIdentifier[],
  opts: {
    now: string;
    exclude?: string;
    /** The identifier other platforms know a directory entry by (default: as stored). */
    fullId?: (id: AgentIdentifier) => AgentIdentifier;
  },
): AgentIdentifier[] {
  const fullId = opts.fullId ?? ((id: AgentIdentifier) => id);
  const children = directory.searchServices(
    {
      services: [dfService()],
      protocols: [],
      ontologies: [],
      languages: [],
      scope: [],
    },
    { now: opts.now },
  ).map((d) => fullId(d.name));
  const out: AgentIdentifier[] = [];
  for (const id of [...children, ...parents]) {
    if (sameAgentName(id.name, self)) continue;
    if (opts.exclude !== undefined && sameAgentName(id.name, opts.exclude)) continue;
    if (out.some((o) => sameAgentName(o.name, id.name))) continue;
    out.push(id);
  }
  return out;
}

function dfService(name?: string): ServiceDescription {
  const s: ServiceDescription = {
    type: DF_SERVICE_TYPE,
    protocols: [],
    ontologies: [],
    languages: [],
    properties: [],
  };
  if (name !== undefined) s.name = name;
  return s;
}

/**
 * The description a DF registers with another DF to federate: its identifier and one
 * service of type {@link DF_SERVICE_TYPE}, speaking FIPA-request in FIPA-SL0 with the
 * fipa-agent-management ontology (what JADE's DF registers as).
 */
export function federationDescription(self: AgentIdentifier): DfAgentDescription {
  return {
    name: self,
    services: [{
      ...dfService("df"),
      protocols: ["fipa-request"],
      ontologies: [AGENT_MANAGEMENT_ONTOLOGY],
      languages: [DEFAULT_LANGUAGE],
    }],
    protocols: ["fipa-request"],
    ontologies: [AGENT_MANAGEMENT_ONTOLOGY],
    languages: [DEFAULT_LANGUAGE],
    scope: [],
  };
}

/** Conversation parameters of a request the DF starts. */
export interface RequestIds {
  conversation_id: string;
  reply_with: string;
}

function managementRequest(
  self: AgentIdentifier,
  to: AgentIdentifier,
  action: SlTerm,
  ids: RequestIds,
): AclMessage {
  return {
    performative: "request",
    sender: self,
    receivers: [to],
    content: writeSlContent([action]),
    language: DEFAULT_LANGUAGE,
    ontology: AGENT_MANAGEMENT_ONTOLOGY,
    protocol: "fipa-request",
    conversation_id: ids.conversation_id,
    reply_with: ids.reply_with,
  };
}

/** The `register` request with which DF `self` federates with DF `parent`. */
export function registrationRequest(
  self: AgentIdentifier,
  parent: AgentIdentifier,
  ids: RequestIds,
): AclMessage {
  const action = actionToSl({
    actor: parent,
    action: {
      function: "register",
      description: { kind: "df", value: federationDescription(self) },
    },
  });
  return managementRequest(self, parent, action, ids);
}

/** The `search` request that propagates `plan` to the federated DF `to`. */
export function searchRequestTo(
  self: AgentIdentifier,
  to: AgentIdentifier,
  plan: FederatedSearch,
  ids: RequestIds,
): AclMessage {
  const action = actionToSl({
    actor: to,
    action: {
      function: "search",
      description: { kind: "df", value: plan.template },
      constraints: {
        max_depth: plan.max_depth,
        max_results: plan.max_results - plan.local.length,
        search_id: plan.search_id,
      },
    },
  });
  return managementRequest(self, to, action, ids);
}

/** How a federated DF answered a request: still going (`agree`), done, or not. */
export type FederatedAnswer =
  | { kind: "agreed" }
  | { kind: "done"; results: DfAgentDescription[] }
  | { kind: "failed"; reason: string };

function elementsOf(msg: AclMessage): SlTerm[] | undefined {
  if (typeof msg.content !== "string") return undefined;
  try {
    return parseSlContent(msg.content, { allowMissingValues: true });
  } catch (e) {
    if (e instanceof SlError) return undefined;
    throw e;
  }
}

function reasonOf(msg: AclMessage): string {
  const els = elementsOf(msg);
  const last = els?.[els.length - 1];
  const e = last === undefined ? undefined : exceptionFromSl(last);
  if (e !== undefined) return `${msg.performative}: ${e.kind}`;
  return `${msg.performative}: ${typeof msg.content === "string" ? msg.content.slice(0, 200) : ""}`;
}

/**
 * Reads a federated DF's answer to a `search` or `register`: `agree` goes on, `inform`
 * with `((result <action> (sequence <dfd>...)))` gives the results (at most
 * {@link MAX_FEDERATED_RESULTS}; descriptions without a name or with values a registration
 * could not have are skipped), `inform` with `((done <action>))` gives none, and anything else
 * (`refuse`, `failure`, `not-understood`, unreadable content) is a failure with its reason.
 */
export function readFederatedAnswer(msg: AclMessage): FederatedAnswer {
  if (msg.performative === "agree") return { kind: "agreed" };
  if (msg.performative !== "inform") return { kind: "failed", reason: reasonOf(msg) };
  const els = elementsOf(msg);
  if (els === undefined || els.length !== 1) {
    return { kind: "failed", reason: "inform without one SL content element" };
  }
  if (doneFromSl(els[0]) !== undefined) return { kind: "done", results: [] };
  const r = resultFromSl(els[0]);
  if (r === undefined || r.value.kind !== "list") {
    return { kind: "failed", reason: "inform without (result <action> (sequence ...))" };
  }
  const results: DfAgentDescription[] = [];
  for (const item of r.value.items.slice(1, 1 + MAX_FEDERATED_RESULTS)) {
    if (item.kind === "param") continue;
    try {
      // What another platform says is checked like a registration before we pass it on.
      const d = DfAgentDescriptionSchema.safeParse(dfAgentDescriptionFromSl(item));
      if (d.success) results.push(d.data as DfAgentDescription);
    } catch (e) {
      if (!(e instanceof OntologyError)) throw e;
    }
  }
  return { kind: "done", results };
}

/** Whether a failed `register` failed only because the registration already exists. */
export function isAlreadyRegistered(msg: AclMessage): boolean {
  if (msg.performative !== "failure") return false;
  const els = elementsOf(msg);
  const last = els?.[els.length - 1];
  return last !== undefined && exceptionFromSl(last)?.kind === "already-registered";
}

/**
 * Local and federated results merged: each agent once (the first description seen wins,
 * local ones first; names compare ignoring case), at most `max` (negative: no limit).
 */
export function mergeSearchResults(
  local: readonly DfAgentDescription[],
  remote: readonly (readonly DfAgentDescription[])[],
  max: number,
): DfAgentDescription[] {
  const limit = max < 0 ? Infinity : max;
  const out: DfAgentDescription[] = [];
  const names = new Set<string>();
  for (const list of [local, ...remote]) {
    for (const d of list) {
      if (out.length >= limit) return out;
      const key = d.name.name.toLowerCase();
      if (names.has(key)) continue;
      names.add(key);
      out.push(d);
    }
  }
  return out;
}

/** The final `inform` of a propagated search, with the merged results. */
export function federatedSearchInform(
  plan: FederatedSearch,
  remote: readonly (readonly DfAgentDescription[])[],
): AclMessage {
  const merged = mergeSearchResults(plan.local, remote, plan.max_results);
  return buildReply(plan.reply, "inform", [
    resultToSl(plan.action, slSequence(merged.map(dfAgentDescriptionToSl))),
  ]);
}
