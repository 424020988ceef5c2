import { senderFromSubject } from "./claims.ts";
import { hasAction, matchesPattern, type Principal } from "./roles.ts";

/** The platform agents' names: never a sender an HTTP caller may use. */
export const PLATFORM_AGENT_NAMES: readonly string[] = ["ams", "df"];

/** Why a sender was refused. */
export type SenderRefusal = "platform agent" | "hosted agent" | "not allowed for this token";

/** The decision on a sender. */
export type SenderDecision = { ok: true } | { ok: false; reason: SenderRefusal; allowed: string[] };

/**
 * The sender names (glob patterns) a principal may use: its `as:` scopes and its token's sender
 * claim, or else one name derived from its subject. Admins and an open API may use any name.
 */
export function allowedSenders(p: Principal): string[] | "any" {
  if (p.via === "open" || hasAction(p, "admin")) return "any";
  const named = [...p.scopes.filter((s) => s.kind === "as").map((s) => s.pattern)];
  for (const s of p.senders ?? []) named.push(s);
  return named.length > 0 ? named : [senderFromSubject(p.subject)];
}

/**
 * Whether an HTTP caller may name `sender` on a message. The platform agents (`ams`, `df`, of
 * any platform) and agents hosted on this platform (`isHosted`, given the full name) are never
 * available; otherwise the name must be one {@link allowedSenders} allows. Pure.
 */
export function checkSender(
  p: Principal,
  sender: string,
  isHosted: (name: string) => boolean,
): SenderDecision {
  const allowed = allowedSenders(p);
  const shown = allowed === "any" ? [] : allowed;
  const local = sender.split("@")[0];
  if (PLATFORM_AGENT_NAMES.includes(local)) {
    return { ok: false, reason: "platform agent", allowed: shown };
  }
  if (isHosted(sender)) return { ok: false, reason: "hosted agent", allowed: shown };
  if (allowed === "any" || allowed.some((a) => matchesPattern(a, sender))) return { ok: true };
  return { ok: false, reason: "not allowed for this token", allowed: shown };
}
