import { type AclMessage, type AgentIdentifier, aid } from "../acl/mod.ts";
import type { DirectoryReader } from "../directory/mod.ts";
import type { SubscriptionRegistry } from "./subscriptions.ts";
import type { AmsSubscriptionRegistry } from "./ams-subscriptions.ts";

/** What the pure AMS/DF handlers are given by the shell around them. */
export interface ManagementContext {
  /** The platform name: the AMS is `ams@<platform>`, the DF `df@<platform>`. */
  platform: string;
  /** The platform's MTP addresses (e.g. `http://host:7778/acc`), for AIDs and `get-description`. */
  addresses: string[];
  /** Now, ISO 8601 (injected): makes relative lease-times absolute and hides expired leases. */
  now: string;
  /** Read access to the directory. */
  directory: DirectoryReader;
  /** The DF's subscriptions (needed to answer `cancel`); empty when absent. */
  subscriptions?: SubscriptionRegistry;
  /** The AMS's subscriptions to platform events (needed to answer `cancel`). */
  amsSubscriptions?: AmsSubscriptionRegistry;
  /**
   * Whether `requester` may register, modify or deregister the DF description of `target`.
   * Default: anyone may, except for the platform's own agents (the AMS and the DF).
   */
  mayModify?: (requester: AgentIdentifier, target: AgentIdentifier) => boolean;
  /**
   * Whether `requester` may `register`, `modify` or `deregister` the AMS description of
   * `target` (its full identifier). Default: only the agent itself.
   */
  mayManage?: (requester: AgentIdentifier, target: AgentIdentifier) => boolean;
  /** `max-results` when a search gives none (default 100). */
  defaultMaxResults?: number;
  /** Upper bound on `max-results` (default 1000). */
  maxResultsCap?: number;
  /**
   * The local name an agent name of this platform stands for, `undefined` for another
   * platform's (the router's `localName`, which knows the node names as aliases). Default:
   * a bare name, or `<local>@<platform>`.
   */
  localName?: (name: string) => string | undefined;
  /** DF federation (absent: searches never propagate, search ids are not checked). */
  federation?: FederationContext;
}

/**
 * What the DF needs to federate: the DFs it registered with (configured by the operator),
 * which search ids it has already answered (loop detection), and a fresh search id for a
 * propagated search that came without one.
 */
export interface FederationContext {
  /** The DFs this DF registered with (its parents), with their MTP addresses. */
  parents: AgentIdentifier[];
  /** Whether a search with this id was already served here (a loop). */
  seen: (searchId: string) => boolean;
  /** A fresh search id, used when a propagated search came without one. */
  freshSearchId: string;
}

/** Which platform agent a message is for. */
export type ManagementAgent = "ams" | "df";

/** Agent names compare ignoring case, as JADE's `AID.equals` does. */
export function sameAgentName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The identifier of the platform's AMS or DF (with the platform's addresses). */
export function platformAgentId(ctx: ManagementContext, who: ManagementAgent): AgentIdentifier {
  return aid(`${who}@${ctx.platform}`, [...ctx.addresses]);
}

/**
 * Whether a message is addressed to the platform's DF or AMS (the first such receiver
 * wins), by full name or by local name, or `undefined` if to neither.
 */
export function managementTarget(
  platform: string,
  msg: AclMessage,
  localName?: (name: string) => string | undefined,
): ManagementAgent | undefined {
  for (const r of msg.receivers) {
    if (sameAgentName(r.name, `df@${platform}`)) return "df";
    if (sameAgentName(r.name, `ams@${platform}`)) return "ams";
    // A local name (`ams`, `df`) or a name of one of the platform's aliases.
    const local = localName ? localName(r.name) : r.name.includes("@") ? undefined : r.name;
    if (local !== undefined && sameAgentName(local, "df")) return "df";
    if (local !== undefined && sameAgentName(local, "ams")) return "ams";
  }
  return undefined;
}

/** The default DF authorisation: nobody acts on the platform's own AMS or DF. */
export function defaultMayModify(platform: string) {
  const own = [`df@${platform}`, `ams@${platform}`, "df", "ams"];
  return (_requester: AgentIdentifier, target: AgentIdentifier): boolean =>
    !own.some((n) => sameAgentName(target.name, n));
}
